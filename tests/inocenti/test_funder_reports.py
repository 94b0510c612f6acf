"""Funder reports: unduplicated children reached, attendance, retention, casework
and support of a funded project in a period, at the sites a user sees; the page
and its CSV and XLSX downloads."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from attendance.models import Register
from children.models import ConfidentialNote
from inocenti.funder_reports import RATE, RON, TEXT, funder_report
from programs.models import Role, Site
from tests.access_world import CONFIDENTIAL_MARK
from tests.factories import (
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FundedProjectFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    ProgramFactory,
    RegisterFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START, END = datetime.date(2025, 9, 1), datetime.date(2026, 8, 31)
IN_WINDOW = datetime.date(2025, 10, 15)


@pytest.fixture
def project(site_a):
    return FundedProjectFactory(sites=[site_a], starts_on=START, ends_on=END)


@pytest.fixture
def group(site_a):
    return GroupFactory(site=site_a)


def report(project, first=START, last=END, sites=None):
    return funder_report(project=project, first=first, last=last, sites=sites or Site.objects.all())


def child_at(site, **kwargs):
    family = FamilyFactory(site=site)
    GuardianFactory(family=family)
    return ChildFactory(site=site, family=family, **kwargs)


def mark(child, group, day=IN_WINDOW, status="present"):
    register = Register.objects.filter(group=group, date=day).first()
    register = register or RegisterFactory(group=group, date=day)
    return MarkFactory(register=register, child=child, status=status)


def every_service(child, site, group, day=IN_WINDOW):
    """Enrolled, marked, counselled, mentored, supported and on a trip."""
    EnrollmentFactory(child=child, group=group, started_on=START)
    mark(child, group, day)
    CounselingSessionFactory(site=site, date=day, children=[child])
    MentoringSessionFactory(child=child, date=day)
    SupportGivenFactory(family=child.family, child=child, date=day)
    CommunityActivityFactory(sites=[site], date=day).children.add(child)


# --- Children reached --------------------------------------------------------------


def test_a_child_with_every_service_is_counted_once(project, site_a, group):
    every_service(child_at(site_a), site_a, group)
    every_service(child_at(site_a), site_a, group, day=IN_WINDOW + datetime.timedelta(days=1))

    reach = report(project).reach

    assert reach.total == 2
    assert reach.by_service == {
        "enrolled": 2,
        "attended": 2,
        "counselled": 2,
        "mentored": 2,
        "supported": 2,
        "activities": 2,
    }
    for breakdown in (reach.by_sex, reach.by_age, reach.by_grade, reach.by_site):
        assert breakdown.total == 2


def test_each_service_alone_reaches_a_child(project, site_a, group):
    alone = [child_at(site_a) for _ in range(6)]
    EnrollmentFactory(child=alone[0], group=group, started_on=START)
    mark(alone[1], group)
    CounselingSessionFactory(site=site_a, date=IN_WINDOW, children=[alone[2]])
    MentoringSessionFactory(child=alone[3], date=IN_WINDOW)
    SupportGivenFactory(family=alone[4].family, child=alone[4], date=IN_WINDOW)
    CommunityActivityFactory(sites=[site_a], date=IN_WINDOW).children.add(alone[5])

    assert report(project).reach.total == 6


def test_services_outside_the_window_or_the_sites_do_not_count(project, site_a, site_b, group):
    before = child_at(site_a)
    mark(before, group, day=START - datetime.timedelta(days=1))
    after_the_chosen_end = child_at(site_a)
    mark(after_the_chosen_end, group, day=datetime.date(2026, 3, 1))
    elsewhere = child_at(site_b)
    EnrollmentFactory(child=elsewhere, started_on=START)
    CounselingSessionFactory(site=site_b, date=IN_WINDOW, children=[elsewhere])
    SupportGivenFactory(family=elsewhere.family, child=elsewhere, date=IN_WINDOW)
    # A child of another site who came along to site A's trip: theirs to count.
    CommunityActivityFactory(sites=[site_a, site_b], date=IN_WINDOW).children.add(elsewhere)
    ended_before = child_at(site_a)
    EnrollmentFactory(
        child=ended_before,
        group=group,
        started_on=datetime.date(2024, 9, 15),
        ended_on=datetime.date(2025, 6, 20),
        status="completed",
    )

    reach = report(project, last=datetime.date(2026, 2, 28)).reach

    assert reach.total == 0


@pytest.mark.parametrize(
    ("first", "last", "reached"),
    [
        # Whole months (read from the monthly tally) and the days around them.
        (datetime.date(2025, 10, 1), datetime.date(2025, 11, 30), {"oct-1", "oct-31", "nov-15"}),
        (datetime.date(2025, 10, 2), datetime.date(2025, 11, 30), {"oct-31", "nov-15"}),
        (datetime.date(2025, 10, 1), datetime.date(2025, 11, 14), {"oct-1", "oct-31"}),
        (datetime.date(2025, 10, 31), datetime.date(2025, 12, 1), {"oct-31", "nov-15", "dec-1"}),
        (datetime.date(2025, 10, 2), datetime.date(2025, 10, 30), set()),
        (datetime.date(2025, 11, 1), datetime.date(2025, 11, 1), set()),
    ],
)
def test_children_who_came_count_on_whole_and_cut_months_alike(
    project, site_a, group, first, last, reached
):
    days = {
        "oct-1": datetime.date(2025, 10, 1),
        "oct-31": datetime.date(2025, 10, 31),
        "nov-15": datetime.date(2025, 11, 15),
        "dec-1": datetime.date(2025, 12, 1),
    }
    children = {name: child_at(site_a) for name in days}
    for name, day in days.items():
        mark(children[name], group, day=day, status="late")

    result = report(project, first=first, last=last).reach

    assert result.by_service["attended"] == len(reached)
    assert result.total == len(reached)


def test_a_period_asked_beyond_the_project_is_cut_to_its_period(project, site_a, group):
    mark(child_at(site_a), group, day=START - datetime.timedelta(days=10))

    result = report(project, first=datetime.date(2025, 1, 1), last=datetime.date(2027, 1, 1))

    assert (result.first, result.last) == (START, END)
    assert result.reach.total == 0


def test_enrollments_count_only_in_the_projects_programs(site_a, group):
    listed = ProgramFactory(name="Educație și Integrare Socială", sites=[site_a])
    other = ProgramFactory(name="Pregătire Bacalaureat", sites=[site_a])
    project = FundedProjectFactory(sites=[site_a], programs=[listed])
    EnrollmentFactory(child=child_at(site_a), group=group, program=listed, started_on=START)
    EnrollmentFactory(child=child_at(site_a), group=group, program=other, started_on=START)

    assert report(project).reach.total == 1
    assert report(project).program_names == ["Educație și Integrare Socială"]


def test_only_the_sites_given_count(site_a, site_b):
    project = FundedProjectFactory(sites=[site_a, site_b])
    EnrollmentFactory(child=child_at(site_a), started_on=START)
    EnrollmentFactory(child=child_at(site_b), started_on=START)

    assert report(project).reach.total == 2
    only_a = report(project, sites=Site.objects.filter(pk=site_a.pk))
    assert only_a.reach.total == 1
    assert only_a.site_names == [site_a.name]


def test_by_sex_grade_and_site(site_a, site_b):
    project = FundedProjectFactory(sites=[site_a, site_b])
    for site, sex, grade in [
        (site_a, "F", 0),
        (site_a, "M", 4),
        (site_a, "F", 5),
        (site_b, "F", 8),
        (site_b, "M", 9),
        (site_b, "M", None),
    ]:
        EnrollmentFactory(child=child_at(site, sex=sex, grade=grade), started_on=START)

    reach = report(project).reach

    assert (reach.by_sex.count("F"), reach.by_sex.count("M")) == (3, 3)
    assert [count for _key, _label, count in reach.by_grade.rows] == [2, 2, 1, 1]
    assert (reach.by_site.count(site_a.pk), reach.by_site.count(site_b.pk)) == (3, 3)


def test_a_child_reached_at_two_sites_is_counted_once_at_their_latest_enrollments(site_a, site_b):
    project = FundedProjectFactory(sites=[site_a, site_b])
    moved = child_at(site_b)
    EnrollmentFactory(
        child=moved,
        site=site_a,
        group=GroupFactory(site=site_a),
        started_on=START,
        ended_on=datetime.date(2026, 1, 31),
        status="transferred",
    )
    EnrollmentFactory(child=moved, started_on=datetime.date(2026, 2, 1))

    reach = report(project).reach

    assert reach.total == 1
    assert (reach.by_site.count(site_a.pk), reach.by_site.count(site_b.pk)) == (0, 1)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (datetime.date(2020, 3, 31), "6-10"),  # 6 in March 2026: the day is not kept
        (datetime.date(2020, 3, 1), "6-10"),
        (datetime.date(2020, 4, 1), "0-5"),  # 6 only in April
        (datetime.date(2015, 3, 20), "11-14"),
        (datetime.date(2015, 4, 1), "6-10"),
        (datetime.date(2007, 3, 1), "19+"),
        (datetime.date(2007, 4, 1), "15-18"),
        (None, "unknown"),
    ],
)
def test_the_age_band_counts_months_of_birth_to_the_periods_last_month(project, site_a, born, band):
    EnrollmentFactory(child=child_at(site_a, birth_date=born), started_on=START)

    by_age = report(project, last=datetime.date(2026, 3, 31)).reach.by_age

    assert by_age.count(band) == 1
    assert by_age.total == 1


# --- Overlapping projects ----------------------------------------------------------


def test_a_child_of_two_overlapping_projects_is_counted_once_in_each_and_flagged(site_a, group):
    first = FundedProjectFactory(sites=[site_a], name="Grant United Way 2025-2026")
    second = FundedProjectFactory(
        sites=[site_a],
        name="Finanțare Primăria 2026",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    both = child_at(site_a)
    mark(both, group, day=datetime.date(2026, 2, 2))
    mark(both, group, day=datetime.date(2026, 2, 3))
    only_first = child_at(site_a)
    mark(only_first, group, day=IN_WINDOW)  # before the second project began

    of_first, of_second = report(first), report(second, first=second.starts_on, last=END)

    assert of_first.reach.total == 2
    assert of_second.reach.total == 1
    assert [(o.project_id, o.shared_children, o.flagged) for o in of_first.overlaps] == [
        (second.pk, 1, True)
    ]
    assert [(o.project_id, o.shared_children) for o in of_second.overlaps] == [(first.pk, 1)]
    assert of_first.flagged_overlaps == of_first.overlaps


def test_a_project_at_another_site_or_time_is_no_overlap(site_a, site_b, group):
    project = FundedProjectFactory(sites=[site_a])
    FundedProjectFactory(sites=[site_b])  # same time, another site
    FundedProjectFactory(
        sites=[site_a], starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 8, 31)
    )
    mark(child_at(site_a), group)

    assert report(project).overlaps == []


def test_an_overlapping_project_counts_by_its_own_programs_and_support(site_a, group):
    listed = ProgramFactory(name="Educație și Integrare Socială", sites=[site_a])
    other = ProgramFactory(name="Pregătire Bacalaureat", sites=[site_a])
    project = FundedProjectFactory(sites=[site_a])
    narrow = FundedProjectFactory(sites=[site_a], programs=[listed])
    in_listed, in_other, supported = child_at(site_a), child_at(site_a), child_at(site_a)
    EnrollmentFactory(child=in_listed, group=group, program=listed, started_on=START)
    EnrollmentFactory(child=in_other, group=group, program=other, started_on=START)
    # Support recorded for this report's project is not the other's.
    SupportGivenFactory(
        family=supported.family, child=supported, date=IN_WINDOW, funded_project=project
    )

    result = report(project)

    assert result.reach.total == 3
    assert [(o.project_id, o.shared_children) for o in result.overlaps] == [(narrow.pk, 1)]
    assert report(narrow).reach.total == 1
    assert [o.shared_children for o in report(narrow).overlaps] == [1]


# --- Attendance ------------------------------------------------------------------------


def test_the_attendance_rate_counts_marks_of_held_sessions_only(project, site_a, group):
    children = [child_at(site_a) for _ in range(3)]
    for child, status in zip(children, ["present", "late", "absent"], strict=True):
        mark(child, group, day=IN_WINDOW, status=status)
    mark(children[0], group, day=IN_WINDOW + datetime.timedelta(days=1), status="excused")
    RegisterFactory(
        group=group,
        date=IN_WINDOW + datetime.timedelta(days=2),
        activities=[],
        no_session_reason="holiday",
    )
    RegisterFactory(group=group, date=IN_WINDOW + datetime.timedelta(days=3), version=0)

    attendance = report(project).attendance

    assert (attendance.sessions, attendance.marks, attendance.attended) == (2, 4, 2)
    assert attendance.rate == Decimal("50.0")


def test_the_attendance_of_another_site_or_time_does_not_count(project, site_b, group):
    mark(child_at(site_b), GroupFactory(site=site_b), status="absent")
    mark(child_at(group.site), group, day=START - datetime.timedelta(days=1), status="absent")
    mark(child_at(group.site), group, status="present")

    assert report(project).attendance.rate == Decimal("100.0")


def test_no_marks_no_rate(project):
    assert report(project).attendance.rate is None


# --- Retention -------------------------------------------------------------------------


def test_retention_follows_the_children_enrolled_on_the_first_day(project, site_a, group):
    def enrolled(**kwargs):
        child = child_at(site_a)
        EnrollmentFactory(child=child, group=group, started_on=datetime.date(2025, 6, 1), **kwargs)
        return child

    enrolled()  # still enrolled
    enrolled(ended_on=datetime.date(2026, 6, 19), status="completed")
    enrolled(ended_on=datetime.date(2026, 3, 2), status="dropped_out")
    enrolled(ended_on=datetime.date(2026, 1, 10), status="withdrawn")
    enrolled(ended_on=datetime.date(2026, 2, 1), status="transferred")
    mover = enrolled(ended_on=datetime.date(2026, 1, 31), status="moved")
    EnrollmentFactory(
        child=mover, group=GroupFactory(site=site_a), started_on=datetime.date(2026, 2, 1)
    )
    # Moved on the last day into next year's group (starting after the period).
    next_year = enrolled(ended_on=END, status="moved")
    EnrollmentFactory(
        child=next_year,
        group=GroupFactory(site=site_a),
        started_on=END + datetime.timedelta(days=1),
    )
    enrolled(ended_on=datetime.date(2026, 5, 5), status="moved")  # nowhere after: left
    late = child_at(site_a)
    EnrollmentFactory(
        child=late, group=group, started_on=datetime.date(2025, 10, 1)
    )  # not at start

    retention = report(project).retention

    assert retention.enrolled_at_start == 8
    assert retention.still_enrolled == 3
    assert retention.completed == 1
    assert retention.dropped_out == 1
    assert retention.other_exits == 3
    assert retention.rate == Decimal("50.0")  # (3 + 1) / 8


def test_a_child_completing_on_the_last_day_has_completed(project, site_a, group):
    EnrollmentFactory(
        child=child_at(site_a), group=group, started_on=START, ended_on=END, status="completed"
    )

    retention = report(project).retention

    assert (retention.still_enrolled, retention.completed) == (0, 1)


# --- Counseling, parent meetings, support -----------------------------------------


def test_counseling_counts_sessions_and_distinct_people(project, site_a, site_b):
    child, other = child_at(site_a), child_at(site_a)
    mother = child.family.guardians.get()
    individual = CounselingSessionFactory(site=site_a, date=IN_WINDOW, children=[child])
    ConfidentialNote.objects.create(session=individual, text=CONFIDENTIAL_MARK)
    group_session = CounselingSessionFactory(
        site=site_a, date=IN_WINDOW, kind="group", children=[child, other]
    )
    group_session.guardians.add(mother)
    CounselingSessionFactory(site=site_a, date=IN_WINDOW, kind="parent").guardians.add(mother)
    CounselingSessionFactory(site=site_b, date=IN_WINDOW, children=[child_at(site_b)])

    counseling = report(project).counseling

    assert counseling.sessions == 3
    assert counseling.sessions_by_kind == {
        "evaluation": 0,
        "individual": 1,
        "group": 1,
        "parent": 1,
    }
    assert (counseling.children, counseling.guardians, counseling.people) == (2, 1, 3)


def test_counseling_never_reads_the_confidential_notes(project, site_a):
    session = CounselingSessionFactory(site=site_a, date=IN_WINDOW, children=[child_at(site_a)])
    ConfidentialNote.objects.create(session=session, text=CONFIDENTIAL_MARK)

    with CaptureQueriesContext(connection) as queries:
        report(project)

    assert not [q for q in queries if "confidentialnote" in q["sql"].lower()]


def test_parent_meetings_count_meetings_parents_and_families(project, site_a):
    first, second = child_at(site_a), child_at(site_a)
    father = GuardianFactory(family=first.family, relationship="father")
    meeting = ParentMeetingFactory(site=site_a, date=IN_WINDOW)
    meeting.attendees.add(father, *first.family.guardians.all())
    ParentMeetingFactory(site=site_a, date=IN_WINDOW).attendees.add(
        *second.family.guardians.all(), father
    )
    ParentMeetingFactory(site=site_a, date=START - datetime.timedelta(days=1)).attendees.add(
        GuardianFactory(family=FamilyFactory(site=site_a))
    )

    meetings = report(project).parent_meetings

    assert (meetings.meetings, meetings.parents, meetings.families) == (2, 3, 2)


def test_support_counts_its_own_projects_and_unassigned_but_not_another_projects(
    project, site_a, site_b
):
    other_project = FundedProjectFactory(sites=[site_a])
    family = FamilyFactory(site=site_a)
    SupportGivenFactory(family=family, date=IN_WINDOW, value_ron="100.50", funded_project=project)
    SupportGivenFactory(family=family, date=IN_WINDOW, value_ron="20.00")
    SupportGivenFactory(family=family, date=IN_WINDOW, kind="food", value_ron=None)
    SupportGivenFactory(
        family=family, date=IN_WINDOW, value_ron="999.00", funded_project=other_project
    )
    SupportGivenFactory(family=FamilyFactory(site=site_b), date=IN_WINDOW, value_ron="999.00")
    SupportGivenFactory(family=family, date=END + datetime.timedelta(days=1), value_ron="999.00")

    support = report(project).support

    assert [(line.kind, line.records, line.value_ron) for line in support.lines] == [
        ("school_supplies", 2, Decimal("120.50")),
        ("food", 1, Decimal("0.00")),
    ]
    assert (support.records, support.value_ron) == (3, Decimal("120.50"))


# --- Cost --------------------------------------------------------------------------------


def _populate(site, group, size, *, offset=0):
    for n in range(size):
        day = IN_WINDOW + datetime.timedelta(days=(n + offset) % 30)
        child = child_at(site)
        every_service(child, site, group, day=day)
        ParentMeetingFactory(site=site, date=day).attendees.add(*child.family.guardians.all())
        FundedProjectFactory(sites=[site], starts_on=day, ends_on=day)


def test_the_number_of_queries_does_not_grow_with_the_data(project, site_a, group):
    _populate(site_a, group, 2)
    with CaptureQueriesContext(connection) as few:
        small = report(project)
    _populate(site_a, group, 18, offset=2)
    with CaptureQueriesContext(connection) as many:
        large = report(project)

    assert (small.reach.total, large.reach.total) == (2, 20)
    assert len(large.overlaps) == 20
    assert len(few) == len(many)


def test_the_page_query_count_does_not_grow_with_the_data(
    client, project, site_a, group, django_assert_max_num_queries
):
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    url = reverse("funder_report", args=[project.pk])
    _populate(site_a, group, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _populate(site_a, group, 18, offset=2)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


# --- The pages ---------------------------------------------------------------------------


@pytest.fixture
def coordinator(site_a):
    return UserFactory(role=Role.COORDINATOR, sites=[site_a])


@pytest.mark.parametrize("name", ["funder_report", "funder_report_csv", "funder_report_xlsx"])
@pytest.mark.parametrize(
    ("role", "all_sites", "status"),
    [
        (Role.DIRECTOR, True, 200),
        (Role.DIRECTOR, False, 200),
        (Role.COORDINATOR, False, 200),
        (Role.SOCIAL_WORKER, False, 403),
        (Role.PSYCHOLOGIST, False, 403),
        (Role.VOLUNTEER, False, 403),
    ],
)
def test_who_may_open_a_report(client, project, site_a, name, role, all_sites, status):
    sites = [] if all_sites else [site_a]
    client.force_login(UserFactory(role=role, sites=sites, sees_all_sites=all_sites))

    assert client.get(reverse(name, args=[project.pk])).status_code == status


def test_anonymous_is_sent_to_log_in(client, project):
    for name in ("funder_report", "funder_report_csv", "funder_report_xlsx"):
        response = client.get(reverse(name, args=[project.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("funder_report_list")).status_code == 302


def test_a_project_of_another_site_is_not_found(client, coordinator, site_b):
    elsewhere = FundedProjectFactory(sites=[site_b])
    client.force_login(coordinator)

    for name in ("funder_report", "funder_report_csv", "funder_report_xlsx"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404


def test_a_director_of_all_sites_sees_every_project(client, site_a, site_b):
    projects = [FundedProjectFactory(sites=[site]) for site in (site_a, site_b)]
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[], sees_all_sites=True))

    page = client.get(reverse("funder_report_list"))

    assert set(page.context["projects"]) == set(projects)
    assert client.get(reverse("funder_report", args=[projects[1].pk])).status_code == 200


def test_the_list_shows_only_projects_with_a_site_of_the_user(client, coordinator, site_a, site_b):
    shared = FundedProjectFactory(sites=[site_a, site_b], name="Vreau și eu la școală!")
    FundedProjectFactory(sites=[site_b], name="Grant Cluj")
    client.force_login(coordinator)

    page = client.get(reverse("funder_report_list"))

    assert list(page.context["projects"]) == [shared]
    assert [site.name for site in page.context["projects"][0].visible_sites] == [site_a.name]
    assert "Grant Cluj" not in page.content.decode()


def test_a_coordinator_sees_only_their_sites_share_and_is_told(client, coordinator, site_a, site_b):
    shared = FundedProjectFactory(sites=[site_a, site_b])
    EnrollmentFactory(child=child_at(site_a), started_on=START)
    EnrollmentFactory(child=child_at(site_b), started_on=START)
    client.force_login(coordinator)

    page = client.get(reverse("funder_report", args=[shared.pk]))

    assert page.context["report"].reach.total == 1
    assert page.context["partial"]
    assert 'data-testid="partial-sites"' in page.content.decode()


def test_the_period_defaults_to_the_projects_and_can_be_chosen(client, coordinator, project):
    client.force_login(coordinator)
    url = reverse("funder_report", args=[project.pk])

    default = client.get(url).context["report"]
    chosen = client.get(url, {"from": "2025-10-01", "to": "2025-12-31"}).context["report"]

    assert (default.first, default.last) == (START, END)
    assert (chosen.first, chosen.last) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2025-13-01", "to": "2026-01-01"},
        {"from": "ieri", "to": ""},
        {"from": "2026-05-01", "to": "2026-01-01"},
        {"from": "2030-01-01", "to": "2030-12-31"},
        {"to": "2026-01-01"},
    ],
)
def test_a_wrong_period_shows_an_error_and_the_projects_period(client, coordinator, project, query):
    client.force_login(coordinator)

    page = client.get(reverse("funder_report", args=[project.pk]), query)

    assert page.status_code == 200
    assert page.context["errors"]
    assert (page.context["report"].first, page.context["report"].last) == (START, END)
    assert 'data-testid="period-errors"' in page.content.decode()
    assert client.get(reverse("funder_report_csv", args=[project.pk]), query).status_code == 200


def test_a_reversed_period_is_explained(client, coordinator, project):
    client.force_login(coordinator)

    page = client.get(
        reverse("funder_report", args=[project.pk]), {"from": "2026-05-01", "to": "2026-01-01"}
    )

    assert gettext("The end of the period cannot be before its start.") in page.context["errors"]


def test_a_malformed_date_is_explained_in_romanian(client, coordinator, project):
    client.force_login(coordinator)

    page = client.get(
        reverse("funder_report", args=[project.pk]), {"from": "31.02.2026", "to": "2026-03-01"}
    )

    assert "Introduceți o dată validă." in page.content.decode()


def test_the_page_is_printable_and_accessible(client, coordinator, project):
    client.force_login(coordinator)

    html = client.get(reverse("funder_report", args=[project.pk])).content.decode()

    assert html.count("<caption") == html.count("<table")
    assert '<th scope="col"' in html and '<th scope="row"' in html
    assert "style=" not in html
    assert "<script>" not in html


# --- Downloads ---------------------------------------------------------------------------


@pytest.fixture
def served(project, site_a, group):
    """Two children, with every kind of figure, and a confidential note."""
    for n in range(2):
        every_service(child_at(site_a, family_name=f"Căldăraru{n}"), site_a, group)
    session = CounselingSessionFactory(site=site_a, date=IN_WINDOW, children=[child_at(site_a)])
    ConfidentialNote.objects.create(session=session, text=CONFIDENTIAL_MARK)
    ParentMeetingFactory(site=site_a, date=IN_WINDOW)
    return project


def _page_sections(client, project):
    return client.get(reverse("funder_report", args=[project.pk])).context["sections"]


def _section_rows(lines: list[list], title: str, count: int) -> list[list]:
    """The ``count`` rows of the section ``title`` in a download: after its
    title and its column headings."""
    at = next(n for n, line in enumerate(lines) if line[:1] == [title])
    return lines[at + 2 : at + 2 + count]


def _as_number(text: str):
    return Decimal(text.replace(",", ".")) if text else None


def test_the_csv_has_the_pages_numbers(client, coordinator, served):
    client.force_login(coordinator)
    response = client.get(reverse("funder_report_csv", args=[served.pk]))

    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    checked = 0
    for section in _page_sections(client, served):
        written = _section_rows(lines, section.title, len(section.rows))
        for row, line in zip(section.rows, written, strict=True):
            assert line[0] == row.label
            for cell, text in zip(row.cells, line[1:], strict=True):
                if cell.kind == TEXT:
                    assert text == cell.value
                elif cell.value is None:
                    assert text == ""
                else:
                    assert _as_number(text) == Decimal(cell.value)
                checked += 1
    assert checked > 40


def test_the_xlsx_has_the_pages_numbers_as_numbers(client, coordinator, served):
    client.force_login(coordinator)
    response = client.get(reverse("funder_report_xlsx", args=[served.pk]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = [list(row) for row in sheet.iter_rows()]
    values = [[cell.value for cell in line] for line in lines]
    checked = 0
    for section in _page_sections(client, served):
        at = next(n for n, line in enumerate(values) if line[0] == section.title)
        headings = lines[at + 1]
        assert [cell.value for cell in headings[: len(section.columns)]] == section.columns
        assert all(cell.font.bold for cell in headings[: len(section.columns)])
        written = lines[at + 2 : at + 2 + len(section.rows)]
        for row, line in zip(section.rows, written, strict=True):
            assert line[0].value == row.label
            for cell, xlsx in zip(row.cells, line[1:], strict=False):
                if cell.kind == TEXT or cell.value is None:
                    assert xlsx.value == cell.value
                    continue
                assert isinstance(xlsx.value, int | float)
                assert Decimal(str(xlsx.value)) == cell.value
                if cell.kind == RON:
                    assert xlsx.number_format == "#,##0.00"
                if cell.kind == RATE:
                    assert xlsx.number_format == "0.0"
                checked += 1
    assert checked > 40


def test_the_downloads_are_named_for_the_project_and_period_in_ascii(client, coordinator, site_a):
    project = FundedProjectFactory(sites=[site_a], name="„Vreau și eu la școală!”")
    client.force_login(coordinator)

    for name, extension in [("funder_report_csv", "csv"), ("funder_report_xlsx", "xlsx")]:
        response = client.get(
            reverse(name, args=[project.pk]), {"from": "2025-10-01", "to": "2025-12-31"}
        )
        disposition = response["Content-Disposition"]
        assert disposition == (
            f'attachment; filename="raport-vreau-si-eu-la-scoala-2025-10-01_2025-12-31.{extension}"'
        )
        assert disposition.isascii()


def _text_of(content: bytes, name: str) -> str:
    if name.endswith("xlsx"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(member).decode() for member in archive.namelist())
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("name", ["funder_report_csv", "funder_report_xlsx"])
def test_the_downloads_hold_no_personal_data_nor_confidential_notes(
    client, coordinator, served, name
):
    client.force_login(coordinator)

    text = _text_of(client.get(reverse(name, args=[served.pk])).content, name)

    assert CONFIDENTIAL_MARK not in text
    assert "Căldăraru" not in text
    assert "Mariana" not in text  # the guardians' given names
    assert served.name in text


@pytest.mark.parametrize(
    ("role", "linked"),
    [(Role.COORDINATOR, True), (Role.DIRECTOR, True), (Role.SOCIAL_WORKER, False)],
)
def test_the_home_page_links_to_the_reports_for_who_may_open_them(client, site_a, role, linked):
    client.force_login(UserFactory(role=role, sites=[site_a]))

    html = client.get(reverse("home")).content.decode()

    assert (reverse("funder_report_list") in html) == linked


def test_the_page_flags_a_project_counting_the_same_children(client, coordinator, project, group):
    other = FundedProjectFactory(sites=[group.site], name="Finanțare Primăria Sector 2")
    mark(child_at(group.site), group)
    client.force_login(coordinator)

    page = client.get(reverse("funder_report", args=[project.pk]))

    html = page.content.decode()
    assert 'data-testid="overlap-flag"' in html
    assert "Finanțare Primăria Sector 2" in html
    assert [o.project_id for o in page.context["report"].flagged_overlaps] == [other.pk]


def test_no_flag_without_children_in_common(client, coordinator, project, group):
    FundedProjectFactory(sites=[group.site], starts_on=END, ends_on=END)
    mark(child_at(group.site), group)
    client.force_login(coordinator)

    html = client.get(reverse("funder_report", args=[project.pk])).content.decode()

    assert 'data-testid="overlap-flag"' not in html


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (datetime.date(2025, 10, 1), datetime.date(2025, 11, 30)),  # whole months: the tally
        (datetime.date(2025, 10, 2), datetime.date(2025, 11, 29)),  # cut months: the marks
    ],
)
def test_a_child_only_ever_marked_absent_did_not_come_to_a_session(
    project, site_a, group, first, last
):
    child = child_at(site_a)
    mark(child, group, day=datetime.date(2025, 10, 15), status="absent")
    mark(child, group, day=datetime.date(2025, 11, 14), status="excused")

    result = report(project, first=first, last=last).reach

    assert result.by_service["attended"] == 0
    assert result.total == 0


def test_a_child_back_years_after_a_move_had_left(project, site_a, group):
    child = child_at(site_a)
    EnrollmentFactory(
        child=child,
        group=group,
        started_on=datetime.date(2025, 6, 1),
        ended_on=datetime.date(2025, 11, 1),
        status="moved",
    )
    EnrollmentFactory(
        child=child, group=GroupFactory(site=site_a), started_on=datetime.date(2028, 9, 15)
    )

    retention = report(project).retention

    assert (retention.enrolled_at_start, retention.still_enrolled) == (1, 0)
    assert retention.other_exits == 1


def test_names_a_spreadsheet_would_run_as_formulas_stay_text(client, coordinator, site_a):
    site_a.name = '=HYPERLINK("http://exemplu.invalid","x")'
    site_a.save()
    project = FundedProjectFactory(
        name="=1+2", reference="+40 721", sites=[site_a], starts_on=START, ends_on=END
    )
    client.force_login(coordinator)

    csv_text = client.get(reverse("funder_report_csv", args=[project.pk])).content.decode()
    cells = [cell for line in csv_text.splitlines() for cell in line.split(";")]
    assert "'=1+2" in cells and "'+40 721" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]

    xlsx = client.get(reverse("funder_report_xlsx", args=[project.pk])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in values if cell.data_type == "f"]
    assert "=1+2" in [cell.value for cell in values]
