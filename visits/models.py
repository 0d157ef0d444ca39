from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import ClinicalRecord
from crf.models import Patient, PatientRecordQuerySet


class MissedVisit(ClinicalRecord):
    """A planned visit the nurse marked as missed, with the reason (the plan moves past it)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="missed_visits", verbose_name=_("patient")
    )
    visit_key = models.CharField(
        _("visit key"), max_length=40, help_text=_("The plan's key, e.g. cycle:5 or assessment:3.")
    )
    reason = models.CharField(_("reason"), max_length=300)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("missed visit")
        verbose_name_plural = _("missed visits")
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["patient", "visit_key"], condition=models.Q(voided=False), name="one_live_mark_per_visit"
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.visit_key} missed"


class ReminderLog(models.Model):
    """Every reminder item e-mailed, once per (kind, item, recipient): the at-most-once ledger.

    The row is committed as "sending" before the SMTP conversation and marked "sent" after it, so
    a worker that dies in between leaves it "sending": the message may have gone out, and it is
    never sent again without a person deciding so in the admin (ReminderLogAdmin).
    """

    class State(models.TextChoices):
        SENDING = "sending", _("Sending or in doubt")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (sent again in the next digest)")

    class Kind(models.TextChoices):
        VISIT_DUE = "visit_due", _("Visit due")
        VISIT_OVERDUE = "visit_overdue", _("Visit overdue")
        UNSIGNED_AE = "unsigned_ae", _("AE awaiting signature")
        SAE_DEADLINE = "sae_deadline", _("SAE report near its deadline")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    item_key = models.CharField(_("item key"), max_length=80)  # e.g. "SH01-0007/cycle:5" or "ae:42"
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("patient")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)  # when the item was claimed for a digest
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SENDING)
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the mail server accepted the digest (empty: not known)."),
    )

    class Meta:
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        ordering = ["-sent_at"]
        permissions = [("send_reminders", "Can send reminders now and decide on reminders in doubt")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_key", "recipient"], name="one_reminder_per_item_and_person")
        ]

    def __str__(self):
        return f"{self.kind} {self.item_key} → {self.recipient}"


class ReminderRun(models.Model):
    """One run of the daily reminders: how many digests went out and which failed (shown in the admin)."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    emails_sent = models.PositiveIntegerField(_("emails sent"), default=0)
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"Reminders {self.started_at:%Y-%m-%d %H:%M}: {self.emails_sent} sent"
