"""The schedule's pages under axe-core: the week view, an appointment's page and the dashboard
with today's appointments, each with every kind of appointment on it (attended with a signed
note, a draft, no note yet, cancelled, a no-show, a clash, a series), in light and dark colour
modes, on a laptop and on an upright tablet: no serious or critical violation, a label for every
control. Screenshots of each for a person to look at."""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from appointments import clock, services
from appointments.models import AppointmentStatus, Frequency
from appointments.recurrence import Repeat
from sessions.models import RiskLevel
from tests.base import make_client, make_session, make_signed_session, make_therapist

from .base import BrowserTestCase

WINDOWS = {"laptop": (1280, 900), "tablet": (820, 1180)}


class ScheduleAccessibilityTests(BrowserTestCase):
    def setUp(self):
        self.user = make_therapist("tove", last_name="Lindqvist")
        now = clock.local(timezone.now())
        today = now.date()
        midnight = clock.aware(today, datetime.time())

        def today_at(minutes_ago: int) -> datetime.datetime:
            """A start today, `minutes_ago` before now (today's first minutes if that is
            yesterday), in whole minutes."""
            start = max(now - datetime.timedelta(minutes=minutes_ago), midnight)
            return clock.local(start).replace(second=0, microsecond=0)

        def book(client, start, **details):
            return services.schedule(
                therapist=self.user,
                client=client,
                start=start,
                details=services.Details(**details),
            )[0]

        names = ["Philippa Aldersgate", "Tomasz Wrona", "Ingrid Solberg", "Ama Mensah"]
        clients = [make_client(self.user, full_name=name) for name in names]
        philippa, tomasz, ingrid, ama = clients
        noah = make_client(self.user, full_name="Noah Delacroix-Whitfield")

        # Today: signed, draft, the one just ended (no note), cancelled, a no-show.
        signed = book(tomasz, today_at(240), modality="video")
        make_signed_session(
            tomasz,
            self.user,
            date=today,
            appointment=signed,
            plan="Practise the breathing exercise.",
            risk_level=RiskLevel.NONE,
        )
        services.mark_attended(appointment=signed)
        draft = book(ingrid, today_at(180), modality="phone")
        make_session(ingrid, date=today, appointment=draft, risk_level=RiskLevel.LOW)
        self.just_ended = book(philippa, today_at(55), location="Room 2")
        cancelled = book(ama, today_at(120))
        services.set_status(
            appointment=cancelled,
            user=self.user,
            status=AppointmentStatus.LATE_CANCELLATION,
            reason="Called in sick an hour before.",
        )
        missed = book(noah, today_at(300))
        services.set_status(appointment=missed, user=self.user, status=AppointmentStatus.NO_SHOW)

        # Earlier this week and the weeks before: attended without a note (missing notes).
        for days_ago, client in ((3, tomasz), (9, ama)):
            old = book(client, clock.aware(today - datetime.timedelta(days=days_ago), now.time()))
            services.mark_attended(appointment=old)

        # Tomorrow (or later today's week): a weekly series with a clash and a private remark.
        tomorrow = today + datetime.timedelta(days=1)
        self.series_first = services.schedule(
            therapist=self.user,
            client=philippa,
            start=clock.aware(tomorrow, datetime.time(10, 0)),
            details=services.Details(
                duration_minutes=50, modality="video", remark="Prefers the later slot."
            ),
            repeat=Repeat(frequency=Frequency.WEEKLY, count=6),
        )[0]
        book(ama, clock.aware(tomorrow, datetime.time(10, 30)), duration_minutes=45)
        self.today = today

    def pages(self):
        return [
            ("week", reverse("appointment_week")),
            (
                "week of tomorrow",
                f"{reverse('appointment_week')}?week="
                f"{(self.today + datetime.timedelta(days=1)).isoformat()}",
            ),
            ("appointment, series with a clash", self.series_first.get_absolute_url()),
            ("appointment, just ended", self.just_ended.get_absolute_url()),
            ("dashboard", reverse("dashboard")),
        ]

    def check(self, color_scheme: str) -> None:
        failures, summary = [], []
        for window, (width, height) in WINDOWS.items():
            page = self.new_page(user=self.user, bypass_csp=True, color_scheme=color_scheme)
            page.set_viewport_size({"width": width, "height": height})
            for name, url in self.pages():
                page.goto(url)
                expect(page.locator("html")).to_have_attribute("data-bs-theme", color_scheme)
                violations = self.axe_violations(page)
                unlabelled = self.unlabelled_controls(page)
                where = f"{name}, {window}, {color_scheme}"
                summary.append(f"{where}: {len(violations)} serious/critical")
                if violations:
                    failures.append(self.describe_violations(where, page.url, violations))
                if unlabelled:
                    failures.append(f"{where}: controls without a label: {unlabelled}")
                if name in {"week of tomorrow", "dashboard", "appointment, series with a clash"}:
                    slug = name.split(",")[0].replace(" ", "-")
                    self.screenshot(page, f"70-{slug}-{width}x{height}-{color_scheme}")
        print("\naxe-core on the schedule's pages:\n  " + "\n  ".join(summary))
        self.assertFalse(failures, "\n\n".join(failures))

    def test_light_mode(self):
        self.check("light")

    def test_dark_mode(self):
        self.check("dark")
