"""``flush``, which also empties the append-only audit log when ``AUDIT_ALLOW_PURGE`` is on.

Django's test runner flushes the database after every transactional test; the audit triggers
would refuse. Only the test settings turn the setting on: elsewhere ``flush`` fails on the audit
table and changes nothing, which is what a live practice database needs.
"""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections

from audit.triggers import purge_permit


class Command(flush.Command):
    help = (
        flush.Command.help + " The audit log is emptied only when AUDIT_ALLOW_PURGE is on "
        "(the test suite); otherwise the flush is refused."
    )

    def handle(self, **options) -> None:
        if not getattr(settings, "AUDIT_ALLOW_PURGE", False):
            return super().handle(**options)
        with purge_permit(connections[options["database"]]):
            return super().handle(**options)
