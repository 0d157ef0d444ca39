"""The audit trail across patients (21 CFR Part 11 §11.10(e); ICH E6(R3) data governance): monitors
and data managers review who changed what, when and why, filtered, scoped to their sites."""

import pytest
from django.urls import reverse

from audit.services import save_with_reason, void
from tests.factories import PatientFactory


def audit_page(client, **filters):
    return client.get(reverse("crf:audit_trail"), filters)


@pytest.mark.req("P11-AUD-10")
def test_monitor_reviews_changes_of_own_site_only_with_filters(client, monitor, nurse, patient, other_site_patient):
    patient.initials = "ABC"
    save_with_reason(patient, nurse, "Initials misread")
    other_site_patient.initials = "XYZ"
    save_with_reason(other_site_patient, nurse, "Elsewhere")  # another site: never shown to SH01
    client.force_login(monitor)
    rows = audit_page(client).context["rows"]
    assert {row["patient_number"] for row in rows} == {patient.screening_number}
    changed = [row for row in rows if row["action"] == "Changed"]
    assert [(row["who"], row["form"], row["history_change_reason"]) for row in changed] == [
        ("Li Nurse (nurse.sh01)", "Registration", "Initials misread")
    ]
    assert [row["action"] for row in audit_page(client, user="nurse.sh01").context["rows"]] == ["Changed"]
    assert audit_page(client, form="Baseline").context["rows"] == []
    assert audit_page(client, since="2099-01-01").context["rows"] == []


@pytest.mark.req("P11-AUD-10")
def test_voids_are_shown_and_the_page_costs_the_same_queries_whatever_the_trial_size(
    client, monitor, nurse, site, django_assert_max_num_queries
):
    first = PatientFactory(site=site)
    client.force_login(monitor)
    with django_assert_max_num_queries(30) as few:
        audit_page(client)
    for _ in range(5):
        other = PatientFactory(site=site)
        other.initials = "QQ"
        save_with_reason(other, nurse, "Corrected")
    void(first, "Registered twice", by=nurse)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = audit_page(client).context["rows"]
    assert any(row["action"] == "Voided" and row["history_change_reason"] == "Voided: Registered twice" for row in rows)


@pytest.mark.req("P11-AUD-10")
def test_nurses_and_investigators_do_not_review_the_audit_trail(nurse_client, investigator, client, data_manager):
    assert nurse_client.get(reverse("crf:audit_trail")).status_code == 403
    client.force_login(investigator)
    assert client.get(reverse("crf:audit_trail")).status_code == 403
    client.force_login(data_manager)
    assert client.get(reverse("crf:audit_trail")).status_code == 200


@pytest.mark.req("P11-AUD-10")
def test_the_user_filter_finds_part_of_a_name_and_a_bad_filter_shows_nothing(client, monitor, nurse, patient):
    patient.initials = "ABC"
    save_with_reason(patient, nurse, "Initials misread")
    client.force_login(monitor)
    rows = audit_page(client, user="li nur").context["rows"]  # printed name "Li Nurse", any case
    assert [row["reason"] for row in rows if row["action"] == "Changed"] == ["Initials misread"]
    assert audit_page(client, site="FZ01").context["rows"] == []  # not one of the monitor's sites
    assert audit_page(client, since="2025-06-01", until="2025-05-01").context["rows"] == []
