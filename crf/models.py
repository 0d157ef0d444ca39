from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.models import ClinicalRecord, audited_history
from esotrial import protocol

from . import plausibility, recist
from .radiotherapy import course_doses


def free_text_limit(field):
    """The form's max_length, also in the database: a TextField has no length of its own there."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), protocol.FREE_TEXT_MAX_CHARS.value),
        name=f"%(app_label)s_%(class)s_{field}_length",
    )


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
        permissions = [("view_audit_trail", "Can view the audit trail across patients")]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.UniqueConstraint(fields=["site", "site_serial"], name="one_serial_per_site"),
            models.CheckConstraint(
                condition=models.Q(screening_number__regex=r"^[A-Z]{2}[0-9]{2}-[0-9]{4,}$"),
                name="screening_number_format",
            ),
            models.CheckConstraint(condition=models.Q(initials__regex=r"^[A-Z]{2,4}$"), name="initials_format"),
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
    screen_failure_reason = models.TextField(blank=True, max_length=protocol.FREE_TEXT_MAX_CHARS.value)
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
        constraints = [*ClinicalRecord.Meta.constraints, free_text_limit("screen_failure_reason")]

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

    # Labels spelled as AJCC writes them (TextChoices would otherwise title-case "T1a" to "T1A").
    class T(models.TextChoices):
        TX = "TX", "TX"
        T0 = "T0", "T0"
        TIS = "Tis", "Tis"
        T1A = "T1a", "T1a"
        T1B = "T1b", "T1b"
        T2 = "T2", "T2"
        T3 = "T3", "T3"
        T4A = "T4a", "T4a"
        T4B = "T4b", "T4b"

    class N(models.TextChoices):
        NX = "NX", "NX"
        N0 = "N0", "N0"
        N1 = "N1", "N1"
        N2 = "N2", "N2"
        N3 = "N3", "N3"

    class PrimaryStatus(models.TextChoices):
        CONTROLLED = "controlled", "Controlled (previously treated)"
        UNTREATED = "untreated", "Untreated"

    class MetastasisTiming(models.TextChoices):
        SYNCHRONOUS = "synchronous", "Synchronous"
        METACHRONOUS = "metachronous", "Metachronous"

    class BestResponse(models.TextChoices):
        CR = "CR", "CR – complete response"
        PR = "PR", "PR – partial response"
        SD = "SD", "SD – stable disease"
        PD = "PD", "PD – progressive disease"
        NE = "NE", "NE – not evaluable"

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
    short_axis_mm = models.DecimalField(
        "short axis (mm)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text="Lymph nodes only (RECIST 1.1): target from 15 mm, pathological 10–15 mm, normal below 10 mm.",
    )
    bone_soft_tissue_mm = models.DecimalField(
        "soft-tissue component (mm)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text="Bone only: a lytic or mixed lesion's soft-tissue component. Without one ≥ 10 mm it is not a target.",
    )
    previously_irradiated = models.BooleanField(
        default=False, help_text="In a previously irradiated field: a target only if it has progressed since."
    )
    progressed_since_irradiation = models.BooleanField(default=False)
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
            # The form requires a node's short axis; lesions saved before it was asked have none.
            models.CheckConstraint(
                condition=models.Q(short_axis_mm__isnull=True)
                | models.Q(short_axis_mm__lte=models.F("longest_diameter_mm")),
                name="short_axis_within_longest_diameter",
            ),
            models.CheckConstraint(
                condition=models.Q(organ__in=recist.NODAL_ORGANS) | models.Q(short_axis_mm__isnull=True),
                name="short_axis_only_for_nodes",
            ),
            models.CheckConstraint(
                condition=models.Q(organ="bone") | models.Q(bone_soft_tissue_mm__isnull=True),
                name="soft_tissue_component_only_for_bone",
            ),
            models.CheckConstraint(
                condition=models.Q(previously_irradiated=True) | models.Q(progressed_since_irradiation=False),
                name="progression_since_irradiation_needs_irradiation",
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.label}"

    @property
    def nodal(self):
        return recist.is_nodal(self.organ)

    @property
    def baseline_mm(self):
        """What RECIST measures of this lesion: a node's short axis, a bone lesion's soft-tissue
        component, otherwise the longest diameter."""
        if self.nodal:
            return self.short_axis_mm
        if self.organ == Organ.BONE:
            return self.bone_soft_tissue_mm
        return self.longest_diameter_mm

    @property
    def not_measurable_because(self):
        return recist.not_measurable_because(
            self.organ,
            self.longest_diameter_mm,
            self.short_axis_mm,
            self.bone_soft_tissue_mm,
            self.previously_irradiated,
            self.progressed_since_irradiation,
        )

    @property
    def organ_key(self):
        """The organ as the per-organ limit counts it: each 'other' organ on its own."""
        return f"other: {self.organ_other.strip().lower()}" if self.organ == Organ.OTHER else self.organ


def _choices(agents):
    return [(code, spec[0]) for code, spec in agents.items()]


class TreatmentCycle(ClinicalRecord):
    """One cycle of systemic therapy, both arms (PROTOCOL.md, Treatment).

    Phase, planned date and window are derived from the cycle number and the previous cycle's
    day 1 (crf.schedule), not stored.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cycles")
    cycle_number = models.PositiveSmallIntegerField(editable=False)
    day1_date = models.DateField("day 1 (date given or due)")
    given = models.BooleanField("cycle given", choices=YES_NO, default=True)
    not_given_reason = models.CharField(max_length=200, blank=True)
    anti_pd1_agent = models.CharField(
        "anti-PD-1 agent", max_length=20, blank=True, choices=_choices(protocol.ANTI_PD1_AGENTS.value)
    )
    anti_pd1_dose_mg = models.DecimalField("anti-PD-1 dose (mg)", max_digits=6, decimal_places=1, null=True, blank=True)
    chemotherapy_given = models.BooleanField(choices=YES_NO, default=False)
    chemo_agent_1 = models.CharField(
        "chemotherapy agent 1",
        max_length=20,
        blank=True,
        choices=_choices(protocol.CHEMOTHERAPY_AGENTS.value),
    )
    chemo_dose_1 = models.DecimalField("dose 1 (mg/m² or AUC)", max_digits=7, decimal_places=1, null=True, blank=True)
    chemo_agent_2 = models.CharField(
        "chemotherapy agent 2",
        max_length=20,
        blank=True,
        choices=_choices(protocol.CHEMOTHERAPY_AGENTS.value),
    )
    chemo_dose_2 = models.DecimalField("dose 2 (mg/m² or AUC)", max_digits=7, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField("weight (kg)", max_digits=4, decimal_places=1, null=True, blank=True)
    bsa_m2 = models.DecimalField("body surface area (m²)", max_digits=3, decimal_places=2, null=True, blank=True)
    unusual_values_confirmed = models.BooleanField(
        "confirm unusual values",
        default=False,
        help_text="Ticked by the nurse when a dose, weight or body surface area outside the usual range is correct.",
    )
    delayed = models.BooleanField(choices=YES_NO, default=False)
    delay_reason = models.CharField(max_length=200, blank=True)
    dose_reduced = models.BooleanField(choices=YES_NO, default=False)
    dose_reduction_reason = models.CharField(max_length=200, blank=True)
    deviation_reason = models.CharField(
        "reason day 1 is outside the window",
        max_length=200,
        blank=True,
        help_text="Required when day 1 falls outside the protocol window: recorded as a protocol deviation.",
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "cycle_number"]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["patient", "cycle_number"],
                condition=models.Q(voided=False),
                name="one_live_cycle_per_number",
            ),
            models.CheckConstraint(condition=models.Q(cycle_number__gte=1), name="cycle_number_from_1"),
            models.CheckConstraint(
                condition=models.Q(given=True) | ~models.Q(not_given_reason=""), name="not_given_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(delayed=False) | ~models.Q(delay_reason=""), name="delay_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(dose_reduced=False) | ~models.Q(dose_reduction_reason=""),
                name="dose_reduction_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(given=False) | (~models.Q(anti_pd1_agent="") & models.Q(anti_pd1_dose_mg__gt=0)),
                name="given_cycle_has_anti_pd1",
            ),
            plausibility.hard_limit_constraint("weight_kg", protocol.WEIGHT_KG.value, "cycle_weight_possible"),
            plausibility.hard_limit_constraint("bsa_m2", protocol.BSA_M2.value, "cycle_bsa_possible"),
            plausibility.chemotherapy_dose_constraint("chemo_agent_1", "chemo_dose_1", "cycle_chemo_dose_1_possible"),
            plausibility.chemotherapy_dose_constraint("chemo_agent_2", "chemo_dose_2", "cycle_chemo_dose_2_possible"),
        ]

    def __str__(self):
        return f"{self.patient} cycle {self.cycle_number}"


class LesionRecordQuerySet(models.QuerySet):
    def visible_to(self, user, include_voided=False):
        """Lesion-owned rows follow the lesion's patient (accounts.scoping)."""
        qs = self.filter(lesion__patient__in=Patient.objects.visible_to(user, include_voided=include_voided))
        return qs if include_voided else qs.filter(voided=False, lesion__voided=False)


class LocalIntervention(ClinicalRecord):
    """Radiotherapy, surgery or ablation of one metastatic lesion (PROTOCOL.md, Treatment)."""

    class Modality(models.TextChoices):
        RADIOTHERAPY = "radiotherapy", "Radiotherapy"
        SURGERY = "surgery", "Surgery"
        ABLATION = "ablation", "Ablation"

    class Intent(models.TextChoices):
        PROTOCOL = "protocol", "Protocol local intervention (combined arm)"
        PALLIATIVE = "palliative", "Palliative / at progression (not a protocol intervention)"

    class RtTechnique(models.TextChoices):
        SBRT = "sbrt", "SBRT"
        IMRT = "imrt", "IMRT"
        CRT_3D = "3dcrt", "3D-CRT"
        OTHER = "other", "Other"

    class Margin(models.TextChoices):
        R0, R1, R2 = "R0", "R1", "R2"

    class AblationType(models.TextChoices):
        RFA = "rfa", "Radiofrequency (RFA)"
        MWA = "mwa", "Microwave (MWA)"
        CRYO = "cryo", "Cryoablation"

    lesion = models.ForeignKey(MetastaticLesion, on_delete=models.PROTECT, related_name="interventions")
    modality = models.CharField(max_length=12, choices=Modality.choices)
    intent = models.CharField(max_length=10, choices=Intent.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    rt_technique = models.CharField("RT technique", max_length=6, choices=RtTechnique.choices, blank=True)
    total_dose_gy = models.DecimalField("total dose (Gy)", max_digits=5, decimal_places=2, null=True, blank=True)
    fractions = models.PositiveSmallIntegerField("number of fractions", null=True, blank=True)
    surgery_procedure = models.CharField(max_length=200, blank=True)
    resection_margin = models.CharField(max_length=2, choices=Margin.choices, blank=True)
    ablation_type = models.CharField(max_length=4, choices=AblationType.choices, blank=True)
    ablation_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_as_planned = models.BooleanField(choices=YES_NO, default=True)
    not_completed_reason = models.CharField(max_length=200, blank=True)

    class Meta(ClinicalRecord.Meta):
        ordering = ["lesion", "start_date"]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(modality="radiotherapy")
                | (
                    ~models.Q(rt_technique="")
                    & models.Q(total_dose_gy__gt=0, total_dose_gy__lte=80)
                    & models.Q(fractions__gte=1, fractions__lte=40)
                    & models.Q(total_dose_gy__lte=models.F("fractions") * protocol.RT_MAX_DOSE_PER_FRACTION_GY.value)
                ),
                name="rt_has_plausible_dose",
            ),
            models.CheckConstraint(
                condition=~models.Q(modality="surgery") | ~models.Q(resection_margin=""),
                name="surgery_has_margin",
            ),
            models.CheckConstraint(
                condition=~models.Q(modality="ablation")
                | (~models.Q(ablation_type="") & models.Q(ablation_sessions__gte=1)),
                name="ablation_has_type_and_sessions",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="intervention_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(completed_as_planned=True) | ~models.Q(not_completed_reason=""),
                name="incomplete_intervention_has_reason",
            ),
        ]

    objects = LesionRecordQuerySet.as_manager()

    def __str__(self):
        return f"{self.lesion} {self.get_modality_display()}"

    @property
    def rt_doses(self):
        if self.modality != self.Modality.RADIOTHERAPY:
            return None, None
        return course_doses(self.total_dose_gy, self.fractions)

    @property
    def bed10(self):
        return self.rt_doses[1]

    @property
    def dose_per_fraction_gy(self):
        return self.rt_doses[0]


class TumourAssessment(ClinicalRecord):
    """A RECIST 1.1 assessment. Sums and the implied response are computed (crf.recist); the
    non-target response is derived from each non-target lesion's status, stored with it on save."""

    class NonTarget(models.TextChoices):
        CR = "cr", "Complete response (all disappeared)"
        NON_CR_NON_PD = "non_cr_non_pd", "Non-CR / non-PD"
        PD = "pd", "Unequivocal progression"
        NE = "ne", "Not evaluated"
        ABSENT = "absent", "No non-target lesions"

    class Response(models.TextChoices):
        CR = recist.CR, "CR – complete response"
        PR = recist.PR, "PR – partial response"
        SD = recist.SD, "SD – stable disease"
        NON_CR_NON_PD = recist.NON_CR_NON_PD, "Non-CR/non-PD (non-target disease only)"
        PD = recist.PD, "PD – progressive disease"
        NE = recist.NE, "NE – not evaluable"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    assessment_date = models.DateField()
    imaging_method = models.CharField(max_length=10, choices=ImagingMethod.choices)
    non_target_status = models.CharField(
        "non-target response",
        max_length=14,
        choices=NonTarget.choices,
        help_text="Derived from each non-target lesion's status (crf.recist.non_target_response).",
    )
    new_lesions = models.BooleanField(choices=YES_NO, default=False)
    overall_response = models.CharField("overall response (investigator)", max_length=13, choices=Response.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "assessment_date"]

    def __str__(self):
        return f"{self.patient} assessment {self.assessment_date}"


class TargetMeasurement(models.Model):
    """One target lesion's longest diameter at one assessment; audited with its own history."""

    assessment = models.ForeignKey(TumourAssessment, on_delete=models.PROTECT, related_name="measurements")
    lesion = models.ForeignKey(MetastaticLesion, on_delete=models.PROTECT, related_name="measurements")
    diameter_mm = models.DecimalField(
        "longest diameter (mm)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
        help_text="0 when the lesion has disappeared; empty when it was not assessed. A node: its short axis.",
    )
    too_small = models.BooleanField(
        "too small to measure", default=False, help_text="Present but too small to measure: counts as 5 mm."
    )
    history = audited_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "lesion"], name="one_measurement_per_lesion"),
            models.CheckConstraint(
                condition=models.Q(diameter_mm__isnull=True) | models.Q(diameter_mm__gte=0, diameter_mm__lte=300),
                name="measurement_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(too_small=False) | models.Q(diameter_mm__isnull=True),
                name="too_small_has_no_diameter",
            ),
        ]

    def __str__(self):
        return f"{self.lesion.label}: {'too small' if self.too_small else f'{self.diameter_mm} mm'}"


class NonTargetStatus(models.Model):
    """One non-target lesion's status at one assessment (RECIST 1.1): the non-target response
    and each lesion's own progression (local control) are derived from these."""

    class Status(models.TextChoices):
        PRESENT = recist.PRESENT, "Present"
        ABSENT = recist.ABSENT, "Absent (a node: normal, < 10 mm short axis)"
        PROGRESSION = recist.PROGRESSION, "Unequivocal progression"
        NOT_EVALUATED = recist.NOT_EVALUATED, "Not evaluated"

    assessment = models.ForeignKey(TumourAssessment, on_delete=models.PROTECT, related_name="non_target_statuses")
    lesion = models.ForeignKey(MetastaticLesion, on_delete=models.PROTECT, related_name="non_target_statuses")
    status = models.CharField(max_length=13, choices=Status.choices)
    history = audited_history()

    class Meta:
        verbose_name_plural = "non-target statuses"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "lesion"], name="one_status_per_non_target"),
        ]

    def __str__(self):
        return f"{self.lesion.label}: {self.get_status_display()}"


class FollowUp(ClinicalRecord):
    class VitalStatus(models.TextChoices):
        ALIVE = "alive", "Alive"
        DEAD = "dead", "Dead"
        LOST = "lost", "Lost to follow-up"

    class DeathCause(models.TextChoices):
        PROGRESSION = "progression", "Disease progression"
        TREATMENT = "treatment", "Treatment-related"
        OTHER = "other", "Other (specify)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_ups")
    contact_date = models.DateField()
    vital_status = models.CharField(max_length=5, choices=VitalStatus.choices)
    death_date = models.DateField(null=True, blank=True)
    death_cause = models.CharField(max_length=12, choices=DeathCause.choices, blank=True)
    death_cause_other = models.CharField("other cause of death", max_length=200, blank=True)
    subsequent_therapy = models.TextField(
        "subsequent anti-cancer therapy (free text, before the new anticancer therapy form)",
        blank=True,
        editable=False,
        max_length=protocol.FREE_TEXT_MAX_CHARS.value,
        help_text="Kept as entered; new therapy is now recorded on the new anticancer therapy form.",
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "contact_date"]
        constraints = [
            *ClinicalRecord.Meta.constraints,
            free_text_limit("subsequent_therapy"),
            models.CheckConstraint(
                condition=(
                    models.Q(vital_status="dead") & models.Q(death_date__isnull=False) & ~models.Q(death_cause="")
                )
                | (~models.Q(vital_status="dead") & models.Q(death_date__isnull=True)),
                name="death_date_and_cause_only_when_dead",
            ),
            models.CheckConstraint(
                condition=models.Q(death_date__isnull=True) | models.Q(death_date__lte=models.F("contact_date")),
                name="death_not_after_contact",
            ),
            # The patient's one death record: end of treatment, off study and a grade 5 AE point to it.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(vital_status="dead", voided=False),
                name="one_death_record_per_patient",
            ),
        ]

    def __str__(self):
        return f"{self.patient} follow-up {self.contact_date}"


class NewAnticancerTherapy(ClinicalRecord):
    """Anticancer therapy not given as protocol treatment (PROTOCOL.md, Endpoint details): it
    censors PFS at the last adequate assessment before it (FDA 2018)."""

    class TherapyType(models.TextChoices):
        SYSTEMIC = "systemic", "Systemic therapy"
        RADIOTHERAPY = "radiotherapy", "Radiotherapy"
        SURGERY = "surgery", "Surgery"
        ABLATION = "ablation", "Ablation"
        OTHER = "other", "Other"

    class Intent(models.TextChoices):
        DISEASE_DIRECTED = "disease_directed", "Disease-directed (e.g. next line, at progression)"
        PALLIATIVE = "palliative", "Palliative (symptom control)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="new_therapies")
    therapy_type = models.CharField("type", max_length=12, choices=TherapyType.choices)
    description = models.CharField(
        "agent(s) or procedure", max_length=200, help_text="e.g. docetaxel; palliative RT to T8 vertebra."
    )
    start_date = models.DateField()
    intent = models.CharField(max_length=16, choices=Intent.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "start_date"]
        verbose_name = "new anticancer therapy"
        verbose_name_plural = "new anticancer therapies"
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.CheckConstraint(condition=~models.Q(description=""), name="new_therapy_described"),
        ]

    def __str__(self):
        return f"{self.patient} {self.get_therapy_type_display().lower()} {self.start_date}"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed 2 years of treatment"
    PROGRESSION = "progression", "Disease progression"
    TOXICITY = "toxicity", "Unacceptable toxicity"
    WITHDRAWAL = "withdrawal", "Withdrawal of consent"
    DEATH = "death", "Death"
    LOST = "lost", "Lost to follow-up"
    INVESTIGATOR = "investigator", "Investigator decision"
    SCREEN_FAILURE = "screen_failure", "Screen failure (never randomized)"


class EndOfTreatment(ClinicalRecord):
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="end_of_treatment")
    end_date = models.DateField("date of last treatment")
    reason = models.CharField(max_length=14, choices=EndReason.choices)
    reason_detail = models.CharField(max_length=200, blank=True)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "end of treatment"

    def __str__(self):
        return f"{self.patient} end of treatment"


class OffStudy(ClinicalRecord):
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="off_study")
    off_study_date = models.DateField()
    reason = models.CharField(max_length=14, choices=EndReason.choices)
    reason_detail = models.CharField(max_length=200, blank=True)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name_plural = "off study"

    def __str__(self):
        return f"{self.patient} off study"
