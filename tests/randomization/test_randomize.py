"""Randomizing: eligibility first, the list's next slot, one allocation per patient, every refusal."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from crf.status import Status
from randomization import strata
from randomization.models import Allocation, AllocationSlot
from randomization.services import RandomizationRefused, allocate
from tests.factories import PatientFactory, UserFactory, make_eligible_patient


@pytest.fixture
def investigator_client(client, investigator):
    client.force_login(investigator)
    return client


def randomize(client, patient):
    url = reverse("randomization:randomize", args=[patient.screening_number])
    stratum = client.get(url).context["stratum"]
    return client.post(url, {"stratum": stratum})


@pytest.mark.req("PRO-RAND-4")
def test_investigator_randomizes_eligible_patient_from_the_list(
    investigator_client, investigator, site, randomization_list
):
    patient = make_eligible_patient(site, investigator, organs=("lung", "liver"))
    page = investigator_client.get(reverse("randomization:randomize", args=[patient.screening_number]))
    assert [level for _, level in page.context["levels"]] == ["2–4 lesions", "First line", "Visceral / other"]
    response = randomize(investigator_client, patient)
    assert response.status_code == 302
    allocation = Allocation.objects.get(patient=patient)
    first_slot = AllocationSlot.objects.get(stratum=allocation.stratum, sequence=1)
    assert (allocation.number, allocation.arm, allocation.slot) == ("R0001", first_slot.arm, first_slot)
    assert allocation.randomized_by == investigator
    confirmation = investigator_client.get(response["Location"])
    assert "R0001" in confirmation.content.decode()
    detail = investigator_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    assert detail.context["patient"].status == Status.RANDOMIZED


@pytest.mark.req("PRO-RAND-4")
def test_second_request_for_the_same_patient_returns_the_same_allocation(
    investigator_client, investigator, site, randomization_list
):
    patient = make_eligible_patient(site, investigator)
    randomize(investigator_client, patient)
    url = reverse("randomization:randomize", args=[patient.screening_number])
    again = investigator_client.post(url, {"stratum": "anything"})
    assert again.status_code == 302
    assert Allocation.objects.count() == 1
    assert allocate(patient, investigator, status=Status.RANDOMIZED) == Allocation.objects.get()


@pytest.mark.req("PRO-RAND-4")
def test_patients_of_one_stratum_take_consecutive_slots(investigator, site, randomization_list):
    patients = [make_eligible_patient(site, investigator) for _ in range(7)]
    allocations = [allocate(p, investigator, status=Status.ELIGIBLE) for p in patients]
    assert [a.slot.sequence for a in allocations] == list(range(1, 8))
    assert [a.arm for a in allocations] == [a.slot.arm for a in allocations]


@pytest.mark.req("PRO-RAND-3")
def test_patient_not_confirmed_eligible_is_refused(investigator_client, investigator, site, randomization_list):
    patient = PatientFactory(site=site)
    page = investigator_client.get(reverse("randomization:randomize", args=[patient.screening_number]))
    assert "is not confirmed eligible (status: Screening)" in page.content.decode()
    investigator_client.post(reverse("randomization:randomize", args=[patient.screening_number]), {"stratum": "x"})
    assert not Allocation.objects.exists()


@pytest.mark.req("PRO-RAND-3")
def test_missing_baseline_is_named(investigator, site, randomization_list):
    patient = make_eligible_patient(site, investigator)
    patient.baseline.delete()
    patient.refresh_from_db()
    with pytest.raises(RandomizationRefused, match="baseline form"):
        allocate(patient, investigator, status=Status.ELIGIBLE)


@pytest.mark.req("P11-ACC-5")
def test_nurse_without_permission_cannot_randomize(nurse_client, investigator, site, randomization_list):
    patient = make_eligible_patient(site, investigator)
    assert nurse_client.post(reverse("randomization:randomize", args=[patient.screening_number])).status_code == 403
    assert not Allocation.objects.exists()


@pytest.mark.req("P11-ACC-5")
def test_nurse_given_the_permission_can_randomize(client, nurse, investigator, site, randomization_list):
    from django.contrib.auth.models import Permission

    nurse.user_permissions.add(Permission.objects.get(codename="randomize_patient"))
    client.force_login(nurse)
    patient = make_eligible_patient(site, investigator)
    assert randomize(client, patient).status_code == 302
    assert Allocation.objects.filter(patient=patient).exists()


@pytest.mark.req("PRO-RAND-3")
def test_changed_strata_since_confirmation_are_refused(investigator_client, investigator, site, randomization_list):
    patient = make_eligible_patient(site, investigator)
    url = reverse("randomization:randomize", args=[patient.screening_number])
    response = investigator_client.post(url, {"stratum": "lesion_count=2-4|therapy_line=2|metastasis_type=node"})
    assert "changed since you confirmed" in response.content.decode()
    assert not Allocation.objects.exists()


@pytest.mark.req("PRO-RAND-5")
def test_exhausted_stratum_is_refused_and_the_manager_alerted(
    investigator, site, randomization_list, randomization_manager, eager_tasks, django_capture_on_commit_callbacks
):
    randomization_manager.email = "statistician@example.org"
    randomization_manager.save()
    key = strata.stratum_key({"lesion_count": "1", "therapy_line": "1", "metastasis_type": "visceral"})
    slots = AllocationSlot.objects.filter(stratum=key).count()
    for _ in range(slots):
        allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    patient = make_eligible_patient(site, investigator)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RandomizationRefused, match="no free slot"):
        allocate(patient, investigator, status=Status.ELIGIBLE)
    assert not Allocation.objects.filter(patient=patient).exists()
    assert [m.to for m in mail.outbox if "exhausted" in m.subject] == [["statistician@example.org"]]


@pytest.mark.req("PRO-RAND-5")
def test_site_is_told_of_the_randomization(
    investigator, site, randomization_list, eager_tasks, django_capture_on_commit_callbacks
):
    investigator.email = "pi@sh01.example.org"
    investigator.save()
    patient = make_eligible_patient(site, investigator)
    with django_capture_on_commit_callbacks(execute=True):
        allocation = allocate(patient, investigator, status=Status.ELIGIBLE)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pi@sh01.example.org"]
    assert allocation.number in mail.outbox[0].subject


@pytest.mark.req("PRO-RAND-6")
def test_switching_method_after_first_allocation_is_refused(investigator, site, randomization_list, monkeypatch):
    from esotrial import protocol

    allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    monkeypatch.setattr(protocol, "RANDOMIZATION_METHOD", protocol.Parameter("minimisation", "default"))
    with pytest.raises(RandomizationRefused, match="changed to 'minimisation'"):
        allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)


@pytest.mark.req("PRO-RAND-6")
def test_minimisation_allocates_without_a_list_slot(investigator, site, randomization_list, monkeypatch):
    from esotrial import protocol

    monkeypatch.setattr(protocol, "RANDOMIZATION_METHOD", protocol.Parameter("minimisation", "default"))
    allocation = allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    assert allocation.slot is None and allocation.method == "minimisation"
    assert allocation.arm in ("combined", "systemic")


@pytest.mark.req("PRO-RAND-2")
def test_generate_command_is_reproducible_and_will_not_replace_a_list_in_use(tmp_path, site, investigator):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    call_command("generate_randomization_list", "--seed", "42", "--per-stratum", "9", "--output", str(first))
    call_command(
        "generate_randomization_list", "--seed", "42", "--per-stratum", "9", "--output", str(second), "--replace"
    )
    assert first.read_text() == second.read_text()
    assert (tmp_path / "a.csv.sha256").read_text().split()[0] == (tmp_path / "b.csv.sha256").read_text().split()[0]
    with pytest.raises(CommandError, match="Pass --replace"):
        call_command("generate_randomization_list", "--seed", "43", "--per-stratum", "9", "--output", str(first))
    allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    with pytest.raises(CommandError, match="in use"):
        call_command(
            "generate_randomization_list", "--seed", "43", "--per-stratum", "9", "--output", str(first), "--replace"
        )


@pytest.mark.req("P11-AUD-5", "PRO-RAND-4")
def test_allocation_is_immutable_in_the_admin(client, investigator, site, randomization_list, randomization_manager):
    allocation = allocate(make_eligible_patient(site, investigator), investigator, status=Status.ELIGIBLE)
    client.force_login(randomization_manager)
    url = reverse("admin:randomization_allocation_change", args=[allocation.pk])
    client.post(url, {"correction_note": "Stratum checked: correct.", "arm": "systemic"})
    allocation.refresh_from_db()
    assert allocation.correction_note == "Stratum checked: correct."
    assert allocation.arm == allocation.slot.arm
    assert (
        client.post(reverse("admin:randomization_allocation_delete", args=[allocation.pk]), {"post": "yes"}).status_code
        == 403
    )


@pytest.mark.req("SEC-1")
def test_randomize_page_of_other_site_patient_is_not_found(investigator_client, other_site, randomization_list):
    other = PatientFactory(site=other_site)
    assert investigator_client.get(reverse("randomization:randomize", args=[other.screening_number])).status_code == 404


@pytest.mark.req("SEC-1")
def test_user_without_site_cannot_randomize(client, investigator, site, randomization_list):
    from accounts import roles

    patient = make_eligible_patient(site, investigator)
    client.force_login(UserFactory(role=roles.INVESTIGATOR))
    assert client.get(reverse("randomization:randomize", args=[patient.screening_number])).status_code == 404
