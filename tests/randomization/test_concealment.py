"""Nobody at a site, no monitor and no data manager can see the list or a future allocation."""

import pytest
from django.urls import reverse

from crf.status import Status
from randomization.services import allocate
from tests.factories import make_eligible_patient

LIST_PAGES = ["admin:randomization_allocationslot_changelist", "admin:randomization_randomizationlist_changelist"]


@pytest.mark.parametrize("user_fixture", ["nurse", "investigator", "monitor", "data_manager"])
@pytest.mark.parametrize("page", LIST_PAGES)
@pytest.mark.req("PRO-RAND-7")
def test_site_roles_cannot_open_the_list_in_the_admin(client, request, user_fixture, page, randomization_list):
    user = request.getfixturevalue(user_fixture)
    user.is_staff = True  # even with admin access
    user.save()
    client.force_login(user)
    assert client.get(reverse(page)).status_code == 403


@pytest.mark.req("PRO-RAND-7")
def test_randomization_manager_sees_the_list(client, randomization_manager, randomization_list):
    client.force_login(randomization_manager)
    for page in LIST_PAGES:
        assert client.get(reverse(page)).status_code == 200


@pytest.mark.req("PRO-RAND-7")
def test_slot_change_page_is_refused_to_site_roles(client, data_manager, randomization_list):
    slot = randomization_list.slots.first()
    client.force_login(data_manager)
    response = client.get(reverse("admin:randomization_allocationslot_change", args=[slot.pk]))
    assert response.status_code in (302, 403) and slot.arm not in response.content.decode()


@pytest.mark.req("PRO-RAND-7")
def test_report_gives_data_managers_counts_but_no_list(client, data_manager, investigator, site, randomization_list):
    for _ in range(3):
        allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    client.force_login(data_manager)
    response = client.get(reverse("randomization:report"))
    assert response.status_code == 200
    assert response.context["total"] == 3
    assert response.context["remaining"] is None
    assert 'data-testid="remaining"' not in response.content.decode()


@pytest.mark.req("PRO-RAND-7")
def test_report_shows_the_manager_free_slots(client, randomization_manager, randomization_list):
    client.force_login(randomization_manager)
    response = client.get(reverse("randomization:report"))
    assert sum(row["n"] for row in response.context["remaining"]) == randomization_list.slots.count()


@pytest.mark.parametrize("user_fixture", ["nurse", "monitor"])
@pytest.mark.req("PRO-RAND-7")
def test_site_staff_cannot_open_the_report(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("randomization:report")).status_code == 403


@pytest.mark.req("PRO-RAND-7")
def test_patient_pages_carry_no_slot_information(nurse_client, investigator, site, randomization_list):
    patient = make_eligible_patient(site, investigator)
    allocation = allocate(patient, investigator, status=Status.ELIGIBLE)
    next_slot = randomization_list.slots.get(stratum=allocation.stratum, sequence=2)
    for name in ["crf:patient_detail", "randomization:confirmation", "crf:patient_history"]:
        body = nurse_client.get(reverse(name, args=[patient.screening_number])).content.decode()
        assert f"block {next_slot.block_number}" not in body.lower()
        assert "sequence" not in body.lower()


@pytest.mark.req("SEC-7")
def test_randomization_manager_cannot_open_patient_pages(client, randomization_manager, site):
    from tests.factories import PatientFactory

    patient = PatientFactory(site=site)
    client.force_login(randomization_manager)
    for name in ("crf:patient_detail", "crf:patient_history", "randomization:confirmation"):
        response = client.get(reverse(name, args=[patient.screening_number]))
        assert response.status_code == 403, name
        assert patient.screening_number not in response.content.decode()
