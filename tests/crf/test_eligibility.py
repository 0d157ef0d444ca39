"""Eligibility: answered criteria plus lesion rules computed from the lesions entered."""

import pytest
from django.urls import reverse

from crf.models import Eligibility
from tests.factories import ELIGIBLE_ANSWERS, EligibilityFactory, LesionFactory


def eligibility_url(patient):
    return reverse("crf:patient_eligibility", args=[patient.screening_number])


def answers(**overrides):
    data = {"assessment_date": "2025-03-05", **{k: str(v) for k, v in ELIGIBLE_ANSWERS.items()}}
    return {**data, **overrides}


@pytest.fixture
def three_lesions(patient):
    return [
        LesionFactory(patient=patient, label="L1", organ="lung"),
        LesionFactory(patient=patient, label="L2", organ="liver", pathologically_confirmed=False),
        LesionFactory(patient=patient, label="L3", organ="bone", target_lesion=False),
    ]


@pytest.fixture
def investigator_client(client, investigator):
    client.force_login(investigator)
    return client


@pytest.mark.req("P11-ACC-5")
def test_investigator_confirms_eligible_patient(investigator_client, investigator, patient, three_lesions):
    response = investigator_client.post(eligibility_url(patient), answers(confirm="on"))
    assert response.status_code == 302
    eligibility = Eligibility.objects.get(patient=patient)
    assert eligibility.confirmed_by == investigator and eligibility.confirmed_on
    detail = investigator_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    assert detail.context["patient"].status == "eligible"
    assert "3 lesions counted" in detail.content.decode()


@pytest.mark.req("P11-ACC-5")
def test_nurse_cannot_confirm_eligibility(nurse_client, patient, three_lesions):
    form = nurse_client.get(eligibility_url(patient)).context["form"]
    assert "confirm" not in form.fields
    nurse_client.post(eligibility_url(patient), answers(confirm="on"))
    eligibility = Eligibility.objects.get(patient=patient)
    assert eligibility.confirmed_by is None
    assert (
        nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number])).context["patient"].status
        == "screening"
    )


@pytest.mark.req("PRO-ELIG-3")
def test_fifth_lesion_makes_patient_ineligible(investigator_client, patient, three_lesions):
    LesionFactory(patient=patient, label="L4", organ="adrenal")
    LesionFactory(patient=patient, label="L5", organ="brain")
    response = investigator_client.post(eligibility_url(patient), answers(confirm="on"))
    form = response.context["form"]
    assert "5 lesions counted; at most 4 are allowed in total." in form.errors["confirm"][0]
    assert "Record the screen-failure reason" in form.errors["screen_failure_reason"][0]
    assert not Eligibility.objects.exists()


@pytest.mark.req("PRO-ELIG-5")
def test_failed_criterion_needs_screen_failure_reason_and_gives_screen_failure(nurse_client, patient, three_lesions):
    data = answers(progression_on_prior_anti_pd1="True")
    response = nurse_client.post(eligibility_url(patient), data)
    assert (
        "Disease progression during prior anti-PD-1 therapy"
        in response.context["form"].errors["screen_failure_reason"][0]
    )
    nurse_client.post(eligibility_url(patient), {**data, "screen_failure_reason": "Progressed on camrelizumab"})
    detail = nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    assert detail.context["patient"].status == "screen_failure"
    assert "Progressed on camrelizumab" in detail.content.decode()


@pytest.mark.req("PRO-ELIG-5")
def test_unanswered_criterion_is_a_form_error(nurse_client, patient, three_lesions):
    data = answers()
    del data["ecog_0_1"]
    response = nurse_client.post(eligibility_url(patient), data)
    assert response.context["form"].errors["ecog_0_1"] == ["This field is required."]


@pytest.mark.req("PRO-ELIG-5")
def test_assessment_before_consent_is_refused(nurse_client, patient, three_lesions):
    response = nurse_client.post(eligibility_url(patient), answers(assessment_date="2025-02-01"))
    assert response.context["form"].errors["assessment_date"] == [
        "The eligibility assessment cannot precede informed consent (2025-03-01)."
    ]


@pytest.mark.req("PRO-ELIG-5")
def test_no_pathologically_confirmed_lesion_is_named(investigator_client, patient):
    LesionFactory(patient=patient, label="L1", pathologically_confirmed=False)
    response = investigator_client.post(eligibility_url(patient), answers(confirm="on"))
    assert "No metastasis is marked pathologically confirmed" in response.context["form"].errors["confirm"][0]


@pytest.mark.req("PRO-ELIG-5")
def test_editing_confirmed_eligibility_clears_confirmation(nurse_client, investigator, patient, three_lesions):
    eligibility = EligibilityFactory(patient=patient, confirmed_by=investigator)
    eligibility.confirmed_on = eligibility.history.get().history_date
    eligibility.save()
    page = nurse_client.get(eligibility_url(patient))
    version = page.context["form"]["loaded_version"].value()
    nurse_client.post(
        eligibility_url(patient),
        answers(assessment_date="2025-03-06", reason_for_change="Date typo", loaded_version=version),
    )
    eligibility.refresh_from_db()
    assert eligibility.confirmed_by is None
    assert eligibility.history.latest().history_change_reason == "Date typo"


@pytest.mark.req("DAT-5")
def test_second_of_two_concurrent_edits_is_refused(nurse_client, investigator_client, patient, three_lesions):
    EligibilityFactory(patient=patient)
    version = nurse_client.get(eligibility_url(patient)).context["form"]["loaded_version"].value()
    first = investigator_client.post(
        eligibility_url(patient),
        answers(assessment_date="2025-03-06", reason_for_change="a", loaded_version=version),
    )
    assert first.status_code == 302
    second = nurse_client.post(
        eligibility_url(patient),
        answers(assessment_date="2025-03-07", reason_for_change="b", loaded_version=version),
    )
    assert second.status_code == 200
    assert "Someone else saved this form" in second.content.decode()
    assert Eligibility.objects.get().assessment_date.isoformat() == "2025-03-06"


@pytest.mark.req("P11-ACC-5")
def test_monitor_cannot_enter_eligibility(client, monitor, patient):
    client.force_login(monitor)
    assert client.post(eligibility_url(patient), answers()).status_code == 403


@pytest.mark.req("PRO-ELIG-5")
def test_patient_page_shows_each_screening_form_state(nurse_client, investigator, patient, three_lesions):
    url = reverse("crf:patient_detail", args=[patient.screening_number])
    states = dict(nurse_client.get(url).context["form_states"])
    assert states == {
        "Registration": "complete",
        "Metastatic lesions": "complete",
        "Baseline": "not started",
        "Eligibility": "not started",
    }
    eligibility = EligibilityFactory(patient=patient)
    assert dict(nurse_client.get(url).context["form_states"])["Eligibility"] == "in progress"
    eligibility.confirmed_by = investigator
    eligibility.save()
    assert dict(nurse_client.get(url).context["form_states"])["Eligibility"] == "complete"


@pytest.mark.req("P11-ACC-5")
def test_investigator_confirms_saved_answers_without_a_reason(
    investigator_client, investigator, patient, three_lesions
):
    EligibilityFactory(patient=patient)
    page = investigator_client.get(eligibility_url(patient))
    version = page.context["form"]["loaded_version"].value()
    response = investigator_client.post(eligibility_url(patient), answers(confirm="on", loaded_version=version))
    assert response.status_code == 302
    assert Eligibility.objects.get().confirmed_by == investigator


@pytest.mark.req("PRO-ELIG-5")
def test_baseline_ecog_above_protocol_limit_is_a_failure(investigator_client, patient, three_lesions):
    from tests.factories import BaselineFactory

    BaselineFactory(patient=patient, ecog=2)
    response = investigator_client.post(eligibility_url(patient), answers(confirm="on"))
    assert "Baseline ECOG is 2; the protocol allows 0–1." in response.context["form"].errors["confirm"][0]


@pytest.mark.req("PRO-ELIG-4")
def test_regional_lymph_nodes_alone_are_not_oligometastatic_disease():
    # PROTOCOL.md [default]: regional nodes only is M0; at least one distant lesion is required.
    from crf.lesions import count_lesions

    assert any("not metastatic disease (M0)" in b for b in count_lesions([("L1", "regional_ln", 12)]).breaches)
    assert not count_lesions([("L1", "regional_ln", 12), ("L2", "lung", 15)]).breaches
