"""The daily register on a phone of 360 by 740 pixels, in real Chromium."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Mark, Register
from programs.models import Role
from tests.factories import (
    PASSWORD,
    ChildFactory,
    EnrollmentFactory,
    GroupFactory,
    SchoolYearFactory,
    SiteFactory,
    UserFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
FAMILIES = ["Rostaș", "Căldăraru", "Lăcătuș", "Stoica", "Țurcanu", "Dumitru", "Florea", "Ionescu"]


@pytest.fixture
def register_setup():
    today = timezone.localdate()
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    year = SchoolYearFactory(
        start_year=current_start_year(),
        starts_on=today - datetime.timedelta(days=100),
        ends_on=today + datetime.timedelta(days=200),
        is_current=True,
    )
    group = GroupFactory(
        site=site, school_year=year, name="Grupa V–VIII", meeting_days=[1, 2, 3, 4, 5, 6, 7]
    )
    worker = UserFactory(
        username="ioana.marinescu",
        first_name="Ioana",
        last_name="Marinescu",
        role=Role.SOCIAL_WORKER,
        sites=[site],
    )
    group.staff.add(worker)
    children = {}
    for family in FAMILIES:
        child = ChildFactory(site=site, family_name=family, given_names="Maria")
        EnrollmentFactory(
            child=child, group=group, site=site, started_on=today - datetime.timedelta(days=30)
        )
        children[family] = child
    return {"group": group, "worker": worker, "children": children, "today": today}


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Nume de utilizator").fill(username)
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").click()


def _row(page: Page, family: str):
    return page.get_by_test_id("mark-row").filter(has_text=f"{family} Maria")


def test_social_worker_takes_the_register_on_a_phone(page: Page, live_server, register_setup):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url, "ioana.marinescu")
    today_list = page.get_by_test_id("today-registers")
    expect(today_list).to_contain_text("prezența nu a fost marcată")
    today_list.get_by_test_id("open-register").click()
    expect(page.get_by_test_id("register-title")).to_have_text("Grupa V–VIII")
    expect(page.get_by_test_id("mark-row")).to_have_count(len(FAMILIES))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    _row(page, "Lăcătuș").get_by_text("Absent", exact=True).click()
    excused = _row(page, "Țurcanu")
    excused.get_by_text("Motivat", exact=True).click()
    excused.get_by_label("Motiv", exact=True).select_option(label="Bolnav")
    # The last child is at the bottom of the list: Save is still on screen.
    save = page.get_by_test_id("save-register")
    _row(page, "Țurcanu").scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    expect(page.locator("[data-absent-count]")).to_have_text("2")
    save.click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("alert")).to_contain_text(
        "prezența a fost salvată cu succes: 8 copii, absenți: 2"
    )
    expect(today_list).to_contain_text("marcată de Ioana")

    today_list.get_by_test_id("open-register").click()
    expect(_row(page, "Lăcătuș").get_by_role("radio", name="Absent")).to_be_checked()
    expect(_row(page, "Țurcanu").get_by_role("radio", name="Motivat")).to_be_checked()
    expect(_row(page, "Rostaș").get_by_role("radio", name="Prezent")).to_be_checked()

    children = register_setup["children"]
    register = Register.objects.get()
    assert (register.group, register.date) == (register_setup["group"], register_setup["today"])
    assert register.created_by == register_setup["worker"]
    marks = {(m.child_id, m.status, m.reason) for m in Mark.objects.all()}
    absent, excused = children["Lăcătuș"].pk, children["Țurcanu"].pk
    expected = {(child.pk, "present", "") for child in children.values()}
    expected -= {(absent, "present", ""), (excused, "present", "")}
    expected |= {(absent, "absent", ""), (excused, "excused", "sick")}
    assert marks == expected


def test_the_register_works_without_javascript(browser, live_server, register_setup):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        _log_in(page, live_server.url, "ioana.marinescu")
        page.get_by_test_id("open-register").click()
        _row(page, "Stoica").get_by_text("Absent", exact=True).click()
        row = _row(page, "Stoica")
        row.get_by_label("Motiv", exact=True).select_option(label="Motive familiale")
        page.get_by_test_id("save-register").click()
        expect(page.get_by_role("alert")).to_contain_text("absenți: 1")
    finally:
        context.close()
    stoica = register_setup["children"]["Stoica"]
    assert Mark.objects.get(child=stoica).status == "absent"
    assert Mark.objects.get(child=stoica).reason == "family"
    assert Mark.objects.filter(status="present").count() == len(FAMILIES) - 1
