from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


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


class ClinicalRecordAdmin(ScopedHistoryAdmin):
    """Admin for clinical rows: read-only, site-scoped, voided rows shown and flagged.

    Clinical data are entered and corrected in the eCRF, where every edit carries a reason for
    change; the admin is for review and export. Deletion is left to superusers only (GCP:
    everyone else voids).
    """

    list_filter = ["voided"]

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user, include_voided=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
