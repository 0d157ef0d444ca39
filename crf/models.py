from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.models import ClinicalRecord


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, include_voided=False):
        """The only way views, admin, form choices and exports pick patients (accounts.scoping)."""
        qs = self.filter(site__in=sites_visible_to(user))
        return qs if include_voided else qs.filter(voided=False)


class PatientRecordQuerySet(models.QuerySet):
    def visible_to(self, user, include_voided=False):
        """Patient-owned rows follow their patient: same sites, and gone when the patient is voided."""
        qs = self.filter(patient__in=Patient.objects.visible_to(user, include_voided=include_voided))
        return qs if include_voided else qs.filter(voided=False)


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"


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
    sex = models.CharField(max_length=1, choices=Sex.choices)
    year_of_birth = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text="Year only: the full date of birth is not needed and not stored.",
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


YES_NO = [(True, "Yes"), (False, "No")]


class Eligibility(ClinicalRecord):
    """Inclusion and exclusion criteria (PROTOCOL.md, Eligibility), one form per patient.

    The lesion-count criterion and "at least one metastasis pathologically confirmed" are not
    asked: they are computed from the lesions entered (crf.lesions). Answers are stored as given;
    crf.eligibility decides whether they make the patient eligible.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="eligibility")
    assessment_date = models.DateField()
    # Inclusion [protocol]
    age_18_or_over = models.BooleanField("Age ≥ 18 years", choices=YES_NO, null=True)
    ecog_0_1 = models.BooleanField("ECOG performance status 0–1", choices=YES_NO, null=True)
    histology_escc = models.BooleanField(
        "Histologically proven esophageal squamous cell carcinoma", choices=YES_NO, null=True
    )
    # Exclusion [protocol]
    polymetastatic_or_induced_history = models.BooleanField(
        "History of polymetastatic disease, or oligometastatic only after systemic therapy (induced)",
        choices=YES_NO,
        null=True,
    )
    perforation_or_active_hemorrhage = models.BooleanField(
        "Esophageal perforation or active hemorrhage", choices=YES_NO, null=True
    )
    progression_on_prior_anti_pd1 = models.BooleanField(
        "Disease progression during prior anti-PD-1 therapy", choices=YES_NO, null=True
    )
    # Further criteria [default, ESO-Shanghai13]
    primary_controlled_or_treatable = models.BooleanField(
        "Primary tumour controlled or treatable", choices=YES_NO, null=True
    )
    lesions_amenable_to_local_treatment = models.BooleanField(
        "All lesions amenable to local treatment", choices=YES_NO, null=True
    )
    adequate_organ_function = models.BooleanField(
        "Adequate organ function",
        choices=YES_NO,
        null=True,
        help_text="ANC ≥ 1.5×10⁹/L, platelets ≥ 100×10⁹/L, Hb ≥ 9 g/dL, bilirubin ≤ 1.5×ULN, "
        "ALT/AST ≤ 2.5×ULN, creatinine ≤ 1.5×ULN or CrCl > 60 mL/min [default].",
    )
    active_autoimmune_disease = models.BooleanField(
        "Active autoimmune disease needing systemic treatment in the past 2 years", choices=YES_NO, null=True
    )
    systemic_steroids_over_10mg = models.BooleanField(
        "Systemic steroids > 10 mg/day prednisone equivalent", choices=YES_NO, null=True
    )
    screen_failure_reason = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_on = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "eligibility"
        permissions = [("confirm_eligibility", "Can confirm eligibility as investigator")]

    def __str__(self):
        return f"Eligibility {self.patient}"


class PrimaryLocation(models.TextChoices):
    CERVICAL = "cervical", "Cervical"
    UPPER = "upper", "Upper thoracic"
    MIDDLE = "middle", "Middle thoracic"
    LOWER = "lower", "Lower thoracic"


class Baseline(ClinicalRecord):
    """Baseline disease characteristics; the stratification factors are read from here."""

    class Ecog(models.IntegerChoices):
        E0 = 0, "0 – fully active"
        E1 = 1, "1 – restricted in strenuous activity"
        E2 = 2, "2 – ambulatory, capable of self-care"
        E3 = 3, "3 – limited self-care"
        E4 = 4, "4 – completely disabled"

    class T(models.TextChoices):
        TX, T0, TIS, T1A, T1B, T2, T3, T4A, T4B = "TX", "T0", "Tis", "T1a", "T1b", "T2", "T3", "T4a", "T4b"

    class N(models.TextChoices):
        NX, N0, N1, N2, N3 = "NX", "N0", "N1", "N2", "N3"

    class PrimaryStatus(models.TextChoices):
        CONTROLLED = "controlled", "Controlled (previously treated)"
        UNTREATED = "untreated", "Untreated"

    class MetastasisTiming(models.TextChoices):
        SYNCHRONOUS = "synchronous", "Synchronous"
        METACHRONOUS = "metachronous", "Metachronous"

    class BestResponse(models.TextChoices):
        CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"

    class Line(models.IntegerChoices):
        FIRST = 1, "First line"
        SECOND = 2, "Second line"

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="baseline")
    ecog = models.PositiveSmallIntegerField("ECOG performance status", choices=Ecog.choices)
    histological_diagnosis_date = models.DateField("date of histological diagnosis")
    primary_location = models.CharField(max_length=10, choices=PrimaryLocation.choices)
    clinical_t = models.CharField("clinical T (AJCC 8th)", max_length=3, choices=T.choices)
    clinical_n = models.CharField("clinical N (AJCC 8th)", max_length=2, choices=N.choices)
    primary_status = models.CharField("primary tumour status", max_length=10, choices=PrimaryStatus.choices)
    pdl1_cps = models.PositiveSmallIntegerField(
        "PD-L1 CPS", null=True, blank=True, validators=[MaxValueValidator(100)], help_text="Optional."
    )
    metastasis_timing = models.CharField("metastases", max_length=12, choices=MetastasisTiming.choices)
    prior_anti_pd1 = models.BooleanField("prior anti-PD-1 exposure", choices=YES_NO)
    prior_anti_pd1_best_response = models.CharField(
        "best response to prior anti-PD-1", max_length=2, choices=BestResponse.choices, blank=True
    )
    systemic_therapy_line = models.PositiveSmallIntegerField("line of systemic therapy", choices=Line.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "baseline"
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.CheckConstraint(condition=models.Q(ecog__lte=4), name="ecog_0_to_4"),
            models.CheckConstraint(
                condition=models.Q(pdl1_cps__isnull=True) | models.Q(pdl1_cps__lte=100), name="cps_0_to_100"
            ),
            models.CheckConstraint(
                condition=models.Q(prior_anti_pd1=True) | models.Q(prior_anti_pd1_best_response=""),
                name="best_response_only_after_prior_anti_pd1",
            ),
        ]

    def __str__(self):
        return f"Baseline {self.patient}"


class Organ(models.TextChoices):
    LUNG = "lung", "Lung"
    LIVER = "liver", "Liver"
    BONE = "bone", "Bone"
    ADRENAL = "adrenal", "Adrenal"
    BRAIN = "brain", "Brain"
    NON_REGIONAL_LN = "non_regional_ln", "Non-regional lymph node"
    REGIONAL_LN = "regional_ln", "Regional lymph nodes (count as one)"
    OTHER = "other", "Other (specify)"


class ImagingMethod(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    US = "us", "Ultrasound"
    BONE_SCAN = "bone_scan", "Bone scan"


class MetastaticLesion(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lesions")
    label = models.CharField(
        max_length=3,
        editable=False,
        help_text="L1, L2 … in order of entry; a voided lesion's label is not reused.",
    )
    organ = models.CharField(max_length=16, choices=Organ.choices)
    organ_other = models.CharField("other organ", max_length=100, blank=True)
    location = models.CharField(max_length=200, help_text="e.g. right lower lobe, segment VII, T10 vertebra.")
    longest_diameter_mm = models.DecimalField(
        "longest diameter (mm)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    imaging_method = models.CharField(max_length=10, choices=ImagingMethod.choices)
    imaging_date = models.DateField()
    pathologically_confirmed = models.BooleanField(choices=YES_NO, default=False)
    target_lesion = models.BooleanField("RECIST target lesion", choices=YES_NO, default=False)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "label"]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.UniqueConstraint(fields=["patient", "label"], name="one_lesion_per_label"),
            models.CheckConstraint(
                condition=models.Q(longest_diameter_mm__gt=0, longest_diameter_mm__lte=300),
                name="lesion_diameter_plausible",
            ),
            models.CheckConstraint(
                condition=~models.Q(organ="other") | ~models.Q(organ_other=""), name="other_organ_specified"
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.label}"

    @property
    def organ_key(self):
        """The organ as the per-organ limit counts it: each 'other' organ on its own."""
        return f"other: {self.organ_other.strip().lower()}" if self.organ == Organ.OTHER else self.organ
