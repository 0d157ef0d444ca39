from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.models import audited_history


class TrialSite(models.Model):
    """A participating hospital. Its code prefixes every screening number (SH01-0007)."""

    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}[0-9]{2}$", _("Two capital letters and two digits, e.g. SH01."))],
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    principal_investigator = models.CharField(_("principal investigator"), max_length=200)
    active = models.BooleanField(_("active"), default=True, help_text=_("An inactive site registers no new patients."))
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="en",
        help_text=_("Language of the e-mails the site's staff receive."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SiteMembership",
        related_name="trial_sites",
        blank=True,
        verbose_name=_("members"),
    )
    last_screening_serial = models.PositiveIntegerField(
        _("last screening serial"),
        default=0,
        editable=False,
        help_text=_("The site's screening counter: it only goes up, so a number is never issued twice."),
    )
    history = audited_history()

    class Meta:
        verbose_name = _("trial site")
        verbose_name_plural = _("trial sites")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{2}[0-9]{2}$"), name="site_code_format"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class SiteMembership(models.Model):
    """A user works at a site. Memberships are the only source of what a user may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    site = models.ForeignKey(TrialSite, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("site"))
    history = audited_history()

    class Meta:
        verbose_name = _("site membership")
        verbose_name_plural = _("site memberships")
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="one_membership_per_site")]

    def __str__(self):
        return f"{self.user} @ {self.site.code}"


class AccountEvent(models.Model):
    """Account administration and sign-in events (21 CFR Part 11 §11.10(d), §11.300): who did what
    to which account, when, old → new and why. Written only by accounts.audit; never edited or
    deleted. Names are kept as they were at the time."""

    class Action(models.TextChoices):
        CREATED = "created", _("Account created")
        ACTIVATED = "activated", _("Account activated")
        DEACTIVATED = "deactivated", _("Account deactivated")
        NAME_CHANGED = "name_changed", _("Printed name changed")
        EMAIL_CHANGED = "email_changed", _("E-mail changed")
        STAFF_CHANGED = "staff_changed", _("Admin access changed")
        SUPERUSER_CHANGED = "superuser_changed", _("Superuser status changed")
        ROLE_ADDED = "role_added", _("Role added")
        ROLE_REMOVED = "role_removed", _("Role removed")
        SITE_ADDED = "site_added", _("Site membership added")
        SITE_REMOVED = "site_removed", _("Site membership removed")
        PASSWORD_SET = "password_set", _("Password set by an administrator")
        PASSWORD_CHANGED = "password_changed", _("Password changed by its owner")
        LOGIN_FAILED = "login_failed", _("Wrong password (sign-in, e-signature or password change)")
        LOCKED_OUT = "locked_out", _("Locked out")
        UNLOCKED = "unlocked", _("Unlocked")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor_username = models.CharField(_("by (user name)"), max_length=150, blank=True)
    actor_printed_name = models.CharField(_("by (printed name)"), max_length=300, blank=True)
    username = models.CharField(_("account"), max_length=150, db_index=True)
    printed_name = models.CharField(_("account's printed name"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    old = models.CharField(pgettext_lazy("value before/after a change", "old"), max_length=300, blank=True)
    new = models.CharField(pgettext_lazy("value before/after a change", "new"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("account event")
        verbose_name_plural = _("access and accounts audit")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}: {self.get_action_display()}"


class LanguagePreference(models.Model):
    """The language a user chose with the navigation's switch; pages and e-mails follow it.
    Without one, pages follow the browser and e-mails the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="language_preference",
        editable=False,
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self):
        return f"{self.user}: {self.language}"
