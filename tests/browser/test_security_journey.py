"""Security in a real browser: the Content-Security-Policy breaks no page, a
director's emergency access to confidential notes is logged with its reason,
and a superuser sets up two-step login before reaching the admin."""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from children.models import ConfidentialNote
from programs.models import AccessAction, AccessLogEntry, Role
from tests.factories import (
    PASSWORD,
    ChildFactory,
    CounselingSessionFactory,
    FamilyFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Tatăl a plecat în Italia; copilul vorbește despre frică."
REASON = "Poliția a cerut informații urgente despre siguranța copilului."


@pytest.fixture
def child_with_notes():
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    child = ChildFactory(
        site=site, family=FamilyFactory(site=site), family_name="Rostaș", given_names="Ionuț"
    )
    session = CounselingSessionFactory(
        site=site,
        children=[child],
        psychologist=UserFactory(role=Role.PSYCHOLOGIST, sites=[site], last_name="Pop"),
    )
    ConfidentialNote.objects.create(session=session, text=SECRET)
    return child


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Nume de utilizator").fill(username)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").click()


def _csp_violations(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_a_director_opens_confidential_notes_only_with_a_logged_reason(
    page: Page, live_server, child_with_notes
):
    site = child_with_notes.site
    director = UserFactory(username="director", role=Role.DIRECTOR, sites=[site])
    violations = _csp_violations(page)
    page.set_viewport_size({"width": 360, "height": 740})
    _log_in(page, live_server.url, "director")
    page.goto(f"{live_server.url}/children/{child_with_notes.pk}/")
    expect(page.get_by_test_id("counseling")).to_contain_text("Discuție despre școală")
    assert SECRET not in page.content()

    page.get_by_test_id("break-glass").click()
    page.get_by_label("De ce trebuie să citiți acum aceste note?").fill("Urgent.")
    page.get_by_role("button", name="Deschide notele").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("20")
    assert SECRET not in page.content()
    assert not AccessLogEntry.objects.filter(action=AccessAction.BREAK_GLASS).exists()

    page.get_by_label("De ce trebuie să citiți acum aceste note?").fill(REASON)
    page.get_by_role("button", name="Deschide notele").click()
    expect(page.get_by_test_id("confidential-note")).to_contain_text("Italia")
    entry = AccessLogEntry.objects.get(action=AccessAction.BREAK_GLASS)
    assert (entry.user, entry.child_id, entry.reason) == (director, child_with_notes.pk, REASON)

    page.goto(f"{live_server.url}/children/{child_with_notes.pk}/access-log/")
    expect(page.get_by_test_id("access-log")).to_contain_text(REASON)
    assert violations == []


def test_a_superuser_sets_up_two_step_login_then_works_in_the_admin(
    page: Page, live_server, child_with_notes
):
    UserFactory(username="admin", role="", is_superuser=True, is_staff=True, sites=[])
    violations = _csp_violations(page)
    _log_in(page, live_server.url, "admin")
    expect(page).to_have_url(re.compile(r"/account/two-step/setup/"))
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    code = TOTP(_base32(secret)).token()
    page.get_by_label("Codul din aplicația de autentificare").fill(f"{code:06d}")
    page.get_by_role("button", name="Activează").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # The admin's own scripts run under the policy: the collapsed "Record"
    # fieldset of the child's form opens.
    page.goto(f"{live_server.url}/admin/children/child/{child_with_notes.pk}/change/")
    page.locator("details summary, fieldset.collapse a.collapse-toggle").first.click()
    assert violations == []


def _base32(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))
