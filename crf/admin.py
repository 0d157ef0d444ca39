from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ClinicalRecordAdmin
from randomization.models import Arm

from .models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from .status import Status


class PatientListFilter(admin.SimpleListFilter):
    """A filter on the row's patient, reached by the admin's `patient_path`."""

    def __init__(self, request, params, model, model_admin):
        self.patient_prefix = f"{model_admin.patient_path}__" if model_admin.patient_path else ""
        super().__init__(request, params, model, model_admin)


class ArmFilter(PatientListFilter):
    title = _("arm")
    parameter_name = "arm"

    def lookups(self, request, model_admin):
        return [*Arm.choices, ("none", _("Not randomized"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(**{f"{self.patient_prefix}allocation__isnull": True})
        if self.value():
            return queryset.filter(**{f"{self.patient_prefix}allocation__arm": self.value()})
        return queryset


class StatusFilter(PatientListFilter):
    """The patient's derived status (crf.status), as stored for the lists by crf.derived."""

    title = _("patient status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(**{f"{self.patient_prefix}derived__status": self.value()})


@admin.register(Patient)
class PatientAdmin(ClinicalRecordAdmin):
    patient_path = ""
    list_display = ["screening_number", "site", "initials", "sex", "year_of_birth", "consent_date", "voided"]
    list_filter = ["site", ArmFilter, StatusFilter, "consent_date", "voided"]
    date_hierarchy = "consent_date"
    search_fields = ["screening_number"]
    list_select_related = ["site"]


class PatientRecordAdmin(ClinicalRecordAdmin):
    list_filter = ["patient__site", ArmFilter, StatusFilter, "voided"]
    search_fields = ["patient__screening_number"]
    list_select_related = ["patient__site"]


@admin.register(Eligibility)
class EligibilityAdmin(PatientRecordAdmin):
    list_display = ["patient", "assessment_date", "screen_failure_reason", "confirmed_on", "voided"]
    date_hierarchy = "assessment_date"


@admin.register(Baseline)
class BaselineAdmin(PatientRecordAdmin):
    list_display = [
        "patient",
        "ecog",
        "primary_location",
        "systemic_therapy_line",
        "metastasis_timing",
        "voided",
    ]


@admin.register(MetastaticLesion)
class MetastaticLesionAdmin(PatientRecordAdmin):
    list_display = ["patient", "label", "organ", "longest_diameter_mm", "pathologically_confirmed", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "organ", "imaging_date", "voided"]


@admin.register(TreatmentCycle)
class TreatmentCycleAdmin(PatientRecordAdmin):
    list_display = ["patient", "cycle_number", "day1_date", "given", "anti_pd1_agent", "delayed", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "given", "delayed", "day1_date", "voided"]
    date_hierarchy = "day1_date"


@admin.register(TumourAssessment)
class TumourAssessmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "assessment_date", "overall_response", "new_lesions", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "overall_response", "assessment_date", "voided"]
    date_hierarchy = "assessment_date"


@admin.register(FollowUp)
class FollowUpAdmin(PatientRecordAdmin):
    list_display = ["patient", "contact_date", "vital_status", "death_date", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "contact_date", "voided"]
    date_hierarchy = "contact_date"


@admin.register(NewAnticancerTherapy)
class NewAnticancerTherapyAdmin(PatientRecordAdmin):
    list_display = ["patient", "start_date", "therapy_type", "description", "intent", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "therapy_type", "start_date", "voided"]
    date_hierarchy = "start_date"


@admin.register(EndOfTreatment)
class EndOfTreatmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "end_date", "reason", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "end_date", "voided"]
    date_hierarchy = "end_date"


@admin.register(OffStudy)
class OffStudyAdmin(PatientRecordAdmin):
    list_display = ["patient", "off_study_date", "reason", "voided"]
    list_filter = ["patient__site", ArmFilter, StatusFilter, "off_study_date", "voided"]
    date_hierarchy = "off_study_date"


@admin.register(LocalIntervention)
class LocalInterventionAdmin(ClinicalRecordAdmin):
    patient_path = "lesion__patient"
    list_display = ["lesion", "modality", "intent", "start_date", "total_dose_gy", "fractions", "bed10", "voided"]
    list_filter = ["lesion__patient__site", ArmFilter, StatusFilter, "modality", "intent", "start_date", "voided"]
    date_hierarchy = "start_date"
    search_fields = ["lesion__patient__screening_number"]
    list_select_related = ["lesion__patient__site"]


@admin.register(TargetMeasurement)
class TargetMeasurementAdmin(ClinicalRecordAdmin):
    """Not a ClinicalRecord (no void of its own: it goes with its assessment), scoped the same way."""

    patient_path = "assessment__patient"
    list_display = ["assessment", "lesion", "diameter_mm"]
    list_filter = ["assessment__patient__site", ArmFilter, StatusFilter]
    search_fields = ["assessment__patient__screening_number"]
    list_select_related = ["assessment__patient", "lesion"]

    def get_queryset(self, request):
        return TargetMeasurement.objects.filter(
            assessment__patient__in=Patient.objects.visible_to(request.user, include_voided=True)
        )


@admin.register(NonTargetStatus)
class NonTargetStatusAdmin(ClinicalRecordAdmin):
    """Goes with its assessment (no void of its own), scoped like the target measurements."""

    patient_path = "assessment__patient"
    list_display = ["assessment", "lesion", "status"]
    list_filter = ["assessment__patient__site", ArmFilter, StatusFilter, "status"]
    search_fields = ["assessment__patient__screening_number"]
    list_select_related = ["assessment__patient", "lesion"]

    def get_queryset(self, request):
        return NonTargetStatus.objects.filter(
            assessment__patient__in=Patient.objects.visible_to(request.user, include_voided=True)
        )
