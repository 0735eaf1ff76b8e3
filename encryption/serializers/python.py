from django.core.serializers import python as base

from . import RefuseEncryptedFields


class Serializer(RefuseEncryptedFields, base.Serializer):
    pass


Deserializer = base.Deserializer
