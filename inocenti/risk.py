"""The early warning: which enrolled children are slipping, and why.

Every child gets a level (none, watch, at risk, high risk) from indicators,
each with its reason in words, never a bare score. The reasons are grouped in
the categories of Romania's national early-warning mechanism (MATE):
absences, low results, repetition, behaviour and context. The thresholds are
``inocenti.models.RiskThresholds`` (one row, edited in the admin).

- **Program attendance** (only marks count: a "no session" day and a register
  nobody took are never absences): the rate of the last 30 days and of the
  school year, and absences in a row at the latest sessions.
- **School attendance** (the form teacher's monthly report): unexcused hours
  this school year (every 20 lower the conduct grade), unexcused hours as a
  share of class hours, and all absences as a share of school days (chronic
  absenteeism). School days are the weekdays from the start of the school year
  to the end of the latest month the site reported (holidays count as school
  days, so shares err on the low side).
- **School results** of this school year and the last: the latest general
  average, failed subjects or an "insufficient" qualifier; a year repeated or
  school left.
- **Family context**: the number of risk factors recorded on the family; and
  the moves from grade IV to V and from VIII to IX.

A child's level is the highest of their reasons', raised to high risk when they
are at risk in ``high_risk_categories`` categories or more.

``assess_children`` answers for any number of children in a fixed number of
queries (nine), reading the attendance tallies for past months and the marks of
the last 60 days only, so the whole organisation is assessed in one page view.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import Case, IntegerField, Max, Q, Sum, Value, When
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from attendance.models import ChildAttendanceMonth, SchoolAbsence
from attendance.summary import RECENT_DAYS, month_end
from children.models import Child, Qualifier, ResultOutcome, ResultPeriod, SchoolResult
from families.models import RiskFactor
from inocenti.models import RiskThresholds
from programs.models import Enrollment, SchoolYear
from programs.search import fold

# How far back the marks are read for the run of absences (two months of sessions).
STREAK_WINDOW_DAYS = 60
PRIMARY_LAST_GRADE = 4
# Moving from grade IV to V and from VIII to IX: the year before and the year after.
TRANSITION_GRADES = frozenset({4, 5, 8, 9})


class RiskLevel(models.TextChoices):
    NONE = "none", _("No risk")
    WATCH = "watch", _("Watch")
    AT_RISK = "at_risk", _("At risk")
    HIGH = "high", _("High risk")

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class RiskCategory(models.TextChoices):
    """The MATE categories."""

    ABSENCES = "absences", _("Absences")
    LOW_RESULTS = "low_results", _("Low results")
    REPETITION = "repetition", _("Repetition")
    CONTEXT = "context", _("Behaviour and context")


@dataclass(frozen=True)
class Reason:
    category: RiskCategory
    level: RiskLevel
    text: str


@dataclass
class ChildRisk:
    child: Child
    reasons: list[Reason] = field(default_factory=list)
    level: RiskLevel = RiskLevel.NONE

    def by_category(self) -> list[tuple[RiskCategory, list[Reason]]]:
        """The reasons in MATE order, each category with its reasons, worst first."""
        grouped: dict[RiskCategory, list[Reason]] = defaultdict(list)
        for reason in self.reasons:
            grouped[reason.category].append(reason)
        return [
            (category, sorted(grouped[category], key=lambda r: -r.level.rank))
            for category in RiskCategory
            if category in grouped
        ]

    @property
    def summary(self) -> str:
        """The reasons in one line (the task of a follow-up)."""
        return "; ".join(
            reason.text for _category, reasons in self.by_category() for reason in reasons
        )


@dataclass(frozen=True)
class ProgramAttendance:
    recent_marked: int = 0
    recent_attended: int = 0
    year_marked: int = 0
    year_attended: int = 0
    consecutive_absences: int = 0
    # No attendance at all in the window read: the run may be longer.
    run_may_be_longer: bool = False


@dataclass(frozen=True)
class SchoolAttendance:
    excused_hours: int
    unexcused_hours: int
    class_hours: int  # the class hours of the school days so far


@dataclass(frozen=True)
class Results:
    average: Decimal | None = None
    qualifier: str = ""
    failed_subjects: int = 0
    outcome: str = ""
    repeated: bool = False
    left_school: bool = False


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _weekdays(first: datetime.date, last: datetime.date) -> int:
    """Monday to Friday from ``first`` to ``last``, both included, summers left out."""
    if last < first:
        return 0
    total = 0
    day = first
    while day <= last:
        month_last = min(month_end(day), last)
        if day.month not in (7, 8):
            full_weeks, rest = divmod((month_last - day).days + 1, 7)
            total += full_weeks * 5
            total += sum(
                (day + datetime.timedelta(days=full_weeks * 7 + offset)).isoweekday() <= 5
                for offset in range(rest)
            )
        day = month_last + datetime.timedelta(days=1)
    return total


def _rate_reasons(t: RiskThresholds, marked: int, attended: int, what) -> list[Reason]:
    if marked < t.program_rate_min_sessions:
        return []
    rate = _percent(attended, marked)
    if rate < t.program_rate_at_risk_below:
        level = RiskLevel.AT_RISK
    elif rate < t.program_rate_watch_below:
        level = RiskLevel.WATCH
    else:
        return []
    text = _("Came to %(rate)s%% of the program's sessions %(when)s (%(attended)s of %(marked)s)")
    return [
        Reason(
            RiskCategory.ABSENCES,
            level,
            str(text) % {"rate": rate, "when": what, "attended": attended, "marked": marked},
        )
    ]


def program_reasons(t: RiskThresholds, program: ProgramAttendance) -> list[Reason]:
    reasons = _rate_reasons(
        t, program.recent_marked, program.recent_attended, _("in the last 30 days")
    )
    reasons += _rate_reasons(t, program.year_marked, program.year_attended, _("this school year"))
    if program.consecutive_absences >= t.consecutive_absences:
        count = program.consecutive_absences
        if program.run_may_be_longer:
            text = ngettext(
                "No attendance at the last %(count)s session",
                "No attendance at the last %(count)s sessions",
                count,
            )
        else:
            text = ngettext(
                "%(count)s absence in a row",
                "%(count)s absences in a row",
                count,
            )
        reasons.append(Reason(RiskCategory.ABSENCES, RiskLevel.AT_RISK, text % {"count": count}))
    return reasons


def school_reasons(t: RiskThresholds, school: SchoolAttendance) -> list[Reason]:
    reasons = []
    unexcused = school.unexcused_hours
    if unexcused >= t.unexcused_hours_at_risk:
        level = RiskLevel.HIGH if unexcused >= t.unexcused_hours_high_risk else RiskLevel.AT_RISK
        points = unexcused // 20
        text = ngettext(
            "%(hours)s unexcused hours at school this year: the conduct grade drops by "
            "%(points)s point",
            "%(hours)s unexcused hours at school this year: the conduct grade drops by "
            "%(points)s points",
            points,
        ) % {"hours": unexcused, "points": points}
        reasons.append(Reason(RiskCategory.ABSENCES, level, text))
    if school.class_hours:
        unexcused_share = _percent(unexcused, school.class_hours)
        if unexcused_share >= t.unexcused_share_at_risk:
            reasons.append(
                Reason(
                    RiskCategory.ABSENCES,
                    RiskLevel.AT_RISK,
                    str(_("%(share)s%% of class hours missed without excuse"))
                    % {"share": unexcused_share},
                )
            )
        share = _percent(unexcused + school.excused_hours, school.class_hours)
        if share >= t.school_absence_high_risk:
            level, words = RiskLevel.HIGH, _("severe chronic absenteeism")
        elif share >= t.school_absence_at_risk:
            level, words = RiskLevel.AT_RISK, _("chronic absenteeism")
        elif share >= t.school_absence_watch:
            level, words = RiskLevel.WATCH, _("close to chronic absenteeism")
        else:
            level = None
        if level:
            reasons.append(
                Reason(
                    RiskCategory.ABSENCES,
                    level,
                    str(_("Missed %(share)s%% of school days: %(words)s"))
                    % {"share": share, "words": words},
                )
            )
    return reasons


def results_reasons(t: RiskThresholds, results: Results) -> list[Reason]:
    reasons = []
    if results.average is not None and results.average < t.average_below:
        reasons.append(
            Reason(
                RiskCategory.LOW_RESULTS,
                RiskLevel.AT_RISK,
                str(_("General average %(average)s, below %(threshold)s"))
                % {
                    "average": number_format(results.average, 2),
                    "threshold": number_format(t.average_below, 2),
                },
            )
        )
    if results.qualifier == Qualifier.INSUFFICIENT:
        reasons.append(
            Reason(RiskCategory.LOW_RESULTS, RiskLevel.AT_RISK, str(_("Qualifier “Insufficient”")))
        )
    if results.failed_subjects >= t.failed_subjects_at_risk:
        count = results.failed_subjects
        reasons.append(
            Reason(
                RiskCategory.LOW_RESULTS,
                RiskLevel.AT_RISK,
                ngettext("%(count)s failed subject", "%(count)s failed subjects", count)
                % {"count": count},
            )
        )
    if results.repeated:
        reasons.append(
            Reason(
                RiskCategory.REPETITION,
                RiskLevel.AT_RISK,
                str(_("Repeating a year (this school year or the last)")),
            )
        )
    if results.left_school:
        reasons.append(
            Reason(RiskCategory.ABSENCES, RiskLevel.HIGH, str(_("Recorded as having left school")))
        )
    return reasons


def context_reasons(t: RiskThresholds, child: Child) -> list[Reason]:
    reasons = []
    factors = len(child.family.risk_factors) if child.family_id else 0
    if factors >= t.family_factors_watch:
        level = RiskLevel.AT_RISK if factors >= t.family_factors_at_risk else RiskLevel.WATCH
        labels = ", ".join(str(RiskFactor(value).label) for value in child.family.risk_factors)
        reasons.append(
            Reason(
                RiskCategory.CONTEXT,
                level,
                ngettext(
                    "%(count)s family risk factor: %(factors)s",
                    "%(count)s family risk factors: %(factors)s",
                    factors,
                )
                % {"count": factors, "factors": labels},
            )
        )
    if t.flag_transitions and child.grade in TRANSITION_GRADES:
        moving_next_year = child.grade in (4, 8)
        text = (
            _("In grade %(grade)s: moves to grade %(next)s next year")
            if moving_next_year
            else _("In grade %(grade)s: the first year after moving up from grade %(previous)s")
        )
        reasons.append(
            Reason(
                RiskCategory.CONTEXT,
                RiskLevel.WATCH,
                str(text)
                % {
                    "grade": _roman(child.grade),
                    "next": _roman(child.grade + 1),
                    "previous": _roman(child.grade - 1),
                },
            )
        )
    return reasons


def _roman(grade: int) -> str:
    return ["0", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][grade]


def level_of(t: RiskThresholds, reasons: Sequence[Reason]) -> RiskLevel:
    if not reasons:
        return RiskLevel.NONE
    level = max((reason.level for reason in reasons), key=lambda lv: lv.rank)
    at_risk_in = {r.category for r in reasons if r.level.rank >= RiskLevel.AT_RISK.rank}
    if len(at_risk_in) >= t.high_risk_categories:
        return RiskLevel.HIGH
    return level


# --- Reading the indicators of many children at once ------------------------------

# Marks of the last STREAK_WINDOW_DAYS: the last 30 days' rate, the as-of month
# so far (the tallies give the months before), and the run of absences. The
# registers are found by date first (index), then their marks.
_WINDOW_SQL = """
WITH m AS (
    SELECT mk.child_id, r.date, mk.status IN ('present', 'late') AS came
    FROM attendance_register r
    JOIN attendance_mark mk ON mk.register_id = r.id
    WHERE r.date BETWEEN %(window_start)s AND %(as_of)s AND mk.child_id = ANY(%(children)s)
), last AS (
    SELECT child_id, max(date) FILTER (WHERE came) AS last_came FROM m GROUP BY child_id
)
SELECT m.child_id,
       count(*) FILTER (WHERE m.date >= %(recent_start)s),
       count(*) FILTER (WHERE m.date >= %(recent_start)s AND m.came),
       count(*) FILTER (WHERE m.date >= %(month_start)s),
       count(*) FILTER (WHERE m.date >= %(month_start)s AND m.came),
       count(*) FILTER (WHERE last.last_came IS NULL OR m.date > last.last_came),
       bool_or(m.came)
FROM m JOIN last USING (child_id)
GROUP BY m.child_id
"""


def _school_year_start(as_of: datetime.date) -> datetime.date:
    year = SchoolYear.objects.filter(starts_on__lte=as_of, ends_on__gte=as_of).first()
    if year:
        return year.starts_on
    return SchoolYear.for_start_year(as_of.year if as_of.month >= 9 else as_of.year - 1).starts_on


def _program_attendance(ids: list[int], as_of, year_start) -> dict[int, ProgramAttendance]:
    month_start = as_of.replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(
            _WINDOW_SQL,
            {
                "children": ids,
                "as_of": as_of,
                "window_start": as_of - datetime.timedelta(days=STREAK_WINDOW_DAYS - 1),
                "recent_start": as_of - datetime.timedelta(days=RECENT_DAYS - 1),
                "month_start": max(month_start, year_start),
            },
        )
        window = {row[0]: row[1:] for row in cursor.fetchall()}
    past_months = (
        ChildAttendanceMonth.objects.filter(
            child_id__in=ids, month__gte=year_start.replace(day=1), month__lt=month_start
        )
        .values("child_id")
        .annotate(marked=Sum("marked"), attended=Sum("attended"))
    )
    past = {row["child_id"]: (row["marked"], row["attended"]) for row in past_months}
    figures = {}
    for child_id in set(window) | set(past):
        recent_marked, recent_attended, month_marked, month_attended, run, came = window.get(
            child_id, (0, 0, 0, 0, 0, False)
        )
        marked, attended = past.get(child_id, (0, 0))
        figures[child_id] = ProgramAttendance(
            recent_marked=recent_marked,
            recent_attended=recent_attended,
            year_marked=marked + month_marked,
            year_attended=attended + month_attended,
            consecutive_absences=run,
            run_may_be_longer=not came,
        )
    return figures


def _school_attendance(
    children: Iterable[Child], ids: list[int], as_of, year_start, t: RiskThresholds
) -> dict[int, SchoolAttendance]:
    months = SchoolAbsence.objects.filter(month__gte=year_start.replace(day=1), month__lte=as_of)
    hours = {
        row["child_id"]: (row["excused"], row["unexcused"])
        for row in months.filter(child_id__in=ids)
        .values("child_id")
        .annotate(excused=Sum("excused_hours"), unexcused=Sum("unexcused_hours"))
    }
    # The report reaches a month when any child of the site has it.
    reported = dict(
        months.filter(child__site_id__in={child.site_id for child in children})
        .values("child__site_id")
        .annotate(last=Max("month"))
        .values_list("child__site_id", "last")
    )
    figures = {}
    for child in children:
        if child.pk not in hours or child.site_id not in reported:
            continue
        last_day = min(month_end(reported[child.site_id]), as_of)
        per_day = (
            t.class_hours_per_day_primary
            if child.grade is not None and child.grade <= PRIMARY_LAST_GRADE
            else t.class_hours_per_day_secondary
        )
        excused, unexcused = hours[child.pk]
        figures[child.pk] = SchoolAttendance(
            excused_hours=excused,
            unexcused_hours=unexcused,
            class_hours=_weekdays(year_start, last_day) * per_day,
        )
    return figures


def _results(ids: list[int], as_of) -> dict[int, Results]:
    """The latest result of this school year or the last, and any repetition."""
    years = SchoolYear.objects.filter(starts_on__lte=as_of).order_by("-starts_on")[:2]
    period_order = Case(
        *(When(period=period, then=Value(rank)) for rank, period in enumerate(ResultPeriod.values)),
        output_field=IntegerField(),
    )
    in_years = SchoolResult.objects.filter(child_id__in=ids, school_year__in=years).exclude(
        period__in=ResultPeriod.baccalaureate()
    )
    latest = (
        in_years.annotate(period_rank=period_order)
        .order_by("child_id", "-school_year__starts_on", "-period_rank")
        .distinct("child_id")
        .values("child_id", "general_average", "qualifier", "failed_subjects_count", "outcome")
    )
    figures = {
        row["child_id"]: Results(
            average=row["general_average"],
            qualifier=row["qualifier"],
            failed_subjects=row["failed_subjects_count"],
            outcome=row["outcome"],
        )
        for row in latest
    }
    for child_id, outcome in in_years.filter(
        outcome__in=[ResultOutcome.REPEATING, ResultOutcome.LEFT_SCHOOL]
    ).values_list("child_id", "outcome"):
        current = figures.get(child_id, Results())
        figures[child_id] = Results(
            average=current.average,
            qualifier=current.qualifier,
            failed_subjects=current.failed_subjects,
            outcome=current.outcome,
            repeated=current.repeated or outcome == ResultOutcome.REPEATING,
            left_school=current.left_school or outcome == ResultOutcome.LEFT_SCHOOL,
        )
    return figures


def enrolled_children(*, sites, as_of: datetime.date):
    """The children enrolled at ``sites`` on ``as_of`` (not anonymised)."""
    enrolled = Enrollment.objects.on(as_of).filter(site__in=sites)
    return Child.objects.filter(
        Q(pk__in=enrolled.values("child_id")), anonymised_on__isnull=True
    ).select_related("family")


def assess_children(
    children, *, as_of: datetime.date, thresholds: RiskThresholds | None = None
) -> list[ChildRisk]:
    """Each child's level and reasons on ``as_of``, highest level first, then by
    the number of reasons, then by name."""
    t = thresholds or RiskThresholds.current()
    children = list(children)
    ids = [child.pk for child in children]
    if not ids:
        return []
    year_start = _school_year_start(as_of)
    program = _program_attendance(ids, as_of, year_start)
    school = _school_attendance(children, ids, as_of, year_start, t)
    results = _results(ids, as_of)
    assessed = []
    for child in children:
        reasons = (
            program_reasons(t, program.get(child.pk, ProgramAttendance()))
            + (school_reasons(t, school[child.pk]) if child.pk in school else [])
            + results_reasons(t, results.get(child.pk, Results()))
            + context_reasons(t, child)
        )
        assessed.append(ChildRisk(child=child, reasons=reasons, level=level_of(t, reasons)))
    assessed.sort(
        key=lambda risk: (
            -risk.level.rank,
            -len(risk.reasons),
            fold(risk.child.family_name),
            fold(risk.child.given_names),
        )
    )
    return assessed


def level_counts(assessed: Iterable[ChildRisk]) -> dict[str, int]:
    counts = dict.fromkeys(RiskLevel.values, 0)
    for risk in assessed:
        counts[risk.level] += 1
    return counts


def risk_level_counts(*, sites, as_of: datetime.date) -> dict[str, int]:
    """How many children enrolled at ``sites`` are at each level on ``as_of``."""
    return level_counts(assess_children(enrolled_children(sites=sites, as_of=as_of), as_of=as_of))
