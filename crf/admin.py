from django.contrib import admin

from audit.admin import ClinicalRecordAdmin

from .models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    OffStudy,
    Patient,
    TreatmentCycle,
    TumourAssessment,
)


@admin.register(Patient)
class PatientAdmin(ClinicalRecordAdmin):
    patient_path = ""
    list_display = ["screening_number", "site", "initials", "sex", "year_of_birth", "consent_date", "voided"]
    list_filter = ["site", "voided"]
    search_fields = ["screening_number"]
    list_select_related = ["site"]


class PatientRecordAdmin(ClinicalRecordAdmin):
    list_filter = ["patient__site", "voided"]
    search_fields = ["patient__screening_number"]
    list_select_related = ["patient__site"]


@admin.register(Eligibility)
class EligibilityAdmin(PatientRecordAdmin):
    list_display = ["patient", "assessment_date", "screen_failure_reason", "confirmed_on", "voided"]


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
    list_filter = ["patient__site", "organ", "voided"]


@admin.register(TreatmentCycle)
class TreatmentCycleAdmin(PatientRecordAdmin):
    list_display = ["patient", "cycle_number", "day1_date", "given", "anti_pd1_agent", "delayed", "voided"]


@admin.register(TumourAssessment)
class TumourAssessmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "assessment_date", "overall_response", "new_lesions", "voided"]


@admin.register(FollowUp)
class FollowUpAdmin(PatientRecordAdmin):
    list_display = ["patient", "contact_date", "vital_status", "death_date", "voided"]


@admin.register(EndOfTreatment)
class EndOfTreatmentAdmin(PatientRecordAdmin):
    list_display = ["patient", "end_date", "reason", "voided"]


@admin.register(OffStudy)
class OffStudyAdmin(PatientRecordAdmin):
    list_display = ["patient", "off_study_date", "reason", "voided"]


@admin.register(LocalIntervention)
class LocalInterventionAdmin(ClinicalRecordAdmin):
    patient_path = "lesion__patient"
    list_display = ["lesion", "modality", "intent", "start_date", "total_dose_gy", "fractions", "bed10", "voided"]
    list_filter = ["lesion__patient__site", "modality", "intent", "voided"]
    search_fields = ["lesion__patient__screening_number"]
    list_select_related = ["lesion__patient__site"]
