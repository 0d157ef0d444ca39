from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import save_with_reason
from crf import schedule
from crf.patients import get_patient_or_404, patients_visible_to, with_status
from esotrial.redirects import redirect_back

from .models import MissedVisit

# Where each kind of visit is entered.
FORM_FOR_KIND = {
    "cycle": "cycles",
    "local_intervention": "interventions",
    "assessment": "assessments",
    "follow_up": "follow-ups",
}
WEEK = timedelta(days=7)


def due_visits(request):
    """The user's sites: overdue visits, visits due now, and those due within the week."""
    if not request.user.has_perm("crf.view_patient"):
        raise PermissionDenied
    today = timezone.localdate()
    rows = []
    for patient in with_status(list(patients_visible_to(request.user).filter(allocation__isnull=False))):
        for visit in patient.plan:
            soon = visit.state == schedule.UPCOMING and visit.window.planned <= today + WEEK
            if visit.state in (schedule.OVERDUE, schedule.DUE) or soon:
                url = reverse("crf:record_add", args=[patient.screening_number, FORM_FOR_KIND[visit.kind]])
                rows.append((patient, visit, url))
    order = {schedule.OVERDUE: 0, schedule.DUE: 1, schedule.UPCOMING: 2}
    rows.sort(key=lambda row: (order[row[1].state], row[1].window.planned, row[0].screening_number))
    return render(request, "visits/due_visits.html", {"rows": rows, "today": today})


class MissedVisitForm(forms.Form):
    visit_key = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=300)


def mark_missed(request, screening_number):
    patient = get_patient_or_404(request, screening_number)  # first: another site's patient is a 404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("visits.add_missedvisit"):
        raise PermissionDenied
    form = MissedVisitForm(request.POST)
    open_keys = {v.key for v in patient.plan if v.state in (schedule.OVERDUE, schedule.DUE)}
    if form.is_valid() and form.cleaned_data["visit_key"] in open_keys:
        mark = MissedVisit(
            patient=patient, visit_key=form.cleaned_data["visit_key"], reason=form.cleaned_data["reason"]
        )
        save_with_reason(mark, request.user)
        visit = next(v for v in patient.plan if v.key == form.cleaned_data["visit_key"])
        messages.success(
            request, gettext("%(patient)s: %(visit)s marked missed.") % {"patient": patient, "visit": visit.what}
        )
    else:
        messages.error(request, gettext("Give a reason; only a due or overdue visit can be marked missed."))
    return redirect_back(request, "visits:due_visits")
