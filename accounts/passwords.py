"""Every place a password is re-entered counts towards the same lockout as the login.

django-axes counts failed logins per user name (AXES_FAILURE_LIMIT, 5). The e-signature and the
password change also ask for the password; checked with `user.check_password` they were an
unlimited guessing oracle beside the lockout. Going through `authenticate()` lets axes count
their failures with the login's, and refuse every check, right password included, once locked.
"""

import re

from django.contrib.auth import authenticate, logout
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


def password_is_correct(user, password, request=None):
    """True if `password` is `user`'s and the account is not locked out.

    `request` is None only outside HTTP (the demo builder, a management command), where there is
    no one to lock out.
    """
    if request is None:
        return user.check_password(password)
    authenticated = authenticate(request, username=user.get_username(), password=password)
    if getattr(request, "axes_locked_out", False):
        logout(request)  # locked as at the login: the session ends and the lockout page follows
        return False
    return authenticated is not None and authenticated.pk == user.pk


class RepeatedOrSequentialCharactersValidator:
    """Refuse passwords made of one repeated character or a run such as 'abcd', '1234', '4321'.

    Django's validators accept 'aaaaaaaaaaaa' (12 characters, not in the common list).
    """

    MIN_DISTINCT = 5
    MAX_RUN = 3

    def validate(self, password, user=None):
        if len(set(password.lower())) < self.MIN_DISTINCT:
            raise ValidationError(
                gettext("Use at least %(count)s different characters.") % {"count": self.MIN_DISTINCT},
                code="password_too_repetitive",
            )
        if re.search(rf"(.)\1{{{self.MAX_RUN},}}", password.lower()) or self._has_sequence(password.lower()):
            raise ValidationError(
                gettext("Avoid runs of more than %(count)s repeated or consecutive characters (aaaa, abcd, 4321).")
                % {"count": self.MAX_RUN},
                code="password_sequential",
            )

    def _has_sequence(self, password):
        for step in (1, -1):
            run = 1
            for before, after in zip(password, password[1:], strict=False):
                consecutive = before.isalnum() and after.isalnum() and ord(after) - ord(before) == step
                run = run + 1 if consecutive else 1
                if run > self.MAX_RUN:
                    return True
        return False

    def get_help_text(self):
        return gettext(
            "At least %(distinct)s different characters, and no run of more than %(run)s repeated "
            "or consecutive characters."
        ) % {"distinct": self.MIN_DISTINCT, "run": self.MAX_RUN}
