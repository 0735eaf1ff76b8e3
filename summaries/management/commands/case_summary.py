from django.core.management.base import BaseCommand, CommandError

from summaries.pdf import SECTIONS, RiskHistory
from summaries.services import SummaryError, write_case_summary


class Command(BaseCommand):
    help = "Write a client's case summary PDF to a file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="client code, e.g. C-0007")
        parser.add_argument("--therapist", required=True, help="the client's therapist (username)")
        parser.add_argument("--output", required=True, help="the PDF file to write")
        parser.add_argument("--from", dest="date_from", help="first day covered (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="last day covered (YYYY-MM-DD)")
        parser.add_argument(
            "--sections", help=f"comma-separated: {','.join(SECTIONS)} (default: all)"
        )
        parser.add_argument(
            "--full-notes", choices=["all", "signed", "none"], default="all", dest="full_notes"
        )
        parser.add_argument(
            "--risk-history",
            choices=[RiskHistory.ALL, RiskHistory.CHANGES],
            default=RiskHistory.CHANGES,
            dest="risk_history",
            help="every assessment, or only changes of risk level (default)",
        )
        parser.add_argument(
            "--de-identified",
            action="store_true",
            dest="de_identified",
            help="names replaced by the client code and by roles ([partner])",
        )
        parser.add_argument("--purpose", default="", help="prepared for / purpose (the cover)")

    def handle(self, *args, **options):
        try:
            code = write_case_summary(
                code=options["code"],
                username=options["therapist"],
                output=options["output"],
                date_from=options["date_from"],
                date_to=options["date_to"],
                sections=options["sections"],
                full_notes=options["full_notes"],
                risk_history=options["risk_history"],
                de_identified=options["de_identified"],
                purpose=options["purpose"],
            )
        except SummaryError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Case summary of {code} written to {options['output']}.")
