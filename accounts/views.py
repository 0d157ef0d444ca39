from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from .audit import acting
from .forms import LockoutAwarePasswordChangeForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockoutAwarePasswordChangeForm

    def dispatch(self, request, *args, **kwargs):
        with acting(request):  # the account audit records the change as the owner's own
            return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


@require_POST
def keep_alive(request):
    """ "Stay signed in": any request renews the idle timeout (SESSION_SAVE_EVERY_REQUEST)."""
    return HttpResponse(status=204)
