from celery import shared_task

from accounts.models import TrialSite

from .reminders import send_digests


class ReminderDeliveryFailed(Exception):
    pass


@shared_task(bind=True, max_retries=6, retry_backoff=60, retry_backoff_max=3600)
def send_daily_reminders(self, site_ids=None):
    """The daily digest (celery beat, REMINDER_TIME; or the admin's "Send reminders now" for
    some sites). A retry sends only what was not sent."""
    sites = None if site_ids is None else list(TrialSite.objects.filter(pk__in=site_ids))
    run = send_digests(sites=sites)
    if run.errors:
        raise self.retry(exc=ReminderDeliveryFailed(run.errors))
    return run.emails_sent
