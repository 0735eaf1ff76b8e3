"""Session policy: when a signed-in session ends by itself.

A session remembers when its user signed in (absolute lifetime), when it last did something
(idle timeout) and the account's session epoch (signing out everywhere). The times are Unix
seconds, kept in the session itself: nothing here needs a table of its own.
"""

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

SIGNED_IN_AT = "accounts.signed_in_at"
LAST_SEEN = "accounts.last_seen"
EPOCH = "accounts.epoch"


def idle_timeout() -> int:
    return settings.SESSION_IDLE_TIMEOUT


def absolute_lifetime() -> int:
    return settings.SESSION_ABSOLUTE_LIFETIME


def start(session: SessionBase, *, epoch: int, now: float | None = None) -> None:
    """Called at sign-in (after Django has given the session a new key)."""
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[EPOCH] = epoch


# Activity is written to the session at most this often, so that a burst of requests costs
# one session write. The page asks the server how long is left before it warns, so the
# warning is not thrown off by this.
ACTIVITY_RESOLUTION = 20


def touch(session: SessionBase, now: float | None = None, *, force: bool = False) -> None:
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN)
    if force or not isinstance(last_seen, int | float) or now - last_seen >= ACTIVITY_RESOLUTION:
        session[LAST_SEEN] = now


def expiry_reason(session: SessionBase, *, epoch: int, now: float | None = None) -> str | None:
    """Why this session must end now ("idle", "lifetime", "ended"), or None if it may go on.

    A session without the marks was not started by the sign-in view: it is refused.
    """
    now = time.time() if now is None else now
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen, int | float):
        return "ended"
    if session.get(EPOCH) != epoch:
        return "ended"
    if now - signed_in_at >= absolute_lifetime():
        return "lifetime"
    if now - last_seen >= idle_timeout():
        return "idle"
    return None


def seconds_left(session: SessionBase, now: float | None = None) -> int:
    """Seconds until this session ends by itself if nothing happens (idle or lifetime)."""
    now = time.time() if now is None else now
    last_seen = session.get(LAST_SEEN) or 0
    signed_in_at = session.get(SIGNED_IN_AT) or 0
    left = min(last_seen + idle_timeout(), signed_in_at + absolute_lifetime()) - now
    return max(0, int(left))
