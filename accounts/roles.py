"""The four trial roles, declared as code (Django groups with their model permissions).

A role says *what* a user may do; the sites in the user's memberships say *where*
(accounts.scoping). Patterns are `app_label.codename` with shell wildcards; history tables are
never granted directly (they are read through the patient's history page and the admin).
"""

from fnmatch import fnmatch

from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_lazy as _

RESEARCH_NURSE = "Research nurse"
INVESTIGATOR = "Investigator"
MONITOR = "Monitor"
DATA_MANAGER = "Data manager"
RANDOMIZATION_MANAGER = "Randomization manager"

# The names above are the groups' names, stored (and recorded in the account audit): never translated.
# What the pages show is the label.
ROLE_LABELS = {
    RESEARCH_NURSE: _("Research nurse"),
    INVESTIGATOR: _("Investigator"),
    MONITOR: _("Monitor"),
    DATA_MANAGER: _("Data manager"),
    RANDOMIZATION_MANAGER: _("Randomization manager"),
}

# Nobody below gets delete_*: clinical rows are voided, never deleted (audit.services.void).
_ENTER_CLINICAL_DATA = [
    "crf.view_*",
    "!crf.view_audit_trail",  # the audit trail across patients is the monitors' and data managers' review
    "crf.add_*",
    "crf.change_*",
    "safety.view_*",
    # Signatures, SAE reports and the CTCAE catalogue are written by the services, not by hand.
    "safety.add_adverseevent",
    "safety.change_adverseevent",
    "visits.view_missedvisit",
    "visits.add_missedvisit",
    "visits.change_missedvisit",
    "visits.view_reminderlog",
]
_READ_CLINICAL_DATA = [
    "crf.view_*",
    "safety.view_*",
    "visits.view_missedvisit",
    "visits.view_reminderlog",
]
# The trial is open label: everyone who reads a patient may read its arm. (The allocation list
# itself, with future slots, is a separate model for the Randomization manager only.)
_READ_ALLOCATION = ["randomization.view_allocation"]

ROLE_PERMISSIONS = {
    RESEARCH_NURSE: _ENTER_CLINICAL_DATA + _READ_ALLOCATION,
    INVESTIGATOR: _ENTER_CLINICAL_DATA
    + _READ_ALLOCATION
    + ["crf.confirm_eligibility", "randomization.randomize_patient", "safety.sign_adverseevent"],
    MONITOR: _READ_CLINICAL_DATA + _READ_ALLOCATION,
    DATA_MANAGER: _READ_CLINICAL_DATA
    + _READ_ALLOCATION
    + ["accounts.view_trialsite", "accounts.view_sitemembership", "randomization.view_randomization_report"]
    + ["accounts.view_accountevent"]
    + ["exports.view_exportrun", "exports.export_trial_dataset"],
    # The only role that sees the list and its future slots (concealment, ICH E9). A superuser
    # grants it to the trial statistician, with membership of every site.
    RANDOMIZATION_MANAGER: [
        "randomization.view_allocation",
        "randomization.view_allocationslot",
        "randomization.view_randomizationlist",
        "randomization.view_randomization_report",
        "randomization.change_allocation",
    ],
}

ROLES = tuple(ROLE_PERMISSIONS)


def grants(patterns, app_label, codename):
    """Whether the patterns grant the permission; a pattern starting with "!" takes one away."""
    if "_historical" in codename:
        return False
    name = f"{app_label}.{codename}"
    if any(fnmatch(name, pattern[1:]) for pattern in patterns if pattern.startswith("!")):
        return False
    return any(fnmatch(name, pattern) for pattern in patterns if not pattern.startswith("!"))


def _create_all_permissions(apps):
    # Django creates model permissions app by app in post_migrate, so while one app's handler
    # runs, later apps' permissions may not exist yet; create them all first.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True  # migration-state app configs carry None here
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module


def sync_roles(apps):
    """Make each role's group hold exactly the permissions declared above. Idempotent."""
    _create_all_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([p for p in permissions if grants(patterns, p.content_type.app_label, p.codename)])


def sync_roles_after_migrate(sender, apps=None, **kwargs):
    # `flush` (test teardown) sends post_migrate without `apps`: use the live registry then.
    from django.apps import apps as live_apps

    sync_roles(apps or live_apps)


# Acts of a clinical role, never of IT administration: a superuser without the Investigator role
# cannot confirm eligibility, randomize or sign (Part 11 §11.10(g): authority checks by role).
CLINICAL_ACTS = {  # the permission, and its name in templates ({% if acts.sign %})
    "crf.confirm_eligibility": "confirm",
    "randomization.randomize_patient": "randomize",
    "safety.sign_adverseevent": "sign",
}


def clinical_acts(user):
    """The clinical acts `user` holds through a trial role (one query, remembered on the user)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_clinical_acts"):
        if not user.is_superuser:  # the permissions Django already read for this request
            user._clinical_acts = frozenset(user.get_all_permissions() & set(CLINICAL_ACTS))
        else:  # Django grants a superuser everything: ask what its roles (groups) and own grants hold
            from django.contrib.auth.models import Permission
            from django.db.models import Q

            codenames = {act.split(".")[1] for act in CLINICAL_ACTS}
            held = (
                Permission.objects.filter(Q(group__user=user) | Q(user=user), codename__in=codenames)
                .values_list("content_type__app_label", "codename")
                .distinct()
            )
            user._clinical_acts = frozenset(f"{app}.{codename}" for app, codename in held) & set(CLINICAL_ACTS)
    return user._clinical_acts


def may_act(user, act):
    """`user.has_perm` for a clinical act, except that being a superuser grants nothing."""
    return act in clinical_acts(user)
