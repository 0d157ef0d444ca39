from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from audit.history import shown_reason
from audit.models import ClinicalRecord, audited_history
from crf.models import Patient, PatientRecordQuerySet

from . import reporting


class CtcaeTerm(models.Model):
    """One NCI CTCAE term with its grade definitions ("" where the term has no such grade)."""

    version = models.CharField(_("version"), max_length=8, default="5.0")
    meddra_code = models.CharField(_("MedDRA code"), max_length=8)
    soc = models.CharField(_("system organ class"), max_length=100)
    term = models.CharField(_("term"), max_length=200)
    grade_1 = models.TextField(_("grade 1"), blank=True)
    grade_2 = models.TextField(_("grade 2"), blank=True)
    grade_3 = models.TextField(_("grade 3"), blank=True)
    grade_4 = models.TextField(_("grade 4"), blank=True)
    grade_5 = models.TextField(_("grade 5"), blank=True)
    definition = models.TextField(_("definition"), blank=True)
    # A sponsor-provided Chinese version, shown beside NCI's English, never instead of it and never
    # signed or exported (safety.ctcae_translation; NCI publishes CTCAE v5.0 in English only).
    term_zh = models.CharField(_("term (Chinese, sponsor translation)"), max_length=200, blank=True)
    grade_1_zh = models.TextField(_("grade 1 zh"), blank=True)
    grade_2_zh = models.TextField(_("grade 2 zh"), blank=True)
    grade_3_zh = models.TextField(_("grade 3 zh"), blank=True)
    grade_4_zh = models.TextField(_("grade 4 zh"), blank=True)
    grade_5_zh = models.TextField(_("grade 5 zh"), blank=True)
    zh_translation = models.CharField(
        _("Chinese translation"), max_length=100, blank=True, help_text=_("The sponsor's version label of it.")
    )
    # A signature covers the grading text the investigator saw; a later correction of the
    # catalogue must be traceable to what it was then.
    history = audited_history()

    class Meta:
        ordering = ["term"]
        verbose_name = _("CTCAE term")
        verbose_name_plural = _("CTCAE terms")
        constraints = [
            models.UniqueConstraint(fields=["version", "meddra_code"], name="one_term_per_code_and_version"),
            models.UniqueConstraint(fields=["version", "term"], name="one_term_name_per_version"),
        ]

    def __str__(self):
        return f"{self.term} ({self.soc})"

    def grade_text(self, grade):
        return getattr(self, f"grade_{grade}")

    def grade_text_zh(self, grade):
        return getattr(self, f"grade_{grade}_zh")

    @property
    def grades(self):
        """The grades this term defines, e.g. [1, 2] for Alopecia, [3, 4, 5] for Febrile neutropenia."""
        return [n for n in range(1, 6) if self.grade_text(n)]


class Relationship(models.TextChoices):
    NOT_APPLICABLE = "na", _("Not applicable (not received)")
    NOT_RELATED = "not_related", _("Not related")
    UNLIKELY = "unlikely", _("Unlikely")
    POSSIBLE = "possible", _("Possible")
    PROBABLE = "probable", _("Probable")
    DEFINITE = "definite", _("Definite")


class Action(models.TextChoices):
    NONE = "none", _("None")
    DELAYED = "delayed", _("Delayed")
    REDUCED = "reduced", _("Dose reduced")
    DISCONTINUED = "discontinued", _("Discontinued")
    NOT_APPLICABLE = "na", _("Not applicable (not receiving it)")


class AdverseEvent(ClinicalRecord):
    """An adverse event graded with NCI CTCAE (CDASH AE domain in spirit)."""

    class Treatment(models.TextChoices):
        NONE = "none", _("None")
        CORTICOSTEROIDS = "corticosteroids", _("Corticosteroids")
        IMMUNOSUPPRESSION = "immunosuppression", _("Other immunosuppression")
        HOSPITALIZATION = "hospitalization", _("Hospitalization")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("Recovered/resolved")
        RECOVERING = "recovering", _("Recovering/resolving")
        NOT_RECOVERED = "not_recovered", _("Not recovered/not resolved")
        SEQUELAE = "sequelae", _("Recovered with sequelae")
        FATAL = "fatal", _("Fatal")
        UNKNOWN = "unknown", _("Unknown")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="adverse_events", verbose_name=_("patient")
    )
    term = models.ForeignKey(CtcaeTerm, on_delete=models.PROTECT, verbose_name=_("CTCAE term"))
    verbatim = models.CharField(
        _("verbatim description"),
        max_length=200,
        blank=True,
        help_text=_("Required for an “Other, specify” term."),
    )
    onset_date = models.DateField(_("onset date"))
    ongoing = models.BooleanField(_("ongoing"), default=False)
    resolution_date = models.DateField(_("resolution date"), null=True, blank=True)
    grade = models.PositiveSmallIntegerField(
        _("CTCAE grade"), choices=[(n, format_lazy(_("Grade {grade}"), grade=n)) for n in range(1, 6)]
    )
    serious = models.BooleanField(_("serious"), default=False)
    site_aware_at = models.DateTimeField(
        _("site became aware"),
        null=True,
        blank=True,
        help_text=_("When the site first learned of the serious event: the 24-hour reporting clock starts here."),
    )
    expectedness = models.CharField(
        _("expectedness"),
        max_length=10,
        choices=[("expected", _("Expected")), ("unexpected", _("Unexpected"))],
        blank=True,
        help_text=_("Judged against the reference safety information (see the Protocol page)."),
    )
    sae_death = models.BooleanField(_("results in death"), default=False)
    sae_life_threatening = models.BooleanField(_("life-threatening"), default=False)
    sae_hospitalization = models.BooleanField(_("hospitalization or its prolongation"), default=False)
    sae_disability = models.BooleanField(_("persistent or significant disability"), default=False)
    sae_congenital_anomaly = models.BooleanField(_("congenital anomaly"), default=False)
    sae_other_important = models.BooleanField(_("other important medical event"), default=False)
    relationship_to_anti_pd1 = models.CharField(
        _("relationship to anti pd1"), max_length=12, choices=Relationship.choices
    )
    relationship_to_chemotherapy = models.CharField(
        _("relationship to chemotherapy"), max_length=12, choices=Relationship.choices
    )
    relationship_to_local_intervention = models.CharField(
        _("relationship to local intervention"),
        max_length=12,
        choices=Relationship.choices,
        blank=True,
        help_text=_("Asked only after a local intervention."),
    )
    immune_related = models.BooleanField(_("immune-related (irAE)"), default=False)
    action_anti_pd1 = models.CharField(_("action taken with anti-PD-1"), max_length=12, choices=Action.choices)
    action_chemotherapy = models.CharField(_("action taken with chemotherapy"), max_length=12, choices=Action.choices)
    treatment_given = models.CharField(_("treatment given"), max_length=20, choices=Treatment.choices)
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices)
    worsening_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="worsened_to",
        help_text=_("The earlier record of this event, when its grade worsened."),
        verbose_name=_("worsening of"),
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("adverse event")
        verbose_name_plural = _("adverse events")
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
        REVIEWED = "reviewed", _("Reviewed and confirmed")

    adverse_event = models.ForeignKey(
        AdverseEvent, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("adverse event")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signer")
    )
    printed_name = models.CharField(_("printed name"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    meaning = models.CharField(_("meaning"), max_length=10, choices=Meaning.choices)
    values_hash = models.CharField(_("values hash"), max_length=64)
    hash_version = models.PositiveSmallIntegerField(
        _("hash version"),
        default=1,
        help_text=_(
            "What the hash covers: 1 the AE's fields; 2 also the CTCAE term, grade definition and version "
            "shown to the signer (safety.signing)."
        ),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.TextField(_("void reason"), blank=True)  # "Record edited: " + a reason of up to 500 characters
    history = audited_history()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]

    def __str__(self):
        return f"{self.printed_name}, {self.get_meaning_display()}, {self.signed_at:%Y-%m-%d %H:%M} UTC"

    @property
    def void_reason_shown(self):
        """The stored (English) "Record edited: …" in the reader's language."""
        return shown_reason(self.void_reason)

    def status(self, current):
        """'valid', 'voided' (an edit through the eCRF) or 'invalidated' (the signed values changed)."""
        if self.voided_at:
            return "voided"
        return "valid" if current is not None and current.pk == self.pk else "invalidated"


class SigningAttempt(models.Model):
    """Every signing attempt, successful or not (a wrong password signs nothing but is recorded)."""

    adverse_event = models.ForeignKey(
        AdverseEvent, on_delete=models.PROTECT, related_name="signing_attempts", verbose_name=_("adverse event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    succeeded = models.BooleanField(_("succeeded"))

    class Meta:
        verbose_name = _("signing attempt")
        verbose_name_plural = _("signing attempts")
        ordering = ["at"]

    def __str__(self):
        return f"{self.user} {'signed' if self.succeeded else 'failed to sign'} at {self.at:%Y-%m-%d %H:%M}"


class SaeReport(models.Model):
    """Expedited report of a serious AE: due 24 hours after site awareness (ICH E6 4.11.1)."""

    adverse_event = models.OneToOneField(
        AdverseEvent, on_delete=models.PROTECT, related_name="sae_report", verbose_name=_("adverse event")
    )
    aware_at = models.DateTimeField(_("site awareness"))
    opened_at = models.DateTimeField(_("first entered"), default=timezone.now, editable=False)
    # Set (and committed) before the e-mail is handed to the mail server, cleared when it refuses:
    # set with no notified_at means a sender died mid-send and the e-mail may have gone out. The
    # notification is then never repeated automatically (safety.tasks.notify_sae), only after a
    # person checked with the safety desk (SaeReportAdmin).
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    history = audited_history()

    class Meta:
        verbose_name = _("sae report")
        verbose_name_plural = _("sae reports")
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
