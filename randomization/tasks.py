from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.language import emails_by_language

from .models import Allocation


@shared_task
def notify_randomization(allocation_id):
    """E-mail the site's investigators and nurses that a patient was randomized."""
    allocation = Allocation.objects.select_related("patient__site", "randomized_by").get(pk=allocation_id)
    site = allocation.patient.site
    recipients = (
        get_user_model()
        .objects.filter(
            memberships__site=site,
            groups__name__in=[roles.INVESTIGATOR, roles.RESEARCH_NURSE],
            is_active=True,
        )
        .exclude(email="")
        .distinct()
    )
    messages = []
    for language, emails in emails_by_language(recipients, site).items():
        with translation.override(language):
            who = allocation.randomized_by.get_username() if allocation.randomized_by else _("the system")
            values = {
                "patient": allocation.patient.screening_number,
                "site": str(site),
                "date": f"{allocation.randomized_on:%Y-%m-%d}",
                "who": who,
                "number": allocation.number,
                "arm": allocation.get_arm_display(),
                "pi": site.principal_investigator,
            }
            body = render_to_string("randomization/email/randomized.txt", values)
            subject = _("[ESO-Shanghai20] %(patient)s randomized: %(number)s") % values
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, emails))
    get_connection().send_messages(messages)
    return sum(len(message.to) for message in messages)


@shared_task
def alert_list_exhausted(stratum):
    """Tell the Randomization managers that a stratum has run out of slots (never a fallback)."""
    managers = get_user_model().objects.filter(groups__name=roles.RANDOMIZATION_MANAGER, is_active=True)
    messages = []
    for language, emails in emails_by_language(managers).items():
        with translation.override(language):
            subject = _("[ESO-Shanghai20] Randomization list exhausted")
            body = _("A randomization was refused: stratum %(stratum)s has no free slot. Extend the list.") % {
                "stratum": stratum
            }
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, emails))
    get_connection().send_messages(messages)
    return sum(len(message.to) for message in messages)
