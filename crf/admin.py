from django.contrib import admin

from audit.admin import ClinicalRecordAdmin

from .models import Baseline, Eligibility, MetastaticLesion, Patient


@admin.register(Patient)
class PatientAdmin(ClinicalRecordAdmin):
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
