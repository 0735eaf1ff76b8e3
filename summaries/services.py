"""Building a case summary: the sessions of the period, the PDF, and the disclosure record."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from reportlab.lib.pagesizes import A4, letter

from accounts.models import Account
from audit.models import Action
from audit.services import log_event
from clients.models import Client, DisclosureKind
from clients.services import record_disclosure
from integrity.check import check_children
from measures.reports import client_history
from plans.reports import plan_report
from themes.summary import theme_map

from .pdf import SECTIONS, FullNotes, RiskHistory, SummaryOptions, render_case_summary

PAGE_SIZES = {"A4": A4, "LETTER": letter}
# Fields a summary without full notes never reads: not decrypted at all.
NOTE_FIELDS = ("note", "mood_affect", "interventions", "plan")


class SummaryError(Exception):
    """A summary that cannot be made as asked (unknown client, bad date, unknown section)."""


def page_size():
    return PAGE_SIZES[settings.SUMMARY_PAGE_SIZE]


def summary_sessions(client: Client, options: SummaryOptions) -> list:
    """The client's sessions within the period, oldest first, loaded for the summary."""
    sessions = client.sessions.order_by("date", "start_time", "id")
    if options.date_from:
        sessions = sessions.filter(date__gte=options.date_from)
    if options.date_to:
        sessions = sessions.filter(date__lte=options.date_to)
    if options.full_notes == FullNotes.NONE:
        loaded = list(sessions.defer(*NOTE_FIELDS))
    else:
        sessions = sessions.select_related("signed_by").prefetch_related("addenda__author")
        if options.include_process_notes:
            sessions = sessions.select_related("process_note")
        loaded = list(sessions)
    # A document for a court or an insurer: a session, addendum or process note deleted (or
    # moved in) outside the app stops it (the integrity page), rather than leaving a gap.
    check_children(client)
    check_children(*loaded)
    return loaded


def credentials_of(user) -> str:
    """The credentials the user signs with (their account page); empty when none are set."""
    found = Account.objects.filter(user=user).values_list("credentials", flat=True).first()
    return found or ""


def build_case_summary(*, client: Client, therapist, options: SummaryOptions) -> bytes:
    """The PDF of ``client``'s case summary as ``options`` ask; nothing is written anywhere.

    Needs no request: the page, the command line and a build in the background call it alike.
    ``therapist`` is the user preparing it (named on the cover with their credentials).
    """
    sessions = summary_sessions(client, options)
    return render_case_summary(
        client=client,
        therapist=therapist,
        sessions=sessions,
        themes=theme_map(client.therapist),
        options=options,
        credentials=credentials_of(therapist),
        practice=settings.PRACTICE_NAME,
        measures=summary_measures(client, options),
        plan=plan_report(client, sessions=sessions) if "plan" in options.sections else None,
    )


def summary_measures(client: Client, options: SummaryOptions) -> list:
    """The client's questionnaires per measure, when the summary shows them."""
    return client_history(client) if "measures" in options.sections else []


@transaction.atomic
def record_summary(*, client: Client, user, options: SummaryOptions, request=None) -> None:
    """The disclosure record (with the reason for any process notes) and the audit entry."""
    record_disclosure(
        client=client,
        user=user,
        kind=DisclosureKind.SUMMARY,
        includes_process_notes=options.include_process_notes,
        process_notes_reason=options.process_notes_reason,
    )
    log_event(action=Action.PRINT_SUMMARY, request=request, user=user, obj=client, client=client)


def summary_filename(client: Client, today: datetime.date, *, de_identified: bool = False) -> str:
    """Opaque: the client code and the date, never a name."""
    suffix = "-deidentified" if de_identified else ""
    return f"{client.code}-summary-{today.isoformat()}{suffix}.pdf"


# --- the command line ------------------------------------------------------------------------
def _date_option(name: str, value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise SummaryError(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _sections_option(value: str | None) -> frozenset:
    if value is None:
        return frozenset(SECTIONS)
    names = {name.strip() for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(SECTIONS))
    if unknown:
        raise SummaryError(
            f"unknown section {', '.join(unknown)}; valid sections: {', '.join(SECTIONS)}"
        )
    return frozenset(names)


def write_case_summary(
    *,
    code: str,
    username: str,
    output: str,
    date_from: str | None = None,
    date_to: str | None = None,
    sections: str | None = None,
    full_notes: str = FullNotes.ALL,
    risk_history: str = RiskHistory.CHANGES,
    de_identified: bool = False,
    purpose: str = "",
) -> str:
    """Write a summary to ``output`` for the command line; return the client code.

    Raises SummaryError with a one-line message for anything the caller got wrong.
    """
    therapist = get_user_model().objects.filter(username=username).first()
    if therapist is None:
        raise SummaryError(f"no therapist {username}")
    code = code.strip().upper()
    number = code.removeprefix("C-")
    client = None
    # ASCII digits of a number a code can have (int() fails past 4,300 digits).
    if number.isascii() and number.isdecimal() and len(number) <= 9:
        client = Client.objects.for_therapist(therapist).filter(number=int(number)).first()
    if client is None:
        raise SummaryError(f"no client {code} for therapist {username}")
    if full_notes not in {FullNotes.ALL, FullNotes.SIGNED, FullNotes.NONE}:
        raise SummaryError(f"--full-notes must be all, signed or none, not {full_notes!r}")
    if risk_history not in {RiskHistory.ALL, RiskHistory.CHANGES}:
        raise SummaryError(f"--risk-history must be all or changes, not {risk_history!r}")
    options = SummaryOptions(
        sections=_sections_option(sections),
        full_notes=full_notes,
        date_from=_date_option("--from", date_from),
        date_to=_date_option("--to", date_to),
        page_size=page_size(),
        risk_history=risk_history,
        de_identified=de_identified,
        purpose=" ".join(purpose.split()),
    )
    if options.date_from and options.date_to and options.date_from > options.date_to:
        raise SummaryError("--from is after --to")
    pdf = build_case_summary(client=client, therapist=therapist, options=options)
    try:
        with open(output, "wb") as file:
            file.write(pdf)
    except OSError as error:
        raise SummaryError(f"cannot write {output}: {error.strerror}") from None
    record_summary(client=client, user=therapist, options=options)
    return client.code
