from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from .passwords import password_is_correct


class LockoutAwarePasswordChangeForm(PasswordChangeForm):
    """Django's password change, whose old-password check counts towards the login lockout."""

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not password_is_correct(self.user, old_password, self.request):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
