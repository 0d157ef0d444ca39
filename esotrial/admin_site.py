"""The trial's admin site: every model admin registered on it, Django's and libraries' included,
answers a malformed action selection with a message instead of a 500."""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SafeActionsMixin:
    """The changelist filters on the posted `_selected_action` values as they come; a value that
    is not a key of the model (a tampered form) would raise inside the ORM."""

    def response_action(self, request, queryset):
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError:
            self.message_user(request, _("The selection is not valid; nothing was done."), messages.ERROR)
            return None  # the changelist redirects back to itself
        return super().response_action(request, queryset)


# Never deleted in the admin, superuser included (21 CFR Part 11 §11.10(e)): clinical, reference,
# signature, randomization, export-log and audit rows, accounts, roles and site memberships (an
# account is deactivated), and django-axes' logs of logins. A wrong clinical row is voided in the
# eCRF. Left deletable: axes' lockout counters (deleting them is how an account is unlocked).
NEVER_DELETED = {"crf", "safety", "randomization", "visits", "exports", "audit", "accounts", "auth"}
NEVER_DELETED_MODELS = {"axes.accesslog", "axes.accessfailurelog"}


def never_deleted(model):
    return model._meta.app_label in NEVER_DELETED or model._meta.label_lower in NEVER_DELETED_MODELS


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


class TrialAdminSite(admin.AdminSite):
    site_header = _("ESO-Shanghai20 eCRF administration")
    site_title = "ESO-Shanghai20 eCRF"

    def register(self, model_or_iterable, admin_class=None, **options):
        # Also the admins of django.contrib.auth and django-axes, which the project does not write.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SafeActionsMixin):
            admin_class = type(admin_class.__name__, (SafeActionsMixin, admin_class), {})
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models:
            chosen = admin_class
            if never_deleted(model) and not issubclass(chosen, NoDeleteMixin):
                chosen = type(admin_class.__name__, (NoDeleteMixin, admin_class), {})
            super().register(model, chosen, **options)


class TrialAdminConfig(AdminConfig):
    default_site = "esotrial.admin_site.TrialAdminSite"
