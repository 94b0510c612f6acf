"""A coordinator imports the example spreadsheet and finds a child without diacritics."""

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from programs.models import Role
from tests.browser.test_login_journey import _log_in
from tests.factories import (
    GroupFactory,
    ProgramFactory,
    SchoolYearFactory,
    SiteFactory,
    UserFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = settings.BASE_DIR / "docs" / "import" / "copii-exemplu.csv"


@pytest.fixture
def coordinator():
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    year = SchoolYearFactory(start_year=current_start_year(), is_current=True)
    ProgramFactory(name="Educație și Integrare Socială — București și Ilfov", sites=[site])
    for name in ("Grupa I–IV", "Grupa V–VIII"):
        GroupFactory(site=site, school_year=year, name=name)
    return UserFactory(username="elena.popescu", role=Role.COORDINATOR, sites=[site])


def test_coordinator_imports_the_example_file_and_finds_a_child(
    page: Page, live_server, coordinator
):
    _log_in(page, live_server.url, coordinator.username)
    page.get_by_role("link", name="Import dintr-un tabel").click()
    page.get_by_label("Tabel").set_input_files(str(EXAMPLE))
    page.get_by_label("Locație").select_option(label="Școala Gimnazială nr. 31")
    page.get_by_label("Program").select_option(
        label="Educație și Integrare Socială — București și Ilfov"
    )
    page.get_by_role("button", name="Verifică fișierul").click()

    expect(page.get_by_text("Nu s-a salvat încă nimic.")).to_be_visible()
    expect(page.get_by_text("Copii: 8")).to_be_visible()
    page.get_by_role("button", name="Confirmă importul").click()

    expect(page.get_by_text("Import încheiat. Copii: 8")).to_be_visible()
    page.locator("#searchbar").fill("lacatus")
    page.locator("#searchbar").press("Enter")
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Lăcătuș")
