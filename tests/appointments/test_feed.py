"""The calendar feed (issue 15, item 3): what the ICS holds (codes or initials and times, never a
name, place, reason or remark), its secret address (stored hashed, renewed, turned off, every
fetch audited without the token), the page that manages it, and `manage.py calendar_feed`.

Each leak check has a negative control: the same check run on the bytes of a deliberately leaky
builder finds every canary.
"""

import datetime
import hashlib
import io
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vText

from accounts.models import Account
from appointments import clock, feed
from appointments.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    FeedLabel,
    Frequency,
)
from appointments.recurrence import Repeat
from appointments.services import Details, schedule, set_status
from audit.models import Action, AuditEvent, Outcome
from tests.base import PersonaTestCase, make_client

# Unique, mixed-script values, long enough that a 75-octet line fold can split them.
CANARY_NAME = "Wrenfold-Ӂ4 Ossianderová-Lumbricus"
CANARY_LOCATION = "Harbour room canary-ψ7-Ж behind the bakery on Quillon Street"
CANARY_REMARK = "canary-ж8-remark: mentioned the custody hearing and the new flat"
CANARY_REASON = "canary-ω2-reason: in hospital after the accident on the ring road"
CANARIES = [
    CANARY_NAME,
    "Wrenfold",
    "Ossianderová",
    "Lumbricus",
    CANARY_LOCATION,
    "canary-ψ7",
    "Quillon",
    CANARY_REMARK,
    "canary-ж8",
    "custody",
    CANARY_REASON,
    "canary-ω2",
    "hospital",
]
CODE = "C-0002"  # alice's second client (the persona's own is C-0001)
INITIALS = "W. O."
ALLOWED_PROPERTIES = {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS"}
NOW = datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)


def feed_text(body: bytes) -> str:
    """The feed as a reader of it sees the values: lines unfolded, text escapes undone."""
    text = body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    for escaped, plain in (("\\n", "\n"), ("\\N", "\n"), ("\\,", ","), ("\\;", ";")):
        text = text.replace(escaped, plain)
    return text.replace("\\\\", "\\")


def leaks(body: bytes) -> list[str]:
    folded = feed_text(body).casefold()
    return [canary for canary in CANARIES if canary.casefold() in folded]


def events(body: bytes) -> list[Event]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def by_uid(body: bytes) -> dict[str, Event]:
    return {str(event["UID"]): event for event in events(body)}


def uid(appointment: Appointment) -> str:
    return f"{appointment.id}@therapy-notes"


def leaky_feed(therapist, *, now=None) -> bytes:
    """What the feed must never be: every field of the record written out (the negative
    control of the leak checks)."""
    calendar = Calendar()
    calendar.add("prodid", feed.PRODID)
    calendar.add("version", "2.0")
    for appointment in Appointment.objects.for_therapist(therapist).select_related("client"):
        event = Event()
        event.add("uid", uid(appointment))
        event.add("dtstamp", now or timezone.now())
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("summary", appointment.client.full_name)
        event.add("location", appointment.location)
        event.add("description", appointment.remark)
        event.add("comment", appointment.status_reason)
        calendar.add_component(event)
    return calendar.to_ical()


def every_stored_value() -> str:
    """Every row of every table, as text: what the database holds, readable by a scan."""
    quote = connection.ops.quote_name
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (introspected names)
            for row in cursor.fetchall():
                parts.append(repr(row))
    return "\n".join(parts)


class FeedCase(PersonaTestCase):
    """alice's canary client (C-0002) with a scheduled appointment carrying a location and a
    remark, a cancelled one with a reason and a no-show; bob with an appointment of his own."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.canary_client = make_client(cls.alice, full_name=CANARY_NAME)
        assert cls.canary_client.code == CODE
        cls.held, cls.cancelled, cls.no_show = (
            schedule(
                therapist=cls.alice,
                client=cls.canary_client,
                start=NOW + datetime.timedelta(days=days, hours=1),
                details=Details(location=CANARY_LOCATION, remark=CANARY_REMARK),
            )[0]
            for days in (2, 3, 4)
        )
        set_status(
            appointment=cls.cancelled,
            user=cls.alice,
            status=AppointmentStatus.CANCELLED,
            reason=CANARY_REASON,
        )
        set_status(
            appointment=cls.no_show,
            user=cls.alice,
            status=AppointmentStatus.NO_SHOW,
            reason=CANARY_REASON,
        )
        (cls.bob_appointment,) = schedule(
            therapist=cls.bob,
            client=cls.bob_client,
            start=NOW + datetime.timedelta(days=2),
            details=Details(location="Bob's room"),
        )

    def build(self, therapist=None) -> bytes:
        return feed.build_feed(therapist or self.alice, now=NOW)


class WhatTheFeedHoldsTests(FeedCase):
    def test_the_feed_holds_the_code_and_none_of_the_canaries(self):
        body = self.build()
        self.assertEqual(leaks(body), [])
        found = by_uid(body)
        self.assertEqual(set(found), {uid(a) for a in (self.held, self.cancelled, self.no_show)})
        self.assertEqual({str(event["SUMMARY"]) for event in found.values()}, {CODE})
        self.assertIn(f"SUMMARY:{CODE}", body.decode())

    def test_the_same_check_finds_every_canary_in_a_leaky_feed_negative_control(self):
        body = leaky_feed(self.alice)
        # The long values are folded across lines in the raw bytes: the check reads unfolded.
        self.assertNotIn(CANARY_REMARK, body.decode())
        self.assertEqual(leaks(body), CANARIES)

    def test_a_leaky_label_is_caught_by_the_same_check_negative_control(self):
        """The real builder with its labels swapped for full names (the likeliest slip)."""
        names = lambda ids, label: {  # noqa: E731
            client.pk: client.full_name for client in self.alice.clients.filter(pk__in=ids)
        }
        with mock.patch.object(feed, "_labels", names):
            body = self.build()
        self.assertEqual(leaks(body), [CANARY_NAME, "Wrenfold", "Ossianderová", "Lumbricus"])

    def test_an_event_has_only_uid_times_label_and_status(self):
        for event in events(self.build()):
            self.assertLessEqual(set(event.keys()), ALLOWED_PROPERTIES)
            self.assertEqual(event.subcomponents, [])
        # Negative control: the check sees the fields a leaky builder adds.
        leaky = events(leaky_feed(self.alice))[0]
        self.assertEqual(
            set(leaky.keys()) - ALLOWED_PROPERTIES, {"LOCATION", "DESCRIPTION", "COMMENT"}
        )

    def test_initials_are_shown_instead_of_the_code_when_chosen_and_never_the_name(self):
        feed.set_label(therapist=self.alice, label=FeedLabel.INITIALS)
        body = self.build()
        self.assertEqual({str(e["SUMMARY"]) for e in events(body)}, {INITIALS})
        self.assertEqual(leaks(body), [])
        self.assertNotIn(CODE, body.decode())

    def test_initials_of_names(self):
        cases = {
            "Anna Maria Bell": "A. B.",
            "  élodie   de la Cruz ": "É. C.",
            "Zoë": "Z.",
            "O'Neill-Smith Jo": "O. J.",
            "1234 !!": "",
            "\u202eRLO Trick": "R. T.",
        }
        for name, expected in cases.items():
            with self.subTest(name=name):
                self.assertEqual(feed.initials(name), expected)

    def test_each_clients_name_is_read_once_and_the_queries_do_not_grow_with_the_events(self):
        feed.set_label(therapist=self.alice, label=FeedLabel.INITIALS)
        with (
            mock.patch.object(feed, "initials", wraps=feed.initials) as made,
            CaptureQueriesContext(connection) as few,
        ):
            self.build()
        self.assertEqual(made.call_count, 1)  # one client, three appointments
        for days in range(10, 30):
            schedule(
                therapist=self.alice,
                client=self.alice_client if days % 2 else self.canary_client,
                start=NOW + datetime.timedelta(days=days),
                details=Details(),
            )
        with (
            mock.patch.object(feed, "initials", wraps=feed.initials) as made,
            CaptureQueriesContext(connection) as many,
        ):
            body = self.build()
        self.assertEqual(len(events(body)), 23)
        self.assertEqual(made.call_count, 2)
        self.assertEqual(len(many), len(few))

    def test_a_name_without_letters_falls_back_to_the_code(self):
        client = make_client(self.alice, full_name="1234 !!")
        (appointment,) = schedule(
            therapist=self.alice,
            client=client,
            start=NOW + datetime.timedelta(days=1),
            details=Details(),
        )
        feed.set_label(therapist=self.alice, label=FeedLabel.INITIALS)
        self.assertEqual(str(by_uid(self.build())[uid(appointment)]["SUMMARY"]), client.code)

    def test_cancelled_late_cancelled_and_no_show_appointments_are_marked_cancelled(self):
        set_status(appointment=self.held, user=self.alice, status=AppointmentStatus.ATTENDED)
        late = schedule(
            therapist=self.alice,
            client=self.canary_client,
            start=NOW + datetime.timedelta(days=9),
            details=Details(),
        )[0]
        set_status(appointment=late, user=self.alice, status=AppointmentStatus.LATE_CANCELLATION)
        found = by_uid(self.build())
        statuses = {key: str(event["STATUS"]) for key, event in found.items()}
        self.assertEqual(
            statuses,
            {
                uid(self.held): "CONFIRMED",
                uid(self.cancelled): "CANCELLED",
                uid(self.no_show): "CANCELLED",
                uid(late): "CANCELLED",
            },
        )

    def test_the_calendar_properties_and_stable_uids_and_utc_times(self):
        body = self.build()
        calendar = Calendar.from_ical(body)
        self.assertEqual(str(calendar["VERSION"]), "2.0")
        self.assertEqual(str(calendar["PRODID"]), feed.PRODID)
        self.assertEqual(str(calendar["X-WR-CALNAME"]), "Appointments")
        self.assertEqual(str(calendar["X-WR-TIMEZONE"]), "Europe/London")
        event = by_uid(body)[uid(self.held)]
        self.assertEqual(event["DTSTART"].dt, self.held.start)
        self.assertEqual(event["DTEND"].dt, self.held.start + datetime.timedelta(minutes=50))
        self.assertEqual(event["DTSTAMP"].dt, NOW)
        self.assertEqual(event["DTSTART"].dt.utcoffset(), datetime.timedelta(0))
        self.assertIn(f"DTSTART:{self.held.start:%Y%m%dT%H%M%SZ}", body.decode())
        # A later build (after a move) keeps each appointment's UID.
        later = feed.build_feed(self.alice, now=NOW + datetime.timedelta(days=1))
        self.assertEqual(set(by_uid(later)), set(by_uid(body)))

    def test_the_events_are_those_icalendar_components_would_write(self):
        """build_feed joins the lines itself (for speed): the same events as icalendar's own
        Event.to_ical, property by property."""
        reference = Calendar()
        for appointment in Appointment.objects.for_therapist(self.alice):
            event = Event()
            event.add("uid", uid(appointment))
            event.add("dtstamp", NOW)
            event.add("dtstart", appointment.start)
            event.add("dtend", appointment.end)
            event.add("summary", appointment.client.code)
            event.add("status", "CONFIRMED" if appointment.is_held else "CANCELLED")
            reference.add_component(event)

        def lines(body):
            return {
                str(e["UID"]): sorted(f"{k}:{e[k].to_ical().decode()}" for k in e)
                for e in events(body)
            }

        self.assertEqual(lines(self.build()), lines(reference.to_ical()))

    def test_a_line_over_75_octets_is_folded_by_icalendar(self):
        long = "Ŋ" * 60  # 120 octets
        line = feed._line("SUMMARY", vText(long))
        self.assertIn(b"\r\n ", line)
        self.assertTrue(all(len(part) <= 75 for part in line.split(b"\r\n")))
        parsed = Calendar.from_ical(b"BEGIN:VEVENT\r\n" + line + b"\r\nEND:VEVENT\r\n")
        self.assertEqual(str(parsed["SUMMARY"]), long)
        self.assertEqual(feed._line("SUMMARY", vText("C-0007")), b"SUMMARY:C-0007")

    @override_settings(TIME_ZONE="Europe/Paris")
    def test_the_calendar_names_the_practice_time_zone(self):
        self.assertEqual(str(Calendar.from_ical(self.build())["X-WR-TIMEZONE"]), "Europe/Paris")

    def test_the_window_is_60_days_back_and_400_days_ahead(self):
        inside, outside = [], []
        for days, bucket in ((-61, outside), (-59, inside), (399, inside), (401, outside)):
            bucket += schedule(
                therapist=self.alice,
                client=self.canary_client,
                start=NOW + datetime.timedelta(days=days),
                details=Details(),
            )
        found = set(by_uid(self.build()))
        self.assertLessEqual({uid(a) for a in inside}, found)
        self.assertEqual({uid(a) for a in outside} & found, set())

    def test_another_therapists_appointments_never_appear(self):
        alice_feed, bob_feed = self.build(), self.build(self.bob)
        self.assertNotIn(uid(self.bob_appointment), by_uid(alice_feed))
        self.assertNotIn(str(self.bob_appointment.id), alice_feed.decode())
        # Positive control: bob's own feed has it (his client is C-0001 too), and only it.
        self.assertEqual(set(by_uid(bob_feed)), {uid(self.bob_appointment)})
        self.assertEqual(leaks(bob_feed), [])

    def test_an_empty_feed_is_a_valid_calendar(self):
        therapist = get_user_model().objects.create_user("dora")
        calendar = Calendar.from_ical(feed.build_feed(therapist, now=NOW))
        self.assertEqual(list(calendar.walk("VEVENT")), [])
        self.assertEqual(str(calendar["X-WR-CALNAME"]), "Appointments")


@override_settings(TIME_ZONE="Europe/London")
class DaylightSavingTests(FeedCase):
    """10:00 in London is 10:00Z in winter (GMT) and 09:00Z in summer (BST); the clocks change
    on the last Sunday of March (28 March 2027) and of October (31 October 2027)."""

    def test_ten_oclock_local_on_each_side_of_both_changes(self):
        days = {
            datetime.date(2027, 3, 27): "20270327T100000Z",
            datetime.date(2027, 3, 29): "20270329T090000Z",
            datetime.date(2027, 10, 30): "20271030T090000Z",
            datetime.date(2027, 11, 1): "20271101T100000Z",
        }
        made = {}
        for day in days:
            (made[day],) = schedule(
                therapist=self.alice,
                client=self.canary_client,
                start=clock.aware(day, datetime.time(10, 0)),
                details=Details(),
            )
        body = self.build()
        text = body.decode()
        found = by_uid(body)
        for day, stamp in days.items():
            with self.subTest(day=day):
                self.assertIn(f"DTSTART:{stamp}", text)
                start = found[uid(made[day])]["DTSTART"].dt
                self.assertEqual(clock.local(start).time(), datetime.time(10, 0))
                self.assertEqual(clock.local(start).date(), day)

    def test_a_weekly_series_across_the_spring_change_stays_at_ten(self):
        made = schedule(
            therapist=self.alice,
            client=self.canary_client,
            start=clock.aware(datetime.date(2027, 3, 21), datetime.time(10, 0)),
            details=Details(),
            repeat=Repeat(frequency=Frequency.WEEKLY, count=3),
        )
        found = by_uid(self.build())
        self.assertEqual(
            [f"{found[uid(a)]['DTSTART'].dt:%Y%m%dT%H%M%SZ}" for a in made],
            ["20270321T100000Z", "20270328T090000Z", "20270404T090000Z"],
        )


def _token_of(address: str) -> str:
    return address.rsplit("/", 1)[1].removesuffix(".ics")


class AddressTests(FeedCase):
    def make_address(self, http=None) -> tuple[str, str]:
        """(address path, token) as the page shows it after "Make a new address"."""
        http = http or self.client
        response = http.post(reverse("calendar_feed_renew"))
        self.assertEqual(response.status_code, 200)
        address = response.context["new_address"]
        self.assertContains(response, address)
        self.assertTrue(address.startswith("http://testserver/calendar/"), address)
        return address.removeprefix("http://testserver"), _token_of(address)

    def fetch(self, path: str):
        return HttpClient().get(path)

    def fetches(self, outcome: str) -> int:
        return AuditEvent.objects.filter(action=Action.FEED_FETCHED, outcome=outcome).count()

    def test_the_address_serves_the_feed_to_anyone_without_signing_in(self):
        self.sign_in(self.alice)
        path, token = self.make_address()
        self.assertEqual(len(token), 43)
        response = self.fetch(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(response["X-Robots-Tag"], "noindex, nofollow")
        self.assertEqual(response["Referrer-Policy"], "no-referrer")
        self.assertNotIn("Set-Cookie", response.headers)
        self.assertEqual(set(by_uid(response.content)) >= {uid(self.held)}, True)
        self.assertEqual(leaks(response.content), [])
        self.assertEqual({str(e["SUMMARY"]) for e in events(response.content)}, {CODE})

    def test_only_a_hash_of_the_token_is_stored_and_the_page_shows_the_address_once(self):
        self.sign_in(self.alice)
        path, token = self.make_address()
        self.fetch(path)
        self.fetch(path.replace(token, token[::-1]))
        stored = CalendarFeed.objects.get(therapist=self.alice)
        self.assertEqual(stored.token_hash, hashlib.sha256(token.encode()).hexdigest())
        everything = every_stored_value()
        self.assertNotIn(token, everything)
        self.assertIn(stored.token_hash, everything)  # positive control: the scan reads it
        page = self.client.get(reverse("calendar_feed"))
        self.assertNotContains(page, token)
        self.assertContains(page, "On, at an address made on")

    def test_a_new_address_stops_the_old_one_and_turning_off_stops_both(self):
        self.sign_in(self.alice)
        old_path, _ = self.make_address()
        self.assertEqual(self.fetch(old_path).status_code, 200)
        new_path, _ = self.make_address()
        self.assertNotEqual(new_path, old_path)
        old, new = self.fetch(old_path), self.fetch(new_path)
        self.assertEqual((old.status_code, new.status_code), (404, 200))
        response = self.client.post(reverse("calendar_feed_revoke"), follow=True)
        self.assertContains(response, "turned off")
        self.assertContains(response, '<dd class="col-sm-8" id="feed-state">Off</dd>', html=False)
        revoked = self.fetch(new_path)
        self.assertEqual(revoked.status_code, 404)
        unknown = self.fetch(reverse("calendar_feed_ics", args=["x" * 43]))
        # The same answer whatever the reason: nothing tells a revoked address from a guess.
        self.assertEqual(old.content, revoked.content)
        self.assertEqual(revoked.content, unknown.content)
        self.assertEqual(revoked["Content-Type"], unknown["Content-Type"])
        self.assertNotIn(b"revoked", revoked.content.lower())
        self.assertEqual(revoked["Cache-Control"], "no-store")
        self.assertEqual(revoked["Referrer-Policy"], "no-referrer")
        stored = CalendarFeed.objects.get(therapist=self.alice)
        self.assertEqual((stored.token_hash, stored.is_active), ("", False))
        self.assertIsNotNone(stored.revoked_at)

    def test_renewing_and_turning_off_are_audited(self):
        self.sign_in(self.alice)
        self.make_address()
        self.client.post(reverse("calendar_feed_revoke"))
        self.client.post(reverse("calendar_feed_revoke"))  # already off: nothing to audit
        actions = list(
            AuditEvent.objects.filter(object_type="calendar_feed")
            .order_by("seq")
            .values_list("action", "user_id", "outcome")
        )
        self.assertEqual(
            actions,
            [
                (Action.FEED_RENEWED, self.alice.pk, Outcome.OK),
                (Action.FEED_REVOKED, self.alice.pk, Outcome.OK),
            ],
        )

    def test_every_fetch_is_audited_and_no_audit_field_holds_the_token(self):
        self.sign_in(self.alice)
        old_path, old_token = self.make_address()
        new_path, new_token = self.make_address()
        ok_before, denied_before = self.fetches(Outcome.OK), self.fetches(Outcome.DENIED)
        for path in (new_path, new_path, old_path, "/calendar/short.ics", new_path):
            self.fetch(path)
        self.assertEqual(self.fetches(Outcome.OK) - ok_before, 3)
        self.assertEqual(self.fetches(Outcome.DENIED) - denied_before, 2)
        ok = AuditEvent.objects.filter(action=Action.FEED_FETCHED, outcome=Outcome.OK).first()
        self.assertEqual((ok.user_id, ok.username), (self.alice.pk, "alice"))
        self.assertEqual(ok.object_type, "calendar_feed")
        self.assertEqual(ok.ip_address, "127.0.0.1")
        denied = AuditEvent.objects.filter(action=Action.FEED_FETCHED, outcome=Outcome.DENIED)
        self.assertEqual({(e.user_id, e.username) for e in denied}, {(None, "")})
        fields = [f.attname for f in AuditEvent._meta.concrete_fields]
        for event in AuditEvent.objects.all():
            values = " ".join(str(getattr(event, name)) for name in fields)
            for token in (old_token, new_token):
                self.assertNotIn(token, values)
                self.assertNotIn(hashlib.sha256(token.encode()).hexdigest(), values)

    def test_malformed_addresses_are_404_and_audited(self):
        before = self.fetches(Outcome.DENIED)
        for token in ("", "a", "x" * 42, "x" * 44, "x" * 42 + ".", "ü" * 43, "x" * 5000):
            with self.subTest(token=token[:10]):
                response = self.fetch(f"/calendar/{token}.ics")
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.fetches(Outcome.DENIED) - before, 6)  # "" is no address at all

    def test_other_methods_are_refused(self):
        self.sign_in(self.alice)
        path, _ = self.make_address()
        http = HttpClient()
        for method in ("post", "put", "delete", "patch"):
            with self.subTest(method=method):
                self.assertEqual(getattr(http, method)(path).status_code, 405)
        self.assertEqual(http.head(path).status_code, 200)

    def test_a_deactivated_therapist_or_an_administrator_has_no_working_address(self):
        self.sign_in(self.alice)
        path, _ = self.make_address()
        get_user_model().objects.filter(pk=self.alice.pk).update(is_active=False)
        self.assertEqual(self.fetch(path).status_code, 404)
        get_user_model().objects.filter(pk=self.alice.pk).update(is_active=True)
        self.assertEqual(self.fetch(path).status_code, 200)  # positive control
        account = Account.for_user(self.alice)
        account.is_practice_admin = True
        account.save()
        self.assertEqual(self.fetch(path).status_code, 404)

    def test_a_signed_in_browser_gets_the_same_feed_and_its_session_is_untouched(self):
        """The address does not depend on who asks: alice's own browser, or bob's, is served
        as a calendar program is (no redirect that would put the address in `next`)."""
        self.sign_in(self.alice)
        path, _ = self.make_address()
        self.sign_in(self.bob)
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(uid(self.held), by_uid(response.content))


class FeedPageTests(FeedCase):
    def test_the_page_starts_off_with_codes_chosen(self):
        self.sign_in(self.alice)
        response = self.client.get(reverse("calendar_feed"))
        self.assertContains(response, '<dd class="col-sm-8" id="feed-state">Off</dd>', html=False)
        self.assertContains(response, "Make a new address")
        self.assertNotContains(response, "Turn off")
        self.assertEqual(response.context["form"]["label"].value(), FeedLabel.CODES)
        self.assertContains(response, "js/copy_field")

    def test_choosing_initials_is_kept_and_used(self):
        self.sign_in(self.alice)
        response = self.client.post(reverse("calendar_feed"), {"label": "initials"}, follow=True)
        self.assertRedirects(response, reverse("calendar_feed"))
        self.assertContains(response, "Saved.")
        self.assertEqual(CalendarFeed.objects.get(therapist=self.alice).label, FeedLabel.INITIALS)
        self.assertEqual({str(e["SUMMARY"]) for e in events(self.build())}, {INITIALS})
        # Renewing keeps the choice.
        self.client.post(reverse("calendar_feed_renew"))
        self.assertEqual(CalendarFeed.objects.get(therapist=self.alice).label, FeedLabel.INITIALS)

    def test_a_label_that_is_not_offered_is_refused_and_changes_nothing(self):
        self.sign_in(self.alice)
        for value in ("names", "", "CODES"):
            with self.subTest(value=value):
                response = self.client.post(reverse("calendar_feed"), {"label": value})
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
                self.assertContains(response, "Select a valid choice" if value else "required")
        self.assertFalse(CalendarFeed.objects.filter(therapist=self.alice).exists())

    def test_the_account_page_links_to_it_for_a_therapist_only(self):
        self.sign_in(self.alice)
        self.assertContains(self.client.get(reverse("two_factor_manage")), reverse("calendar_feed"))
        carol = get_user_model().objects.create_user("carol")
        Account.objects.create(user=carol, is_practice_admin=True)
        self.sign_in(carol)
        self.assertNotContains(
            self.client.get(reverse("two_factor_manage")), reverse("calendar_feed")
        )

    def test_a_practice_administrator_is_refused_the_page_and_its_actions(self):
        carol = get_user_model().objects.create_user("carol")
        Account.objects.create(user=carol, is_practice_admin=True)
        self.sign_in(carol)
        for name in ("calendar_feed", "calendar_feed_renew", "calendar_feed_revoke"):
            with self.subTest(name=name):
                self.assertEqual(self.client.post(reverse(name)).status_code, 403)
        self.assertEqual(self.client.get(reverse("calendar_feed")).status_code, 403)
        self.assertFalse(CalendarFeed.objects.exists())

    def test_an_anonymous_visitor_is_sent_to_sign_in(self):
        for name in ("calendar_feed", "calendar_feed_renew", "calendar_feed_revoke"):
            with self.subTest(name=name):
                response = self.client.post(reverse(name))
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertFalse(CalendarFeed.objects.exists())


class CommandTests(FeedCase):
    def test_the_command_prints_the_same_events_as_the_address(self):
        out = io.StringIO()
        call_command("calendar_feed", therapist="alice", stdout=out)
        printed = out.getvalue().encode()
        self.assertTrue(printed.startswith(b"BEGIN:VCALENDAR\r\n"))
        self.assertTrue(printed.endswith(b"END:VCALENDAR\r\n"))

        def essentials(body):
            keys = ("DTSTART", "DTEND", "SUMMARY", "STATUS")
            return {str(e["UID"]): tuple(e[k].to_ical() for k in keys) for e in events(body)}

        self.assertEqual(essentials(printed), essentials(feed.build_feed(self.alice)))
        self.assertIn(uid(self.held), essentials(printed))
        self.assertEqual(leaks(printed), [])
        event = AuditEvent.objects.filter(action=Action.FEED_FETCHED).latest("seq")
        self.assertEqual((event.user_id, event.outcome), (self.alice.pk, Outcome.OK))

    def test_an_unknown_user_is_one_readable_line(self):
        with self.assertRaisesMessage(CommandError, "No user named 'nobody'."):
            call_command("calendar_feed", therapist="nobody", stdout=io.StringIO())

    def test_a_practice_administrator_is_refused(self):
        Account.objects.create(
            user=get_user_model().objects.create_user("carol"), is_practice_admin=True
        )
        with self.assertRaisesMessage(CommandError, "practice administrator"):
            call_command("calendar_feed", therapist="carol", stdout=io.StringIO())
