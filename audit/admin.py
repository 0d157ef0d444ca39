from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from .exports import resource_for
from .history import version_rows


class ReadOnlyAdminMixin:
    """For rows written only by services (signatures, reminders, the randomization list): view only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history pages obey get_queryset() and never write.

    simple-history falls back to the history table when get_queryset() misses the row, which
    would show another site's record. Its version page is a "revert" form that saves any valid
    POST after a view-permission check (SIMPLE_HISTORY_REVERT_DISABLED only hides the button),
    and its foreign-key selects list every site's rows: here a version is a read-only table of
    values, and anything but GET is refused. Clinical data change only in the eCRF, with a reason.
    """

    object_history_form_template = "admin/audit/history_version.html"

    def _visible_object(self, request, object_id):
        obj = self.get_object(request, object_id)  # None for another site's row or a malformed id
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._visible_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        obj = self._visible_object(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if not str(version_id).isdigit():
            raise Http404
        version = get_object_or_404(self.model.history.filter(**{self.model._meta.pk.attname: obj.pk}), pk=version_id)
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(record)s as of %(time)s")
            % {"record": capfirst(opts.verbose_name), "time": f"{version.history_date:%Y-%m-%d %H:%M:%S %Z}"},
            "opts": opts,
            "original": obj,
            "version": version,
            "rows": version_rows(version),
            "history_url": reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_form_template, context)


class ClinicalRecordAdmin(ExportActionMixin, ScopedHistoryAdmin):
    """Admin for clinical rows: read-only, site-scoped, voided rows shown and flagged.

    Clinical data are entered and corrected in the eCRF, where every edit carries a reason for
    change; the admin is for review and export. Nobody deletes, superusers included (GCP: rows
    are voided with a reason).
    """

    list_filter = ["voided"]
    # How the patient is reached from this model, for the export's screening number and site code.
    patient_path = "patient"
    # CSV and XLSX only; nothing is imported through the admin (data are entered in the eCRF).
    export_formats = [CSV, XLSX]

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user, include_voided=True)

    def get_export_resource_classes(self, request):
        return [resource_for(self.model, self.patient_path)]

    def get_valid_export_item_pks(self, request):
        # The rows an export action may name: the scoped ones (the default is every row of the table).
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        from exports.services import log_form_export  # exports builds on audit, not the reverse

        # An export's content and its log entry never depend on the reader's language: choice labels
        # (the `_label` columns) and the form's name are written in the eCRF's source language.
        with translation.override(None):
            data = super().get_export_data(file_format, request, queryset, **kwargs)
            log_form_export(request, self.model, queryset, self.patient_path, file_format.get_title())
        return data

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # superusers included: a clinical row is voided in the eCRF, never deleted
