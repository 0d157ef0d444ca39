"""The account audit trail (AccountEvent): every change to an account, role or site membership,
every password set or changed, failed sign-in, lockout and unlock, with who, when, old → new and
the reason. The admin pages that change accounts run inside `acting(request)`, so the receivers
below know who acted and why; anything else is recorded as "system"."""

from contextlib import contextmanager
from contextvars import ContextVar

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse

from .models import AccountEvent, SiteMembership

User = get_user_model()
_request = ContextVar("account_admin_request", default=None)

REASON_FIELD = "reason_for_change"


@contextmanager
def acting(request):
    """Account changes made while handling `request` are attributed to its user, with the reason
    the form gave (request.POST["reason_for_change"])."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def printed(user):
    return user.get_full_name().strip() if user else ""


def record(user_or_name, action, old="", new="", reason=None, request=None):
    request = request or _request.get()
    actor = getattr(request, "user", None)
    actor = actor if actor is not None and actor.is_authenticated else None
    if reason is None:
        reason = request.POST.get(REASON_FIELD, "").strip() if request is not None and request.method == "POST" else ""
    if isinstance(user_or_name, str):
        username, name = user_or_name, ""
    else:
        username, name = user_or_name.get_username(), printed(user_or_name)
    AccountEvent.objects.create(
        actor_username=actor.get_username() if actor else "",
        actor_printed_name=printed(actor),
        username=username[:150],
        printed_name=name,
        action=action,
        old=str(old)[:300],
        new=str(new)[:300],
        reason=reason,
    )


@receiver(pre_save, sender=User)
def remember_the_account_before(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        instance._before = None  # a sign-in stamping its time: nothing to audit
        return
    instance._before = User.objects.filter(pk=instance.pk).first() if instance.pk else None
    if instance._before is not None and instance._before.username != instance.username:
        # A user name is an identity: its past records would be re-attributed (Part 11 §11.10(e)).
        raise ValueError("A user name cannot be changed once the account exists: create a new account instead.")


@receiver(post_save, sender=User)
def record_account_changes(sender, instance, created, **kwargs):
    if kwargs.get("raw"):
        return
    if created:
        record(instance, AccountEvent.Action.CREATED, new=printed(instance))
        return
    before = getattr(instance, "_before", None)
    if before is None:
        return
    if before.is_active != instance.is_active:
        action = AccountEvent.Action.ACTIVATED if instance.is_active else AccountEvent.Action.DEACTIVATED
        state = {True: "active", False: "inactive"}
        record(instance, action, old=state[before.is_active], new=state[instance.is_active])
    if printed(before) != printed(instance):
        record(instance, AccountEvent.Action.NAME_CHANGED, old=printed(before), new=printed(instance))
    for field, action in (
        ("email", AccountEvent.Action.EMAIL_CHANGED),
        ("is_staff", AccountEvent.Action.STAFF_CHANGED),
        ("is_superuser", AccountEvent.Action.SUPERUSER_CHANGED),
    ):
        if getattr(before, field) != getattr(instance, field):
            shown = {True: "yes", False: "no"}
            old, new = getattr(before, field), getattr(instance, field)
            record(instance, action, old=shown.get(old, old), new=shown.get(new, new))
    if before.password != instance.password:
        request = _request.get()
        by_owner = request is not None and getattr(request, "user", None) == instance
        action = AccountEvent.Action.PASSWORD_CHANGED if by_owner else AccountEvent.Action.PASSWORD_SET
        record(instance, action)  # never the hashes


@receiver(m2m_changed, sender=User.groups.through)
def record_role_changes(sender, instance, action, pk_set, model, reverse, **kwargs):
    if reverse or action not in ("post_add", "post_remove") or not pk_set:
        return
    names = ", ".join(sorted(model.objects.filter(pk__in=pk_set).values_list("name", flat=True)))
    if action == "post_add":
        record(instance, AccountEvent.Action.ROLE_ADDED, new=names)
    else:
        record(instance, AccountEvent.Action.ROLE_REMOVED, old=names)


@receiver(post_save, sender=SiteMembership)
def record_site_added(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw"):
        record(instance.user, AccountEvent.Action.SITE_ADDED, new=instance.site.code)


@receiver(post_delete, sender=SiteMembership)
def record_site_removed(sender, instance, **kwargs):
    record(instance.user, AccountEvent.Action.SITE_REMOVED, old=instance.site.code)


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    """Kept for good: django-axes forgets a user's failures at the next good sign-in."""
    username = (credentials or {}).get("username") or ""
    if not username:
        return
    # One lockout for every password check (accounts.passwords): say which one failed.
    path = getattr(request, "path", "")
    where = "sign-in" if path == reverse("login") else "password change" if "password" in path else "e-signature"
    record(username, AccountEvent.Action.LOGIN_FAILED, new=f"wrong password at {where}", reason="", request=request)


@receiver(user_locked_out)
def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    record(username or "", AccountEvent.Action.LOCKED_OUT, new=f"after {settings.AXES_FAILURE_LIMIT} failures")


@receiver(post_delete, sender=AccessAttempt)
def record_unlock(sender, instance, **kwargs):
    # Axes also deletes a user's attempts at a good sign-in: only an administrator's removal of a
    # locking record is an unlock.
    if _request.get() is not None and instance.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        record(instance.username or "", AccountEvent.Action.UNLOCKED, old=f"{instance.failures_since_start} failures")
