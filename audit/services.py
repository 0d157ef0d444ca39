"""The two ways a clinical row changes after it is first saved: an edit with a reason, a void."""

from django.db import transaction
from django.utils import timezone


def save_with_reason(instance, by, reason=""):
    """Save `instance` and stamp its history row with the author and the reason for change.

    The first save of a row needs no reason; callers (forms) require one for every later edit.
    """
    instance._history_user = by
    instance._change_reason = reason
    instance.save()
    return instance


@transaction.atomic
def void(instance, reason, by):
    """Withdraw a clinical row from use without deleting it (GCP: data are never destroyed)."""
    if not reason or not reason.strip():
        raise ValueError("A reason is required to void a record.")
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if locked.voided:
        return locked
    locked.voided = True
    locked.voided_on = timezone.now()
    locked.voided_by = by
    locked.void_reason = reason.strip()
    # Stored in the audit trail (and read back by the audit trail page): never translated.
    return save_with_reason(locked, by, f"Voided: {reason.strip()}")
