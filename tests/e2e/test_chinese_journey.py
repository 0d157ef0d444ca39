"""简体中文 in the browser: a nurse switches language, registers a patient, records a cycle and an AE, and
reads no English on the way except proper nouns, codes and data. Screenshots of each page, in Chinese
and in English, are written to test-artifacts/i18n/ for a reviewer."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import LanguagePreference
from safety import ctcae
from safety.models import AdverseEvent, CtcaeTerm
from tests.factories import PASSWORD, AllocationFactory, PatientFactory

from .conftest import log_in

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "i18n"
RECENT = (date.today() - timedelta(days=3)).isoformat()
# Words a Chinese page may show in Latin letters: the trial's and standards' names, codes and units,
# the switch's "English" (each language is named in itself), and the data of this test (site, user,
# NCI's English CTCAE term, which stays authoritative).
PROPER = {
    "ESO-Shanghai20", "eCRF", "NCT06190782", "CTCAE", "RECIST", "MedDRA", "ECOG", "AJCC", "English",
    "PD-1", "PD-L1", "irAE", "SAE", "SUSAR", "mg", "AUC", "Gy", "BED", "kg", "UTC", "Asia", "Shanghai",
    "Fudan", "University", "Cancer", "Center", "nurse.sh01", "Li", "Nurse", "lzm", "LZM", "mm",
    "Pneumonitis", "Respiratory", "thoracic", "and", "mediastinal", "disorders",
    # NCI's English inside Chinese help: the example of typing a CTCAE term, and CTCAE's "Other, specify".
    "pneum", "Other", "specify", "SmPC",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*[A-Za-z0-9]")


def english_on(page):
    """Latin-letter words of the page's visible text that are not proper nouns, codes or data.
    The CTCAE grade panel is NCI's English by design and is left out."""
    text = page.locator("body").evaluate(
        """body => { const copy = body.cloneNode(true);
                     copy.querySelectorAll('[data-testid=grade-definitions], script').forEach(n => n.remove());
                     return copy.innerText; }"""
    )
    words = {word for word in WORD.findall(text) if word not in PROPER and not re.fullmatch(r"[A-Z]{1,3}\d*", word)}
    return sorted(w for w in words if not re.fullmatch(r"SH01-\d{4}|L\d+|R\d{4}|G\d|v\d+(\.\d+)*", w))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.req("I18N-1", "I18N-7")
def test_a_nurse_works_in_chinese_and_sees_no_english_label(page, nurse, site):
    ctcae.load(CtcaeTerm)
    treated = PatientFactory(site=site)
    AllocationFactory(patient=treated, randomized_on=RECENT, arm="systemic")

    log_in(page, "nurse.sh01", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en-gb"
    page.get_by_test_id("language-switch").get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert LanguagePreference.objects.get(user=nurse).language == "zh-hans"
    assert english_on(page) == [], "patient list"
    shot(page, "zh-patient-list")

    # Register a patient.
    page.get_by_role("link", name="登记受试者").click()
    assert english_on(page) == [], "registration form"
    page.get_by_label("姓名缩写").fill("lzm")
    page.get_by_label("男", exact=True).check()
    page.get_by_label("出生年份").fill("1958")
    page.get_by_label("知情同意书签署日期").fill(RECENT)
    shot(page, "zh-registration")
    page.get_by_role("button", name="保存", exact=True).click()
    number = page.get_by_test_id("screening-number").inner_text()
    assert re.fullmatch(r"SH01-\d{4}", number)
    assert english_on(page) == [], "new patient's page"
    shot(page, "zh-new-patient")

    # A cycle for the randomized patient.
    page.goto(f"/patients/{treated.screening_number}/")
    page.get_by_role("link", name="新增治疗周期").click()
    assert english_on(page) == [], "cycle form"
    page.get_by_label("第1天（给药日期或计划日期）").fill(RECENT)
    page.get_by_label("抗PD-1抗体药物").select_option(label="卡瑞利珠单抗")
    page.get_by_label("抗PD-1抗体剂量（mg）").fill("200")
    shot(page, "zh-cycle")
    page.get_by_role("button", name="保存", exact=True).click()
    assert page.get_by_test_id("patient-status").inner_text() == "治疗中"
    assert english_on(page) == [], "patient page after the cycle"

    # An adverse event.
    page.get_by_role("link", name="新增不良事件").click()
    page.get_by_label("CTCAE术语").fill("pneum")
    page.locator("#ctcae-terms option[value^='Pneumonitis (']").wait_for(state="attached")
    page.get_by_label("CTCAE术语").fill("Pneumonitis (Respiratory, thoracic and mediastinal disorders)")
    page.get_by_test_id("grade-definitions").get_by_text("Symptomatic; medical intervention indicated").wait_for()
    assert "CTCAE v5.0分级" in page.get_by_test_id("grade-definitions").inner_text()
    page.get_by_label("发生日期").fill(RECENT)
    page.get_by_label("持续中").check()
    page.get_by_label("2级").check()
    page.get_by_label("与抗PD-1抗体的相关性").select_option(label="可能有关")
    page.get_by_label("与化疗的相关性").select_option(label="可能无关")
    page.get_by_label("免疫相关不良事件（irAE）").check()
    page.get_by_label("对抗PD-1抗体采取的措施").select_option(label="延迟给药")
    page.get_by_label("对化疗采取的措施").select_option(label="无")
    page.get_by_label("针对该事件的治疗").select_option(label="糖皮质激素")
    page.get_by_label("转归").select_option(label="恢复中/解决中")
    assert english_on(page) == [], "AE form"
    shot(page, "zh-adverse-event-form")
    page.get_by_role("button", name="保存", exact=True).click()
    assert page.get_by_test_id("review-state").inner_text() == "待研究者审核"
    assert english_on(page) == [], "AE page"
    shot(page, "zh-adverse-event")

    # Stored as codes, whatever the language it was entered in.
    ae = AdverseEvent.objects.get()
    assert (ae.relationship_to_anti_pd1, ae.action_anti_pd1, ae.outcome) == ("possible", "delayed", "recovering")

    # The same pages in English, for the reviewer's side-by-side.
    page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en-gb"
    assert page.get_by_test_id("review-state").inner_text() == "Awaiting investigator review"
    shot(page, "en-adverse-event")
    page.goto(f"/patients/{treated.screening_number}/")
    shot(page, "en-patient")
    page.goto("/patients/")
    shot(page, "en-patient-list")
