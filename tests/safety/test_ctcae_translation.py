"""A sponsor's Chinese CTCAE beside NCI's English: loaded from a versioned CSV, checked row by row,
shown on the AE form and in the term search, never part of what is signed or exported.

The Chinese below is test data written for these tests, not a translation anyone should use."""

import csv

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from safety.models import CtcaeTerm
from safety.signing import values_hash
from tests.factories import AllocationFactory, CycleFactory
from tests.safety.helpers import post_ae

HEADER = ["meddra_code", "term", "term_zh", *(f"grade_{n}_zh" for n in range(1, 6))]
PNEUMONITIS = [
    "10035742",
    "Pneumonitis",
    "（测试）肺炎",
    "（测试）1级",
    "（测试）2级",
    "（测试）3级",
    "（测试）4级",
    "（测试）死亡",
]


def write(tmp_path, *rows, name="ctcae_zh.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


@pytest.mark.req("I18N-5")
def test_a_translation_loads_beside_the_english_and_is_recorded(tmp_path, terms):
    call_command("load_ctcae_translation", write(tmp_path, PNEUMONITIS), label="Sponsor zh test 0.1")
    term = CtcaeTerm.objects.get(version="5.0", term="Pneumonitis")
    assert (term.term_zh, term.grade_3_zh, term.zh_translation) == (
        "（测试）肺炎",
        "（测试）3级",
        "Sponsor zh test 0.1",
    )
    assert term.grade_3 == "Severe symptoms; limiting self care ADL; oxygen indicated"  # NCI's text untouched
    assert "Sponsor zh test 0.1" in term.history.latest().history_change_reason


@pytest.mark.req("I18N-5")
@pytest.mark.parametrize(
    ("row", "why"),
    [
        (["10035742", "Pneumonia", *PNEUMONITIS[2:]], "is 'Pneumonitis' in CTCAE 5.0"),  # a shifted row
        (["99999999", "Nothing", *PNEUMONITIS[2:]], "is not in CTCAE 5.0"),
        (["10035742", "Pneumonitis", "", *PNEUMONITIS[3:]], "has no Chinese term"),
    ],
)
def test_a_wrong_row_loads_nothing(tmp_path, terms, row, why):
    good = ["10002272", "Anemia", "（测试）贫血", "", "", "", "", ""]
    with pytest.raises(CommandError, match=why):
        call_command("load_ctcae_translation", write(tmp_path, good, row), label="bad")
    assert not CtcaeTerm.objects.exclude(term_zh="").exists()


@pytest.mark.req("I18N-5")
def test_a_grade_the_term_does_not_have_is_refused(tmp_path, terms):
    alopecia = CtcaeTerm.objects.get(version="5.0", term="Alopecia")  # grades 1 and 2 only
    row = [alopecia.meddra_code, "Alopecia", "（测试）脱发", "1", "2", "3", "", ""]
    with pytest.raises(CommandError, match="has no grade 3"):
        call_command("load_ctcae_translation", write(tmp_path, row), label="bad")


@pytest.mark.req("I18N-5", "I18N-3")
def test_the_ae_form_and_search_show_both_and_the_signature_covers_the_english(tmp_path, terms, nurse_client, patient):
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    post_ae(nurse_client, patient)
    from safety.models import AdverseEvent

    ae = AdverseEvent.objects.get()
    before = values_hash(ae)
    call_command("load_ctcae_translation", write(tmp_path, PNEUMONITIS), label="Sponsor zh test 0.1")
    ae.refresh_from_db()
    assert values_hash(ae) == before  # the Chinese is not what the investigator signs

    found = nurse_client.get(reverse("safety:term_search"), {"q": "肺炎"}).json()["results"]
    assert [r["term"] for r in found] == ["Pneumonitis"]
    assert found[0]["grades"]["3"] == "Severe symptoms; limiting self care ADL; oxygen indicated"
    assert found[0]["grades_zh"]["3"] == "（测试）3级" and found[0]["term_zh"] == "（测试）肺炎"
    assert "Sponsor zh test 0.1" in found[0]["translation"]

    english_only = nurse_client.get(reverse("safety:term_search"), {"q": "Anemia"}).json()["results"][0]
    assert english_only["grades_zh"] == {} and english_only["term_zh"] == ""
