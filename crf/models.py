from django.core.validators import RegexValidator
from django.db import models

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.models import ClinicalRecord


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, include_voided=False):
        """The only way views, admin, form choices and exports pick patients (accounts.scoping)."""
        qs = self.filter(site__in=sites_visible_to(user))
        return qs if include_voided else qs.filter(voided=False)


class Patient(ClinicalRecord):
    """A screened participant. Pseudonymous by design: no names, ID or phone numbers are stored."""

    site = models.ForeignKey(TrialSite, on_delete=models.PROTECT, related_name="patients")
    site_serial = models.PositiveIntegerField(editable=False)
    screening_number = models.CharField(
        max_length=16,
        unique=True,
        editable=False,
        help_text="Issued at registration: site code and serial, e.g. SH01-0007. Never reused.",
    )
    initials = models.CharField(
        max_length=4,
        validators=[RegexValidator(r"^[A-Z]{2,4}$", "Two to four capital letters, e.g. ZWL.")],
        help_text="Pinyin initials, two to four capital letters. Never the full name.",
    )
    consent_date = models.DateField(
        "date informed consent signed",
        help_text="Must precede every study procedure (ICH GCP 4.8).",
    )

    objects = PatientQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["site__code", "site_serial"]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.UniqueConstraint(fields=["site", "site_serial"], name="one_serial_per_site"),
            models.CheckConstraint(
                condition=models.Q(screening_number__regex=r"^[A-Z]{2}[0-9]{2}-[0-9]{4,}$"),
                name="screening_number_format",
            ),
            models.CheckConstraint(
                condition=models.Q(initials__regex=r"^[A-Z]{2,4}$"), name="initials_format"
            ),
        ]

    def __str__(self):
        return self.screening_number
