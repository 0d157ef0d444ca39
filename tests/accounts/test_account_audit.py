"""Identities are durable and account administration is audited (21 CFR Part 11 §11.10(d)(e),
§11.300): user names never change, accounts are deactivated, and every account change, password
set, failed sign-in, lockout and unlock is recorded with who, when, old → new and why."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import AccountEvent, SiteMembership
from tests.factories import PASSWORD, UserFactory
from tests.forms import submitted_values


def account_form(client, user):
    """The admin's account page as the administrator submits it: what it shows, inlines included."""
    response = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    data = submitted_values(response.context["adminform"].form)
    for formset in response.context["inline_admin_formsets"]:
        data.update(submitted_values(formset.formset.management_form))
        for form in formset.formset.forms:
            data.update(submitted_values(form))
    return data


def events(user, action):
    return list(AccountEvent.objects.filter(username=user.username, action=action).order_by("id"))


@pytest.mark.req("P11-ID-1")
def test_a_user_name_cannot_be_changed(client, admin_user, nurse):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_change", args=[nurse.pk]))
    assert "username" not in response.context["adminform"].form.fields  # shown, not editable
    nurse.username = "someone.else"
    with pytest.raises(ValueError, match="cannot be changed"):
        nurse.save()


@pytest.mark.req("P11-ID-3")
def test_deactivation_needs_a_reason_and_is_audited_with_who_and_why(client, admin_user, nurse):
    client.force_login(admin_user)
    data = account_form(client, nurse)
    data.pop("is_active")
    response = client.post(reverse("admin:auth_user_change", args=[nurse.pk]), data)
    assert response.context["adminform"].form.errors["reason_for_change"] == ["This field is required."]
    nurse.refresh_from_db()
    assert nurse.is_active
    client.post(reverse("admin:auth_user_change", args=[nurse.pk]), {**data, "reason_for_change": "Left the site"})
    nurse.refresh_from_db()
    assert not nurse.is_active
    (event,) = events(nurse, "deactivated")
    assert (event.actor_username, event.old, event.new, event.reason) == (
        "admin",
        "active",
        "inactive",
        "Left the site",
    )
    assert event.printed_name == "Li Nurse"


@pytest.mark.req("P11-ID-3")
def test_role_and_site_changes_are_audited(client, admin_user, nurse, other_site):
    client.force_login(admin_user)
    data = account_form(client, nurse)
    monitor = Group.objects.get(name=roles.MONITOR)
    data["groups"] = [str(monitor.pk)]  # research nurse → monitor
    data["reason_for_change"] = "Now monitors for the sponsor"
    client.post(reverse("admin:auth_user_change", args=[nurse.pk]), data)
    assert [e.new for e in events(nurse, "role_added")][-1] == roles.MONITOR
    assert [e.old for e in events(nurse, "role_removed")] == [roles.RESEARCH_NURSE]
    assert events(nurse, "role_removed")[0].reason == "Now monitors for the sponsor"
    SiteMembership.objects.create(user=nurse, site=other_site)
    assert [e.new for e in events(nurse, "site_added")][-1] == "HZ01"


@pytest.mark.req("P11-ID-3")
def test_passwords_set_by_an_administrator_and_changed_by_the_owner_are_audited(client, admin_user, nurse):
    client.force_login(admin_user)
    new = "Plum-harbour-lantern-31"
    url = reverse("admin:auth_user_password_change", args=[nurse.pk])
    assert 'name="reason_for_change"' in client.get(url).content.decode()  # shown on the page, not only accepted
    client.post(url, {"password1": new, "password2": new, "reason_for_change": "Forgotten password"})
    event = events(nurse, "password_set")[-1]  # (the first: the factory's, when the account was made)
    assert (event.actor_username, event.reason, event.old, event.new) == ("admin", "Forgotten password", "", "")
    own = Client()
    nurse.refresh_from_db()  # with the password the administrator set
    own.force_login(nurse)
    newer = "Quartz-meadow-violin-58"
    own.post(reverse("password_change"), {"old_password": new, "new_password1": newer, "new_password2": newer})
    (event,) = events(nurse, "password_changed")
    assert event.actor_username == "nurse.sh01"


@pytest.mark.req("P11-ID-4", "P11-ACC-2")
def test_failed_sign_ins_are_kept_after_a_good_one_and_lockout_and_unlock_are_audited(client, admin_user, nurse):
    browser = Client()
    for _ in range(2):
        browser.post(reverse("login"), {"username": "nurse.sh01", "password": "wrong-password-x"})
    browser.post(reverse("login"), {"username": "nurse.sh01", "password": PASSWORD})
    failed = events(nurse, "login_failed")
    assert [e.new for e in failed] == ["wrong password at sign-in"] * 2  # django-axes forgot them; the audit has not
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "nurse.sh01", "password": "wrong-password-x"})
    assert events(nurse, "locked_out")
    attempt = AccessAttempt.objects.get(username="nurse.sh01")
    client.force_login(admin_user)
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    (event,) = events(nurse, "unlocked")
    assert event.actor_username == "admin"


@pytest.mark.req("P11-ID-2")
def test_history_keeps_the_name_a_person_had_when_they_acted(nurse_client, nurse, patient):
    from audit.services import save_with_reason

    patient.initials = "ABC"
    save_with_reason(patient, nurse, "Typo")
    nurse.last_name = "Married-name"
    nurse.save()
    page = nurse_client.get(reverse("crf:patient_history", args=[patient.screening_number]))
    (change,) = [c for c in page.context["changes"] if c.action == "Changed"]
    assert change.user == "Li Nurse (nurse.sh01)"  # as at the time of the edit
    assert events(nurse, "name_changed")[0].new == "Li Married-name"


@pytest.mark.req("P11-ID-5")
def test_the_data_manager_reads_the_access_and_accounts_audit_of_their_sites(client, data_manager, nurse, other_site):
    stranger = UserFactory(username="nurse.hz01", role=roles.RESEARCH_NURSE, sites=[other_site])
    client.force_login(data_manager)
    page = client.get(reverse("admin:accounts_accountevent_changelist"))
    shown = {event.username for event in page.context["cl"].result_list}
    assert "nurse.sh01" in shown and stranger.username not in shown
    assert client.post(
        reverse("admin:accounts_accountevent_changelist"), {"action": "delete_selected"}
    ).status_code in (
        200,
        302,
        403,
    )
    assert AccountEvent.objects.filter(username="nurse.sh01").exists()  # nothing deleted


@pytest.mark.req("P11-ID-3")
def test_an_account_is_created_with_a_reason(client, admin_user):
    client.force_login(admin_user)
    password = "Maple-orchid-tundra-47"
    data = {"username": "nurse.new", "password1": password, "password2": password, "usable_password": "true"}
    response = client.post(reverse("admin:auth_user_add"), data)
    assert response.context["adminform"].form.errors["reason_for_change"] == ["This field is required."]
    memberships = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}  # the sites inline, empty
    client.post(reverse("admin:auth_user_add"), {**data, **memberships, "reason_for_change": "New nurse at SH01"})
    (event,) = AccountEvent.objects.filter(username="nurse.new", action="created")
    assert (event.actor_username, event.reason) == ("admin", "New nurse at SH01")
