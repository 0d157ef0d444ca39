from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import TrialSite
from accounts.scoping import sites_visible_to
from audit.services import save_with_reason
from crf import derived, schedule
from crf.models import Patient
from crf.patients import get_patient_or_404, with_course_data, with_status
from esotrial.lists import query_string_without
from esotrial.redirects import redirect_back

from .models import MissedVisit

# Where each kind of visit is entered.
FORM_FOR_KIND = {
    "cycle": "cycles",
    "local_intervention": "interventions",
    "assessment": "assessments",
    "follow_up": "follow-ups",
}
WEEK = timedelta(days=derived.UPCOMING_DAYS)
PATIENTS_PER_PAGE = 25


def due_visits(request):
    """The user's sites: overdue visits, visits due now, and those planned within the week (or up to a date)."""
    if not request.user.has_perm("crf.view_patient"):
        raise PermissionDenied
    today = timezone.localdate()
    filters = DueVisitFilterForm(request.GET or None, user=request.user)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    until = wanted.get("until") or today + WEEK
    # Patients are picked by their stored visit dates (crf.derived); the plan is derived for the page only.
    patients = (
        Patient.objects.visible_to(request.user)
        .filter(allocation__isnull=False)
        .filter(derived.due_q(today, until))
        .order_by("derived__open_visits_planned", "screening_number")
    )
    if wanted.get("site"):
        patients = patients.filter(site=wanted["site"])
    page = Paginator(with_course_data(patients), PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for patient in with_status(list(page.object_list), today):
        for visit in patient.plan:
            if schedule.to_act_on(visit, until):
                url = reverse("crf:record_add", args=[patient.screening_number, FORM_FOR_KIND[visit.kind]])
                rows.append((patient, visit, url))
    order = {schedule.OVERDUE: 0, schedule.DUE: 1, schedule.UPCOMING: 2}
    rows.sort(key=lambda row: (order[row[1].state], row[1].window.planned, row[0].screening_number))
    context = {
        "rows": rows,
        "today": today,
        "until": until,
        "page": page,
        "filters": filters,
        "query_string": query_string_without(request, "page"),
    }
    return render(request, "visits/due_visits.html", context)


class DueVisitFilterForm(forms.Form):
    site = forms.ModelChoiceField(queryset=TrialSite.objects.none(), required=False, empty_label=_("All your sites"))
    until = forms.DateField(
        required=False, label=_("Planned up to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user).order_by("code")
        # Listed once: the template's loop over a ModelChoiceField's choices would query twice.
        self.fields["site"].choices = list(self.fields["site"].choices)


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
