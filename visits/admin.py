from django.contrib import admin

from audit.admin import ClinicalRecordAdmin, ReadOnlyAdminMixin
from crf.models import Patient

from .models import MissedVisit, ReminderLog, ReminderRun


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "kind", "item_key", "recipient"]
    list_filter = ["kind", "sent_on"]
    search_fields = ["item_key", "recipient__username"]
    list_select_related = ["recipient"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(patient__in=Patient.objects.visible_to(request.user))


@admin.register(ReminderRun)
class ReminderRunAdmin(ReminderLogAdmin):
    list_display = ["started_at", "finished_at", "emails_sent", "errors"]
    list_filter = []
    search_fields = []
    list_select_related = []

    def get_queryset(self, request):
        return ReminderRun.objects.all() if request.user.is_superuser else ReminderRun.objects.none()


@admin.register(MissedVisit)
class MissedVisitAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "visit_key", "reason", "voided"]
