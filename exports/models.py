from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportRun(models.Model):
    """The export log: every export of clinical data, who asked, when, what and with which filters.

    A trial-dataset export also carries its progress and, when done, its ZIP file (kept under
    settings.EXPORT_ROOT, served only to the user who asked for it). Rows are written by the
    export services, never edited by hand (21 CFR Part 11 §11.10(e): exports are part of the
    record of who saw what).
    """

    class Kind(models.TextChoices):
        TRIAL = "trial", _("Trial dataset (ZIP)")
        FORM = "form", _("One form (admin export action)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    # Who, as named at the time of the export (Part 11 §11.10(e)).
    requested_by_username = models.CharField(_("requested by username"), max_length=150, blank=True, editable=False)
    requested_by_printed_name = models.CharField(
        _("requested by printed name"), max_length=300, blank=True, editable=False
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=7, choices=Status.choices, default=Status.QUEUED)
    dataset = models.CharField(
        _("dataset"), max_length=100, help_text=_("What was exported: the trial dataset or one form.")
    )
    sites = models.CharField(_("sites"), max_length=500, help_text=_("Site codes whose data the export holds."))
    filters = models.JSONField(
        _("filters"), default=dict, blank=True, help_text=_("Filters, selection and format as requested.")
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    row_counts = models.JSONField(_("row counts"), default=dict, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_bytes = models.PositiveBigIntegerField(_("file bytes"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    last_downloaded_at = models.DateTimeField(_("last downloaded at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("export log")
        permissions = [("export_trial_dataset", "Can export the trial dataset")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_progress_0_to_100"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} by {self.requested_by} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if self._state.adding and self.requested_by_id and not self.requested_by_username:
            self.requested_by_username = self.requested_by.get_username()
            self.requested_by_printed_name = self.requested_by.get_full_name().strip()
        super().save(*args, **kwargs)

    @property
    def ready(self):
        return self.status == self.Status.DONE and bool(self.file_name)
