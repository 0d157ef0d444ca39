"""Sending reminders on demand is for those who may send, and goes through the worker."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts import roles
from tests.factories import UserFactory


@pytest.mark.req("SEC-8")
def test_read_only_data_manager_cannot_send_reminders(client, data_manager, site):
    client.force_login(data_manager)
    assert client.get(reverse("admin:visits_reminderrun_send")).status_code == 403
    assert client.post(reverse("admin:visits_reminderrun_send"), {"sites": [site.pk]}).status_code == 403


@pytest.mark.req("SEC-8")
def test_no_role_may_send_reminders_by_default(db):
    assert not Permission.objects.filter(codename="send_reminders", group__name__in=roles.ROLES).exists()


@pytest.mark.req("SEC-8")
def test_a_user_granted_the_permission_queues_the_digests(client, site, monkeypatch):
    from visits import admin as visits_admin

    queued = []
    monkeypatch.setattr(visits_admin, "enqueue", lambda task, *args: queued.append(args) or True)
    sender = UserFactory(username="coordinator", sites=[site], is_staff=True)
    sender.user_permissions.add(Permission.objects.get(codename="send_reminders"))
    client.force_login(sender)
    response = client.post(reverse("admin:visits_reminderrun_send"), {"sites": [site.pk]})
    assert response.status_code == 302
    assert queued == [([site.pk],)]


@pytest.mark.req("SEC-8")
def test_sites_offered_are_the_users_own(client, site, other_site):
    sender = UserFactory(username="coordinator", sites=[site], is_staff=True)
    sender.user_permissions.add(Permission.objects.get(codename="send_reminders"))
    client.force_login(sender)
    page = client.get(reverse("admin:visits_reminderrun_send"))
    assert list(page.context["form"].fields["sites"].queryset) == [site]
