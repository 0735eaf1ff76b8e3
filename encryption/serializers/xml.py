from django.core.serializers import xml_serializer as base

from . import RefuseEncryptedFields


class Serializer(RefuseEncryptedFields, base.Serializer):
    pass


Deserializer = base.Deserializer
