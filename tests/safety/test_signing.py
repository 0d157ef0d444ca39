"""Investigator e-signature: who may sign, the password, binding to the values, re-sign after edit."""

import pytest
from django.urls import reverse

from accounts import roles
from audit.tasks import check_derived_values
from safety import signing
from safety.models import AdverseEvent, Signature, SigningAttempt
from tests.factories import PASSWORD, UserFactory

from .helpers import post_ae


@pytest.fixture
def ae(nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient)
    return AdverseEvent.objects.get()


def detail_url(ae):
    return reverse("safety:ae_detail", args=[ae.patient.screening_number, ae.pk])


@pytest.mark.req("P11-SIG-1")
def test_investigator_signs_with_password_and_meaning(investigator_client, investigator, ae):
    response = investigator_client.post(
        detail_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"}
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.signer, signature.meaning, signature.values_hash) == (
        investigator,
        "reviewed",
        signing.values_hash(ae),
    )
    assert signature.printed_name == "Li Investigator" == investigator.get_full_name()
    assert signing.review_state(ae) == signing.SIGNED
    assert "Signed" in investigator_client.get(detail_url(ae)).content.decode()


@pytest.mark.req("P11-SIG-1")
def test_wrong_password_signs_nothing_and_is_recorded(investigator_client, investigator, ae):
    response = investigator_client.post(
        detail_url(ae), {"username": "investigator.sh01", "password": "not-my-password", "meaning": "reviewed"}
    )
    assert "The password is not correct" in response.content.decode()
    assert not Signature.objects.exists()
    assert list(SigningAttempt.objects.values_list("user", "succeeded")) == [(investigator.pk, False)]


@pytest.mark.parametrize("user_fixture", ["nurse", "monitor", "data_manager"])
@pytest.mark.req("P11-SIG-6")
def test_other_roles_cannot_sign(client, request, user_fixture, ae):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(detail_url(ae)).context["form"] is None
    assert (
        client.post(
            detail_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"}
        ).status_code
        == 403
    )
    assert not Signature.objects.exists()


@pytest.mark.req("P11-SIG-6", "SEC-1")
def test_investigator_of_another_site_cannot_sign(client, other_site, ae):
    client.force_login(UserFactory(username="investigator.hz01", role=roles.INVESTIGATOR, sites=[other_site]))
    assert (
        client.post(
            detail_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"}
        ).status_code
        == 404
    )
    with pytest.raises(signing.SigningRefused):
        signing.sign(ae, UserFactory(role=roles.INVESTIGATOR, sites=[other_site]), PASSWORD, "reviewed")
    assert not Signature.objects.exists()


@pytest.mark.req("P11-SIG-4")
def test_edit_voids_the_signature_and_the_investigator_signs_again(nurse_client, investigator_client, investigator, ae):
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    edit_url = reverse("safety:ae_edit", args=[ae.patient.screening_number, ae.pk])
    version = nurse_client.get(edit_url).context["form"]["loaded_version"].value()
    post_ae(
        nurse_client,
        ae.patient,
        pk=ae.pk,
        grade="3",
        reason_for_change="CT shows progression of pneumonitis",
        loaded_version=str(version),
    )
    ae.refresh_from_db()
    first = Signature.objects.get()
    assert first.voided_at and "CT shows progression" in first.void_reason
    assert signing.review_state(ae) == signing.AWAITING_REVIEW
    assert [a.pk for a in signing.awaiting_review(AdverseEvent.objects.all())] == [ae.pk]
    investigator_client.post(
        detail_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"}
    )
    assert signing.review_state(ae) == signing.SIGNED
    history = investigator_client.get(detail_url(ae)).content.decode()
    assert history.count("Signed by <strong>Li Investigator</strong>") == 2  # both signatures stay visible


@pytest.mark.req("P11-SIG-4")
def test_signature_is_bound_to_the_values(investigator, ae):
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    AdverseEvent.objects.filter(pk=ae.pk).update(grade=3)  # a change by any route other than the form
    ae.refresh_from_db()
    assert signing.review_state(ae) == signing.AWAITING_REVIEW


@pytest.mark.req("P11-SIG-4", "PERF-2")
def test_nightly_check_returns_an_ae_changed_outside_the_ecrf_to_the_signing_queue(
    investigator_client, investigator, ae
):
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    to_sign = reverse("safety:ae_to_sign")
    assert list(investigator_client.get(to_sign).context["page"]) == []
    AdverseEvent.objects.filter(pk=ae.pk).update(grade=3)  # by a database administrator, say
    assert "Awaiting investigator review" in investigator_client.get(detail_url(ae)).content.decode()

    assert check_derived_values() == {  # the nightly task
        "patient status and visit dates (crf.derived)": 0,
        "signature state (safety.signing)": 1,
    }
    assert [a.pk for a in investigator_client.get(to_sign).context["page"]] == [ae.pk]
    signature = ae.signatures.get()
    assert signature.voided_at is not None
    assert signature.void_reason == signing.CHANGED_OUTSIDE
    assert check_derived_values()["signature state (safety.signing)"] == 0  # flagged once


@pytest.mark.req("SAF-12")
def test_ae_to_sign_page_and_nav_count(investigator_client, investigator, ae, nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient, term="Fatigue", grade="1", immune_related="", onset_date="2025-04-01")
    page = investigator_client.get(reverse("safety:ae_to_sign"))
    assert [a.term.term for a in page.context["page"]] == ["Fatigue", "Pneumonitis"]  # oldest first
    assert 'data-testid="aes-to-sign-count">2<' in page.content.decode()
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    assert [a.term.term for a in investigator_client.get(reverse("safety:ae_to_sign")).context["page"]] == ["Fatigue"]


@pytest.mark.req("SAF-12")
def test_nurse_has_no_signing_queue(nurse_client):
    assert nurse_client.get(reverse("safety:ae_to_sign")).status_code == 403


def second_ae(nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient, term="Fatigue", grade="1", immune_related="", onset_date="2025-04-01")
    return AdverseEvent.objects.get(term__term="Fatigue")


@pytest.mark.req("P11-SIG-2")
def test_first_signing_of_a_session_asks_user_name_and_password_later_ones_the_password(
    investigator_client, ae, nurse_client, treated_patient
):
    # 21 CFR Part 11 §11.200(a)(1): both components first, then one during the same session.
    form = investigator_client.get(detail_url(ae)).context["form"]
    assert "username" in form.fields
    wrong = {"username": "nurse.sh01", "password": PASSWORD, "meaning": "reviewed"}
    response = investigator_client.post(detail_url(ae), wrong)
    assert response.context["form"].errors["username"] == [
        "This is not the user name of the account signed in. Nothing was signed; the attempt is recorded."
    ]
    assert not Signature.objects.exists()
    assert SigningAttempt.objects.filter(adverse_event=ae, succeeded=False).count() == 1
    investigator_client.post(detail_url(ae), {**wrong, "username": "investigator.sh01"})
    fatigue = second_ae(nurse_client, treated_patient)
    assert "username" not in investigator_client.get(detail_url(fatigue)).context["form"].fields
    investigator_client.post(detail_url(fatigue), {"password": PASSWORD, "meaning": "reviewed"})
    assert Signature.objects.count() == 2


@pytest.mark.req("P11-SIG-3")
def test_a_signer_without_a_printed_name_is_refused(investigator, ae):
    investigator.first_name = investigator.last_name = ""
    investigator.save()
    with pytest.raises(signing.SigningRefused, match="no printed name"):
        signing.sign(ae, investigator, PASSWORD, "reviewed")
    assert not Signature.objects.exists()


@pytest.mark.req("P11-ACC-4")
def test_a_superuser_without_the_investigator_role_cannot_sign(client, admin_user, site, ae):
    from accounts.models import SiteMembership

    SiteMembership.objects.create(user=admin_user, site=site)
    client.force_login(admin_user)
    assert client.get(detail_url(ae)).context["form"] is None
    assert client.post(detail_url(ae), {"username": admin_user.username, "password": "x"}).status_code == 403
    with pytest.raises(signing.SigningRefused):
        signing.sign(ae, admin_user, "password", "reviewed")


@pytest.mark.req("P11-SIG-5")
def test_the_signature_covers_the_ctcae_text_shown(investigator_client, investigator, ae):
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    signature = Signature.objects.get()
    assert signature.hash_version == 2
    grade = f"grade_{ae.grade}"
    setattr(ae.term, grade, getattr(ae.term, grade) + " (corrected)")  # the catalogue changed after signing
    ae.term.save()
    ae.refresh_from_db()
    assert signing.review_state(ae) == signing.AWAITING_REVIEW
    page = investigator_client.get(detail_url(ae)).content.decode()
    assert 'data-testid="signature-invalidated"' in page and "changed after signing" in page
    assert ae.term.history.count() >= 1  # the catalogue keeps its history


@pytest.mark.req("P11-SIG-5")
def test_signatures_made_before_the_ctcae_text_was_covered_stay_valid(investigator, ae):
    Signature.objects.create(
        adverse_event=ae,
        signer=investigator,
        printed_name="Li Investigator",
        signed_at="2025-05-01T08:00Z",
        meaning="reviewed",
        values_hash=signing.values_hash(ae, version=1),
        hash_version=1,
    )
    assert signing.review_state(ae) == signing.SIGNED


@pytest.mark.req("P11-SIG-3")
def test_the_manifestation_shows_printed_name_local_time_with_zone_and_meaning(investigator_client, investigator, ae):
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    page = investigator_client.get(detail_url(ae)).content.decode()
    assert "Signed by <strong>Li Investigator</strong> (investigator.sh01), Reviewed and confirmed" in page
    assert "Asia/Shanghai (UTC+0800)" in page
