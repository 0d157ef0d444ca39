import logging
import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")

app = Celery("esotrial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The serverless broker and result store of `make run` (kombu's filesystem transport, celery's
# file:// backend) need their folders to exist.
for folder in app.conf.broker_transport_options.values():
    if isinstance(folder, str):
        Path(folder).mkdir(parents=True, exist_ok=True)
if str(app.conf.result_backend).startswith("file://"):
    Path(app.conf.result_backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


@app.task(name="esotrial.ping")
def ping():
    """A round trip through broker and worker, used by the health check and its test."""
    return "pong"


logger = logging.getLogger(__name__)


def enqueue(task, *args):
    """Queue `task` without letting a broker outage reach the user: data entry never waits on
    Redis. A message that could not be queued is logged; the periodic catch-up jobs resend what
    is still pending (safety.tasks.resend_pending_sae_reports, the daily reminders). Returns
    whether the message was queued."""
    try:
        task.apply_async(args=args, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: keep the request alive, log it
        logger.warning("Could not queue %s%r; the catch-up job will resend it.", task.name, args, exc_info=True)
        return False
    return True
