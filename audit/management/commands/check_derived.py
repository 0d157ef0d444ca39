from django.core.management.base import BaseCommand, CommandError

from audit.derived import run_checks


class Command(BaseCommand):
    help = "Verify every stored derived value (patient status, visit dates, signature state) against its rule."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair what differs (as the nightly task does).")

    def handle(self, *args, fix=False, **options):
        results = run_checks(fix=fix)
        for name, findings in results.items():
            self.stdout.write(f"{name}: {len(findings) or 'all'} {'differ' if findings else 'right'}")
            for finding in findings[:50]:
                self.stdout.write(f"  {finding}")
        if any(results.values()) and not fix:
            raise CommandError("Stored derived values differ from their rules (run with --fix to repair).")
