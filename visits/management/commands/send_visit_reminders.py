from django.core.management.base import BaseCommand

from visits.reminders import send_digests


class Command(BaseCommand):
    help = "Send today's reminder digests now (the daily Celery job, run synchronously). Exactly once per item."

    def handle(self, *args, **options):
        run = send_digests()
        self.stdout.write(f"{run.emails_sent} digest(s) sent.")
        if run.errors:
            self.stderr.write(f"Failed (will be retried by the next run):\n{run.errors}")
