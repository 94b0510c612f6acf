import time

import pghistory.middleware
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers


class ChosenLanguageMiddleware:
    """Romanian unless the user chose English with the language switch.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not
    consulted: a phone set to English still opens the site in Romanian, the
    language of the people who use it. The choice lives in Django's language
    cookie, set by the ``set_language`` view.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class NoStoreMiddleware:
    """Pages are never stored by the browser or a proxy unless a view says otherwise.

    Phones are shared: after logging out, the back button must not bring a
    child's page back from the cache. Static files are answered earlier by
    whitenoise, with their own long-lived headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RejectNulCharactersMiddleware:
    """Answer 400 to a query string or form holding a NUL character.

    No person types one, PostgreSQL refuses it in text, and without this check
    any filter or form field could be turned into a server error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query
    )


# The session key that marks a login still waiting for its second factor:
# "verify" (the user has a device) or "setup" (a superuser without one yet).
SECOND_FACTOR_PENDING = "second_factor"
# When the session was last renewed, in seconds since the epoch.
_LAST_SEEN = "last_seen"
_RENEW_EVERY_SECONDS = 60


def start_idle_clock(sender, request, **kwargs) -> None:
    if request is not None:
        request.session[_LAST_SEEN] = int(time.time())


class IdleSessionMiddleware:
    """Keeps a working user's session alive; an idle one expires after SESSION_COOKIE_AGE.

    Django's own choice is all or nothing: renew the session (a database write)
    on every request, or never, so that it ends in the middle of someone's work.
    Renewing at most once a minute costs one write a minute per active user, and
    the session still ends 30 minutes (less a minute at worst) after the last page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            seen = session.get(_LAST_SEEN, 0)
            if time.time() - seen >= _RENEW_EVERY_SECONDS:
                session[_LAST_SEEN] = int(time.time())
        return self.get_response(request)


class SecondFactorMiddleware:
    """Sends a user whose login still waits for a second factor to the code page.

    The login marks the session (``inocenti.two_factor.on_login``), so that
    the users without a second factor pay no query on each request for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending = request.session.get(SECOND_FACTOR_PENDING)
        if pending and not _open_before_second_factor(request.path_info):
            target = "two_factor_verify" if pending == "verify" else "two_factor_setup"
            return redirect_to_login(request.get_full_path(), reverse(target))
        return self.get_response(request)


def _open_before_second_factor(path: str) -> bool:
    try:
        name = resolve(path).view_name
    except Resolver404:
        return False
    # Full names: the admin's own "admin:logout" is not ours and stays closed.
    return name in {"two_factor_verify", "two_factor_setup", "logout", "set_language", "health"}


class AuditContextMiddleware(pghistory.middleware.HistoryMiddleware):
    """Records who made each change (and on which page) beside the audit trail's rows."""

    def get_context(self, request) -> dict:
        user = getattr(request, "user", None)
        return {
            "user": user.pk if user is not None and user.is_authenticated else None,
            "url": request.path,
        }


def client_ip(request) -> str:
    """The client's address, as the reverse proxies in front of us saw it.

    Only the last TRUSTED_PROXY_COUNT entries of X-Forwarded-For were written
    by our own proxies; anything before them came from the client and could be
    forged to dodge the login lockout.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
