"""The early warning's indicators, each exactly at and around its threshold."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from attendance.models import Register
from inocenti.models import RiskThresholds
from inocenti.risk import (
    RiskCategory,
    RiskLevel,
    assess_children,
    enrolled_children,
    risk_level_counts,
)
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GroupFactory,
    MarkFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolResultFactory,
    SchoolYearFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 3, 20)  # a Friday of the 2025-2026 school year


@pytest.fixture(autouse=True)
def english():
    """The reasons are read in English here; the Romanian words are the catalogue's."""
    with translation.override("en"):
        yield


@pytest.fixture
def year():
    return SchoolYearFactory(start_year=2025)


@pytest.fixture
def group(year):
    return GroupFactory(school_year=year)


@pytest.fixture
def child(group):
    """Grade VI (no transition), a family with one risk factor: nothing flags them."""
    child = ChildFactory(
        site=group.site, grade=6, family=FamilyFactory(site=group.site, risk_factors=["poverty"])
    )
    EnrollmentFactory(child=child, group=group)
    return child


def weekdays_before(day: datetime.date, count: int) -> list[datetime.date]:
    """The ``count`` weekdays up to ``day`` (included), oldest first."""
    days = []
    while len(days) < count:
        if day.isoweekday() <= 5:
            days.append(day)
        day -= datetime.timedelta(days=1)
    return days[::-1]


def sessions(child, group, statuses: str, *, last: datetime.date = AS_OF) -> None:
    """One register per weekday up to ``last``, the child marked by each letter
    of ``statuses`` (oldest first): P present, L late, A absent, E excused."""
    codes = {"P": "present", "L": "late", "A": "absent", "E": "excused"}
    for day, code in zip(weekdays_before(last, len(statuses)), statuses, strict=True):
        register = Register.objects.filter(group=group, date=day).first()
        MarkFactory(
            register=register or RegisterFactory(group=group, date=day),
            child=child,
            status=codes[code],
        )


def assess(child, thresholds=None):
    (risk,) = assess_children([child], as_of=AS_OF, thresholds=thresholds)
    return risk


def reasons_of(risk, category):
    return [reason for reason in risk.reasons if reason.category == category]


def test_a_child_with_nothing_against_them_is_not_flagged(child, group):
    sessions(child, group, "P" * 10)
    risk = assess(child)
    assert risk.level == RiskLevel.NONE
    assert risk.reasons == []


# --- Program attendance ------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "level"),
    [
        ("PPPPPPPPAA", RiskLevel.NONE),  # 80 %: at the watch threshold, not below
        ("APPPPPPPAA", RiskLevel.WATCH),  # 70 %
        ("AAAPPPPPPA", RiskLevel.WATCH),  # 60 %: at the at-risk threshold, not below
        ("AAAAPPPPPA", RiskLevel.AT_RISK),  # 50 %
    ],
)
def test_the_program_attendance_rate_flags_below_its_thresholds(child, group, statuses, level):
    sessions(child, group, statuses)
    risk = assess(child)
    rate_reasons = [r for r in reasons_of(risk, RiskCategory.ABSENCES) if "%" in r.text]
    assert risk.level == level
    assert {r.level for r in rate_reasons} == ({level} if level != RiskLevel.NONE else set())


def test_late_counts_as_attended(child, group):
    sessions(child, group, "LLLLLLLLLL")
    assert assess(child).level == RiskLevel.NONE


def test_too_few_sessions_give_no_rate(child, group):
    sessions(child, group, "PAP")  # 3 sessions, 67 %: fewer than the 4 needed
    assert assess(child).level == RiskLevel.NONE


@pytest.mark.parametrize(("absences", "flagged"), [(2, False), (3, True)])
def test_absences_in_a_row_flag_from_three(child, group, absences, flagged):
    sessions(child, group, "P" * 20 + "A" * absences)
    reasons = [r.text for r in assess(child).reasons if "row" in r.text]
    assert bool(reasons) == flagged
    if flagged:
        assert reasons == ["3 absences in a row"]


def test_a_session_attended_ends_the_run_of_absences(child, group):
    sessions(child, group, "P" * 20 + "AAPA")
    assert not [r for r in assess(child).reasons if "row" in r.text]


def test_no_session_days_and_registers_not_taken_never_count_as_absences(child, group):
    sessions(child, group, "P" * 20 + "AA", last=AS_OF - datetime.timedelta(days=7))
    # The week after: a holiday recorded as "no session" and days nobody took the register.
    RegisterFactory(
        group=group,
        date=AS_OF - datetime.timedelta(days=3),
        no_session_reason="holiday",
        activities=[],
    )
    risk = assess(child)
    assert not [r for r in risk.reasons if "row" in r.text]
    assert risk.level == RiskLevel.NONE


def test_excused_absences_count_as_absences_from_the_program(child, group):
    sessions(child, group, "P" * 20 + "EEE")
    assert "3 absences in a row" in [r.text for r in assess(child).reasons]


def test_the_school_year_rate_reads_the_tallies_of_past_months(child, group):
    # Autumn: half the sessions; this month: all of them.
    sessions(child, group, "PA" * 10, last=datetime.date(2025, 11, 28))
    sessions(child, group, "P" * 10)
    risk = assess(child)
    year_reasons = [r for r in risk.reasons if "this school year" in r.text]
    assert [r.text for r in year_reasons] == [
        "Came to 66% of the program's sessions this school year (20 of 30)"  # 66.7, rounded down
    ]
    assert year_reasons[0].level == RiskLevel.WATCH


def test_marks_of_last_school_year_do_not_count(child, group):
    last_year_group = GroupFactory(site=group.site, school_year=SchoolYearFactory(start_year=2024))
    sessions(child, last_year_group, "A" * 10, last=datetime.date(2025, 6, 13))
    sessions(child, group, "P" * 10)
    assert assess(child).level == RiskLevel.NONE


# --- School attendance --------------------------------------------------------------


@pytest.mark.parametrize(
    ("unexcused", "level"),
    [(19, RiskLevel.NONE), (20, RiskLevel.AT_RISK), (39, RiskLevel.AT_RISK), (40, RiskLevel.HIGH)],
)
def test_unexcused_school_hours_flag_from_20_and_40(child, unexcused, level):
    SchoolAbsenceFactory(
        child=child, month=datetime.date(2025, 10, 1), excused_hours=0, unexcused_hours=unexcused
    )
    # Reported through February: 20 % of class hours is far away.
    SchoolAbsenceFactory(
        child=ChildFactory(site=child.site),
        month=datetime.date(2026, 2, 1),
        excused_hours=0,
        unexcused_hours=0,
    )
    risk = assess(child)
    hour_reasons = [r for r in risk.reasons if r.text.startswith("Unexcused hours")]
    assert [r.level for r in hour_reasons] == ([level] if level != RiskLevel.NONE else [])


def test_the_conduct_grade_drop_is_named_in_points(child):
    SchoolAbsenceFactory(
        child=child, month=datetime.date(2026, 2, 1), excused_hours=0, unexcused_hours=41
    )
    texts = [r.text for r in assess(child).reasons]
    assert "Unexcused hours at school this year: 41; the conduct grade drops by 2 points" in texts


def _school_days_to_end_of_february() -> int:
    # 1 September 2025 – 28 February 2026, Monday to Friday.
    day, count = datetime.date(2025, 9, 1), 0
    while day <= datetime.date(2026, 2, 28):
        count += day.isoweekday() <= 5
        day += datetime.timedelta(days=1)
    return count


@pytest.mark.parametrize(
    ("share", "level"),
    [(4, None), (5, RiskLevel.WATCH), (10, RiskLevel.AT_RISK), (20, RiskLevel.HIGH)],
)
def test_missing_school_days_is_chronic_absenteeism_from_ten_percent(child, share, level):
    class_hours = _school_days_to_end_of_february() * 6  # grade VI: 6 hours a day
    hours = -(-class_hours * share // 100)  # rounded up, so the share is reached
    if share == 4:
        hours = class_hours * 4 // 100
    SchoolAbsenceFactory(
        child=child, month=datetime.date(2026, 2, 1), excused_hours=hours, unexcused_hours=0
    )
    found = [r for r in assess(child).reasons if "school days" in r.text]
    assert [r.level for r in found] == ([level] if level else [])


def test_school_days_count_to_the_latest_month_the_site_reported(child):
    """A child with no absences in a month still has that month's school days."""
    SchoolAbsenceFactory(
        child=child, month=datetime.date(2025, 9, 1), excused_hours=30, unexcused_hours=0
    )
    alone = [r for r in assess(child).reasons if "school days" in r.text]
    SchoolAbsenceFactory(
        child=ChildFactory(site=child.site),
        month=datetime.date(2026, 2, 1),
        excused_hours=0,
        unexcused_hours=0,
    )
    with_february = [r for r in assess(child).reasons if "school days" in r.text]
    assert alone and alone[0].level == RiskLevel.HIGH  # 30 of 22 days x 6 hours = 23 %
    assert not with_february  # 30 of six months' hours is under 5 %


def test_unexcused_share_of_class_hours_flags_from_ten_percent(child):
    class_hours = _school_days_to_end_of_february() * 6
    SchoolAbsenceFactory(
        child=child,
        month=datetime.date(2026, 2, 1),
        excused_hours=0,
        unexcused_hours=min(class_hours // 10 + 1, 180),
    )
    texts = [r.text for r in assess(child).reasons]
    assert any("of class hours missed without excuse" in text for text in texts)


# --- Results and repetition ---------------------------------------------------------


@pytest.mark.parametrize(("average", "flagged"), [("4.99", True), ("5.00", False)])
def test_an_average_below_five_is_low_results(child, year, average, flagged):
    SchoolResultFactory(child=child, school_year=year, period="module_2", general_average=average)
    found = reasons_of(assess(child), RiskCategory.LOW_RESULTS)
    assert bool(found) == flagged


def test_the_latest_result_counts_not_an_earlier_one(child, year):
    SchoolResultFactory(child=child, school_year=year, period="module_1", general_average="4.50")
    SchoolResultFactory(child=child, school_year=year, period="module_2", general_average="6.20")
    assert not reasons_of(assess(child), RiskCategory.LOW_RESULTS)


def test_failed_subjects_are_low_results(child, year):
    SchoolResultFactory(
        child=child,
        school_year=year,
        period="semester_1",
        failed_subjects_count=1,
        outcome="re_exam",
    )
    assert [r.text for r in reasons_of(assess(child), RiskCategory.LOW_RESULTS)] == [
        "1 failed subject"
    ]


def test_insufficient_qualifier_in_primary_is_low_results(child, year):
    SchoolResultFactory(child=child, school_year=year, grade=3, general_average=None, qualifier="I")
    assert reasons_of(assess(child), RiskCategory.LOW_RESULTS)


def test_repeating_last_year_is_repetition(child):
    SchoolResultFactory(
        child=child,
        school_year=SchoolYearFactory(start_year=2024),
        period="year",
        general_average="4.20",
        outcome="repeating",
    )
    risk = assess(child)
    assert reasons_of(risk, RiskCategory.REPETITION)
    # Last year's average is the latest result too: two categories at risk.
    assert risk.level == RiskLevel.HIGH


def test_repeating_two_years_ago_no_longer_counts(child):
    SchoolResultFactory(
        child=child,
        school_year=SchoolYearFactory(start_year=2023),
        period="year",
        outcome="repeating",
    )
    SchoolYearFactory(start_year=2024)
    assert not reasons_of(assess(child), RiskCategory.REPETITION)


# --- Family and transitions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("factors", "level"),
    [
        (["poverty", "parents_abroad"], RiskLevel.NONE),
        (["poverty", "parents_abroad", "poor_housing"], RiskLevel.WATCH),
        (["poverty", "parents_abroad", "poor_housing", "unemployment"], RiskLevel.AT_RISK),
    ],
)
def test_family_risk_factors_flag_from_three(child, factors, level):
    child.family.risk_factors = factors
    child.family.save()
    risk = assess(child)
    assert risk.level == level
    if level != RiskLevel.NONE:
        assert reasons_of(risk, RiskCategory.CONTEXT)[0].text.startswith(f"{len(factors)} family")


@pytest.mark.parametrize(
    ("grade", "flagged"), [(4, True), (5, True), (6, False), (8, True), (9, True)]
)
def test_the_moves_to_grades_five_and_nine_are_watched(child, grade, flagged):
    child.grade = grade
    child.save()
    risk = assess(child)
    assert (risk.level == RiskLevel.WATCH) == flagged


def test_transitions_are_not_flagged_when_switched_off(child):
    child.grade = 4
    child.save()
    thresholds = RiskThresholds.current()
    thresholds.flag_transitions = False
    assert assess(child, thresholds).level == RiskLevel.NONE


# --- Levels and thresholds ----------------------------------------------------------


def test_at_risk_in_two_categories_is_high_risk(child, group, year):
    sessions(child, group, "P" * 20 + "AAA")
    SchoolResultFactory(child=child, school_year=year, period="module_2", general_average="4.00")
    risk = assess(child)
    assert risk.level == RiskLevel.HIGH
    assert [category for category, _reasons in risk.by_category()] == [
        RiskCategory.ABSENCES,
        RiskCategory.LOW_RESULTS,
    ]


def test_at_risk_in_one_category_stays_at_risk(child, group):
    sessions(child, group, "AAAAPPPPPA")
    assert assess(child).level == RiskLevel.AT_RISK


def test_editing_a_threshold_changes_the_result(child, group):
    sessions(child, group, "P" * 20 + "AA")
    assert assess(child).level == RiskLevel.NONE
    RiskThresholds.objects.filter(pk=1).update(consecutive_absences=2)
    assert assess(child).level == RiskLevel.AT_RISK


def test_the_saved_thresholds_are_read_by_default():
    RiskThresholds.objects.filter(pk=1).update(average_below=Decimal("6.00"))
    assert RiskThresholds.current().average_below == Decimal("6.00")


def test_children_are_listed_worst_first(group, year):
    calm, worried, alarmed = (ChildFactory(site=group.site, grade=6) for _ in range(3))
    for child in (calm, worried, alarmed):
        EnrollmentFactory(child=child, group=group)
    sessions(worried, group, "P" * 5 + "AAA")
    sessions(alarmed, group, "AAAAAAAA", last=AS_OF - datetime.timedelta(days=14))
    SchoolResultFactory(child=alarmed, school_year=year, general_average="3.00")
    order = [risk.child for risk in assess_children([calm, worried, alarmed], as_of=AS_OF)]
    assert order == [alarmed, worried, calm]


def test_only_children_enrolled_that_day_are_assessed(group):
    enrolled = EnrollmentFactory(child=ChildFactory(site=group.site), group=group).child
    left = EnrollmentFactory(
        child=ChildFactory(site=group.site),
        group=group,
        ended_on=datetime.date(2026, 1, 31),
        status="withdrawn",
    ).child
    children = enrolled_children(sites=[group.site], as_of=AS_OF)
    assert list(children) == [enrolled]
    assert left not in children


def test_assessing_many_children_takes_as_many_queries_as_one(
    group, year, django_assert_max_num_queries
):
    def make(count):
        children = []
        for _ in range(count):
            child = ChildFactory(site=group.site, family=FamilyFactory(site=group.site))
            EnrollmentFactory(child=child, group=group)
            sessions(child, group, "PAPAA")
            SchoolAbsenceFactory(child=child, month=datetime.date(2026, 2, 1))
            SchoolResultFactory(child=child, school_year=year, outcome="repeating")
            children.append(child)
        return children

    make(1)
    with django_assert_max_num_queries(9):
        one = assess_children(enrolled_children(sites=[group.site], as_of=AS_OF), as_of=AS_OF)
    make(6)
    with django_assert_max_num_queries(9):
        seven = assess_children(enrolled_children(sites=[group.site], as_of=AS_OF), as_of=AS_OF)
    assert (len(one), len(seven)) == (1, 7)


def test_the_dashboards_counts_are_kept_until_the_thresholds_are_changed(child, group):
    sessions(child, group, "P" * 20 + "AA")
    assert risk_level_counts(sites=[group.site], as_of=AS_OF)["at_risk"] == 0
    # Written behind the admin's back (no new "updated at"): the kept counts stay.
    RiskThresholds.objects.filter(pk=1).update(consecutive_absences=2)
    assert risk_level_counts(sites=[group.site], as_of=AS_OF)["at_risk"] == 0
    # Saved as the admin saves it: counted again at once.
    RiskThresholds.current().save()
    assert risk_level_counts(sites=[group.site], as_of=AS_OF)["at_risk"] == 1


@pytest.mark.parametrize(
    ("attended", "marked", "level"),
    [
        (119, 200, RiskLevel.AT_RISK),  # 59.5 %: below 60, though it rounds to 60
        (39, 49, RiskLevel.WATCH),  # 79.6 %: below 80
        (120, 200, RiskLevel.WATCH),  # 60 %: not below 60
    ],
)
def test_rates_are_compared_exactly_not_rounded(attended, marked, level):
    from inocenti.risk import ProgramAttendance, program_reasons

    thresholds = RiskThresholds.current()
    figures = ProgramAttendance(recent_marked=marked, recent_attended=attended)
    (reason,) = program_reasons(thresholds, figures)
    assert reason.level == level
    assert str(attended * 100 // marked) in reason.text


def test_a_share_just_under_five_percent_is_not_watched():
    from inocenti.risk import SchoolAttendance, school_reasons

    reasons = school_reasons(
        RiskThresholds.current(),
        SchoolAttendance(excused_hours=49, unexcused_hours=0, class_hours=1000),  # 4.9 %
    )
    assert reasons == []


def test_unexcused_hours_below_twenty_name_no_conduct_points():
    from inocenti.risk import SchoolAttendance, school_reasons

    thresholds = RiskThresholds.current()
    thresholds.unexcused_hours_at_risk = 10
    (reason,) = school_reasons(
        thresholds, SchoolAttendance(excused_hours=0, unexcused_hours=12, class_hours=0)
    )
    assert reason.text == "Unexcused hours at school this year: 12"


def test_a_child_enrolled_here_but_followed_by_another_site_is_not_on_this_list(group, site_b):
    moved = ChildFactory(site=site_b, grade=6)
    EnrollmentFactory(
        child=moved, group=group, site=group.site, ended_on=AS_OF, status="transferred"
    )
    assert list(enrolled_children(sites=[group.site], as_of=AS_OF)) == []
