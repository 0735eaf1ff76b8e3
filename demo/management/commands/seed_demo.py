"""Load fictional demo data: the hand-written caseload, or generated caseloads for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from demo.caseload import seed_demo_therapist
from demo.datafiles import DemoDataError
from demo.generator import (
    BENCH_PASSWORD,
    ScaleOptionError,
    seed_bench_therapists,
    validate_scale_options,
)

SCALE_DEFAULTS = {"therapists": 1, "clients": 25, "sessions": 20}


class Command(BaseCommand):
    help = (
        "Create fictional demo data. Without options: the 'demo' therapist with the "
        "hand-written clients of demo/data/stories/ and their sessions. With --therapists/"
        "--clients/--sessions: generated bench-therapist-NN accounts for benchmarks (defaults "
        "1 therapist, 25 clients, 20 sessions per client). Therapists who already have clients "
        "are left untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--therapists", type=int, help="Scale mode: number of bench therapists to create."
        )
        parser.add_argument("--clients", type=int, help="Scale mode: clients per therapist.")
        parser.add_argument("--sessions", type=int, help="Scale mode: sessions per client.")
        parser.add_argument(
            "--random-seed",
            type=int,
            help="Scale mode: seed for the generator; the same seed gives the same data "
            "(default 0).",
        )

    def handle(self, *args, **options):
        scale = {key: options[key] for key in SCALE_DEFAULTS if options[key] is not None}
        seed = options["random_seed"]
        if not scale:
            if seed is not None:
                raise CommandError(
                    "--random-seed only applies with --therapists, --clients or --sessions."
                )
            self._seed_demo()
            return
        values = {**SCALE_DEFAULTS, **scale}
        try:
            validate_scale_options(**values, seed=seed or 0)
            report = seed_bench_therapists(**values, seed=seed or 0)
        except (ScaleOptionError, DemoDataError) as exc:
            raise CommandError(str(exc)) from None
        for username in report.skipped:
            self.stdout.write(f"{username} already has clients; left unchanged.")
        if report.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {len(report.created)} therapist(s), {report.clients:,} clients and "
                    f"{report.sessions:,} sessions."
                )
            )
            self.stdout.write(
                f"Log in as {report.created[0]} (or any bench-therapist-NN) with password "
                f"{BENCH_PASSWORD}"
            )
        else:
            self.stdout.write("Nothing to do.")

    def _seed_demo(self):
        try:
            report = seed_demo_therapist()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        if report.seeded:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {report.clients} demo clients with {report.sessions} sessions "
                    f"and {report.appointments} appointments; {report.questionnaires} "
                    "questionnaires and a treatment plan for each client in therapy."
                )
            )
        else:
            self.stdout.write(
                f"The demo therapist already has {report.clients} clients, "
                f"{report.sessions} sessions and {report.appointments} appointments; "
                "nothing changed."
            )
        if report.password_matches:
            self.stdout.write(f"Log in with username {report.username}, password {report.password}")
            self.stdout.write(
                "At the first sign-in you set up two-factor sign-in with an authenticator app "
                "(the page shows a QR code and the key to type in)."
            )
        else:
            self.stdout.write(
                f"Log in with username {report.username}; its password was changed after "
                "seeding and has been left as it is."
            )
