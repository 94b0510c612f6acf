"""The demo's registers and school absences for the current school year
(``inocenti.demo_attendance``, run by seed_demo).

The calendar tests need no database. The others share one database seeded as if
on TODAY (the module-scoped ``seeded`` fixture, rolled back at the end of the
module); each test runs in a savepoint within it.
"""

import datetime
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from attendance.models import (
    MAX_SCHOOL_HOURS_PER_MONTH,
    Activity,
    Mark,
    MarkStatus,
    NoSessionReason,
    Register,
    SchoolAbsence,
)
from attendance.summary import attendance_summary
from inocenti import demo
from inocenti.demo_attendance import (
    AUTUMN,
    SPRING,
    SUMMER,
    away_weeks,
    load_groups,
    orthodox_easter,
    school_calendar,
)
from programs.models import County, Enrollment, Group, SchoolYear, Site

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)  # a Thursday: every group met yesterday
YEAR_START = datetime.date(2026, 9, 1)
WINDOW = datetime.timedelta(days=7)  # the days a register may be left untaken
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


# The school calendar, in memory ------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2024, (5, 5)), (2025, (4, 20)), (2026, (4, 12)), (2027, (5, 2)), (2031, (4, 13))],
)
def test_orthodox_easter(year, easter):
    assert orthodox_easter(year) == datetime.date(year, *easter)


def test_the_2026_2027_calendar_follows_the_ministrys_order():
    calendar = school_calendar(2026)
    off = {
        day: calendar.day_off(day, County.B)
        for day in (YEAR_START + datetime.timedelta(days=n) for n in range(365))
        if day.weekday() < 5
    }
    assert off[datetime.date(2026, 9, 4)] == SUMMER
    assert off[datetime.date(2026, 9, 7)] == ""  # classes begin
    assert off[datetime.date(2026, 10, 23)] == ""
    assert {off[datetime.date(2026, 10, 26) + datetime.timedelta(days=n)] for n in range(5)} == {
        AUTUMN
    }
    assert off[datetime.date(2026, 11, 2)] == ""
    assert off[datetime.date(2026, 11, 30)] == "Sfântul Andrei"
    assert off[datetime.date(2026, 12, 1)] == "Ziua Națională a României"
    assert off[datetime.date(2027, 5, 3)] == SPRING  # Easter Monday
    assert off[datetime.date(2027, 6, 18)] == ""  # the last day of classes
    assert off[datetime.date(2027, 6, 21)] == SUMMER
    # The February week depends on the county.
    assert calendar.day_off(datetime.date(2027, 2, 15), County.BN)
    assert not calendar.day_off(datetime.date(2027, 2, 15), County.B)
    # About 36 weeks of classes.
    assert 170 <= sum(1 for reason in off.values() if not reason) <= 180


@pytest.mark.parametrize("year", [2021, 2030, 2035])
def test_a_year_not_in_the_table_has_the_autumn_week_at_the_end_of_october(year):
    calendar = school_calendar(year)
    autumn = [
        day
        for day in (datetime.date(year, 10, 15) + datetime.timedelta(days=n) for n in range(25))
        if day.weekday() < 5 and calendar.day_off(day, County.B) == AUTUMN
    ]
    assert len(autumn) == 5
    assert autumn[0].weekday() == 0 and autumn[0].month == 10
    assert (autumn[0] + datetime.timedelta(days=7)).month == 11  # the last week of October
    easter = orthodox_easter(year + 1)
    assert calendar.day_off(easter + datetime.timedelta(days=1), County.B) == SPRING
    first, second, third = calendar.terms
    assert first[0] == calendar.classes_start < first[1] < second[0] < second[1] < third[0]
    assert third[1] == calendar.classes_end


# On a database seeded as if on TODAY ---------------------------------------------------


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


def _current_groups():
    return Group.objects.filter(school_year__starts_on=YEAR_START)


def _marks_by_register() -> dict[int, set[int]]:
    marks = defaultdict(set)
    for register, child in Mark.objects.values_list("register_id", "child_id"):
        marks[register].add(child)
    return marks


def test_the_summary_counts_registers_marks_and_school_absences(seeded):
    found = re.search(
        r"Attendance 2026-2027 until 25\.11\.2026: (\d+) registers \((\d+) held, (\d+) without "
        r"a session\), (\d+) marks, (\d+) school absences created",
        seeded,
    )
    assert found, seeded
    registers, held, no_session, marks, absences = map(int, found.groups())
    assert registers == Register.objects.count() == held + no_session
    assert held == Register.objects.filter(no_session_reason="").count() > 500
    assert marks == Mark.objects.count() > 5000
    assert absences == SchoolAbsence.objects.count() > 300


def test_every_held_register_has_one_mark_per_child_enrolled_that_day(seeded):
    marks = _marks_by_register()
    held = Register.objects.filter(no_session_reason="").select_related("group")
    assert held.exists()
    for register in held:
        enrolled = set(
            Enrollment.objects.on(register.date)
            .filter(group=register.group)
            .values_list("child_id", flat=True)
        )
        assert enrolled, register
        assert marks[register.pk] == enrolled, register
    assert Mark.objects.count() == sum(len(children) for children in marks.values())


def test_days_without_a_session_have_a_reason_and_no_marks(seeded):
    none = Register.objects.exclude(no_session_reason="")
    assert not Mark.objects.filter(register__in=none).exists()
    assert not none.exclude(activities=[]).exists()
    assert not none.filter(note="").exists()
    autumn = none.filter(date__range=(datetime.date(2026, 10, 26), datetime.date(2026, 10, 30)))
    assert set(autumn.values_list("no_session_reason", "note")) == {
        (NoSessionReason.HOLIDAY, AUTUMN)
    }
    held = Register.objects.filter(no_session_reason="")
    assert not held.filter(date__range=(datetime.date(2026, 10, 24), datetime.date(2026, 11, 1)))
    assert not held.filter(date__lt=datetime.date(2026, 9, 7))  # classes began on 7 September
    # One trip a term at most: the sites that went share one day each.
    trips = Counter(
        (site, date)
        for site, date in none.filter(no_session_reason=NoSessionReason.TRIP).values_list(
            "group__site__name", "date"
        )
    )
    assert trips
    assert len({site for site, _date in trips}) == len(trips)


def test_registers_stop_yesterday_and_look_taken(seeded):
    assert not Register.objects.filter(date__gte=TODAY).exists()
    assert Register.objects.filter(date=TODAY - datetime.timedelta(days=1)).exists()
    assert set(Register.objects.values_list("version", flat=True)) == {1}
    takers = set(
        Register.objects.values_list(
            "group__site__name", "created_by__username", "updated_by__username"
        )
    )
    for site, created_by, updated_by in takers:
        expected = "asistent" if site == demo.SCHOOL_31 else "coordonator"
        assert created_by == updated_by == expected, site
    for day, created_at, updated_at in Register.objects.values_list(
        "date", "created_at", "updated_at"
    ):
        local = timezone.localtime(created_at)
        assert local.date() == day
        assert datetime.time(14) <= local.time() <= datetime.time(16)
        assert updated_at == created_at


def test_sessions_have_homework_help_and_at_most_one_other_activity(seeded):
    activities = list(
        Register.objects.filter(no_session_reason="").values_list("group__name", "activities")
    )
    assert all(1 <= len(chosen) <= 2 for _group, chosen in activities)
    for group, chosen in activities:
        main = Activity.BACCALAUREATE if group == demo.GROUP_BACCALAUREATE else Activity.HOMEWORK
        assert chosen[0] == main
    assert 0.6 <= sum(len(chosen) == 2 for _group, chosen in activities) / len(activities) < 1


def test_marks_are_mostly_present_and_absences_often_have_a_reason(seeded):
    statuses = Counter(Mark.objects.values_list("status", flat=True))
    total = sum(statuses.values())
    share = {status: statuses[status] / total for status in MarkStatus.values}
    assert 0.80 <= share[MarkStatus.PRESENT] <= 0.92, share
    for status in (MarkStatus.LATE, MarkStatus.ABSENT, MarkStatus.EXCUSED):
        assert 0.02 <= share[status] <= 0.09, share
    not_present = Mark.objects.exclude(status=MarkStatus.PRESENT)
    reasons = Counter(not_present.values_list("reason", flat=True))
    assert all(reasons[reason] for reason in ("sick", "family", "seasonal_migration", "other"))
    assert 0.3 <= 1 - reasons[""] / sum(reasons.values()) <= 0.8


def test_a_few_children_are_slipping(seeded):
    """Some children have stopped coming lately, at every site: the child page warns
    of three absences in a row or more, and of a low rate over the last 30 days."""
    marks = defaultdict(list)
    site = {}
    for child, site_name, day, status in Mark.objects.held().values_list(
        "child_id", "register__group__site__name", "register__date", "status"
    ):
        marks[child].append((day, status))
        site[child] = site_name
    summaries = {
        child: attendance_summary(child_marks, today=TODAY, year_starts_on=YEAR_START)
        for child, child_marks in marks.items()
    }
    in_a_row = [child for child, summary in summaries.items() if summary.consecutive_absences >= 3]
    assert len(in_a_row) <= 0.1 * len(summaries)
    assert {site[child] for child in in_a_row} == {spec.name for spec in demo.SITES}
    assert any(summaries[child].consecutive_absences >= 6 for child in in_a_row)
    low = [summary for summary in summaries.values() if summary.recent.percent < 50]
    assert 2 <= len(low) <= 0.1 * len(summaries)
    # Most children come most of the time.
    regular = [summary for summary in summaries.values() if summary.school_year.percent >= 80]
    assert len(regular) > 0.75 * len(summaries)


def test_every_site_always_has_a_child_away_for_a_week_or_more(seeded):
    """One child after another stays away, overlapping by a week: whatever day the
    demo is made, every site has a child absent at their last sessions."""
    calendar = school_calendar(2026)
    sites = {site.name: site for site in Site.objects.all()}
    groups = load_groups(sites, SchoolYear.objects.get(starts_on=YEAR_START))
    away = away_weeks(demo.SEED, calendar, groups)
    week = datetime.timedelta(days=7)
    for spec in demo.SITES:
        slips = [
            slip for (site, _key), slips in away.items() if site == spec.name for slip in slips
        ]
        assert all(slip.stops for slip in slips)
        day = calendar.classes_start + 2 * week
        while day <= calendar.classes_end:
            assert any(slip.first <= day - week and day <= slip.last for slip in slips), day
            day += datetime.timedelta(days=1)


def test_a_few_recent_registers_are_left_for_the_coordinators_overview(seeded):
    """Every day a group met with children on its list has a register, except a
    few in the last week at one or two Bucharest and Ilfov sites."""
    taken = set(Register.objects.values_list("group_id", "date"))
    missing = []
    for group in _current_groups().select_related("site"):
        day = YEAR_START
        while day < TODAY:
            if (
                day.isoweekday() in group.meeting_days
                and (group.pk, day) not in taken
                and Enrollment.objects.on(day).filter(group=group).exists()
            ):
                missing.append((group.site.name, day))
            day += datetime.timedelta(days=1)
    assert missing
    assert all(day >= TODAY - WINDOW for _site, day in missing)
    sites = {site for site, _day in missing}
    assert 1 <= len(sites) <= 2
    assert sites <= {spec.name for spec in demo.sites_of(demo.BUCHAREST_ILFOV)}


def test_school_absences_for_each_month_over(seeded):
    rows = list(
        SchoolAbsence.objects.values_list("child_id", "month", "excused_hours", "unexcused_hours")
    )
    assert {month for _child, month, *_hours in rows} == {
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 1),
    }
    for month, last in (
        (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)),
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
    ):
        enrolled = set(
            Enrollment.objects.filter(group__in=_current_groups(), started_on__lte=last)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
            .values_list("child_id", flat=True)
        )
        assert {child for child, m, *_hours in rows if m == month} == enrolled
    totals = [excused + unexcused for _child, _month, excused, unexcused in rows]
    assert max(totals) <= MAX_SCHOOL_HOURS_PER_MONTH
    assert sum(total <= 6 for total in totals) >= 0.7 * len(rows)
    assert 0 < sum(unexcused >= 20 for *_rest, unexcused in rows) <= 0.12 * len(rows)
    entered = SchoolAbsence.objects.values_list("month", "created_at", "created_by__username")
    for month, created_at, username in entered:
        assert month < timezone.localtime(created_at).date() < TODAY
        assert username in ("asistent", "coordonator")


@pytest.mark.parametrize("model", [Register, Mark, SchoolAbsence])
def test_a_sample_passes_full_clean(seeded, model):
    rows = list(model.objects.order_by("pk"))
    assert rows
    for row in rows[:: max(1, len(rows) // 60)]:
        row.full_clean()


def test_a_second_run_creates_nothing(seeded, settings):
    settings.DEBUG = True
    before = [model.objects.count() for model in (Register, Mark, SchoolAbsence)]
    output = _seed("--today", TODAY.isoformat())
    assert [model.objects.count() for model in (Register, Mark, SchoolAbsence)] == before
    assert "0 registers (0 held, 0 without a session), 0 marks, 0 school absences" in output


def _snapshot() -> dict[tuple[int, datetime.date], tuple]:
    marks = defaultdict(set)
    for register, child, status, reason in Mark.objects.values_list(
        "register_id", "child_id", "status", "reason"
    ):
        marks[register].add((child, status, reason))
    registers = Register.objects.values_list(
        "pk", "group_id", "date", "activities", "no_session_reason", "note", "created_at"
    )
    return {
        (group, day): (tuple(activities), no_session, note, created_at, frozenset(marks[pk]))
        for pk, group, day, activities, no_session, note, created_at in registers
    }


def test_the_past_is_the_same_when_generated_a_week_later(seeded, settings):
    """Delete the attendance and generate it again as if a week had passed: every
    register of the first run comes back the same, and the school absences."""
    settings.DEBUG = True
    registers = _snapshot()
    absences = set(
        SchoolAbsence.objects.values_list("child_id", "month", "excused_hours", "unexcused_hours")
    )
    Mark.objects.all().delete()
    Register.objects.all().delete()
    SchoolAbsence.objects.all().delete()

    _seed("--today", (TODAY + WINDOW).isoformat())
    later = _snapshot()
    assert {key: later.get(key) for key in registers} == registers
    new_days = {day for _group, day in set(later) - set(registers)}
    assert max(new_days) == TODAY + WINDOW - datetime.timedelta(days=1)
    assert min(new_days) >= TODAY - WINDOW  # only the days left untaken before
    later_absences = set(
        SchoolAbsence.objects.values_list("child_id", "month", "excused_hours", "unexcused_hours")
    )
    november = datetime.date(2026, 11, 1)  # over a week later
    assert {row for row in later_absences if row[1] < november} == absences
    assert {row[1] for row in later_absences} == {row[1] for row in absences} | {november}
