import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from programs.models import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROLE_HOMES = {
    Role.SOCIAL_WORKER: ("home/social_worker.html", "Condica de prezență de astăzi"),
    Role.PSYCHOLOGIST: ("home/psychologist.html", "Evaluări și consiliere"),
    Role.COORDINATOR: ("home/coordinator.html", "Coordonare"),
    Role.DIRECTOR: ("home/director.html", "Tablou de bord"),
    Role.VOLUNTEER: ("home/volunteer.html", "Mentorat"),
}

# The only views an anonymous visitor may reach.
PUBLIC_VIEWS = {"login", "health", "set_language", "admin:login"}


def _log_in(client, user, password=PASSWORD, **extra):
    return client.post(
        "/login/", {"username": user.username, "password": password}, follow=True, **extra
    )


def test_login_page_is_in_romanian_even_for_an_english_browser(client):
    response = client.get("/login/", headers={"accept-language": "en-US,en;q=0.9"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ro">' in html
    assert '<h1 class="h3 mb-3">Autentificare</h1>' in html
    assert "Nume de utilizator" in html
    assert "Parolă" in html


def test_language_switch_shows_the_site_in_english(client):
    response = client.post("/language/", {"language": "en", "next": "/login/"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/login/"
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Autentificare" not in html


def test_language_switch_ignores_a_language_we_do_not_offer(client):
    client.post("/language/", {"language": "de", "next": "/login/"})
    assert '<html lang="ro">' in client.get("/login/").content.decode()


@pytest.mark.parametrize("role", list(ROLE_HOMES))
def test_each_role_lands_on_its_own_home_after_login(client, make_user, role):
    template, title = ROLE_HOMES[role]
    response = _log_in(client, make_user(role))
    assert response.redirect_chain[-1][0] == "/"
    assert template in [t.name for t in response.templates]
    assert title in response.content.decode()


def test_pages_are_never_stored_by_the_browser(client, make_user):
    _log_in(client, make_user())
    cache_control = client.get("/")["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_home_lists_the_sites_the_user_may_see(client, make_user, site_a, site_b):
    _log_in(client, make_user(Role.SOCIAL_WORKER, sites=[site_a]))
    html = client.get("/").content.decode()
    assert site_a.name in html
    assert site_b.name not in html


def test_director_home_links_to_the_dashboard(client, make_user):
    _log_in(client, make_user(Role.DIRECTOR))
    assert 'data-testid="dashboard-all-link"' in client.get("/").content.decode()


def test_superuser_must_set_up_two_step_login_then_lands_in_the_admin(client):
    admin = UserFactory(role="", is_superuser=True, sites=[])
    response = _log_in(client, admin)
    assert response.redirect_chain[-1][0] == "/account/two-step/setup/?next=/"
    device = TOTPDevice(key=client.session["two_factor_pending_key"])
    code = totp(device.bin_key)
    response = client.post(
        "/account/two-step/setup/", {"code": f"{code:06d}", "next": "/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/admin/"


def test_login_honours_a_safe_next_and_ignores_another_host(client, make_user):
    user = make_user(Role.COORDINATOR)
    safe = client.post("/login/?next=/password/", {"username": user.username, "password": PASSWORD})
    assert safe.url == "/password/"
    client.logout()
    unsafe = client.post(
        "/login/?next=https://evil.example/", {"username": user.username, "password": PASSWORD}
    )
    assert unsafe.url == "/"


def test_wrong_password_is_refused_with_a_romanian_message(client, make_user):
    response = _log_in(client, make_user(), password="gresit")
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "corect" in response.content.decode()  # "…un nume de utilizator și o parolă corecte"


def test_inactive_user_cannot_log_in(client, make_user):
    response = _log_in(client, make_user(is_active=False))
    assert not response.context["user"].is_authenticated


def test_logout_ends_the_session_and_says_so(client, make_user):
    _log_in(client, make_user())
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain == [("/login/", 302)]
    assert "V-ați deconectat." in response.content.decode()
    assert client.get("/").status_code == 302


def test_logout_needs_a_post(client, make_user):
    _log_in(client, make_user())
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_password_change_in_romanian(client, make_user):
    user = make_user()
    _log_in(client, user)
    page = client.get("/password/").content.decode()
    assert "Schimbă parola" in page
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "caiet-verde-de-toamna",
            "new_password2": "caiet-verde-de-toamna",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/password/done/"
    client.logout()
    assert _log_in(client, user, password="caiet-verde-de-toamna").context["user"] == user


def _named_views(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_views(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.lookup_str}", pattern.callback


def test_every_view_but_login_health_and_language_requires_login():
    """LoginRequiredMiddleware guards a view unless it is marked login_not_required."""
    public = {
        name
        for name, view in _named_views(get_resolver().url_patterns)
        if not getattr(view, "login_required", True)
    }
    assert public == PUBLIC_VIEWS


@pytest.mark.parametrize(
    "url",
    ["/", "/password/", "/password/done/", "/admin/", "/admin/programs/site/"],
)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/login/?next={url}"


def test_admin_login_sends_anonymous_visitors_to_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/admin/"


def test_unknown_page_is_a_romanian_404_without_details(client, make_user):
    _log_in(client, make_user())
    response = client.get("/copii/12345/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Pagina nu a fost găsită" in html
    assert "Traceback" not in html
    assert "urlpatterns" not in html
