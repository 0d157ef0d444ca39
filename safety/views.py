from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.models import TrialSite
from accounts.roles import may_act
from accounts.scoping import sites_visible_to
from audit.forms import VoidForm
from crf import local_control
from crf.forms import DateInput
from crf.models import Patient
from crf.patients import get_patient_or_404
from esotrial import protocol
from esotrial.lists import query_string_without

from . import reporting, signing
from .forms import AdverseEventForm, SignatureForm
from .models import AdverseEvent, CtcaeTerm, SaeReport, SigningAttempt
from .services import save_adverse_event, void_adverse_event

SUGGESTIONS = 15
LIST_PAGE = 25


def require_perm(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def term_search(request):
    """Terms whose name or organ class contains the typed text, with their grade definitions."""
    query = request.GET.get("q", "").strip()
    terms = CtcaeTerm.objects.filter(version=protocol.CTCAE_VERSION.value)
    if len(query) >= 2 and "\x00" not in query:  # PostgreSQL text cannot hold NUL: no term has one
        terms = terms.filter(Q(term__icontains=query) | Q(soc__icontains=query) | Q(term_zh__icontains=query))
    else:
        terms = terms.none()
    results = [
        {
            "label": f"{t.term} ({t.soc})",
            "term": t.term,
            "grades": {n: t.grade_text(n) for n in range(1, 6) if t.grade_text(n)},
            "definition": t.definition,
            # A sponsor's Chinese CTCAE, shown beside the English when loaded.
            "term_zh": t.term_zh,
            "grades_zh": {n: t.grade_text_zh(n) for n in range(1, 6) if t.grade_text_zh(n)},
            "translation": t.zh_translation,
        }
        for t in terms.order_by("term")[:SUGGESTIONS]
    ]
    return JsonResponse({"results": results})


def patient_ae(request, screening_number, pk):
    patient = get_patient_or_404(request, screening_number)
    ae = get_object_or_404(AdverseEvent.objects.filter(patient=patient, voided=False).select_related("term"), pk=pk)
    ae.patient = patient  # as loaded for the page header (status, due visits): not loaded twice
    return ae


@require_http_methods(["GET", "POST"])
def ae_edit(request, screening_number, pk=None):
    ae = patient_ae(request, screening_number, pk) if pk else None
    patient = ae.patient if ae else get_patient_or_404(request, screening_number)
    require_perm(request, "safety.change_adverseevent" if ae else "safety.add_adverseevent")
    if request.method == "POST":
        Patient.objects.select_for_update().get(pk=patient.pk)  # one writer per patient
    form = AdverseEventForm(request.POST or None, instance=ae, patient=patient)
    if form.is_valid():
        if ae and not form.changed_fields:
            messages.info(request, gettext("Nothing was changed."))
            return redirect("safety:ae_detail", patient.screening_number, ae.pk)
        was_signed = ae is not None and signing.current_signature(ae) is not None
        ae = save_adverse_event(form, request.user)
        if was_signed:
            messages.success(request, gettext("Adverse event saved. Its signature was voided: it awaits review again."))
        else:
            messages.success(request, gettext("Adverse event saved."))
        return redirect("safety:ae_detail", patient.screening_number, ae.pk)
    return render(request, "safety/ae_form.html", {"form": form, "patient": patient, "ae": ae})


@require_http_methods(["GET", "POST"])
def ae_void(request, screening_number, pk):
    """An AE entered in error leaves the queues and summaries; it stays in the history and exports."""
    ae = patient_ae(request, screening_number, pk)
    patient = ae.patient
    require_perm(request, "safety.change_adverseevent")
    form = VoidForm(request.POST or None)
    if form.is_valid():
        void_adverse_event(ae, form.cleaned_data["reason"], request.user)
        messages.success(
            request,
            gettext("%(term)s (onset %(date)s) voided; kept in the audit trail.")
            % {"term": ae.term.term, "date": f"{ae.onset_date:%Y-%m-%d}"},
        )
        return redirect("crf:patient_detail", patient.screening_number)
    return render(
        request,
        "crf/record_void.html",
        {"form": form, "patient": patient, "record": ae, "title": gettext("Adverse event")},
    )


@require_http_methods(["GET", "POST"])
def ae_detail(request, screening_number, pk):
    """The AE read-only, its signatures and SAE report, and the signing form for investigators."""
    ae = patient_ae(request, screening_number, pk)
    patient = ae.patient
    require_perm(request, "safety.view_adverseevent")
    signatures = list(ae.signatures.select_related("signer"))
    current = signing.current_signature(ae, signatures)
    form = None
    if signing.can_sign(request.user, ae) and current is None:
        first_in_session = not request.session.get(SIGNED_IN_SESSION)
        form = SignatureForm(request.POST or None, user=request.user, first_in_session=first_in_session)
        if form.is_bound and not form.is_valid() and "username" in form.errors:
            SigningAttempt.objects.create(adverse_event=ae, user=request.user, succeeded=False)
        if form.is_valid():
            try:
                signing.sign(
                    ae, request.user, form.cleaned_data["password"], form.cleaned_data["meaning"], request=request
                )
            except signing.SigningRefused as refusal:
                form.add_error(refusal.field, str(refusal))
            else:
                # Later signings of this session (it ends at logout or idle timeout) ask the password only.
                request.session[SIGNED_IN_SESSION] = True
                messages.success(request, gettext("Adverse event signed."))
                return redirect("safety:ae_detail", patient.screening_number, ae.pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "patient": patient,
        "ae": ae,
        "signatures": [(signature, signature.status(current)) for signature in signatures],
        "current": current,
        "form": form,
        "sae": SaeReport.objects.filter(adverse_event=ae).first(),
    }
    return render(request, "safety/ae_detail.html", context)


SIGNED_IN_SESSION = "signed_in_session"


def ae_to_sign(request):
    """Investigators' queue: unsigned AEs of their sites, oldest first, a page at a time."""
    if not may_act(request.user, "safety.sign_adverseevent"):
        raise PermissionDenied
    filters = SafetyListFilterForm(request.GET or None, user=request.user)
    unsigned = filters.apply(signing.awaiting_review(AdverseEvent.objects.visible_to(request.user)))
    unsigned = unsigned.select_related("term", "patient__site", "sae_report")
    context = {
        "page": Paginator(unsigned, LIST_PAGE).get_page(request.GET.get("page")),
        "filters": filters,
        "query_string": query_string_without(request, "page"),
        "overdue_sae": overdue_sae_reports(request.user),
    }
    return render(request, "safety/ae_to_sign.html", context)


class SafetyListFilterForm(forms.Form):
    """Site and onset-date filters of the safety lists (AEs to sign, the summary's listings)."""

    site = forms.ModelChoiceField(queryset=TrialSite.objects.none(), required=False, empty_label=_("All your sites"))
    onset_from = forms.DateField(required=False, label=_("Onset from"), widget=DateInput())
    onset_to = forms.DateField(required=False, label=_("Onset to"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visible_to(user).order_by("code")
        # Listed once: the template's loop over a ModelChoiceField's choices would query twice.
        self.fields["site"].choices = list(self.fields["site"].choices)

    def apply(self, adverse_events, prefix=""):
        """`adverse_events` (or rows reaching them by `prefix`, e.g. "adverse_event__") as filtered."""
        wanted = self.cleaned_data if self.is_valid() else {}
        lookups = {
            f"{prefix}patient__site": wanted.get("site"),
            f"{prefix}onset_date__gte": wanted.get("onset_from"),
            f"{prefix}onset_date__lte": wanted.get("onset_to"),
        }
        return adverse_events.filter(**{lookup: value for lookup, value in lookups.items() if value})


def safety_summary(request):
    """Trial-level counts by arm for data managers and monitors; one query per table, listings paged.

    The site filter applies to the whole page, the onset dates to the adverse events counted and listed.
    """
    require_perm(request, "safety.view_adverseevent")
    filters = SafetyListFilterForm(request.GET or None, user=request.user)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    patients = Patient.objects.visible_to(request.user).filter(allocation__isnull=False)
    if wanted.get("site"):
        patients = patients.filter(site=wanted["site"])
    live = filters.apply(AdverseEvent.objects.filter(voided=False, patient=OuterRef("pk")))
    counts = (
        patients.values("allocation__arm")
        .annotate(
            randomized=Count("pk", distinct=True),
            any_ae=Count("pk", filter=Q(Exists(live)), distinct=True),
            grade3=Count("pk", filter=Q(Exists(live.filter(grade__gte=3))), distinct=True),
            sae=Count("pk", filter=Q(Exists(live.filter(serious=True))), distinct=True),
            irae=Count("pk", filter=Q(Exists(live.filter(immune_related=True))), distinct=True),
            treatment_related=Count("pk", filter=Q(Exists(live.filter(reporting.SUSPECTED_REACTION_Q))), distinct=True),
            susar=Count("pk", filter=Q(Exists(live.filter(reporting.SUSAR_Q))), distinct=True),
        )
        .order_by("allocation__arm")
    )
    # Patients by term and worst grade, counted in the database: each patient's worst grade per term,
    # then patients per term and grade (one row per term and grade comes back, whatever the trial size).
    events = filters.apply(AdverseEvent.objects.filter(voided=False, patient__in=patients))
    per_patient = events.values(term_name=F("term__term"), who=F("patient")).annotate(worst=Max("grade")).order_by()
    sql, params = per_patient.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term_name, worst, COUNT(*) FROM ({sql}) per_patient GROUP BY term_name, worst",
            params,
        )
        worst = cursor.fetchall()
    table = {}
    for term, grade, patients_with in worst:
        table.setdefault(term, [0] * 5)[grade - 1] = patients_with
    terms = sorted(table.items(), key=lambda item: (-sum(item[1]), item[0]))
    visible = filters.apply(AdverseEvent.objects.visible_to(request.user)).select_related("patient", "term")
    # Pooled over arms (efficacy by arm is for the DSMB's closed session): at most ~4 lesions a patient.
    treated = list(local_control.treated_lesions(patients))
    susars = visible.filter(reporting.SUSAR_Q).order_by("-onset_date", "-pk")
    late_sae = (
        SaeReport.objects.filter(reporting.entered_late_q(), adverse_event__in=visible)
        .select_related("adverse_event__patient", "adverse_event__term")
        .order_by("-opened_at", "-pk")
    )
    context = {
        "local_control": {
            "lesions": len(treated),
            "progressions": sum(lesion.outcome.event for lesion in treated),
            "rate": local_control.rate_at(treated),
            "months": protocol.LOCAL_CONTROL_RATE_MONTHS.value,
        },
        "filters": filters,
        "counts": counts,
        "terms": terms,
        "overdue_sae": overdue_sae_reports(request.user),
        "susars": Paginator(susars, LIST_PAGE).get_page(request.GET.get("susars_page")),
        "susars_query": query_string_without(request, "susars_page"),
        "late_sae": Paginator(late_sae, LIST_PAGE).get_page(request.GET.get("late_page")),
        "late_query": query_string_without(request, "late_page"),
    }
    return render(request, "safety/summary.html", context)


def overdue_sae_reports(user):
    """Unsent SAE reports past their deadline, oldest first (few: each is an alarm until sent)."""
    return (
        SaeReport.objects.filter(reporting.overdue_q(timezone.now()))
        .filter(adverse_event__in=AdverseEvent.objects.visible_to(user))
        .select_related("adverse_event__patient", "adverse_event__term")
        .order_by("aware_at")
    )
