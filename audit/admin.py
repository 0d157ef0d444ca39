from django.http import Http404
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from .exports import resource_for


class ReadOnlyAdminMixin:
    """For rows written only by services (signatures, reminders, the randomization list): view only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history pages obey get_queryset() like every other admin page.

    simple-history falls back to the history table when get_queryset() misses the row, which
    would show another site's record.
    """

    def _require_visible(self, request, object_id):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ClinicalRecordAdmin(ExportActionMixin, ScopedHistoryAdmin):
    """Admin for clinical rows: read-only, site-scoped, voided rows shown and flagged.

    Clinical data are entered and corrected in the eCRF, where every edit carries a reason for
    change; the admin is for review and export. Deletion is left to superusers only (GCP:
    everyone else voids).
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

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        log_form_export(request, self.model, queryset, self.patient_path, file_format.get_title())
        return data

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
