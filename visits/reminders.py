"""The daily reminder digests: what each person must act on, e-mailed once per item.

One scan of all randomized patients (constant queries, crf.patients.with_course_data), then per
recipient a committed claim (the recipient's row locked, items already in ReminderLog dropped,
new ones recorded as "sending"), then the e-mail, then the mark "sent". Two runs at once, a
retry, or a second beat process never send an item twice; an SMTP refusal marks the items
"failed" and they go out on the retry. A sender killed after the mail server accepted the digest
but before the mark leaves the items "sending": in doubt, never resent without a person's decision
(at most once, and every possible duplicate visible, rather than a silent "exactly once").
"""

import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import roles
from accounts.language import supported
from accounts.models import LanguagePreference
from crf import derived, schedule
from crf.models import Patient
from crf.patients import with_course_data, with_status
from esotrial import protocol
from safety.models import AdverseEvent, SaeReport
from safety.signing import awaiting_review

from .models import ReminderLog, ReminderRun


@dataclass(frozen=True)
class Item:
    kind: str  # visit_due, visit_overdue, unsigned_ae, sae_deadline
    key: str
    patient: Patient
    text: str


def collect(today, sites=None):
    """{(user, site): [Item]} for every active member of the sites with the right role."""
    horizon = today + timedelta(days=protocol.REMINDER_DUE_WITHIN_DAYS.value)
    # Only patients whose stored visit dates (crf.derived) put a visit in reach get their plan derived.
    patients = Patient.objects.filter(derived.due_q(today, horizon), voided=False, allocation__isnull=False)
    if sites is not None:
        patients = patients.filter(site__in=sites)
    patients = with_status(list(with_course_data(patients)), today)
    by_site = {}
    for patient in patients:
        items = by_site.setdefault(patient.site, {"nurse": [], "investigator": []})
        for visit in patient.plan:
            if visit.state == schedule.OVERDUE:
                kind, text = "visit_overdue", _("{patient}: {visit}, overdue since {date}")
                when = visit.window.latest
            elif visit.state in (schedule.DUE, schedule.UPCOMING) and visit.window.planned <= horizon:
                kind, text, when = "visit_due", _("{patient}: {visit}, due {date}"), visit.window.planned
            else:
                continue
            key = f"{patient.screening_number}/{visit.key}"
            text = format_lazy(text, patient=patient.screening_number, visit=visit.what, date=f"{when:%Y-%m-%d}")
            items["nurse"].append(Item(kind, key, patient, text))

    old = today - timedelta(days=protocol.UNSIGNED_AE_REMINDER_DAYS.value)
    aes = AdverseEvent.objects.filter(voided=False, patient__voided=False, onset_date__lte=old)
    if sites is not None:
        aes = aes.filter(patient__site__in=sites)
    for ae in awaiting_review(aes).select_related("patient__site", "term"):
        text = format_lazy(
            _("{patient}: {term} grade {grade} (onset {onset}) unsigned"),
            patient=ae.patient.screening_number,
            term=ae.term.term,
            grade=ae.grade,
            onset=f"{ae.onset_date:%Y-%m-%d}",
        )
        by_site.setdefault(ae.patient.site, {"nurse": [], "investigator": []})["investigator"].append(
            Item("unsigned_ae", f"ae:{ae.pk}", ae.patient, text)
        )

    near = timezone.now() + timedelta(hours=protocol.SAE_NEAR_DEADLINE_HOURS.value)
    reports = SaeReport.objects.filter(notified_at__isnull=True, adverse_event__voided=False).select_related(
        "adverse_event__patient__site", "adverse_event__term"
    )
    for report in reports:
        if report.deadline <= near and (sites is None or report.adverse_event.patient.site in sites):
            patient = report.adverse_event.patient
            item = Item(
                "sae_deadline",
                f"sae:{report.pk}",
                patient,
                format_lazy(
                    _("{patient}: SAE report ({term}) due {due}"),
                    patient=patient.screening_number,
                    term=report.adverse_event.term.term,
                    due=f"{timezone.localtime(report.deadline):%Y-%m-%d %H:%M}",
                ),
            )
            group = by_site.setdefault(patient.site, {"nurse": [], "investigator": []})
            group["nurse"].append(item)
            group["investigator"].append(item)

    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__site__in=list(by_site),
            groups__name__in=[roles.RESEARCH_NURSE, roles.INVESTIGATOR],
        )
        .exclude(email="")
        .values_list("pk", "memberships__site", "groups__name")
    )
    recipients = {}
    user_objects = get_user_model().objects.in_bulk({pk for pk, _site, _role in users})
    sites_by_pk = {site.pk: site for site in by_site}
    for pk, site_pk, role in users:
        if site_pk not in sites_by_pk:
            continue
        site = sites_by_pk[site_pk]
        wanted = by_site[site]["nurse" if role == roles.RESEARCH_NURSE else "investigator"]
        bucket = recipients.setdefault((user_objects[pk], site), [])
        bucket += [item for item in wanted if item not in bucket]
    return {key: items for key, items in recipients.items() if items}


def send_digests(today=None, sites=None):
    """Send every pending digest; returns the run record (sent count, errors, items in doubt).

    Must run outside a transaction (a command, a Celery task): each recipient's claim is committed
    before the mail server is contacted, which is what makes a crash leave a trace.
    """
    today = today or timezone.localdate()
    run = ReminderRun.objects.create()
    sent, errors = 0, []
    digests = collect(today, sites)
    chosen = dict(
        LanguagePreference.objects.filter(user__in={user for user, _site in digests}).values_list("user", "language")
    )
    for (user, site), items in digests.items():
        claimed = claim(user, items, today)
        if not claimed:
            continue
        context = {"user": user, "site": site, "items": [item for item, _row in claimed], "today": today}
        # The recipient's language: their own choice, else their site's.
        with translation.override(supported(chosen.get(user.pk, site.language))):
            text = render_to_string("visits/email/digest.txt", context)
            html = render_to_string("visits/email/digest.html", context)
            subject = ngettext(
                "[ESO-Shanghai20] %(site)s: %(count)d item for %(date)s",
                "[ESO-Shanghai20] %(site)s: %(count)d items for %(date)s",
                len(claimed),
            ) % {"site": site.code, "count": len(claimed), "date": f"{today:%Y-%m-%d}"}
        rows = ReminderLog.objects.filter(pk__in=[row.pk for _item, row in claimed])
        try:
            send_mail(
                subject,
                text,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
                html_message=html,
            )
        except (smtplib.SMTPException, OSError) as exc:
            # The server refused or could not be reached: nothing went out, the next run retries.
            rows.update(state=ReminderLog.State.FAILED)
            errors.append(f"{user.get_username()}@{site.code}: {type(exc).__name__}: {exc}")
        else:
            mark_sent(rows)
            sent += 1
    in_doubt = ReminderLog.objects.filter(state=ReminderLog.State.SENDING, sent_at__lt=run.started_at).count()
    if in_doubt:
        errors.append(f"{in_doubt} item(s) in doubt (a sender stopped mid-send): decide in Reminder log.")
    run.finished_at, run.emails_sent, run.errors = timezone.now(), sent, "\n".join(errors)
    run.save()
    return run


@transaction.atomic
def claim(user, items, today):
    """Record the recipient's new items as "sending" and return [(item, log row)]; committed on return.

    Items already sent, or in doubt, are left out; items whose last send failed are claimed again.
    The recipient's row lock makes two runs at once claim each item once.
    """
    get_user_model().objects.select_for_update().get(pk=user.pk)
    logs = {
        (row.kind, row.item_key): row
        for row in ReminderLog.objects.filter(recipient=user, item_key__in=[i.key for i in items])
    }
    new = [item for item in items if (item.kind, item.key) not in logs]
    retried = [
        (item, logs[(item.kind, item.key)])
        for item in items
        if (item.kind, item.key) in logs and logs[(item.kind, item.key)].state == ReminderLog.State.FAILED
    ]
    ReminderLog.objects.filter(pk__in=[row.pk for _item, row in retried]).update(
        state=ReminderLog.State.SENDING, sent_on=today
    )
    created = ReminderLog.objects.bulk_create(
        ReminderLog(kind=i.kind, item_key=i.key, patient=i.patient, recipient=user, sent_on=today) for i in new
    )
    return list(zip(new, created, strict=True)) + retried


def mark_sent(rows):
    rows.update(state=ReminderLog.State.SENT, confirmed_at=timezone.now())
