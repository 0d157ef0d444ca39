import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.language import emails_by_language
from accounts.models import TrialSite

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
    report = claim_sae_notification(report_id)
    if report is None:
        return "already sent or in doubt"
    try:
        # One message per language: each investigator reads it in their own, the safety desk in the default.
        messages = [
            EmailMessage(*sae_message(report, language), settings.DEFAULT_FROM_EMAIL, emails)
            for language, emails in sae_recipients(report_id).items()
        ]
    except Exception:
        release_sae_claim(report_id, "the message could not be built; nothing was sent")
        raise
    sent = 0
    try:
        for message in messages:
            send_messages([message])
            sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if not sent:
            release_sae_claim(report_id, error)
            raise self.retry(exc=exc) from exc
        # Some recipients have it: a retry would send them the report twice. Left in doubt (claimed,
        # not notified) for a person to resolve in SaeReportAdmin, with what happened recorded.
        record_sae_error(report_id, f"sent {sent} of {len(messages)} messages (one per language), then {error}")
        return "in doubt"
    mark_sae_notified(report_id)
    return "sent"


def send_messages(messages):
    get_connection().send_messages(messages)


@transaction.atomic
def claim_sae_notification(report_id):
    """The report, claimed for this sender; None if its e-mail is not to be sent."""
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
    return report


def sae_message(report, language):
    """(subject, body) of the report's e-mail in `language`. CTCAE terms stay in English (NCI's text)."""
    ae = report.adverse_event
    site = ae.patient.site
    with translation.override(language):
        criteria = [str(f.verbose_name) for f in ae._meta.fields if f.name.startswith("sae_") and getattr(ae, f.name)]
        values = {
            "patient": ae.patient.screening_number,
            "site": site.code,
            "pi": site.principal_investigator,
            "term": ae.term.term,
            "meddra": ae.term.meddra_code,
            "grade": ae.grade,
            "onset": f"{ae.onset_date:%Y-%m-%d}",
            "aware": f"{timezone.localtime(report.aware_at):%Y-%m-%d %H:%M %Z}",
            "criteria": ", ".join(criteria),
            "expectedness": ae.get_expectedness_display() or _("not assessed"),
            "susar": _(" -> SUSAR (suspected unexpected serious adverse reaction)") if ae.susar else "",
            "anti_pd1": ae.get_relationship_to_anti_pd1_display(),
            "chemotherapy": ae.get_relationship_to_chemotherapy_display(),
            "local": ae.get_relationship_to_local_intervention_display() or _("n/a"),
            "outcome": ae.get_outcome_display(),
            "due": f"{timezone.localtime(report.deadline):%Y-%m-%d %H:%M %Z}",
        }
        # No free text: the verbatim description may carry identifiers.
        body = render_to_string("safety/email/sae.txt", values)
        kind = "SUSAR" if ae.susar else "SAE"
    return f"[ESO-Shanghai20] {kind} {ae.patient.screening_number}: {ae.term.term}", body


def sae_recipients(report_id):
    """{language: [e-mail address]}: the site's investigators, each in their language, and the safety desk."""
    site_id = SaeReport.objects.filter(pk=report_id).values_list("adverse_event__patient__site", flat=True).get()
    site = TrialSite.objects.get(pk=site_id)
    investigators = (
        get_user_model()
        .objects.filter(memberships__site=site_id, groups__name=roles.INVESTIGATOR, is_active=True)
        .exclude(email="")
        .distinct()
    )
    by_language = emails_by_language(investigators, site)
    desk = by_language.setdefault(settings.LANGUAGE_CODE, [])
    by_language[settings.LANGUAGE_CODE] = sorted({*desk, settings.SAE_SAFETY_DESK_EMAIL})
    return by_language


@transaction.atomic
def release_sae_claim(report_id, error):
    """The mail server refused or was unreachable: nothing went out, so the next try may send."""
    report = SaeReport.objects.select_for_update().get(pk=report_id)
    report.sending_since, report.last_error = None, error[:500]
    report.save()


@transaction.atomic
def record_sae_error(report_id, error):
    """Something went out and something did not: the claim stays (in doubt), the error is recorded."""
    report = SaeReport.objects.select_for_update().get(pk=report_id)
    report.last_error = error[:500]
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
