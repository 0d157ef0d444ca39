"""Investigator e-signature of adverse events (21 CFR Part 11 §11.50, §11.70, §11.200).

A signature is bound to the AE's values by a SHA-256 over a canonical JSON of every signed field:
if any of them changes, by any route, the hash no longer matches and the AE page shows it
"awaiting review" again. Edits through the eCRF also void the signature explicitly, with the
edit's reason; that stored state (a signature stands until voided) is what the lists and the
"AEs to sign" count read, and the nightly check voids any standing signature whose hash no
longer matches (its values changed outside the eCRF).
"""

import hashlib
import json

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.passwords import password_is_correct
from accounts.roles import may_act
from accounts.scoping import sites_visible_to
from audit.derived import derived_check
from audit.history import system_reason

from .models import AdverseEvent, Signature, SigningAttempt

AWAITING_REVIEW, SIGNED = "awaiting review", "signed"
UNSIGNED_FIELDS = {"id", "voided", "voided_on", "voided_by", "void_reason"}
CHANGED_OUTSIDE = system_reason(
    gettext_noop("The signed values were changed outside the eCRF: the signature no longer matches them")
)


class SigningRefused(Exception):
    """Why nothing was signed, for the signer (translated); `field` names the form field it concerns."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


HASH_VERSION = 2  # 1: the AE's fields only (signatures made before the CTCAE text was covered)


def signed_values(ae, version=HASH_VERSION):
    values = {
        field.attname: str(getattr(ae, field.attname))
        for field in AdverseEvent._meta.concrete_fields
        if field.name not in UNSIGNED_FIELDS
    }
    if version >= 2:
        # What the investigator read when signing: the term, its grade definition and the version.
        values.update(
            ctcae_version=ae.term.version, ctcae_term=ae.term.term, ctcae_grade_text=ae.term.grade_text(ae.grade)
        )
    return values


def values_hash(ae, version=HASH_VERSION):
    canonical = json.dumps(signed_values(ae, version), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_signature(ae, signatures=None):
    """The valid signature of `ae`, or None. `signatures` may be passed prefetched."""
    signatures = ae.signatures.all() if signatures is None else signatures
    digests = {}
    for signature in signatures:
        if signature.voided_at is not None:
            continue
        if signature.hash_version not in digests:
            digests[signature.hash_version] = values_hash(ae, signature.hash_version)
        if signature.values_hash == digests[signature.hash_version]:
            return signature
    return None


def review_state(ae, signatures=None):
    return SIGNED if current_signature(ae, signatures) else AWAITING_REVIEW


def can_sign(user, ae):
    return may_act(user, "safety.sign_adverseevent") and sites_visible_to(user).filter(pk=ae.patient.site_id).exists()


def sign(ae, user, password, meaning, request=None):
    """Sign `ae` as `user`, who re-enters the password. Every attempt is recorded.

    Wrong passwords count towards the login lockout (accounts.passwords); `request` is None only
    outside HTTP (the demo builder).
    """
    if not can_sign(user, ae):
        raise SigningRefused(_("Only an investigator of the patient's site can sign this adverse event."))
    printed_name = user.get_full_name().strip()
    if not printed_name:  # §11.50: the printed name of the signer is part of every signature
        raise SigningRefused(
            _("Your account has no printed name (first and last name): ask the data manager to enter it, then sign.")
        )
    if not password_is_correct(user, password, request):
        # Recorded outside the signing transaction, which a refusal would roll back.
        SigningAttempt.objects.create(adverse_event=ae, user=user, succeeded=False)
        raise SigningRefused(
            _("The password is not correct. Nothing was signed; the attempt is recorded."), field="password"
        )
    with transaction.atomic():
        ae = AdverseEvent.objects.select_for_update().get(pk=ae.pk)
        if current_signature(ae):
            raise SigningRefused(_("This adverse event is already signed."))
        for stale in ae.signatures.filter(voided_at__isnull=True):  # none matches the values signed now
            void_signature(stale, user, CHANGED_OUTSIDE)
        SigningAttempt.objects.create(adverse_event=ae, user=user, succeeded=True)
        signature = Signature(
            adverse_event=ae,
            signer=user,
            printed_name=printed_name,
            signed_at=timezone.now(),
            meaning=meaning,
            values_hash=values_hash(ae),
            hash_version=HASH_VERSION,
        )
        signature._history_user = user
        signature.save()
    return signature


def void_signatures(ae, by, reason):
    """An edit sends a signed AE back for review: its signatures are voided with the reason."""
    for signature in ae.signatures.filter(voided_at__isnull=True):
        void_signature(signature, by, f"Record edited: {reason}")


def void_signature(signature, by, reason):
    signature.voided_at, signature.void_reason = timezone.now(), reason
    signature._history_user = by
    signature._change_reason = reason
    signature.save()


def with_stored_state(adverse_events):
    """The AEs with `signed`: whether a signature stands (unvoided), the state lists read."""
    standing = Signature.objects.filter(adverse_event=OuterRef("pk"), voided_at__isnull=True)
    return adverse_events.annotate(signed=Exists(standing))


def awaiting_review(adverse_events):
    """The AEs of a queryset with no standing signature, oldest first, as one query."""
    return with_stored_state(adverse_events).filter(signed=False).order_by("onset_date", "pk")


@derived_check("signature state (safety.signing)")
def check_signatures(fix=False):
    """Standing signatures whose hash no longer matches their AE (changed outside the eCRF); fix voids them."""
    findings = []
    standing = Signature.objects.filter(voided_at__isnull=True).select_related("adverse_event__term").order_by("pk")
    for signature in standing.iterator(chunk_size=2000):
        if signature.values_hash != values_hash(signature.adverse_event, signature.hash_version):
            findings.append(f"adverse event {signature.adverse_event_id}: signature {signature.pk} no longer matches")
            if fix:
                void_signature(signature, None, CHANGED_OUTSIDE)
    return findings
