"""21 CFR Part 11 §11.10(e): nothing is deleted, and a row removed anyway (by a database
administrator) still shows in the History tab and the audit export; screening numbers are never
issued twice."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse

from crf.models import Patient
from crf.registration import register_patient
from esotrial.admin_site import never_deleted
from exports.services import audit_rows
from tests.factories import AdverseEventFactory, AllocationFactory, CycleFactory, PatientFactory

AUDITED_APPS = ("crf", "safety", "randomization", "visits", "exports", "audit", "accounts")


@pytest.mark.req("P11-AUD-5")
def test_no_admin_page_deletes_trial_records_for_anyone(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user  # a superuser: every permission, yet no delete
    guarded = [model for model in admin.site._registry if never_deleted(model)]
    assert {model._meta.label for model in guarded} >= {
        "crf.Patient",
        "crf.FollowUp",
        "safety.AdverseEvent",
        "safety.CtcaeTerm",
        "safety.Signature",
        "randomization.Allocation",
        "randomization.RandomizationList",
        "exports.ExportRun",
        "accounts.TrialSite",
        "auth.Group",
        "axes.AccessLog",
        "axes.AccessFailureLog",
        admin_user._meta.label,
    }
    for model in guarded:
        assert not admin.site._registry[model].has_delete_permission(request), model._meta.label


@pytest.mark.req("P11-AUD-5", "P11-ID-1")
def test_superuser_cannot_delete_an_adverse_event_or_an_account(client, admin_user, patient, terms, nurse):
    AllocationFactory(patient=patient)
    ae = AdverseEventFactory(patient=patient)
    client.force_login(admin_user)
    response = client.post(reverse("admin:safety_adverseevent_delete", args=[ae.pk]), {"post": "yes"})
    assert response.status_code == 403
    user_admin = f"admin:{nurse._meta.app_label}_{nurse._meta.model_name}_delete"
    assert client.post(reverse(user_admin, args=[nurse.pk]), {"post": "yes"}).status_code == 403
    nurse.refresh_from_db()  # deactivated in the admin, never deleted: the name stays on its records


@pytest.mark.req("P11-AUD-5")
def test_clinical_foreign_keys_protect():
    for app in AUDITED_APPS:
        for model in apps.get_app_config(app).get_models():
            # A site membership and a patient's derived state (crf.derived: not clinical data,
            # rebuilt from the forms) follow their owner.
            if model.__name__.startswith("Historical") or model._meta.label in (
                "accounts.SiteMembership",
                "crf.DerivedState",
            ):
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.many_to_one:
                    assert field.remote_field.on_delete is models.PROTECT, f"{model._meta.label}.{field.name}"


@pytest.mark.req("P11-AUD-6")
def test_a_row_deleted_in_the_database_shows_as_deleted(nurse_client, patient, terms):
    AllocationFactory(patient=patient)
    CycleFactory(patient=patient, day1_date="2025-03-12")
    ae = AdverseEventFactory(patient=patient)
    ae_id = ae.pk
    ae.delete()  # what only a database administrator can do
    history = nurse_client.get(reverse("crf:patient_history", args=[patient.screening_number]))
    deleted = [c for c in history.context["changes"] if c.action == "Deleted"]
    assert [(c.form, c.record) for c in deleted] == [("Adverse events", f"AE #{ae_id} grade 3")]
    rows = [row for row in audit_rows(Patient.objects.all()) if row[4] == "Deleted"]
    assert [(row[0], row[1], row[2]) for row in rows] == [("AdverseEvent", ae_id, patient.screening_number)]


@pytest.mark.req("P11-AUD-7")
def test_a_deleted_patients_screening_number_is_not_issued_again(site):
    first = PatientFactory(site=site)
    second = PatientFactory(site=site)
    assert (first.screening_number, second.screening_number) == ("SH01-0001", "SH01-0002")
    second.delete()  # by a database administrator
    third = register_patient(
        Patient(site=site, initials="ABC", sex="F", year_of_birth=1961, consent_date="2025-03-01"), by=None
    )
    assert third.screening_number == "SH01-0003"
    deleted = [row for row in audit_rows(Patient.objects.all()) if row[4] == "Deleted"]
    assert [(row[0], row[2]) for row in deleted] == [("Patient", "SH01-0002")]


@pytest.mark.django_db
def test_the_counter_starts_at_the_highest_number_issued(site):
    PatientFactory(site=site)
    site.refresh_from_db()
    assert site.last_screening_serial == 1
