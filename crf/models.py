from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.models import ClinicalRecord, audited_history
from esotrial import protocol

from . import plausibility, recist, schedule
from .radiotherapy import course_doses
from .status import Status


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
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Patient(ClinicalRecord):
    """A screened participant. Pseudonymous by design: no names, ID or phone numbers are stored."""

    site = models.ForeignKey(TrialSite, on_delete=models.PROTECT, related_name="patients", verbose_name=_("site"))
    site_serial = models.PositiveIntegerField(_("site serial"), editable=False)
    screening_number = models.CharField(
        _("screening number"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("Issued at registration: site code and serial, e.g. SH01-0007. Never reused."),
    )
    initials = models.CharField(
        _("initials"),
        max_length=4,
        validators=[RegexValidator(r"^[A-Z]{2,4}$", _("Two to four capital letters, e.g. ZWL."))],
        help_text=_("Pinyin initials, two to four capital letters. Never the full name."),
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    year_of_birth = models.PositiveSmallIntegerField(
        _("year of birth"),
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Year only: the full date of birth is not needed and not stored."),
    )
    consent_date = models.DateField(
        _("date informed consent signed"),
        help_text=_("Must precede every study procedure (ICH GCP 4.8)."),
    )

    objects = PatientQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
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


YES_NO = [(True, _("Yes")), (False, _("No"))]


class Eligibility(ClinicalRecord):
    """Inclusion and exclusion criteria (PROTOCOL.md, Eligibility), one form per patient.

    The lesion-count criterion and "at least one metastasis pathologically confirmed" are not
    asked: they are computed from the lesions entered (crf.lesions). Answers are stored as given;
    crf.eligibility decides whether they make the patient eligible.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="eligibility", verbose_name=_("patient")
    )
    assessment_date = models.DateField(_("assessment date"))
    # Inclusion [protocol]
    age_18_or_over = models.BooleanField(_("Age ≥ 18 years"), choices=YES_NO, null=True)
    ecog_0_1 = models.BooleanField(_("ECOG performance status 0–1"), choices=YES_NO, null=True)
    histology_escc = models.BooleanField(
        _("Histologically proven esophageal squamous cell carcinoma"), choices=YES_NO, null=True
    )
    # Exclusion [protocol]
    polymetastatic_or_induced_history = models.BooleanField(
        _("History of polymetastatic disease, or oligometastatic only after systemic therapy (induced)"),
        choices=YES_NO,
        null=True,
    )
    perforation_or_active_hemorrhage = models.BooleanField(
        _("Esophageal perforation or active hemorrhage"), choices=YES_NO, null=True
    )
    progression_on_prior_anti_pd1 = models.BooleanField(
        _("Disease progression during prior anti-PD-1 therapy"), choices=YES_NO, null=True
    )
    # Further criteria [default, ESO-Shanghai13]
    primary_controlled_or_treatable = models.BooleanField(
        _("Primary tumour controlled or treatable"), choices=YES_NO, null=True
    )
    lesions_amenable_to_local_treatment = models.BooleanField(
        _("All lesions amenable to local treatment"), choices=YES_NO, null=True
    )
    adequate_organ_function = models.BooleanField(
        _("Adequate organ function"),
        choices=YES_NO,
        null=True,
        help_text=_(
            "ANC ≥ 1.5×10⁹/L, platelets ≥ 100×10⁹/L, Hb ≥ 9 g/dL, bilirubin ≤ 1.5×ULN, "
            "ALT/AST ≤ 2.5×ULN, creatinine ≤ 1.5×ULN or CrCl > 60 mL/min [default]."
        ),
    )
    active_autoimmune_disease = models.BooleanField(
        _("Active autoimmune disease needing systemic treatment in the past 2 years"), choices=YES_NO, null=True
    )
    systemic_steroids_over_10mg = models.BooleanField(
        _("Systemic steroids > 10 mg/day prednisone equivalent"), choices=YES_NO, null=True
    )
    screen_failure_reason = models.TextField(
        _("screen failure reason"), blank=True, max_length=protocol.FREE_TEXT_MAX_CHARS.value
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_on = models.DateTimeField(_("confirmed on"), null=True, blank=True, editable=False)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("eligibility")
        verbose_name_plural = _("eligibility")
        permissions = [("confirm_eligibility", "Can confirm eligibility as investigator")]
        constraints = [*ClinicalRecord.Meta.constraints, free_text_limit("screen_failure_reason")]

    def __str__(self):
        return _("Eligibility %(patient)s") % {"patient": self.patient}


class PrimaryLocation(models.TextChoices):
    CERVICAL = "cervical", _("Cervical")
    UPPER = "upper", _("Upper thoracic")
    MIDDLE = "middle", _("Middle thoracic")
    LOWER = "lower", _("Lower thoracic")


class Baseline(ClinicalRecord):
    """Baseline disease characteristics; the stratification factors are read from here."""

    class Ecog(models.IntegerChoices):
        E0 = 0, _("0 – fully active")
        E1 = 1, _("1 – restricted in strenuous activity")
        E2 = 2, _("2 – ambulatory, capable of self-care")
        E3 = 3, _("3 – limited self-care")
        E4 = 4, _("4 – completely disabled")

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
        CONTROLLED = "controlled", _("Controlled (previously treated)")
        UNTREATED = "untreated", _("Untreated")

    class MetastasisTiming(models.TextChoices):
        SYNCHRONOUS = "synchronous", _("Synchronous")
        METACHRONOUS = "metachronous", _("Metachronous")

    class BestResponse(models.TextChoices):
        CR = "CR", _("CR – complete response")
        PR = "PR", _("PR – partial response")
        SD = "SD", _("SD – stable disease")
        PD = "PD", _("PD – progressive disease")
        NE = "NE", _("NE – not evaluable")

    class Line(models.IntegerChoices):
        FIRST = 1, _("First line")
        SECOND = 2, _("Second line")

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="baseline", verbose_name=_("patient")
    )
    ecog = models.PositiveSmallIntegerField(_("ECOG performance status"), choices=Ecog.choices)
    histological_diagnosis_date = models.DateField(_("date of histological diagnosis"))
    primary_location = models.CharField(_("primary location"), max_length=10, choices=PrimaryLocation.choices)
    clinical_t = models.CharField(_("clinical T (AJCC 8th)"), max_length=3, choices=T.choices)
    clinical_n = models.CharField(_("clinical N (AJCC 8th)"), max_length=2, choices=N.choices)
    primary_status = models.CharField(_("primary tumour status"), max_length=10, choices=PrimaryStatus.choices)
    pdl1_cps = models.PositiveSmallIntegerField(
        "PD-L1 CPS", null=True, blank=True, validators=[MaxValueValidator(100)], help_text=_("Optional.")
    )
    metastasis_timing = models.CharField(_("metastases"), max_length=12, choices=MetastasisTiming.choices)
    prior_anti_pd1 = models.BooleanField(_("prior anti-PD-1 exposure"), choices=YES_NO)
    prior_anti_pd1_best_response = models.CharField(
        _("best response to prior anti-PD-1"), max_length=2, choices=BestResponse.choices, blank=True
    )
    systemic_therapy_line = models.PositiveSmallIntegerField(_("line of systemic therapy"), choices=Line.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("baseline")
        verbose_name_plural = _("baseline")
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
        return _("Baseline %(patient)s") % {"patient": self.patient}


class Organ(models.TextChoices):
    LUNG = "lung", _("Lung")
    LIVER = "liver", _("Liver")
    BONE = "bone", _("Bone")
    ADRENAL = "adrenal", _("Adrenal")
    BRAIN = "brain", _("Brain")
    NON_REGIONAL_LN = "non_regional_ln", _("Non-regional lymph node")
    REGIONAL_LN = "regional_ln", _("Regional lymph nodes (count as one)")
    OTHER = "other", _("Other (specify)")


class ImagingMethod(models.TextChoices):
    CT = "ct", "CT"
    MRI = "mri", "MRI"
    PET_CT = "pet_ct", "PET-CT"
    US = "us", _("Ultrasound")
    BONE_SCAN = "bone_scan", _("Bone scan")


class MetastaticLesion(ClinicalRecord):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lesions", verbose_name=_("patient"))
    label = models.CharField(
        _("label"),
        max_length=3,
        editable=False,
        help_text=_("L1, L2 … in order of entry; a voided lesion's label is not reused."),
    )
    organ = models.CharField(_("organ"), max_length=16, choices=Organ.choices)
    organ_other = models.CharField(_("other organ"), max_length=100, blank=True)
    location = models.CharField(
        _("location"), max_length=200, help_text=_("e.g. right lower lobe, segment VII, T10 vertebra.")
    )
    longest_diameter_mm = models.DecimalField(
        _("longest diameter (mm)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    imaging_method = models.CharField(_("imaging method"), max_length=10, choices=ImagingMethod.choices)
    imaging_date = models.DateField(_("imaging date"))
    short_axis_mm = models.DecimalField(
        _("short axis (mm)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text=_("Lymph nodes only (RECIST 1.1): target from 15 mm, pathological 10–15 mm, normal below 10 mm."),
    )
    bone_soft_tissue_mm = models.DecimalField(
        _("soft-tissue component (mm)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text=_(
            "Bone only: a lytic or mixed lesion's soft-tissue component. Without one ≥ 10 mm it is not a target."
        ),
    )
    previously_irradiated = models.BooleanField(
        _("previously irradiated"),
        default=False,
        help_text=_("In a previously irradiated field: a target only if it has progressed since."),
    )
    progressed_since_irradiation = models.BooleanField(_("progressed since irradiation"), default=False)
    pathologically_confirmed = models.BooleanField(_("pathologically confirmed"), choices=YES_NO, default=False)
    target_lesion = models.BooleanField(_("RECIST target lesion"), choices=YES_NO, default=False)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("metastatic lesion")
        verbose_name_plural = _("metastatic lesions")
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

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("patient"))
    cycle_number = models.PositiveSmallIntegerField(_("cycle number"), editable=False)
    day1_date = models.DateField(_("day 1 (date given or due)"))
    given = models.BooleanField(_("cycle given"), choices=YES_NO, default=True)
    not_given_reason = models.CharField(_("not given reason"), max_length=200, blank=True)
    anti_pd1_agent = models.CharField(
        _("anti-PD-1 agent"), max_length=20, blank=True, choices=_choices(protocol.ANTI_PD1_AGENTS.value)
    )
    anti_pd1_dose_mg = models.DecimalField(
        _("anti-PD-1 dose (mg)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    chemotherapy_given = models.BooleanField(_("chemotherapy given"), choices=YES_NO, default=False)
    chemo_agent_1 = models.CharField(
        _("chemotherapy agent 1"),
        max_length=20,
        blank=True,
        choices=_choices(protocol.CHEMOTHERAPY_AGENTS.value),
    )
    chemo_dose_1 = models.DecimalField(
        _("dose 1 (mg/m² or AUC)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    chemo_agent_2 = models.CharField(
        _("chemotherapy agent 2"),
        max_length=20,
        blank=True,
        choices=_choices(protocol.CHEMOTHERAPY_AGENTS.value),
    )
    chemo_dose_2 = models.DecimalField(
        _("dose 2 (mg/m² or AUC)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True)
    bsa_m2 = models.DecimalField(_("body surface area (m²)"), max_digits=3, decimal_places=2, null=True, blank=True)
    unusual_values_confirmed = models.BooleanField(
        _("confirm unusual values"),
        default=False,
        help_text=_("Ticked by the nurse when a dose, weight or body surface area outside the usual range is correct."),
    )
    delayed = models.BooleanField(_("delayed"), choices=YES_NO, default=False)
    delay_reason = models.CharField(_("delay reason"), max_length=200, blank=True)
    dose_reduced = models.BooleanField(_("dose reduced"), choices=YES_NO, default=False)
    dose_reduction_reason = models.CharField(_("dose reduction reason"), max_length=200, blank=True)
    deviation_reason = models.CharField(
        _("reason day 1 is outside the window"),
        max_length=200,
        blank=True,
        help_text=_("Required when day 1 falls outside the protocol window: recorded as a protocol deviation."),
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("treatment cycle")
        verbose_name_plural = _("treatment cycles")
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
        return _("%(patient)s cycle %(number)s") % {"patient": self.patient, "number": self.cycle_number}


class LesionRecordQuerySet(models.QuerySet):
    def visible_to(self, user, include_voided=False):
        """Lesion-owned rows follow the lesion's patient (accounts.scoping)."""
        qs = self.filter(lesion__patient__in=Patient.objects.visible_to(user, include_voided=include_voided))
        return qs if include_voided else qs.filter(voided=False, lesion__voided=False)


class LocalIntervention(ClinicalRecord):
    """Radiotherapy, surgery or ablation of one metastatic lesion (PROTOCOL.md, Treatment)."""

    class Modality(models.TextChoices):
        RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
        SURGERY = "surgery", _("Surgery")
        ABLATION = "ablation", _("Ablation")

    class Intent(models.TextChoices):
        PROTOCOL = "protocol", _("Protocol local intervention (combined arm)")
        PALLIATIVE = "palliative", _("Palliative / at progression (not a protocol intervention)")

    class RtTechnique(models.TextChoices):
        SBRT = "sbrt", "SBRT"
        IMRT = "imrt", "IMRT"
        CRT_3D = "3dcrt", "3D-CRT"
        OTHER = "other", _("Other")

    class Margin(models.TextChoices):
        R0, R1, R2 = "R0", "R1", "R2"

    class AblationType(models.TextChoices):
        RFA = "rfa", _("Radiofrequency (RFA)")
        MWA = "mwa", _("Microwave (MWA)")
        CRYO = "cryo", _("Cryoablation")

    lesion = models.ForeignKey(
        MetastaticLesion, on_delete=models.PROTECT, related_name="interventions", verbose_name=_("lesion")
    )
    modality = models.CharField(_("modality"), max_length=12, choices=Modality.choices)
    intent = models.CharField(_("intent"), max_length=10, choices=Intent.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    rt_technique = models.CharField(_("RT technique"), max_length=6, choices=RtTechnique.choices, blank=True)
    total_dose_gy = models.DecimalField(_("total dose (Gy)"), max_digits=5, decimal_places=2, null=True, blank=True)
    fractions = models.PositiveSmallIntegerField(_("number of fractions"), null=True, blank=True)
    surgery_procedure = models.CharField(_("surgery procedure"), max_length=200, blank=True)
    resection_margin = models.CharField(_("resection margin"), max_length=2, choices=Margin.choices, blank=True)
    ablation_type = models.CharField(_("ablation type"), max_length=4, choices=AblationType.choices, blank=True)
    ablation_sessions = models.PositiveSmallIntegerField(_("ablation sessions"), null=True, blank=True)
    completed_as_planned = models.BooleanField(_("completed as planned"), choices=YES_NO, default=True)
    not_completed_reason = models.CharField(_("not completed reason"), max_length=200, blank=True)

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("local intervention")
        verbose_name_plural = _("local interventions")
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
        CR = "cr", _("Complete response (all disappeared)")
        NON_CR_NON_PD = "non_cr_non_pd", _("Non-CR / non-PD")
        PD = "pd", _("Unequivocal progression")
        NE = "ne", _("Not evaluated")
        ABSENT = "absent", _("No non-target lesions")

    class Response(models.TextChoices):
        CR = recist.CR, _("CR – complete response")
        PR = recist.PR, _("PR – partial response")
        SD = recist.SD, _("SD – stable disease")
        NON_CR_NON_PD = recist.NON_CR_NON_PD, _("Non-CR/non-PD (non-target disease only)")
        PD = recist.PD, _("PD – progressive disease")
        NE = recist.NE, _("NE – not evaluable")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("patient")
    )
    assessment_date = models.DateField(_("assessment date"))
    imaging_method = models.CharField(_("imaging method"), max_length=10, choices=ImagingMethod.choices)
    non_target_status = models.CharField(
        _("non-target response"),
        max_length=14,
        choices=NonTarget.choices,
        help_text=_("Derived from each non-target lesion's status (crf.recist.non_target_response)."),
    )
    new_lesions = models.BooleanField(_("new lesions"), choices=YES_NO, default=False)
    overall_response = models.CharField(_("overall response (investigator)"), max_length=13, choices=Response.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("tumour assessment")
        verbose_name_plural = _("tumour assessments")
        ordering = ["patient", "assessment_date"]

    def __str__(self):
        return _("%(patient)s assessment %(date)s") % {"patient": self.patient, "date": self.assessment_date}


class TargetMeasurement(models.Model):
    """One target lesion's longest diameter at one assessment; audited with its own history."""

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("assessment")
    )
    lesion = models.ForeignKey(
        MetastaticLesion, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("lesion")
    )
    diameter_mm = models.DecimalField(
        _("longest diameter (mm)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(300)],
        help_text=_("0 when the lesion has disappeared; empty when it was not assessed. A node: its short axis."),
    )
    too_small = models.BooleanField(
        _("too small to measure"), default=False, help_text=_("Present but too small to measure: counts as 5 mm.")
    )
    history = audited_history()

    class Meta:
        verbose_name = _("target measurement")
        verbose_name_plural = _("target measurements")
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
        value = _("too small") if self.too_small else f"{self.diameter_mm} mm"
        return f"{self.lesion.label}: {value}"


class NonTargetStatus(models.Model):
    """One non-target lesion's status at one assessment (RECIST 1.1): the non-target response
    and each lesion's own progression (local control) are derived from these."""

    class Status(models.TextChoices):
        PRESENT = recist.PRESENT, _("Present")
        ABSENT = recist.ABSENT, _("Absent (a node: normal, < 10 mm short axis)")
        PROGRESSION = recist.PROGRESSION, _("Unequivocal progression")
        NOT_EVALUATED = recist.NOT_EVALUATED, _("Not evaluated")

    assessment = models.ForeignKey(
        TumourAssessment, on_delete=models.PROTECT, related_name="non_target_statuses", verbose_name=_("assessment")
    )
    lesion = models.ForeignKey(
        MetastaticLesion, on_delete=models.PROTECT, related_name="non_target_statuses", verbose_name=_("lesion")
    )
    status = models.CharField(_("status"), max_length=13, choices=Status.choices)
    history = audited_history()

    class Meta:
        verbose_name = _("non target status")
        verbose_name_plural = _("non-target statuses")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "lesion"], name="one_status_per_non_target"),
        ]

    def __str__(self):
        return f"{self.lesion.label}: {self.get_status_display()}"


class FollowUp(ClinicalRecord):
    class VitalStatus(models.TextChoices):
        ALIVE = "alive", _("Alive")
        DEAD = "dead", _("Dead")
        LOST = "lost", _("Lost to follow-up")

    class DeathCause(models.TextChoices):
        PROGRESSION = "progression", _("Disease progression")
        TREATMENT = "treatment", _("Treatment-related")
        OTHER = "other", _("Other (specify)")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("patient"))
    contact_date = models.DateField(_("contact date"))
    vital_status = models.CharField(_("vital status"), max_length=5, choices=VitalStatus.choices)
    death_date = models.DateField(_("death date"), null=True, blank=True)
    death_cause = models.CharField(_("death cause"), max_length=12, choices=DeathCause.choices, blank=True)
    death_cause_other = models.CharField(_("other cause of death"), max_length=200, blank=True)
    subsequent_therapy = models.TextField(
        _("subsequent anti-cancer therapy (free text, before the new anticancer therapy form)"),
        blank=True,
        editable=False,
        max_length=protocol.FREE_TEXT_MAX_CHARS.value,
        help_text=_("Kept as entered; new therapy is now recorded on the new anticancer therapy form."),
    )

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("follow up")
        verbose_name_plural = _("follow ups")
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
        return _("%(patient)s follow-up %(date)s") % {"patient": self.patient, "date": self.contact_date}


class NewAnticancerTherapy(ClinicalRecord):
    """Anticancer therapy not given as protocol treatment (PROTOCOL.md, Endpoint details): it
    censors PFS at the last adequate assessment before it (FDA 2018)."""

    class TherapyType(models.TextChoices):
        SYSTEMIC = "systemic", _("Systemic therapy")
        RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
        SURGERY = "surgery", _("Surgery")
        ABLATION = "ablation", _("Ablation")
        OTHER = "other", _("Other")

    class Intent(models.TextChoices):
        DISEASE_DIRECTED = "disease_directed", _("Disease-directed (e.g. next line, at progression)")
        PALLIATIVE = "palliative", _("Palliative (symptom control)")

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="new_therapies", verbose_name=_("patient")
    )
    therapy_type = models.CharField(_("type"), max_length=12, choices=TherapyType.choices)
    description = models.CharField(
        _("agent(s) or procedure"), max_length=200, help_text=_("e.g. docetaxel; palliative RT to T8 vertebra.")
    )
    start_date = models.DateField(_("start date"))
    intent = models.CharField(_("intent"), max_length=16, choices=Intent.choices)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        ordering = ["patient", "start_date"]
        verbose_name = _("new anticancer therapy")
        verbose_name_plural = _("new anticancer therapies")
        constraints = [
            *ClinicalRecord.Meta.constraints,
            models.CheckConstraint(condition=~models.Q(description=""), name="new_therapy_described"),
        ]

    def __str__(self):
        return f"{self.patient} {self.get_therapy_type_display().lower()} {self.start_date}"


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Completed 2 years of treatment")
    PROGRESSION = "progression", _("Disease progression")
    TOXICITY = "toxicity", _("Unacceptable toxicity")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")
    DEATH = "death", _("Death")
    LOST = "lost", _("Lost to follow-up")
    INVESTIGATOR = "investigator", _("Investigator decision")
    SCREEN_FAILURE = "screen_failure", _("Screen failure (never randomized)")


class EndOfTreatment(ClinicalRecord):
    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="end_of_treatment", verbose_name=_("patient")
    )
    end_date = models.DateField(_("date of last treatment"))
    reason = models.CharField(_("reason"), max_length=14, choices=EndReason.choices)
    reason_detail = models.CharField(_("reason detail"), max_length=200, blank=True)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("end of treatment")
        verbose_name_plural = _("end of treatment")

    def __str__(self):
        return _("%(patient)s end of treatment") % {"patient": self.patient}


class OffStudy(ClinicalRecord):
    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="off_study", verbose_name=_("patient")
    )
    off_study_date = models.DateField(_("off study date"))
    reason = models.CharField(_("reason"), max_length=14, choices=EndReason.choices)
    reason_detail = models.CharField(_("reason detail"), max_length=200, blank=True)

    objects = PatientRecordQuerySet.as_manager()

    class Meta(ClinicalRecord.Meta):
        verbose_name = _("off study")
        verbose_name_plural = _("off study")

    def __str__(self):
        return _("%(patient)s off study") % {"patient": self.patient}


class DerivedState(models.Model):
    """What the lists filter, sort and show for a patient, derived from its forms by crf.status and
    crf.schedule: its status, its next visit, and the dates from which its open visits are due.

    Not clinical data and not audited: crf.derived rebuilds the row, in the saving transaction,
    whenever a form of the patient is saved, and `manage.py check_derived` (nightly and in CI)
    verifies every row against the rules. None of the dates depends on the day it is computed:
    only the first open visit of each series can be due, and its window follows the forms alone.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="derived", verbose_name=_("patient")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    # The first visit the patient list shows: its key (crf.schedule.visit_name) and window.
    next_visit_key = models.CharField(_("next visit"), max_length=40, blank=True)
    next_visit_earliest = models.DateField(_("next visit window opens"), null=True, blank=True)
    next_visit_planned = models.DateField(_("next visit target date"), null=True, blank=True)
    next_visit_latest = models.DateField(_("next visit window closes"), null=True, blank=True)
    # Over every open visit: a patient is on the Due visits list from the earliest window opening,
    # and as "upcoming" from a week before the earliest target date.
    open_visits_earliest = models.DateField(_("open visits from"), null=True, blank=True, db_index=True)
    open_visits_planned = models.DateField(_("open visits target from"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("derived patient state")
        verbose_name_plural = _("derived patient states")

    def __str__(self):
        return f"{self.patient_id} {self.status}"

    @property
    def next_visit(self):
        """The first visit the patient list shows, in today's state (upcoming, due or overdue)."""
        if not self.next_visit_key:
            return None
        window = schedule.Window(self.next_visit_planned, self.next_visit_earliest, self.next_visit_latest)
        key = self.next_visit_key
        state = schedule.state_on(window, timezone.localdate())
        return schedule.PlannedVisit(key.partition(":")[0], key, schedule.visit_name(key), window, state)
