from django.contrib import admin

from audit.admin import ScopedHistoryAdmin

from .models import Allocation


@admin.register(Allocation)
class AllocationAdmin(ScopedHistoryAdmin):
    """Allocations are immutable: read-only for everyone, scoped to the user's sites."""

    list_display = ["number", "patient", "arm", "randomized_on", "randomized_by"]
    list_filter = ["arm", "patient__site"]
    list_select_related = ["patient__site", "randomized_by"]

    def get_queryset(self, request):
        return Allocation.objects.visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
