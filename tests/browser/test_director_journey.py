"""A director in a real browser: the dashboard of all sites, another period, a chart
and the table with its numbers, then a funder report downloaded as XLSX."""

import datetime

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from attendance.models import Mark
from programs.models import Role
from tests.factories import (
    PASSWORD,
    ChildFactory,
    EnrollmentFactory,
    FundedProjectFactory,
    FunderFactory,
    GroupFactory,
    MarkFactory,
    RegisterFactory,
    SchoolYearFactory,
    SiteFactory,
    UserFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def last_year_history():
    """Last school year at one site: eight children, three weeks of registers
    (one absence a day), and a grant covering the site that year."""
    start = current_start_year() - 1
    SchoolYearFactory(start_year=start + 1, is_current=True)
    year = SchoolYearFactory(start_year=start)
    site = SiteFactory(name="Școala Gimnazială nr. 31")
    group = GroupFactory(site=site, school_year=year, name="Grupa V–VIII")
    children = [ChildFactory(site=site, grade=6) for _ in range(8)]
    for child in children:
        EnrollmentFactory(
            child=child,
            group=group,
            started_on=datetime.date(start, 9, 15),
            ended_on=datetime.date(start + 1, 6, 20),
            status="completed",
        )
    day = datetime.date(start, 10, 6)  # a Monday
    for offset in range(15):
        if (day + datetime.timedelta(days=offset)).isoweekday() > 5:
            continue
        register = RegisterFactory(group=group, date=day + datetime.timedelta(days=offset))
        for number, child in enumerate(children):
            MarkFactory(
                register=register,
                child=child,
                status="absent" if number == offset % 8 else "present",
            )
    FundedProjectFactory(
        funder=FunderFactory(name="United Way Romania"),
        name="Grant United Way",
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        sites=[site],
    )
    return year


def test_a_director_reads_last_years_dashboard_and_downloads_the_funder_report(
    page: Page, live_server, last_year_history, tmp_path
):
    UserFactory(username="director", role=Role.DIRECTOR, sees_all_sites=True, sites=[])
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nume de utilizator").fill("director")
    page.get_by_label("Parolă").fill(PASSWORD)
    page.get_by_role("button", name="Autentificare").click()

    page.get_by_test_id("dashboard-all-link").click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text(
        "Tabloul de bord al tuturor locațiilor"
    )
    # This school year has no children yet.
    expect(page.get_by_test_id("kf-active")).to_have_text("0")

    # Another period: last school year, typed in the form.
    year = last_year_history
    page.get_by_label("Începând cu").fill(year.starts_on.isoformat())
    page.get_by_label("Până la").fill(year.ends_on.isoformat())
    page.get_by_test_id("period-form").get_by_role("button").click()
    expect(page.get_by_test_id("dashboard-period")).to_contain_text(
        year.starts_on.strftime("%d.%m.%Y")
    )
    expect(page.get_by_test_id("kf-active")).to_have_text("8")

    # The chart is drawn, and its table holds the same rate as the key figure.
    held = Mark.objects.count()
    attended = Mark.objects.filter(status="present").count()
    rate = f"{100 * attended / held:.1f}".replace(".", ",")  # 87,5: one absence in eight
    chart = page.get_by_test_id("attendance-monthly-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    assert chart.locator("rect").count() > 0
    expect(page.get_by_test_id("attendance-monthly-table")).to_contain_text(f"{rate}")
    expect(page.get_by_test_id("kf-attendance")).to_contain_text(f"{rate}")

    # The funder report of that year, downloaded as XLSX.
    page.get_by_role("link", name="Rapoarte pentru finanțatori").first.click()
    page.get_by_role("link", name="Grant United Way").click()
    expect(page.get_by_test_id("report-reach")).to_contain_text("8")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = [
        [cell for cell in row if cell is not None]
        for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)
    ]
    assert ["Copii beneficiari (fiecare numărat o dată)", 8] in rows
    assert ["Înregistrări de prezență", held] in rows
    assert not violations
