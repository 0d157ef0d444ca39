from django import template

from .. import signing
from ..models import AdverseEvent

register = template.Library()


@register.inclusion_tag("safety/patient_adverse_events.html", takes_context=True)
def patient_adverse_events(context, patient):
    """The patient page's AE card: every live AE, its stored review state (the AE page verifies the
    signature's hash), and the worst grade (1 query)."""
    aes = list(
        signing.with_stored_state(AdverseEvent.objects.filter(patient=patient, voided=False))
        .select_related("term")
        .order_by("onset_date", "pk")
    )
    for ae in aes:
        ae.review_state = signing.SIGNED if ae.signed else signing.AWAITING_REVIEW
    return {
        "patient": patient,
        "aes": aes,
        "worst_grade": max((ae.grade for ae in aes), default=None),
        "perms": context.get("perms"),
    }
