from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.admin import ClinicalRecordAdmin, ReadOnlyAdminMixin
from crf.models import Patient
from esotrial.celery import enqueue

from .models import MissedVisit, ReminderLog, ReminderRun
from .tasks import send_daily_reminders


def may_send_reminders(request):
    return request.user.has_perm("visits.send_reminders")


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "kind", "item_key", "recipient", "state", "confirmed_at"]
    list_filter = ["state", "kind", "sent_on"]
    search_fields = ["item_key", "recipient__username"]
    list_select_related = ["recipient"]
    actions = ["send_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(patient__in=Patient.objects.visible_to(request.user))

    def has_send_reminders_permission(self, request):
        return may_send_reminders(request)

    @admin.action(
        description=_("Not received: send again in the next digest (items in doubt)"), permissions=["send_reminders"]
    )
    def send_again(self, request, queryset):
        # The person has checked that the recipient did not get the digest (at most once otherwise).
        count = queryset.filter(state=ReminderLog.State.SENDING).update(state=ReminderLog.State.FAILED)
        self.message_user(
            request,
            ngettext(
                "%(count)s item will be sent again in the next digest.",
                "%(count)s items will be sent again in the next digest.",
                count,
            )
            % {"count": count},
        )


@admin.register(ReminderRun)
class ReminderRunAdmin(ReminderLogAdmin):
    list_display = ["started_at", "finished_at", "emails_sent", "errors"]
    list_filter = []
    search_fields = []
    list_select_related = []

    actions = []
    change_list_template = "visits/reminderrun_change_list.html"

    def get_queryset(self, request):
        return ReminderRun.objects.all() if request.user.is_superuser else ReminderRun.objects.none()

    def get_urls(self):
        send = self.admin_site.admin_view(self.send_now_view)
        return [path("send/", send, name="visits_reminderrun_send"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_send": may_send_reminders(request)}
        return super().changelist_view(request, extra_context)

    def send_now_view(self, request):
        """Queue today's digests for some of the user's sites (the worker sends them, outside any
        request transaction, so that the at-most-once ledger holds)."""
        if not may_send_reminders(request):
            raise PermissionDenied
        form = SendRemindersForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            site_ids = [site.pk for site in form.cleaned_data["sites"]]
            if enqueue(send_daily_reminders, site_ids):
                self.message_user(request, gettext("Reminders queued; this list shows the run when it is done."))
            else:
                self.message_user(
                    request, gettext("The task queue is not reachable; nothing was sent."), messages.ERROR
                )
            return redirect("admin:visits_reminderrun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Send reminders now"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "visits/send_reminders.html", context)


class SendRemindersForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"), queryset=TrialSite.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites_visible_to(user)


@admin.register(MissedVisit)
class MissedVisitAdmin(ClinicalRecordAdmin):
    list_display = ["patient", "visit_key", "reason", "voided"]
