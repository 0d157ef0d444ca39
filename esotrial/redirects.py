"""Where a form may send the user back to: only a path on this site (no open redirect)."""

from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, default):
    """Redirect to the posted `next` if it is a local path, else to `default` (a URL name)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A bare word ("12") would be read as a URL name by redirect(), and a scheme or host as
    # somewhere else: only an absolute path on this host is followed.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(resolve_url(default))
