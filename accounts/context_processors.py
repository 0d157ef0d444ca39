from django.conf import settings
from django.db.models import Value
from django.utils.translation import gettext

from .roles import CLINICAL_ACTS, ROLE_LABELS, ROLES, clinical_acts
from .scoping import sites_visible_to


def trial_user(request):
    """Role and site codes for the navigation bar: the user should always see who and where they are."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def describe():  # evaluated lazily, only by pages that show the nav; one query for roles and sites
        # Unordered on both sides: SQLite (`make run`) refuses an ORDER BY inside a UNION.
        groups = user.groups.values_list("name", Value("role")).order_by()
        rows = list(sites_visible_to(user).values_list("code", Value("site")).order_by().union(groups, all=True))
        names = {name for name, kind in rows if kind == "role"}
        roles = [str(ROLE_LABELS[role]) for role in ROLES if role in names]
        if user.is_superuser:
            roles.insert(0, gettext("Superuser"))
        return {"roles": roles, "sites": sorted(code for code, kind in rows if kind == "site")}

    return {
        "trial_user": describe,
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        # The clinical acts this user holds through a trial role ({% if acts.randomize %}), lazily.
        "acts": lambda: {CLINICAL_ACTS[act]: True for act in clinical_acts(user)},
    }
