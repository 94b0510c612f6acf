"""The directors' dashboards: each figure on crafted data, who may see which
sites, the period's parsing, and a query count that does not grow with data."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from attendance.models import Mark
from inocenti import dashboards
from inocenti.dashboards import parse_period, site_dashboard
from programs.models import EnrollmentStatus, Role
from tests.factories import (
    ChildFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolYearFactory,
    SiteFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
# A past school year, so that "today" never cuts it short.
FIRST, LAST = D(2024, 9, 1), D(2025, 8, 31)
TODAY = D(2025, 11, 20)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


@pytest.fixture
def year(db):
    return SchoolYearFactory(start_year=2024)


@pytest.fixture
def group(site_a, year):
    return GroupFactory(site=site_a, school_year=year, meeting_days=EVERY_DAY)


def enrol(group, *, started_on, ended_on=None, status=None, child=None):
    child = child or ChildFactory(site=group.site)
    EnrollmentFactory(
        child=child,
        group=group,
        site=group.site,
        started_on=started_on,
        ended_on=ended_on,
        status=status or ("active" if ended_on is None else "completed"),
    )
    return child


def figures(sites, first=FIRST, last=LAST, today=TODAY):
    return site_dashboard(sites=sites, first=first, last=last, today=today)


# --- Enrollments, exits ------------------------------------------------------------


def test_active_children_are_those_enrolled_some_day_of_the_period(site_a, group):
    enrol(group, started_on=D(2023, 9, 10), ended_on=D(2024, 8, 31))  # ended the day before
    enrol(group, started_on=D(2023, 9, 10), ended_on=FIRST)  # ended on the first day
    enrol(group, started_on=LAST)  # began on the last day
    enrol(group, started_on=LAST + datetime.timedelta(days=1))  # began the day after
    assert figures([site_a]).total.active_children == 2


def test_a_first_enrollment_in_the_period_is_new_but_a_move_or_a_return_is_not(site_a, year, group):
    enrol(group, started_on=D(2024, 9, 16))  # new
    enrol(group, started_on=FIRST)  # new, on the first day
    other_group = GroupFactory(site=site_a, school_year=year)
    moved = enrol(group, started_on=D(2024, 8, 20), ended_on=D(2024, 10, 1), status="moved")
    enrol(other_group, started_on=D(2024, 10, 2), child=moved)
    returning = enrol(group, started_on=D(2023, 9, 15), ended_on=D(2024, 6, 20))
    enrol(other_group, started_on=D(2024, 9, 16), child=returning)
    dashboard = figures([site_a])
    assert dashboard.total.new_enrollments == 2
    assert dashboard.total.active_children == 4


def test_a_child_moving_between_sites_is_new_at_the_second_site_not_to_the_foundation(
    site_a, site_b, year, group
):
    there = GroupFactory(site=site_b, school_year=year)
    child = enrol(group, started_on=D(2023, 9, 15), ended_on=D(2024, 9, 30), status="transferred")
    enrol(there, started_on=D(2024, 10, 1), child=child)
    dashboard = figures([site_a, site_b])
    by_site = {figure.site.pk: figure.new_enrollments for figure in dashboard.by_site}
    assert by_site == {site_a.pk: 0, site_b.pk: 1}
    assert dashboard.total.new_enrollments == 0


def test_exits_are_counted_by_reason_and_a_move_is_not_an_exit(site_a, group):
    enrol(group, started_on=FIRST, ended_on=D(2024, 12, 1), status="dropped_out")
    enrol(group, started_on=FIRST, ended_on=LAST, status="completed")
    enrol(group, started_on=FIRST, ended_on=FIRST, status="withdrawn")
    enrol(group, started_on=FIRST, ended_on=D(2025, 1, 10), status="moved")
    enrol(group, started_on=D(2023, 9, 1), ended_on=D(2024, 8, 31), status="transferred")
    exits = figures([site_a]).total.exits
    assert exits == {
        EnrollmentStatus.COMPLETED: 1,
        EnrollmentStatus.WITHDRAWN: 1,
        EnrollmentStatus.TRANSFERRED: 0,
        EnrollmentStatus.DROPPED_OUT: 1,
    }


def test_dropout_is_highlighted_on_the_page(client, site_a, group):
    enrol(group, started_on=FIRST, ended_on=D(2024, 12, 1), status="dropped_out")
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[site_a]))
    html = client.get(reverse("dashboard_all"), {"from": FIRST, "to": LAST}).content.decode()
    assert 'data-testid="kf-dropouts">1<' in html
    assert "table-danger" in html


def test_each_site_has_its_figures_and_the_total_counts_a_child_once(site_a, site_b, year):
    group_a = GroupFactory(site=site_a, school_year=year)
    group_b = GroupFactory(site=site_b, school_year=year)
    child = enrol(group_a, started_on=FIRST, ended_on=D(2025, 1, 31), status="transferred")
    child.site = site_b
    child.save()
    enrol(group_b, started_on=D(2025, 2, 3), child=child)
    enrol(group_b, started_on=FIRST)
    dashboard = figures([site_a, site_b])
    assert [f.active_children for f in dashboard.by_site] == [1, 2]
    assert dashboard.total.active_children == 2
    assert [f.exits["transferred"] for f in dashboard.by_site] == [1, 0]


# --- Program attendance --------------------------------------------------------------


def _session(group, day, statuses, children):
    register = RegisterFactory(group=group, date=day)
    for child, status in zip(children, statuses, strict=True):
        MarkFactory(register=register, child=child, status=status)


def test_attendance_rate_from_the_tallies_equals_the_rate_from_the_marks(site_a, group):
    kids = [ChildFactory(site=site_a) for _ in range(4)]
    _session(group, D(2024, 10, 7), ["present", "late", "absent", "excused"], kids)
    _session(group, D(2024, 10, 8), ["present", "present", "present", "absent"], kids)
    _session(group, D(2024, 11, 4), ["absent", "absent", "present", "late"], kids)
    marks = Mark.objects.filter(register__group__site=site_a)
    expected = round(100 * marks.filter(status__in=["present", "late"]).count() / marks.count(), 1)
    total = figures([site_a]).total.attendance
    assert total.percent == expected == 58.3
    assert (total.sessions, total.marked) == (3, 12)


def test_attendance_by_week_and_month(site_a, group):
    kids = [ChildFactory(site=site_a) for _ in range(2)]
    _session(group, D(2024, 9, 30), ["present", "absent"], kids)  # Monday, ISO week 40
    _session(group, D(2024, 10, 1), ["present", "present"], kids)  # same week, October
    _session(group, D(2024, 10, 9), ["absent", "absent"], kids)  # week 41
    dashboard = figures([site_a])
    assert dashboard.weekly[D(2024, 9, 30)].percent == 75.0
    assert dashboard.weekly[D(2024, 10, 7)].percent == 0.0
    assert dashboard.weekly[D(2024, 10, 14)].percent is None  # no session that week
    assert dashboard.monthly[D(2024, 9, 1)].percent == 50.0
    assert dashboard.monthly[D(2024, 10, 1)].percent == 50.0
    # Weeks run from the period's first (a Sunday: its week began on Monday) to its end.
    assert next(iter(dashboard.weekly)) == D(2024, 8, 26)
    assert list(dashboard.monthly)[-1] == D(2025, 8, 1)


def test_no_session_days_and_untaken_registers_do_not_lower_the_rate(site_a, group):
    kids = [ChildFactory(site=site_a) for _ in range(2)]
    for kid in kids:
        enrol(group, started_on=FIRST, child=kid)
    _session(group, D(2024, 10, 7), ["present", "present"], kids)
    RegisterFactory(group=group, date=D(2024, 10, 8), no_session_reason="holiday", activities=[])
    # 9 October: nobody took the register.
    dashboard = figures([site_a])
    assert dashboard.total.attendance.percent == 100.0
    assert dashboard.total.attendance.sessions == 1


def test_attendance_of_days_outside_the_period_is_left_out(site_a, group):
    kid = ChildFactory(site=site_a)
    _session(group, D(2024, 8, 31), ["absent"], [kid])
    _session(group, FIRST, ["present"], [kid])
    _session(group, LAST, ["present"], [kid])
    assert figures([site_a]).total.attendance.percent == 100.0


# --- School absences, casework ---------------------------------------------------------


def test_school_absences_by_month_count_at_the_childs_site(site_a, site_b):
    kid_a, kid_b = ChildFactory(site=site_a), ChildFactory(site=site_b)
    SchoolAbsenceFactory(child=kid_a, month=D(2024, 10, 1), excused_hours=3, unexcused_hours=5)
    SchoolAbsenceFactory(child=kid_a, month=D(2024, 11, 1), excused_hours=1, unexcused_hours=0)
    SchoolAbsenceFactory(child=kid_a, month=D(2024, 8, 1), excused_hours=9, unexcused_hours=9)
    SchoolAbsenceFactory(child=kid_b, month=D(2024, 10, 1), excused_hours=7, unexcused_hours=7)
    dashboard = figures([site_a])
    october = dashboard.absences_by_month[D(2024, 10, 1)]
    assert (october.excused, october.unexcused, october.children) == (3, 5, 1)
    assert dashboard.total.school_absences.total == 9


def test_counseling_counts_sessions_and_children_without_reading_confidential_notes(site_a):
    kids = [ChildFactory(site=site_a) for _ in range(3)]
    CounselingSessionFactory(site=site_a, date=D(2024, 10, 1), children=kids[:2])
    CounselingSessionFactory(site=site_a, date=D(2024, 11, 1), children=kids[1:])
    CounselingSessionFactory(site=site_a, date=D(2025, 9, 1), children=kids)  # after
    with CaptureQueriesContext(connection) as queries:
        total = figures([site_a]).total
    assert (total.counseling_sessions, total.children_counselled) == (2, 3)
    assert not [q for q in queries if "confidential" in q["sql"].lower()]


def test_parent_meetings_count_meetings_attendances_and_distinct_guardians(site_a):
    family = FamilyFactory(site=site_a)
    mother, father = GuardianFactory(family=family), GuardianFactory(family=family)
    ParentMeetingFactory(site=site_a, date=D(2024, 10, 15)).attendees.add(mother, father)
    ParentMeetingFactory(site=site_a, date=D(2024, 11, 15)).attendees.add(mother)
    ParentMeetingFactory(site=site_a, date=D(2024, 12, 15))  # nobody came
    total = figures([site_a]).total
    assert (total.parent_meetings, total.meeting_attendances, total.guardians_reached) == (3, 3, 2)


def test_support_counts_and_sums_ron_at_the_familys_site(site_a, site_b):
    SupportGivenFactory(family=FamilyFactory(site=site_a), date=D(2024, 9, 10), value_ron="120.50")
    SupportGivenFactory(family=FamilyFactory(site=site_a), date=D(2025, 3, 1), value_ron=None)
    SupportGivenFactory(family=FamilyFactory(site=site_b), date=D(2024, 9, 10), value_ron="99")
    total = figures([site_a]).total
    assert (total.support_count, total.support_ron) == (2, Decimal("120.50"))


def test_mentoring_hours_are_counted_at_the_childs_site(site_a, site_b):
    MentoringSessionFactory(child=ChildFactory(site=site_a), date=D(2024, 10, 8))  # 60 min
    MentoringSessionFactory(
        child=ChildFactory(site=site_a), date=D(2024, 10, 9), duration_minutes=30
    )
    MentoringSessionFactory(child=ChildFactory(site=site_b), date=D(2024, 10, 8))
    assert figures([site_a]).total.mentoring_hours == Decimal("1.5")


# --- Registers not taken ----------------------------------------------------------------


def test_registers_not_taken_count_meeting_days_with_children_and_no_register(site_a, year):
    # Mondays and Wednesdays; children from Wednesday 2 October 2024.
    group = GroupFactory(site=site_a, school_year=year, meeting_days=[1, 3])
    enrol(group, started_on=D(2024, 10, 2))
    GroupFactory(site=site_a, school_year=year, meeting_days=EVERY_DAY)  # no children
    RegisterFactory(group=group, date=D(2024, 10, 2))  # taken
    RegisterFactory(group=group, date=D(2024, 10, 7), no_session_reason="trip", activities=[])
    # Wed 2, Mon 7, Wed 9, Mon 14 October; today is the 14th, still to take.
    total = figures([site_a], first=D(2024, 9, 23), last=D(2024, 10, 20), today=D(2024, 10, 14))
    total = total.total
    assert (total.registers_expected, total.registers_missing) == (3, 1)


def test_registers_not_taken_stop_at_the_end_of_the_school_year_and_of_an_enrollment(site_a, year):
    group = GroupFactory(site=site_a, school_year=year, meeting_days=EVERY_DAY)
    enrol(group, started_on=D(2025, 8, 25), ended_on=D(2025, 8, 27), status="withdrawn")
    total = figures([site_a], first=D(2025, 8, 1), last=D(2025, 9, 30), today=TODAY).total
    assert total.registers_missing == 3


def test_registers_not_taken_skip_days_between_two_childrens_enrollments(site_a, year):
    group = GroupFactory(site=site_a, school_year=year, meeting_days=EVERY_DAY)
    enrol(group, started_on=D(2024, 10, 1), ended_on=D(2024, 10, 2), status="withdrawn")
    enrol(group, started_on=D(2024, 10, 6), ended_on=D(2024, 10, 6), status="withdrawn")
    # 1, 2 and 6 October; nobody was enrolled from the 3rd to the 5th.
    assert figures([site_a]).total.registers_missing == 3


# --- Risk, history --------------------------------------------------------------------------


def test_risk_levels_come_from_the_early_warning_as_of_the_period_end_or_today(site_a, monkeypatch):
    calls = []

    def counts(*, sites, as_of):
        calls.append((list(sites), as_of))
        return {"none": 5, "watch": 2, "at_risk": 1, "high": 1}

    monkeypatch.setattr(dashboards, "risk_level_counts", counts)
    assert figures([site_a]).risk_levels == {"none": 5, "watch": 2, "at_risk": 1, "high": 1}
    figures([site_a], last=D(2026, 8, 31), today=TODAY)
    assert calls == [([site_a], LAST), ([site_a], TODAY)]


def test_history_counts_children_by_the_school_year_they_first_came_cumulated(site_a, site_b):
    site_a.program_started_on = D(2021, 9, 15)
    site_a.save()
    old_year, new_year = SchoolYearFactory(start_year=2022), SchoolYearFactory(start_year=2024)
    old, new = (
        GroupFactory(site=site_a, school_year=old_year),
        GroupFactory(site=site_a, school_year=new_year),
    )
    stayed = enrol(old, started_on=D(2022, 9, 12), ended_on=D(2023, 6, 16))
    enrol(new, started_on=D(2024, 9, 16), child=stayed)  # came back: counted once
    enrol(old, started_on=D(2023, 8, 31))  # 31 August: still 2022-2023
    enrol(new, started_on=D(2024, 9, 1))
    GroupFactory(site=site_b, school_year=new_year)
    enrol(GroupFactory(site=site_b, school_year=new_year), started_on=D(2024, 10, 1))
    history = figures([site_a, site_b]).history
    site_history = history[0]
    assert [(y.label, y.new, y.cumulative) for y in site_history.years] == [
        ("2021-2022", 0, 0),
        ("2022-2023", 2, 2),
        ("2023-2024", 0, 2),
        ("2024-2025", 1, 3),
    ]
    assert history[1].reached == 1
    assert history[2].site is None and history[2].reached == 4


# --- The period ------------------------------------------------------------------------------


def test_the_default_period_is_the_current_school_year(year):
    year.is_current = True
    period, errors = parse_period({}, today=TODAY, current=year)
    assert (period.first, period.last, errors) == (FIRST, LAST, [])


def test_without_a_current_school_year_the_default_is_september_to_august():
    period, _errors = parse_period({}, today=D(2026, 3, 2), current=None)
    assert (period.first, period.last) == (D(2025, 9, 1), D(2026, 8, 31))
    period, _errors = parse_period({}, today=D(2026, 9, 1), current=None)
    assert period.first == D(2026, 9, 1)


INVALID = "The dates of the period are not valid dates (YYYY-MM-DD)."
BACKWARDS = "The end of the period is before its start."
TOO_LONG = "A period can be at most %(years)s years long."


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-13-01", "to": "2026-01-01"}, INVALID),
        ({"from": "ieri", "to": ""}, INVALID),
        ({"from": "2025-10-01", "to": "2025-09-30"}, BACKWARDS),
        ({"from": "2015-09-01", "to": "2020-09-01"}, TOO_LONG),
        ({"from": "9999-12-01", "to": "9999-12-31"}, INVALID),
        ({"from": "0001-01-01", "to": "0001-02-01"}, INVALID),
    ],
)
def test_a_bad_period_shows_a_message_in_romanian_and_the_default_period(client, query, message):
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    response = client.get(reverse("dashboard_all"), query)
    assert response.status_code == 200
    (error,) = response.context["errors"]
    # The page's language (Romanian) and the catalogue's translation of the message.
    assert error == gettext(message) % {"years": 5}
    assert error in response.content.decode()
    today = timezone.localdate()
    assert response.context["period"].first <= today <= response.context["period"].last


def test_a_period_of_just_under_five_years_is_accepted():
    period, errors = parse_period(
        {"from": "2015-09-01", "to": "2020-08-31"}, today=TODAY, current=None
    )
    assert (period.first, period.last, errors) == (D(2015, 9, 1), D(2020, 8, 31), [])


def test_the_page_offers_the_last_school_years(client, site_a):
    for start in range(2019, 2026):
        SchoolYearFactory(start_year=start)
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    response = client.get(reverse("dashboard_all"))
    labels = [choice.label for choice, _query in response.context["quick_periods"]]
    assert labels[:2] == ["2025-2026", "2024-2025"] and len(labels) == 5


# --- Access ------------------------------------------------------------------------------------


def test_a_director_of_all_sites_sees_every_site(client, site_a, site_b):
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    response = client.get(reverse("dashboard_all"))
    assert response.status_code == 200
    assert [s.name for s in response.context["dashboard"].sites] == sorted(
        [site_a.name, site_b.name]
    )
    assert client.get(reverse("dashboard_site", args=[site_b.pk])).status_code == 200


def test_a_coordinator_sees_only_their_sites(client, site_a, site_b):
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    response = client.get(reverse("dashboard_all"))
    assert response.context["dashboard"].sites == [site_a]
    assert site_b.name not in response.content.decode()
    assert client.get(reverse("dashboard_site", args=[site_a.pk])).status_code == 200
    assert client.get(reverse("dashboard_site", args=[site_b.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.VOLUNTEER])
def test_other_roles_are_refused(client, site_a, role):
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert client.get(reverse("dashboard_all")).status_code == 403
    assert client.get(reverse("dashboard_site", args=[site_a.pk])).status_code == 403


def test_anonymous_is_sent_to_the_login(client, site_a):
    for url in (reverse("dashboard_all"), reverse("dashboard_site", args=[site_a.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- The page -----------------------------------------------------------------------------------


def test_each_chart_is_an_image_with_a_title_followed_by_its_table(client, site_a, group):
    kids = [ChildFactory(site=site_a) for _ in range(2)]
    for kid in kids:
        enrol(group, started_on=FIRST, child=kid)
    _session(group, D(2024, 10, 7), ["present", "absent"], kids)
    SchoolAbsenceFactory(child=kids[0], month=D(2024, 10, 1))
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[site_a]))
    html = client.get(
        reverse("dashboard_site", args=[site_a.pk]), {"from": FIRST, "to": LAST}
    ).content.decode()
    assert html.count('role="img"') == html.count('<svg class="chart"') >= 3
    assert f'aria-label="{gettext("Program attendance by month")}"' in html
    assert "<caption>" in html and 'scope="row"' in html and 'scope="col"' in html
    assert " style=" not in html and "<style" not in html and "<script>" not in html
    # Coordinates are written as numbers SVG reads, not localized ("12,5").
    assert re.search(r' (?:x|y|width|height)="\d+\.\d"', html)
    assert not re.search(r' (?:x|y|width|height|x1|x2|y1|y2|cx|cy)="\d+,\d', html)


# --- Queries ------------------------------------------------------------------------------------

# Session and user, the period, one query per figure, and the early warning's nine.
MAX_QUERIES = 25


def _data(sites, year, children_per_site: int, days: int) -> None:
    for site in sites:
        group = GroupFactory(site=site, school_year=year, meeting_days=EVERY_DAY)
        kids = [enrol(group, started_on=FIRST) for _ in range(children_per_site)]
        for offset in range(days):
            _session(group, FIRST + datetime.timedelta(days=offset), ["present"] * len(kids), kids)
        CounselingSessionFactory(site=site, date=D(2024, 10, 1), children=kids)
        SchoolAbsenceFactory(child=kids[0], month=D(2024, 10, 1))
        MentoringSessionFactory(child=kids[0], date=D(2024, 10, 8))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"from": FIRST, "to": LAST}).status_code == 200
    return len(queries)


def test_the_dashboards_run_the_same_few_queries_for_more_sites_children_and_days(client, year):
    first = SiteFactory()
    _data([first], year, children_per_site=1, days=1)
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    urls = [reverse("dashboard_all"), reverse("dashboard_site", args=[first.pk])]
    small = [_queries(client, url) for url in urls]
    _data([first, *(SiteFactory() for _ in range(3))], year, children_per_site=6, days=15)
    cache.clear()  # the risk levels kept from the first requests would save their queries
    large = [_queries(client, url) for url in urls]
    assert small == large
    assert max(large) <= MAX_QUERIES
