"""A keyed seal over the manifest, so that a backup altered together with its manifest (rows
changed, hashes recomputed) is refused: decryption and the audit chain would not notice a
change to a plain column such as a password hash, a date or an account flag.

The key is derived from the audit key (integrity keys stay together; the field keys are never
needed to make a backup). A backup restores only where the same audit key is configured, which
the audit chain requires anyway.
"""

import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from audit.keys import get_audit_key

from .errors import BackupError

FIELD = "seal"


def _key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"therapy-notes backup manifest v1"
    ).derive(get_audit_key())


def compute(manifest: dict) -> str:
    body = {name: value for name, value in manifest.items() if name != FIELD}
    # Through JSON first: the seal covers what is stored (tuples become lists, keys strings).
    canonical = json.dumps(
        json.loads(json.dumps(body)), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()


def seal(manifest: dict) -> dict:
    manifest[FIELD] = compute(manifest)
    return manifest


def check(manifest: dict) -> None:
    stored = manifest.get(FIELD)
    if not isinstance(stored, str) or not hmac.compare_digest(stored, compute(manifest)):
        raise BackupError(
            "The backup's manifest seal does not match: the file was altered, or it was made "
            "under a different audit key (AUDIT_HMAC_KEY)."
        )
