"""GET /healthz: is this process able to serve records? For load balancers and monitoring.

Anonymous, and deliberately uninformative: each check is "ok" or not, never a count, a key id,
a version, a path or an error message. It reads no client data, writes nothing (no audit entry,
no session, no cookie), and answers 503 when any check fails so that a proxy or systemd-style
watchdog can act on the status code alone.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from accounts.decorators import before_two_factor, keeps_idle_clock, practice_admin_allowed
from audit.keys import load_audit_key_from_settings
from encryption.keys import load_keyring_from_settings

logger = logging.getLogger(__name__)


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    # What `runserver` checks at start: no migration of this code is left to apply.
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _keys() -> bool:
    # Read as a (re)start would read them: a key file moved, emptied or opened up to other
    # users since this process started is reported now, not at the next restart.
    keyring = load_keyring_from_settings()
    load_audit_key_from_settings()
    return keyring.primary_id in keyring.keys


def _run(name: str, check) -> str:
    try:
        return "ok" if check() else "error"
    except Exception as exc:
        # The class only: messages can name files, hosts or database users.
        logger.warning("Health check %s failed: %s", name, exc.__class__.__name__)
        return "error"


@login_not_required
@before_two_factor
@practice_admin_allowed
@keeps_idle_clock
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _run("database", _database)}
    checks["migrations"] = (
        _run("migrations", _migrations) if checks["database"] == "ok" else "error"
    )
    checks["keys"] = _run("keys", _keys)
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    return JsonResponse(body, status=200 if healthy else 503)
