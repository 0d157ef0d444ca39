"""Django's makemessages, scoped to the eCRF's own code and templates.

`manage.py makemessages -l zh_Hans` (what `make messages` runs) and the catalogue test use the same
scope, so "the catalogue is current" means the same thing on a laptop and in CI.
"""

from django.core.management.commands import makemessages

NOT_TRANSLATED = [".venv", "var", "staticfiles", "test-artifacts", "tests", "bench", "locale", "*/migrations/*"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*(options.get("ignore_patterns") or []), *NOT_TRANSLATED]
        options["no_obsolete"] = True
        options["add_location"] = options.get("add_location") or "file"  # fewer diff lines than line numbers
        return super().handle(*args, **options)
