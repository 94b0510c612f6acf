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
import functools
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Case, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from attendance.models import ChildAttendanceMonth, SchoolAbsence
from attendance.summary import RECENT_DAYS, month_end
from children.models import Child, Qualifier, ResultOutcome, ResultPeriod, SchoolResult
from families.models import RiskFactor
from inocenti.models import RiskThresholds
from programs.models import Enrollment, SchoolYear
from programs.search import fold

PRIMARY_LAST_GRADE = 4
# Every 20 unexcused hours in a school year lower the conduct grade by a point.
CONDUCT_POINT_HOURS = 20
# Moving from grade IV to V and from VIII to IX: the year before and the year after.
TRANSITION_GRADES = frozenset({4, 5, 8, 9})


class RiskLevel(models.TextChoices):
    NONE = "none", _("No risk")
    WATCH = "watch", _("Watch")
    AT_RISK = "at_risk", _("At risk")
    HIGH = "high", _("High risk")

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {level: rank for rank, level in enumerate(RiskLevel)}


class RiskCategory(models.TextChoices):
    """The MATE categories."""

    ABSENCES = "absences", _("Absences")
    LOW_RESULTS = "low_results", _("Low results")
    REPETITION = "repetition", _("Repetition")
    CONTEXT = "context", _("Behaviour and context")


@dataclass(frozen=True)
class Reason:
    """Why a child is flagged. The words are put together only when read: the
    dashboards count the levels of thousands of children and read none."""

    category: RiskCategory
    level: RiskLevel
    message: str  # translatable, with %(name)s placeholders
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.message % self.params) if self.params else str(self.message)


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


def _percent(part: int, whole: int) -> float:
    """The exact share, compared with the thresholds as it is: 59.5 % is below
    60 %. (Shown rounded down, so that the number read agrees with the level.)"""
    return 100 * part / whole if whole else 0.0


@functools.lru_cache(maxsize=256)
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


# Plural messages, made once: each ngettext_lazy() call builds a class.
NO_ATTENDANCE_RUN = ngettext_lazy(
    "No attendance at the last %(count)s session",
    "No attendance at the last %(count)s sessions",
    "count",
)
ABSENCE_RUN = ngettext_lazy("%(count)s absence in a row", "%(count)s absences in a row", "count")
UNEXCUSED_HOURS = ngettext_lazy(
    "Unexcused hours at school this year: %(hours)s; the conduct grade drops by %(points)s point",
    "Unexcused hours at school this year: %(hours)s; the conduct grade drops by %(points)s points",
    "points",
)
FAILED_SUBJECTS = ngettext_lazy("%(count)s failed subject", "%(count)s failed subjects", "count")
FAMILY_FACTORS = ngettext_lazy(
    "%(count)s family risk factor: %(factors)s",
    "%(count)s family risk factors: %(factors)s",
    "count",
)


def _rate_reasons(t: RiskThresholds, marked: int, attended: int, when) -> list[Reason]:
    if marked < t.program_rate_min_sessions:
        return []
    rate = _percent(attended, marked)
    if rate < t.program_rate_at_risk_below:
        level = RiskLevel.AT_RISK
    elif rate < t.program_rate_watch_below:
        level = RiskLevel.WATCH
    else:
        return []
    message = _(
        "Came to %(rate)s%% of the program's sessions %(when)s (%(attended)s of %(marked)s)"
    )
    params = {"rate": math.floor(rate), "when": when, "attended": attended, "marked": marked}
    return [Reason(RiskCategory.ABSENCES, level, message, params)]


def program_reasons(t: RiskThresholds, program: ProgramAttendance) -> list[Reason]:
    reasons = _rate_reasons(
        t, program.recent_marked, program.recent_attended, _("in the last 30 days")
    )
    reasons += _rate_reasons(t, program.year_marked, program.year_attended, _("this school year"))
    if program.consecutive_absences >= t.consecutive_absences:
        message = NO_ATTENDANCE_RUN if program.run_may_be_longer else ABSENCE_RUN
        reasons.append(
            Reason(
                RiskCategory.ABSENCES,
                RiskLevel.AT_RISK,
                message,
                {"count": program.consecutive_absences},
            )
        )
    return reasons


def school_reasons(t: RiskThresholds, school: SchoolAttendance) -> list[Reason]:
    reasons = []
    unexcused = school.unexcused_hours
    if unexcused >= t.unexcused_hours_at_risk:
        level = RiskLevel.HIGH if unexcused >= t.unexcused_hours_high_risk else RiskLevel.AT_RISK
        points = unexcused // CONDUCT_POINT_HOURS
        if points:
            reason = Reason(
                RiskCategory.ABSENCES,
                level,
                UNEXCUSED_HOURS,
                {"hours": unexcused, "points": points},
            )
        else:  # a threshold set below 20 hours: the conduct grade is still whole
            reason = Reason(
                RiskCategory.ABSENCES,
                level,
                _("Unexcused hours at school this year: %(hours)s"),
                {"hours": unexcused},
            )
        reasons.append(reason)
    if school.class_hours:
        unexcused_share = _percent(unexcused, school.class_hours)
        if unexcused_share >= t.unexcused_share_at_risk:
            reasons.append(
                Reason(
                    RiskCategory.ABSENCES,
                    RiskLevel.AT_RISK,
                    _("%(share)s%% of class hours missed without excuse"),
                    {"share": math.floor(unexcused_share)},
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
                    _("Missed %(share)s%% of school days: %(words)s"),
                    {"share": math.floor(share), "words": words},
                )
            )
    return reasons


_decimal = lazy(number_format, str)


def results_reasons(t: RiskThresholds, results: Results) -> list[Reason]:
    reasons = []
    if results.average is not None and results.average < t.average_below:
        reasons.append(
            Reason(
                RiskCategory.LOW_RESULTS,
                RiskLevel.AT_RISK,
                _("General average %(average)s, below %(threshold)s"),
                {
                    "average": _decimal(results.average, 2),
                    "threshold": _decimal(t.average_below, 2),
                },
            )
        )
    if results.qualifier == Qualifier.INSUFFICIENT:
        reasons.append(
            Reason(RiskCategory.LOW_RESULTS, RiskLevel.AT_RISK, _("Qualifier “Insufficient”"))
        )
    if results.failed_subjects >= t.failed_subjects_at_risk:
        reasons.append(
            Reason(
                RiskCategory.LOW_RESULTS,
                RiskLevel.AT_RISK,
                FAILED_SUBJECTS,
                {"count": results.failed_subjects},
            )
        )
    if results.repeated:
        reasons.append(
            Reason(
                RiskCategory.REPETITION,
                RiskLevel.AT_RISK,
                _("Repeating a year (this school year or the last)"),
            )
        )
    if results.left_school:
        reasons.append(
            Reason(RiskCategory.ABSENCES, RiskLevel.HIGH, _("Recorded as having left school"))
        )
    return reasons


def _factor_labels(values) -> str:
    return ", ".join(str(RiskFactor(value).label) for value in values)


_lazy_factor_labels = lazy(_factor_labels, str)


def context_reasons(t: RiskThresholds, child: Child) -> list[Reason]:
    reasons = []
    factors = child.family.risk_factors if child.family_id else []
    if len(factors) >= t.family_factors_watch:
        level = RiskLevel.AT_RISK if len(factors) >= t.family_factors_at_risk else RiskLevel.WATCH
        params = {"count": len(factors), "factors": _lazy_factor_labels(factors)}
        reasons.append(Reason(RiskCategory.CONTEXT, level, FAMILY_FACTORS, params))
    if t.flag_transitions and child.grade in TRANSITION_GRADES:
        message = (
            _("In grade %(grade)s: moves to grade %(next)s next year")
            if child.grade in (4, 8)
            else _("In grade %(grade)s: the first year after moving up from grade %(previous)s")
        )
        params = {
            "grade": _roman(child.grade),
            "next": _roman(child.grade + 1),
            "previous": _roman(child.grade - 1),
        }
        reasons.append(Reason(RiskCategory.CONTEXT, RiskLevel.WATCH, message, params))
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

# Marks of the last 30 days (and of the as-of month so far, whose start may be a
# day earlier): their rate, the month's (the tallies give the months before),
# and the run of absences, which a child who never came in the window has had
# for at least all of its sessions. The
# registers are found by date first (index), then their marks: left to itself
# the planner reads every mark of thousands of children through the child index
# (two million rows on the benchmark instead of 160,000).
_WINDOW_SQL = """
WITH kids AS MATERIALIZED (
    SELECT unnest(%(children)s::bigint[]) AS child_id
), r AS MATERIALIZED (
    -- A child is marked only in the registers of a group they were enrolled in.
    SELECT id, date FROM attendance_register
    WHERE date BETWEEN %(window_start)s AND %(as_of)s
      AND group_id IN (
          SELECT e.group_id FROM programs_enrollment e JOIN kids USING (child_id)
          WHERE e.started_on <= %(as_of)s
            AND (e.ended_on IS NULL OR e.ended_on >= %(window_start)s)
      )
), m AS (
    SELECT mk.child_id, r.date, mk.status IN ('present', 'late') AS came
    FROM r CROSS JOIN LATERAL (
        -- OFFSET 0 keeps this a lookup of each register's marks (the planner
        -- may not flatten it into a join it would drive from the children).
        SELECT child_id, status FROM attendance_mark WHERE register_id = r.id OFFSET 0
    ) mk
    JOIN kids USING (child_id)
)
SELECT child_id,
       count(*) FILTER (WHERE date >= %(recent_start)s),
       count(*) FILTER (WHERE date >= %(recent_start)s AND came),
       count(*) FILTER (WHERE date >= %(month_start)s),
       count(*) FILTER (WHERE date >= %(month_start)s AND came),
       count(*) FILTER (WHERE last_came IS NULL OR date > last_came),
       bool_or(came)
FROM (
    SELECT *, max(date) FILTER (WHERE came) OVER (PARTITION BY child_id) AS last_came FROM m
) marks
GROUP BY child_id
"""


def _program_attendance(ids: list[int], among, as_of, year_start) -> dict[int, ProgramAttendance]:
    month_start = as_of.replace(day=1)
    recent_start = as_of - datetime.timedelta(days=RECENT_DAYS - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            _WINDOW_SQL,
            {
                "children": ids,
                "as_of": as_of,
                "window_start": min(recent_start, month_start),
                "recent_start": recent_start,
                "month_start": max(month_start, year_start),
            },
        )
        window = {row[0]: row[1:] for row in cursor.fetchall()}
    past_months = (
        ChildAttendanceMonth.objects.filter(
            child_id__in=among, month__gte=year_start.replace(day=1), month__lt=month_start
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
    children: Iterable[Child], among, as_of, year_start, t: RiskThresholds
) -> dict[int, SchoolAttendance]:
    months = SchoolAbsence.objects.filter(month__gte=year_start.replace(day=1), month__lte=as_of)
    hours = {
        row["child_id"]: (row["excused"], row["unexcused"])
        for row in months.filter(child_id__in=among)
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


def _results(among, as_of) -> dict[int, Results]:
    """The latest result of this school year or the last, and any repetition."""
    years = SchoolYear.objects.filter(starts_on__lte=as_of).order_by("-starts_on")[:2]
    period_order = Case(
        *(When(period=period, then=Value(rank)) for rank, period in enumerate(ResultPeriod.values)),
        output_field=IntegerField(),
    )
    in_years = SchoolResult.objects.filter(child_id__in=among, school_year__in=years).exclude(
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
    """The children enrolled at ``sites`` on ``as_of`` and followed by one of them
    (a child who moved to another site today belongs to that site's list, where
    the team can open them), not anonymised; with what the indicators read of
    them and no more (the dashboards read thousands)."""
    enrolled = Enrollment.objects.on(as_of).filter(site__in=sites)
    return (
        Child.objects.filter(
            Q(pk__in=enrolled.values("child_id")), site__in=sites, anonymised_on__isnull=True
        )
        .select_related("family")
        .only(
            "site_id",
            "given_names",
            "family_name",
            "grade",
            "anonymised_on",
            "family_id",
            "family__risk_factors",
        )
    )


def assess_children(
    children,
    *,
    as_of: datetime.date,
    thresholds: RiskThresholds | None = None,
    among: QuerySet | None = None,
) -> list[ChildRisk]:
    """Each child's level and reasons on ``as_of``, highest level first, then by
    the number of reasons, then by name. ``among``: the same children as a
    QuerySet of ids, when ``children`` is not a QuerySet itself."""
    t = thresholds or RiskThresholds.current()
    # Thousands of ids written into three queries cost more to send and parse
    # than the queries take: given a QuerySet, they read it as a subquery.
    if among is None and isinstance(children, QuerySet):
        among = children.values("pk")
    children = list(children)
    ids = [child.pk for child in children]
    if not ids:
        return []
    among = among if among is not None else ids
    year_start = SchoolYear.starts_on_for(as_of)
    program = _program_attendance(ids, among, as_of, year_start)
    school = _school_attendance(children, among, as_of, year_start, t)
    results = _results(among, as_of)
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


# The dashboards show how many children are at each level. Assessing every child
# of ten sites takes about half a second on the benchmark's history, so the
# counts are kept for a few minutes; changed thresholds give new counts at once
# (they are part of the key), corrected marks within RISK_COUNTS_SECONDS.
RISK_COUNTS_SECONDS = 600


def risk_level_counts(*, sites, as_of: datetime.date) -> dict[str, int]:
    """How many children enrolled at ``sites`` are at each level on ``as_of``."""
    thresholds = RiskThresholds.current()
    site_ids = sorted(site.pk for site in sites)
    changed = thresholds.updated_at.isoformat() if thresholds.updated_at else "default"
    key = f"risk-levels:{as_of.isoformat()}:{changed}:{','.join(map(str, site_ids))}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    return cache.get_or_set(
        f"inocenti:risk-levels:{digest}",
        lambda: _count_levels(site_ids, as_of, thresholds),
        RISK_COUNTS_SECONDS,
    )


class _Counted:
    """What the indicators read of a child, without a model instance: counting
    thousands of children, building Child and Family objects took a fifth of the time."""

    __slots__ = ("family", "family_id", "family_name", "given_names", "grade", "pk", "site_id")

    def __init__(self, pk, site_id, grade, family_id, risk_factors, family_name, given_names):
        self.pk, self.site_id, self.grade, self.family_id = pk, site_id, grade, family_id
        self.family = SimpleNamespace(risk_factors=risk_factors or [])
        self.family_name, self.given_names = family_name, given_names


def _count_levels(site_ids, as_of, thresholds) -> dict[str, int]:
    children = enrolled_children(sites=site_ids, as_of=as_of)
    rows = children.values_list(
        "pk", "site_id", "grade", "family_id", "family__risk_factors", "family_name", "given_names"
    )
    return level_counts(
        assess_children(
            [_Counted(*row) for row in rows],
            as_of=as_of,
            thresholds=thresholds,
            among=children.values("pk"),
        )
    )
