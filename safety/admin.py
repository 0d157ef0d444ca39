from django.contrib import admin

from audit.admin import ClinicalRecordAdmin, ReadOnlyAdminMixin, ScopedHistoryAdmin
from crf.admin import ArmFilter, StatusFilter

from .models import AdverseEvent, CtcaeTerm, SaeReport, Signature, SigningAttempt


@admin.register(CtcaeTerm)
class CtcaeTermAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["term", "soc", "meddra_code", "version"]
    list_filter = ["version", "soc"]
    search_fields = ["term", "soc", "meddra_code"]


@admin.register(AdverseEvent)
class AdverseEventAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "term", "grade", "onset_date", "serious", "immune_related", "outcome", "voided"]
    list_filter = [
        "patient__site",
        ArmFilter,
        StatusFilter,
        "grade",
        "serious",
        "immune_related",
        "onset_date",
        "voided",
    ]
    date_hierarchy = "onset_date"
    search_fields = ["patient__screening_number", "term__term"]
    list_select_related = ["patient__site", "term"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["adverse_event", "printed_name", "meaning", "signed_at", "voided_at"]
    list_select_related = ["adverse_event__patient", "adverse_event__term"]

    def get_queryset(self, request):
        return Signature.objects.filter(adverse_event__in=AdverseEvent.objects.visible_to(request.user))


@admin.register(SigningAttempt)
class SigningAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["adverse_event", "user", "at", "succeeded"]
    list_filter = ["succeeded", "at"]
    list_select_related = ["adverse_event__patient", "adverse_event__term", "user"]

    def get_queryset(self, request):
        return SigningAttempt.objects.filter(adverse_event__in=AdverseEvent.objects.visible_to(request.user))


@admin.register(SaeReport)
class SaeReportAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ["adverse_event", "aware_at", "notified_at", "attempts", "last_error"]
    list_select_related = ["adverse_event__patient", "adverse_event__term"]

    def get_queryset(self, request):
        return SaeReport.objects.filter(adverse_event__in=AdverseEvent.objects.visible_to(request.user))
