from celery import shared_task

from .reminders import send_digests


class ReminderDeliveryFailed(Exception):
    pass


@shared_task(bind=True, max_retries=6, retry_backoff=60, retry_backoff_max=3600)
def send_daily_reminders(self):
    """The daily digest (celery beat, REMINDER_TIME). A retry sends only what was not sent."""
    run = send_digests()
    if run.errors:
        raise self.retry(exc=ReminderDeliveryFailed(run.errors))
    return run.emails_sent
