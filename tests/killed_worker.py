"""Run a notification in a separate process that dies like a killed worker: right after the mail
server accepted the message, before the ledger recorded it (os._exit skips every cleanup)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_until_killed(module, mark_function, call, mail_dir):
    """Import `module`, make `mark_function` (called after a successful send) kill the process,
    then run `call` (Python source). Mail goes to files in `mail_dir`. Returns the exit code."""
    db = connection.settings_dict
    script = textwrap.dedent(
        f"""
        import os, django
        django.setup()
        from django.conf import settings
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = {str(mail_dir)!r}
        import {module} as target
        setattr(target, {mark_function!r}, lambda *args, **kwargs: os._exit(9))
        {call}
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "esotrial.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120).returncode


def messages_in(mail_dir):
    return [path.read_text() for path in Path(mail_dir).glob("*.log")]
