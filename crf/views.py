from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField, F, Q, Value, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.scoping import sites_visible_to
from audit import history
from audit.forms import VoidForm
from audit.history import ACTION_LABELS, shown_reason
from audit.services import save_with_reason, void
from esotrial import protocol
from esotrial.lists import query_string_without
from esotrial.redirects import redirect_back
from randomization.models import Arm

from . import recist, schedule
from .forms import (
    BaselineForm,
    EligibilityForm,
    EndOfTreatmentForm,
    FollowUpForm,
    LesionFormSet,
    LesionTableForm,
    LocalInterventionForm,
    NewAnticancerTherapyForm,
    OffStudyForm,
    PatientForm,
    TreatmentCycleForm,
    TumourAssessmentForm,
    baseline_sum,
    recist_assessment,
    split_lesions,
)
from .models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from .patients import get_patient_or_404, one_to_one
from .registration import register_patient
from .services import VoidRefused, save_eligibility, save_lesions, save_record, void_patient
from .status import Status

PATIENTS_PER_PAGE = 25


def require_perm(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def patient_list(request):
    require_perm(request, "crf.view_patient")
    filters = PatientFilterForm(request.GET or None)
    filters.is_valid()
    wanted = filters.cleaned_data if filters.is_bound else {}
    # Status and next visit come stored (crf.derived): the page costs the same at any trial size.
    patients = Patient.objects.visible_to(request.user).select_related("site", "allocation", "derived")
    if wanted.get("q"):
        patients = patients.filter(screening_number__icontains=wanted["q"])
    if wanted.get("arm"):
        patients = patients.filter(allocation__arm=wanted["arm"])
    if wanted.get("status"):
        patients = patients.filter(derived__status=wanted["status"])
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "query_string": query_string_without(request, "page")}
    return render(request, "crf/patient_list.html", context)


class PatientFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Screening number"))
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *Status.choices])
    arm = forms.ChoiceField(
        required=False, choices=[("", _("Any arm")), (Arm.COMBINED, _("Combined")), (Arm.SYSTEMIC, _("Systemic"))]
    )


@require_http_methods(["GET", "POST"])
def patient_register(request):
    require_perm(request, "crf.add_patient")
    form = PatientForm(request.POST or None, user=request.user)
    if form.is_valid():
        patient = register_patient(form.save(commit=False), by=request.user)
        messages.success(request, _("Patient %(patient)s registered.") % {"patient": patient.screening_number})
        return redirect("crf:patient_detail", patient.screening_number)
    return render(request, "crf/patient_form.html", {"form": form})


def patient_detail(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    allocation = one_to_one(patient, "allocation")
    lesions = patient.live_lesions
    cycles = schedule.cycle_rows(patient.live_cycles)
    eligibility, baseline = one_to_one(patient, "eligibility"), one_to_one(patient, "baseline")
    context = {
        "form_states": form_states(patient, eligibility, baseline),
        "patient": patient,
        "tab": "overview",
        "eligibility": eligibility,
        "assessment": patient.eligibility_assessment,
        "baseline": baseline,
        "allocation": allocation,
        "lesions": lesions,
        "untreated_lesions": [lesion.label for lesion in lesions if not lesion.live_interventions],
        "cycles": cycles,
        "deviations": [row for row in cycles if row.deviation_days],
        "assessments": assessment_rows(patient, lesions),
        "follow_ups": patient.live_follow_ups,
        "death": next((f for f in patient.live_follow_ups if f.vital_status == FollowUp.VitalStatus.DEAD), None),
        "new_therapies": patient.new_therapies.filter(voided=False).order_by("start_date"),
        "end_of_treatment": one_to_one(patient, "end_of_treatment"),
        "off_study": one_to_one(patient, "off_study"),
    }
    return render(request, "crf/patient_detail.html", context)


NOT_STARTED, IN_PROGRESS, COMPLETE = "not started", "in progress", "complete"
# What the page shows for a form's state; the state itself is a code the page compares.
FORM_STATE_LABELS = {NOT_STARTED: _("not started"), IN_PROGRESS: _("in progress"), COMPLETE: _("complete")}


def form_states(patient, eligibility, baseline):
    """Where each screening form stands, for the strip at the top of the patient page."""
    if eligibility is None:
        eligibility_state = NOT_STARTED
    elif eligibility.confirmed_by_id or eligibility.screen_failure_reason:
        eligibility_state = COMPLETE
    else:
        eligibility_state = IN_PROGRESS  # answered, awaiting the investigator's confirmation
    return [
        (_("Registration"), COMPLETE),
        (_("Metastatic lesions"), COMPLETE if patient.live_lesions else NOT_STARTED),
        (_("Baseline"), COMPLETE if baseline else NOT_STARTED),
        (_("Eligibility"), eligibility_state),
    ]


def assessment_rows(patient, lesions):
    """Each assessment with its sum of target diameters, changes and the responses they imply."""
    targets, non_targets = split_lesions(lesions)
    assessments = patient.live_assessments  # prefetched with the patient (crf.patients.with_course_data)
    prefetch_related_objects(assessments, "measurements", "non_target_statuses")
    start = baseline_sum(targets)
    points = [recist_assessment(a, targets, non_targets) for a in assessments]
    rows = [dict(assessment=a, **numbers) for a, numbers in zip(assessments, recist.series(start, points), strict=True)]
    first_pd = next((row for row in rows if row["assessment"].overall_response == recist.PD), None)
    return {
        "baseline_sum": start,
        "rows": rows,
        "first_pd": first_pd,
        "targets": targets,
        "non_targets": non_targets,
    }


# (model, its patient key, form name, how a history row names its record). The form name is also
# the audit trail filter's value, the same in every language; FORM_LABELS is what a page shows.
HISTORY_FORMS = [
    (Patient, "id", "Registration", lambda row: row.screening_number),
    (Eligibility, "patient_id", "Eligibility", lambda row: _("Eligibility")),
    (Baseline, "patient_id", "Baseline", lambda row: _("Baseline")),
    (MetastaticLesion, "patient_id", "Metastatic lesions", lambda row: _("Lesion %(label)s") % {"label": row.label}),
    (
        LocalIntervention,
        "lesion__patient_id",
        "Local intervention",
        lambda row: f"{row.get_modality_display()} #{row.id}",
    ),
    (
        TreatmentCycle,
        "patient_id",
        "Treatment cycles",
        lambda row: _("Cycle %(number)s") % {"number": row.cycle_number},
    ),
    (
        TumourAssessment,
        "patient_id",
        "Tumour assessments",
        lambda row: _("Assessment %(date)s") % {"date": row.assessment_date},
    ),
    (
        TargetMeasurement,
        "assessment__patient_id",
        "Target measurements",
        lambda row: _("Measurement #%(id)s") % {"id": row.id},
    ),
    (
        NonTargetStatus,
        "assessment__patient_id",
        "Non-target lesions",
        lambda row: _("Non-target status #%(id)s") % {"id": row.id},
    ),
    (
        NewAnticancerTherapy,
        "patient_id",
        "New anticancer therapy",
        lambda row: f"{row.get_therapy_type_display()} {row.start_date}",
    ),
    (FollowUp, "patient_id", "Follow-up", lambda row: _("Contact %(date)s") % {"date": row.contact_date}),
    (EndOfTreatment, "patient_id", "End of treatment", lambda row: _("End of treatment")),
    (OffStudy, "patient_id", "Off study", lambda row: _("Off study")),
]
# Records of the apps above crf (safety, randomization, visits): looked up by name, so that crf
# imports none of them.
SAFETY_HISTORY_FORMS = [
    (
        "safety.AdverseEvent",
        "patient_id",
        "Adverse events",
        lambda row: _("AE #%(id)s grade %(grade)s") % {"id": row.id, "grade": row.grade},
    ),
    (
        "safety.Signature",
        "adverse_event__patient_id",
        "AE signatures",
        lambda row: _("Signature of AE #%(id)s") % {"id": row.adverse_event_id},
    ),
    (
        "safety.SaeReport",
        "adverse_event__patient_id",
        "SAE reports",
        lambda row: _("SAE report of AE #%(id)s") % {"id": row.adverse_event_id},
    ),
    (
        "randomization.Allocation",
        "patient_id",
        "Randomization",
        lambda row: _("Allocation %(number)s") % {"number": row.number},
    ),
    ("visits.MissedVisit", "patient_id", "Missed visits", lambda row: _("Missed %(visit)s") % {"visit": row.visit_key}),
]
FORM_LABELS = {
    "Registration": _("Registration"),
    "Eligibility": _("Eligibility"),
    "Baseline": _("Baseline"),
    "Metastatic lesions": _("Metastatic lesions"),
    "Local intervention": _("Local intervention"),
    "Treatment cycles": _("Treatment cycles"),
    "Tumour assessments": _("Tumour assessments"),
    "Target measurements": _("Target measurements"),
    "Non-target lesions": _("Non-target lesions"),
    "New anticancer therapy": _("New anticancer therapy"),
    "Follow-up": _("Follow-up"),
    "End of treatment": _("End of treatment"),
    "Off study": _("Off study"),
    "Adverse events": _("Adverse events"),
    "AE signatures": _("AE signatures"),
    "SAE reports": _("SAE reports"),
    "Randomization": _("Randomization"),
    "Missed visits": _("Missed visits"),
}


def history_forms():
    """(model, its patient key, form name, how a row names its record) of every audited form."""
    return HISTORY_FORMS + [(apps.get_model(name), *rest) for name, *rest in SAFETY_HISTORY_FORMS]


def patient_history(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    changes = []
    forms = history_forms()
    for model, key, label, describe in forms:  # one query per form, whatever the number of rows
        changes += history.changes(model.history.filter(**{key: patient.id}), FORM_LABELS[label], describe)
    changes.sort(key=lambda change: change.when, reverse=True)
    return render(request, "crf/patient_history.html", {"patient": patient, "tab": "history", "changes": changes})


def save_reasoned_form(request, form, patient, what):
    if form.instance.pk and not form.changed_fields:
        messages.info(request, _("Nothing was changed."))
    else:
        save_with_reason(form.save(commit=False), request.user, form.reason_for_change)
        messages.success(
            request, _("%(form)s of %(patient)s saved.") % {"form": what, "patient": patient.screening_number}
        )
    return redirect("crf:patient_detail", patient.screening_number)


@require_http_methods(["GET", "POST"])
def patient_edit(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_patient")
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if form.is_valid():
        return save_reasoned_form(request, form, patient, _("Registration"))
    return render(request, "crf/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
def patient_void(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_patient")
    form = VoidForm(request.POST or None)
    if form.is_valid():
        try:
            void_patient(patient, form.cleaned_data["reason"], by=request.user)
        except VoidRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("crf:patient_detail", patient.screening_number)
        messages.success(
            request,
            _("Patient %(patient)s voided. It stays in the audit trail.") % {"patient": patient.screening_number},
        )
        return redirect("crf:patient_list")
    if one_to_one(patient, "allocation"):
        messages.error(
            request,
            _("%(patient)s is randomized and cannot be voided (intention to treat).")
            % {"patient": patient.screening_number},
        )
        return redirect("crf:patient_detail", patient.screening_number)
    return render(request, "crf/patient_void.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
def patient_eligibility(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    eligibility = one_to_one(patient, "eligibility")
    require_perm(request, "crf.change_eligibility" if eligibility else "crf.add_eligibility")
    form = EligibilityForm(
        request.POST or None,
        instance=eligibility,
        patient=patient,
        user=request.user,
        lesions=patient.live_lesions,
    )
    if form.is_valid():
        if eligibility and not form.changed_fields and not form.cleaned_data.get("confirm"):
            messages.info(request, _("Nothing was changed."))
        else:
            save_eligibility(form, patient, request.user)
            messages.success(
                request,
                _("%(form)s of %(patient)s saved.") % {"form": _("Eligibility"), "patient": patient.screening_number},
            )
        return redirect("crf:patient_detail", patient.screening_number)
    return render(request, "crf/record_form.html", {"form": form, "patient": patient, "title": _("Eligibility")})


@require_http_methods(["GET", "POST"])
def patient_baseline(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    baseline = one_to_one(patient, "baseline")
    require_perm(request, "crf.change_baseline" if baseline else "crf.add_baseline")
    form = BaselineForm(request.POST or None, instance=baseline, patient=patient)
    if form.is_valid():
        form.instance.patient = patient
        return save_reasoned_form(request, form, patient, _("Baseline"))
    return render(request, "crf/record_form.html", {"form": form, "patient": patient, "title": _("Baseline")})


@require_http_methods(["GET", "POST"])
def patient_lesions(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_metastaticlesion")
    if request.method == "POST":
        Patient.objects.select_for_update().get(pk=patient.pk)  # one writer per patient (see record_edit)
    queryset = MetastaticLesion.objects.filter(patient=patient, voided=False).order_by("id")
    formset = LesionFormSet(request.POST or None, instance=patient, queryset=queryset, prefix="lesions")
    reason_form = LesionTableForm(request.POST or None, patient=patient)
    if request.method == "POST" and formset.is_valid() and reason_form.is_valid():
        touched_saved = any(f.instance.pk and f.has_changed() for f in formset.forms)
        reason = reason_form.cleaned_data["reason_for_change"].strip()
        if touched_saved and not reason:
            reason_form.add_error("reason_for_change", _("Give the reason for changing or removing a saved lesion."))
        else:
            save_lesions(formset, patient, request.user, reason)
            messages.success(request, _("Lesions of %(patient)s saved.") % {"patient": patient.screening_number})
            return redirect("crf:patient_detail", patient.screening_number)
    context = {"formset": formset, "reason_form": reason_form, "patient": patient, "protocol": protocol}
    return render(request, "crf/lesions_form.html", context)


@dataclass(frozen=True)
class RecordKind:
    """A clinical form a patient has many of (or one of), reached at /patients/<no>/<slug>/."""

    model: type
    form: type
    title: str
    needs_randomization: bool
    patient_path: str = "patient"
    one_per_patient: bool = False


RECORD_KINDS = {
    "cycles": RecordKind(TreatmentCycle, TreatmentCycleForm, _("Treatment cycle"), True),
    "interventions": RecordKind(
        LocalIntervention, LocalInterventionForm, _("Local intervention"), True, patient_path="lesion__patient"
    ),
    "assessments": RecordKind(TumourAssessment, TumourAssessmentForm, _("Tumour assessment"), True),
    "follow-ups": RecordKind(FollowUp, FollowUpForm, _("Follow-up contact"), False),
    "new-therapies": RecordKind(NewAnticancerTherapy, NewAnticancerTherapyForm, _("New anticancer therapy"), True),
    "end-of-treatment": RecordKind(
        EndOfTreatment, EndOfTreatmentForm, _("End of treatment"), True, one_per_patient=True
    ),
    "off-study": RecordKind(OffStudy, OffStudyForm, _("Off study"), False, one_per_patient=True),
}


def get_kind_or_404(kind):
    try:
        return RECORD_KINDS[kind]
    except KeyError:
        raise Http404 from None


def patient_records(kind, patient):
    return kind.model.objects.filter(**{kind.patient_path: patient, "voided": False})


@require_http_methods(["GET", "POST"])
def record_edit(request, screening_number, kind, pk=None):
    """Add or edit one clinical record of a patient, with a reason for change on edits."""
    patient = get_patient_or_404(request, screening_number)
    slug, kind = kind, get_kind_or_404(kind)
    records = patient_records(kind, patient)
    if kind.one_per_patient:
        instance = records.first()
    else:
        instance = get_object_or_404(records, pk=pk) if pk else None
    model_name = kind.model._meta.model_name
    require_perm(request, f"crf.{'change' if instance else 'add'}_{model_name}")
    if kind.needs_randomization and one_to_one(patient, "allocation") is None:
        messages.error(
            request,
            _("%(form)s is recorded only after randomization: %(patient)s is not randomized.")
            % {"form": kind.title, "patient": patient},
        )
        return redirect("crf:patient_detail", patient.screening_number)
    if request.method == "POST":
        # One writer per patient at a time: cycle numbers, "nothing after death" and the
        # optimistic lock all read the patient's other records.
        Patient.objects.select_for_update().get(pk=patient.pk)
    # "Record a death" opens a new follow-up contact with vital status Dead chosen.
    initial = {"vital_status": "dead"} if kind.model is FollowUp and request.GET.get("vital_status") == "dead" else None
    form = kind.form(request.POST or None, instance=instance, patient=patient, initial=initial)
    if form.is_valid():
        if instance and not form.changed_fields:
            messages.info(request, _("Nothing was changed."))
        else:
            record = save_record(form, request.user)
            messages.success(request, _("%(form)s saved.") % {"form": kind.title})
            if getattr(form, "computed", None) and form.computed != record.overall_response:
                messages.warning(
                    request,
                    _("The overall response %(kept)s was kept although the measurements imply %(implied)s.")
                    % {"kept": record.overall_response, "implied": form.computed},
                )
        # "Save and add an adverse event" sends the next page along with the form.
        return redirect_back(request, reverse("crf:patient_detail", args=[patient.screening_number]))
    context = {
        "form": form,
        "patient": patient,
        "title": _("Record a death") if initial else kind.title,
        "bed_preview": kind.model is LocalIntervention,
        "then_add_ae": kind.model is TreatmentCycle,
        "alpha_beta": protocol.BED_ALPHA_BETA_GY.value,
        "void_url": reverse("crf:record_void", args=[patient.screening_number, slug, instance.pk])
        if instance and not kind.one_per_patient
        else None,
    }
    return render(request, "crf/record_form.html", context)


def record_one(request, screening_number, kind):
    """The page of a form a patient has only one of (end of treatment, off study)."""
    if not get_kind_or_404(kind).one_per_patient:
        raise Http404
    return record_edit(request, screening_number, kind)


@require_http_methods(["GET", "POST"])
def record_void(request, screening_number, kind, pk):
    patient = get_patient_or_404(request, screening_number)
    kind = get_kind_or_404(kind)
    record = get_object_or_404(patient_records(kind, patient), pk=pk)
    require_perm(request, f"crf.change_{kind.model._meta.model_name}")
    if (
        kind.model is TreatmentCycle
        and patient_records(kind, patient).filter(cycle_number__gt=record.cycle_number).exists()
    ):
        # Cycle numbers run without gaps; only the latest cycle can be withdrawn.
        messages.error(request, _("Only the latest cycle can be voided; correct earlier cycles with Edit."))
        return redirect("crf:patient_detail", patient.screening_number)
    form = VoidForm(request.POST or None)
    if form.is_valid():
        void(record, form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("%(form)s voided. It stays in the audit trail.") % {"form": kind.title})
        return redirect("crf:patient_detail", patient.screening_number)
    return render(
        request, "crf/record_void.html", {"form": form, "patient": patient, "record": record, "title": kind.title}
    )


class AuditTrailFilterForm(forms.Form):
    site = forms.ChoiceField(required=False, label=_("Site"))
    user = forms.CharField(required=False, label=_("User"), help_text=_("Part of a user name or printed name."))
    form = forms.ChoiceField(required=False, label=_("Form"))
    since = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            self.add_error("until", _("“To” comes before “From”."))
        return cleaned

    def __init__(self, *args, sites, forms_available, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All your sites")), *((code, code) for code in sites)]
        self.fields["form"].choices = [("", _("All forms")), *((key, FORM_LABELS[key]) for key in forms_available)]
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


AUDIT_EVENTS_PER_PAGE = 50
HISTORY_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}  # codes; ACTION_LABELS shows them


def audit_events(user, wanted):
    """Every history row of the user's patients (all forms), newest first, as one UNION query:
    its count and one page cost two queries whatever the trial's size."""
    patients = Patient.objects.visible_to(user, include_voided=True)
    since, until = wanted.get("since"), wanted.get("until")
    combined = []
    for model, key, label, _describe in history_forms():
        if wanted.get("form") and wanted["form"] != label:
            continue
        path = key.removesuffix("_id") if key != "id" else ""
        patient = f"{path}__" if path else ""
        # No ordering inside the UNION (SQLite refuses it): the combined query orders once.
        rows = model.history.filter(**{f"{key}__in": patients.values("pk")}).order_by()
        if wanted.get("site"):
            rows = rows.filter(**{f"{patient}site__code": wanted["site"]})
        if wanted.get("user"):  # part of a user name or printed name, any case
            who = wanted["user"].strip()
            rows = rows.filter(
                Q(history_username__icontains=who)
                | Q(history_printed_name__icontains=who)
                | Q(history_username="", history_user__username__icontains=who)
            )
        if since:
            rows = rows.filter(history_date__date__gte=since)
        if until:
            rows = rows.filter(history_date__date__lte=until)
        combined.append(
            rows.annotate(
                form=Value(label, output_field=CharField()),
                record_id=F("id"),
                patient_number=F(f"{patient}screening_number"),
            ).values(
                "history_id",
                "history_date",
                "history_type",
                "history_user_id",
                "history_username",
                "history_printed_name",
                "history_change_reason",
                "form",
                "record_id",
                "patient_number",
            )
        )
    if not combined:
        return Patient.history.none().values("history_id")
    first, *rest = combined
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")


def audit_trail(request):
    """The audit trail across patients, for monitors and data managers: who changed what, when and
    why, filtered by site, user, form and dates; the field-level detail is on each History tab."""
    require_perm(request, "crf.view_audit_trail")
    sites = list(sites_visible_to(request.user).order_by("code").values_list("code", flat=True))
    filters = AuditTrailFilterForm(
        request.GET or None, sites=sites, forms_available=[label for _model, _key, label, _describe in history_forms()]
    )
    if filters.is_bound and not filters.is_valid():
        events = Patient.history.none()  # a filter the page cannot apply shows nothing, never everything
    else:
        events = audit_events(request.user, filters.cleaned_data if filters.is_bound else {})
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Rows from before names were kept on history rows: their account's user name (one query).
    unnamed = {row["history_user_id"] for row in page.object_list if not row["history_username"]}
    usernames = dict(get_user_model().objects.filter(pk__in=unnamed - {None}).values_list("pk", "username"))
    rows = []
    for row in page.object_list:
        username = row["history_username"] or usernames.get(row["history_user_id"], _("system"))
        printed = row["history_printed_name"]
        reason = row["history_change_reason"] or ""
        action = HISTORY_ACTIONS.get(row["history_type"], row["history_type"])
        if action == "Changed" and reason.startswith("Voided:"):  # the reason audit.services.void() writes
            action = "Voided"
        rows.append(
            {
                **row,
                "form": FORM_LABELS.get(row["form"], row["form"]),
                "who": f"{printed} ({username})" if printed else username,
                "action": ACTION_LABELS.get(action, action),
                "reason": shown_reason(reason),
            }
        )
    context = {"page": page, "rows": rows, "filters": filters, "query_string": query_string_without(request, "page")}
    return render(request, "crf/audit_trail.html", context)
