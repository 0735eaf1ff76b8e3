"""The content seal of a signed plan version: HMAC-SHA256 of its canonical JSON.

The same construction as a note's seal (sessions.models), under the same key, with its own
label in front, so that no plan version's seal can ever equal a note's. Keyed, because a plain
hash of a short plan ("reduce panic attacks") would let anyone holding the database confirm a
guess of its text.
"""

import hashlib
import hmac
import json

from audit.keys import record_seal_key

LABEL = b"plans.planversion v1\0"


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_seal(content: dict) -> str:
    return hmac.new(record_seal_key(), LABEL + canonical(content), hashlib.sha256).hexdigest()
