from django.core.management.base import BaseCommand

from safety import ctcae
from safety.models import CtcaeTerm


class Command(BaseCommand):
    help = "Load (or refresh) the NCI CTCAE v5.0 catalogue shipped in safety/data/. Idempotent."

    def handle(self, *args, **options):
        count = ctcae.load(CtcaeTerm)
        self.stdout.write(f"CTCAE {ctcae.CTCAE_V5[0]}: {count} terms.")
