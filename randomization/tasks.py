from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from accounts import roles

from .models import Allocation


@shared_task
def notify_randomization(allocation_id):
    """E-mail the site's investigators and nurses that a patient was randomized."""
    allocation = Allocation.objects.select_related("patient__site", "randomized_by").get(pk=allocation_id)
    site = allocation.patient.site
    recipients = list(
        get_user_model()
        .objects.filter(
            memberships__site=site,
            groups__name__in=[roles.INVESTIGATOR, roles.RESEARCH_NURSE],
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    who = allocation.randomized_by.get_username() if allocation.randomized_by else "the system"
    send_mail(
        f"[ESO-Shanghai20] {allocation.patient} randomized: {allocation.number}",
        f"Patient {allocation.patient} at {site} was randomized on {allocation.randomized_on:%Y-%m-%d} by {who}.\n"
        f"Randomization number: {allocation.number}\nArm: {allocation.get_arm_display()}\n"
        f"PI: {site.principal_investigator}\n",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return len(recipients)


@shared_task
def alert_list_exhausted(stratum):
    """Tell the Randomization managers that a stratum has run out of slots (never a fallback)."""
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=roles.RANDOMIZATION_MANAGER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        send_mail(
            "[ESO-Shanghai20] Randomization list exhausted",
            f"A randomization was refused: stratum {stratum} has no free slot. Extend the list.",
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    return len(recipients)
