from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import may_act
from crf.patients import get_patient_or_404, one_to_one
from esotrial import protocol

from . import strata
from .models import Allocation, AllocationSlot, Arm
from .services import RandomizationRefused, allocate, check_can_randomize


@require_http_methods(["GET", "POST"])
def randomize(request, screening_number):
    """Confirm the stratification values, then allocate (one POST gives one allocation)."""
    patient = get_patient_or_404(request, screening_number)
    if not may_act(request.user, "randomization.randomize_patient"):
        raise PermissionDenied
    if one_to_one(patient, "allocation"):
        return redirect("randomization:confirmation", patient.screening_number)
    reasons = check_can_randomize(patient, patient.status)
    levels = None if reasons else strata.factors(patient)
    if request.method == "POST" and not reasons:
        try:
            allocate(patient, request.user, status=patient.status, confirmed_stratum=request.POST.get("stratum"))
        except RandomizationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            return redirect("randomization:confirmation", patient.screening_number)
    context = {
        "patient": patient,
        "reasons": reasons,
        "levels": strata.describe(levels) if levels else [],
        "stratum": strata.stratum_key(levels) if levels else "",
        "protocol": protocol,
    }
    return render(request, "randomization/randomize.html", context)


def confirmation(request, screening_number):
    """The printable record of an allocation, for the site file."""
    patient = get_patient_or_404(request, screening_number)
    allocation = one_to_one(patient, "allocation")
    if allocation is None or not request.user.has_perm("randomization.view_allocation"):
        raise PermissionDenied
    levels = strata.parse_stratum_key(allocation.stratum)
    return render(
        request,
        "randomization/confirmation.html",
        {"patient": patient, "allocation": allocation, "levels": strata.describe(levels)},
    )


def report(request):
    """Allocations by arm, stratum and site with the observed ratio (counts only, no future slot)."""
    if not request.user.has_perm("randomization.view_randomization_report"):
        raise PermissionDenied
    allocations = Allocation.objects.visible_to(request.user)
    by_arm = Counter(dict(allocations.values_list("arm").annotate(n=Count("pk"))))
    rows = []
    for group in ("stratum", "patient__site__code"):
        table = {}
        for key, arm, n in allocations.values_list(group, "arm").annotate(n=Count("pk")).order_by(group):
            table.setdefault(key, Counter())[arm] = n
        rows.append((group, sorted(table.items())))
    remaining = None
    if request.user.has_perm("randomization.view_allocationslot"):
        # Free slots per stratum: for the Randomization manager only (it is about the list).
        used = Allocation.objects.filter(slot__isnull=False).values("slot")
        remaining = (
            AllocationSlot.objects.exclude(pk__in=used).values("stratum").annotate(n=Count("pk")).order_by("stratum")
        )
    context = {
        "by_arm": by_arm,
        "total": sum(by_arm.values()),
        "ratio": f"{by_arm['combined'] / by_arm['systemic']:.2f} : 1" if by_arm["systemic"] else "—",
        "by_stratum": rows[0][1],
        "by_site": rows[1][1],
        "remaining": remaining,
        "arms": Arm,
    }
    return render(request, "randomization/report.html", context)
