"""Every edit carries the version the user opened: a save without it never overwrites a newer one."""

import pytest
from django.urls import reverse

from safety.models import AdverseEvent
from tests.factories import AdverseEventFactory, BaselineFactory, CycleFactory, LesionFactory
from tests.forms import submitted_values


def refused_without_version(client, url, field, value, form_key="form"):
    page = client.get(url)
    data = submitted_values(page.context[form_key])
    data.pop("loaded_version", None)
    data.update({field: value, "reason_for_change": "Overwrite attempt without a version"})
    return client.post(url, data)


@pytest.fixture
def edits(randomized_patient, terms):
    no = randomized_patient.screening_number
    baseline = BaselineFactory(patient=randomized_patient, ecog=1)
    cycle = CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    ae = AdverseEventFactory(patient=randomized_patient, serious=False, sae_hospitalization=False, grade=2)
    return {
        "registration": (reverse("crf:patient_edit", args=[no]), "initials", "XY", lambda: randomized_patient),
        "baseline": (reverse("crf:patient_baseline", args=[no]), "ecog", "0", lambda: baseline),
        "cycle": (reverse("crf:record_edit", args=[no, "cycles", cycle.pk]), "day1_date", "2025-03-13", lambda: cycle),
        "adverse event": (reverse("safety:ae_edit", args=[no, ae.pk]), "grade", "1", lambda: ae),
    }


@pytest.mark.parametrize("form", ["registration", "baseline", "cycle", "adverse event"])
@pytest.mark.req("DAT-5")
def test_edit_without_the_loaded_version_is_refused(nurse_client, edits, form):
    url, field, value, record = edits[form]
    before = type(record()).history.count()
    response = refused_without_version(nurse_client, url, field, value)
    assert response.status_code == 200
    assert "arrived without the version you opened" in response.content.decode()
    assert type(record()).history.count() == before


@pytest.mark.req("DAT-5")
def test_lesion_table_without_the_loaded_version_is_refused(nurse_client, patient):
    lesion = LesionFactory(patient=patient, label="L1", organ="lung", longest_diameter_mm=20)
    url = reverse("crf:patient_lesions", args=[patient.screening_number])
    page = nurse_client.get(url)
    data = {**submitted_values(page.context["formset"].management_form), "reason_for_change": "No version"}
    for form in page.context["formset"].forms:
        data.update(submitted_values(form))
    data["lesions-0-longest_diameter_mm"] = "25"
    response = nurse_client.post(url, data)
    assert response.status_code == 200
    assert "arrived without the version you opened" in response.content.decode()
    lesion.refresh_from_db()
    assert lesion.longest_diameter_mm == 20


@pytest.mark.req("DAT-5")
def test_ae_is_unchanged_after_refused_edit(nurse_client, edits):
    url, field, value, record = edits["adverse event"]
    refused_without_version(nurse_client, url, field, value)
    assert AdverseEvent.objects.get().grade == 2
