from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords


class TrialSite(models.Model):
    """A participating hospital. Its code prefixes every screening number (SH01-0007)."""

    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}[0-9]{2}$", "Two capital letters and two digits, e.g. SH01.")],
    )
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    principal_investigator = models.CharField(max_length=200)
    active = models.BooleanField(default=True, help_text="An inactive site registers no new patients.")
    language = models.CharField(
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="en",
        help_text="Language of the e-mails the site's staff receive.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SiteMembership", related_name="trial_sites", blank=True
    )
    last_screening_serial = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="The site's screening counter: it only goes up, so a number is never issued twice.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{2}[0-9]{2}$"), name="site_code_format"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class SiteMembership(models.Model):
    """A user works at a site. Memberships are the only source of what a user may see."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(TrialSite, on_delete=models.PROTECT, related_name="memberships")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_membership_per_site")]

    def __str__(self):
        return f"{self.user} @ {self.site.code}"
