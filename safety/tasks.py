import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts import roles

from .models import SaeReport


@shared_task(bind=True, max_retries=8, default_retry_delay=60)
def notify_sae(self, report_id):
    """E-mail the SAE summary to the site's investigators and the sponsor's safety desk, once.

    The report row is locked and `notified_at` checked before sending, so a task run twice (a
    retry after a lost acknowledgement, a duplicate enqueue) sends nothing the second time.
    An SMTP failure is recorded on the report and retried with back-off.
    """
    with transaction.atomic():
        report = (
            SaeReport.objects.select_for_update()
            .select_related("adverse_event__patient__site", "adverse_event__term")
            .get(pk=report_id)
        )
        if report.notified_at:
            return "already sent"
        ae = report.adverse_event
        site = ae.patient.site
        investigators = (
            get_user_model()
            .objects.filter(memberships__site=site, groups__name=roles.INVESTIGATOR, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        recipients = sorted({*investigators, settings.SAE_SAFETY_DESK_EMAIL})
        criteria = [f.verbose_name for f in ae._meta.fields if f.name.startswith("sae_") and getattr(ae, f.name)]
        # No free text: the verbatim description may carry identifiers.
        body = (
            f"Serious adverse event, ESO-Shanghai20 (NCT06190782)\n"
            f"Patient: {ae.patient.screening_number} at {site.code} (PI {site.principal_investigator})\n"
            f"Event: {ae.term.term} (MedDRA {ae.term.meddra_code}), CTCAE grade {ae.grade}\n"
            f"Onset: {ae.onset_date:%Y-%m-%d}; site aware: {timezone.localtime(report.aware_at):%Y-%m-%d %H:%M %Z}\n"
            f"Seriousness: {', '.join(criteria)}\n"
            f"Related to anti-PD-1: {ae.get_relationship_to_anti_pd1_display()}; "
            f"chemotherapy: {ae.get_relationship_to_chemotherapy_display()}; "
            f"local intervention: {ae.get_relationship_to_local_intervention_display() or 'n/a'}\n"
            f"Outcome: {ae.get_outcome_display()}\n"
            f"Report due: {timezone.localtime(report.deadline):%Y-%m-%d %H:%M %Z}\n"
        )
        report.attempts += 1
        try:
            send_mail(
                f"[ESO-Shanghai20] SAE {ae.patient.screening_number}: {ae.term.term}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
        except (smtplib.SMTPException, OSError) as exc:
            report.last_error = f"{type(exc).__name__}: {exc}"[:500]
            report.save()
            failed = exc
        else:
            report.notified_at, report.last_error = timezone.now(), ""
            report.save()
            return "sent"
    raise self.retry(exc=failed)


@shared_task
def resend_pending_sae_reports():
    """Catch-up (celery beat, every 15 minutes): queue every SAE report not yet notified, e.g.
    because the broker was down when it was saved. notify_sae sends each one once."""
    pending = list(SaeReport.objects.filter(notified_at__isnull=True).values_list("pk", flat=True))
    for report_id in pending:
        notify_sae.delay(report_id)
    return len(pending)
