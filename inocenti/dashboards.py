"""The directors' dashboards: a site's (or several sites') figures for a period.

Every figure is one SQL aggregate over all the sites at once, with ``GROUPING
SETS`` giving each site's row and the total's row (children counted once across
sites) in the same statement; so a dashboard runs the same dozen queries for
one site or ten, a week or five years. Program attendance is read from the
tallies PostgreSQL keeps beside the marks (``attendance.tallies``), never from
the marks themselves: only marks count, so a "no session" day or a register
nobody took is never an absence.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.summary import add_months
from inocenti.risk import RiskLevel, risk_level_counts
from programs.models import EnrollmentStatus, SchoolYear, Site

# Exits in the order the dashboard lists them; "moved" (to another group of the
# same site) is not an exit.
EXIT_STATUSES = (
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.WITHDRAWN,
    EnrollmentStatus.TRANSFERRED,
    EnrollmentStatus.DROPPED_OUT,
)
# A longer period would make the weekly chart unreadable and the page slow.
MAX_PERIOD_YEARS = 5
# How many past school years the page offers as one-click periods.
QUICK_YEARS = 5


# --- The period ---------------------------------------------------------------------


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date
    label: str = ""


def default_period(today: datetime.date, current: SchoolYear | None) -> Period:
    """The current school year, or 1 September–31 August around ``today``."""
    if current is not None:
        return Period(current.starts_on, current.ends_on, current.name)
    start = SchoolYear.start_year_of(today)
    return Period(
        datetime.date(start, 9, 1), datetime.date(start + 1, 8, 31), school_year_label(start)
    )


# The programs began in 2008; a year past 2100 is a typing slip.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_period(
    query, *, today: datetime.date, current: SchoolYear | None
) -> tuple[Period, list[str]]:
    """The period the query string ``from``/``to`` asks for, and what is wrong
    with it; any error gives the default period, with the message to show."""
    default = default_period(today, current)
    raw_first, raw_last = query.get("from", "").strip(), query.get("to", "").strip()
    if not raw_first and not raw_last:
        return default, []
    try:
        first = datetime.date.fromisoformat(raw_first) if raw_first else default.first
        last = datetime.date.fromisoformat(raw_last) if raw_last else default.last
    except ValueError:
        return default, [_("The dates of the period are not valid dates (YYYY-MM-DD).")]
    if first.year < FIRST_YEAR or last.year > LAST_YEAR:
        # A typing slip (year 9999), and dates whose arithmetic would overflow.
        return default, [_("The dates of the period are not valid dates (YYYY-MM-DD).")]
    if last < first:
        return default, [_("The end of the period is before its start.")]
    if last >= _add_years(first, MAX_PERIOD_YEARS):
        return default, [
            _("A period can be at most %(years)s years long.") % {"years": MAX_PERIOD_YEARS}
        ]
    return Period(first, last), []


def quick_periods(today: datetime.date, years: Sequence[SchoolYear]) -> list[Period]:
    """The last school years begun, newest first: from the database where they
    are recorded, else by the calendar."""
    known = [Period(y.starts_on, y.ends_on, y.name) for y in years if y.starts_on <= today]
    if known:
        return known[:QUICK_YEARS]
    start = SchoolYear.start_year_of(today)
    return [
        Period(datetime.date(y, 9, 1), datetime.date(y + 1, 8, 31), school_year_label(y))
        for y in range(start, start - QUICK_YEARS, -1)
    ]


# --- The figures --------------------------------------------------------------------


@dataclass
class Rate:
    """Program attendance over some days: attended marks out of all marks."""

    marked: int = 0
    attended: int = 0
    sessions: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.marked, 1) if self.marked else None


@dataclass
class Absences:
    """School absences in class hours, as form teachers reported them (and, for a
    month, the children reported)."""

    excused: int = 0
    unexcused: int = 0
    children: int = 0

    @property
    def total(self) -> int:
        return self.excused + self.unexcused


@dataclass
class Figures:
    """The period's figures of one site, or of all (``site`` None: the total,
    children counted once however many sites they were at)."""

    site: Site | None = None
    active_children: int = 0
    new_enrollments: int = 0
    exits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXIT_STATUSES, 0))
    attendance: Rate = field(default_factory=Rate)
    school_absences: Absences = field(default_factory=Absences)
    counseling_sessions: int = 0
    children_counselled: int = 0
    parent_meetings: int = 0
    meeting_attendances: int = 0
    guardians_reached: int = 0
    support_count: int = 0
    support_ron: Decimal = Decimal("0.00")
    mentoring_minutes: int = 0
    mentoring_sessions: int = 0
    registers_expected: int = 0
    registers_missing: int = 0

    @property
    def exits_total(self) -> int:
        return sum(self.exits.values())

    @property
    def dropouts(self) -> int:
        return self.exits[EnrollmentStatus.DROPPED_OUT]

    @property
    def mentoring_hours(self) -> Decimal:
        return (Decimal(self.mentoring_minutes) / 60).quantize(Decimal("0.1"))


@dataclass
class HistoryYear:
    start_year: int
    new: int
    cumulative: int

    @property
    def label(self) -> str:
        return school_year_label(self.start_year)


@dataclass
class History:
    """Children reached since the program began at a site (``site`` None: all)."""

    site: Site | None
    years: list[HistoryYear]

    @property
    def reached(self) -> int:
        return self.years[-1].cumulative if self.years else 0


@dataclass
class Dashboard:
    first: datetime.date
    last: datetime.date
    as_of: datetime.date  # the period's last day, or today if it ends later
    sites: list[Site]
    total: Figures
    by_site: list[Figures]
    # Keyed by the Monday of each ISO week, and by the first of each month;
    # the period's weeks and months up to ``as_of``, with or without data.
    weekly: dict[datetime.date, Rate]
    monthly: dict[datetime.date, Rate]
    monthly_by_site: dict[int, dict[datetime.date, Rate]]
    absences_by_month: dict[datetime.date, Absences]
    absences_by_month_by_site: dict[int, dict[datetime.date, Absences]]
    risk_levels: dict[str, int]
    history: list[History]  # one per site, then all sites together if several

    @property
    def several_sites(self) -> bool:
        return len(self.sites) > 1


def site_dashboard(
    *,
    sites: Iterable[Site],
    first: datetime.date,
    last: datetime.date,
    today: datetime.date | None = None,
) -> Dashboard:
    """The figures of ``sites`` from ``first`` to ``last`` (both included), each
    site's and their total; a fixed number of queries whatever the data."""
    today = today or timezone.localdate()
    sites = list(sites)
    as_of = min(last, today)
    params = {
        "sites": [site.pk for site in sites],
        "first": first,
        "last": last,
        "as_of": as_of,
        "yesterday": today - datetime.timedelta(days=1),
    }
    figures: dict[int | None, Figures] = {site.pk: Figures(site=site) for site in sites}
    figures[None] = Figures()
    if sites:
        _enrollments(figures, params)
        _exits(figures, params)
        weekly, monthly, monthly_by_site = _attendance(figures, params)
        absences, absences_by_site = _school_absences(figures, params)
        _casework(figures, params)
        _registers_not_taken(figures, params)
        history = _history(sites)
        risk = risk_level_counts(sites=sites, as_of=as_of)
    else:
        weekly, monthly, monthly_by_site, absences, absences_by_site = {}, {}, {}, {}, {}
        history, risk = [], {}
    return Dashboard(
        first=first,
        last=last,
        as_of=as_of,
        sites=sites,
        total=figures[None],
        by_site=[figures[site.pk] for site in sites],
        weekly=_every(weekly, _weeks(first, as_of), Rate),
        monthly=_every(monthly, _months(first, as_of), Rate),
        monthly_by_site={
            site.pk: _every(monthly_by_site.get(site.pk, {}), _months(first, as_of), Rate)
            for site in sites
        },
        absences_by_month=_every(absences, _months(first, as_of), Absences),
        absences_by_month_by_site={
            site.pk: _every(absences_by_site.get(site.pk, {}), _months(first, as_of), Absences)
            for site in sites
        },
        risk_levels={level: int(risk.get(level, 0)) for level in RiskLevel.values},
        history=history,
    )


def _weeks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    monday = first - datetime.timedelta(days=first.isoweekday() - 1)
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _every(found: dict, keys: list, empty) -> dict:
    """``found`` with an empty value for each of ``keys`` it lacks, in order."""
    return {key: found.get(key) or empty() for key in keys}


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ``GROUPING(site_id)`` is 1 on the total's row, whose site_id is NULL.
_SITE = "CASE WHEN GROUPING({column}) = 0 THEN {column} END"


def _enrollments(figures: dict, params: dict) -> None:
    """Children enrolled at some time in the period, and those whose first
    enrollment at the site began in it (a move to another group is not new).
    On the total's row, new means new to the foundation: a child who moved
    from one of its sites to another is new at the second site only."""
    site = _SITE.format(column="e.site_id")
    sql = f"""
        SELECT {site}, count(DISTINCT e.child_id),
               count(DISTINCT e.child_id) FILTER (
                   WHERE e.started_on >= %(first)s AND NOT EXISTS (
                       SELECT 1 FROM programs_enrollment earlier
                       WHERE earlier.child_id = e.child_id AND earlier.site_id = e.site_id
                         AND earlier.started_on < e.started_on)),
               count(DISTINCT e.child_id) FILTER (
                   WHERE e.started_on >= %(first)s AND NOT EXISTS (
                       SELECT 1 FROM programs_enrollment earlier
                       WHERE earlier.child_id = e.child_id
                         AND earlier.started_on < e.started_on))
        FROM programs_enrollment e
        WHERE e.site_id = ANY(%(sites)s) AND e.started_on <= %(last)s
          AND (e.ended_on IS NULL OR e.ended_on >= %(first)s)
        GROUP BY GROUPING SETS ((e.site_id), ())
    """  # noqa: S608 (built from this module's constants)
    for site_id, active, new_at_site, new_to_foundation in _rows(sql, params):
        figures[site_id].active_children = active
        figures[site_id].new_enrollments = new_at_site if site_id else new_to_foundation


def _exits(figures: dict, params: dict) -> None:
    site = _SITE.format(column="site_id")
    sql = f"""
        SELECT {site}, status, count(DISTINCT child_id)
        FROM programs_enrollment
        WHERE site_id = ANY(%(sites)s) AND ended_on BETWEEN %(first)s AND %(last)s
          AND status = ANY(%(exits)s)
        GROUP BY GROUPING SETS ((site_id, status), (status))
    """  # noqa: S608 (a constant)
    for site_id, status, count in _rows(sql, params | {"exits": list(EXIT_STATUSES)}):
        figures[site_id].exits[status] = count


def _attendance(figures: dict, params: dict):
    """The rate by ISO week and by month (all sites), by month per site, and
    over the whole period, from the daily tallies."""
    sql = """
        SELECT GROUPING(site_id, date_trunc('week', date), date_trunc('month', date)),
               site_id, date_trunc('week', date)::date, date_trunc('month', date)::date,
               coalesce(sum(sessions), 0), coalesce(sum(marked), 0),
               coalesce(sum(attended), 0)
        FROM attendance_attendanceday
        WHERE site_id = ANY(%(sites)s) AND date BETWEEN %(first)s AND %(last)s
        GROUP BY GROUPING SETS (
            (date_trunc('week', date)), (date_trunc('month', date)),
            (site_id, date_trunc('month', date)), (site_id), ())
    """
    weekly, monthly = {}, {}
    monthly_by_site: dict[int, dict] = defaultdict(dict)
    # GROUPING's bits, from the left: site, week, month (1 = not grouped by it).
    for grouping, site_id, week, month, sessions, marked, attended in _rows(sql, params):
        rate = Rate(marked=int(marked), attended=int(attended), sessions=int(sessions))
        if grouping == 0b101:
            weekly[week] = rate
        elif grouping == 0b110:
            monthly[month] = rate
        elif grouping == 0b010:
            monthly_by_site[site_id][month] = rate
        elif grouping == 0b011:
            figures[site_id].attendance = rate
        else:
            figures[None].attendance = rate
    return weekly, monthly, monthly_by_site


def _school_absences(figures: dict, params: dict):
    """Class hours missed by the children of the sites, by month reported.

    A child has one row a month and one site, so the rows of a site and month
    are distinct children, and the sites' sums are the totals: summed here over
    a few dozen rows rather than with ``count(DISTINCT)`` in SQL."""
    sql = """
        SELECT c.site_id, a.month, sum(a.excused_hours), sum(a.unexcused_hours), count(*)
        FROM attendance_schoolabsence a JOIN children_child c ON c.id = a.child_id
        WHERE c.site_id = ANY(%(sites)s)
          AND a.month BETWEEN date_trunc('month', %(first)s::date) AND %(last)s
        GROUP BY c.site_id, a.month
    """
    by_month: dict = defaultdict(Absences)
    by_site: dict = defaultdict(dict)
    for site_id, month, excused, unexcused, children in _rows(sql, params):
        for absences in (
            by_month[month],
            figures[site_id].school_absences,
            figures[None].school_absences,
        ):
            absences.excused += int(excused)
            absences.unexcused += int(unexcused)
        by_month[month].children += children
        by_site[site_id][month] = Absences(int(excused), int(unexcused), children)
    return dict(by_month), by_site


def _casework(figures: dict, params: dict) -> None:
    """Counseling, parent meetings, support and mentoring, one query each.
    Counseling is read from the sessions and their children alone: the
    confidential notes live in a table this never joins."""
    counseling = """
        SELECT {site}, count(DISTINCT s.id), count(DISTINCT sc.child_id)
        FROM children_counselingsession s
        LEFT JOIN children_counselingsession_children sc ON sc.counselingsession_id = s.id
        WHERE s.site_id = ANY(%(sites)s) AND s.date BETWEEN %(first)s AND %(last)s
        GROUP BY GROUPING SETS ((s.site_id), ())
    """.format(site=_SITE.format(column="s.site_id"))  # noqa: S608 (a constant)
    for site_id, sessions, children in _rows(counseling, params):
        figures[site_id].counseling_sessions = sessions
        figures[site_id].children_counselled = children

    meetings = """
        SELECT {site}, count(DISTINCT m.id), count(a.id), count(DISTINCT a.guardian_id)
        FROM families_parentmeeting m
        LEFT JOIN families_parentmeeting_attendees a ON a.parentmeeting_id = m.id
        WHERE m.site_id = ANY(%(sites)s) AND m.date BETWEEN %(first)s AND %(last)s
        GROUP BY GROUPING SETS ((m.site_id), ())
    """.format(site=_SITE.format(column="m.site_id"))  # noqa: S608 (a constant)
    for site_id, count, attendances, guardians in _rows(meetings, params):
        figures[site_id].parent_meetings = count
        figures[site_id].meeting_attendances = attendances
        figures[site_id].guardians_reached = guardians

    support = """
        SELECT {site}, count(*), coalesce(sum(s.value_ron), 0)
        FROM families_supportgiven s JOIN families_family f ON f.id = s.family_id
        WHERE f.site_id = ANY(%(sites)s) AND s.date BETWEEN %(first)s AND %(last)s
        GROUP BY GROUPING SETS ((f.site_id), ())
    """.format(site=_SITE.format(column="f.site_id"))  # noqa: S608 (a constant)
    for site_id, count, ron in _rows(support, params):
        figures[site_id].support_count = count
        figures[site_id].support_ron = ron

    mentoring = """
        SELECT {site}, count(*), coalesce(sum(s.duration_minutes), 0)
        FROM children_mentoringsession s JOIN children_child c ON c.id = s.child_id
        WHERE c.site_id = ANY(%(sites)s) AND s.date BETWEEN %(first)s AND %(last)s
        GROUP BY GROUPING SETS ((c.site_id), ())
    """.format(site=_SITE.format(column="c.site_id"))  # noqa: S608 (a constant)
    for site_id, count, minutes in _rows(mentoring, params):
        figures[site_id].mentoring_sessions = count
        figures[site_id].mentoring_minutes = int(minutes)


def _registers_not_taken(figures: dict, params: dict) -> None:
    """Group-days the register should have been taken and was not: the group
    meets that weekday, the day is in its school year, in the period and over
    (today's register may still come), and a child was enrolled in the group
    that day. A "no session" register counts as taken. As on the coordinators'
    overview (``attendance.views.missing_registers``), but counted in SQL."""
    sql = """
        WITH groups AS MATERIALIZED (
            SELECT g.id, g.site_id, g.meeting_days,
                   GREATEST(y.starts_on, %(first)s::date) AS first_day,
                   LEAST(y.ends_on, %(last)s::date, %(yesterday)s::date) AS last_day
            FROM programs_group g JOIN programs_schoolyear y ON y.id = g.school_year_id
            WHERE g.site_id = ANY(%(sites)s)
              AND y.starts_on <= %(last)s AND y.ends_on >= %(first)s
        ), enrolled AS (
            -- Each group's days with a child enrolled, as one multirange: a
            -- day is then tested once, not against each enrollment.
            SELECT e.group_id, range_agg(daterange(e.started_on, e.ended_on, '[]')) AS days
            FROM programs_enrollment e JOIN groups ON groups.id = e.group_id
            WHERE e.started_on <= groups.last_day
              AND (e.ended_on IS NULL OR e.ended_on >= groups.first_day)
            GROUP BY e.group_id
        ), due AS (
            SELECT groups.id AS group_id, groups.site_id, day::date AS day
            FROM groups JOIN enrolled ON enrolled.group_id = groups.id
            CROSS JOIN LATERAL generate_series(
                groups.first_day, groups.last_day, interval '1 day') AS day
            WHERE extract(isodow FROM day)::smallint = ANY(groups.meeting_days)
              AND day::date <@ enrolled.days
        )
        SELECT {site}, count(*), count(*) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM attendance_register r
            WHERE r.group_id = due.group_id AND r.date = due.day AND r.version > 0))
        FROM due
        GROUP BY GROUPING SETS ((site_id), ())
    """.format(site=_SITE.format(column="site_id"))  # noqa: S608 (a constant)
    for site_id, expected, missing in _rows(sql, params):
        figures[site_id].registers_expected = expected
        figures[site_id].registers_missing = missing


def _history(sites: list[Site]) -> list[History]:
    """Per site (and all together), the distinct children by the school year
    of their first enrollment there, cumulated: whatever the period."""
    # 1 September minus 8 months is 1 January: the year a school year began.
    sql = """
        WITH firsts AS MATERIALIZED (
            SELECT site_id, child_id, min(started_on) AS first_on
            FROM programs_enrollment WHERE site_id = ANY(%(sites)s)
            GROUP BY site_id, child_id
        ), everywhere AS (
            SELECT NULL::bigint AS site_id, child_id, min(first_on) AS first_on
            FROM firsts WHERE %(several)s GROUP BY child_id
        )
        SELECT site_id, extract(year FROM first_on - interval '8 months')::int, count(*)
        FROM (SELECT * FROM firsts UNION ALL SELECT * FROM everywhere) AS f
        GROUP BY 1, 2
    """
    counts: dict[int | None, dict[int, int]] = defaultdict(dict)
    params = {"sites": [site.pk for site in sites], "several": len(sites) > 1}
    for site_id, start_year, count in _rows(sql, params):
        counts[site_id][start_year] = count
    if not counts:
        return []
    # Every series spans the same years, from the earliest start (a program's
    # recorded start counts even before its first enrollment) to the latest.
    starts = [SchoolYear.start_year_of(s.program_started_on) for s in sites if s.program_started_on]
    years = [year for series in counts.values() for year in series]
    span = range(min(years + starts), max(years) + 1)
    owners: list[Site | None] = list(sites) + ([None] if len(sites) > 1 else [])
    history = []
    for owner in owners:
        series = counts.get(owner.pk if owner else None, {})
        running, rows = 0, []
        for year in span:
            running += series.get(year, 0)
            rows.append(HistoryYear(year, series.get(year, 0), running))
        history.append(History(owner, rows))
    return history
