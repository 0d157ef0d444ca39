from django.core.management.base import BaseCommand, CommandError

from esotrial import protocol
from safety.ctcae_translation import TranslationRejected, load_translation
from safety.models import CtcaeTerm


class Command(BaseCommand):
    help = (
        "Load a sponsor-provided Chinese CTCAE translation (CSV: meddra_code, term, term_zh, grade_1_zh … "
        "grade_5_zh), shown beside NCI's English text on the AE form. Replaces the previous translation."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", help="the sponsor's CSV file (UTF-8)")
        parser.add_argument("--label", required=True, help='the translation\'s version, e.g. "Sponsor zh v1.0 2026-03"')
        parser.add_argument("--ctcae-version", default=None, help="the CTCAE version it translates (the protocol's)")

    def handle(self, *args, **options):
        version = options["ctcae_version"] or protocol.CTCAE_VERSION.value
        try:
            count = load_translation(CtcaeTerm, options["csv"], options["label"], version)
        except (TranslationRejected, OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Nothing loaded: {error}") from error
        self.stdout.write(f"CTCAE {version}: Chinese translation {options['label']!r} for {count} terms.")
