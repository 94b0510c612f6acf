"""Defences around logging in: lockout after wrong passwords, strong passwords,
short sessions, two-step login, and the headers that keep pages in their frame."""

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from inocenti.middleware import SECOND_FACTOR_PENDING, client_ip
from programs.models import Role
from tests.auth import force_login_verified
from tests.factories import PASSWORD, ChildFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ATTACKER = "203.0.113.66"
NEW_PASSWORD = "caiet-verde-de-toamna-7"


def _log_in(client, username, password=PASSWORD, ip=ATTACKER, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **meta)


def _fail(client, username, times=5, ip=ATTACKER, **meta):
    for _ in range(times):
        _log_in(client, username, "parola-gresita-1", ip=ip, **meta)


@pytest.fixture
def user(site_a):
    return UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a], username="asistent")


def _logged_in(response) -> bool:
    return response.status_code == 302 and response.url == "/"


# --- Lockout (django-axes) ------------------------------------------------------------


def test_four_wrong_passwords_do_not_lock(client, user):
    _fail(client, user.username, times=4)
    assert _logged_in(_log_in(client, user.username))


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, user):
    _fail(client, user.username)
    response = _log_in(client, user.username)
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_lockout_page_is_in_romanian(client, user):
    _fail(client, user.username)
    html = _log_in(client, user.username).content.decode()
    assert '<html lang="ro">' in html
    assert "too many wrong passwords" not in html
    assert "Login blocked" not in html


def test_the_lock_is_for_that_username_from_that_address_only(client, user, site_a):
    other = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a], username="psiholog")
    _fail(client, user.username)
    assert _logged_in(_log_in(Client(), user.username, ip="198.51.100.20"))
    assert _logged_in(_log_in(Client(), other.username))


def test_the_lock_ends_after_the_cool_off_time(client, user, settings):
    _fail(client, user.username)
    assert _log_in(client, user.username).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1)
    )
    assert _logged_in(_log_in(client, user.username))


def test_a_forged_forwarded_for_does_not_dodge_the_lock(client, user, settings):
    """Behind one proxy: only the address the proxy appended counts."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        _log_in(
            client,
            user.username,
            "parola-gresita-1",
            ip="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}",
        )
    response = _log_in(
        client, user.username, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}"
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_successful_login_forgets_earlier_failures(client, user):
    _fail(client, user.username, times=4)
    assert _logged_in(_log_in(client, user.username))
    client.logout()
    _fail(client, user.username, times=4)
    assert _logged_in(_log_in(client, user.username))


# --- Unlocking in the admin -----------------------------------------------------------

ATTEMPTS = "/admin/axes/accessattempt/"


@pytest.fixture
def coordinator(site_a):
    return UserFactory(role=Role.COORDINATOR, sites=[site_a])


def test_a_coordinator_sees_the_locked_accounts_of_their_sites_only(
    client, user, coordinator, site_b
):
    stranger = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_b], username="strain")
    director = UserFactory(role=Role.DIRECTOR, sites=[coordinator.sites.get()], username="dir")
    _fail(Client(), user.username)
    _fail(Client(), stranger.username)
    _fail(Client(), director.username)
    _fail(Client(), "nu-exista")
    client.force_login(coordinator)
    response = client.get(ATTEMPTS)
    assert response.status_code == 200
    listed = {attempt.username for attempt in response.context["cl"].result_list}
    assert listed == {user.username}


def test_a_coordinator_unlocks_an_account_by_deleting_its_attempt(client, user, coordinator):
    _fail(Client(), user.username)
    attempt = AccessAttempt.objects.get(username=user.username)
    client.force_login(coordinator)
    response = client.post(f"{ATTEMPTS}{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _logged_in(_log_in(Client(), user.username))


def test_a_coordinator_cannot_unlock_another_sites_account(client, coordinator, site_b):
    stranger = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_b], username="strain")
    _fail(Client(), stranger.username)
    attempt = AccessAttempt.objects.get()
    client.force_login(coordinator)
    client.post(f"{ATTEMPTS}{attempt.pk}/delete/", {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.DIRECTOR])
def test_other_roles_do_not_unlock(client, user, site_a, role):
    _fail(Client(), user.username)
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert client.get(ATTEMPTS).status_code in (302, 403)
    client.post(f"{ATTEMPTS}{AccessAttempt.objects.get().pk}/delete/", {"post": "yes"})
    assert AccessAttempt.objects.exists()


def test_a_superuser_sees_every_attempt(client, user):
    _fail(Client(), user.username)
    _fail(Client(), "nu-exista")
    force_login_verified(client, UserFactory(role="", is_superuser=True, sites=[]))
    listed = {a.username for a in client.get(ATTEMPTS).context["cl"].result_list}
    assert listed == {user.username, "nu-exista"}


# --- Passwords ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("parolaparola", "password_not_mixed"),
        ("1234567890123", "password_entirely_numeric"),
        ("scurt-1", "password_too_short"),
        ("password123", "password_too_common"),
    ],
)
def test_weak_passwords_are_refused(user, password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert code in [error.code for error in refused.value.error_list]


def test_a_password_of_letters_only_is_refused_in_romanian(user):
    with pytest.raises(ValidationError) as refused:
        validate_password("parolaparola", user)
    message = " ".join(refused.value.messages)
    assert "password must contain letters" not in message  # translated


def test_a_strong_password_is_accepted(user):
    validate_password(NEW_PASSWORD, user)


# --- Sessions -------------------------------------------------------------------------


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_the_session_cookie_ends_with_the_browser(client, user):
    response = _log_in(client, user.username)
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_lasts_thirty_idle_minutes(client, user, settings):
    _log_in(client, user.username)
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    left = _session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_an_idle_session_is_logged_out(client, user):
    _log_in(client, user.username)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _session_writes(client, url="/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('"django_session"' in q["sql"] and q["sql"].startswith("UPDATE") for q in queries)


def test_a_working_session_is_renewed_at_most_once_a_minute(client, user):
    _log_in(client, user.username)
    client.get("/")
    assert _session_writes(client) == 0
    session = client.session
    session["last_seen"] = int(time.time()) - 61
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert _session_writes(client) == 1
    assert _session(client).expire_date - timezone.now() > datetime.timedelta(minutes=29)
    assert _session_writes(client) == 0


def test_changing_the_password_logs_out_the_other_browsers(user):
    phone, laptop = Client(), Client()
    _log_in(phone, user.username)
    _log_in(laptop, user.username)
    response = laptop.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302


# --- The client's address -------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # forged left-most entry ignored
        (1, "6.6.6.6,198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.1.1.1", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_client_ip_trusts_only_our_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.1"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected


# --- Two-step login -------------------------------------------------------------------

VERIFY = reverse("two_factor_verify")
SETUP = reverse("two_factor_setup")
TWO_FACTOR = reverse("two_factor")


def _code(device) -> str:
    return f"{totp(device.bin_key):06d}"


@pytest.fixture
def device(user):
    return TOTPDevice.objects.create(user=user, name="telefon", confirmed=True)


def test_with_a_device_the_password_leads_to_the_code_page(client, user, device):
    _log_in(client, user.username)
    assert client.session[SECOND_FACTOR_PENDING] == "verify"
    assert client.get("/").url == f"{VERIFY}?next=/"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/admin/",
        "/password/",
        TWO_FACTOR,
        "/attendance/open/",
        "/children/1/",
        "/children/1/export.json",
    ],
)
def test_no_page_opens_before_the_code(client, user, device, url):
    _log_in(client, user.username)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)


def test_turning_two_step_off_needs_the_code_first(client, user, device):
    """A stolen password alone cannot remove the second factor."""
    _log_in(client, user.username)
    client.post(TWO_FACTOR, {"code": "000000"})
    assert TOTPDevice.objects.filter(user=user).exists()


def test_the_right_code_opens_the_site(client, user, device):
    _log_in(client, user.username)
    response = client.post(VERIFY, {"code": _code(device), "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    assert SECOND_FACTOR_PENDING not in client.session
    assert client.get("/").status_code == 200


def test_the_code_page_does_not_redirect_to_another_host(client, user, device):
    _log_in(client, user.username)
    response = client.post(VERIFY, {"code": _code(device), "next": "https://evil.example/"})
    assert response.url == "/"


def test_a_wrong_code_shows_the_error_and_keeps_the_site_closed(client, user, device):
    _log_in(client, user.username)
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get("/").status_code == 302


def test_codes_cannot_be_guessed_quickly(client, user, device):
    """django-otp throttles: after wrong codes, even the right one waits."""
    _log_in(client, user.username)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": _code(device)})
    assert client.get("/").status_code == 302


def test_a_superuser_without_a_device_must_set_one_up(client):
    admin = UserFactory(role="", is_superuser=True, sites=[], username="admin")
    _log_in(client, admin.username)
    assert client.get("/").url == f"{SETUP}?next=/"
    assert client.get("/admin/").url.startswith(SETUP)
    page = client.get(SETUP)
    html = page.content.decode()
    pending = TOTPDevice(user=admin, key=client.session["two_factor_pending_key"])
    assert "<svg" in html.split('data-testid="qr"')[1]
    secret = page.context["secret"].replace(" ", "")
    assert secret and secret in pending.config_url
    assert not TOTPDevice.objects.filter(user=admin).exists()  # nothing saved before the code
    response = client.post(SETUP, {"code": _code(pending), "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=admin).confirmed


def test_two_tabs_of_the_set_up_page_show_one_secret_and_save_one_device(client):
    admin = UserFactory(role="", is_superuser=True, sites=[], username="admin")
    _log_in(client, admin.username)
    first, second = client.get(SETUP), client.get(SETUP)
    assert first.context["secret"] == second.context["secret"]
    pending = TOTPDevice(user=admin, key=client.session["two_factor_pending_key"])
    client.post(SETUP, {"code": _code(pending)})
    assert TOTPDevice.objects.filter(user=admin).count() == 1
    assert client.get(SETUP).url == reverse("two_factor")


def test_a_staff_member_turns_two_step_off_with_a_valid_code(client, user):
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="telefon", confirmed=True)
    client.post(TWO_FACTOR, {"code": "000000"})
    assert TOTPDevice.objects.filter(user=user).exists()
    device.throttle_reset()
    response = client.post(TWO_FACTOR, {"code": _code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_superuser_cannot_turn_two_step_off(client):
    admin = UserFactory(role="", is_superuser=True, sites=[])
    force_login_verified(client, admin)
    device = TOTPDevice.objects.get(user=admin)
    response = client.post(TWO_FACTOR, {"code": _code(device)})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


# --- Headers --------------------------------------------------------------------------


def _script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"script-src ([^;]*)", policy).group(1)


@pytest.mark.parametrize("who", ["anonymous", "staff", "admin"])
def test_pages_allow_only_our_own_scripts_and_no_framing(client, user, who):
    url = "/login/"
    if who != "anonymous":
        client.force_login(UserFactory(role=Role.COORDINATOR, sites=[SiteFactory()]))
        url = "/" if who == "staff" else "/admin/"
    response = client.get(url)
    assert response.status_code == 200
    assert _script_src(response).split() == ["'self'"]
    assert "'unsafe-inline'" not in _script_src(response)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "object-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_lockout_page_has_the_same_headers(client, user):
    _fail(client, user.username)
    response = _log_in(client, user.username)
    assert _script_src(response) == "'self'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_childs_page_has_no_inline_script(client, site_a):
    """The policy would block one: every script must be a file of ours."""
    child = ChildFactory(site=site_a)
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    html = client.get(reverse("child", args=[child.pk])).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)


def _change_password(client, old):
    new = "Un-parolă-nouă-2026"
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=ATTACKER,
    )


def test_guessing_the_current_password_on_a_left_open_session_ends_in_the_lockout(client, user):
    client.force_login(user)
    for _ in range(4):
        response = _change_password(client, "nu-este-parola-1")
        assert response.status_code == 200  # the form, with its error
    response = _change_password(client, "nu-este-parola-1")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # Even the right password is refused now, here and on the login page.
    assert not _logged_in(_log_in(client, user.username))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_right_current_password_changes_it(client, user):
    client.force_login(user)
    response = _change_password(client, PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Un-parolă-nouă-2026")
