from django.core.serializers import json as base

from . import RefuseEncryptedFields


class Serializer(RefuseEncryptedFields, base.Serializer):
    pass


Deserializer = base.Deserializer
