from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from crf import demo, derived


class Command(BaseCommand):
    help = "Load the demo trial: 3 sites, one user per role per site, ~30 synthetic patients. Idempotent."

    @no_translations  # the demo's stored texts (screen-failure reasons) are data: English, as the rules word them
    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Demo users share a published password: never in a production database.
            raise CommandError("seed_demo refuses to run with DEBUG off (demo logins have a public password).")
        # Each patient's derived state is refreshed once, when its forms are all in (crf.derived).
        with transaction.atomic(), derived.deferred():
            sites = demo.seed_sites()
            users = demo.seed_users(sites)
            demo.seed_randomization_list()
            patients = demo.seed_patients(sites, users)
        self.stdout.write(f"Demo data ready: {len(sites)} sites, {len(users)} users, {patients} new patients.")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username in sorted(users):
            self.stdout.write(f"  {username}")
