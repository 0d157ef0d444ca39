"""Every clinical change is audited: who, when, old → new, reason. Nothing is hard-deleted."""

import pytest
from django.urls import reverse

from audit.forms import latest_version
from crf.models import Patient


def edit(client, patient, **data):
    return client.post(
        reverse("crf:patient_edit", args=[patient.screening_number]),
        {
            "initials": patient.initials,
            "sex": patient.sex,
            "year_of_birth": patient.year_of_birth,
            "consent_date": patient.consent_date.isoformat(),
            "loaded_version": latest_version(patient),
            **data,
        },
    )


def test_edit_without_reason_is_refused(nurse_client, patient):
    response = edit(nurse_client, patient, initials="LM")
    assert response.status_code == 200
    assert response.context["form"].errors["reason_for_change"] == ["This field is required."]
    patient.refresh_from_db()
    assert patient.initials == "ZWL"


def test_reason_field_is_shown_only_on_edit(nurse_client, patient):
    assert "reason_for_change" not in nurse_client.get(reverse("crf:patient_register")).context["form"].fields
    edit_page = nurse_client.get(reverse("crf:patient_edit", args=[patient.screening_number]))
    assert "Reason for change" in edit_page.content.decode()


def test_edit_records_user_old_new_and_reason(nurse_client, nurse, patient):
    edit(nurse_client, patient, consent_date="2025-03-02", reason_for_change="Date misread from ICF")
    latest = patient.history.latest()
    assert latest.history_user == nurse
    assert latest.history_change_reason == "Date misread from ICF"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, str(c.old), str(c.new)) for c in delta.changes] == [("consent_date", "2025-03-01", "2025-03-02")]


def test_history_tab_shows_the_change(nurse_client, patient):
    edit(nurse_client, patient, consent_date="2025-03-02", reason_for_change="Date misread from ICF")
    page = nurse_client.get(reverse("crf:patient_history", args=[patient.screening_number]))
    changed = [c for c in page.context["changes"] if c.action == "Changed"]
    assert [(c.user, c.field, c.old, c.new, c.reason) for c in changed] == [
        ("Li Nurse (nurse.sh01)", "Date informed consent signed", "2025-03-01", "2025-03-02", "Date misread from ICF")
    ]
    body = page.content.decode()
    assert "Date misread from ICF" in body and "2025-03-02" in body


def test_unchanged_save_writes_no_history(nurse_client, patient):
    before = patient.history.count()
    edit(nurse_client, patient, reason_for_change="just looking")
    assert patient.history.count() == before


def test_void_needs_a_reason(nurse_client, patient):
    response = nurse_client.post(reverse("crf:patient_void", args=[patient.screening_number]), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    patient.refresh_from_db()
    assert not patient.voided


def test_void_hides_patient_but_keeps_row_and_history(nurse_client, nurse, patient):
    response = nurse_client.post(
        reverse("crf:patient_void", args=[patient.screening_number]), {"reason": "Registered in error"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.voided and patient.voided_by == nurse and patient.void_reason == "Registered in error"
    assert patient.history.latest().history_change_reason == "Voided: Registered in error"
    assert list(nurse_client.get(reverse("crf:patient_list")).context["page"]) == []
    assert nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number])).status_code == 404
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_voided_patient_stays_visible_and_flagged_in_admin(client, data_manager, nurse, patient):
    from audit.services import void

    void(patient, "Registered in error", by=nurse)
    client.force_login(data_manager)
    response = client.get(reverse("admin:crf_patient_changelist"), {"voided__exact": "1"})
    assert patient.screening_number in response.content.decode()


def test_admin_history_page_lists_changes(client, data_manager, patient):
    client.force_login(data_manager)
    response = client.get(reverse("admin:crf_patient_history", args=[patient.pk]))
    assert response.status_code == 200


@pytest.mark.req("P11-AUD-3")
def test_history_names_people_and_records_and_shows_what_a_record_was_created_with(nurse_client, investigator, patient):
    from audit.services import save_with_reason
    from randomization.models import Allocation
    from tests.factories import AllocationFactory, EligibilityFactory

    eligibility = EligibilityFactory(patient=patient)
    eligibility.confirmed_by = investigator
    save_with_reason(eligibility, investigator, "Confirmed")
    AllocationFactory(patient=patient)
    page = nurse_client.get(reverse("crf:patient_history", args=[patient.screening_number]))
    changes = page.context["changes"]
    confirmed = next(c for c in changes if c.field == "Confirmed by")
    assert (confirmed.old, confirmed.new) == ("—", "Li Investigator (investigator.sh01)")  # not an id
    created = [(c.field, c.new) for c in changes if c.form == "Registration" and c.action == "Created"]
    assert ("Initials", "ZWL") in created and ("Date informed consent signed", "2025-03-01") in created
    allocation = Allocation.objects.get()
    assert any(c.form == "Randomization" and c.record == f"Allocation {allocation.number}" for c in changes)
    assert not any(c.field == "Slot" for c in changes)  # the list stays concealed
    assert "UTC+0800" in page.content.decode()  # local time with its zone
