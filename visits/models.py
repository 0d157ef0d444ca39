from django.conf import settings
from django.db import models

from audit.models import ClinicalRecord
from crf.models import Patient, PatientRecordQuerySet


class MissedVisit(ClinicalRecord):
    """A planned visit the nurse marked as missed, with the reason (the plan moves past it)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="missed_visits")
    visit_key = models.CharField(max_length=40, help_text="The plan's key, e.g. cycle:5 or assessment:3.")
    reason = models.CharField(max_length=300)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
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
        SENDING = "sending", "Sending or in doubt"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (sent again in the next digest)"

    kind = models.CharField(max_length=20)  # visit_due, visit_overdue, unsigned_ae, sae_deadline
    item_key = models.CharField(max_length=80)  # e.g. "SH01-0007/cycle:5" or "ae:42"
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)  # when the item was claimed for a digest
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENDING)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mail server accepted the digest (empty: not known)."
    )

    class Meta:
        ordering = ["-sent_at"]
        permissions = [("send_reminders", "Can send reminders now and decide on reminders in doubt")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "item_key", "recipient"], name="one_reminder_per_item_and_person")
        ]

    def __str__(self):
        return f"{self.kind} {self.item_key} → {self.recipient}"


class ReminderRun(models.Model):
    """One run of the daily reminders: how many digests went out and which failed (shown in the admin)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveIntegerField(default=0)
    errors = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Reminders {self.started_at:%Y-%m-%d %H:%M}: {self.emails_sent} sent"
