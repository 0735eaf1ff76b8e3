"""Model fields whose values are stored as AES-256-GCM envelopes (see envelope.py).

Values are decrypted lazily, on first attribute access, because the associated data needs the
row's primary key and its parent, which ``from_db_value`` does not receive. Until then the
instance holds a ``Sealed`` (the raw stored bytes). Saving encrypts the current value afresh
under the primary key.

A model binds its values to its parent by naming the foreign keys in ``encryption_parents``
(attribute names, e.g. ``("client_id",)``): the values of those columns at the time of reading
are part of the associated data, so a row moved to another parent fails to decrypt. Code that
moves a row on purpose reads every encrypted value first (``open_all``), then changes the
parent and saves: the values are sealed afresh for the new parent.
"""

import datetime
import json
from typing import Any

from django import forms
from django.apps import apps as django_apps
from django.core import validators
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from .envelope import open_sealed, seal
from .errors import EncryptionError, PlaintextQueryError
from .signals import record_opened
from .validators import validate_plain_text


class Sealed(bytes):
    """Stored ciphertext that has not been decrypted yet."""


class EncryptedAttribute(DeferredAttribute):
    """A data descriptor, so that reads always pass through it and decrypt on first access."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.decrypt_for(instance, value)
            if not instance.__dict__.get("_record_opened"):
                # Once per loaded instance, before any of its values is returned: the row is
                # checked against its integrity record (integrity app). A value that does not
                # decrypt at all has raised its own, more specific error above.
                record_opened.send(sender=type(instance), instance=instance)
                instance.__dict__["_record_opened"] = True
            instance.__dict__[self.field.attname] = value
        return value


def binding_text(parents: dict[str, Any]) -> str:
    """The parent part of the associated data: ``client_id=<uuid>`` (``;`` between several,
    an empty value for a NULL parent)."""
    return ";".join(
        f"{name}={'' if value is None else value}" for name, value in sorted(parents.items())
    )


def binding_of(instance: models.Model) -> str:
    return binding_text({name: getattr(instance, name) for name in parents_of(type(instance))})


def parents_of(model: type[models.Model]) -> tuple[str, ...]:
    """The model's ``encryption_parents``. A historical model (in a migration) does not carry
    the attribute: its binding is the one of the model as the code defines it now, so that a
    value a migration writes is readable by the app."""
    names = getattr(model, "encryption_parents", None)
    if names is None:
        try:
            names = getattr(django_apps.get_model(model._meta.label), "encryption_parents", ())
        except LookupError:
            names = ()
    return tuple(names)


def open_all(instance: models.Model) -> None:
    """Decrypt every encrypted value of ``instance`` now (before its parent is changed)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, EncryptedField):
            getattr(instance, field.attname)


class EncryptedField(models.Field):
    """Base class; subclasses define how a Python value becomes bytes and back."""

    descriptor_class = EncryptedAttribute
    empty_strings_allowed = False

    def __init__(self, *args: Any, label: str | None = None, **kwargs: Any) -> None:
        if kwargs.get("primary_key") or kwargs.get("unique") or kwargs.get("db_index"):
            raise TypeError("Encrypted fields cannot be keys, unique or indexed.")
        if kwargs.get("null"):
            raise TypeError("Encrypted fields are never NULL: NULL would reveal an empty value.")
        self.encryption_label = label
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encryption_label:
            kwargs["label"] = self.encryption_label
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        if not self.encryption_label:
            self.encryption_label = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def get_internal_type(self) -> str:
        return "BinaryField"

    # --- conversions between Python values and bytes (subclasses) ----------------------------
    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    # --- encryption ------------------------------------------------------------------------
    def row_id(self, instance: models.Model) -> str:
        if instance.pk is None:
            raise ValueError(
                f"{instance.__class__.__name__} needs its primary key before an encrypted "
                "field can be written (use a UUID primary key with a default)."
            )
        return str(instance.pk)

    def decrypt_for(self, instance: models.Model, sealed: bytes) -> Any:
        row_id = self.row_id(instance)
        try:
            plaintext = open_sealed(
                bytes(sealed),
                label=self.encryption_label,
                row_id=row_id,
                binding=binding_of(instance),
            )
        except EncryptionError as exc:
            # Where the unreadable value lives (never the value), for the integrity page and
            # its audit entry (encryption.middleware).
            exc.model, exc.field_name, exc.row_id = type(instance), self.name, row_id
            raise
        return self.from_bytes(plaintext)

    def encrypt_for(self, instance: models.Model, value: Any) -> Sealed:
        data = self.to_bytes(value)
        return Sealed(
            seal(
                data,
                label=self.encryption_label,
                row_id=self.row_id(instance),
                binding=binding_of(instance),
            )
        )

    def pre_save(self, model_instance, add):
        # Reading through the descriptor decrypts (and so authenticates) an untouched value.
        value = getattr(model_instance, self.attname)
        return self.encrypt_for(model_instance, value)

    # --- database boundary -----------------------------------------------------------------
    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return Sealed(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise PlaintextQueryError(
            f"{self.model.__name__}.{self.name} is encrypted: the database cannot compare its "
            f"contents ('{lookup_name}' lookup). Load the rows and compare in Python."
        )

    def get_transform(self, lookup_name):
        return None

    def get_prep_value(self, value):
        if value is None or isinstance(value, Sealed):
            return value
        raise PlaintextQueryError(
            f"{self.model.__name__}.{self.name} is encrypted: it cannot be filtered, ordered "
            "or updated with a plaintext value. Load the rows and compare in Python, or save "
            "through the model."
        )

    def get_db_prep_value(self, value, connection, prepared=False):
        value = self.get_prep_value(value) if not prepared else value
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise PlaintextQueryError(f"{self.model.__name__}.{self.name} received plaintext.")
        return connection.Database.Binary(bytes(value))

    def value_to_string(self, obj):
        raise PlaintextQueryError(
            f"{self.model.__name__}.{self.name} is encrypted and is never serialised as "
            "plaintext (dumpdata is refused); use the backup command."
        )


class EncryptedTextField(EncryptedField):
    """Text of any length; a textarea in forms. ``max_length`` only limits form input."""

    default_validators = [validate_plain_text]
    form_widget = forms.Textarea

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        self.form_max_length = max_length
        super().__init__(*args, **kwargs)
        if max_length:
            self.validators.append(validators.MaxLengthValidator(max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.form_max_length:
            kwargs["max_length"] = self.form_max_length
        return name, path, args, kwargs

    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"{self.name} expects text, got {type(value).__name__}.")
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.CharField,
            "max_length": self.form_max_length,
            "widget": self.form_widget,
        }
        if self.choices:
            defaults = {}
        defaults.update(kwargs)
        return super().formfield(**defaults)


class EncryptedCharField(EncryptedTextField):
    """A single line of text (names, phone numbers); an input box in forms."""

    form_widget = forms.TextInput


class EncryptedEmailField(EncryptedCharField):
    default_validators = [validate_plain_text, validators.EmailValidator()]

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", forms.EmailField)
        return super().formfield(**kwargs)


class EncryptedDateField(EncryptedField):
    """An optional date (date of birth). None is stored encrypted too, never as NULL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", None)
        super().__init__(*args, **kwargs)

    def to_bytes(self, value: Any) -> bytes:
        if value is None:
            return b""
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise TypeError(f"{self.name} expects a date, got {type(value).__name__}.")
        return value.isoformat().encode("ascii")

    def from_bytes(self, data: bytes) -> datetime.date | None:
        return datetime.date.fromisoformat(data.decode("ascii")) if data else None

    def to_python(self, value):
        return models.DateField().to_python(value)

    def formfield(self, **kwargs):
        defaults = {"form_class": forms.DateField, "required": not self.blank}
        defaults.update(kwargs)
        return super().formfield(**defaults)


class EncryptedJSONField(EncryptedField):
    """Any JSON value (lists of theme links, note sections). Not editable in forms directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)
