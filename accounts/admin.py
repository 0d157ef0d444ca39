from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from audit.admin import ScopedHistoryAdmin

from .models import SiteMembership, TrialSite
from .scoping import sites_visible_to


class SiteMembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 0
    autocomplete_fields = ["site"]


@admin.register(TrialSite)
class TrialSiteAdmin(ScopedHistoryAdmin):
    list_display = ["code", "name", "city", "principal_investigator", "language", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name", "city"]

    def get_queryset(self, request):
        return sites_visible_to(request.user)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TrialUserAdmin(UserAdmin):
    inlines = [SiteMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAttemptAdmin(AccessAttemptAdmin):
    """django-axes' failed-login records. Its "Clean up expired attempts" reads a time axes sets
    only on login requests (a 500 from the admin): it is given the time of this request."""

    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)
