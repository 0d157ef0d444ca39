from django.contrib import admin

from audit.admin import ReadOnlyAdminMixin, ScopedHistoryAdmin

from .models import Allocation, AllocationSlot, RandomizationList


@admin.register(Allocation)
class AllocationAdmin(ScopedHistoryAdmin):
    """Allocations are immutable; the Randomization manager may only add a documented correction note."""

    list_display = ["number", "patient", "arm", "randomized_on", "randomized_by", "stratum"]
    list_filter = ["arm", "patient__site", "randomized_on"]
    date_hierarchy = "randomized_on"
    search_fields = ["patient__screening_number", "number"]
    list_select_related = ["patient__site", "randomized_by"]
    readonly_fields = [
        "patient",
        "number",
        "arm",
        "method",
        "stratum",
        "slot",
        "randomized_on",
        "randomized_at",
        "randomized_by",
    ]
    fields = [*readonly_fields, "correction_note"]

    def get_queryset(self, request):
        return Allocation.objects.visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The list and its slots: visible only with their view permissions (Randomization manager)."""


@admin.register(RandomizationList)
class RandomizationListAdmin(ListAdmin):
    list_display = ["pk", "seed", "per_stratum", "method", "sha256", "created_at", "created_by"]


@admin.register(AllocationSlot)
class AllocationSlotAdmin(ListAdmin):
    list_display = ["stratum", "sequence", "block_number", "block_size", "arm"]
    list_filter = ["stratum", "arm"]
