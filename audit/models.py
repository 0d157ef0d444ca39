"""The audit contract every clinical model signs (21 CFR Part 11 §11.10(e), ICH E6 4.9).

A clinical row keeps its full history (django-simple-history: who, when, every field's old and
new value, a reason for change) and is never hard-deleted: it is voided with a reason, drops out
of the lists, and stays in history and exports, flagged.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AuditedHistory(models.Model):
    """Every history row keeps who acted as they were then (21 CFR Part 11 §11.10(e)): the user
    name and the printed name, beside the account key, so a later change of the account's name
    does not re-attribute the past. Filled by audit.signals."""

    history_username = models.CharField(max_length=150, blank=True, editable=False)
    history_printed_name = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        abstract = True


def audited_history(**options):
    """HistoricalRecords for every audited model of the trial: the same extra columns everywhere."""
    return HistoricalRecords(bases=[AuditedHistory], **options)


class ClinicalRecord(models.Model):
    voided = models.BooleanField(_("voided"), default=False, editable=False)
    voided_on = models.DateTimeField(_("voided on"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.TextField(_("void reason"), blank=True, editable=False)

    # inherit=True gives each concrete subclass its own Historical<Model> table.
    history = audited_history(inherit=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voided=False) | (models.Q(voided_on__isnull=False) & ~models.Q(void_reason="")),
                name="%(app_label)s_%(class)s_void_has_reason",
            )
        ]
