"""Roles as code: what each role may do, wherever its sites are."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from audit.forms import latest_version
from crf.models import Patient


@pytest.mark.django_db
def test_migrations_create_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Research nurse",
        "Investigator",
        "Monitor",
        "Data manager",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ROLES)
def test_no_role_can_delete_clinical_data(role):
    codenames = Group.objects.get(name=role).permissions.values_list("codename", flat=True)
    assert not [c for c in codenames if c.startswith("delete_")]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.MONITOR, roles.DATA_MANAGER])
def test_reading_roles_cannot_enter_clinical_data(role):
    perms = Group.objects.get(name=role).permissions.filter(content_type__app_label__in=["crf", "safety"])
    codenames = list(perms.values_list("codename", flat=True))
    assert "view_patient" in codenames
    assert all(codename.startswith("view_") for codename in codenames)


def test_nurse_registers_patient(nurse_client, site):
    response = nurse_client.post(
        reverse("crf:patient_register"),
        {"site": site.pk, "initials": "lxh", "sex": "M", "year_of_birth": 1955, "consent_date": "2025-02-03"},
    )
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert patient.screening_number == "SH01-0001"
    assert patient.initials == "LXH"


def test_investigator_edits_patient(client, investigator, patient):
    client.force_login(investigator)
    response = client.post(
        reverse("crf:patient_edit", args=[patient.screening_number]),
        {
            "initials": "ZW",
            "sex": "M",
            "year_of_birth": 1960,
            "consent_date": "2025-03-01",
            "reason_for_change": "Transcription error",
            "loaded_version": latest_version(patient),
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.initials == "ZW"


@pytest.mark.parametrize("user_fixture", ["monitor", "data_manager"])
def test_reading_roles_see_but_cannot_edit(client, request, user_fixture, patient):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("crf:patient_detail", args=[patient.screening_number])).status_code == 200
    assert client.get(reverse("crf:patient_register")).status_code == 403
    for name in ["crf:patient_edit", "crf:patient_void"]:
        response = client.post(
            reverse(name, args=[patient.screening_number]),
            {"initials": "XX", "consent_date": "2025-03-01", "reason_for_change": "x", "reason": "x"},
        )
        assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.initials == "ZWL" and not patient.voided


def test_reading_roles_do_not_see_edit_buttons(client, monitor, patient):
    client.force_login(monitor)
    body = client.get(reverse("crf:patient_detail", args=[patient.screening_number])).content.decode()
    assert reverse("crf:patient_edit", args=[patient.screening_number]) not in body


def test_user_without_role_is_refused(client, site, patient):
    from tests.factories import UserFactory

    client.force_login(UserFactory(sites=[site]))
    assert client.get(reverse("crf:patient_list")).status_code == 403


def test_admin_is_for_staff_only(nurse_client):
    response = nurse_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_data_manager_reads_patients_in_admin_but_cannot_change_or_delete(client, data_manager, patient):
    client.force_login(data_manager)
    change_url = reverse("admin:crf_patient_change", args=[patient.pk])
    response = client.get(change_url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content  # view-only
    assert client.post(reverse("admin:crf_patient_delete", args=[patient.pk]), {"post": "yes"}).status_code == 403
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_nav_shows_user_role_and_site(nurse_client):
    body = nurse_client.get(reverse("crf:patient_list")).content.decode()
    assert "Li Nurse (nurse.sh01)" in body and "Research nurse" in body and "SH01" in body
    assert reverse("admin:index") not in body  # Admin only for staff
