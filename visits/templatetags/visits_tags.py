from django import template

from ..models import ReminderLog

register = template.Library()


@register.inclusion_tag("visits/patient_reminders.html")
def patient_reminders(patient):
    """The reminders sent about this patient, newest first (one query)."""
    return {"reminders": ReminderLog.objects.filter(patient=patient).select_related("recipient")[:20]}
