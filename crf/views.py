from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audit import history
from audit.forms import VoidForm
from audit.services import save_with_reason, void

from .forms import PatientForm
from .models import Patient
from .registration import register_patient

PATIENTS_PER_PAGE = 25


def get_patient_or_404(request, screening_number):
    """Every patient URL starts here: another site's patient does not exist for this user."""
    return get_object_or_404(
        Patient.objects.visible_to(request.user).select_related("site"), screening_number=screening_number
    )


def require_perm(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def patient_list(request):
    require_perm(request, "crf.view_patient")
    patients = Patient.objects.visible_to(request.user).select_related("site")
    query = request.GET.get("q", "").strip()
    if query:
        patients = patients.filter(screening_number__icontains=query)
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
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
    return render(request, "crf/patient_detail.html", {"patient": patient, "tab": "overview"})


def patient_history(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    changes = history.changes(Patient.history.filter(id=patient.id), "Registration")
    changes.sort(key=lambda change: change.when, reverse=True)
    return render(
        request, "crf/patient_history.html", {"patient": patient, "tab": "history", "changes": changes}
    )


@require_http_methods(["GET", "POST"])
def patient_edit(request, screening_number):
    patient = get_patient_or_404(request, screening_number)
    require_perm(request, "crf.change_patient")
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if form.is_valid():
        if set(form.changed_data) <= {"reason_for_change"}:
            messages.info(request, "Nothing was changed.")
        else:
            save_with_reason(form.save(commit=False), request.user, form.reason_for_change)
            messages.success(request, f"Patient {patient.screening_number} updated.")
        return redirect("crf:patient_detail", patient.screening_number)
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
