"""Randomizing a patient: the one place an allocation is made (ICH E9; PROTOCOL.md, Design)."""

import hashlib
import secrets
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from crf.models import Patient
from crf.status import Status
from esotrial import protocol
from esotrial.celery import enqueue

from . import blocks, strata
from .models import Allocation, AllocationSlot, RandomizationList
from .tasks import alert_list_exhausted, notify_randomization


class RandomizationRefused(Exception):
    """The patient cannot be randomized now; the message says why, for the user (in the user's
    language, except the refusals of generate_list, which only a management command shows)."""


class ListExhausted(RandomizationRefused):
    pass


def check_can_randomize(patient, status):
    """Reasons, in words, why this patient cannot be randomized (empty when it can)."""
    if hasattr(patient, "allocation"):
        return [
            gettext("%(patient)s is already randomized (%(number)s).")
            % {"patient": patient, "number": patient.allocation.number}
        ]
    reasons = []
    if not patient.consent_date:
        reasons.append(gettext("No date of informed consent is recorded."))
    if status != Status.ELIGIBLE:
        reasons.append(
            gettext(
                "%(patient)s is not confirmed eligible (status: %(status)s). An investigator must confirm "
                "eligibility with every criterion met."
            )
            % {"patient": patient, "status": status.label}
        )
    try:
        strata.factors(patient)
    except ValueError as exc:
        reasons.append(str(exc))
    return reasons


@transaction.atomic
def allocate(patient, by, *, status, confirmed_stratum=None, randomized_on=None):
    """Allocate `patient` and return its Allocation.

    All allocations queue on one row lock (the active list), so two users never take the same
    slot and none is skipped; the patient row is locked too, so a double click or a second tab
    gets the allocation the first one made. `confirmed_stratum` is what the user saw on the
    confirmation page: if the forms changed since, the allocation is refused.
    `randomized_on` is for loading the demo's historical patients only.
    """
    Patient.objects.select_for_update().get(pk=patient.pk)
    existing = Allocation.objects.filter(patient=patient).first()
    if existing:
        return existing
    reasons = check_can_randomize(patient, status)
    if reasons:
        raise RandomizationRefused(" ".join(reasons))
    levels = strata.factors(patient)
    key = strata.stratum_key(levels)
    if confirmed_stratum is not None and confirmed_stratum != key:
        raise RandomizationRefused(
            gettext("The stratification values changed since you confirmed them: check them again.")
        )

    method = protocol.RANDOMIZATION_METHOD.value
    active = RandomizationList.objects.select_for_update().order_by("-pk").first()
    if active is None:
        raise RandomizationRefused(
            gettext("No randomization list has been generated yet. Tell the Randomization manager.")
        )
    first = Allocation.objects.exclude(method="").values_list("method", flat=True).first()
    if first and first != method:
        raise RandomizationRefused(
            gettext("The randomization method was changed to '%(method)s' after allocations by '%(first)s' began.")
            % {"method": method, "first": first}
        )

    slot = None
    if method == "list":
        used = Allocation.objects.filter(slot__isnull=False).values("slot")
        slot = (
            AllocationSlot.objects.filter(randomization_list=active, stratum=key)
            .exclude(pk__in=used)
            .order_by("sequence")
            .first()
        )
        if slot is None:
            # Sent now, not on commit: the refusal rolls this transaction back.
            enqueue(alert_list_exhausted, key)
            raise ListExhausted(
                gettext(
                    "The randomization list has no free slot for this patient's stratum. Nothing was allocated; "
                    "the Randomization manager has been alerted."
                )
            )
        arm = slot.arm
    elif method == "minimisation":
        arm = blocks.minimisation_arm(minimisation_counts(), levels, secrets.SystemRandom())
    else:
        raise RandomizationRefused(
            gettext("Unknown randomization method '%(method)s' in the protocol configuration.") % {"method": method}
        )

    number = f"R{Allocation.objects.count() + 1:04d}"
    allocation = Allocation(
        patient=patient,
        number=number,
        arm=arm,
        method=method,
        stratum=key,
        slot=slot,
        randomized_on=randomized_on or timezone.localdate(),
        randomized_by=by,
    )
    allocation._history_user = by
    allocation.save()
    transaction.on_commit(lambda: enqueue(notify_randomization, allocation.pk))
    return allocation


def minimisation_counts():
    """counts[factor][level][arm] over every allocation so far (one query)."""
    counts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for stratum, arm in Allocation.objects.values_list("stratum", "arm"):
        for factor, level in strata.parse_stratum_key(stratum).items():
            counts[factor][level][arm] += 1
    return counts


def list_rows(seed, per_stratum, site_codes=()):
    """Every slot of a list: (stratum, sequence, block_number, block_size, arm), reproducible from the seed."""
    rows = []
    for key in strata.all_strata(site_codes):
        for sequence, (block, size, arm) in enumerate(blocks.permuted_blocks(seed, key, per_stratum), start=1):
            rows.append((key, sequence, block, size, arm))
    return rows


def list_file_text(rows):
    lines = ["stratum,sequence,block,block_size,arm"] + [",".join(map(str, row)) for row in rows]
    return "\n".join(lines) + "\n"


SEED_BITS = 128


def new_seed():
    """A list seed nobody can guess: 128 bits from the operating system's CSPRNG (`secrets`).

    The seed is the list's only secret. A short seed (a 6-digit number) was recovered by brute
    force from 12 allocations and the rest of the list predicted; 2**128 seeds cannot be searched."""
    return secrets.token_hex(SEED_BITS // 8)


@transaction.atomic
def generate_list(seed, per_stratum, created_by, *, replace=False):
    """Store a new permuted-block list and return (list, file text). Refuses to replace a list in use.

    `seed`: None for a new secret seed (new_seed); a statistician-supplied seed is used as given
    and stored, for reproducibility, where only the Randomization manager can read it."""
    seed = new_seed() if seed is None else seed
    from accounts.models import TrialSite

    current = RandomizationList.objects.select_for_update().order_by("-pk").first()
    if current is not None:
        if Allocation.objects.exists():
            raise RandomizationRefused(
                "A randomization list is in use (patients are allocated): it cannot be replaced."
            )
        if not replace:
            raise RandomizationRefused(
                "A randomization list exists. Pass --replace to replace it (no patient allocated yet)."
            )
        AllocationSlot.objects.filter(randomization_list=current).delete()
        current.delete()
    rows = list_rows(seed, per_stratum, TrialSite.objects.order_by("code").values_list("code", flat=True))
    text = list_file_text(rows)
    randomization_list = RandomizationList.objects.create(
        seed=seed,
        per_stratum=per_stratum,
        method=protocol.RANDOMIZATION_METHOD.value,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        created_by=created_by,
    )
    AllocationSlot.objects.bulk_create(
        AllocationSlot(
            randomization_list=randomization_list,
            stratum=key,
            sequence=sequence,
            block_number=block,
            block_size=size,
            arm=arm,
        )
        for key, sequence, block, size, arm in rows
    )
    return randomization_list, text
