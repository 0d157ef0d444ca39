"""The NCI CTCAE v5.0 catalogue as shipped and loaded."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from safety.models import CtcaeTerm


@pytest.mark.req("SAF-1")
def test_catalogue_holds_837_terms(terms):
    assert CtcaeTerm.objects.filter(version="5.0").count() == 837


@pytest.mark.req("SAF-1")
def test_anemia_grade_5_is_death(terms):
    anemia = CtcaeTerm.objects.get(meddra_code="10002272")
    assert anemia.term == "Anemia" and anemia.grade_5 == "Death"


@pytest.mark.req("SAF-1")
def test_alopecia_has_no_grade_3_and_febrile_neutropenia_starts_at_3(terms):
    assert CtcaeTerm.objects.get(term="Alopecia").grades == [1, 2]
    assert CtcaeTerm.objects.get(term="Febrile neutropenia").grades == [3, 4, 5]


@pytest.mark.req("SAF-1")
def test_loading_twice_changes_nothing(terms):
    call_command("load_ctcae")
    call_command("load_ctcae")
    assert CtcaeTerm.objects.count() == 837


@pytest.mark.req("SAF-1")
def test_search_as_you_type_finds_pneumonitis(nurse_client, terms):
    results = nurse_client.get(reverse("safety:term_search"), {"q": "pneum"}).json()["results"]
    pneumonitis = next(r for r in results if r["term"] == "Pneumonitis")
    assert pneumonitis["label"] == "Pneumonitis (Respiratory, thoracic and mediastinal disorders)"
    assert set(pneumonitis["grades"]) == {"1", "2", "3", "4", "5"}


@pytest.mark.req("SAF-1")
def test_search_by_organ_class(nurse_client, terms):
    results = nurse_client.get(reverse("safety:term_search"), {"q": "hepatobiliary"}).json()["results"]
    assert results and all("hepatobiliary" in r["label"].lower() for r in results)
