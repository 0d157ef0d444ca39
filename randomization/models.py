from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import audited_history
from crf.models import Patient


class Arm(models.TextChoices):
    COMBINED = "combined", _("Combined: local intervention + systemic therapy")
    SYSTEMIC = "systemic", _("Systemic therapy alone")


class AllocationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))


class RandomizationList(models.Model):
    """The generated allocation list: its seed, size and checksum. Its row is also the lock
    every allocation takes, so that allocations happen one at a time (randomization.services)."""

    seed = models.CharField(_("seed"), max_length=64)
    per_stratum = models.PositiveIntegerField(_("per stratum"))
    method = models.CharField(
        _("method"), max_length=14, help_text=_("Randomization method in force when the list was made.")
    )
    sha256 = models.CharField(_("SHA-256 of the list file"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150)

    class Meta:
        verbose_name = _("randomization list")
        verbose_name_plural = _("randomization lists")
        permissions = [
            ("view_randomization_report", "Can view allocation counts by arm, stratum and site"),
        ]

    def __str__(self):
        return f"List {self.pk} ({self.per_stratum} per stratum)"  # never the seed: it reveals the list


class AllocationSlot(models.Model):
    """One concealed entry of the list. Only the Randomization manager may read these."""

    randomization_list = models.ForeignKey(
        RandomizationList, on_delete=models.PROTECT, related_name="slots", verbose_name=_("randomization list")
    )
    stratum = models.CharField(_("stratum"), max_length=200)
    sequence = models.PositiveIntegerField(_("sequence"), help_text=_("Position within the stratum, from 1."))
    block_number = models.PositiveIntegerField(_("block number"))
    block_size = models.PositiveSmallIntegerField(_("block size"))
    arm = models.CharField(_("arm"), max_length=10, choices=Arm.choices)

    class Meta:
        verbose_name = _("allocation slot")
        verbose_name_plural = _("allocation slots")
        constraints = [
            models.UniqueConstraint(fields=["randomization_list", "stratum", "sequence"], name="one_slot_per_position")
        ]

    def __str__(self):
        return f"{self.stratum} #{self.sequence}"


class Allocation(models.Model):
    """A patient's randomized arm. Immutable once made: never edited, never voided (ICH E9);
    an error is documented by the Randomization manager in `correction_note`, not re-randomized."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="allocation", verbose_name=_("patient")
    )
    number = models.CharField(_("randomization number"), max_length=16, unique=True)
    arm = models.CharField(_("arm"), max_length=10, choices=Arm.choices)
    method = models.CharField(_("method"), max_length=14, blank=True)
    stratum = models.CharField(_("stratum"), max_length=200, blank=True)
    slot = models.OneToOneField(
        AllocationSlot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocation",
        verbose_name=_("slot"),
    )
    correction_note = models.TextField(
        _("correction note"), blank=True, help_text=_("Randomization manager's documented correction, if any.")
    )
    randomized_on = models.DateField(_("date of randomization"))
    randomized_at = models.DateTimeField(_("randomized at"), auto_now_add=True)
    randomized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("randomized by")
    )
    history = audited_history()

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        permissions = [("randomize_patient", "Can randomize a patient of own site")]

    def __str__(self):
        return f"{self.number} {self.get_arm_display()}"
