from django.contrib import admin

from audit.admin import ClinicalRecordAdmin

from .models import Patient


@admin.register(Patient)
class PatientAdmin(ClinicalRecordAdmin):
    list_display = ["screening_number", "site", "initials", "consent_date", "voided"]
    list_filter = ["site", "voided"]
    search_fields = ["screening_number"]
    list_select_related = ["site"]
