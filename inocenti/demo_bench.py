"""The benchmark's large history (``manage.py seed_demo --bench``, ``make bench``).

Ten sites (the demo's eight and two fictitious schools) over ten school years up
to yesterday, about 500 children per site and year: some seven million attendance
marks, with what the dashboards, the early warning and the funder reports read
beside them. Written in a few minutes on a 2-core machine, into a database of its
own (``make bench`` uses ``inocenti_bench``), never into the demo's.

How it stays fast:

- **Plan in Python, write with COPY.** Children, families, guardians, groups,
  enrollments, registers, school absences, results, counseling, parent meetings,
  support and mentoring are planned in memory and written with PostgreSQL's
  ``COPY … FROM STDIN`` (psycopg 3's ``cursor.copy`` and ``write_row``). Keys are
  reserved from each table's sequence beforehand (``_reserve``), so rows can point
  at each other without reading keys back.
- **Marks are made by the server.** Python writes each child's year in a group
  (``bench_member``, a temporary table: the enrollment's days, how often the
  child misses, a few weeks away); one ``INSERT … SELECT`` per site joins it with
  the held registers. A mark's status is drawn from
  ``hashint8extended(child key, day, seed)``: no key of the database goes into a
  draw, so the same seed gives the same marks in any database.
- **No trigger during the load.** Every table written with COPY (``COPIED_MODELS``)
  has its triggers disabled inside the transaction (``ALTER TABLE … DISABLE TRIGGER
  USER``: the audit trail's, and the attendance tallies' on the marks), so nobody
  else ever sees them off; the tallies are then rebuilt in one pass
  (``attendance.tallies.rebuild``) and the database analysed. Foreign keys and
  constraints stay on (checked at each statement's end rather than queued to the
  commit).
- **No history baseline of the bulk tables.** ``seed_demo`` writes one snapshot
  event per generated row so that a record's first change has something to be
  compared with. For seven million marks that would double the database and the
  time; a benchmark database is not the foundation's records, so the bulk tables
  (``BULK_MODELS``) get no snapshot (``baseline_models``).

Every choice is drawn from a generator of its own site, school year and purpose
(``demo.generator``), like the demo's; children have keys of their own
(``site number · 1 000 000 + n``) for the server's draws. Most children have no
CNP (a CNP is nullable; 10 % get a valid fictitious one, unique). The people are
fictitious; so are the two extra sites and the bench funder's projects.

A database built by ``--bench`` carries its parameters in a comment on the
database (``marker``): ``make bench`` reuses it when they match.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from attendance import tallies
from attendance.models import Activity, Mark, NoSessionReason, Register, SchoolAbsence
from attendance.summary import month_end
from children.cnp import build_cnp
from children.models import (
    Child,
    ChildStatus,
    CounselingKind,
    CounselingSession,
    MentoringKind,
    MentoringSession,
    Qualifier,
    ResultOutcome,
    ResultPeriod,
    SchoolResult,
)
from families.models import (
    Benefit,
    Family,
    Guardian,
    ParentMeeting,
    ParentMeetingKind,
    Relationship,
    RiskFactor,
    SupportGiven,
    SupportKind,
)
from inocenti import demo
from inocenti import demo_names as names
from inocenti.demo_attendance import SchoolCalendar, school_calendar
from programs.audit import baseline_write
from programs.models import (
    County,
    Enrollment,
    EnrollmentStatus,
    FundedProject,
    Funder,
    Group,
    Program,
    SchoolYear,
    Site,
    User,
)

Date = datetime.date
DAY = datetime.timedelta(days=1)

# The defaults of ``seed_demo --bench``: the 10 sites, 10 years, 500 children.
SITES = 10
YEARS = 10
CHILDREN = 500
GROUP_SIZE = 25
# About a quarter of the children are new each year; those above the natural
# exits finish the program (a completion, not a loss).
NEWCOMER_SHARE = 0.25
MID_YEAR_JOIN = 0.2
MID_YEAR_EXIT = 0.45
REPEAT_RATE = 0.04
DROPOUT_RATE = {"primary": 0.01, "lower_secondary": 0.035, "high_school": 0.05}
TRANSFER_RATE = 0.03
WITHDRAW_RATE = 0.025
BACCALAUREATE_RATE = 0.3
CNP_RATE = 0.1
SIBLING_RATE = 0.3
# Groups meet four or five days a week: with the holidays, about 160 sessions
# a year for a child there all year.
MEETING_DAYS = ((demo.MON_FRI, 0.85), (demo.MON_THU, 0.15))
UNTAKEN_RATE = 0.004  # held days whose register nobody took
AWAY_RATE = 0.08  # child-years with a few weeks away (sick, seasonal work)
# How often a child misses: most rarely, some often, a few most days.
ABSENCE_PROFILES = (("low", 0.7), ("medium", 0.2), ("high", 0.1))
ABSENT = {"low": (0.02, 0.06), "medium": (0.08, 0.15), "high": (0.2, 0.4)}
UNEXCUSED_HOURS = {"low": (0, 3), "medium": (2, 12), "high": (10, 40)}
EXCUSED_RATE = 0.03
LATE_RATE = 0.035
MENTORED_SHARE = 0.08
COUNSELING_PER_CHILD = 0.25

# The two fictitious schools that bring the demo's eight sites to ten.
EXTRA_SITES: tuple[demo.SiteSpec, ...] = (
    demo.SiteSpec(
        "Școala Gimnazială nr. 4 Livada",
        Site.Kind.SCHOOL,
        County.CJ,
        "Livada",
        "Str. Principală nr. 12, Livada",
        Date(2015, 9, 14),
        demo.CLUJ,
        demo.CNP_COUNTY_BISTRITA_CLUJ,
        (
            demo.Place("Livada", names.STREETS_VILLAGE, 2),
            demo.Place("Dealu Mare", names.STREETS_VILLAGE),
        ),
    ),
    demo.SiteSpec(
        "Școala Gimnazială nr. 2 Sărățel",
        Site.Kind.SCHOOL,
        County.BN,
        "Sărățel",
        "Str. Gării nr. 3, Sărățel",
        Date(2016, 9, 12),
        demo.BISTRITA_NASAUD,
        demo.CNP_COUNTY_BISTRITA_CLUJ,
        (demo.Place("Sărățel", names.STREETS_VILLAGE),),
        meeting_days=demo.MON_FRI,
    ),
)
BENCH_SITES: tuple[demo.SiteSpec, ...] = (*demo.SITES, *EXTRA_SITES)
BENCH_FUNDER = "Fundația Comunitară Carpați"  # fictitious

# The tables written in bulk: no history baseline (see the docstring).
BULK_MODELS = (Register, Mark, SchoolAbsence)
# Every table written with COPY: triggers off during the load.
COPIED_MODELS = (
    Family,
    Guardian,
    Child,
    Group,
    Enrollment,
    Register,
    Mark,
    SchoolAbsence,
    SchoolResult,
    CounselingSession,
    CounselingSession.children.through,
    CounselingSession.guardians.through,
    ParentMeeting,
    ParentMeeting.attendees.through,
    SupportGiven,
    MentoringSession,
)
MARKER_PREFIX = "inocenti bench"


@dataclass(frozen=True)
class BenchParams:
    seed: int = demo.SEED
    sites: int = SITES
    years: int = YEARS
    children: int = CHILDREN
    today: Date = field(default_factory=timezone.localdate)

    def __post_init__(self):
        if not 1 <= self.sites <= len(BENCH_SITES):
            raise ValueError(f"between 1 and {len(BENCH_SITES)} sites, not {self.sites}")
        if self.years < 1 or self.children < 1:
            raise ValueError("at least one school year and one child per site")

    @property
    def current_year(self) -> int:
        return demo.school_year_of(self.today)

    @property
    def school_years(self) -> range:
        return range(self.current_year - self.years + 1, self.current_year + 1)

    @property
    def marker(self) -> str:
        """What the database's comment says once the history is written, without
        the day it was written up to (a history built yesterday is reused today)."""
        return (
            f"{MARKER_PREFIX} seed={self.seed} sites={self.sites} years={self.years} "
            f"children={self.children}"
        )

    def built_by(self, comment: str) -> bool:
        """Whether ``comment`` (``marker()``) is that of a history of these parameters."""
        return comment.startswith(self.marker + " ")


# --- The plan: plain rows, foreign keys as indexes into the other lists -------------


@dataclass
class _Kid:
    key: int  # for the server's draws: site number · 1 000 000 + n
    site: int  # index into the sites of the run
    family: int  # index into plan.families
    given_names: str
    family_name: str
    sex: str
    birth_date: Date
    cnp: str | None
    grade: int
    status: str = ChildStatus.ACTIVE


@dataclass
class _Stay:
    """A child's school year in a group: one enrollment, and how they attend."""

    kid: int
    group: int
    started_on: Date
    ended_on: Date | None
    status: str
    exit_reason: str
    grade: int
    profile: str  # low, medium, high
    absent: float
    away: tuple[Date, Date] | None
    repeats: bool = False
    dropped_out: bool = False


@dataclass
class _Family:
    site: int
    name: str
    address: str
    locality: str
    county: str
    household_size: int
    risk_factors: list[str]
    benefits: list[str]
    guardians: list[int] = field(default_factory=list)


@dataclass
class BenchPlan:
    params: BenchParams
    specs: tuple[demo.SiteSpec, ...]
    kids: list[_Kid] = field(default_factory=list)
    families: list[_Family] = field(default_factory=list)
    guardians: list[tuple] = field(default_factory=list)  # family index first
    groups: list[tuple[int, int, str, list[int]]] = field(default_factory=list)
    stays: list[_Stay] = field(default_factory=list)


@dataclass
class BenchWritten:
    """Rows written, by table, and seconds spent, by step."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _band(grade: int) -> str:
    return demo.group_name(grade)


def _stage(grade: int) -> str:
    return "primary" if grade <= 4 else "lower_secondary" if grade <= 8 else "high_school"


def _weekdays(first: Date, last: Date) -> list[Date]:
    return [
        first + n * DAY for n in range((last - first).days + 1) if (first + n * DAY).weekday() < 5
    ]


def _between(rng: random.Random, first: Date, last: Date) -> Date:
    days = _weekdays(first, last)
    return rng.choice(days) if days else first


class _Planner:
    def __init__(self, params: BenchParams, taken_cnps: frozenset[str]):
        self.params = params
        self.yesterday = params.today - DAY
        self.plan = BenchPlan(params, BENCH_SITES[: params.sites])
        self.cnps = set(taken_cnps)

    def rng(self, site: int, year: int, purpose: str) -> random.Random:
        return demo.generator(
            self.params.seed, f"bench {self.plan.specs[site].name}", year, purpose
        )

    def run(self) -> BenchPlan:
        for site in range(len(self.plan.specs)):
            self.site(site)
        return self.plan

    def site(self, site: int) -> None:
        spec = self.plan.specs[site]
        roster: list[tuple[int, int]] = []  # (kid, grade) continuing into the year
        counter = 0
        for year in self.params.school_years:
            target = round(
                self.params.children * self.rng(site, year, "target").uniform(0.96, 1.04)
            )
            first_day = Date(year, 9, 1)
            opening = demo.first_school_day(year)
            newcomers = target - len(roster) if roster else target
            join_rng = self.rng(site, year, "joins")
            kid_rng = self.rng(site, year, "children")
            joining: list[tuple[int, int, Date]] = []
            for _ in range(max(newcomers, 0)):
                initial = not roster and year == self.params.school_years[0]
                late = not initial and join_rng.random() < MID_YEAR_JOIN
                day = (
                    _between(join_rng, Date(year, 10, 1), Date(year + 1, 3, 10))
                    if late
                    else first_day
                    if initial
                    else opening
                )
                if day > self.yesterday:
                    continue
                counter += 1
                grade = self.join_grade(kid_rng, spec, year, initial)
                joining.append((self.new_kid(kid_rng, site, year, counter, grade), grade, day))
            members = [(kid, grade, first_day) for kid, grade in roster] + joining
            roster = self.school_year(site, year, members)

    def join_grade(self, rng: random.Random, spec: demo.SiteSpec, year: int, initial: bool) -> int:
        bac = spec.baccalaureate_from is not None
        if initial:
            return rng.choice(range(13 if bac else 9))
        return demo.weighted(rng, demo.JOIN_GRADES)

    def new_kid(self, rng: random.Random, site: int, year: int, n: int, grade: int) -> int:
        spec = self.plan.specs[site]
        sex = rng.choice("FM")
        given = rng.choice(names.GIRLS if sex == "F" else names.BOYS)
        family_names = demo.REGION_FAMILY_NAMES[spec.region]
        sibling = rng.random() < SIBLING_RATE
        last = len(self.plan.families)
        recent = [i for i in range(max(0, last - 20), last) if self.plan.families[i].site == site]
        if sibling and recent:
            family = rng.choice(recent)
            family_name = self.plan.families[family].name
        else:
            family_name = demo.weighted(rng, family_names)
            family = self.new_family(rng, site, family_name)
        birth = Date(year - 6 - grade, 1, 1) + rng.randrange(365) * DAY
        cnp = None
        if rng.random() < CNP_RATE:
            for _ in range(20):
                candidate = build_cnp(
                    sex=sex,
                    birth_date=birth,
                    county_code=spec.cnp_county,
                    serial=rng.randint(1, 999),
                )
                if candidate not in self.cnps:
                    self.cnps.add(candidate)
                    cnp = candidate
                    break
        self.plan.kids.append(
            _Kid(
                (site + 1) * 1_000_000 + n, site, family, given, family_name, sex, birth, cnp, grade
            )
        )
        return len(self.plan.kids) - 1

    def new_family(self, rng: random.Random, site: int, name: str) -> int:
        spec = self.plan.specs[site]
        place = spec.places[0]
        risks = demo.weighted_sample(
            rng,
            demo.RISK_WEIGHTS[spec.region],
            demo.weighted(rng, ((0, 2), *demo.RISK_COUNTS)),
        )
        benefits = [Benefit.CHILD_ALLOWANCE]
        if RiskFactor.POVERTY in risks:
            benefits.append(rng.choice((Benefit.FAMILY_SUPPORT, Benefit.MINIMUM_INCOME)))
        self.plan.families.append(
            _Family(
                site,
                name,
                f"{rng.choice(place.streets)} nr. {rng.randint(1, 140)}",
                place.locality,
                spec.county,
                rng.randint(3, 9),
                [str(r) for r in risks],
                [str(b) for b in benefits],
            )
        )
        index = len(self.plan.families) - 1
        abroad = RiskFactor.PARENTS_ABROAD in risks
        mother = (
            index,
            rng.choice(names.WOMEN),
            name,
            Relationship.MOTHER,
            f"07{rng.randint(20, 79)}{rng.randint(100000, 999999)}",
            "",
            True,
        )
        self.plan.guardians.append(mother)
        self.plan.families[index].guardians.append(len(self.plan.guardians) - 1)
        if abroad or rng.random() < 0.55:
            country = demo.weighted(rng, names.COUNTRIES_ABROAD) if abroad else ""
            self.plan.guardians.append(
                (index, rng.choice(names.MEN), name, Relationship.FATHER, "", country, False)
            )
            self.plan.families[index].guardians.append(len(self.plan.guardians) - 1)
        return index

    def school_year(
        self, site: int, year: int, members: list[tuple[int, int, Date]]
    ) -> list[tuple[int, int]]:
        """Groups the year's children, draws how each attends and whether they
        leave; returns those who continue next year, with their next grade."""
        spec = self.plan.specs[site]
        group_rng = self.rng(site, year, "groups")
        exit_rng = self.rng(site, year, "exits")
        profile_rng = self.rng(site, year, "profiles")
        current = year == self.params.current_year
        end = Date(year + 1, 8, 31)
        last_class = demo.last_school_day(year)
        bands: dict[str, list[tuple[int, int, Date]]] = {}
        for member in members:
            bands.setdefault(_band(member[1]), []).append(member)
        continuing: list[tuple[int, int]] = []
        finishing: list[int] = []  # stays of children who could finish the program
        for band, band_members in bands.items():
            count = math.ceil(len(band_members) / GROUP_SIZE)
            first_group = len(self.plan.groups)
            for n in range(count):
                days = demo.weighted(group_rng, MEETING_DAYS)
                name = f"{band} {chr(ord('A') + n)}" if count > 1 else band
                self.plan.groups.append((site, year, name, [int(d) for d in days]))
            for position, (kid, grade, started) in enumerate(band_members):
                group = first_group + position % count
                profile = demo.weighted(profile_rng, ABSENCE_PROFILES)
                absent = profile_rng.uniform(*ABSENT[profile])
                away = None
                if profile_rng.random() < AWAY_RATE:
                    start = _between(profile_rng, Date(year, 10, 1), Date(year + 1, 5, 1))
                    away = (start, start + profile_rng.randint(14, 35) * DAY)
                stay = _Stay(
                    kid,
                    group,
                    started,
                    None,
                    EnrollmentStatus.ACTIVE,
                    "",
                    grade,
                    profile,
                    absent,
                    away,
                )
                self.plan.stays.append(stay)
                next_grade = self.leave_or_continue(exit_rng, spec, year, stay, current)
                if next_grade is not None:
                    if current:
                        continue  # the year is not over: the enrollment stays open
                    stay.ended_on, stay.status = end, EnrollmentStatus.MOVED
                    continuing.append((kid, next_grade))
                    if grade >= 2 and not stay.repeats:
                        finishing.append(len(self.plan.stays) - 1)
        if not current:
            # Newcomers should be about a quarter: above the natural exits, some
            # children finish the program.
            room = round(self.params.children * (1 - NEWCOMER_SHARE))
            extra = len(continuing) - room
            if extra > 0 and finishing:
                done = set(exit_rng.sample(finishing, min(extra, len(finishing))))
                for index in done:
                    stay = self.plan.stays[index]
                    stay.ended_on, stay.status = last_class, EnrollmentStatus.COMPLETED
                    stay.exit_reason = exit_rng.choice(names.REASONS_FINISHED_PROGRAM)
                gone = {self.plan.stays[index].kid for index in done}
                continuing = [pair for pair in continuing if pair[0] not in gone]
        for kid, grade in continuing:
            self.plan.kids[kid].grade = grade
        return continuing

    def leave_or_continue(
        self, rng: random.Random, spec: demo.SiteSpec, year: int, stay: _Stay, current: bool
    ) -> int | None:
        """Closes the stay with an exit and returns None, or returns next year's grade."""
        kid = self.plan.kids[stay.kid]
        grade = stay.grade
        last_class = demo.last_school_day(year)
        stay.repeats = rng.random() < REPEAT_RATE and grade < 12
        draw = rng.random()
        mid_year = rng.random() < MID_YEAR_EXIT
        first = max(stay.started_on + 30 * DAY, Date(year, 11, 1))
        day = _between(rng, first, Date(year + 1, 5, 29)) if mid_year else last_class
        reason_pool: Sequence[str] = ()
        status = None
        if draw < DROPOUT_RATE[_stage(grade)]:
            status = EnrollmentStatus.DROPPED_OUT
            reason_pool = (
                names.REASONS_DROPPED_OUT_GIRL if kid.sex == "F" else names.REASONS_DROPPED_OUT_BOY
            )
        elif draw < DROPOUT_RATE[_stage(grade)] + TRANSFER_RATE:
            status, reason_pool = EnrollmentStatus.TRANSFERRED, names.REASONS_TRANSFERRED
        elif draw < DROPOUT_RATE[_stage(grade)] + TRANSFER_RATE + WITHDRAW_RATE:
            status, reason_pool = EnrollmentStatus.WITHDRAWN, names.REASONS_WITHDRAWN
        elif not stay.repeats and grade == 12:
            status, reason_pool, day = (
                EnrollmentStatus.COMPLETED,
                (names.REASON_BACCALAUREATE,),
                last_class,
            )
        elif not stay.repeats and grade == 8:
            bac = spec.baccalaureate_from is not None and year + 1 >= spec.baccalaureate_from
            if not (bac and rng.random() < BACCALAUREATE_RATE):
                status, reason_pool, day = (
                    EnrollmentStatus.COMPLETED,
                    names.REASONS_FINISHED_GRADE_8,
                    last_class,
                )
        if status is None or (current and day > self.yesterday):
            return grade if stay.repeats else grade + 1
        stay.ended_on = max(day, stay.started_on)
        stay.status = status
        stay.exit_reason = rng.choice(reason_pool)
        if status == EnrollmentStatus.DROPPED_OUT:
            # They were slipping away before they left.
            stay.dropped_out = True
            stay.profile, stay.absent = "high", max(stay.absent, 0.35)
        return None


def plan_bench(params: BenchParams, *, taken_cnps: frozenset[str] = frozenset()) -> BenchPlan:
    """The whole history in memory; the same parameters give the same plan."""
    plan = _Planner(params, taken_cnps).run()
    for stay in plan.stays:
        kid = plan.kids[stay.kid]
        kid.status = ChildStatus.ACTIVE if stay.ended_on is None else ChildStatus.FORMER
    return plan


# --- Writing -------------------------------------------------------------------------


def _reserve(cursor, model, count: int) -> int:
    """The first of ``count`` consecutive new keys of ``model``, taken from its
    sequence so that nothing else gets them."""
    if count == 0:
        return 0
    table = model._meta.db_table
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


def _copy(cursor, model_or_table, columns: Sequence[str], rows) -> int:
    table = model_or_table if isinstance(model_or_table, str) else model_or_table._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _at(day: Date, hour: int = 17) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


class _Writer:
    def __init__(self, plan: BenchPlan, cursor, *, log: Callable[[str], None]):
        self.plan = plan
        self.params = plan.params
        self.cursor = cursor
        self.log = log
        self.written = BenchWritten()
        self.yesterday = self.params.today - DAY
        self.stamp = _at(self.params.today, 6)

    def step(self, name: str, started: float) -> None:
        self.written.seconds[name] = time.perf_counter() - started

    def count(self, table: str, rows: int) -> None:
        self.written.rows[table] = self.written.rows.get(table, 0) + rows

    # Catalogue ---------------------------------------------------------------------

    def catalogue(self, sites: dict[str, Site], school_years: dict[int, SchoolYear], users) -> None:
        self.sites = [self.ensure_site(spec, sites) for spec in self.plan.specs]
        self.school_years = school_years
        self.users = users
        self.programs = {}
        for spec in demo.PROGRAMS:
            program = Program.objects.get(name=spec.name)
            self.programs[spec.region] = program
        for spec, site in zip(self.plan.specs, self.sites, strict=True):
            self.programs[spec.region].sites.add(site)
        funder, _new = Funder.objects.get_or_create(
            name=BENCH_FUNDER,
            defaults={
                "kind": Funder.Kind.FOUNDATION,
                "notes": "Finanțator fictiv al datelor de test.",
            },
        )
        current = self.params.current_year
        n = len(self.sites)
        windows = (
            # (name, first day, last day, sites): overlapping periods and sites.
            (
                "Școala după școală I",
                Date(current - 7, 9, 1),
                Date(current - 4, 8, 31),
                self.sites[: max(1, n * 6 // 10)],
            ),
            (
                "Școala după școală II",
                Date(current - 5, 1, 1),
                Date(current - 1, 12, 31),
                self.sites[max(0, n * 4 // 10 - 1) :],
            ),
            ("Rămân la școală", Date(current - 2, 9, 1), Date(current + 1, 8, 31), self.sites),
        )
        for name, first, last, project_sites in windows:
            project, new = FundedProject.objects.get_or_create(
                funder=funder, name=name, defaults={"starts_on": first, "ends_on": last}
            )
            if new:
                project.sites.set(project_sites)
                project.programs.set({self.programs[spec.region] for spec in self.plan.specs})
        self.projects = [
            (p.pk, p.starts_on, p.ends_on, {s.pk for s in p.sites.all()})
            for p in FundedProject.objects.prefetch_related("sites").order_by("starts_on", "pk")
        ]

    def ensure_site(self, spec: demo.SiteSpec, sites: dict[str, Site]) -> Site:
        if spec.name in sites:
            return sites[spec.name]
        site, _new = Site.objects.get_or_create(
            name=spec.name,
            defaults={
                "kind": spec.kind,
                "county": spec.county,
                "locality": spec.locality,
                "address": spec.address,
                "program_started_on": spec.started_on,
            },
        )
        return site

    # The people ----------------------------------------------------------------------

    def people(self) -> None:
        started = time.perf_counter()
        plan, cursor = self.plan, self.cursor
        coordinator = self.users.get("coordinator")
        self.family_base = _reserve(cursor, Family, len(plan.families))
        self.count(
            "families",
            _copy(
                cursor,
                Family,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "site_id",
                    "name",
                    "address",
                    "locality",
                    "county",
                    "household_size",
                    "risk_factors",
                    "benefits",
                    "notes",
                ),
                (
                    (
                        self.family_base + i,
                        self.stamp,
                        self.stamp,
                        coordinator,
                        self.sites[f.site].pk,
                        f.name,
                        f.address,
                        f.locality,
                        f.county,
                        f.household_size,
                        f.risk_factors,
                        f.benefits,
                        "",
                    )
                    for i, f in enumerate(plan.families)
                ),
            ),
        )
        self.guardian_base = _reserve(cursor, Guardian, len(plan.guardians))
        self.count(
            "guardians",
            _copy(
                cursor,
                Guardian,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "family_id",
                    "given_names",
                    "family_name",
                    "relationship",
                    "phone",
                    "works_abroad_in",
                    "is_primary_contact",
                    "education_level",
                    "employment",
                ),
                (
                    (
                        self.guardian_base + i,
                        self.stamp,
                        self.stamp,
                        coordinator,
                        self.family_base + g[0],
                        g[1],
                        g[2],
                        str(g[3]),
                        g[4],
                        g[5],
                        g[6],
                        "",
                        "",
                    )
                    for i, g in enumerate(plan.guardians)
                ),
            ),
        )
        self.kid_base = _reserve(cursor, Child, len(plan.kids))
        self.count(
            "children",
            _copy(
                cursor,
                Child,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "site_id",
                    "given_names",
                    "family_name",
                    "birth_date",
                    "sex",
                    "cnp",
                    "family_id",
                    "school_site_id",
                    "school_name",
                    "grade",
                    "special_educational_needs",
                    "status",
                    "notes",
                ),
                (
                    (
                        self.kid_base + i,
                        self.stamp,
                        self.stamp,
                        coordinator,
                        self.sites[k.site].pk,
                        k.given_names,
                        k.family_name,
                        k.birth_date,
                        k.sex,
                        k.cnp,
                        self.family_base + k.family,
                        self.sites[k.site].pk if k.grade <= 8 else None,
                        "" if k.grade <= 8 else "Liceul Tehnologic",
                        k.grade,
                        False,
                        str(k.status),
                        "",
                    )
                    for i, k in enumerate(plan.kids)
                ),
            ),
        )
        self.group_base = _reserve(cursor, Group, len(plan.groups))
        self.count(
            "groups",
            _copy(
                cursor,
                Group,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "site_id",
                    "school_year_id",
                    "name",
                    "meeting_days",
                ),
                (
                    (
                        self.group_base + i,
                        self.stamp,
                        self.stamp,
                        coordinator,
                        self.sites[site].pk,
                        self.school_years[year].pk,
                        name,
                        days,
                    )
                    for i, (site, year, name, days) in enumerate(plan.groups)
                ),
            ),
        )
        self.stay_base = _reserve(cursor, Enrollment, len(plan.stays))
        self.count(
            "enrollments",
            _copy(
                cursor,
                Enrollment,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "child_id",
                    "program_id",
                    "site_id",
                    "group_id",
                    "started_on",
                    "ended_on",
                    "status",
                    "exit_reason",
                ),
                (
                    (
                        self.stay_base + i,
                        self.stamp,
                        self.stamp,
                        coordinator,
                        self.kid_base + s.kid,
                        self.programs[plan.specs[plan.kids[s.kid].site].region].pk,
                        self.sites[plan.kids[s.kid].site].pk,
                        self.group_base + s.group,
                        s.started_on,
                        s.ended_on,
                        str(s.status),
                        s.exit_reason,
                    )
                    for i, s in enumerate(plan.stays)
                ),
            ),
        )
        self.step("children, families, groups, enrollments", started)

    # Registers and marks -------------------------------------------------------------

    def registers(self) -> None:
        started = time.perf_counter()
        plan, cursor = self.plan, self.cursor
        rows = []
        calendars: dict[int, SchoolCalendar] = {}
        trips: dict[tuple[int, int], set[Date]] = {}
        for index, (site, year, name, days) in enumerate(plan.groups):
            calendar = calendars.setdefault(year, school_calendar(year))
            spec = plan.specs[site]
            if (site, year) not in trips:
                trip_rng = demo.generator(self.params.seed, f"bench {spec.name}", year, "trips")
                trips[(site, year)] = {
                    _between(trip_rng, first + 14 * DAY, last - 7 * DAY)
                    for first, last in calendar.terms
                }
            rng = demo.generator(self.params.seed, f"bench {spec.name}", year, f"registers {name}")
            taken_by = self.users.get(
                "social_worker" if spec.name == demo.SCHOOL_31 else "coordinator"
            )
            day = Date(year, 9, 1)
            last = min(Date(year + 1, 8, 31), self.yesterday)
            while day <= last:
                if day.isoweekday() in days:
                    off = calendar.day_off(day, spec.county)
                    untaken = rng.random() < UNTAKEN_RATE
                    if off:
                        rows.append((index, day, [], NoSessionReason.HOLIDAY, off, taken_by))
                    elif day in trips[(site, year)]:
                        rows.append((index, day, [], NoSessionReason.TRIP, "", taken_by))
                    elif not untaken:
                        activities = [
                            Activity.BACCALAUREATE if "Bacalaureat" in name else Activity.HOMEWORK
                        ]
                        if rng.random() < 0.6:
                            activities.append(
                                rng.choice(
                                    (Activity.LITERACY, Activity.LIFE_SKILLS, Activity.OUTDOOR)
                                )
                            )
                        rows.append((index, day, activities, "", "", taken_by))
                day += DAY
        base = _reserve(cursor, Register, len(rows))
        self.count(
            "registers",
            _copy(
                cursor,
                Register,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "updated_by_id",
                    "group_id",
                    "date",
                    "activities",
                    "no_session_reason",
                    "note",
                    "version",
                ),
                (
                    (
                        base + i,
                        _at(day),
                        _at(day),
                        by,
                        by,
                        self.group_base + g,
                        day,
                        [str(a) for a in activities],
                        str(reason),
                        note,
                        1,
                    )
                    for i, (g, day, activities, reason, note, by) in enumerate(rows)
                ),
            ),
        )
        self.written.rows["registers held"] = sum(1 for row in rows if not row[3])
        self.step("registers", started)

    def marks(self) -> None:
        """One INSERT … SELECT per site from the registers and ``bench_member``."""
        started = time.perf_counter()
        plan, cursor = self.plan, self.cursor
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_member (site int, group_id bigint, child_id bigint, "
            "k bigint, started_on date, ended_on date, absent float8, away_from date, "
            "away_to date) ON COMMIT DROP"
        )
        _copy(
            cursor,
            "bench_member",
            (
                "site",
                "group_id",
                "child_id",
                "k",
                "started_on",
                "ended_on",
                "absent",
                "away_from",
                "away_to",
            ),
            (
                (
                    plan.kids[s.kid].site,
                    self.group_base + s.group,
                    self.kid_base + s.kid,
                    plan.kids[s.kid].key,
                    s.started_on,
                    s.ended_on,
                    s.absent,
                    s.away[0] if s.away else None,
                    s.away[1] if s.away else None,
                )
                for s in plan.stays
            ),
        )
        cursor.execute("CREATE INDEX ON bench_member (group_id)")
        cursor.execute("ANALYZE bench_member")
        cursor.execute("ANALYZE attendance_register")
        total = 0
        for site in range(len(plan.specs)):
            cursor.execute(_MARKS_SQL, [self.params.seed, site, self.group_base])
            total += cursor.rowcount
            self.log(f"    marks of {plan.specs[site].name}: {cursor.rowcount}")
        self.count("marks", total)
        self.step("marks", started)

    # School absences, results, casework -------------------------------------------------

    def school_absences(self) -> None:
        started = time.perf_counter()
        plan = self.plan
        coordinator = self.users.get("coordinator")
        today = self.params.today
        months_over = Date(today.year, today.month, 1)
        seen: set[tuple[int, Date]] = set()
        rows = []
        for s in plan.stays:
            year = self.year_of(s)
            rng = demo.generator(
                self.params.seed, f"bench {plan.kids[s.kid].key}", year, "school absences"
            )
            low, high = UNEXCUSED_HOURS[s.profile]
            for month in _school_months(year):
                if month >= months_over:
                    break
                month_last = month_end(month)
                if s.started_on > month_last or (s.ended_on is not None and s.ended_on < month):
                    continue
                if (s.kid, month) in seen:
                    continue
                seen.add((s.kid, month))
                unexcused = rng.randint(low, high)
                excused = rng.choice((0, 0, 0, 2, 4, 6, 8, 12))
                rows.append(
                    (self.kid_base + s.kid, month, excused, unexcused, _at(month_last + DAY * 5))
                )
        base = _reserve(self.cursor, SchoolAbsence, len(rows))
        self.count(
            "school absences",
            _copy(
                self.cursor,
                SchoolAbsence,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "updated_by_id",
                    "child_id",
                    "month",
                    "excused_hours",
                    "unexcused_hours",
                ),
                (
                    (base + i, at, at, coordinator, coordinator, kid, month, excused, unexcused)
                    for i, (kid, month, excused, unexcused, at) in enumerate(rows)
                ),
            ),
        )
        self.step("school absences", started)

    def year_of(self, stay: _Stay) -> int:
        return self.plan.groups[stay.group][1]

    def results(self) -> None:
        started = time.perf_counter()
        plan = self.plan
        coordinator = self.users.get("coordinator")
        rows = []
        for s in plan.stays:
            year = self.year_of(s)
            rng = demo.generator(self.params.seed, f"bench {plan.kids[s.kid].key}", year, "results")
            level = rng.gauss({"low": 7.8, "medium": 6.9, "high": 5.6}[s.profile], 1.0)
            for period, out in (
                (ResultPeriod.SEMESTER_1, Date(year + 1, 2, 1)),
                (ResultPeriod.YEAR, Date(year + 1, 6, 25)),
            ):
                if (
                    out > self.yesterday
                    or s.started_on > out
                    or (s.ended_on is not None and s.ended_on < out - 10 * DAY)
                ):
                    continue
                score = min(10.0, max(3.0, level + rng.uniform(-0.4, 0.4)))
                if s.repeats and period == ResultPeriod.YEAR:
                    score = min(score, rng.uniform(3.5, 4.9))
                qualifier, average, failed = "", None, 0
                if s.grade <= 4:
                    qualifier = (
                        Qualifier.VERY_GOOD
                        if score >= 8.5
                        else Qualifier.GOOD
                        if score >= 6.5
                        else Qualifier.SUFFICIENT
                        if score >= 5
                        else Qualifier.INSUFFICIENT
                    )
                else:
                    average = Decimal(f"{score:.2f}")
                    failed = rng.randint(1, 3) if score < 5 else (1 if rng.random() < 0.06 else 0)
                outcome = ""
                if period == ResultPeriod.YEAR:
                    outcome = (
                        ResultOutcome.REPEATING
                        if s.repeats
                        else ResultOutcome.LEFT_SCHOOL
                        if s.dropped_out
                        else ResultOutcome.RE_EXAM
                        if failed
                        else ResultOutcome.PROMOTED
                    )
                subjects = ", ".join(rng.sample(_SUBJECTS, failed)) if failed else ""
                rows.append(
                    (
                        self.kid_base + s.kid,
                        self.school_years[year].pk,
                        str(period),
                        s.grade,
                        average,
                        str(qualifier),
                        failed,
                        subjects,
                        str(outcome),
                        _at(out),
                    )
                )
        base = _reserve(self.cursor, SchoolResult, len(rows))
        self.count(
            "school results",
            _copy(
                self.cursor,
                SchoolResult,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "child_id",
                    "school_year_id",
                    "period",
                    "grade",
                    "general_average",
                    "qualifier",
                    "failed_subjects_count",
                    "failed_subjects",
                    "outcome",
                ),
                (
                    (base + i, row[-1], row[-1], coordinator, *row[:-1])
                    for i, row in enumerate(rows)
                ),
            ),
        )
        self.step("school results", started)

    def casework(self) -> None:
        started = time.perf_counter()
        plan, params = self.plan, self.params
        psychologist = self.users.get("psychologist")
        coordinator = self.users.get("coordinator")
        social_worker = self.users.get("social_worker") or coordinator
        volunteer = self.users.get("volunteer")
        by_site_year: dict[tuple[int, int], list[_Stay]] = {}
        for s in plan.stays:
            by_site_year.setdefault((plan.kids[s.kid].site, self.year_of(s)), []).append(s)
        sessions, session_kids, session_guardians = [], [], []
        meetings, attendees, support, mentoring = [], [], [], []
        for (site, year), stays in sorted(by_site_year.items()):
            spec = plan.specs[site]
            rng = demo.generator(params.seed, f"bench {spec.name}", year, "casework")
            first, last = Date(year, 9, 15), min(demo.last_school_day(year), self.yesterday)
            if first > last:
                continue

            spans = [
                (s, (max(first, s.started_on), min(last, s.ended_on or last)))
                for s in stays
                if max(first, s.started_on) <= min(last, s.ended_on or last)
            ]
            if not spans:
                continue
            # Counseling: individual, evaluations, groups, parents.
            if psychologist:
                for _ in range(round(len(stays) * COUNSELING_PER_CHILD)):
                    s, (lo, hi) = rng.choice(spans)
                    day = _between(rng, lo, hi)
                    kind = demo.weighted(rng, _COUNSELING_KINDS)
                    kids = [s.kid]
                    if kind == CounselingKind.GROUP:
                        mates = [
                            o.kid for o, (a, b) in spans if o.group == s.group and a <= day <= b
                        ]
                        kids = sorted(set(rng.sample(mates, min(len(mates), rng.randint(3, 6)))))
                    sessions.append((site, day, kind, rng.choice((45, 50, 60))))
                    session_kids.extend((len(sessions) - 1, kid) for kid in kids)
                    if kind == CounselingKind.PARENT:
                        family = plan.families[plan.kids[s.kid].family]
                        session_guardians.append((len(sessions) - 1, family.guardians[0]))
            # Parent meetings: one a month, and the guardians who came.
            for month in _school_months(year):
                day = _between(rng, month + 7 * DAY, month + 20 * DAY)
                if not first <= day <= last:
                    continue
                families = sorted({plan.kids[s.kid].family for s, (a, b) in spans if a <= day <= b})
                if not families:
                    continue
                meetings.append((site, day, rng.choice(_MEETING_TOPICS)))
                came = rng.sample(families, min(len(families), rng.randint(8, 25)))
                attendees.extend(
                    (len(meetings) - 1, plan.families[f].guardians[0]) for f in sorted(came)
                )
            # Support: supplies in September, food before the winter and spring holidays.
            given: set[tuple[int, str, int]] = set()
            for s, (lo, hi) in spans:
                family = plan.kids[s.kid].family
                for kind, on, items, value, share in _SUPPORT:
                    day = _between(
                        rng, Date(year + (on[0] < 9), *on), Date(year + (on[0] < 9), *on) + 10 * DAY
                    )
                    if not lo <= day <= hi or rng.random() >= share:
                        continue
                    per_family = kind != SupportKind.SCHOOL_SUPPLIES
                    if per_family and (family, kind, year) in given:
                        continue
                    if per_family:
                        given.add((family, kind, year))
                    project = next(
                        (
                            pk
                            for pk, a, b, sites in self.projects
                            if a <= day <= b and self.sites[site].pk in sites
                        ),
                        None,
                    )
                    support.append(
                        (
                            family,
                            None if per_family else s.kid,
                            day,
                            kind,
                            items,
                            Decimal(value + rng.randint(0, 40)),
                            project,
                        )
                    )
            # Mentoring: a few children, every other week.
            if volunteer:
                for s, (lo, hi) in spans:
                    if rng.random() >= MENTORED_SHARE:
                        continue
                    kind = (
                        MentoringKind.BACCALAUREATE
                        if s.grade >= 9
                        else rng.choice((MentoringKind.MENTORING, MentoringKind.HOMEWORK))
                    )
                    day = lo + rng.randint(0, 6) * DAY
                    while day <= hi:
                        if day.weekday() < 5:
                            mentoring.append((s.kid, day, kind, rng.choice(_MENTORING_TOPICS)))
                        day += 14 * DAY
        cursor = self.cursor
        base = _reserve(cursor, CounselingSession, len(sessions))
        self.count(
            "counseling sessions",
            _copy(
                cursor,
                CounselingSession,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "site_id",
                    "psychologist_id",
                    "date",
                    "duration_minutes",
                    "kind",
                    "summary",
                ),
                (
                    (
                        base + i,
                        _at(day),
                        _at(day),
                        psychologist,
                        self.sites[site].pk,
                        psychologist,
                        day,
                        minutes,
                        str(kind),
                        "Ședință de consiliere.",
                    )
                    for i, (site, day, kind, minutes) in enumerate(sessions)
                ),
            ),
        )
        self.count(
            "counseling children",
            _copy(
                cursor,
                CounselingSession.children.through,
                ("counselingsession_id", "child_id"),
                ((base + i, self.kid_base + kid) for i, kid in session_kids),
            ),
        )
        _copy(
            cursor,
            CounselingSession.guardians.through,
            ("counselingsession_id", "guardian_id"),
            ((base + i, self.guardian_base + g) for i, g in session_guardians),
        )
        base = _reserve(cursor, ParentMeeting, len(meetings))
        self.count(
            "parent meetings",
            _copy(
                cursor,
                ParentMeeting,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "site_id",
                    "date",
                    "kind",
                    "topic",
                    "facilitator_id",
                    "support",
                    "notes",
                ),
                (
                    (
                        base + i,
                        _at(day),
                        _at(day),
                        coordinator,
                        self.sites[site].pk,
                        day,
                        str(ParentMeetingKind.PERIODIC),
                        topic,
                        social_worker,
                        [],
                        "",
                    )
                    for i, (site, day, topic) in enumerate(meetings)
                ),
            ),
        )
        self.count(
            "parent meeting attendees",
            _copy(
                cursor,
                ParentMeeting.attendees.through,
                ("parentmeeting_id", "guardian_id"),
                ((base + i, self.guardian_base + g) for i, g in attendees),
            ),
        )
        base = _reserve(cursor, SupportGiven, len(support))
        self.count(
            "support given",
            _copy(
                cursor,
                SupportGiven,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "family_id",
                    "child_id",
                    "date",
                    "kind",
                    "items",
                    "quantity",
                    "value_ron",
                    "given_by_id",
                    "funded_project_id",
                ),
                (
                    (
                        base + i,
                        _at(day),
                        _at(day),
                        coordinator,
                        self.family_base + family,
                        None if kid is None else self.kid_base + kid,
                        day,
                        str(kind),
                        items,
                        1,
                        value,
                        social_worker,
                        project,
                    )
                    for i, (family, kid, day, kind, items, value, project) in enumerate(support)
                ),
            ),
        )
        base = _reserve(cursor, MentoringSession, len(mentoring))
        self.count(
            "mentoring sessions",
            _copy(
                cursor,
                MentoringSession,
                (
                    "id",
                    "created_at",
                    "updated_at",
                    "created_by_id",
                    "volunteer_id",
                    "child_id",
                    "date",
                    "duration_minutes",
                    "kind",
                    "topic",
                ),
                (
                    (
                        base + i,
                        _at(day),
                        _at(day),
                        volunteer,
                        volunteer,
                        self.kid_base + kid,
                        day,
                        60,
                        str(kind),
                        topic,
                    )
                    for i, (kid, day, kind, topic) in enumerate(mentoring)
                ),
            ),
        )
        self.step("casework", started)


_SUBJECTS = (
    "Matematică",
    "Limba și literatura română",
    "Limba engleză",
    "Istorie",
    "Geografie",
    "Fizică",
)
_COUNSELING_KINDS = (
    (CounselingKind.INDIVIDUAL, 5),
    (CounselingKind.EVALUATION, 2),
    (CounselingKind.GROUP, 2),
    (CounselingKind.PARENT, 1),
)
_MEETING_TOPICS = (
    "Ședința lunară cu părinții: frecvența la școală",
    "Cum îi ajutăm pe copii la teme",
    "Rezultatele școlare ale semestrului",
    "Drepturi și beneficii sociale: alocația de susținere",
)
_MENTORING_TOPICS = (
    "Teme la matematică",
    "Lectură împreună",
    "Organizarea timpului",
    "Pregătire pentru examene",
)
# kind, (month, day) it starts, items, value in RON, share of the children
_SUPPORT = (
    (SupportKind.SCHOOL_SUPPLIES, (9, 15), "Rechizite și ghiozdan", 120, 0.7),
    (SupportKind.FOOD, (12, 10), "Pachet alimentar de sărbători", 180, 0.5),
    (SupportKind.CLOTHING, (11, 15), "Haine de iarnă pentru copii", 250, 0.2),
    (SupportKind.FOOD, (4, 1), "Pachet alimentar de Paște", 150, 0.4),
)


def _school_months(year: int) -> list[Date]:
    return [Date(year + (m < 9), m, 1) for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]


# A mark for each child enrolled in the group on a held register's day. ``u`` is
# uniform in [0, 1) from the child's key and the day (never a database key):
# away → absent; below the child's rate → absent; then excused, late, present.
_MARKS_SQL = f"""
INSERT INTO attendance_mark (register_id, child_id, status, reason, note)
SELECT r.id, m.child_id,
       CASE WHEN r.date BETWEEN m.away_from AND m.away_to OR d.u < m.absent THEN 'absent'
            WHEN d.u < m.absent + {EXCUSED_RATE} THEN 'excused'
            WHEN d.u < m.absent + {EXCUSED_RATE + LATE_RATE} THEN 'late'
            ELSE 'present' END,
       CASE WHEN r.date BETWEEN m.away_from AND m.away_to THEN 'family'
            WHEN d.u >= m.absent AND d.u < m.absent + {EXCUSED_RATE} THEN 'sick'
            ELSE '' END,
       ''
FROM bench_member m
JOIN attendance_register r
  ON r.group_id = m.group_id AND r.date >= m.started_on
 AND (m.ended_on IS NULL OR r.date <= m.ended_on)
CROSS JOIN LATERAL (
    SELECT (hashint8extended(m.k * 100000 + (r.date - DATE '2000-01-01'), %s)
            & 1048575)::float8 / 1048576 AS u
) d
WHERE m.site = %s AND r.no_session_reason = '' AND r.group_id >= %s
ORDER BY r.id, m.child_id
"""  # noqa: S608 (the rates are this module's constants)


# --- The whole run -------------------------------------------------------------------


def baseline_models(event_models: Sequence[type]) -> list[type]:
    """The audit trail's tables that get a snapshot of each generated row: all but
    those of ``BULK_MODELS`` (see the module's docstring)."""
    bulk = set(BULK_MODELS)
    return [
        model
        for model in event_models
        if not (
            "pgh_obj" in {f.name for f in model._meta.get_fields()}
            and model._meta.get_field("pgh_obj").related_model in bulk
        )
    ]


def write_baseline(event_models: Sequence[type]) -> None:
    """``baseline_write`` of ``baseline_models``, with the planner told to hash.

    Its anti-join looks for each row's event in the event table it is filling;
    planned from statistics that say the table is empty, it becomes a nested
    loop whose inner scan reads every page the statement has just written:
    quadratic, minutes for 100 000 rows."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
    baseline_write(baseline_models(event_models), connection)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")


def marker() -> str:
    """The comment on the current database: the parameters of its bench history, or ""."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def write_marker(text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [text])


def write_bench(
    params: BenchParams,
    *,
    sites: dict[str, Site],
    school_years: dict[int, SchoolYear],
    users: dict[str, User | None],
    log: Callable[[str], None] = lambda line: None,
) -> BenchWritten:
    """Plan and write the history; the caller holds the transaction (and pauses
    the audit trail for the rows written through the ORM)."""
    started = time.perf_counter()
    taken = frozenset(Child.objects.filter(cnp__isnull=False).values_list("cnp", flat=True))
    plan = plan_bench(params, taken_cnps=taken)
    log(
        f"  Planned in {time.perf_counter() - started:.1f} s: {len(plan.kids)} children, "
        f"{len(plan.stays)} enrollments."
    )
    user_ids = {role: (user.pk if user else None) for role, user in users.items()}
    with connection.cursor() as cursor:
        writer = _Writer(plan, cursor, log=log)
        writer.written.seconds["plan"] = time.perf_counter() - started
        writer.catalogue(sites, school_years, user_ids)
        copied = [connection.ops.quote_name(model._meta.db_table) for model in COPIED_MODELS]
        # Foreign keys checked at the end of each statement, not queued to the
        # commit (millions of pending checks; and ALTER TABLE refuses a table
        # with pending trigger events).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in copied:
            # Inside the transaction: nobody else ever sees the triggers off.
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        writer.people()
        writer.registers()
        writer.marks()
        writer.school_absences()
        writer.results()
        writer.casework()
        for table in copied:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        step = time.perf_counter()
        tallies.rebuild()
        writer.step("tallies", step)
        step = time.perf_counter()
        cursor.execute("ANALYZE")
        writer.step("analyze", step)
    write_marker(f"{params.marker} until={(params.today - DAY).isoformat()}")
    writer.written.seconds["total"] = time.perf_counter() - started
    return writer.written
