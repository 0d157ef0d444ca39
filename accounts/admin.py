from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdminMixin, ScopedHistoryAdmin

from .audit import REASON_FIELD, acting
from .models import AccountEvent, SiteMembership, TrialSite
from .scoping import sites_visible_to


def reason_field():
    return forms.CharField(
        label=_("Reason for change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the access and accounts audit with who and when."),
    )


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


class AccountChangeForm(UserChangeForm):
    reason_for_change = reason_field()


class PasswordSetForm(AdminPasswordChangeForm):
    reason_for_change = reason_field()


class AccountCreationForm(AdminUserCreationForm):
    reason_for_change = reason_field()


@admin.register(User)
class TrialUserAdmin(UserAdmin):
    """Accounts are deactivated, never deleted, and keep their user name for good: it names the
    person on every record they made. Every change is in the access and accounts audit."""

    inlines = [SiteMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    form = AccountChangeForm
    change_password_form = PasswordSetForm
    change_user_password_template = "admin/accounts/change_password.html"
    add_form = AccountCreationForm
    # The reason first: next to the form's error message, not below the permissions box.
    fieldsets = [(_("Reason for change"), {"fields": [REASON_FIELD]}), *UserAdmin.fieldsets]
    add_fieldsets = [(_("Reason for change"), {"fields": [REASON_FIELD]}), *UserAdmin.add_fieldsets]

    def get_readonly_fields(self, request, obj=None):
        return ["username", "last_login", "date_joined"] if obj else []

    def changeform_view(self, request, *args, **kwargs):
        with acting(request):
            return super().changeform_view(request, *args, **kwargs)

    def user_change_password(self, request, *args, **kwargs):
        with acting(request):
            return super().user_change_password(request, *args, **kwargs)


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The data manager's "Access and accounts" audit: the accounts of their sites."""

    list_display = ["at", "username", "printed_name", "action", "old", "new", "actor_username", "reason"]
    list_filter = ["action", "at"]
    date_hierarchy = "at"
    search_fields = ["username", "printed_name", "actor_username"]

    def get_queryset(self, request):
        events = super().get_queryset(request)
        if request.user.is_superuser:
            return events
        members = User.objects.filter(memberships__site__in=sites_visible_to(request.user)).values("username")
        return events.filter(username__in=members)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAttemptAdmin(AccessAttemptAdmin):
    """django-axes' failed-login records. Its "Clean up expired attempts" reads a time axes sets
    only on login requests (a 500 from the admin): it is given the time of this request."""

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)

    def changelist_view(self, request, *args, **kwargs):
        with acting(request):  # deleting a locking record unlocks the account: audited
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with acting(request):
            return super().delete_view(request, *args, **kwargs)
