from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audit import history
from audit.forms import VoidForm
from audit.services import save_with_reason, void
from esotrial import protocol

from . import eligibility as eligibility_rules
from .forms import BaselineForm, EligibilityForm, LesionFormSet, PatientForm, ReasonForm
from .models import Baseline, Eligibility, MetastaticLesion, Patient
from .registration import register_patient
from .services import save_eligibility, save_lesions
from .status import patient_status

PATIENTS_PER_PAGE = 25


def patients_visible_to(user):
    """The user's patients with what their derived status needs, in a constant number of queries."""
    return (
        Patient.objects.visible_to(user)
        .select_related("site", "eligibility__confirmed_by")
        .prefetch_related("lesions")
    )


def get_patient_or_404(request, screening_number):
    """Every patient URL starts here: another site's patient does not exist for this user.

    The patient comes with its derived status, which the header of every patient page shows.
    """
    patient = get_object_or_404(patients_visible_to(request.user), screening_number=screening_number)
    return with_status([patient])[0]


def require_perm(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def one_to_one(patient, name):
    try:
        return getattr(patient, name)
    except ObjectDoesNotExist:
        return None


def with_status(patients):
    """Attach the derived status to each patient (eligibility and lesions prefetched by the caller)."""
    for patient in patients:
        eligibility = one_to_one(patient, "eligibility")
        patient.live_lesions = sorted((x for x in patient.lesions.all() if not x.voided), key=lambda x: x.id)
        patient.eligibility_assessment = (
            eligibility_rules.assess(eligibility, patient.live_lesions, patient) if eligibility else None
        )
        patient.status = patient_status(eligibility, patient.eligibility_assessment)
    return patients


def patient_list(request):
    require_perm(request, "crf.view_patient")
    patients = patients_visible_to(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        patients = patients.filter(screening_number__icontains=query)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    with_status(page.object_list)
    return render(request, "crf/patient_list.html", {"page": page, "query": query})


@require_http_methods(["GET", "POST"])
def patient_register(request):
    require_perm(request, "crf.add_patient")
    form = PatientForm(request.POST or None, user=request.user)
    if form.is_valid():
        patient = register_patient(form.save(commit=False), by=request.user)
        messages.success(request, f"Patient {patient.screening_number} registered.")
        return redirect("crf:patient_detail", patient.screening_number)
    return render(request, "crf/patient_form.html", {"form": form})


def patient_detail(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    context = {
        "patient": patient,
        "tab": "overview",
        "eligibility": one_to_one(patient, "eligibility"),
        "assessment": patient.eligibility_assessment,
        "baseline": one_to_one(patient, "baseline"),
        "lesions": patient.live_lesions,
    }
    return render(request, "crf/patient_detail.html", context)


# (model, its patient key, form name, how a history row names its record)
HISTORY_FORMS = [
    (Patient, "id", "Registration", lambda row: row.screening_number),
    (Eligibility, "patient_id", "Eligibility", lambda row: "Eligibility"),
    (Baseline, "patient_id", "Baseline", lambda row: "Baseline"),
    (MetastaticLesion, "patient_id", "Metastatic lesions", lambda row: f"Lesion {row.label}"),
]


def patient_history(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    changes = []
    for model, key, label, describe in HISTORY_FORMS:  # one query per form, whatever the number of rows
        changes += history.changes(model.history.filter(**{key: patient.id}), label, describe)
    changes.sort(key=lambda change: change.when, reverse=True)
    return render(
        request, "crf/patient_history.html", {"patient": patient, "tab": "history", "changes": changes}
    )


def save_reasoned_form(request, form, patient, what):
    if form.instance.pk and not form.changed_fields:
        messages.info(request, "Nothing was changed.")
    else:
        save_with_reason(form.save(commit=False), request.user, form.reason_for_change)
        messages.success(request, f"{what} of {patient.screening_number} saved.")
    return redirect("crf:patient_detail", patient.screening_number)


@require_http_methods(["GET", "POST"])
def patient_edit(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_patient")
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if form.is_valid():
        return save_reasoned_form(request, form, patient, "Registration")
    return render(request, "crf/patient_form.html", {"form": form, "patient": patient})


@require_http_methods(["GET", "POST"])
def patient_void(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_patient")
    form = VoidForm(request.POST or None)
    if form.is_valid():
        void(patient, form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"Patient {patient.screening_number} voided. It stays in the audit trail.")
        return redirect("crf:patient_list")
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
            messages.info(request, "Nothing was changed.")
        else:
            save_eligibility(form, patient, request.user)
            messages.success(request, f"Eligibility of {patient.screening_number} saved.")
        return redirect("crf:patient_detail", patient.screening_number)
    return render(request, "crf/record_form.html", {"form": form, "patient": patient, "title": "Eligibility"})


@require_http_methods(["GET", "POST"])
def patient_baseline(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    baseline = one_to_one(patient, "baseline")
    require_perm(request, "crf.change_baseline" if baseline else "crf.add_baseline")
    form = BaselineForm(request.POST or None, instance=baseline)
    if form.is_valid():
        form.instance.patient = patient
        return save_reasoned_form(request, form, patient, "Baseline")
    return render(request, "crf/record_form.html", {"form": form, "patient": patient, "title": "Baseline"})


@require_http_methods(["GET", "POST"])
def patient_lesions(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_metastaticlesion")
    queryset = MetastaticLesion.objects.filter(patient=patient, voided=False).order_by("id")
    formset = LesionFormSet(request.POST or None, instance=patient, queryset=queryset, prefix="lesions")
    reason_form = ReasonForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and reason_form.is_valid():
        touched_saved = any(f.instance.pk and f.has_changed() for f in formset.forms)
        reason = reason_form.cleaned_data["reason_for_change"].strip()
        if touched_saved and not reason:
            reason_form.add_error(
                "reason_for_change", "Give the reason for changing or removing a saved lesion."
            )
        else:
            save_lesions(formset, patient, request.user, reason)
            messages.success(request, f"Lesions of {patient.screening_number} saved.")
            return redirect("crf:patient_detail", patient.screening_number)
    context = {"formset": formset, "reason_form": reason_form, "patient": patient, "protocol": protocol}
    return render(request, "crf/lesions_form.html", context)
