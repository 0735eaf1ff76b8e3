"""The database as stored, below the models: raw SQL, a primary key or one column as the
database holds it, and the signed-note triggers taken away (as someone with the database
owner's rights could, to tamper)."""

from contextlib import contextmanager

from django.db import connection

from sessions.models import TherapySession


def db_pk(model, pk):
    """A primary key as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return model._meta.pk.get_db_prep_value(pk, connection)


def raw(sql: str, params=()) -> list[tuple]:
    """The rows of ``sql`` run through the app's connection (none for a write)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params or ()))
        return cursor.fetchall() if cursor.description else []


def raw_column(model, column: str, pk) -> bytes:
    """The stored bytes of one column of one row, as the database holds them."""
    table = model._meta.db_table
    (value,) = raw(f"SELECT {column} FROM {table} WHERE id = %s", [db_pk(model, pk)])[0]  # noqa: S608
    return bytes(value)


@contextmanager
def immutability_triggers_off():
    """Take the signed-note triggers away, as someone with the database's owner rights could,
    and put the same triggers back (their current definitions, whatever migration made them)."""
    tables = [TherapySession._meta.db_table, "therapy_sessions_addendum"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN (%s, %s) AND name LIKE 'therapy_%%'",
                tables,
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            # Deferred foreign-key checks of the test's transaction would block the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for _name, sql in saved:
                    cursor.execute(sql)
            else:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def make_progress_records(client, *, number: int = 0) -> list:
    """For ``client``, one row of every model of issue 16 with encrypted values, each holding
    text: a questionnaire, the measures due, a one-time link (measures); a signed treatment plan,
    a draft of its next version and a note's progress against it, the note then signed (plans);
    a prepared case-summary file (summaries). For the suites that must cover every encrypted
    model: key rotation and tampering."""
    import datetime

    from plans import services as plan_services
    from sessions import services as session_services
    from summaries import jobs
    from summaries.models import PreparedSummary
    from summaries.pdf import SummaryOptions
    from tests.base import make_measure_records, make_plan, make_session

    therapist = client.therapist
    made = list(make_measure_records(client))
    made.append(make_plan(client))
    note = make_session(
        client, date=datetime.date(2026, 3, 16), note={"subjective": f"Progress note {number}"}
    )
    made.append(
        plan_services.record_progress(
            session=note,
            user=therapist,
            goals_addressed=["g1"],
            objectives={"o1": {"rating": "some_progress", "comment": f"Progress {number}"}},
        )
    )
    session_services.sign_session(session=note, signer=therapist, expected_version=note.version)
    made.append(plan_services.start_draft(client=client, user=therapist))
    # Made directly, not with jobs.prepare_summary, whose commit hook starts a build process.
    prepared = PreparedSummary.objects.create(
        therapist=therapist, client=client, options=jobs.options_to_json(SummaryOptions())
    )
    jobs.build_prepared(prepared.pk)
    prepared.refresh_from_db()
    made.append(prepared)
    return made
