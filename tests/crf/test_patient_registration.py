"""Registering a patient: screening numbers, dates and initials a nurse would get wrong."""

import threading
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from crf.models import Patient
from crf.registration import register_patient
from tests.factories import PatientFactory


def register(client, site, **data):
    return client.post(
        reverse("crf:patient_register"),
        {
            "site": site.pk,
            "initials": "ZWL",
            "sex": "M",
            "year_of_birth": 1961,
            "consent_date": "2025-05-06",
            **data,
        },
    )


@pytest.mark.req("PRO-ELIG-1")
def test_screening_numbers_are_site_prefixed_and_sequential(nurse_client, site):
    register(nurse_client, site)
    register(nurse_client, site)
    assert list(Patient.objects.values_list("screening_number", flat=True)) == ["SH01-0001", "SH01-0002"]


@pytest.mark.req("P11-AUD-7")
def test_voided_patient_number_is_never_reused(site, nurse):
    from audit.services import void

    first = PatientFactory(site=site)
    void(first, "Registered twice", by=nurse)
    assert PatientFactory(site=site).screening_number == "SH01-0002"


@pytest.mark.req("PRO-ELIG-2")
def test_consent_date_in_future_is_refused(nurse_client, site):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = register(nurse_client, site, consent_date=tomorrow.isoformat())
    assert response.context["form"].errors["consent_date"] == ["The consent date cannot be in the future."]
    assert not Patient.objects.exists()


@pytest.mark.req("PRO-ELIG-2")
def test_consent_date_before_trial_opening_is_refused(nurse_client, site):
    response = register(nurse_client, site, consent_date="1925-05-06")
    assert "cannot precede the trial" in response.context["form"].errors["consent_date"][0]


@pytest.mark.parametrize("bad", ["2025-02-30", "06/05/2025x", ""])
@pytest.mark.req("PRO-ELIG-2")
def test_impossible_dates_are_form_errors(nurse_client, site, bad):
    response = register(nurse_client, site, consent_date=bad)
    assert response.status_code == 200
    assert response.context["form"].errors["consent_date"]


@pytest.mark.parametrize("bad", ["Z", "Zhang Wei", "Z1", "ABCDE"])
@pytest.mark.req("PRO-ELIG-2")
def test_initials_must_be_two_to_four_letters(nurse_client, site, bad):
    response = register(nurse_client, site, initials=bad)
    assert response.context["form"].errors["initials"]
    assert not Patient.objects.exists()


@pytest.mark.req("PRO-ELIG-1")
def test_database_refuses_malformed_screening_number(site):
    patient = Patient(
        site=site,
        site_serial=1,
        screening_number="7",
        initials="AB",
        sex="M",
        year_of_birth=1960,
        consent_date=date(2025, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


@pytest.mark.req("P11-AUD-4")
def test_database_refuses_void_without_reason(patient):
    patient.voided = True
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


@pytest.mark.req("P11-AUD-1")
def test_registration_is_audited_without_reason(nurse_client, site, nurse):
    register(nurse_client, site)
    created = Patient.objects.get().history.get()
    assert created.history_type == "+"
    assert created.history_user == nurse


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PRO-ELIG-1")
def test_two_nurses_registering_at_once_get_distinct_numbers(site):
    """The site row is locked while a number is issued (PostgreSQL row lock)."""
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            patient = Patient(site=site, initials="AB", sex="F", year_of_birth=1960, consent_date=date(2025, 1, 1))
            register_patient(patient, by=None)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Patient.objects.values_list("site_serial", flat=True)) == [1, 2, 3, 4]
