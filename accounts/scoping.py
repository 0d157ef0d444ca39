"""The one visibility rule of the eCRF.

A user sees the data of the sites they are a member of; a superuser sees every site; nobody
else sees anything. Every patient-owned queryset (`Patient.objects.visible_to(user)` and the
like), admin changelist, form choice and export is built on `sites_visible_to`. A forgotten
filter is the classic EDC data leak, so there is no second rule to forget.
"""

from .models import TrialSite


def sites_visible_to(user):
    if not user.is_authenticated or not user.is_active:
        return TrialSite.objects.none()
    if user.is_superuser:
        return TrialSite.objects.all()
    return TrialSite.objects.filter(memberships__user=user)


def sites_where_user_registers(user):
    """Sites at which the user may register new patients: their own, still recruiting."""
    return sites_visible_to(user).filter(active=True)
