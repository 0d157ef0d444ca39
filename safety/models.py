from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.models import ClinicalRecord, audited_history
from crf.models import Patient, PatientRecordQuerySet

from . import reporting


class CtcaeTerm(models.Model):
    """One NCI CTCAE term with its grade definitions ("" where the term has no such grade)."""

    version = models.CharField(max_length=8, default="5.0")
    meddra_code = models.CharField("MedDRA code", max_length=8)
    soc = models.CharField("system organ class", max_length=100)
    term = models.CharField(max_length=200)
    grade_1 = models.TextField(blank=True)
    grade_2 = models.TextField(blank=True)
    grade_3 = models.TextField(blank=True)
    grade_4 = models.TextField(blank=True)
    grade_5 = models.TextField(blank=True)
    definition = models.TextField(blank=True)
    # A signature covers the grading text the investigator saw; a later correction of the
    # catalogue must be traceable to what it was then.
    history = audited_history()

    class Meta:
        ordering = ["term"]
        verbose_name = "CTCAE term"
        constraints = [
            models.UniqueConstraint(fields=["version", "meddra_code"], name="one_term_per_code_and_version"),
            models.UniqueConstraint(fields=["version", "term"], name="one_term_name_per_version"),
        ]

    def __str__(self):
        return f"{self.term} ({self.soc})"

    def grade_text(self, grade):
        return getattr(self, f"grade_{grade}")

    @property
    def grades(self):
        """The grades this term defines, e.g. [1, 2] for Alopecia, [3, 4, 5] for Febrile neutropenia."""
        return [n for n in range(1, 6) if self.grade_text(n)]


class Relationship(models.TextChoices):
    NOT_APPLICABLE = "na", "Not applicable (not received)"
    NOT_RELATED = "not_related", "Not related"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


class Action(models.TextChoices):
    NONE = "none", "None"
    DELAYED = "delayed", "Delayed"
    REDUCED = "reduced", "Dose reduced"
    DISCONTINUED = "discontinued", "Discontinued"
    NOT_APPLICABLE = "na", "Not applicable (not receiving it)"


class AdverseEvent(ClinicalRecord):
    """An adverse event graded with NCI CTCAE (CDASH AE domain in spirit)."""

    class Treatment(models.TextChoices):
        NONE = "none", "None"
        CORTICOSTEROIDS = "corticosteroids", "Corticosteroids"
        IMMUNOSUPPRESSION = "immunosuppression", "Other immunosuppression"
        HOSPITALIZATION = "hospitalization", "Hospitalization"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", "Recovered/resolved"
        RECOVERING = "recovering", "Recovering/resolving"
        NOT_RECOVERED = "not_recovered", "Not recovered/not resolved"
        SEQUELAE = "sequelae", "Recovered with sequelae"
        FATAL = "fatal", "Fatal"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    term = models.ForeignKey(CtcaeTerm, on_delete=models.PROTECT, verbose_name="CTCAE term")
    verbatim = models.CharField(
        "verbatim description", max_length=200, blank=True, help_text="Required for an “Other, specify” term."
    )
    onset_date = models.DateField()
    ongoing = models.BooleanField(default=False)
    resolution_date = models.DateField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField("CTCAE grade", choices=[(n, f"Grade {n}") for n in range(1, 6)])
    serious = models.BooleanField(default=False)
    site_aware_at = models.DateTimeField(
        "site became aware",
        null=True,
        blank=True,
        help_text="When the site first learned of the serious event: the 24-hour reporting clock starts here.",
    )
    expectedness = models.CharField(
        max_length=10,
        choices=[("expected", "Expected"), ("unexpected", "Unexpected")],
        blank=True,
        help_text="Judged against the reference safety information (see the Protocol page).",
    )
    sae_death = models.BooleanField("results in death", default=False)
    sae_life_threatening = models.BooleanField("life-threatening", default=False)
    sae_hospitalization = models.BooleanField("hospitalization or its prolongation", default=False)
    sae_disability = models.BooleanField("persistent or significant disability", default=False)
    sae_congenital_anomaly = models.BooleanField("congenital anomaly", default=False)
    sae_other_important = models.BooleanField("other important medical event", default=False)
    relationship_to_anti_pd1 = models.CharField(max_length=12, choices=Relationship.choices)
    relationship_to_chemotherapy = models.CharField(max_length=12, choices=Relationship.choices)
    relationship_to_local_intervention = models.CharField(
        max_length=12, choices=Relationship.choices, blank=True, help_text="Asked only after a local intervention."
    )
    immune_related = models.BooleanField("immune-related (irAE)", default=False)
    action_anti_pd1 = models.CharField("action taken with anti-PD-1", max_length=12, choices=Action.choices)
    action_chemotherapy = models.CharField("action taken with chemotherapy", max_length=12, choices=Action.choices)
    treatment_given = models.CharField(max_length=20, choices=Treatment.choices)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    worsening_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="worsened_to",
        help_text="The earlier record of this event, when its grade worsened.",
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "onset_date"]
        permissions = [("sign_adverseevent", "Can sign adverse events as investigator")]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=5), name="ae_grade_1_to_5"),
            models.CheckConstraint(
                condition=(models.Q(grade=5) & models.Q(outcome="fatal"))
                | (~models.Q(grade=5) & ~models.Q(outcome="fatal")),
                name="grade_5_if_and_only_if_fatal",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_date__isnull=True)
                | models.Q(resolution_date__gte=models.F("onset_date")),
                name="ae_resolves_after_onset",
            ),
            models.CheckConstraint(
                condition=models.Q(serious=False)
                | models.Q(sae_death=True)
                | models.Q(sae_life_threatening=True)
                | models.Q(sae_hospitalization=True)
                | models.Q(sae_disability=True)
                | models.Q(sae_congenital_anomaly=True)
                | models.Q(sae_other_important=True),
                name="serious_ae_has_a_criterion",
            ),
            models.CheckConstraint(
                condition=models.Q(serious=False) | models.Q(site_aware_at__isnull=False),
                name="serious_ae_has_site_awareness",
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.term.term} grade {self.grade}"

    @property
    def treatment_related(self):
        return reporting.is_suspected_reaction(*self.relationships)

    @property
    def relationships(self):
        return [getattr(self, name) for name in reporting.RELATIONSHIP_FIELDS]

    @property
    def susar(self):
        return reporting.is_susar(self.serious, self.expectedness, *self.relationships)


class Signature(models.Model):
    """An investigator's electronic signature of an AE (21 CFR Part 11 §11.50, §11.70).

    Bound to the record by `values_hash`: the SHA-256 of the signed field values. A signature
    whose hash no longer matches the AE is not valid, whatever happened to the record; an edit
    through the eCRF also voids it explicitly (safety.signing).
    """

    class Meaning(models.TextChoices):
        REVIEWED = "reviewed", "Reviewed and confirmed"

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=10, choices=Meaning.choices)
    values_hash = models.CharField(max_length=64)
    hash_version = models.PositiveSmallIntegerField(
        default=1,
        help_text="What the hash covers: 1 the AE's fields; 2 also the CTCAE term, grade definition and version "
        "shown to the signer (safety.signing).",
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)  # "Record edited: " + a reason of up to 500 characters
    history = audited_history()

    class Meta:
        ordering = ["signed_at"]

    def __str__(self):
        return f"{self.printed_name}, {self.get_meaning_display()}, {self.signed_at:%Y-%m-%d %H:%M} UTC"

    def status(self, current):
        """'valid', 'voided' (an edit through the eCRF) or 'invalidated' (the signed values changed)."""
        if self.voided_at:
            return "voided"
        return "valid" if current is not None and current.pk == self.pk else "invalidated"


class SigningAttempt(models.Model):
    """Every signing attempt, successful or not (a wrong password signs nothing but is recorded)."""

    adverse_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="signing_attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.user} {'signed' if self.succeeded else 'failed to sign'} at {self.at:%Y-%m-%d %H:%M}"


class SaeReport(models.Model):
    """Expedited report of a serious AE: due 24 hours after site awareness (ICH E6 4.11.1)."""

    adverse_event = models.OneToOneField(AdverseEvent, on_delete=models.PROTECT, related_name="sae_report")
    aware_at = models.DateTimeField("site awareness")
    opened_at = models.DateTimeField("first entered", default=timezone.now, editable=False)
    # Set (and committed) before the e-mail is handed to the mail server, cleared when it refuses:
    # set with no notified_at means a sender died mid-send and the e-mail may have gone out. The
    # notification is then never repeated automatically (safety.tasks.notify_sae), only after a
    # person checked with the safety desk (SaeReportAdmin).
    sending_since = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    history = audited_history()

    class Meta:
        permissions = [("resolve_sae_notification", "Can decide on an SAE notification in doubt")]

    def __str__(self):
        return f"SAE report {self.adverse_event}"

    @property
    def notification_in_doubt(self):
        return self.sending_since is not None and self.notified_at is None

    @property
    def deadline(self):
        return reporting.report_deadline(self.aware_at)

    @property
    def entered_late(self):
        return reporting.entered_late(self.opened_at, self.aware_at)

    @property
    def overdue(self):
        return self.notified_at is None and timezone.now() > self.deadline
