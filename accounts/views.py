from django.contrib.auth import views as auth_views

from .forms import LockoutAwarePasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockoutAwarePasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
