from simple_history.admin import SimpleHistoryAdmin


class ClinicalRecordAdmin(SimpleHistoryAdmin):
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
