from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from crf.models import Patient


class Arm(models.TextChoices):
    COMBINED = "combined", "Combined: local intervention + systemic therapy"
    SYSTEMIC = "systemic", "Systemic therapy alone"


class AllocationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))


class Allocation(models.Model):
    """A patient's randomized arm. Immutable once made: never edited, never voided (ICH E9).

    The allocation service, list generation and concealment come with the randomization issue;
    the clinical forms need only the arm and the date.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="allocation")
    number = models.CharField("randomization number", max_length=16, unique=True)
    arm = models.CharField(max_length=10, choices=Arm.choices)
    randomized_on = models.DateField("date of randomization")
    randomized_at = models.DateTimeField(auto_now_add=True)
    randomized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    objects = AllocationQuerySet.as_manager()

    def __str__(self):
        return f"{self.number} {self.get_arm_display()}"
