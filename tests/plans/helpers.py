"""What the plans tests share: alice's client with a signed plan, and the database below the
models (raw SQL on the plan tables)."""

from django.db import connection

from plans.models import NoteProgress, PlanVersion
from tests.base import PLAN_CONTENT, PersonaTestCase, make_plan


def raw_count(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def db_id(model, pk):
    """A primary key as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return model._meta.pk.get_db_prep_value(pk, connection)


VERSION_TABLE = PlanVersion._meta.db_table
PROGRESS_TABLE = NoteProgress._meta.db_table


class PlanTestCase(PersonaTestCase):
    """alice's client with a signed plan (PLAN_CONTENT, version 1)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.signed = make_plan(cls.alice_client)

    def content(self) -> dict:
        return PLAN_CONTENT
