"""The demo's history: the foundation's sites, programs and funders, and fifteen
years of fictitious children, families and enrollments (``manage.py seed_demo``).

It runs in three steps:

1. **Plan the numbers** (``plan_intake``, ``plan_targets``). The history must
   match the foundation's published figures: the Bucharest pilot began on
   10 January 2011 with 10 children, and by 31 March 2020 the programs had
   reached 296 children in Bucharest and Ilfov and 324 in Bistrița-Năsăud. Every
   child belongs to one site and their first enrollment starts the day they join,
   so the children counted by 31 March 2020 are exactly those who joined by then:
   the joiners of each site and school year up to 2019-2020 are apportioned from
   the regional figure, so they add up to it by construction. From 2020-2021 on,
   each site takes as many newcomers as bring it to a target of 32–38 children.
2. **Build the history in memory** (``plan_demo``): each site, school year by
   school year — newcomers join, and at the end of the year every child moves up
   a grade or leaves (finished grade VIII or the program, withdrawn, transferred,
   dropped out). Plain dataclasses, no database: two plans from the same seed,
   scale and day are equal.
3. **Write** (``write_plan``): ``bulk_create`` in dependency order, families →
   guardians → children → enrollments and consents.

Every choice is drawn from a generator of its own site, school year and purpose
(``generator``: intake weights, targets, join days, the children, their
families, the year's exits), each used in a fixed order (children in joining
order). So a school year comes out the same whatever was drawn for other sites,
other years or other purposes: a past year does not depend on today (which only
decides which years exist and who has joined so far this year), nor on the
database (a CNP taken already moves that child's serial, and no other draw).
Sites are simulated year by year, all sites in ``SITES`` order within a year, so
the children and families of a past year keep their keys too. ``--scale N``
multiplies every count: the figures become 296·N and 324·N, the sites hold
30·N-40·N children today. The people are fictitious.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import transaction
from django.db.models import Count, Q

from children.cnp import build_cnp
from children.models import Child, ChildStatus, Consent, ConsentKind, Sex
from families.models import (
    Benefit,
    EducationLevel,
    Employment,
    Family,
    Guardian,
    Relationship,
    RiskFactor,
)
from inocenti import demo_names as names
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
    Weekday,
)

T = TypeVar("T")
Date = datetime.date

SEED = 20110110  # the day the Bucharest pilot began
PILOT_START = Date(2011, 1, 10)
PILOT_CHILDREN = 10
FIGURES_UNTIL = Date(2020, 3, 31)
# The school year that holds FIGURES_UNTIL: intake is planned up to it.
LAST_COUNTED_YEAR = 2019
FIRST_SCHOOL_YEAR = 2008

# Children per site: none above CAP while the intake is planned; from 2020-2021
# each site is brought to a target in TARGET_RANGE, keeping at least MIN_NEWCOMERS
# places a year for newcomers. Multiplied by the scale.
CAP = 40
TARGET_RANGE = (32, 38)
MIN_NEWCOMERS = 4

# Regions: their programs and published figures.
BUCHAREST_ILFOV = "București și Ilfov"
BISTRITA_NASAUD = "Bistrița-Năsăud"
CLUJ = "Cluj"
REGION_FIGURES: tuple[tuple[str, int], ...] = ((BUCHAREST_ILFOV, 296), (BISTRITA_NASAUD, 324))

# County codes (digits 8-9) of the demo children's CNPs: those of Bucharest's former
# sectors 7 and 8, abolished in 1979. No child born since carries one, so a demo CNP
# can never be a real child's; ``children.cnp`` still accepts them (older people
# have them). 47 for Bucharest and Ilfov, 48 for Bistrița-Năsăud and Cluj.
CNP_COUNTY_BUCHAREST_ILFOV = "47"
CNP_COUNTY_BISTRITA_CLUJ = "48"

# Group names: preparatory class and grades I–IV, V–VIII, then high school.
GROUP_PRIMARY = "Grupa I–IV"
GROUP_LOWER_SECONDARY = "Grupa V–VIII"
GROUP_BACCALAUREATE = "Pregătire Bacalaureat"

MON_THU = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY)
MON_FRI = (*MON_THU, Weekday.FRIDAY)
TUE_THU = (Weekday.TUESDAY, Weekday.THURSDAY)

# The eight sites ----------------------------------------------------------------------

SCHOOL_31 = "Școala Gimnazială nr. 31"
FERDINAND = "Școala Gimnazială „Ferdinand I”"
GLINA = "Școala Gimnazială nr. 1 Glina"
CATELU = "Școala Gimnazială nr. 2 Cățelu-Glina"
DAY_CENTER = "Centrul de zi „Micii Inocenți”"
RETEAG = "Școala Gimnazială Reteag-Poieni"
SLATINITA = "Școala Gimnazială „Dimitrie Cojocaru” Slătinița"
MINTIU = "Școala Gimnazială Mintiu Gherlii"

# Names earlier versions of seed_demo gave two sites; renamed in place on the next run.
FORMER_SITE_NAMES: tuple[tuple[str, str], ...] = (
    ("Școala Gimnazială nr. 2 Cățelu", CATELU),
    ("Școala Gimnazială Reteag", RETEAG),
)


@dataclass(frozen=True)
class Place:
    """Where a site's families live: a locality, its streets, how many families."""

    locality: str
    streets: tuple[str, ...]
    weight: int = 1
    blocks: bool = False  # city flats: "bl. …, ap. …"


@dataclass(frozen=True)
class SiteSpec:
    name: str
    kind: str
    county: str
    locality: str
    address: str
    started_on: Date
    region: str
    cnp_county: str
    places: tuple[Place, ...]
    meeting_days: tuple[int, ...] = MON_THU
    baccalaureate_from: int | None = None  # first school year with that group

    @property
    def first_year(self) -> int:
        return school_year_of(self.started_on)


_SECTOR_2 = (Place("București", names.STREETS_BUCHAREST_SECTOR_2, blocks=True),)
_VILLAGE = names.STREETS_VILLAGE

# Addresses are plausible, not checked against the real schools.
SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        SCHOOL_31,
        Site.Kind.SCHOOL,
        County.B,
        "București, Sectorul 2",
        "Str. Gărdinița nr. 10, Sectorul 2",
        PILOT_START,
        BUCHAREST_ILFOV,
        CNP_COUNTY_BUCHAREST_ILFOV,
        _SECTOR_2,
        baccalaureate_from=2015,
    ),
    SiteSpec(
        FERDINAND,
        Site.Kind.SCHOOL,
        County.B,
        "București, Sectorul 2",
        "Bd. Ferdinand I nr. 35, Sectorul 2",
        PILOT_START,
        BUCHAREST_ILFOV,
        CNP_COUNTY_BUCHAREST_ILFOV,
        _SECTOR_2,
    ),
    SiteSpec(
        GLINA,
        Site.Kind.SCHOOL,
        County.IF,
        "Glina",
        "Str. Libertății nr. 1, Glina",
        Date(2013, 10, 1),
        BUCHAREST_ILFOV,
        CNP_COUNTY_BUCHAREST_ILFOV,
        (Place("Glina", _VILLAGE, 3), Place("Manolache", _VILLAGE)),
    ),
    SiteSpec(
        CATELU,
        Site.Kind.SCHOOL,
        County.IF,
        "Cățelu",
        "Str. Școlii nr. 2, Cățelu, comuna Glina",
        Date(2013, 10, 1),
        BUCHAREST_ILFOV,
        CNP_COUNTY_BUCHAREST_ILFOV,
        (Place("Cățelu", _VILLAGE),),
    ),
    SiteSpec(
        DAY_CENTER,
        Site.Kind.DAY_CENTER,
        County.BN,
        "Bistrița",
        "Str. Valea Jelnei nr. 10, Bistrița",
        Date(2008, 9, 15),
        BISTRITA_NASAUD,
        CNP_COUNTY_BISTRITA_CLUJ,
        (
            Place("Bistrița", names.STREETS_BISTRITA, 4),
            Place("Unirea", _VILLAGE),
            Place("Ghinda", _VILLAGE),
        ),
        meeting_days=MON_FRI,
        baccalaureate_from=2013,
    ),
    SiteSpec(
        RETEAG,
        Site.Kind.SCHOOL,
        County.BN,
        "Reteag",
        "Str. Principală nr. 150, Reteag, comuna Petru Rareș",
        Date(2010, 9, 13),
        BISTRITA_NASAUD,
        CNP_COUNTY_BISTRITA_CLUJ,
        (Place("Reteag", _VILLAGE, 3), Place("Petru Rareș", _VILLAGE)),
    ),
    SiteSpec(
        SLATINITA,
        Site.Kind.SCHOOL,
        County.BN,
        "Slătinița",
        "Str. Principală nr. 60, Slătinița, municipiul Bistrița",
        Date(2012, 9, 10),
        BISTRITA_NASAUD,
        CNP_COUNTY_BISTRITA_CLUJ,
        (Place("Slătinița", _VILLAGE, 3), Place("Sărata", _VILLAGE)),
    ),
    SiteSpec(
        MINTIU,
        Site.Kind.SCHOOL,
        County.CJ,
        "Mintiu Gherlii",
        "Str. Principală nr. 95, Mintiu Gherlii",
        Date(2019, 9, 16),
        CLUJ,
        CNP_COUNTY_BISTRITA_CLUJ,
        (
            Place("Mintiu Gherlii", _VILLAGE, 3),
            Place("Nima", _VILLAGE),
            Place("Pădurenii", _VILLAGE),
            Place("Petrești", _VILLAGE),
        ),
    ),
)
SITES_BY_NAME = {spec.name: spec for spec in SITES}
PILOT_SITES: tuple[tuple[str, int], ...] = ((SCHOOL_31, 6), (FERDINAND, 4))


def sites_of(region: str) -> tuple[SiteSpec, ...]:
    return tuple(spec for spec in SITES if spec.region == region)


# Programs, funders, projects ----------------------------------------------------------


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    region: str
    started_on: Date
    description: str


PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        "Educație și Integrare Socială — București și Ilfov",
        BUCHAREST_ILFOV,
        PILOT_START,
        "Activități educative după școală, sprijin la teme, consiliere și sprijin material "
        "pentru copiii din familii defavorizate din Sectorul 2 și din comuna Glina.",
    ),
    ProgramSpec(
        "Educație și Integrare Socială — Bistrița-Năsăud",
        BISTRITA_NASAUD,
        Date(2008, 9, 15),
        "Centrul de zi „Micii Inocenți” din Bistrița și activități în școlile din Reteag "
        "și Slătinița: sprijin școlar, masă caldă, consiliere pentru copii și părinți.",
    ),
    ProgramSpec(
        "Educație și Integrare Socială — Cluj",
        CLUJ,
        Date(2019, 9, 16),
        "Activități educative după școală și consiliere la Școala Gimnazială Mintiu Gherlii.",
    ),
)
PROGRAM_BY_REGION = {spec.region: spec for spec in PROGRAMS}

UNITED_WAY = "United Way Romania"
EEA_GRANTS = "Granturile SEE 2009-2014 — Fondul ONG în România"
BISTRITA_CITY_HALL = "Primăria Municipiului Bistrița"
UNITED_WAY_SINCE = Date(2013, 10, 1)
CITY_HALL_GRANTS_FROM = 2016  # after the EEA project ended


@dataclass(frozen=True)
class ProjectSpec:
    funder: str
    name: str
    starts_on: Date
    ends_on: Date
    sites: tuple[str, ...]
    region: str
    partners: str = ""
    description: str = ""


FUNDERS: tuple[tuple[str, str, Date | None, str], ...] = (
    (
        UNITED_WAY,
        Funder.Kind.FOUNDATION,
        UNITED_WAY_SINCE,
        "Partener în București și Ilfov; granturi anuale pe an școlar.",
    ),
    (
        EEA_GRANTS,
        Funder.Kind.GRANT_SCHEME,
        Date(2014, 4, 1),
        "Mecanismul Financiar al Spațiului Economic European 2009-2014.",
    ),
    (
        BISTRITA_CITY_HALL,
        Funder.Kind.PUBLIC,
        Date(2014, 4, 1),
        "Partener în proiectul „Vreau și eu la școală!”, apoi finanțator al centrului de zi.",
    ),
)


def project_specs(current_year: int) -> tuple[ProjectSpec, ...]:
    """The EEA project, then yearly grants: a project needs an end date, so an
    open-ended partnership is one project per school year."""
    bucharest = tuple(spec.name for spec in sites_of(BUCHAREST_ILFOV))
    bistrita = tuple(spec.name for spec in sites_of(BISTRITA_NASAUD))
    projects = [
        ProjectSpec(
            EEA_GRANTS,
            "Vreau și eu la școală!",
            Date(2014, 4, 1),
            Date(2016, 4, 30),
            bistrita,
            BISTRITA_NASAUD,
            partners="Primăria Municipiului Bistrița; Fundația Terre des Hommes",
            description="Prevenirea abandonului școlar la copiii romi din Bistrița-Năsăud.",
        )
    ]
    for year in range(school_year_of(UNITED_WAY_SINCE), current_year + 1):
        projects.append(
            ProjectSpec(
                UNITED_WAY,
                f"Grant United Way {year}-{year + 1}",
                max(Date(year, 9, 1), UNITED_WAY_SINCE),
                Date(year + 1, 8, 31),
                bucharest,
                BUCHAREST_ILFOV,
            )
        )
    for year in range(CITY_HALL_GRANTS_FROM, current_year + 1):
        projects.append(
            ProjectSpec(
                BISTRITA_CITY_HALL,
                f"Finanțare Centrul de zi „Micii Inocenți” {year}-{year + 1}",
                Date(year, 9, 1),
                Date(year + 1, 8, 31),
                (DAY_CENTER,),
                BISTRITA_NASAUD,
            )
        )
    return tuple(projects)


# Calendar ----------------------------------------------------------------------------


def school_year_of(day: Date) -> int:
    """The start year of the school year (1 September - 31 August) holding ``day``."""
    return SchoolYear.start_year_of(day)


def first_school_day(year: int) -> Date:
    """Classes begin on the first Monday on or after 10 September (close enough)."""
    day = Date(year, 9, 10)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def last_school_day(year: int) -> Date:
    """Classes end on the Friday on or before 20 June of the next calendar year."""
    day = Date(year + 1, 6, 20)
    return day - datetime.timedelta(days=(day.weekday() - 4) % 7)


def group_name(grade: int) -> str:
    if grade <= 4:
        return GROUP_PRIMARY
    if grade <= 8:
        return GROUP_LOWER_SECONDARY
    return GROUP_BACCALAUREATE


def group_names(spec: SiteSpec, year: int) -> tuple[str, ...]:
    if spec.baccalaureate_from is not None and year >= spec.baccalaureate_from:
        return (GROUP_PRIMARY, GROUP_LOWER_SECONDARY, GROUP_BACCALAUREATE)
    return (GROUP_PRIMARY, GROUP_LOWER_SECONDARY)


# Random generators -------------------------------------------------------------------


def generator(seed: int, site: str, year: int, purpose: str) -> random.Random:
    """The generator of one purpose at one site in one school year.

    Independent generators keep a school year's draws from shifting when more or
    fewer are made elsewhere: for another site, a later year (how many years there
    are depends on today) or another purpose. ``random`` hashes a string seed with
    SHA-512, so it gives the same numbers in every process (``hash()`` would not).
    """
    return random.Random(f"{seed}:{site}:{year}:{purpose}")  # noqa: S311 - demo data, not secrets


# Step 1: the numbers -----------------------------------------------------------------


def apportion(total: int, weights: Sequence[tuple[T, float]]) -> dict[T, int]:
    """Split ``total`` in proportion to ``weights`` into integers that add up to it
    exactly (largest remainders; ties go to the earlier key)."""
    weight_sum = sum(weight for _key, weight in weights)
    shares = [(key, total * weight / weight_sum) for key, weight in weights]
    counts = {key: int(share) for key, share in shares}
    by_remainder = sorted(
        range(len(shares)), key=lambda i: (-(shares[i][1] - int(shares[i][1])), i)
    )
    for i in by_remainder[: total - sum(counts.values())]:
        counts[shares[i][0]] += 1
    return counts


def plan_intake(seed: int, scale: int) -> dict[tuple[str, int], int]:
    """Newcomers per (site, school year) up to 2019-2020.

    Per region they add up to the published figure times ``scale``. A site's first
    year takes a whole starting cohort (weight 3.5; 2.5 for the pilot schools,
    which already have the pilot children); later years replace leavers (weight
    about 1). Cluj started in 2019 and is in no figure: one starting cohort.
    """
    intake: dict[tuple[str, int], int] = {}
    for site, pilot in PILOT_SITES:
        intake[(site, PILOT_START.year - 1)] = pilot * scale
    for region, figure in REGION_FIGURES:
        weights: list[tuple[tuple[str, int], float]] = []
        for spec in sites_of(region):
            is_pilot = spec.started_on == PILOT_START
            first = spec.first_year + 1 if is_pilot else spec.first_year
            for year in range(first, LAST_COUNTED_YEAR + 1):
                if year == first:
                    weight = 2.5 if is_pilot else 3.5
                else:
                    weight = generator(seed, spec.name, year, "intake").uniform(0.8, 1.25)
                weights.append(((spec.name, year), weight))
        pilot_total = sum(
            count for (site, _year), count in intake.items() if SITES_BY_NAME[site].region == region
        )
        intake.update(apportion(figure * scale - pilot_total, weights))
    for spec in sites_of(CLUJ):
        rng = generator(seed, spec.name, spec.first_year, "intake")
        intake[(spec.name, spec.first_year)] = rng.randint(24, 28) * scale
    return intake


def plan_targets(seed: int, scale: int, current_year: int) -> dict[tuple[str, int], int]:
    """How many children each site holds in each school year after 2019-2020."""
    low, high = TARGET_RANGE
    return {
        (spec.name, year): generator(seed, spec.name, year, "target").randint(
            low * scale, high * scale
        )
        for spec in SITES
        for year in range(LAST_COUNTED_YEAR + 1, current_year + 1)
    }


# Step 2: the history in memory -------------------------------------------------------


@dataclass
class PlannedGuardian:
    given_names: str
    family_name: str
    relationship: str
    phone: str
    education_level: str
    employment: str
    works_abroad_in: str
    is_primary_contact: bool


@dataclass
class PlannedFamily:
    key: int
    site: str
    family_name: str
    name: str
    locality: str
    county: str
    address: str
    household_size: int
    risk_factors: list[str]
    benefits: list[str]
    guardians: list[PlannedGuardian]
    local_school: str  # for the day center: the school its children attend
    joined_year: int  # when the last child joined: siblings join within a few years
    birth_dates: list[Date] = field(default_factory=list)
    given_names: list[str] = field(default_factory=list)


@dataclass
class PlannedEnrollment:
    school_year: int
    group: str
    started_on: Date
    ended_on: Date | None = None
    status: str = EnrollmentStatus.ACTIVE
    exit_reason: str = ""


@dataclass(frozen=True)
class PlannedConsent:
    kind: str
    given_on: Date
    # The day the guardian takes it back, if they ever do. Drawn whatever today
    # is, so that a past year does not depend on it; only a withdrawal up to
    # today is written (``withdrawn_by``).
    withdrawn_on: Date | None = None

    def withdrawn_by(self, today: Date) -> Date | None:
        """The withdrawal, if it has happened by ``today``."""
        return self.withdrawn_on if self.withdrawn_on and self.withdrawn_on <= today else None


@dataclass
class PlannedChild:
    key: int
    site: str
    family: int
    given_names: str
    family_name: str
    sex: str
    birth_date: Date
    cnp: str | None
    grade: int
    special_educational_needs: bool
    enrollments: list[PlannedEnrollment] = field(default_factory=list)
    consents: list[PlannedConsent] = field(default_factory=list)
    school_name: str = ""
    attends_site: bool = False  # school_site is the site itself

    @property
    def is_active(self) -> bool:
        return self.enrollments[-1].ended_on is None

    @property
    def status(self) -> str:
        return ChildStatus.ACTIVE if self.is_active else ChildStatus.FORMER


@dataclass(frozen=True)
class PlannedGroup:
    site: str
    school_year: int
    name: str
    meeting_days: tuple[int, ...]


@dataclass
class DemoPlan:
    seed: int
    scale: int
    today: Date
    current_year: int
    school_years: list[int]
    groups: list[PlannedGroup]
    families: list[PlannedFamily]
    children: list[PlannedChild]


# Yearly chances of leaving, other than finishing grade VIII: dropping out is
# rarest in primary school and likeliest from grade V on.
DROPOUT_RATE = {"primary": 0.006, "lower_secondary": 0.025, "high_school": 0.04}
TRANSFER_RATE = 0.03
WITHDRAW_RATE = 0.022
REPEAT_RATE = 0.04  # repetent: stays in the same grade
MID_YEAR_EXIT = 0.45  # share of those leaving who leave during the year
MID_YEAR_JOIN = 0.2  # share of newcomers who join after the first school day
BACCALAUREATE_RATE = 0.4  # grade VIII graduates who stay on where there is such a group
CNP_RATE = 0.65
SEN_RATE = 0.05
# Consent comes from the family's primary contact on the day the child joins;
# photos only along with data processing (0.93 · 0.75: about 70 % of children).
DATA_CONSENT_RATE = 0.93
PHOTO_CONSENT_RATE = 0.75
DATA_WITHDRAWAL_RATE = 0.01
PHOTO_WITHDRAWAL_RATE = 0.04
WITHDRAWAL_AFTER_DAYS = (60, 900)
SIBLING_RATE = 0.32  # newcomers whose brother or sister is already in: ~1.45 per family
PHONE_RATE = 0.85

JOIN_GRADES: tuple[tuple[int, int], ...] = (
    (0, 10),
    (1, 14),
    (2, 14),
    (3, 13),
    (4, 12),
    (5, 12),
    (6, 11),
    (7, 8),
    (8, 4),
)
RISK_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    BUCHAREST_ILFOV: (
        (RiskFactor.POVERTY, 10),
        (RiskFactor.LOW_PARENT_EDUCATION, 6),
        (RiskFactor.POOR_HOUSING, 5),
        (RiskFactor.UNEMPLOYMENT, 4),
        (RiskFactor.SINGLE_PARENT, 3),
        (RiskFactor.PARENTS_ABROAD, 1.5),
        (RiskFactor.OTHER, 0.5),
    ),
    BISTRITA_NASAUD: (
        (RiskFactor.POVERTY, 10),
        (RiskFactor.PARENTS_ABROAD, 7),
        (RiskFactor.LOW_PARENT_EDUCATION, 5),
        (RiskFactor.POOR_HOUSING, 4),
        (RiskFactor.UNEMPLOYMENT, 3),
        (RiskFactor.SINGLE_PARENT, 3),
        (RiskFactor.OTHER, 0.5),
    ),
    CLUJ: (
        (RiskFactor.POVERTY, 10),
        (RiskFactor.PARENTS_ABROAD, 5),
        (RiskFactor.LOW_PARENT_EDUCATION, 6),
        (RiskFactor.POOR_HOUSING, 5),
        (RiskFactor.UNEMPLOYMENT, 3),
        (RiskFactor.SINGLE_PARENT, 3),
        (RiskFactor.OTHER, 0.5),
    ),
}
RISK_COUNTS: tuple[tuple[int, int], ...] = ((1, 2), (2, 4), (3, 3), (4, 1))
EDUCATION_WEIGHTS: tuple[tuple[str, int], ...] = (
    (EducationLevel.NONE, 15),
    (EducationLevel.PRIMARY, 25),
    (EducationLevel.LOWER_SECONDARY, 33),
    (EducationLevel.VOCATIONAL, 13),
    (EducationLevel.HIGH_SCHOOL, 12),
    (EducationLevel.HIGHER, 2),
)
EMPLOYMENT_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    Relationship.MOTHER: (
        (Employment.HOMEMAKER, 30),
        (Employment.DAY_LABOURER, 25),
        (Employment.UNEMPLOYED, 20),
        (Employment.EMPLOYED, 20),
        (Employment.SELF_EMPLOYED, 5),
    ),
    Relationship.FATHER: (
        (Employment.DAY_LABOURER, 35),
        (Employment.EMPLOYED, 30),
        (Employment.UNEMPLOYED, 15),
        (Employment.SELF_EMPLOYED, 15),
        (Employment.RETIRED, 5),
    ),
    Relationship.GRANDPARENT: ((Employment.RETIRED, 80), (Employment.HOMEMAKER, 20)),
}
REGION_FAMILY_NAMES = {
    BUCHAREST_ILFOV: names.FAMILY_NAMES_BUCHAREST_ILFOV,
    BISTRITA_NASAUD: names.FAMILY_NAMES_BISTRITA,
    CLUJ: names.FAMILY_NAMES_CLUJ,
}
REGION_HIGH_SCHOOLS = {
    BUCHAREST_ILFOV: names.HIGH_SCHOOLS_BUCHAREST,
    BISTRITA_NASAUD: names.HIGH_SCHOOLS_BISTRITA,
    CLUJ: names.HIGH_SCHOOLS_CLUJ,
}


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _weight in options]
    return rng.choices(values, weights=[weight for _value, weight in options])[0]


def weighted_sample(rng: random.Random, options: Sequence[tuple[T, float]], k: int) -> list[T]:
    """``k`` different values, each draw weighted among those left."""
    left = list(options)
    chosen = []
    for _ in range(min(k, len(left))):
        value = weighted(rng, left)
        chosen.append(value)
        left = [option for option in left if option[0] != value]
    return chosen


@functools.cache
def _weekdays(first: Date, last: Date) -> tuple[Date, ...]:
    every_day = (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(day for day in every_day if day.weekday() < 5)


def weekday_between(rng: random.Random, first: Date, last: Date) -> Date:
    """A random Monday-Friday from ``first`` to ``last`` (``first`` if none)."""
    days = _weekdays(first, last)
    return rng.choice(days) if days else first


def _withdrawal(rng: random.Random, given_on: Date, rate: float) -> Date | None:
    """With chance ``rate``, a weekday some months after ``given_on``: when the
    guardian withdraws the consent. Always two draws."""
    withdrawn = rng.random() < rate
    day = given_on + datetime.timedelta(days=rng.randint(*WITHDRAWAL_AFTER_DAYS))
    if not withdrawn:
        return None
    return day + datetime.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


class _HistoryBuilder:
    """Holds what the whole plan shares: the CNPs and phone numbers given out, the
    families of each site, and the counters for keys. Every draw comes from the
    generator passed in, one per site, school year and purpose (``generator``)."""

    def __init__(self, seed: int, scale: int, today: Date, taken_cnps: frozenset[str]):
        self.seed = seed
        self.scale = scale
        self.today = today
        self.cnps: set[str] = set(taken_cnps)
        self.families: list[PlannedFamily] = []
        self.recent: dict[str, list[PlannedFamily]] = {}  # per site, siblings may join them
        self.children: list[PlannedChild] = []
        self.phones = 0

    def generator(self, spec: SiteSpec, year: int, purpose: str) -> random.Random:
        return generator(self.seed, spec.name, year, purpose)

    # Newcomers ---------------------------------------------------------------------

    def take_newcomers(
        self, spec: SiteSpec, year: int, children: list[PlannedChild], count: int
    ) -> None:
        """``count`` children join the site this school year."""
        days = self.join_days(self.generator(spec, year, "joins"), spec, year, count)
        child_rng = self.generator(spec, year, "children")
        family_rng = self.generator(spec, year, "families")
        consent_rng = self.generator(spec, year, "consents")
        for day in days:
            children.append(self.new_child(child_rng, family_rng, consent_rng, spec, year, day))

    def join_days(self, rng: random.Random, spec: SiteSpec, year: int, count: int) -> list[Date]:
        """Most join on the first day (the site's start day in its first year), a
        fifth during the autumn and winter. Nobody joins after 10 March: in 2020
        the schools closed then, so every 2019-2020 newcomer counts in the figures.
        Only this school year's joins depend on today: nobody joins after it."""
        if spec.started_on == PILOT_START and year == spec.first_year:
            return [PILOT_START] * count  # the pilot: nobody else joined that year
        opening = spec.started_on if year == spec.first_year else first_school_day(year)
        window = (
            max(opening + datetime.timedelta(days=21), Date(year, 10, 1)),
            min(Date(year + 1, 3, 10), self.today),
        )
        days = []
        for _ in range(count):
            late = rng.random() < MID_YEAR_JOIN and window[0] <= window[1]
            day = weekday_between(rng, *window) if late else opening
            days.append(min(day, self.today))
        return sorted(days)

    def new_child(
        self,
        rng: random.Random,
        family_rng: random.Random,
        consent_rng: random.Random,
        spec: SiteSpec,
        year: int,
        day: Date,
    ) -> PlannedChild:
        pilot = day == PILOT_START
        grade = rng.randint(1, 6) if pilot else weighted(rng, JOIN_GRADES)
        sex = rng.choice((Sex.FEMALE, Sex.MALE))
        birth_date = self._birth_date(rng, year, grade)
        family = self._family_for(family_rng, spec, year, birth_date)
        given_names = self._given_names(rng, sex, family)
        cnp = None
        if rng.random() < CNP_RATE:
            cnp = self._cnp(sex, birth_date, spec.cnp_county, rng.randint(1, 999))
        child = PlannedChild(
            key=len(self.children),
            site=spec.name,
            family=family.key,
            given_names=given_names,
            family_name=family.family_name,
            sex=sex,
            birth_date=birth_date,
            cnp=cnp,
            grade=grade,
            special_educational_needs=rng.random() < SEN_RATE,
        )
        data_consent, photo_consent = (
            rng.random() < DATA_CONSENT_RATE,
            rng.random() < PHOTO_CONSENT_RATE,
        )
        child.consents = self._consents(consent_rng, day, data=data_consent, photos=photo_consent)
        child.enrollments.append(PlannedEnrollment(year, group_name(grade), day))
        family.birth_dates.append(birth_date)
        family.given_names.append(child.given_names)
        family.joined_year = year
        self.children.append(child)
        return child

    @staticmethod
    def _consents(
        rng: random.Random, given_on: Date, *, data: bool, photos: bool
    ) -> list[PlannedConsent]:
        """Consent to data processing and perhaps to photos, given the day the
        child joined; a few withdrawn later, photos along with data processing.
        The same draws for every child, consent or not, so that each child's
        withdrawals do not depend on the children before."""
        data_withdrawn = _withdrawal(rng, given_on, DATA_WITHDRAWAL_RATE)
        photo_withdrawn = _withdrawal(rng, given_on, PHOTO_WITHDRAWAL_RATE)
        if not data:
            return []
        consents = [PlannedConsent(ConsentKind.DATA_PROCESSING, given_on, data_withdrawn)]
        if photos:
            if data_withdrawn:
                photo_withdrawn = min(photo_withdrawn or data_withdrawn, data_withdrawn)
            consents.append(PlannedConsent(ConsentKind.PHOTOS, given_on, photo_withdrawn))
        return consents

    @staticmethod
    def _birth_date(rng: random.Random, year: int, grade: int) -> Date:
        """Aged grade + 6 on 1 September (one in eight a year older: started late)."""
        age = grade + 6 + (1 if rng.random() < 0.12 else 0)
        earliest = Date(year - age - 1, 9, 2)
        return earliest + datetime.timedelta(days=rng.randrange(365))

    @staticmethod
    def _given_names(rng: random.Random, sex: str, family: PlannedFamily) -> str:
        pool = names.GIRLS if sex == Sex.FEMALE else names.BOYS
        while True:
            given = rng.choice(pool)
            if rng.random() < 0.12:  # a second given name
                second = rng.choice(pool)
                if second != given and "-" not in given + second:
                    given = f"{given} {second}"
            if given not in family.given_names:
                return given

    def _cnp(self, sex: str, birth_date: Date, county: str, serial: int) -> str | None:
        """The CNP with the drawn serial or, if that CNP is taken (the database
        keeps CNPs unique), the next free serial after it: stepping, not drawing
        again, so a taken CNP changes this child's serial and nothing else.
        None in the unlikely case that all 999 are taken."""
        for _ in range(999):
            cnp = build_cnp(sex=sex, birth_date=birth_date, county_code=county, serial=serial)
            if cnp not in self.cnps:
                self.cnps.add(cnp)
                return cnp
            serial = serial % 999 + 1
        return None

    # Families ----------------------------------------------------------------------

    def _family_for(
        self, rng: random.Random, spec: SiteSpec, year: int, birth_date: Date
    ) -> PlannedFamily:
        """A brother or sister's family (joined in the last three years, and no
        sibling born within ten months), else a new family."""
        # Years only go forward within a site, so older families never qualify again.
        recent = [f for f in self.recent.get(spec.name, []) if f.joined_year >= year - 3]
        self.recent[spec.name] = recent
        if rng.random() < SIBLING_RATE:
            candidates = [
                family
                for family in recent
                if len(family.birth_dates) < 4
                and all(abs((birth_date - other).days) > 300 for other in family.birth_dates)
            ]
            if candidates:
                return rng.choice(candidates)
        family = self._new_family(rng, spec, year)
        recent.append(family)
        return family

    def _new_family(self, rng: random.Random, spec: SiteSpec, year: int) -> PlannedFamily:
        family_name = weighted(rng, REGION_FAMILY_NAMES[spec.region])
        place = weighted(rng, [(place, place.weight) for place in spec.places])
        risks = weighted_sample(rng, RISK_WEIGHTS[spec.region], weighted(rng, RISK_COUNTS))
        risks.sort(key=RiskFactor.values.index)
        guardians = self._guardians(rng, family_name, risks)
        adults = len(guardians) - sum(1 for g in guardians if g.works_abroad_in)
        family = PlannedFamily(
            key=len(self.families),
            site=spec.name,
            family_name=family_name,
            name=f"{family_name} {guardians[0].given_names}",
            locality=place.locality,
            county=spec.county,
            address=self._address(rng, place),
            household_size=max(adults, 1) + rng.randint(1, 5),
            risk_factors=risks,
            benefits=self._benefits(rng, risks, guardians),
            guardians=guardians,
            local_school=rng.choice(names.SCHOOLS_BISTRITA),
            joined_year=year,
        )
        self.families.append(family)
        return family

    @staticmethod
    def _address(rng: random.Random, place: Place) -> str:
        address = f"{rng.choice(place.streets)} nr. {rng.randint(1, 180)}"
        if place.blocks and rng.random() < 0.6:
            address += f", bl. {rng.randint(1, 40)}, ap. {rng.randint(1, 60)}"
        return address

    def _guardians(
        self, rng: random.Random, family_name: str, risks: list[str]
    ) -> list[PlannedGuardian]:
        """Mostly the mother is the primary contact. When parents work abroad the
        child often stays with a grandparent, who is then the contact; the parent
        abroad is recorded with the country."""
        if RiskFactor.PARENTS_ABROAD in risks:
            abroad = weighted(rng, (("father", 6), ("mother", 2), ("both", 2)))
            country = weighted(rng, names.COUNTRIES_ABROAD)
            if abroad == "father":
                return [
                    self._guardian(rng, family_name, Relationship.MOTHER, primary=True),
                    self._guardian(rng, family_name, Relationship.FATHER, abroad_in=country),
                ]
            grandparent = self._guardian(rng, family_name, Relationship.GRANDPARENT, primary=True)
            mother = abroad == "both" or rng.random() < 0.7
            parent = Relationship.MOTHER if mother else Relationship.FATHER
            return [grandparent, self._guardian(rng, family_name, parent, abroad_in=country)]
        if RiskFactor.SINGLE_PARENT in risks:
            alone = weighted(
                rng,
                (
                    (Relationship.MOTHER, 17),
                    (Relationship.FATHER, 2),
                    (Relationship.GRANDPARENT, 1),
                ),
            )
            return [self._guardian(rng, family_name, alone, primary=True)]
        mother_first = rng.random() < 0.9
        first, second = (
            (Relationship.MOTHER, Relationship.FATHER)
            if mother_first
            else (Relationship.FATHER, Relationship.MOTHER)
        )
        guardians = [self._guardian(rng, family_name, first, primary=True)]
        if rng.random() < 0.75:
            guardians.append(self._guardian(rng, family_name, second))
        return guardians

    def _guardian(
        self,
        rng: random.Random,
        family_name: str,
        relationship: str,
        *,
        primary: bool = False,
        abroad_in: str = "",
    ) -> PlannedGuardian:
        if relationship == Relationship.GRANDPARENT:
            female = rng.random() < 0.85
            given = rng.choice(names.GRANDMOTHERS if female else names.GRANDFATHERS)
        else:
            female = relationship == Relationship.MOTHER
            given = rng.choice(names.WOMEN if female else names.MEN)
        if abroad_in:
            employment = weighted(rng, ((Employment.EMPLOYED, 3), (Employment.DAY_LABOURER, 2)))
        else:
            employment = weighted(rng, EMPLOYMENT_WEIGHTS[relationship])
        return PlannedGuardian(
            given_names=given,
            family_name=family_name,
            relationship=relationship,
            phone=self._phone() if rng.random() < PHONE_RATE else "",
            education_level=weighted(rng, EDUCATION_WEIGHTS),
            employment=employment,
            works_abroad_in=abroad_in,
            is_primary_contact=primary,
        )

    def _phone(self) -> str:
        """0700 xxx xxx: a prefix no operator uses, so no real person is dialled."""
        self.phones += 1
        return f"0700 {self.phones // 1000:03d} {self.phones % 1000:03d}"

    @staticmethod
    def _benefits(
        rng: random.Random, risks: list[str], guardians: list[PlannedGuardian]
    ) -> list[str]:
        poor = RiskFactor.POVERTY in risks or RiskFactor.UNEMPLOYMENT in risks
        chances = (
            (Benefit.CHILD_ALLOWANCE, 0.9),
            (Benefit.FAMILY_SUPPORT, 0.45 if poor else 0.1),
            (Benefit.MINIMUM_INCOME, 0.35 if poor else 0.03),
            (Benefit.DISABILITY, 0.03),
            (
                Benefit.FOSTER_CARE,
                0.3 if guardians[0].relationship == Relationship.GRANDPARENT else 0.0,
            ),
            (Benefit.OTHER, 0.02),
        )
        return [benefit for benefit, chance in chances if rng.random() < chance]

    # The end of a school year ------------------------------------------------------

    def close_year(
        self, spec: SiteSpec, year: int, children: list[PlannedChild], room: int
    ) -> list[PlannedChild]:
        """Decide who leaves and who moves up; return those who continue.

        ``room`` is how many may continue so that next year's newcomers fit under
        the site's cap; above it, children doing well graduate out of the program
        (finished it: a completion, not a loss). Those moving up to grade IX get
        their high school."""
        rng = self.generator(spec, year, "exits")
        end = last_school_day(year)
        continuing: list[tuple[PlannedChild, int]] = []
        for child in children:
            next_grade = self._next_grade(rng, spec, year, child)
            if next_grade is None:
                continue  # left: the enrollment is closed
            continuing.append((child, next_grade))
        if len(continuing) > room:
            candidates = [pair for pair in continuing if pair[0].grade >= 2] or continuing
            leaving = rng.sample(candidates, min(len(continuing) - room, len(candidates)))
            for child, _grade in leaving:
                reason = rng.choice(names.REASONS_FINISHED_PROGRAM)
                self._exit(child, end, EnrollmentStatus.COMPLETED, reason)
            left = {child.key for child, _grade in leaving}
            continuing = [pair for pair in continuing if pair[0].key not in left]
        for child, grade in continuing:
            if grade == 9 and child.grade == 8:
                child.school_name = rng.choice(REGION_HIGH_SCHOOLS[spec.region])
            self._move_up(child, year + 1, grade)
        return [child for child, _grade in continuing]

    def _next_grade(
        self, rng: random.Random, spec: SiteSpec, year: int, child: PlannedChild
    ) -> int | None:
        """The grade the child continues in next year, or None after closing the
        enrollment with an exit."""
        end = last_school_day(year)
        grade = child.grade
        repeats = rng.random() < REPEAT_RATE and grade < 12
        if grade == 12:
            self._exit(child, end, EnrollmentStatus.COMPLETED, names.REASON_BACCALAUREATE)
            return None
        if grade == 8 and not repeats:
            bac_next = spec.baccalaureate_from is not None and year + 1 >= spec.baccalaureate_from
            if bac_next and rng.random() < BACCALAUREATE_RATE:
                return 9
            reason = rng.choice(names.REASONS_FINISHED_GRADE_8)
            self._exit(child, end, EnrollmentStatus.COMPLETED, reason)
            return None
        stage = "primary" if grade <= 4 else "lower_secondary" if grade <= 8 else "high_school"
        draw = rng.random()
        exit_status = None
        if draw < DROPOUT_RATE[stage]:
            exit_status = EnrollmentStatus.DROPPED_OUT
            pool = (
                names.REASONS_DROPPED_OUT_GIRL
                if child.sex == Sex.FEMALE and grade >= 6
                else names.REASONS_DROPPED_OUT_BOY
                if child.sex == Sex.MALE and grade >= 5
                else names.REASONS_DROPPED_OUT_GIRL[1:]
            )
        elif draw < DROPOUT_RATE[stage] + TRANSFER_RATE:
            exit_status, pool = EnrollmentStatus.TRANSFERRED, names.REASONS_TRANSFERRED
        elif draw < DROPOUT_RATE[stage] + TRANSFER_RATE + WITHDRAW_RATE:
            exit_status, pool = EnrollmentStatus.WITHDRAWN, names.REASONS_WITHDRAWN
        if exit_status is None:
            return grade if repeats else grade + 1
        day = end
        if rng.random() < MID_YEAR_EXIT:
            started = child.enrollments[-1].started_on
            first = max(started + datetime.timedelta(days=30), Date(year, 11, 1))
            day = weekday_between(rng, first, Date(year + 1, 5, 29))
        self._exit(child, day, exit_status, rng.choice(pool))
        return None

    @staticmethod
    def _exit(child: PlannedChild, day: Date, status: str, reason: str) -> None:
        enrollment = child.enrollments[-1]
        enrollment.ended_on = max(day, enrollment.started_on)
        enrollment.status = status
        enrollment.exit_reason = reason

    @staticmethod
    def _move_up(child: PlannedChild, year: int, grade: int) -> None:
        """Close this year's enrollment on 31 August, open next year's on 1 September:
        no gap, so the child counts as enrolled through the summer."""
        enrollment = child.enrollments[-1]
        enrollment.ended_on = Date(year, 8, 31)
        enrollment.status = EnrollmentStatus.MOVED
        child.grade = grade
        child.enrollments.append(PlannedEnrollment(year, group_name(grade), Date(year, 9, 1)))

    # Last touches ------------------------------------------------------------------

    def finish(self) -> None:
        """Schools and household sizes follow from the whole history (high school
        students got theirs on moving up)."""
        for child in self.children:
            spec = SITES_BY_NAME[child.site]
            if child.grade >= 9:
                continue
            if spec.kind == Site.Kind.DAY_CENTER:
                child.school_name = self.families[child.family].local_school
            else:
                child.attends_site = True
        for family in self.families:
            at_home = sum(1 for g in family.guardians if not g.works_abroad_in)
            family.household_size = max(family.household_size, at_home + len(family.birth_dates))


def simulate(
    builder: _HistoryBuilder,
    intake: dict[tuple[str, int], int],
    targets: dict[tuple[str, int], int],
    current_year: int,
) -> None:
    """Every site's history, school year by school year; within a year, the sites in
    ``SITES`` order. A past year's children and families are thus created before
    anything later, and keep their keys (and phone numbers) whatever today is."""
    on_roll: dict[str, list[PlannedChild]] = {spec.name: [] for spec in SITES}
    for year in range(FIRST_SCHOOL_YEAR, current_year + 1):
        for spec in SITES:
            if year < spec.first_year:
                continue
            children = on_roll[spec.name]
            if year <= LAST_COUNTED_YEAR:
                newcomers = intake.get((spec.name, year), 0)
            else:
                newcomers = max(0, targets[(spec.name, year)] - len(children))
            builder.take_newcomers(spec, year, children, newcomers)
            if year == current_year:
                continue  # the current year is not over: nobody has left yet
            if year + 1 <= LAST_COUNTED_YEAR:
                room = CAP * builder.scale - intake.get((spec.name, year + 1), 0)
            else:
                room = targets[(spec.name, year + 1)] - MIN_NEWCOMERS * builder.scale
            on_roll[spec.name] = builder.close_year(spec, year, children, max(room, 0))


def plan_groups(current_year: int, *, since: int = FIRST_SCHOOL_YEAR) -> list[PlannedGroup]:
    """Each site's groups in every school year it ran from ``since`` to the current one."""
    return [
        PlannedGroup(spec.name, year, name, spec.meeting_days)
        for spec in SITES
        for year in range(max(spec.first_year, since), current_year + 1)
        for name in group_names(spec, year)
    ]


def plan_demo(
    *,
    today: Date,
    seed: int = SEED,
    scale: int = 1,
    taken_cnps: frozenset[str] = frozenset(),
) -> DemoPlan:
    """The whole demo history, in memory. ``taken_cnps`` are CNPs already in the
    database, which the demo children must not reuse."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    current_year = school_year_of(today)
    if current_year <= LAST_COUNTED_YEAR:
        raise ValueError("the demo history runs past 2019-2020; today is too early")
    builder = _HistoryBuilder(seed, scale, today, taken_cnps)
    simulate(
        builder, plan_intake(seed, scale), plan_targets(seed, scale, current_year), current_year
    )
    builder.finish()
    return DemoPlan(
        seed=seed,
        scale=scale,
        today=today,
        current_year=current_year,
        school_years=list(range(FIRST_SCHOOL_YEAR, current_year + 1)),
        groups=plan_groups(current_year),
        families=builder.families,
        children=builder.children,
    )


# Step 3: the database ----------------------------------------------------------------


def ensure_sites() -> tuple[dict[str, Site], int]:
    """The eight sites, created or brought up to date; returns them and how many
    were created. A site under a former demo name is renamed in place, so the
    accounts and anything else attached to it follow."""
    for old, new in FORMER_SITE_NAMES:
        if not Site.objects.filter(name=new).exists():
            Site.objects.filter(name=old).update(name=new)
    sites: dict[str, Site] = {}
    created = 0
    for spec in SITES:
        wanted = {
            "kind": spec.kind,
            "county": spec.county,
            "locality": spec.locality,
            "address": spec.address,
            "program_started_on": spec.started_on,
            "is_active": True,
        }
        site = Site.objects.filter(name=spec.name).first()
        if site is None:
            site = Site.objects.create(name=spec.name, **wanted)
            created += 1
        elif any(getattr(site, attr) != value for attr, value in wanted.items()):
            for attr, value in wanted.items():
                setattr(site, attr, value)
            site.save()
        sites[spec.name] = site
    return sites, created


def ensure_school_years(current_year: int) -> tuple[dict[int, SchoolYear], int]:
    """School years from 2008-2009 to the current one, which is marked current."""
    existing = {sy.starts_on.year: sy for sy in SchoolYear.objects.all()}
    missing = [
        SchoolYear.for_start_year(year)
        for year in range(FIRST_SCHOOL_YEAR, current_year + 1)
        if year not in existing
    ]
    for school_year in SchoolYear.objects.bulk_create(missing):
        existing[school_year.starts_on.year] = school_year
    current = existing[current_year]
    if not current.is_current:
        SchoolYear.objects.filter(is_current=True).update(is_current=False)
        current.is_current = True
        current.save(update_fields=["is_current", "updated_at"])
    return existing, len(missing)


def ensure_catalogue(sites: dict[str, Site], current_year: int) -> tuple[dict[str, Program], int]:
    """Programs, funders and funded projects, each created only if missing.
    Returns the programs by region and how many rows were created."""
    created = 0
    programs: dict[str, Program] = {}
    for spec in PROGRAMS:
        program, new = Program.objects.get_or_create(
            name=spec.name,
            defaults={"started_on": spec.started_on, "description": spec.description},
        )
        if new:
            program.sites.set([sites[site.name] for site in sites_of(spec.region)])
            created += 1
        programs[spec.region] = program
    funders: dict[str, Funder] = {}
    for name, kind, since, notes in FUNDERS:
        funder, new = Funder.objects.get_or_create(
            name=name, defaults={"kind": kind, "partner_since": since, "notes": notes}
        )
        funders[name] = funder
        created += new
    for spec in project_specs(current_year):
        project, new = FundedProject.objects.get_or_create(
            funder=funders[spec.funder],
            name=spec.name,
            defaults={
                "starts_on": spec.starts_on,
                "ends_on": spec.ends_on,
                "partners": spec.partners,
                "description": spec.description,
            },
        )
        if new:
            project.sites.set([sites[name] for name in spec.sites])
            project.programs.set([programs[spec.region]])
            created += 1
    return programs, created


def demo_history_exists(programs: dict[str, Program]) -> bool:
    """Any enrollment in a demo program means the history was written already."""
    return Enrollment.objects.filter(program__in=programs.values()).exists()


GroupKey = tuple[int, int, str]  # site pk, start year of the school year, group name


def ensure_groups(
    planned: Sequence[PlannedGroup],
    *,
    sites: dict[str, Site],
    school_years: dict[int, SchoolYear],
) -> tuple[dict[GroupKey, Group], int]:
    """The planned groups, each created unless the site has it already that year.
    Returns every group of the sites by (site pk, start year, name) and how many
    were created."""
    groups = {
        (g.site_id, g.school_year.starts_on.year, g.name): g
        for g in Group.objects.filter(site__in=sites.values()).select_related("school_year")
    }
    new_groups = [
        Group(
            site=sites[pg.site],
            school_year=school_years[pg.school_year],
            name=pg.name,
            meeting_days=list(pg.meeting_days),
        )
        for pg in planned
        if (sites[pg.site].pk, pg.school_year, pg.name) not in groups
    ]
    for group in Group.objects.bulk_create(new_groups):
        groups[(group.site_id, group.school_year.starts_on.year, group.name)] = group
    return groups, len(new_groups)


def ensure_current_groups(
    sites: dict[str, Site], school_years: dict[int, SchoolYear], current_year: int
) -> int:
    """This school year's groups at every active demo site, created if missing;
    returns how many were created. Once the history is written, a run in a new
    school year adds no children, but the new year still needs its groups."""
    planned = [
        pg for pg in plan_groups(current_year, since=current_year) if sites[pg.site].is_active
    ]
    _groups, created = ensure_groups(planned, sites=sites, school_years=school_years)
    return created


@dataclass(frozen=True)
class Written:
    groups: int
    families: int
    guardians: int
    children: int
    enrollments: int
    consents: int


@transaction.atomic
def write_plan(
    plan: DemoPlan,
    *,
    sites: dict[str, Site],
    school_years: dict[int, SchoolYear],
    programs: dict[str, Program],
    created_by: User | None,
) -> Written:
    """Insert the plan with ``bulk_create``; PostgreSQL returns the new keys, so
    each step can point at the rows of the step before. Groups that exist already
    (same site, year and name) are reused."""
    groups, new_groups = ensure_groups(plan.groups, sites=sites, school_years=school_years)

    families = Family.objects.bulk_create(
        [
            Family(
                site=sites[pf.site],
                name=pf.name,
                address=pf.address,
                locality=pf.locality,
                county=pf.county,
                household_size=pf.household_size,
                risk_factors=pf.risk_factors,
                benefits=pf.benefits,
                created_by=created_by,
            )
            for pf in plan.families
        ],
        batch_size=2000,
    )
    guardians = Guardian.objects.bulk_create(
        [
            Guardian(family=family, created_by=created_by, **vars(pg))
            for pf, family in zip(plan.families, families, strict=True)
            for pg in pf.guardians
        ],
        batch_size=2000,
    )
    primary = {g.family_id: g for g in guardians if g.is_primary_contact}

    children = Child.objects.bulk_create(
        [_child(pc, families[pc.family], sites, created_by) for pc in plan.children],
        batch_size=2000,
    )
    enrollments = [
        Enrollment(
            child=child,
            program=programs[SITES_BY_NAME[pc.site].region],
            site=sites[pc.site],
            group=groups[(sites[pc.site].pk, pe.school_year, pe.group)],
            started_on=pe.started_on,
            ended_on=pe.ended_on,
            status=pe.status,
            exit_reason=pe.exit_reason,
            created_by=created_by,
        )
        for pc, child in zip(plan.children, children, strict=True)
        for pe in pc.enrollments
    ]
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    consents = [
        Consent(
            child=child,
            kind=planned.kind,
            given_by=primary[child.family_id],
            given_on=planned.given_on,
            withdrawn_on=planned.withdrawn_by(plan.today),
            withdrawn_by=created_by if planned.withdrawn_by(plan.today) else None,
            created_by=created_by,
        )
        for pc, child in zip(plan.children, children, strict=True)
        for planned in pc.consents
    ]
    Consent.objects.bulk_create(consents, batch_size=5000)
    return Written(
        groups=new_groups,
        families=len(families),
        guardians=len(guardians),
        children=len(children),
        enrollments=len(enrollments),
        consents=len(consents),
    )


def _child(
    pc: PlannedChild,
    family: Family,
    sites: dict[str, Site],
    created_by: User | None,
) -> Child:
    return Child(
        site=sites[pc.site],
        given_names=pc.given_names,
        family_name=pc.family_name,
        birth_date=pc.birth_date,
        sex=pc.sex,
        cnp=pc.cnp,
        family=family,
        school_site=sites[pc.site] if pc.attends_site else None,
        school_name=pc.school_name,
        grade=pc.grade,
        special_educational_needs=pc.special_educational_needs,
        status=pc.status,
        created_by=created_by,
    )


# Figures, for the command's summary and the tests ------------------------------------


def children_reached(region: str, until: Date = FIGURES_UNTIL) -> int:
    """Distinct children with an enrollment begun by ``until`` at the region's sites."""
    return (
        Enrollment.objects.filter(
            site__name__in=[spec.name for spec in sites_of(region)], started_on__lte=until
        )
        .values("child")
        .distinct()
        .count()
    )


def active_per_site() -> list[tuple[str, int]]:
    """Children with an open enrollment, per demo site, in ``SITES`` order."""
    counts = dict(
        Site.objects.filter(name__in=SITES_BY_NAME)
        .annotate(
            active=Count(
                "enrollments__child",
                filter=Q(enrollments__ended_on__isnull=True),
                distinct=True,
            )
        )
        .values_list("name", "active")
    )
    return [(spec.name, counts.get(spec.name, 0)) for spec in SITES]
