from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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

    def export_admin_action(self, request, queryset):
        if not self._selects_across(request) or self.is_skip_export_form_from_action_enabled():
            return super().export_admin_action(request, queryset)
        # "Select all N" across pages: the form would carry one hidden input per row, and its POST would pass
        # DATA_UPLOAD_MAX_NUMBER_FIELDS (HTTP 400). Without rows, export_action exports get_export_queryset():
        # the same scoped changelist query, filters and search read again from the form's URL (the library
        # keeps request.GET on it).
        count = queryset.count()
        opts = self.model._meta
        self.message_user(
            request,
            ngettext(
                "Export the %(count)d %(name)s the list shows, with its filters and search.",
                "Export all %(count)d %(name)s the list shows, with its filters and search, on every page.",
                count,
            )
            % {"count": count, "name": opts.verbose_name if count == 1 else opts.verbose_name_plural},
        )
        return super().export_admin_action(request, queryset.none())

    def _selects_across(self, request):
        # Read as Django's response_action reads it, so the two never disagree on what was selected.
        return self.action_form.base_fields["select_across"].clean(request.POST.get("select_across"))

    def get_valid_export_item_pks(self, request):
        # The rows an export action may name: those of the posted pks that get_queryset() shows, found in one
        # query. The default lists every row of the table, and the form then scans that list for each posted pk
        # (924 of 10,000 rows took 23 s). The posted strings come back in their order, so each scan stops early.
        pk_field = self.model._meta.pk
        posted = {}
        for value in request.POST.getlist("export_items"):
            try:
                posted[value] = pk_field.to_python(value)
            except ValidationError:
                pass  # not a pk at all: the form refuses it as an invalid choice
        visible = set(self.get_queryset(request).filter(pk__in=set(posted.values())).values_list("pk", flat=True))
        return [value for value, pk in posted.items() if pk in visible]

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
