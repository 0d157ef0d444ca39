from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from audit.models import audited_history


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
    history = audited_history()

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
    history = audited_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_membership_per_site")]

    def __str__(self):
        return f"{self.user} @ {self.site.code}"


class AccountEvent(models.Model):
    """Account administration and sign-in events (21 CFR Part 11 §11.10(d), §11.300): who did what
    to which account, when, old → new and why. Written only by accounts.audit; never edited or
    deleted. Names are kept as they were at the time."""

    class Action(models.TextChoices):
        CREATED = "created", "Account created"
        ACTIVATED = "activated", "Account activated"
        DEACTIVATED = "deactivated", "Account deactivated"
        NAME_CHANGED = "name_changed", "Printed name changed"
        EMAIL_CHANGED = "email_changed", "E-mail changed"
        STAFF_CHANGED = "staff_changed", "Admin access changed"
        SUPERUSER_CHANGED = "superuser_changed", "Superuser status changed"
        ROLE_ADDED = "role_added", "Role added"
        ROLE_REMOVED = "role_removed", "Role removed"
        SITE_ADDED = "site_added", "Site membership added"
        SITE_REMOVED = "site_removed", "Site membership removed"
        PASSWORD_SET = "password_set", "Password set by an administrator"
        PASSWORD_CHANGED = "password_changed", "Password changed by its owner"
        LOGIN_FAILED = "login_failed", "Wrong password (sign-in, e-signature or password change)"
        LOCKED_OUT = "locked_out", "Locked out"
        UNLOCKED = "unlocked", "Unlocked"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_username = models.CharField("by (user name)", max_length=150, blank=True)
    actor_printed_name = models.CharField("by (printed name)", max_length=300, blank=True)
    username = models.CharField("account", max_length=150, db_index=True)
    printed_name = models.CharField("account's printed name", max_length=300, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    old = models.CharField(max_length=300, blank=True)
    new = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "account event"
        verbose_name_plural = "access and accounts audit"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}: {self.get_action_display()}"
