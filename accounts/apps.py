from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Sites and users")

    def ready(self):
        from . import audit, language, roles  # noqa: F401 - audit and language connect their receivers

        # Permissions of models added by later migrations exist only after Django's own
        # post_migrate handler; re-syncing here keeps the groups equal to roles.py.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
