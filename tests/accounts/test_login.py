"""Authentication: login required everywhere, lockout after 5 failures, idle expiry, strong passwords."""

from unittest.mock import patch

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/patients/", "/patients/register/", "/patients/SH01-0001/"])
@pytest.mark.req("P11-ACC-1")
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_nurse_logs_in_and_lands_on_patients(client, nurse):
    response = login(client, "nurse.sh01", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("crf:patient_list")


def test_wrong_password_shows_form_error(client, nurse):
    response = login(client, "nurse.sh01", "wrong-password")
    assert response.status_code == 200
    assert b"correct username and password" in response.content


@pytest.mark.req("P11-ACC-2")
def test_five_failed_logins_lock_the_account(client, nurse):
    for _ in range(5):
        login(client, "nurse.sh01", "wrong-password")
    response = login(client, "nurse.sh01", PASSWORD)  # even the right password is now refused
    assert response.status_code == 429
    assert b"Account locked" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failures_then_success_resets_the_count(client, nurse):
    for _ in range(4):
        login(client, "nurse.sh01", "wrong-password")
    assert login(client, "nurse.sh01", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "nurse.sh01", "wrong-password")
    assert login(client, "nurse.sh01", PASSWORD).status_code == 302


def test_lockout_of_one_user_leaves_colleague_alone(client, nurse, investigator):
    for _ in range(5):
        login(client, "nurse.sh01", "wrong-password")
    assert login(client, "investigator.sh01", PASSWORD).status_code == 302


def test_session_expires_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # counted from the last request, i.e. idle time


@pytest.mark.req("PERF-5")
def test_each_request_renews_the_idle_timeout_and_an_idle_session_ends(nurse_client):
    session = nurse_client.session
    redis = cache._cache.get_client(session.cache_key, write=False)
    cache.touch(session.cache_key, 60)  # 29 of the 30 idle minutes have passed
    nurse_client.get(reverse("crf:patient_list"))
    assert abs(redis.ttl(cache.make_key(session.cache_key)) - 30 * 60) < 60  # 30 minutes again from this request

    cache.touch(session.cache_key, 0)  # 30 idle minutes have passed
    response = nurse_client.get(reverse("crf:patient_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.req("PERF-5")
def test_a_request_that_changes_nothing_renews_the_session_without_rewriting_it(nurse_client):
    session = nurse_client.session
    nurse_client.get(reverse("crf:patient_list"))
    with patch.object(cache, "set", wraps=cache.set) as written:
        nurse_client.get(reverse("crf:patient_list"))
    assert not [call for call in written.call_args_list if call.args[0] == session.cache_key]
    assert not Session.objects.exists()  # sessions live in Redis, not in the database


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["short1", "password123456", "123456789012345", "nurse.sh01nurse"])
def test_weak_passwords_are_refused(nurse, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, user=nurse)


def test_logout_is_post_only_and_ends_the_session(nurse_client):
    assert nurse_client.get(reverse("logout")).status_code == 405
    nurse_client.post(reverse("logout"))
    assert nurse_client.get(reverse("crf:patient_list")).status_code == 302


def test_forms_carry_csrf_tokens(nurse_client):
    body = nurse_client.get(reverse("crf:patient_register")).content.decode()
    assert "csrfmiddlewaretoken" in body


def test_keep_alive_renews_the_session_and_only_by_post(nurse_client):
    from django.urls import reverse

    assert nurse_client.post(reverse("keep_alive")).status_code == 204
    assert nurse_client.get(reverse("keep_alive")).status_code == 405


def test_pages_tell_the_browser_the_idle_timeout(nurse_client, settings):
    from django.urls import reverse

    page = nurse_client.get(reverse("crf:patient_list")).content.decode()
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE}"' in page


@pytest.mark.req("PERF-5")
def test_database_connections_persist_and_are_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] >= 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
