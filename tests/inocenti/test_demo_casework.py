"""The demo's casework for the current school year (``inocenti.demo_casework``,
run by seed_demo after the attendance).

The tests share one database seeded as if on TODAY (the module-scoped ``seeded``
fixture, rolled back at the end of the module); each test runs in a savepoint
within it.
"""

import datetime
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from attendance.models import NoSessionReason, Register
from children.models import (
    LAST_QUALIFIER_GRADE,
    CaseNote,
    CaseNoteKind,
    Child,
    CommunityActivity,
    CommunityActivityKind,
    ConfidentialNote,
    CounselingKind,
    CounselingSession,
    FollowUp,
    MentorAssignment,
    MentoringKind,
    MentoringSession,
    ResultPeriod,
    SchoolResult,
)
from families.models import Guardian, ParentMeeting, SupportGiven, SupportKind
from inocenti import demo
from inocenti.demo_attendance import school_calendar
from inocenti.demo_casework import result_periods
from programs.models import Enrollment, FundedProject, Role, User

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)  # a Thursday, module 1 of 2026-2027 is over
YEAR_START = datetime.date(2026, 9, 1)
LAST_YEAR = "2025-2026"
CURRENT_YEAR = "2026-2027"
WEEK = datetime.timedelta(days=7)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PSYCHOLOGIST_SITES = {demo.SCHOOL_31, demo.FERDINAND}
CASEWORK = (
    ConfidentialNote,
    CounselingSession,
    CaseNote,
    FollowUp,
    SchoolResult,
    MentoringSession,
    MentorAssignment,
    CommunityActivity,
    ParentMeeting,
    SupportGiven,
)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        output = _seed("--today", TODAY.isoformat())
        # Statistics of the uncommitted rows, as in test_seed_demo.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield output
        transaction.set_rollback(True)


def _enrolled_this_year() -> set[int]:
    return set(
        Enrollment.objects.filter(group__school_year__starts_on=YEAR_START).values_list(
            "child_id", flat=True
        )
    )


def test_the_summary_counts_what_was_created(seeded):
    found = re.search(
        r"Casework 2026-2027 until 25\.11\.2026: (\d+) counseling sessions \((\d+) with "
        r"confidential notes\), (\d+) case notes, (\d+) follow-ups \((\d+) open\), (\d+) school "
        r"results, (\d+) mentor assignments, (\d+) mentoring sessions, (\d+) community "
        r"activities, (\d+) parent meetings, (\d+) support records created",
        seeded,
    )
    assert found, seeded
    counts = list(map(int, found.groups()))
    assert counts == [
        CounselingSession.objects.count(),
        ConfidentialNote.objects.count(),
        CaseNote.objects.count(),
        FollowUp.objects.count(),
        FollowUp.objects.open().count(),
        SchoolResult.objects.count(),
        MentorAssignment.objects.count(),
        MentoringSession.objects.count(),
        CommunityActivity.objects.count(),
        ParentMeeting.objects.count(),
        SupportGiven.objects.count(),
    ]
    assert all(counts), counts


def test_a_sample_of_every_table_passes_full_clean(seeded):
    """Bulk inserts skip the model's checks; a sample of every table must pass them.
    (One test, not one per table: each test's teardown costs a constraint check.)"""
    for model in CASEWORK:
        rows = list(model.objects.order_by("pk"))
        assert rows, model
        for row in rows[:: max(1, len(rows) // 60)]:
            row.full_clean()


def test_every_record_is_dated_this_school_year_before_today(seeded):
    for model in (CounselingSession, CaseNote, MentoringSession, CommunityActivity):
        dates = model.objects.values_list("date", flat=True)
        assert all(YEAR_START <= day < TODAY for day in dates), model
    for model in (ParentMeeting, SupportGiven):
        assert all(
            YEAR_START <= day < TODAY for day in model.objects.values_list("date", flat=True)
        )
    enrolled = _enrolled_this_year()
    for model in (CaseNote, SchoolResult, MentoringSession, SupportGiven):
        children = set(model.objects.exclude(child=None).values_list("child_id", flat=True))
        assert children <= enrolled, model


# Counseling ----------------------------------------------------------------------------


def test_counseling_only_by_the_psychologist_where_they_work(seeded):
    sessions = CounselingSession.objects.all()
    assert set(sessions.values_list("psychologist__username", "created_by__username")) == {
        ("psiholog", "psiholog")
    }
    assert set(sessions.values_list("site__name", flat=True)) == PSYCHOLOGIST_SITES
    assert set(sessions.values_list("kind", flat=True)) == set(CounselingKind.values)
    assert all(
        30 <= minutes <= 90 for minutes in sessions.values_list("duration_minutes", flat=True)
    )
    for session in sessions.prefetch_related("children", "guardians"):
        children = list(session.children.all())
        assert children, session
        assert {child.site.name for child in children} == {session.site.name}
        if session.kind == CounselingKind.GROUP:
            assert 4 <= len(children) <= 6
        else:
            assert len(children) == 1
        guardians = list(session.guardians.all())
        if session.kind == CounselingKind.PARENT:
            assert guardians
            assert {g.family_id for g in guardians} == {children[0].family_id}
            assert not any(g.works_abroad_in for g in guardians)
        else:
            assert not guardians
        assert session.summary
        assert session.follow_up_on is None or session.follow_up_on > session.date


def test_about_one_child_in_seven_is_evaluated_at_the_start_of_the_year(seeded):
    at_sites = set(
        Enrollment.objects.filter(
            group__school_year__starts_on=YEAR_START, site__name__in=PSYCHOLOGIST_SITES
        ).values_list("child_id", flat=True)
    )
    evaluations = CounselingSession.objects.filter(kind=CounselingKind.EVALUATION)
    evaluated = set(evaluations.values_list("children", flat=True))
    assert 0.08 <= len(evaluated) / len(at_sites) <= 0.25
    assert evaluations.filter(date__lt=datetime.date(2026, 10, 15)).count() >= 0.7 * len(evaluated)


def test_confidential_notes_for_about_half_the_sessions_only_by_the_psychologist(seeded):
    notes = ConfidentialNote.objects.select_related("session__psychologist", "updated_by")
    share = notes.count() / CounselingSession.objects.count()
    assert 0.3 <= share <= 0.7, share
    for note in notes:
        assert note.text
        assert note.session.psychologist.role == Role.PSYCHOLOGIST
        assert note.updated_by == note.session.psychologist
    # The team's summary never repeats the confidential text.
    for summary, text in notes.values_list("session__summary", "text"):
        assert text not in summary


# Case notes and follow-ups ---------------------------------------------------------------


def test_case_notes_by_the_social_worker_at_her_site_and_the_coordinator_elsewhere(seeded):
    notes = CaseNote.objects.select_related("child", "family", "site", "created_by")
    assert set(notes.values_list("site__name", flat=True)) == {spec.name for spec in demo.SITES}
    for note in notes:
        expected = "asistent" if note.site.name == demo.SCHOOL_31 else "coordonator"
        assert note.created_by.username == expected
        if note.child:
            assert note.child.site_id == note.site_id
            assert note.family is None
        else:
            assert note.family.site_id == note.site_id
    assert set(notes.values_list("kind", flat=True)) == set(CaseNoteKind.values)
    family_notes = notes.filter(child=None).count()
    assert 0.1 * notes.count() <= family_notes <= 0.4 * notes.count()
    assert notes.filter(site__name=demo.SCHOOL_31).count() > notes.count() / 8


def test_follow_ups_done_with_an_outcome_or_still_open(seeded):
    tasks = FollowUp.objects.all()
    done, still_open = tasks.exclude(done_on=None), tasks.open()
    assert done.count() > still_open.count() > 0
    assert not done.filter(outcome="").exists()
    assert all(task.done_by == task.assignee for task in done.select_related("done_by", "assignee"))
    assert not done.filter(done_on__gte=TODAY).exists()
    assert not still_open.exclude(outcome="").exists()
    assert set(tasks.values_list("assignee__role", flat=True)) <= {
        Role.SOCIAL_WORKER,
        Role.COORDINATOR,
        Role.PSYCHOLOGIST,
    }
    assert all(day.weekday() < 5 for day in tasks.values_list("due_on", flat=True))


def test_the_social_worker_has_open_tasks_due_soon_or_overdue(seeded, client):
    mine = FollowUp.objects.open().filter(assignee__username="asistent")
    assert mine.count() >= 2
    assert all(task.site.name == demo.SCHOOL_31 for task in mine)
    soon = mine.filter(due_on__lte=TODAY + 2 * WEEK)
    assert soon.exists()


# School results --------------------------------------------------------------------------


def test_school_results_respect_the_grade_rules(seeded):
    results = SchoolResult.objects.select_related("school_year", "child")
    for result in results:
        if (
            result.grade <= LAST_QUALIFIER_GRADE
            and result.period not in ResultPeriod.baccalaureate()
        ):
            assert result.qualifier and result.general_average is None, result
        else:
            assert not result.qualifier
            assert 1 <= result.general_average <= 10
            assert result.general_average == round(result.general_average, 2)
        if result.period in ResultPeriod.baccalaureate():
            assert result.grade >= 11
        names = [name for name in result.failed_subjects.split(", ") if name]
        assert result.failed_subjects_count == len(names)
        # The grade is the child's grade then: this year's, or the one before.
        offset = 0 if result.school_year.name == CURRENT_YEAR else 1
        assert result.grade == result.child.grade - offset, result


def test_results_of_the_modules_over_this_year_and_every_period_of_last_year(seeded):
    periods = Counter(SchoolResult.objects.values_list("school_year__name", "period"))
    assert {period for year, period in periods if year == CURRENT_YEAR} == {ResultPeriod.MODULE_1}
    over = [period for period, end in result_periods(school_calendar(2025), "B")]
    assert {period for year, period in periods if year == LAST_YEAR} >= set(over)
    enrolled = _enrolled_this_year()
    assert periods[(CURRENT_YEAR, ResultPeriod.MODULE_1)] == len(enrolled)
    # Last year's results: the children in the program then, who were at school.
    assert 0.5 * len(enrolled) < periods[(LAST_YEAR, ResultPeriod.YEAR)] < len(enrolled)
    year_outcomes = Counter(
        SchoolResult.objects.filter(period=ResultPeriod.YEAR).values_list("outcome", flat=True)
    )
    assert set(year_outcomes) == {"promoted", "re_exam"}


def test_averages_mostly_between_6_and_9_5_a_few_below_5_with_failed_subjects(seeded):
    averages = SchoolResult.objects.exclude(general_average=None).exclude(
        period__in=ResultPeriod.baccalaureate()
    )
    values = [float(a) for a in averages.values_list("general_average", flat=True)]
    assert sum(6 <= a <= 9.5 for a in values) >= 0.7 * len(values)
    below = averages.filter(general_average__lt=5)
    assert 0 < below.count() <= 0.1 * len(values)
    assert not below.filter(failed_subjects_count=0).exists()
    qualifiers = Counter(
        SchoolResult.objects.exclude(qualifier="").values_list("qualifier", flat=True)
    )
    assert set(qualifiers) == {"FB", "B", "S", "I"}


def test_baccalaureate_mocks_only_in_the_baccalaureate_groups(seeded):
    mocks = SchoolResult.objects.filter(period=ResultPeriod.BACCALAUREATE_MOCK)
    in_groups = set(
        Enrollment.objects.filter(
            group__school_year__starts_on=YEAR_START, group__name=demo.GROUP_BACCALAUREATE
        ).values_list("child_id", flat=True)
    )
    assert mocks.exists()
    assert set(mocks.values_list("child_id", flat=True)) <= in_groups
    # Before April, only last year's grade XI mock of those now in grade XII.
    assert set(mocks.values_list("school_year__name", "grade", "child__grade")) == {
        (LAST_YEAR, 11, 12)
    }


# Mentoring, activities, parent meetings, support -----------------------------------------


def test_the_volunteer_mentors_a_few_children_of_her_site(seeded):
    assignments = MentorAssignment.objects.filter(volunteer__username="voluntar")
    open_assignments = assignments.filter(ended_on=None)
    assert 4 <= open_assignments.count() <= 6
    assert set(open_assignments.values_list("child__site__name", flat=True)) == {demo.SCHOOL_31}
    started = dict(open_assignments.values_list("child_id", "started_on"))
    sessions = MentoringSession.objects.all()
    assert set(sessions.values_list("volunteer__username", flat=True)) == {"voluntar"}
    assert set(sessions.values_list("child_id", flat=True)) == set(started)
    for child, day, minutes, topic in sessions.values_list(
        "child_id", "date", "duration_minutes", "topic"
    ):
        assert day >= started[child]
        assert 45 <= minutes <= 90
        assert topic
    # About weekly: no child has two sessions in a week.
    weeks = Counter(
        (child, day.isocalendar()[:2]) for child, day in sessions.values_list("child_id", "date")
    )
    assert max(weeks.values()) == 1
    assert set(sessions.values_list("kind", flat=True)) == set(MentoringKind.values)


def test_community_activities_with_the_sites_children(seeded):
    activities = CommunityActivity.objects.prefetch_related("sites", "children", "volunteers")
    per_site = Counter()
    for activity in activities:
        sites = list(activity.sites.all())
        assert len(sites) == 1
        per_site[sites[0].name] += 1
        children = list(activity.children.all())
        assert 10 <= len(children) <= 25
        assert {child.site_id for child in children} == {sites[0].pk}
        for volunteer in activity.volunteers.all():
            assert volunteer.role == Role.VOLUNTEER
            assert sites[0].name == demo.SCHOOL_31
    assert set(per_site) == {spec.name for spec in demo.SITES}
    kinds = set(activities.values_list("kind", flat=True))
    assert {CommunityActivityKind.TRIP, CommunityActivityKind.PARTNER_SCHOOL} <= kinds
    # Christmas has not come yet.
    assert not activities.filter(title__icontains="Crăciun").exists()
    # Trips are on the days the registers say the site went on a trip.
    trip_days = set(
        Register.objects.filter(no_session_reason=NoSessionReason.TRIP).values_list(
            "group__site__name", "date", "note"
        )
    )
    trips = set(
        activities.filter(kind=CommunityActivityKind.TRIP).values_list(
            "sites__name", "date", "title"
        )
    )
    assert trips and trips <= trip_days


def test_parent_meetings_monthly_with_guardians_of_the_sites_families(seeded):
    meetings = ParentMeeting.objects.select_related("site", "facilitator").prefetch_related(
        "attendees__family"
    )
    months = Counter((m.site.name, m.date.month) for m in meetings)
    assert max(months.values()) == 1
    assert len(months) >= 2 * len(demo.SITES)
    for meeting in meetings:
        attendees = list(meeting.attendees.all())
        assert 4 <= len(attendees) <= 12
        assert {g.family.site_id for g in attendees} == {meeting.site_id}
        allowed = {"coordonator", "asistent" if meeting.site.name == demo.SCHOOL_31 else ""}
        if meeting.site.name in PSYCHOLOGIST_SITES:
            allowed.add("psiholog")
        assert meeting.facilitator.username in allowed, meeting
    assert ParentMeeting.objects.exclude(support=[]).exists()


def test_support_with_a_project_is_covered_by_it(seeded):
    support = SupportGiven.objects.select_related("family__site", "funded_project", "child")
    funded = support.exclude(funded_project=None)
    assert funded.exists()
    for row in funded:
        assert (
            FundedProject.objects.covering(site=row.family.site, on=row.date)
            .filter(pk=row.funded_project_id)
            .exists()
        )
    # United Way pays at the Bucharest and Ilfov sites, nothing covers Reteag.
    bucharest = {spec.name for spec in demo.sites_of(demo.BUCHAREST_ILFOV)}
    uw = funded.filter(funded_project__funder__name=demo.UNITED_WAY)
    assert set(uw.values_list("family__site__name", flat=True)) == bucharest
    assert not funded.filter(family__site__name=demo.RETEAG).exists()
    for row in support:
        if row.child_id:
            assert row.child.family_id == row.family_id
        if row.kind in (SupportKind.ADMINISTRATIVE, SupportKind.LEGAL, SupportKind.EMPLOYMENT):
            assert row.value_ron is None and row.funded_project is None
        else:
            assert row.value_ron is not None


def test_school_supplies_at_the_start_of_the_year_for_about_two_families_in_five(seeded):
    supplies = SupportGiven.objects.filter(kind=SupportKind.SCHOOL_SUPPLIES)
    assert all(80 <= value <= 250 for value in supplies.values_list("value_ron", flat=True))
    assert all(day < datetime.date(2026, 10, 1) for day in supplies.values_list("date", flat=True))
    families = set(
        Child.objects.filter(pk__in=_enrolled_this_year()).values_list("family_id", flat=True)
    )
    given = set(supplies.values_list("family_id", flat=True))
    assert 0.3 <= len(given) / len(families) <= 0.5


# Runs again ------------------------------------------------------------------------------


def test_a_second_run_creates_nothing(seeded, settings):
    settings.DEBUG = True
    before = [model.objects.count() for model in CASEWORK]
    output = _seed("--today", TODAY.isoformat())
    assert [model.objects.count() for model in CASEWORK] == before
    assert "0 counseling sessions (0 with confidential notes), 0 case notes" in output
    assert "0 parent meetings, 0 support records created" in output


def _name(child) -> str:
    return f"{child.family_name} {child.given_names} {child.birth_date}" if child else ""


def _snapshot(before: datetime.date) -> dict[str, set]:
    """What was recorded before ``before``, by names rather than keys."""
    guardians = {g.pk: f"{g.family_name} {g.given_names}" for g in Guardian.objects.all()}
    children = {c.pk: _name(c) for c in Child.objects.all()}
    people = defaultdict(set)
    for session, child in CounselingSession.children.through.objects.values_list(
        "counselingsession_id", "child_id"
    ):
        people[session].add(children[child])
    for session, guardian in CounselingSession.guardians.through.objects.values_list(
        "counselingsession_id", "guardian_id"
    ):
        people[session].add(guardians[guardian])
    notes = dict(ConfidentialNote.objects.values_list("session_id", "text"))
    snapshot = {
        "counseling": {
            (site, day, kind, minutes, summary, frozenset(people[pk]), notes.get(pk))
            for pk, site, day, kind, minutes, summary in CounselingSession.objects.filter(
                date__lt=before
            ).values_list("pk", "site__name", "date", "kind", "duration_minutes", "summary")
        },
        "case notes": {
            (
                note.site.name,
                _name(note.child),
                note.family.name if note.family else "",
                note.date,
                note.kind,
                note.text,
            )
            for note in CaseNote.objects.filter(date__lt=before).select_related(
                "site", "child", "family"
            )
        },
        "follow-ups": {
            (task.site.name, _name(task.child), task.task, task.due_on, task.assignee.username)
            for task in FollowUp.objects.filter(created_at__date__lt=before).select_related(
                "site", "child", "assignee"
            )
        },
        "results": {
            (
                _name(r.child),
                r.school_year.name,
                r.period,
                r.grade,
                r.general_average,
                r.qualifier,
                r.failed_subjects,
                r.outcome,
            )
            for r in SchoolResult.objects.select_related("child", "school_year")
        },
        "mentoring": {
            (_name(s.child), s.date, s.kind, s.duration_minutes, s.topic)
            for s in MentoringSession.objects.filter(date__lt=before).select_related("child")
        }
        | {
            (_name(a.child), a.started_on) for a in MentorAssignment.objects.select_related("child")
        },
        "activities": {
            (a.date, a.title, frozenset(_name(c) for c in a.children.all()), a.volunteers.count())
            for a in CommunityActivity.objects.filter(date__lt=before).prefetch_related("children")
        },
        "meetings": {
            (
                m.site.name,
                m.date,
                m.kind,
                m.topic,
                m.facilitator.username,
                frozenset(guardians[g.pk] for g in m.attendees.all()),
                tuple(m.support),
            )
            for m in ParentMeeting.objects.filter(date__lt=before)
            .select_related("site", "facilitator")
            .prefetch_related("attendees")
        },
        "support": {
            (
                s.family.name,
                _name(s.child),
                s.date,
                s.kind,
                s.items,
                s.value_ron,
                str(s.funded_project),
            )
            for s in SupportGiven.objects.filter(date__lt=before).select_related(
                "family", "child", "funded_project"
            )
        },
    }
    return snapshot


def test_the_past_is_the_same_when_generated_a_week_later(seeded, settings):
    """Delete the casework and generate it again as if a week had passed: every
    record of the first run comes back the same, and the week adds some."""
    settings.DEBUG = True
    first = _snapshot(TODAY)
    assert all(first.values())
    tasks = FollowUp.objects.values_list("task", "due_on", "done_on", "outcome")
    done_before = set(tasks.exclude(done_on=None))
    open_before = set(tasks.filter(done_on=None))
    for model in CASEWORK:
        model.objects.all().delete()

    _seed("--today", (TODAY + WEEK).isoformat())
    assert _snapshot(TODAY) == first
    later = _snapshot(TODAY + WEEK)
    assert later["case notes"] > first["case notes"]
    assert later["counseling"] > first["counseling"]
    # Which tasks are done follows today: those done stay done, some open are done now.
    assert done_before <= set(tasks.exclude(done_on=None))
    done_now = {(task, due) for task, due, _done, _outcome in tasks.exclude(done_on=None)}
    assert any((task, due) in done_now for task, due, _done, _outcome in open_before)


def test_the_casework_of_a_child_shows_on_their_page(seeded, client):
    """The psychologist sees the confidential notes on the child's page; the social
    worker sees the sessions but not the notes."""
    note = (
        ConfidentialNote.objects.filter(
            session__kind=CounselingKind.INDIVIDUAL, session__site__name=demo.SCHOOL_31
        )
        .select_related("session")
        .first()
    )
    child = note.session.children.get()
    client.force_login(User.objects.get(username="psiholog"))
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert note.text in page
    assert note.session.summary in page
    client.force_login(User.objects.get(username="asistent"))
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert note.session.summary in page
    assert note.text not in page
