"""The user's language: chosen in the navigation, stored on the account, followed by pages and e-mails.

Pages: Django's LocaleMiddleware picks the browser's language (or the switch's cookie); for a signed-in
user the account's choice, copied into the session at sign-in, overrides it without a query per request.
The first sign-in stores the browser's language as the account's default.
E-mails: each recipient's choice, else their site's language, else the trial's default.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views import i18n
from django.views.decorators.http import require_POST

from .models import LanguagePreference

SESSION_KEY = "language"


def is_supported(language):
    return language in dict(settings.LANGUAGES)


def supported(language):
    """The LANGUAGES code for a language code ("en" → "en-gb"), or the default."""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def chosen_language(user):
    """The account's chosen language, or None."""
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


def emails_by_language(users, site=None):
    """{language: [e-mail address]} of `users` (who have an address): each user's choice, else the
    site's language, else the trial's default. One message per language reaches them all."""
    users = [user for user in users if user.email]
    chosen = dict(LanguagePreference.objects.filter(user__in=users).values_list("user_id", "language"))
    fallback = site.language if site is not None else settings.LANGUAGE_CODE
    grouped = {}
    for user in users:
        grouped.setdefault(supported(chosen.get(user.pk, fallback)), set()).add(user.email)
    return {language: sorted(emails) for language, emails in grouped.items()}


def browser_language(request):
    """The switch's cookie, else the first of ours the browser's Accept-Language asks for; None if neither."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and is_supported(cookie):
        return cookie
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code != "*":
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
    return None


@receiver(user_logged_in)
def remember_language_at_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    language = chosen_language(user)
    if not language:
        # No choice yet: a language the browser asks for becomes the account's default, so that the
        # e-mails this user receives follow it too (the switch changes it at any time). A browser
        # asking for none of ours leaves the site's language in charge of e-mails.
        language = browser_language(request)
        if language:
            LanguagePreference.objects.get_or_create(user=user, defaults={"language": language})
    if language:
        request.session[SESSION_KEY] = language
        translation.activate(language)


class UserLanguageMiddleware:
    """After authentication: a signed-in user's chosen language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(SESSION_KEY) if request.user.is_authenticated else None
        if language and is_supported(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@login_not_required  # the login page has the switch too
@require_POST
def set_language(request):
    """The navigation's switch (and the login page's): Django's own view (safe redirect back, cookie),
    and for a signed-in user the choice stored on the account and in the session."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and is_supported(language):
        LanguagePreference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response
