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
    """E-mail the SAE summary to the site's investigators and the sponsor's safety desk, at most once.

    The claim (`sending_since`) is committed before the mail server is contacted and the report
    marked notified after it accepted the message. A run that finds the report notified, or
    claimed by a sender that never finished (killed after the server may have accepted it), sends
    nothing: a possible duplicate SAE report is left to a person (SaeReportAdmin), not guessed. An
    SMTP refusal clears the claim, is recorded on the report and retried with back-off.
    """
    message = claim_sae_notification(report_id)
    if message is None:
        return "already sent or in doubt"
    try:
        send_mail(*message, settings.DEFAULT_FROM_EMAIL, sae_recipients(report_id))
    except (smtplib.SMTPException, OSError) as exc:
        release_sae_claim(report_id, f"{type(exc).__name__}: {exc}")
        raise self.retry(exc=exc) from exc
    mark_sae_notified(report_id)
    return "sent"


@transaction.atomic
def claim_sae_notification(report_id):
    """(subject, body) of the report's e-mail, claimed for this sender; None if not to be sent."""
    report = (
        SaeReport.objects.select_for_update()
        .select_related("adverse_event__patient__site", "adverse_event__term")
        .get(pk=report_id)
    )
    if report.notified_at or report.sending_since or report.adverse_event.voided:
        return None  # sent, in doubt, or entered in error (voided before it went out)
    report.sending_since = timezone.now()
    report.attempts += 1
    report.save()
    ae = report.adverse_event
    site = ae.patient.site
    criteria = [f.verbose_name for f in ae._meta.fields if f.name.startswith("sae_") and getattr(ae, f.name)]
    # No free text: the verbatim description may carry identifiers.
    body = (
        f"Serious adverse event, ESO-Shanghai20 (NCT06190782)\n"
        f"Patient: {ae.patient.screening_number} at {site.code} (PI {site.principal_investigator})\n"
        f"Event: {ae.term.term} (MedDRA {ae.term.meddra_code}), CTCAE grade {ae.grade}\n"
        f"Onset: {ae.onset_date:%Y-%m-%d}; site aware: {timezone.localtime(report.aware_at):%Y-%m-%d %H:%M %Z}\n"
        f"Seriousness: {', '.join(criteria)}\n"
        f"Expectedness: {ae.get_expectedness_display() or 'not assessed'}"
        f"{' -> SUSAR (suspected unexpected serious adverse reaction)' if ae.susar else ''}\n"
        f"Related to anti-PD-1: {ae.get_relationship_to_anti_pd1_display()}; "
        f"chemotherapy: {ae.get_relationship_to_chemotherapy_display()}; "
        f"local intervention: {ae.get_relationship_to_local_intervention_display() or 'n/a'}\n"
        f"Outcome: {ae.get_outcome_display()}\n"
        f"Report due: {timezone.localtime(report.deadline):%Y-%m-%d %H:%M %Z}\n"
    )
    kind = "SUSAR" if ae.susar else "SAE"
    return f"[ESO-Shanghai20] {kind} {ae.patient.screening_number}: {ae.term.term}", body


def sae_recipients(report_id):
    site_id = SaeReport.objects.filter(pk=report_id).values_list("adverse_event__patient__site", flat=True).get()
    investigators = (
        get_user_model()
        .objects.filter(memberships__site=site_id, groups__name=roles.INVESTIGATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({*investigators, settings.SAE_SAFETY_DESK_EMAIL})


@transaction.atomic
def release_sae_claim(report_id, error):
    """The mail server refused or was unreachable: nothing went out, so the next try may send."""
    report = SaeReport.objects.select_for_update().get(pk=report_id)
    report.sending_since, report.last_error = None, error[:500]
    report.save()


@transaction.atomic
def mark_sae_notified(report_id):
    report = SaeReport.objects.select_for_update().get(pk=report_id)
    report.notified_at, report.last_error = timezone.now(), ""
    report.save()


@shared_task
def resend_pending_sae_reports():
    """Catch-up (celery beat, every 15 minutes): queue every SAE report not yet notified, e.g.
    because the broker was down when it was saved. Reports in doubt are left to a person."""
    pending = list(
        SaeReport.objects.filter(
            notified_at__isnull=True, sending_since__isnull=True, adverse_event__voided=False
        ).values_list("pk", flat=True)
    )
    for report_id in pending:
        notify_sae.delay(report_id)
    return len(pending)
