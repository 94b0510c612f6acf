import pytest
from playwright.sync_api import Page, expect

from programs.models import Role
from tests.factories import PASSWORD, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def social_worker():
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    return UserFactory(
        username="ioana.marinescu",
        first_name="Ioana",
        last_name="Marinescu",
        role=Role.SOCIAL_WORKER,
        sites=[site],
    )


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "ro")
    expect(page.get_by_role("heading", name="Autentificare")).to_be_visible()
    page.get_by_label("Nume de utilizator").fill(username)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").click()


def test_social_worker_logs_in_in_romanian_and_lands_on_todays_registers(
    page: Page, live_server, social_worker
):
    _log_in(page, live_server.url, social_worker.username)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("home-title")).to_have_text("Condica de prezență de astăzi")
    expect(page.get_by_test_id("visible-sites")).to_contain_text("Școala Gimnazială nr. 31")


def test_on_a_360px_phone_the_menu_opens_and_logs_out(page: Page, live_server, social_worker):
    page.set_viewport_size({"width": 360, "height": 740})
    _log_in(page, live_server.url, social_worker.username)
    expect(page.get_by_test_id("home-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    logout = page.get_by_test_id("logout")
    expect(logout).to_be_hidden()
    page.get_by_role("button", name="Meniu").click()
    expect(logout).to_be_visible()
    logout.click()
    expect(page).to_have_url(f"{live_server.url}/login/")


def test_language_switch_turns_the_login_page_english(page: Page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
