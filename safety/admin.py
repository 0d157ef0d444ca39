from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from audit.admin import ClinicalRecordAdmin, ReadOnlyAdminMixin, ScopedHistoryAdmin
from audit.history import system_reason
from crf.admin import ArmFilter, StatusFilter
from esotrial.celery import enqueue

from .models import AdverseEvent, CtcaeTerm, SaeReport, Signature, SigningAttempt
from .tasks import notify_sae

SAE_RECEIVED = system_reason(gettext_noop("Confirmed received by the safety desk"))
SAE_NOT_RECEIVED = system_reason(gettext_noop("Not received by the safety desk: send again"))


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
    list_display = ["adverse_event", "aware_at", "notified_at", "in_doubt", "attempts", "last_error"]
    list_select_related = ["adverse_event__patient", "adverse_event__term"]
    actions = ["confirm_received", "send_again"]

    @admin.display(boolean=True, description=_("in doubt"))
    def in_doubt(self, report):
        return report.notification_in_doubt

    def has_resolve_sae_notification_permission(self, request):
        return request.user.has_perm("safety.resolve_sae_notification")

    @admin.action(
        description=_("In doubt, and the safety desk has it: mark notified"), permissions=["resolve_sae_notification"]
    )
    def confirm_received(self, request, queryset):
        count = 0
        for report in queryset.filter(sending_since__isnull=False, notified_at__isnull=True):
            report.notified_at = report.sending_since
            report._history_user = request.user
            report._change_reason = SAE_RECEIVED
            report.save()
            count += 1
        self.message_user(
            request,
            ngettext("%(count)s SAE report marked notified.", "%(count)s SAE reports marked notified.", count)
            % {"count": count},
        )

    @admin.action(
        description=_("In doubt, and the safety desk does not have it: send again"),
        permissions=["resolve_sae_notification"],
    )
    def send_again(self, request, queryset):
        count = 0
        for report in queryset.filter(sending_since__isnull=False, notified_at__isnull=True):
            report.sending_since = None
            report._history_user, report._change_reason = request.user, SAE_NOT_RECEIVED
            report.save()
            transaction.on_commit(lambda pk=report.pk: enqueue(notify_sae, pk))
            count += 1
        self.message_user(
            request,
            ngettext("%(count)s SAE notification queued again.", "%(count)s SAE notifications queued again.", count)
            % {"count": count},
        )

    def get_queryset(self, request):
        return SaeReport.objects.filter(adverse_event__in=AdverseEvent.objects.visible_to(request.user))
