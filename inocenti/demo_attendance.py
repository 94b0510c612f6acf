"""The demo's registers and school absences for the current school year
(``manage.py seed_demo``, after ``inocenti.demo`` has written the children).

For every group of the current school year at the demo sites, every meeting day
from 1 September up to yesterday gets a register, as the staff would have taken
it: a session with one or two activities and one mark per child enrolled that
day, or "no session" on a school holiday (``school_calendar``: the Ministry's
order for the year, or a rule close to it) and on each site's trip day of every
term. Today is left to the social worker, and a few recent days at one or two
Bucharest and Ilfov sites are left untaken, for the coordinators' overview.
Every child enrolled in a group this year also gets the school absences of each
month of it that is over.

Like ``inocenti.demo``, every draw comes from a generator of its own site, year
and purpose (``demo.generator``), and none depends on today or on the database:

- each child has a profile for the year (purpose ``child <key>``): how often they
  miss a session, whether they skip school, and the few weeks they slip (stop
  coming for a while, or come only now and then);
- at each site, one child after another stays away for some weeks (``away
  <block>``), chosen among the children there since the first school day;
- each mark is drawn for that child on that day (``mark <day> <key>``), each
  register for that group on that day (``register <day> <group>``).

``<key>`` is the child's family name, given names and birth date, the same in
every database. So a past day's marks stay the same whatever day the demo is
generated on, and whoever joined the group later. Only which recent registers
are left untaken depends on today. ``plan_attendance`` works in memory, on groups
and enrollments read by ``load_groups``; ``write_attendance`` writes what the
database does not hold yet, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from attendance.models import (
    MAX_SCHOOL_HOURS_PER_MONTH,
    AbsenceReason,
    Activity,
    Mark,
    MarkStatus,
    NoSessionReason,
    Register,
    SchoolAbsence,
)
from attendance.summary import month_end
from inocenti import demo
from programs.models import County, Enrollment, Group, SchoolYear, Site, User

Date = datetime.date
DAY = datetime.timedelta(days=1)

# The school calendar ------------------------------------------------------------------


@dataclass(frozen=True)
class Holiday:
    """Days without classes, first to last inclusive; ``name`` becomes the note of
    the "no session" register."""

    name: str
    first: Date
    last: Date

    def __contains__(self, day: Date) -> bool:
        return self.first <= day <= self.last


AUTUMN = "Vacanța de toamnă"
WINTER = "Vacanța de iarnă"
MOBILE = "Vacanța de schi"
SPRING = "Vacanța de primăvară"
SUMMER = "Vacanța de vară"

# The counties of the demo sites, by the week of their "mobile" February holiday
# (each county's school inspectorate picks one of the weeks the order allows).
EARLY_MOBILE_WEEK = (County.BN, County.CJ)
LATE_MOBILE_WEEK = (County.B, County.IF)


@dataclass(frozen=True)
class SchoolCalendar:
    year: int  # the start year of the school year
    classes_start: Date
    classes_end: Date
    holidays: tuple[Holiday, ...]  # autumn, winter, spring: the whole country
    early_mobile: Holiday  # the February week of EARLY_MOBILE_WEEK's counties
    late_mobile: Holiday

    @property
    def terms(self) -> tuple[tuple[Date, Date], ...]:
        """Three terms, split by the winter and the spring holidays."""
        winter, spring = self.holidays[1], self.holidays[2]
        return (
            (self.classes_start, winter.first - DAY),
            (winter.last + DAY, spring.first - DAY),
            (spring.last + DAY, self.classes_end),
        )

    def day_off(self, day: Date, county: str) -> str:
        """Why there are no classes in ``county`` on ``day`` (a weekday); "" if
        there are."""
        if day < self.classes_start or day > self.classes_end:
            return SUMMER
        mobile = self.early_mobile if county in EARLY_MOBILE_WEEK else self.late_mobile
        for holiday in (*self.holidays, mobile):
            if day in holiday:
                return holiday.name
        return public_holidays(self.year).get(day, "")


def orthodox_easter(year: int) -> Date:
    """Orthodox Easter Sunday: Meeus's Julian algorithm, moved to the Gregorian
    calendar (13 days later from 1900 to 2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return Date(year, month, day + 1) + datetime.timedelta(days=13)


@functools.cache
def public_holidays(year: int) -> dict[Date, str]:
    """The legal days off (Labour Code, art. 139) of the school year starting in
    ``year``, and 5 October, Education Day, free of classes since 2023-2024."""
    easter = orthodox_easter(year + 1)
    days = {
        Date(year, 11, 30): "Sfântul Andrei",
        Date(year, 12, 1): "Ziua Națională a României",
        Date(year, 12, 25): "Crăciunul",
        Date(year, 12, 26): "Crăciunul",
        Date(year + 1, 1, 1): "Anul Nou",
        Date(year + 1, 1, 2): "Anul Nou",
        Date(year + 1, 1, 6): "Boboteaza",
        Date(year + 1, 1, 7): "Sfântul Ioan Botezătorul",
        Date(year + 1, 1, 24): "Ziua Unirii Principatelor Române",
        easter - 2 * DAY: "Vinerea Mare",
        easter: "Paștele",
        easter + DAY: "Paștele",
        Date(year + 1, 5, 1): "Ziua Muncii",
        Date(year + 1, 6, 1): "Ziua Copilului",
        easter + 49 * DAY: "Rusaliile",
        easter + 50 * DAY: "Rusaliile",
        Date(year + 1, 8, 15): "Adormirea Maicii Domnului",
    }
    if year >= 2023:
        days[Date(year, 10, 5)] = "Ziua Internațională a Educației"
    return days


# The Ministry's orders on the structure of the school year (classes, then the
# autumn, winter and spring holidays). The order lets each county choose its
# February week among two or three: the weeks below are those of 2025-2026
# (the inspectorates' published choice) and, for 2026-2027, the demo's own choice.
KNOWN_CALENDARS: dict[int, SchoolCalendar] = {
    2025: SchoolCalendar(
        2025,
        classes_start=Date(2025, 9, 8),
        classes_end=Date(2026, 6, 19),
        holidays=(
            Holiday(AUTUMN, Date(2025, 10, 25), Date(2025, 11, 2)),
            Holiday(WINTER, Date(2025, 12, 20), Date(2026, 1, 7)),
            Holiday(SPRING, Date(2026, 4, 4), Date(2026, 4, 14)),
        ),
        early_mobile=Holiday(MOBILE, Date(2026, 2, 9), Date(2026, 2, 15)),
        late_mobile=Holiday(MOBILE, Date(2026, 2, 16), Date(2026, 2, 22)),
    ),
    2026: SchoolCalendar(
        2026,
        classes_start=Date(2026, 9, 7),
        classes_end=Date(2027, 6, 18),
        holidays=(
            Holiday(AUTUMN, Date(2026, 10, 24), Date(2026, 11, 1)),
            Holiday(WINTER, Date(2026, 12, 23), Date(2027, 1, 10)),
            Holiday(SPRING, Date(2027, 4, 24), Date(2027, 5, 4)),
        ),
        early_mobile=Holiday(MOBILE, Date(2027, 2, 15), Date(2027, 2, 21)),
        late_mobile=Holiday(MOBILE, Date(2027, 2, 22), Date(2027, 2, 28)),
    ),
}


def _monday_on_or_after(day: Date) -> Date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def school_calendar(year: int) -> SchoolCalendar:
    """The school year starting in ``year``: the Ministry's order if it is in
    ``KNOWN_CALENDARS``, else the rule recent orders follow: the autumn week
    around the last Monday of October, winter from the Saturday before 23
    December to 7 January, spring from the Saturday before Palm Sunday to the
    Tuesday after Easter, the February weeks from the second Monday."""
    if year in KNOWN_CALENDARS:
        return KNOWN_CALENDARS[year]
    last_monday = Date(year, 10, 31) - datetime.timedelta(days=Date(year, 10, 31).weekday())
    december_22 = Date(year, 12, 22)
    easter = orthodox_easter(year + 1)
    february = _monday_on_or_after(Date(year + 1, 2, 8))
    return SchoolCalendar(
        year,
        classes_start=demo.first_school_day(year),
        classes_end=demo.last_school_day(year),
        holidays=(
            Holiday(AUTUMN, last_monday - 2 * DAY, last_monday + 6 * DAY),
            Holiday(
                WINTER,
                december_22 - datetime.timedelta(days=(december_22.weekday() - 5) % 7),
                Date(year + 1, 1, 7),
            ),
            Holiday(SPRING, easter - 8 * DAY, easter + 2 * DAY),
        ),
        early_mobile=Holiday(MOBILE, february, february + 6 * DAY),
        late_mobile=Holiday(MOBILE, february + 7 * DAY, february + 13 * DAY),
    )


# What the planner reads ---------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A child's time in a group: one enrollment."""

    child: int  # primary key
    key: str  # the same in every database: names and birth date
    started_on: Date
    ended_on: Date | None

    def on(self, day: Date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


@dataclass(frozen=True)
class GroupRoll:
    """A group of the current school year and everyone ever enrolled in it."""

    pk: int
    site: str
    name: str
    meeting_days: tuple[int, ...]
    members: tuple[Member, ...]

    def enrolled(self, day: Date) -> list[Member]:
        """Those enrolled on ``day``, one per child."""
        seen: dict[int, Member] = {}
        for member in self.members:
            if member.on(day):
                seen.setdefault(member.child, member)
        return list(seen.values())


def child_key(family_name: str, given_names: str, birth_date: Date | None) -> str:
    return f"{family_name} {given_names} {birth_date or ''}"


def load_groups(sites: Mapping[str, Site], school_year: SchoolYear) -> list[GroupRoll]:
    """The school year's groups at the demo sites (in ``SITES`` order, then by
    name) with their enrollments. Two queries."""
    order = {spec.name: index for index, spec in enumerate(demo.SITES)}
    groups = sorted(
        Group.objects.filter(
            site__in=[sites[name] for name in order if name in sites], school_year=school_year
        ).values_list("pk", "site__name", "name", "meeting_days"),
        key=lambda row: (order[row[1]], row[2]),
    )
    members: dict[int, list[Member]] = {pk: [] for pk, *_rest in groups}
    for group, child, family_name, given_names, birth_date, started, ended in (
        Enrollment.objects.filter(group__in=members)
        .order_by("child_id", "started_on")
        .values_list(
            "group_id",
            "child_id",
            "child__family_name",
            "child__given_names",
            "child__birth_date",
            "started_on",
            "ended_on",
        )
    ):
        key = child_key(family_name, given_names, birth_date)
        members[group].append(Member(child, key, started, ended))
    return [
        GroupRoll(pk, site, name, tuple(meeting_days), tuple(members[pk]))
        for pk, site, name, meeting_days in groups
    ]


# The plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMark:
    child: int
    status: str
    reason: str = ""


@dataclass
class PlannedRegister:
    group: int
    site: str
    date: Date
    taken_at: datetime.datetime
    activities: list[str] = field(default_factory=list)
    no_session_reason: str = ""
    note: str = ""
    marks: list[PlannedMark] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.no_session_reason


@dataclass(frozen=True)
class PlannedAbsence:
    child: int
    site: str
    month: Date
    excused_hours: int
    unexcused_hours: int
    entered_at: datetime.datetime


@dataclass
class AttendancePlan:
    today: Date
    registers: list[PlannedRegister]
    untaken: list[tuple[int, Date]]  # (group, day) of meeting days left untaken
    absences: list[PlannedAbsence]


# A mark on an ordinary day, for a child of average attendance: about 90 % present;
# the absences scale with the child's own factor. With the weeks children slip,
# about 86 % present, 4 % late, 6 % absent and 4 % excused overall.
ABSENT_RATE = 0.027
EXCUSED_RATE = 0.034
LATE_RATE = 0.038
ABSENCE_FACTORS: tuple[tuple[float, float], ...] = ((0.3, 30), (0.8, 35), (1.3, 25), (2.6, 10))
# Slipping: each school week a child may begin a few weeks of coming rarely or
# not at all (SLIP_*). Besides, at every site one child after another stays away
# for six or seven weeks (AWAY_*: with their parents at seasonal work, say): each
# block of five weeks one more leaves, on its Monday or Tuesday, a week before the
# one before is back, so on any school day every site has a child absent at their
# last three sessions or more. About 4 % of the children are away, 1–2 % slipping.
SLIP_HAZARD = 0.005  # chance per school week
SLIP_DAYS = (14, 35)  # calendar days
STOP_SHARE = 0.4  # of the slips, those in which the child does not come at all
AWAY_BLOCK_DAYS = 35
AWAY_DAYS = (44, 50)  # a block, the latest start in it (Tuesday) and a week
SLIP_REASONS: dict[str, tuple[tuple[str, float], ...]] = {
    demo.BUCHAREST_ILFOV: (
        (AbsenceReason.FAMILY, 4),
        (AbsenceReason.SEASONAL_MIGRATION, 2),
        (AbsenceReason.SICK, 3),
        (AbsenceReason.OTHER, 1),
    ),
    demo.BISTRITA_NASAUD: (
        (AbsenceReason.SEASONAL_MIGRATION, 5),
        (AbsenceReason.FAMILY, 3),
        (AbsenceReason.SICK, 2),
    ),
    demo.CLUJ: (
        (AbsenceReason.SEASONAL_MIGRATION, 4),
        (AbsenceReason.FAMILY, 3),
        (AbsenceReason.SICK, 2),
        (AbsenceReason.OTHER, 1),
    ),
}
# A reason given with a mark: how often, and which.
REASONS: dict[str, tuple[float, tuple[tuple[str, float], ...]]] = {
    MarkStatus.ABSENT: (
        0.45,
        (
            (AbsenceReason.SICK, 5),
            (AbsenceReason.FAMILY, 3),
            (AbsenceReason.SEASONAL_MIGRATION, 0.5),
            (AbsenceReason.OTHER, 1.5),
        ),
    ),
    MarkStatus.LATE: (0.25, ((AbsenceReason.FAMILY, 3), (AbsenceReason.OTHER, 2))),
    MarkStatus.EXCUSED: (
        0.9,
        ((AbsenceReason.SICK, 6), (AbsenceReason.FAMILY, 3), (AbsenceReason.OTHER, 1)),
    ),
}
TRUANT_RATE = 0.05  # children with 20+ unexcused school hours a month
SCHOOL_HOURS: tuple[tuple[int, float], ...] = (
    (0, 40),
    (1, 8),
    (2, 14),
    (3, 8),
    (4, 10),
    (5, 5),
    (6, 7),
    (8, 4),
    (10, 3),
    (14, 1),
)
SECOND_ACTIVITY = 0.8  # sessions with an activity besides homework help
SECOND_ACTIVITIES: dict[str, tuple[tuple[str, float], ...]] = {
    demo.GROUP_PRIMARY: (
        (Activity.LITERACY, 4),
        (Activity.LIFE_SKILLS, 3),
        (Activity.OUTDOOR, 2),
        (Activity.OTHER, 1),
    ),
    demo.GROUP_LOWER_SECONDARY: (
        (Activity.LIFE_SKILLS, 4),
        (Activity.MENTORING, 3),
        (Activity.OUTDOOR, 2),
        (Activity.LITERACY, 1),
        (Activity.OTHER, 1),
    ),
    demo.GROUP_BACCALAUREATE: ((Activity.MENTORING, 3), (Activity.LIFE_SKILLS, 1)),
}
TRIPS: dict[str, tuple[str, ...]] = {
    demo.BUCHAREST_ILFOV: (
        "Excursie la Muzeul Național al Satului „Dimitrie Gusti”",
        "Vizită la Muzeul Național de Istorie Naturală „Grigore Antipa”",
        "Spectacol la Teatrul Ion Creangă",
        "Zi de sport în Parcul Tei",
    ),
    demo.BISTRITA_NASAUD: (
        "Excursie la Colibița",
        "Vizită la Muzeul Județean Bistrița-Năsăud",
        "Spectacol la Teatrul Municipal Bistrița",
        "Zi de sport la Baza Sportivă Wonderland",
    ),
    demo.CLUJ: (
        "Excursie la Salina Turda",
        "Vizită la Grădina Botanică din Cluj-Napoca",
        "Spectacol la Teatrul de Păpuși „Puck”",
    ),
}
# Registers left untaken: at one or two sites of the demo coordinator's region.
UNTAKEN_REGION = demo.BUCHAREST_ILFOV
UNTAKEN_WINDOW = 7  # days before today


@dataclass(frozen=True)
class Slip:
    first: Date
    last: Date
    stops: bool  # not coming at all; otherwise now and then
    reason: str


@dataclass(frozen=True)
class Profile:
    """How a child attends this school year."""

    absence_factor: float
    truant: bool
    slips: tuple[Slip, ...]  # the weeks away first: they prevail

    def slip_on(self, day: Date) -> Slip | None:
        return next((slip for slip in self.slips if slip.first <= day <= slip.last), None)


def away_weeks(
    seed: int, calendar: SchoolCalendar, groups: Sequence[GroupRoll]
) -> dict[tuple[str, str], list[Slip]]:
    """Who is away when, by (site, child key): at each site, block after block,
    a child (not the one of the block before) enrolled since the first school day
    leaves for AWAY_DAYS. Those children are the same whatever today is; so is
    each block's draw."""
    first_day = demo.first_school_day(calendar.year)
    monday = calendar.classes_start - datetime.timedelta(days=calendar.classes_start.weekday())
    away: dict[tuple[str, str], list[Slip]] = {}
    for spec in demo.SITES:
        pool = sorted(
            {
                member.key
                for group in groups
                if group.site == spec.name
                for member in group.members
                if member.started_on <= first_day
            }
        )
        previous = None
        block, start = 0, monday
        while pool and start <= calendar.classes_end:
            rng = demo.generator(seed, spec.name, calendar.year, f"away {block}")
            key = rng.choice([key for key in pool if key != previous] or pool)
            first = start + datetime.timedelta(days=rng.randrange(2))
            last = first + datetime.timedelta(days=rng.randint(*AWAY_DAYS) - 1)
            reason = demo.weighted(rng, SLIP_REASONS[spec.region])
            away.setdefault((spec.name, key), []).append(Slip(first, last, True, reason))
            previous = key
            block, start = block + 1, start + datetime.timedelta(days=AWAY_BLOCK_DAYS)
    return away


def child_profile(
    seed: int, site: str, calendar: SchoolCalendar, key: str, away: Sequence[Slip] = ()
) -> Profile:
    """The child's year, drawn week by week from the calendar alone (never from
    today): the same draws every week, whatever they decide. ``away``: the
    child's weeks away (``away_weeks``)."""
    rng = demo.generator(seed, site, calendar.year, f"child {key}")
    factor = demo.weighted(rng, ABSENCE_FACTORS)
    truant = rng.random() < TRUANT_RATE
    region = demo.SITES_BY_NAME[site].region
    slips: list[Slip] = []
    week = calendar.classes_start - datetime.timedelta(days=calendar.classes_start.weekday())
    while week <= calendar.classes_end:
        starts, offset, length, stops = (
            rng.random(),
            rng.randrange(5),
            rng.randint(*SLIP_DAYS),
            rng.random() < STOP_SHARE,
        )
        reason = demo.weighted(rng, SLIP_REASONS[region])
        first = week + datetime.timedelta(days=offset)
        if starts < SLIP_HAZARD and not (slips and slips[-1].last >= first):
            slips.append(Slip(first, first + datetime.timedelta(days=length - 1), stops, reason))
        week += datetime.timedelta(days=7)
    return Profile(factor, truant, (*away, *slips))


def _reason(rng: random.Random, status: str) -> str:
    chance, reasons = REASONS[status]
    return demo.weighted(rng, reasons) if rng.random() < chance else ""


def draw_mark(
    seed: int, site: str, year: int, day: Date, member: Member, profile: Profile
) -> PlannedMark:
    """One child's mark on one day."""
    rng = demo.generator(seed, site, year, f"mark {day} {member.key}")
    draw = rng.random()
    slip = profile.slip_on(day)
    if slip is not None and slip.stops:
        status = MarkStatus.ABSENT if draw < 0.8 else MarkStatus.EXCUSED
        reason = slip.reason if status == MarkStatus.EXCUSED or rng.random() < 0.5 else ""
        return PlannedMark(member.child, status, reason)
    if slip is not None:
        absent, excused, late = 0.45, 0.2, 0.05
    else:
        factor = profile.absence_factor
        absent, excused, late = ABSENT_RATE * factor, EXCUSED_RATE * factor, LATE_RATE
    if draw < absent:
        status = MarkStatus.ABSENT
    elif draw < absent + excused:
        status = MarkStatus.EXCUSED
    elif draw < absent + excused + late:
        status = MarkStatus.LATE
    else:
        return PlannedMark(member.child, MarkStatus.PRESENT)
    return PlannedMark(member.child, status, _reason(rng, status))


def _at(day: Date, hour: int, minutes: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour)) + datetime.timedelta(
        minutes=minutes
    )
    return timezone.make_aware(moment, timezone.get_default_timezone())


def _activities(rng: random.Random, group_name: str) -> list[str]:
    main = Activity.BACCALAUREATE if group_name == demo.GROUP_BACCALAUREATE else Activity.HOMEWORK
    others = SECOND_ACTIVITIES.get(group_name, SECOND_ACTIVITIES[demo.GROUP_PRIMARY])
    if rng.random() < SECOND_ACTIVITY:
        return [main, demo.weighted(rng, others)]
    return [main]


def trip_days(seed: int, calendar: SchoolCalendar) -> dict[str, dict[Date, str]]:
    """Each site's trip day in each term, and where they went: a meeting day of
    the site with classes, at least two weeks into the term and one before its
    end."""
    trips: dict[str, dict[Date, str]] = {}
    for spec in demo.SITES:
        trips[spec.name] = {}
        for number, (first, last) in enumerate(calendar.terms, start=1):
            rng = demo.generator(seed, spec.name, calendar.year, f"trip {number}")
            candidates = [
                day
                for day in _days(first + 14 * DAY, last - 7 * DAY)
                if day.isoweekday() in spec.meeting_days and not calendar.day_off(day, spec.county)
            ]
            if candidates:
                trips[spec.name][rng.choice(candidates)] = rng.choice(TRIPS[spec.region])
    return trips


def _days(first: Date, last: Date) -> list[Date]:
    return [first + n * DAY for n in range((last - first).days + 1)]


def _weekday_on_or_after(day: Date) -> Date:
    return day + datetime.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def plan_attendance(
    groups: Sequence[GroupRoll], *, today: Date, seed: int = demo.SEED
) -> AttendancePlan:
    """The registers of ``groups`` (this school year's) from 1 September to
    yesterday, and the school absences of every month over. In memory."""
    year = demo.school_year_of(today)
    calendar = school_calendar(year)
    trips = trip_days(seed, calendar)
    away = away_weeks(seed, calendar, groups)
    profiles: dict[tuple[str, str], Profile] = {}

    def profile(site: str, member: Member) -> Profile:
        known = (site, member.key)
        if known not in profiles:
            profiles[known] = child_profile(seed, site, calendar, member.key, away.get(known, ()))
        return profiles[known]

    last = min(today - DAY, Date(year + 1, 8, 31))
    registers: list[PlannedRegister] = []
    for group in groups:
        spec = demo.SITES_BY_NAME[group.site]
        for day in _days(Date(year, 9, 1), last):
            if day.isoweekday() not in group.meeting_days:
                continue
            enrolled = group.enrolled(day)
            if not enrolled:
                continue  # nobody to mark: no register is expected
            rng = demo.generator(seed, group.site, year, f"register {day} {group.name}")
            register = PlannedRegister(
                group.pk, group.site, day, taken_at=_at(day, 14, rng.randrange(121))
            )
            off = calendar.day_off(day, spec.county)
            if off:
                register.no_session_reason, register.note = NoSessionReason.HOLIDAY, off
            elif day in trips[group.site]:
                register.no_session_reason = NoSessionReason.TRIP
                register.note = trips[group.site][day]
            else:
                register.activities = _activities(rng, group.name)
                register.marks = [
                    draw_mark(seed, group.site, year, day, member, profile(group.site, member))
                    for member in enrolled
                ]
            registers.append(register)

    untaken = _untaken(seed, year, today, registers)
    left = set(untaken)
    registers = [r for r in registers if (r.group, r.date) not in left]
    absences = _school_absences(seed, calendar, today, groups, profile)
    return AttendancePlan(today, registers, untaken, absences)


def _untaken(
    seed: int, year: int, today: Date, registers: list[PlannedRegister]
) -> list[tuple[int, Date]]:
    """A few sessions of the last days nobody has recorded yet: one or two sites
    of ``UNTAKEN_REGION``, one or two days each, one group or all that day."""
    window = today - UNTAKEN_WINDOW * DAY
    recent: dict[str, dict[Date, list[int]]] = {}
    for register in registers:
        if register.held and register.date >= window:
            recent.setdefault(register.site, {}).setdefault(register.date, []).append(
                register.group
            )
    rng = demo.generator(seed, UNTAKEN_REGION, year, f"untaken {today}")
    sites = [spec.name for spec in demo.sites_of(UNTAKEN_REGION) if spec.name in recent]
    untaken: list[tuple[int, Date]] = []
    for site in rng.sample(sites, min(rng.choice((1, 2)), len(sites))):
        days = sorted(recent[site])
        for day in sorted(rng.sample(days, min(rng.choice((1, 2)), len(days)))):
            groups = recent[site][day]
            chosen = groups if rng.random() < 0.5 else [rng.choice(groups)]
            untaken += [(group, day) for group in chosen]
    return untaken


def _school_absences(
    seed: int,
    calendar: SchoolCalendar,
    today: Date,
    groups: Sequence[GroupRoll],
    profile: Callable[[str, Member], Profile],
) -> list[PlannedAbsence]:
    """Each month of the year that is over, for every child in one of ``groups``
    at some time in it: class hours missed, most a few, more while slipping,
    20 or more unexcused for a few children who skip school."""
    year = calendar.year
    absences: list[PlannedAbsence] = []
    month = Date(year, 9, 1)
    while month_end(month) < today and month.year * 12 + month.month <= (year + 1) * 12 + 8:
        last_day = month_end(month)
        entered_on = min(_weekday_on_or_after(last_day + 5 * DAY), today - DAY)
        seen: set[int] = set()
        for group in groups:
            county = demo.SITES_BY_NAME[group.site].county
            school_days = [
                day
                for day in _days(month, last_day)
                if day.weekday() < 5 and not calendar.day_off(day, county)
            ]
            if not school_days:
                continue
            for member in group.members:
                ended = member.ended_on or last_day
                if member.child in seen or member.started_on > last_day or ended < month:
                    continue
                seen.add(member.child)
                child = profile(group.site, member)
                purpose = f"school absences {month} {member.key}"
                rng = demo.generator(seed, group.site, year, purpose)
                total = demo.weighted(rng, SCHOOL_HOURS)
                excused = round(total * rng.uniform(0.3, 1.0))
                unexcused = total - excused
                if child.truant:
                    unexcused += rng.randint(20, 48)
                for day in school_days:
                    slip = child.slip_on(day)
                    if slip is None:
                        continue
                    hours = rng.randint(4, 6) if slip.stops else rng.randint(0, 3)
                    if slip.reason == AbsenceReason.SICK:
                        excused += hours
                    else:
                        unexcused += hours
                excused = min(excused, MAX_SCHOOL_HOURS_PER_MONTH)
                unexcused = min(unexcused, MAX_SCHOOL_HOURS_PER_MONTH - excused)
                absences.append(
                    PlannedAbsence(
                        member.child,
                        group.site,
                        month,
                        excused,
                        unexcused,
                        entered_at=_at(entered_on, 10, rng.randrange(180)),
                    )
                )
        month = last_day + DAY
    return absences


# The database -------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenAttendance:
    registers: int
    held: int
    marks: int
    school_absences: int

    @property
    def no_session(self) -> int:
        return self.registers - self.held


_STAMP = """
    UPDATE {table} AS t SET created_at = v.at, updated_at = v.at
    FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at)
    WHERE t.id = v.id
"""


def _stamp(model, rows: Sequence[tuple[int, datetime.datetime]]) -> None:
    """Set created_at and updated_at, which ``bulk_create`` fills with now."""
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(
                _STAMP.format(table=model._meta.db_table),
                [[pk for pk, _at in rows], [at for _pk, at in rows]],
            )


@transaction.atomic
def write_attendance(
    plan: AttendancePlan, *, taken_by: Mapping[str, User | None]
) -> WrittenAttendance:
    """Insert the planned registers and school absences the database does not
    hold yet (a group's day with a register, a child's month with absences, is
    left as it is). ``taken_by``: who took the registers of each site."""
    group_ids = {register.group for register in plan.registers}
    existing = set(Register.objects.filter(group__in=group_ids).values_list("group_id", "date"))
    new = [r for r in plan.registers if (r.group, r.date) not in existing]
    registers = Register.objects.bulk_create(
        [
            Register(
                group_id=r.group,
                date=r.date,
                activities=r.activities,
                no_session_reason=r.no_session_reason,
                note=r.note,
                created_by=taken_by.get(r.site),
                updated_by=taken_by.get(r.site),
                version=1,
            )
            for r in new
        ],
        batch_size=1000,
    )
    marks = [
        Mark(register=register, child_id=m.child, status=m.status, reason=m.reason)
        for planned, register in zip(new, registers, strict=True)
        for m in planned.marks
    ]
    Mark.objects.bulk_create(marks, batch_size=5000)
    _stamp(Register, [(r.pk, p.taken_at) for p, r in zip(new, registers, strict=True)])

    children = {absence.child for absence in plan.absences}
    entered = set(SchoolAbsence.objects.filter(child__in=children).values_list("child_id", "month"))
    new_absences = [a for a in plan.absences if (a.child, a.month) not in entered]
    absences = SchoolAbsence.objects.bulk_create(
        [
            SchoolAbsence(
                child_id=a.child,
                month=a.month,
                excused_hours=a.excused_hours,
                unexcused_hours=a.unexcused_hours,
                created_by=taken_by.get(a.site),
                updated_by=taken_by.get(a.site),
            )
            for a in new_absences
        ],
        batch_size=2000,
    )
    _stamp(
        SchoolAbsence,
        [(row.pk, a.entered_at) for a, row in zip(new_absences, absences, strict=True)],
    )
    return WrittenAttendance(
        registers=len(registers),
        held=sum(1 for r in new if r.held),
        marks=len(marks),
        school_absences=len(absences),
    )


def seed_attendance(
    *,
    today: Date,
    seed: int,
    sites: Mapping[str, Site],
    school_year: SchoolYear,
    taken_by: Mapping[str, User | None],
) -> WrittenAttendance:
    """Plan this school year's registers and school absences up to yesterday and
    write those missing."""
    plan = plan_attendance(load_groups(sites, school_year), today=today, seed=seed)
    return write_attendance(plan, taken_by=taken_by)
