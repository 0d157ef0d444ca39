"""Clinical data never change through the admin: its history pages only show past versions."""

import pytest
from django.urls import reverse

from crf.models import Baseline
from safety.models import SaeReport, Signature
from safety.signing import sign
from tests.factories import PASSWORD, AdverseEventFactory, BaselineFactory, PatientFactory, UserFactory


@pytest.fixture
def baseline(patient):
    baseline = BaselineFactory(patient=patient, ecog=1)
    baseline.ecog = 1  # a second history row, as after an edit in the eCRF
    baseline.save()
    return baseline


def version_url(obj, version):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, version.history_id])


@pytest.mark.parametrize("who", ["data_manager", "superuser"])
@pytest.mark.req("P11-AUD-9")
def test_history_revert_post_changes_nothing(client, who, data_manager, baseline, admin_user):
    client.force_login(data_manager if who == "data_manager" else admin_user)
    first = baseline.history.earliest()
    rows_before = baseline.history.count()
    response = client.post(version_url(baseline, first), {"ecog": "0", "patient": str(baseline.patient_id)})
    assert response.status_code == 405
    baseline.refresh_from_db()
    assert baseline.ecog == 1 and baseline.history.count() == rows_before


def test_signature_cannot_be_reattributed_through_the_admin(client, data_manager, investigator, patient, terms):
    ae = AdverseEventFactory(patient=patient)
    signature = sign(ae, investigator, PASSWORD, "reviewed")
    client.force_login(data_manager)
    version = signature.history.earliest()
    client.post(version_url(signature, version), {"signer": data_manager.pk, "printed_name": "Forged by data manager"})
    signature.refresh_from_db()
    assert signature.signer == investigator and signature.printed_name != "Forged by data manager"
    assert Signature.history.count() == 1


def test_sae_notification_time_cannot_be_reset_through_the_admin(client, admin_user, patient, terms):
    from django.utils import timezone

    report = SaeReport.objects.create(
        adverse_event=AdverseEventFactory(patient=patient), aware_at=timezone.now(), notified_at=timezone.now()
    )
    client.force_login(admin_user)
    client.post(version_url(report, report.history.earliest()), {"notified_at_0": "", "notified_at_1": ""})
    report.refresh_from_db()
    assert report.notified_at is not None


def test_version_page_is_a_read_only_table_without_other_sites(client, data_manager, baseline, other_site):
    other = PatientFactory(site=other_site)
    client.force_login(data_manager)
    page = client.get(version_url(baseline, baseline.history.earliest()))
    body = page.content.decode().split('id="content"')[1]  # the page itself, not the admin's header
    assert page.status_code == 200
    assert "<select" not in body and "<form" not in body
    assert other.screening_number not in body
    assert "ECOG" in body or "Ecog" in body


def test_version_of_another_sites_record_is_not_found(client, data_manager, other_site):
    baseline = BaselineFactory(patient=PatientFactory(site=other_site))
    client.force_login(data_manager)
    assert client.get(version_url(baseline, baseline.history.earliest())).status_code == 404


def test_no_staff_role_can_change_a_baseline_in_the_admin(client, data_manager, baseline):
    client.force_login(data_manager)
    url = reverse("admin:crf_baseline_change", args=[baseline.pk])
    response = client.post(url, {"ecog": "0"})
    assert response.status_code == 403
    assert Baseline.objects.get().ecog == 1


def test_every_admin_answers_a_malformed_selection_with_a_message(client, admin_user):
    from django.contrib import admin

    from esotrial.admin_site import SafeActionsMixin

    client.force_login(admin_user)
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SafeActionsMixin), f"{model.__name__} admin lacks SafeActionsMixin"
        actions = [name for name in model_admin.get_actions(client.get("/").wsgi_request) or {}]
        if not actions:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.post(url, {"action": actions[0], "_selected_action": ["abc"], "index": "0"}, follow=True)
        assert response.status_code == 200, url
        assert "The selection is not valid" in response.content.decode(), url


def test_randomization_manager_cannot_export_clinical_data(client, site, patient):
    from accounts import roles

    manager = UserFactory(username="rm", role=roles.RANDOMIZATION_MANAGER, sites=[site], is_staff=True)
    BaselineFactory(patient=patient)
    client.force_login(manager)
    for name in ("crf_baseline", "crf_patient", "safety_adverseevent"):
        response = client.post(reverse(f"admin:{name}_export"), {"format": "0", "resource": "0"})
        assert response.status_code == 403, name


def test_superuser_cannot_delete_a_clinical_row_in_the_admin(client, admin_user, patient):
    client.force_login(admin_user)
    response = client.post(reverse("admin:crf_patient_delete", args=[patient.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert patient.history.filter(history_type="-").count() == 0


def test_axes_cleanup_action_answers_without_error(client, admin_user):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="nurse.sh01",
        ip_address="127.0.0.1",
        user_agent="",
        http_accept="",
        path_info="/",
        failures_since_start=1,
    )
    client.force_login(admin_user)
    url = reverse("admin:axes_accessattempt_changelist")
    data = {"action": "cleanup_expired_attempts", "_selected_action": [str(attempt.pk)], "index": "0"}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200 and "Cleaned up" in response.content.decode()


def test_malformed_history_ids_are_not_found(client, data_manager, baseline):
    client.force_login(data_manager)
    assert client.get(f"/admin/crf/baseline/{baseline.pk}/history/abc/").status_code == 404
    assert client.get("/admin/crf/baseline/abc/history/1/").status_code == 404
    assert client.get("/admin/crf/baseline/abc/history/").status_code == 404
