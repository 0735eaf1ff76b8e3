"""Checks on a restored database that go beyond the manifest: every encrypted value opens with
the configured keys, the audit log's chain holds up to the entry the backup recorded, and the
append-only triggers are there."""

from collections import Counter
from contextlib import closing

from django.db import connections

from audit.chain import SIGNED_FIELDS, verify_chain
from audit.models import AuditEvent
from audit.triggers import triggers_missing
from encryption.envelope import key_id_of, open_sealed
from encryption.errors import EncryptionError, UnknownKeyError
from encryption.fields import binding_text, parents_of
from encryption.keys import Keyring
from encryption.rotation import encrypted_models

from .errors import BackupError


def check_keyring_covers(key_ids: set[int], keyring: Keyring) -> None:
    """Before restoring anything: every key id the backup uses must be configured."""
    missing = sorted(key_ids - set(keyring.keys))
    if missing:
        raise BackupError(
            f"The backup holds values under key id {', '.join(map(str, missing))}, which "
            f"FIELD_ENCRYPTION_KEYS does not have (configured: "
            f"{', '.join(map(str, sorted(keyring.keys)))}); restore with the keyring in use "
            "when the backup was made (docs/keys.md)."
        )


def decrypt_everything(using: str, keyring: Keyring) -> int:
    """Open every encrypted value (as the fields do: label, row id and parents); return how
    many."""
    opened, failures, problems = 0, Counter(), []
    for model, fields in encrypted_models():
        parents = parents_of(model)
        rows = model._base_manager.using(using).values_list(
            "pk", *parents, *(f.attname for f in fields)
        )
        with closing(rows.iterator(chunk_size=2000)) as iterator:
            opened += _open_rows(model, parents, fields, iterator, keyring, failures, problems)
    if problems:
        model, f, pk, blob, exc = problems[0]
        reason = (
            "its key id is not configured"
            if isinstance(exc, UnknownKeyError)
            else f"it does not open with the configured key id {key_id_of(blob)} (wrong key, "
            "or the value was altered)"
        )
        raise BackupError(
            f"{sum(failures.values())} encrypted values do not decrypt; the first, "
            f"{model._meta.label}.{f.name} of row {pk}: {reason}."
        )
    return opened


def _open_rows(model, parents, fields, rows, keyring, failures: Counter, problems: list) -> int:
    opened = 0
    for pk, *values in rows:
        binding = binding_text(dict(zip(parents, values[: len(parents)], strict=True)))
        for f, blob in zip(fields, values[len(parents) :], strict=True):
            try:
                open_sealed(
                    bytes(blob),
                    label=f.encryption_label,
                    row_id=str(pk),
                    binding=binding,
                    keyring=keyring,
                )
            except EncryptionError as exc:
                failures[exc.__class__.__name__] += 1
                if not problems:
                    problems.append((model, f, pk, bytes(blob), exc))
                continue
            opened += 1
    return opened


def check_audit_chain(using: str, head: list | None) -> str:
    missing = triggers_missing(connections[using])
    if missing:
        raise BackupError(f"The audit log's triggers are missing: {', '.join(sorted(missing))}.")
    rows = (
        AuditEvent.objects.using(using)
        .order_by("seq")
        .values("id", "prev_mac", "mac", *SIGNED_FIELDS)
        .iterator(chunk_size=2000)
    )
    with closing(rows) as iterator:  # verify_chain stops at the first broken link
        report = verify_chain(iterator, expected_head=(head[0], head[1]) if head else None)
    if not report.ok:
        raise BackupError(
            f"The audit log does not verify ({report.summary()}); is AUDIT_HMAC_KEY the key "
            "it was written with?"
        )
    return report.summary()
