from accounts.roles import may_act

from . import signing
from .models import AdverseEvent


def ae_to_sign(request):
    """The count on the "AEs to sign" nav item, computed only for users who sign."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not may_act(user, "safety.sign_adverseevent"):
        return {}
    return {"aes_to_sign": lambda: signing.awaiting_review(AdverseEvent.objects.visible_to(user)).count()}
