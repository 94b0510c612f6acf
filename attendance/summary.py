"""A child's program attendance in figures: rates, the current run of absences,
the last day attended, a month's calendar of marks.

Only marks count. A day the group did not meet ("no session") and a register
nobody took leave no mark, so they are never counted as absences. Present and
late count as attended; absent and excused as absent.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from attendance.models import Mark, MarkStatus
from programs.models import SchoolYear

RECENT_DAYS = 30
# One letter per mark, for the calendar.
SHORT_MARKS = {
    MarkStatus.PRESENT: pgettext_lazy("one-letter attendance mark", "P"),
    MarkStatus.ABSENT: pgettext_lazy("one-letter attendance mark", "A"),
    MarkStatus.LATE: pgettext_lazy("one-letter attendance mark", "L"),
    MarkStatus.EXCUSED: pgettext_lazy("one-letter attendance mark", "E"),
}


@dataclass(frozen=True)
class Rate:
    attended: int
    marked: int

    @property
    def percent(self) -> int | None:
        if not self.marked:
            return None
        return round(100 * self.attended / self.marked)


@dataclass(frozen=True)
class AttendanceSummary:
    recent: Rate  # the last RECENT_DAYS days, today included
    school_year: Rate
    consecutive_absences: int  # absences since the last day attended
    last_attended: datetime.date | None


def _rate(marks: list[tuple[datetime.date, str]]) -> Rate:
    attended = sum(status in MarkStatus.attended() for _, status in marks)
    return Rate(attended, len(marks))


def attendance_summary(
    marks: Iterable[tuple[datetime.date, str]],
    *,
    today: datetime.date,
    year_starts_on: datetime.date,
) -> AttendanceSummary:
    """``marks``: (day, status) of one child, in any order."""
    marks = sorted((day, status) for day, status in marks if day <= today)
    recent_start = today - datetime.timedelta(days=RECENT_DAYS - 1)
    consecutive = 0
    last_attended = None
    for day, status in reversed(marks):
        if status in MarkStatus.attended():
            last_attended = day
            break
        consecutive += 1
    return AttendanceSummary(
        recent=_rate([m for m in marks if m[0] >= recent_start]),
        school_year=_rate([m for m in marks if m[0] >= year_starts_on]),
        consecutive_absences=consecutive,
        last_attended=last_attended,
    )


def month_end(month: datetime.date) -> datetime.date:
    """The last day of ``month``'s month."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month ``count`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date | None  # None pads the first and last week
    status: str = ""

    @property
    def short(self) -> str:
        return str(SHORT_MARKS.get(self.status, ""))

    @property
    def label(self) -> str:
        return str(MarkStatus(self.status).label) if self.status else ""


def legend() -> list[tuple[str, str, str]]:
    return [(value, str(SHORT_MARKS[value]), str(label)) for value, label in MarkStatus.choices]


def month_calendar(
    month: datetime.date, marks: Iterable[tuple[datetime.date, str]]
) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of ``month``, each day with the child's mark, if any.
    A child in two groups the same day shows the better mark."""
    by_day: dict[datetime.date, str] = {}
    for day, status in marks:
        same_month = day.year == month.year and day.month == month.month
        if same_month and by_day.get(day) not in MarkStatus.attended():
            by_day[day] = status
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return [
        [
            CalendarDay(day, by_day.get(day, "")) if day.month == month.month else CalendarDay(None)
            for day in week
        ]
        for week in weeks
    ]


@dataclass(frozen=True)
class ChildAttendance:
    summary: AttendanceSummary
    school_year: SchoolYear | None  # None when no school year is recorded for today
    year_starts_on: datetime.date
    marks: list[tuple[datetime.date, str]]  # held sessions, from ``since`` to today


def child_attendance(child, *, today: datetime.date, since=None) -> ChildAttendance:
    """One child's figures for this school year and the last 30 days, in two
    queries; ``since`` fetches marks further back too (for a calendar)."""
    year = SchoolYear.objects.containing(today)
    # Without a school year recorded for today, the Romanian one: from 1 September.
    year_start = (
        year.starts_on
        if year
        else SchoolYear.for_start_year(SchoolYear.start_year_of(today)).starts_on
    )
    counted_since = min(year_start, today - datetime.timedelta(days=RECENT_DAYS - 1))
    first = min(counted_since, since) if since else counted_since
    marks = list(
        Mark.objects.held()
        .filter(child=child, register__date__gte=first, register__date__lte=today)
        .values_list("register__date", "status")
    )
    summary = attendance_summary(
        # The figures do not move with the months the calendar shows.
        [(day, status) for day, status in marks if day >= counted_since],
        today=today,
        year_starts_on=year_start,
    )
    return ChildAttendance(summary, year, year_start, marks)
