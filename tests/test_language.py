"""English and 简体中文: the switch, the account's choice, the browser's default, and e-mails in each
recipient's language. Stored values, exports and signature hashes do not depend on the language."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.models import LanguagePreference
from randomization.tasks import alert_list_exhausted, notify_randomization
from safety.models import AdverseEvent, SaeReport
from tests.factories import PASSWORD, AllocationFactory, CycleFactory, PatientFactory, UserFactory
from tests.safety.helpers import post_ae
from visits.reminders import send_digests

CJK = re.compile(r"[\u4e00-\u9fff]")


def lang_of(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.req("I18N-1")
def test_the_switch_stores_the_choice_on_the_account_and_the_page_follows(nurse_client, nurse):
    page = nurse_client.get(reverse("crf:patient_list"))
    assert lang_of(page) == "en-gb" and "简体中文" in page.content.decode()  # the switch names each language in itself
    response = nurse_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert LanguagePreference.objects.get(user=nurse).language == "zh-hans"
    page = nurse_client.get(reverse("crf:patient_list"))
    assert lang_of(page) == "zh-hans" and "受试者" in page.content.decode()
    nurse_client.post(reverse("set_language"), {"language": "en-gb", "next": "/patients/"})
    assert lang_of(nurse_client.get(reverse("crf:patient_list"))) == "en-gb"


@pytest.mark.req("I18N-1")
def test_the_choice_follows_the_account_to_another_browser(nurse):
    LanguagePreference.objects.create(user=nurse, language="zh-hans")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    response = browser.post(reverse("login"), {"username": nurse.username, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert lang_of(browser.get(reverse("crf:patient_list"))) == "zh-hans"


@pytest.mark.req("I18N-1")
def test_without_a_choice_pages_follow_the_browser(nurse):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    login = chinese.get(reverse("login"))
    assert lang_of(login) == "zh-hans" and CJK.search(login.content.decode())
    assert lang_of(Client(HTTP_ACCEPT_LANGUAGE="en-US").get(reverse("login"))) == "en-gb"
    chinese.force_login(nurse)
    assert lang_of(chinese.get(reverse("crf:patient_list"))) == "zh-hans"


@pytest.mark.req("I18N-1", "I18N-4")
def test_the_first_sign_in_keeps_the_browser_language_for_the_account(nurse, site, eager_tasks):
    nurse.email = "nurse@sh01.org"
    nurse.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    browser.post(reverse("login"), {"username": nurse.username, "password": PASSWORD})
    assert LanguagePreference.objects.get(user=nurse).language == "zh-hans"
    allocation = AllocationFactory(patient=PatientFactory(site=site), randomized_on="2025-03-10")
    notify_randomization(allocation.pk)  # the site's language is English; the nurse reads Chinese
    assert CJK.search(mail.outbox[0].body)


@pytest.mark.req("I18N-1", "I18N-4")
def test_a_browser_asking_for_none_of_our_languages_leaves_the_site_language(nurse):
    Client(HTTP_ACCEPT_LANGUAGE="ja,fr;q=0.8").post(
        reverse("login"), {"username": nurse.username, "password": PASSWORD}
    )
    assert not LanguagePreference.objects.filter(user=nurse).exists()


@pytest.mark.req("I18N-1", "SEC-6")
def test_the_switch_refuses_unknown_languages_and_foreign_redirects(nurse_client, nurse):
    response = nurse_client.post(reverse("set_language"), {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert not LanguagePreference.objects.filter(user=nurse).exists()
    assert nurse_client.get(reverse("set_language")).status_code == 405


@pytest.mark.req("I18N-1")
def test_the_login_page_has_the_switch_for_someone_not_signed_in(db):
    browser = Client()
    response = browser.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")})
    assert response["Location"] == reverse("login")
    assert lang_of(browser.get(reverse("login"))) == "zh-hans"


# --- E-mails in the recipient's language ---


@pytest.fixture
def eager_tasks():
    from esotrial.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.req("I18N-4")
def test_an_sae_report_reaches_each_investigator_in_their_language(
    site, nurse_client, terms, eager_tasks, django_capture_on_commit_callbacks
):
    chinese = UserFactory(username="investigator.zh", role=roles.INVESTIGATOR, sites=[site], email="zh@sh01.org")
    UserFactory(username="investigator.en", role=roles.INVESTIGATOR, sites=[site], email="en@sh01.org")
    LanguagePreference.objects.create(user=chinese, language="zh-hans")
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    with django_capture_on_commit_callbacks(execute=True):
        post_ae(nurse_client, patient, serious="on", sae_hospitalization="on", grade="3")
    assert SaeReport.objects.get().notified_at is not None
    by_recipients = {tuple(sorted(message.to)): message for message in mail.outbox}
    assert set(by_recipients) == {("zh@sh01.org",), tuple(sorted(["en@sh01.org", settings.SAE_SAFETY_DESK_EMAIL]))}
    zh = by_recipients[("zh@sh01.org",)].body
    assert "严重不良事件" in zh and "Pneumonitis" in zh  # the CTCAE term stays NCI's English
    en = by_recipients[tuple(sorted(["en@sh01.org", settings.SAE_SAFETY_DESK_EMAIL]))].body
    assert "Serious adverse event" in en and not CJK.search(en)


@pytest.mark.req("I18N-4")
def test_the_randomization_e_mail_follows_each_recipient(site, eager_tasks):
    nurse = UserFactory(username="nurse.zh", role=roles.RESEARCH_NURSE, sites=[site], email="nurse@sh01.org")
    UserFactory(username="investigator.en", role=roles.INVESTIGATOR, sites=[site], email="pi@sh01.org")
    LanguagePreference.objects.create(user=nurse, language="zh-hans")
    allocation = AllocationFactory(patient=PatientFactory(site=site), randomized_on="2025-03-10")
    assert notify_randomization(allocation.pk) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert "随机" in by_recipient["nurse@sh01.org"].body and allocation.number in by_recipient["nurse@sh01.org"].subject
    assert "was randomized" in by_recipient["pi@sh01.org"].body


@pytest.mark.req("I18N-4")
def test_a_site_in_chinese_sends_its_digests_in_chinese_unless_the_user_chose(site):
    site.language = "zh-hans"
    site.save()
    UserFactory(username="nurse.a", role=roles.RESEARCH_NURSE, sites=[site], email="a@sh01.org")
    english = UserFactory(username="nurse.b", role=roles.RESEARCH_NURSE, sites=[site], email="b@sh01.org")
    LanguagePreference.objects.create(user=english, language="en-gb")
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    send_digests(date(2025, 4, 4))
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert CJK.search(by_recipient["a@sh01.org"].body) and CJK.search(by_recipient["a@sh01.org"].subject)
    assert f"{patient.screening_number}: Cycle 2, due 2025-04-02" in by_recipient["b@sh01.org"].body
    assert not CJK.search(by_recipient["b@sh01.org"].body)


@pytest.mark.req("I18N-4")
def test_the_list_exhausted_alert_follows_the_manager(db):
    manager = UserFactory(username="rm", role=roles.RANDOMIZATION_MANAGER, email="rm@example.org")
    LanguagePreference.objects.create(user=manager, language="zh-hans")
    assert alert_list_exhausted("SH01|oligo") == 1
    assert CJK.search(mail.outbox[0].body) and "SH01|oligo" in mail.outbox[0].body


# --- Data never depend on the language ---


@pytest.mark.req("I18N-3")
def test_an_ae_entered_in_chinese_stores_codes_and_hashes_as_in_english(site, nurse_client, terms):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    nurse_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    post_ae(nurse_client, patient, grade="2")
    ae = AdverseEvent.objects.get()
    assert (ae.relationship_to_anti_pd1, ae.outcome, ae.term.term) == ("possible", "recovering", "Pneumonitis")
    from safety.signing import values_hash

    with translation.override("zh-hans"):
        in_chinese = values_hash(ae)
    with translation.override("en-gb"):
        assert values_hash(ae) == in_chinese
    history = ae.history.latest()
    assert history.outcome == "recovering" and not CJK.search(history.history_change_reason or "")


@pytest.mark.req("I18N-3")
def test_reasons_the_system_writes_are_stored_in_english_and_read_in_chinese():
    from audit.history import shown_reason

    with translation.override("zh-hans"):
        assert shown_reason("Voided: entered twice") == "已作废：entered twice"  # the typed part stays as typed
        assert shown_reason("Record edited: outcome updated") == "记录已修改：outcome updated"
        assert shown_reason("Confirmed received by the safety desk") == "已确认药物警戒部门收到"
        assert shown_reason("typed by a nurse") == "typed by a nurse"
        assert shown_reason("Correction") == "Correction"  # typed, though "Correction" is a translated label
    with translation.override("en-gb"):
        assert shown_reason("Voided: entered twice") == "Voided: entered twice"


@pytest.mark.req("I18N-4", "SAF-4")
def test_an_sae_report_half_sent_is_left_in_doubt_not_sent_twice(site, terms, monkeypatch):
    """Two languages, two messages: the relay takes the first and drops the second. A retry would send
    the first recipients the report again, so the report is left for a person (in doubt)."""
    import smtplib

    from safety import tasks
    from tests.factories import AdverseEventFactory

    chinese = UserFactory(username="investigator.zh", role=roles.INVESTIGATOR, sites=[site], email="zh@sh01.org")
    LanguagePreference.objects.create(user=chinese, language="zh-hans")
    report = SaeReport.objects.create(
        adverse_event=AdverseEventFactory(patient=PatientFactory(site=site)), aware_at="2025-04-21T08:00Z"
    )
    accepted = []

    def relay(messages):
        if accepted:
            raise smtplib.SMTPServerDisconnected("relay down")
        accepted.extend(messages)

    monkeypatch.setattr(tasks, "send_messages", relay)
    assert tasks.notify_sae.apply(args=[report.pk]).get() == "in doubt"
    report.refresh_from_db()
    assert report.notification_in_doubt and "sent 1 of 2" in report.last_error
    monkeypatch.undo()
    assert tasks.notify_sae.apply(args=[report.pk]).get() == "already sent or in doubt"
    assert len(accepted) == 1
