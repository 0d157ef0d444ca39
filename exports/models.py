from django.conf import settings
from django.db import models


class ExportRun(models.Model):
    """The export log: every export of clinical data, who asked, when, what and with which filters.

    A trial-dataset export also carries its progress and, when done, its ZIP file (kept under
    settings.EXPORT_ROOT, served only to the user who asked for it). Rows are written by the
    export services, never edited by hand (21 CFR Part 11 §11.10(e): exports are part of the
    record of who saw what).
    """

    class Kind(models.TextChoices):
        TRIAL = "trial", "Trial dataset (ZIP)"
        FORM = "form", "One form (admin export action)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Who, as named at the time of the export (Part 11 §11.10(e)).
    requested_by_username = models.CharField(max_length=150, blank=True, editable=False)
    requested_by_printed_name = models.CharField(max_length=300, blank=True, editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    dataset = models.CharField(max_length=100, help_text="What was exported: the trial dataset or one form.")
    sites = models.CharField(max_length=500, help_text="Site codes whose data the export holds.")
    filters = models.JSONField(default=dict, blank=True, help_text="Filters, selection and format as requested.")
    progress = models.PositiveSmallIntegerField("progress (%)", default=0)
    step = models.CharField(max_length=200, blank=True)
    row_counts = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    file_sha256 = models.CharField("SHA-256 of the file", max_length=64, blank=True)
    error = models.TextField(blank=True)
    downloads = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "export"
        verbose_name_plural = "export log"
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
