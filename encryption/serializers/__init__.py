"""Django serialisers that refuse encrypted fields, so that `dumpdata` and friends can never
write client data out as plaintext. Registered for every built-in format in settings
(SERIALIZATION_MODULES). Django's own serialisers would pass dates and numbers straight
through without asking the field."""

from ..errors import PlaintextQueryError
from ..fields import EncryptedField


class RefuseEncryptedFields:
    def handle_field(self, obj, field):
        if isinstance(field, EncryptedField):
            raise PlaintextQueryError(
                f"{obj.__class__.__name__}.{field.name} is encrypted and is never serialised "
                "(dumpdata is refused for client data); use the backup command."
            )
        super().handle_field(obj, field)
