from django.conf import settings
from django.core.exceptions import BadRequest
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
