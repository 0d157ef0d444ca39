from django import template

from .. import signing
from ..models import AdverseEvent

register = template.Library()


@register.inclusion_tag("safety/patient_adverse_events.html", takes_context=True)
def patient_adverse_events(context, patient):
    """The patient page's AE card: every live AE, its review state, and the worst grade (2 queries)."""
    aes = list(
        AdverseEvent.objects.filter(patient=patient, voided=False)
        .select_related("term")
        .prefetch_related("signatures")
        .order_by("onset_date", "pk")
    )
    for ae in aes:
        ae.review_state = signing.review_state(ae, list(ae.signatures.all()))
    return {
        "patient": patient,
        "aes": aes,
        "worst_grade": max((ae.grade for ae in aes), default=None),
        "perms": context.get("perms"),
    }
