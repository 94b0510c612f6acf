"""A psychologist records a session with confidential notes; a social worker
opens the same child's page and reads the summary, never the notes."""

import pytest
from playwright.sync_api import Page, expect

from children.models import ConfidentialNote, CounselingSession
from programs.models import Role
from tests.factories import (
    PASSWORD,
    ChildFactory,
    FamilyFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Vine cu drag la teme; îi e dor de mama."
SECRET = "Mama lucrează în Spania; copilul plânge des și doarme prost."


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Nume de utilizator").fill(username)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").click()


def test_confidential_notes_stay_with_the_psychologist(page: Page, live_server):
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    child = ChildFactory(
        site=site, family=FamilyFactory(site=site), family_name="Căldăraru", given_names="Ionuț"
    )
    UserFactory(username="psiholog", role=Role.PSYCHOLOGIST, sites=[site], first_name="Andrei")
    UserFactory(username="asistent", role=Role.SOCIAL_WORKER, sites=[site], first_name="Ioana")
    page.set_viewport_size({"width": 360, "height": 740})

    _log_in(page, live_server.url, "psiholog")
    page.get_by_test_id("new-counseling").first.click()
    form = page.get_by_test_id("counseling-form")
    form.get_by_label("Tip").select_option(label="Consiliere individuală")
    form.get_by_label("Copii").select_option(label="Căldăraru Ionuț")
    form.get_by_label("Rezumat pentru echipă").fill(SUMMARY)
    form.get_by_label("Note confidențiale").fill(SECRET)
    form.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("alert")).to_contain_text("salvată cu succes")
    expect(page.get_by_test_id("child-name")).to_have_text("Căldăraru Ionuț")
    expect(page.get_by_test_id("confidential-note")).to_contain_text(SECRET)
    page.get_by_role("button", name="Meniu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(f"{live_server.url}/login/")

    _log_in(page, live_server.url, "asistent")
    page.goto(f"{live_server.url}/children/{child.pk}/")
    expect(page.get_by_test_id("counseling")).to_contain_text(SUMMARY)
    expect(page.get_by_test_id("confidential-note")).to_have_count(0)
    assert "Spania" not in page.content()

    session = CounselingSession.objects.get()
    assert ConfidentialNote.objects.get(session=session).text == SECRET
    assert session.summary == SUMMARY
