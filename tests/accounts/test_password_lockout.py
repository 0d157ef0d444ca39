"""Every password check counts towards one lockout: login, e-signature and password change."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from safety.models import Signature
from tests.factories import PASSWORD, AdverseEventFactory


@pytest.fixture
def ae(patient, terms):
    return AdverseEventFactory(patient=patient)


def sign_url(ae):
    return reverse("safety:ae_detail", args=[ae.patient.screening_number, ae.pk])


def login_refused(investigator):
    client = Client()
    client.post(reverse("login"), {"username": investigator.username, "password": PASSWORD})
    return not client.session.get("_auth_user_id")


def test_twenty_wrong_signing_passwords_then_the_right_one_signs_nothing(client, investigator, ae):
    client.force_login(investigator)
    for _ in range(20):
        client.post(
            sign_url(ae), {"username": "investigator.sh01", "password": "wrong-password-x", "meaning": "reviewed"}
        )
    client.post(sign_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"})
    assert not Signature.objects.exists()


@pytest.mark.req("P11-ACC-2")
def test_signing_is_locked_after_the_login_limit(client, investigator, ae):
    client.force_login(investigator)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            sign_url(ae), {"username": "investigator.sh01", "password": "wrong-password-x", "meaning": "reviewed"}
        )
    # Locked as at the login: the session ended, and the right password no longer logs in.
    assert not client.session.get("_auth_user_id")
    assert login_refused(investigator)


def test_wrong_signing_passwords_count_with_wrong_logins(client, investigator, ae):
    client.force_login(investigator)  # the investigator's open session
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):  # someone guessing at the login page
        Client().post(reverse("login"), {"username": investigator.username, "password": "wrong-password-x"})
    client.post(sign_url(ae), {"username": "investigator.sh01", "password": "wrong-password-x", "meaning": "reviewed"})
    client.post(sign_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"})
    assert not Signature.objects.exists()
    assert login_refused(investigator)


def test_four_wrong_signing_passwords_then_the_right_one_signs(client, investigator, ae):
    client.force_login(investigator)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(
            sign_url(ae), {"username": "investigator.sh01", "password": "wrong-password-x", "meaning": "reviewed"}
        )
    client.post(sign_url(ae), {"username": "investigator.sh01", "password": PASSWORD, "meaning": "reviewed"})
    assert Signature.objects.filter(signer=investigator).exists()


def test_twenty_wrong_old_passwords_then_the_right_one_changes_nothing(client, nurse):
    client.force_login(nurse)
    new = {"new_password1": "Tiger-lily-river-92", "new_password2": "Tiger-lily-river-92"}
    for _ in range(20):
        client.post(reverse("password_change"), {"old_password": "wrong-password-x", **new})
    client.post(reverse("password_change"), {"old_password": PASSWORD, **new})
    nurse.refresh_from_db()
    assert nurse.check_password(PASSWORD)
    assert login_refused(nurse)


def test_right_old_password_still_changes_it(client, nurse):
    client.force_login(nurse)
    new = {"new_password1": "Tiger-lily-river-92", "new_password2": "Tiger-lily-river-92"}
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, **new})
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.check_password("Tiger-lily-river-92")


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "abcdefghijkl", "xq12345zpkmv", "zyxw-kjhg-83"])
def test_repeated_or_sequential_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["eso-demo-2026", "Tiger-lily-river-92", "correct-horse-battery-staple"])
def test_ordinary_passphrases_are_accepted(password):
    validate_password(password)
