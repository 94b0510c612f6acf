"""The demo's casework for the current school year (``manage.py seed_demo``, after
the attendance): what the team recorded about the children enrolled this year,
from 1 September up to yesterday, so that a child's page reads like a real file.

- **Counseling** by the psychologist, only at the sites where one works
  (``Staff.psychologist_sites``), on their days there: an evaluation at the start
  of the year for about 15 % of the children, individual sessions for some of
  them (and a few referred later), parent counseling with the guardians, and
  group sessions of 4–6 children. About half the sessions have confidential
  notes (``ConfidentialNote``), all of them by the psychologist.
- **Case notes** by the site's social worker (the coordinator where there is
  none), a few a week, mostly on the children the team is concerned about: home
  visits, phone calls, meetings with the form teacher, some about the family.
  About half lead to a **follow-up task**, done (with an outcome) or still open:
  those of the last weeks, and a few the worker is late with.
- **School results**: each module of this year that has ended (modules from
  2025-2026 on, semesters before), and last school year's periods, with the
  whole year's result, for the children who were in the program then; grades
  0–IV get qualifiers. Baccalaureate mocks for the pupils of the Baccalaureate
  groups: the grade XI mock of last year for those now in grade XII, and this
  year's once its results are out (April).
- **Mentoring**: the volunteer mentors 4–6 children of their site from the
  second or third week of classes, once a week.
- **Community activities**: two or three per site and term, each with 10–25 of
  its children (and sometimes the volunteer): the term's trip (the day the
  registers show it, ``demo_attendance.trip_days``), an activity with a partner
  school, the autumn carnival, 1 December, Christmas, a workshop, Children's Day.
- **Parent meetings**: one a month per site, a support group or a periodic
  meeting with 4–12 guardians.
- **Support given**: school supplies at the start of the year to about 40 % of
  the families, winter clothing, food and hygiene packages before the winter and
  spring holidays (with the funded project that covers the site on that day, if
  any), and some administrative, legal and employment help.

Like ``inocenti.demo_attendance``, every draw comes from a generator of its own
site, school year and purpose (``demo.generator``) keyed by names (a child's
family name, given names and birth date, a family's name and address) and dates,
never by database ids nor today; each stream is drawn to the end of the school
year whatever today is, and only then cut at yesterday. So the past comes out the
same whatever day the demo is made. The children chosen for something on a day
(a group session, a trip) are drawn among those enrolled that day, sorted by
name. Only which follow-up tasks are done yet depends on today.

``load_roll`` reads the children and families of the year (a few queries),
``plan_casework`` works in memory, ``write_casework`` inserts what the database
does not hold yet (each record is recognised by its site or child, date, kind...),
so a second run creates nothing, and a later one adds the days since.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

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
    Qualifier,
    ResultOutcome,
    ResultPeriod,
    SchoolResult,
)
from families.models import (
    Family,
    Guardian,
    ParentMeeting,
    ParentMeetingKind,
    Relationship,
    SupportArea,
    SupportGiven,
    SupportKind,
)
from inocenti import demo, demo_attendance
from inocenti import demo_names as names
from inocenti.demo_attendance import SchoolCalendar, school_calendar
from programs.models import Enrollment, FundedProject, SchoolYear, Site, User

Date = datetime.date
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)

# School results are given per module from 2025-2026 on, per semester before.
MODULES_FROM = 2025
MODULES = (
    ResultPeriod.MODULE_1,
    ResultPeriod.MODULE_2,
    ResultPeriod.MODULE_3,
    ResultPeriod.MODULE_4,
    ResultPeriod.MODULE_5,
)
# The national Baccalaureate mock is held in March; its results count from April.
MOCK_RESULTS_OUT = (4, 1)  # month, day of the second calendar year of the school year

# Case notes each week at a site, on children and on families (for every 35
# children enrolled): more where the site has its own social worker than where the
# coordinator covers it. Children the team is concerned about are CONCERN_WEIGHT
# times likelier to be the subject. About half the notes lead to a follow-up task;
# a quarter of those are done late.
CHILDREN_PER_SITE = 35
NOTES_PER_WEEK: dict[bool, tuple[tuple[int, ...], tuple[int, ...]]] = {
    True: ((3, 4, 4, 5), (0, 1, 1)),
    False: ((1, 2, 2, 3), (0, 0, 1)),
}
CONCERN_WEIGHT = 6
FOLLOW_UP_SHARE = 0.5
LATE_SHARE = 0.25

# The psychologist's days at each of their sites, in ``demo.SITES`` order (Python
# weekdays: Monday is 0).
PSYCHOLOGIST_DAYS: tuple[tuple[int, ...], ...] = ((0, 2), (1, 3), (4,))


# What the planner reads ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A guardian."""

    pk: int
    given_names: str
    relationship: str
    abroad: bool
    primary: bool

    @property
    def role(self) -> str:
        """How a note names them: "mama", "tatăl", "bunica"..."""
        female = self.given_names.split(" ")[0] in _FEMALE_NAMES
        if self.relationship == Relationship.MOTHER:
            return "mama"
        if self.relationship == Relationship.FATHER:
            return "tatăl"
        if self.relationship == Relationship.GRANDPARENT:
            return "bunica" if female else "bunicul"
        if self.relationship == Relationship.SIBLING:
            return "sora mai mare" if female else "fratele mai mare"
        return "tutorele"


_FEMALE_NAMES = frozenset((*names.GRANDMOTHERS, *names.WOMEN, *names.GIRLS))


@dataclass(frozen=True)
class Pupil:
    """A child enrolled at a demo site this school year."""

    pk: int
    key: str  # the same in every database: names and birth date
    site: str
    group: str  # the group of their latest enrollment this year
    grade: int | None
    given_names: str
    family: int | None
    started_on: Date
    ended_on: Date | None
    last_year: bool  # also enrolled at a demo site last school year

    def on(self, day: Date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    @property
    def first_name(self) -> str:
        return self.given_names.split(" ")[0]


@dataclass(frozen=True)
class Household:
    """The family of one or more pupils."""

    pk: int
    key: str  # the same in every database: name and address
    site: str
    guardians: tuple[Person, ...]  # the primary contact first
    children: tuple[Pupil, ...]

    @property
    def reachable(self) -> tuple[Person, ...]:
        """The guardians at home (not working abroad)."""
        return tuple(g for g in self.guardians if not g.abroad)

    def on(self, day: Date) -> bool:
        return any(child.on(day) for child in self.children)


@dataclass(frozen=True)
class Roll:
    """The school year's children at the demo sites, and their families."""

    year: int
    pupils: tuple[Pupil, ...]  # by site (``demo.SITES`` order), then key
    households: tuple[Household, ...]  # likewise

    def at(self, site: str) -> list[Pupil]:
        return [pupil for pupil in self.pupils if pupil.site == site]

    def households_at(self, site: str) -> list[Household]:
        return [household for household in self.households if household.site == site]

    def household(self, pupil: Pupil) -> Household | None:
        return self._households.get(pupil.family) if pupil.family else None

    @functools.cached_property
    def _households(self) -> dict[int, Household]:
        return {household.pk: household for household in self.households}


@dataclass(frozen=True)
class Staff:
    """Who does the casework, by username: the social worker at their sites and the
    coordinator elsewhere, the psychologist and the volunteer at theirs."""

    coordinator: str | None = None
    social_worker: str | None = None
    social_worker_sites: tuple[str, ...] = ()
    psychologist: str | None = None
    psychologist_sites: tuple[str, ...] = ()
    volunteer: str | None = None
    volunteer_sites: tuple[str, ...] = ()

    def worker(self, site: str) -> str | None:
        if self.social_worker and site in self.social_worker_sites:
            return self.social_worker
        return self.coordinator

    def has_own_worker(self, site: str) -> bool:
        return bool(self.social_worker and site in self.social_worker_sites)


def family_key(name: str, locality: str, address: str) -> str:
    return f"{name}, {locality}, {address}"


def load_roll(sites: Mapping[str, Site], school_year: SchoolYear) -> Roll:
    """The children enrolled this school year at the demo sites, with their
    families and guardians. Five queries."""
    year = school_year.starts_on.year
    spells: dict[int, list[tuple[Date, Date | None, str, str, str]]] = {}
    for roll in demo_attendance.load_groups(sites, school_year):
        for member in roll.members:
            spells.setdefault(member.child, []).append(
                (member.started_on, member.ended_on, roll.site, roll.name, member.key)
            )
    spans: dict[int, tuple[str, str, str, Date, Date | None]] = {}
    for child, rows in spells.items():
        rows.sort(key=lambda row: row[0])
        _started, _ended, site, group, key = rows[-1]  # the latest enrollment's site and group
        ends = [ended for _started, ended, *_rest in rows]
        ended = None if None in ends else max(ends)
        spans[child] = (site, group, key, rows[0][0], ended)
    details = {
        pk: (grade, given, family)
        for pk, grade, given, family in Child.objects.filter(pk__in=spans).values_list(
            "pk", "grade", "given_names", "family_id"
        )
    }
    last_year = set(
        Enrollment.objects.filter(
            child__in=spans,
            site__in=sites.values(),
            group__school_year__starts_on=Date(year - 1, 9, 1),
        ).values_list("child_id", flat=True)
    )
    order = {spec.name: index for index, spec in enumerate(demo.SITES)}
    pupils = sorted(
        (
            Pupil(
                pk=pk,
                key=key,
                site=site,
                group=group,
                grade=details[pk][0],
                given_names=details[pk][1],
                family=details[pk][2],
                started_on=started,
                ended_on=ended,
                last_year=pk in last_year,
            )
            for pk, (site, group, key, started, ended) in spans.items()
        ),
        key=lambda pupil: (order[pupil.site], pupil.key),
    )
    family_ids = {pupil.family for pupil in pupils if pupil.family}
    guardians: dict[int, list[Person]] = {pk: [] for pk in family_ids}
    for pk, family, given, relationship, abroad, primary in (
        Guardian.objects.filter(family__in=family_ids)
        .order_by("-is_primary_contact", "given_names", "pk")
        .values_list(
            "pk",
            "family_id",
            "given_names",
            "relationship",
            "works_abroad_in",
            "is_primary_contact",
        )
    ):
        guardians[family].append(Person(pk, given, relationship, bool(abroad), primary))
    households = []
    for pk, site, name, locality, address in Family.objects.filter(pk__in=family_ids).values_list(
        "pk", "site__name", "name", "locality", "address"
    ):
        children = tuple(pupil for pupil in pupils if pupil.family == pk)
        if site not in order:
            site = children[0].site
        households.append(
            Household(pk, family_key(name, locality, address), site, tuple(guardians[pk]), children)
        )
    households.sort(key=lambda household: (order[household.site], household.key))
    return Roll(year, tuple(pupils), tuple(households))


# The plan ------------------------------------------------------------------------------


@dataclass
class PlannedCounseling:
    site: str
    date: Date
    kind: str
    duration_minutes: int
    children: tuple[int, ...]
    guardians: tuple[int, ...]
    summary: str
    follow_up_on: Date | None
    confidential: str  # "" for none


@dataclass
class PlannedCaseNote:
    site: str
    child: int | None
    family: int | None
    date: Date
    kind: str
    text: str
    author: str


@dataclass
class PlannedFollowUp:
    site: str
    child: int | None
    family: int | None
    task: str
    assignee: str
    author: str
    created_on: Date
    due_on: Date
    done_on: Date | None
    outcome: str


@dataclass
class PlannedResult:
    child: int
    site: str
    school_year: int
    period: str
    grade: int
    general_average: Decimal | None
    qualifier: str
    failed_subjects: tuple[str, ...]
    outcome: str
    entered_on: Date


@dataclass
class PlannedMentoring:
    child: int
    date: Date
    duration_minutes: int
    kind: str
    topic: str


@dataclass
class PlannedAssignment:
    child: int
    site: str
    started_on: Date
    sessions: list[PlannedMentoring] = field(default_factory=list)


@dataclass
class PlannedActivity:
    site: str
    date: Date
    kind: str
    title: str
    description: str
    children: tuple[int, ...]
    with_volunteer: bool


@dataclass
class PlannedMeeting:
    site: str
    date: Date
    kind: str
    topic: str
    facilitator: str
    attendees: tuple[int, ...]
    support: list[str]
    notes: str


@dataclass
class PlannedSupport:
    site: str
    family: int
    child: int | None
    date: Date
    kind: str
    items: str
    quantity: int
    value_ron: Decimal | None
    funded: bool  # counted towards the project covering the site that day, if any


@dataclass
class CaseworkPlan:
    today: Date
    year: int
    staff: Staff
    counseling: list[PlannedCounseling]
    case_notes: list[PlannedCaseNote]
    follow_ups: list[PlannedFollowUp]
    results: list[PlannedResult]
    assignments: list[PlannedAssignment]
    activities: list[PlannedActivity]
    meetings: list[PlannedMeeting]
    support: list[PlannedSupport]

    @property
    def mentoring(self) -> list[PlannedMentoring]:
        return [session for assignment in self.assignments for session in assignment.sessions]


# Texts (fictitious) --------------------------------------------------------------------
# Placeholders: {name} the child's first name, {rel}/{Rel} the guardian ("mama",
# "bunica"...), {teacher} the form teacher ("învățătoarea", "diriginta"...).

EVALUATION_SUMMARIES = (
    "Evaluare psihologică inițială: se adaptează bine în grup; atenția scade după 20–30 de "
    "minute. Recomandări: sarcini scurte, pauze dese.",
    "Evaluare inițială: vocabular sărac pentru vârstă, dar înțelege bine instrucțiunile. "
    "Recomandăm lectură ghidată cu voluntarii.",
    "Evaluare inițială: vorbește puțin în grup și evită privirea. Propunem ședințe "
    "individuale o dată la două săptămâni.",
    "Evaluare inițială: reacții impulsive la frustrare, conflicte dese cu colegii. Ședințe "
    "individuale pentru gestionarea furiei.",
    "Evaluare inițială: motivație bună pentru școală, stimă de sine scăzută. Încurajări și "
    "mici responsabilități în grup.",
    "Evaluare inițială: citește silabisit. Recomandăm evaluare logopedică și sprijin la citire.",
    "Evaluare inițială: fără dificultăți emoționale semnificative; reevaluare la final de modul.",
)
EVALUATION_NOTES = (
    "Relatează certuri frecvente acasă; tatăl lipsește zile întregi. Anxietate de separare. "
    "De urmărit la ședințele următoare.",
    "Scor ridicat la scala de anxietate. Somn agitat, coșmaruri de când mama a plecat la "
    "muncă în străinătate. Nu discut încă cu familia.",
    "Semne de oboseală; spune că seara are grijă de frații mai mici. De verificat discret "
    "cu asistentul social.",
    "Povestește că niște copii mai mari îi iau lucrurile pe drumul spre școală și că îi e "
    "frică să spună acasă. Reevaluare în trei săptămâni.",
    "Atașament puternic față de bunică; vorbește rar despre părinți. Stimă de sine scăzută.",
)
INDIVIDUAL_SUMMARIES = (
    "Ședință individuală: recunoașterea emoțiilor cu cartonașe; s-a implicat în activitate.",
    "Ședință individuală: tehnici de respirație pentru momentele de furie, exersate împreună.",
    "Ședință individuală: un orar al temelor pe zile, desenat împreună.",
    "Ședință individuală: joc de rol despre cum cere ajutorul la ore. Progres față de "
    "ședința trecută.",
    "Ședință individuală: povești terapeutice despre schimbare și despărțire.",
    "Ședință individuală: a vorbit mai deschis despre școală; obiective mici pentru "
    "săptămâna viitoare.",
    "Ședință individuală: relația cu colegii și ce poate face când nu e primit în joc.",
)
INDIVIDUAL_NOTES = (
    "Își asumă vina pentru certurile părinților. Lucrăm pe diferența dintre ce depinde de "
    "copil și ce nu.",
    "A povestit o ceartă aprinsă între adulți în weekend. De discutat cu asistentul social "
    "dacă se repetă.",
    "Progres: doarme mai bine, coșmarurile s-au rărit. Evită încă subiectul despre tată.",
    "Refuză să vorbească despre acasă; desene cu teme întunecate. Continui observația.",
    "Anxietate înaintea lucrărilor: dureri de burtă dimineața. Exerciții de relaxare, de urmărit.",
    "Dor de părinții plecați în străinătate; tristețe după convorbirile video. Propun un "
    "jurnal al săptămânii pentru convorbiri.",
)
PARENT_SUMMARIES = (
    "Consiliere cu {rel}: rutina de seară și timpul petrecut pe telefon.",
    "Consiliere cu {rel}: rezultatele evaluării și recomandările pentru acasă.",
    "Consiliere cu {rel}: cum sprijinim copilul la teme fără a face tema în locul lui.",
    "Consiliere cu {rel}: comunicarea cu școala și ședințele cu părinții.",
    "Consiliere cu {rel}: crizele de furie, consecințe în loc de pedepse.",
)
PARENT_NOTES = (
    "{Rel} descrie epuizare și lipsă de sprijin; am recomandat grupul de suport pentru părinți.",
    "Tensiuni în familie, părinții se gândesc la separare; copilul asistă la certuri.",
    "{Rel} recunoaște pedepse fizice ocazionale; am discutat alternative. De urmărit.",
    "Datorii la întreținere, stres mare acasă. De semnalat asistentului social pentru sprijin.",
)
GROUP_SUMMARIES: dict[str, tuple[str, ...]] = {
    "primary": (
        "Grup: recunoașterea emoțiilor, joc cu măști.",
        "Grup: prietenia și cooperarea, joc de echipă cu reguli.",
        "Grup: cum ne calmăm — respirația balonului și numărătoarea.",
        "Grup: regulile grupului, desenate și semnate de copii.",
    ),
    "secondary": (
        "Grup: prevenirea bullyingului, studii de caz și joc de rol.",
        "Grup: stima de sine — scutul calităților mele.",
        "Grup: comunicare asertivă între colegi.",
        "Grup: siguranța online și rețelele sociale.",
        "Grup: gestionarea stresului înaintea lucrărilor și examenelor.",
        "Grup: orientare vocațională — interese, meserii, licee.",
    ),
}
GROUP_NOTES = (
    "Doi participanți au tachinat un coleg; am intervenit la timp. De lucrat pe regulile grupului.",
    "Un participant a plâns la tema despre familie; am discutat separat după ședință.",
    "Coeziune bună; un copil foarte retras vorbește doar când e întrebat.",
)

CHILD_NOTES: dict[str, tuple[str, ...]] = {
    CaseNoteKind.HOME_VISIT: (
        "Vizită la domiciliu. {Rel} spune că {name} își face temele seara, dar nu are un loc "
        "liniștit pentru învățat. Am recomandat să rămână la program până la final.",
        "Vizită la domiciliu: {name} locuiește cu {rel} și doi frați într-o cameră. Am "
        "verificat dacă are haine de iarnă și rechizite.",
        "Vizită la domiciliu împreună cu psihologul. Familia este deschisă colaborării; "
        "{rel} acceptă o întâlnire pe lună.",
        "Vizită la domiciliu după absențele de la program. {Rel} promite că {name} va veni "
        "de luni; am discutat despre drumul până la școală.",
    ),
    CaseNoteKind.PHONE_CALL: (
        "Telefon de la {rel}: {name} are febră și lipsește câteva zile.",
        "Telefon către {rel} pentru absențele din ultima săptămână: {name} a fost la rude, "
        "revine luni.",
        "Telefon către {rel}: am anunțat ședința cu părinții; confirmă participarea.",
        "Telefon de la {rel}: întreabă cum se descurcă {name} la teme și dacă are nevoie de "
        "rechizite.",
        "Telefon către {rel}: programarea la medicul de familie a fost uitată; am reprogramat-o.",
    ),
    CaseNoteKind.TEACHER_MEETING: (
        "Discuție cu {teacher}: {name} a recuperat la matematică, dar lipsesc temele la "
        "limba română.",
        "Întâlnire cu {teacher}: comportament mai liniștit la ore; {name} participă mai des.",
        "Discuție cu {teacher} despre absențele nemotivate; stabilim un plan de recuperare.",
        "Întâlnire cu {teacher}: risc de corigență la matematică; voluntarii vor lucra "
        "suplimentar cu {name}.",
        "Discuție cu {teacher}: un conflict cu un coleg în pauză, rezolvat; de urmărit.",
    ),
    CaseNoteKind.OTHER: (
        "Programare la medicul de familie pentru adeverința medicală cerută de școală.",
        "Discuție la program cu {name} despre regulile grupului, după un conflict la joacă.",
        "Înscriere la activitatea sportivă de sâmbătă; {rel} este de acord.",
    ),
}
FAMILY_NOTES: dict[str, tuple[str, ...]] = {
    CaseNoteKind.HOME_VISIT: (
        "Vizită la domiciliu: plouă în una din camere; familia caută o locuință socială. Am "
        "discutat despre dosarul de la primărie.",
        "Vizită la domiciliu: {rel} a rămas fără loc de muncă. Am prezentat locurile de "
        "muncă disponibile și cursurile gratuite de calificare.",
        "Vizită la domiciliu: încălzirea se face cu lemne, iar lemnele se termină. Am "
        "discutat despre ajutorul pentru încălzire.",
    ),
    CaseNoteKind.PHONE_CALL: (
        "Telefon de la {rel}: actele de identitate au expirat; programare la evidența populației.",
        "Telefon către {rel}: dosarul pentru venitul minim de incluziune a fost depus; "
        "așteptăm răspunsul primăriei.",
    ),
    CaseNoteKind.OTHER: (
        "Întâlnire la serviciul de asistență socială al primăriei pentru dosarul de "
        "alocație de susținere a familiei.",
        "Familia a primit un pachet cu alimente de la o parohie din cartier; luna aceasta "
        "nu are nevoie de alt sprijin.",
    ),
}
# Follow-up tasks: (task, outcome once done), per kind of note.
CHILD_TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    CaseNoteKind.HOME_VISIT: (
        (
            "Haine de iarnă și rechizite pentru {name}",
            "Primite din stocul de donații; {rel} a confirmat.",
        ),
        ("Verificare înscriere la medicul de familie", "Înscriere făcută, fișa este la zi."),
        ("Nouă vizită la domiciliu peste o lună", "Vizită făcută; situația este stabilă."),
    ),
    CaseNoteKind.PHONE_CALL: (
        ("Revenire telefonică la {rel} privind frecvența", "Copilul vine din nou regulat."),
        ("Confirmare participare la ședința cu părinții", "{Rel} a confirmat și a venit."),
    ),
    CaseNoteKind.TEACHER_MEETING: (
        (
            "Plan de recuperare la matematică pentru {name}, cu voluntarii",
            "Plan stabilit: o oră în plus pe săptămână.",
        ),
        ("Discuție de urmărire cu {teacher}", "Progres confirmat de {teacher}."),
        ("Adeverință de frecvență la program pentru școală", "Adeverința a fost predată."),
    ),
    CaseNoteKind.OTHER: (("Programare la medicul de familie", "Consultație făcută."),),
}
FAMILY_TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    CaseNoteKind.HOME_VISIT: (
        ("Sprijin pentru dosarul de locuință socială", "Dosar depus la primărie."),
        (
            "Îndrumare către un curs gratuit de calificare",
            "{Rel} s-a înscris la curs.",
        ),
        ("Cerere de ajutor pentru încălzire", "Cererea a fost aprobată."),
    ),
    CaseNoteKind.PHONE_CALL: (
        (
            "Programare la evidența populației pentru cartea de identitate",
            "Actele au fost depuse; buletinul se eliberează în 30 de zile.",
        ),
        ("Verificare răspuns pentru venitul minim de incluziune", "Dosarul a fost aprobat."),
    ),
    CaseNoteKind.OTHER: (
        ("Completarea dosarului de alocație de susținere", "Dosar complet, depus."),
    ),
}
REFERRAL_TASK = (
    "Evaluare psihologică pentru {name}, la cererea școlii",
    "Evaluare făcută; rezultatele discutate cu familia.",
)

SUBJECTS = (
    "Matematică",
    "Limba și literatura română",
    "Limba engleză",
    "Istorie",
    "Geografie",
    "Biologie",
    "Fizică",
    "Chimie",
    "Limba franceză",
)
PRIMARY_SUBJECTS = ("Matematică și explorarea mediului", "Comunicare în limba română")
BACCALAUREATE_SUBJECTS = ("Limba și literatura română", "Matematică", "Istorie", "Geografie")

MENTORING_TOPICS: dict[str, tuple[str, ...]] = {
    "homework primary": (
        "Citire și înțelegerea textului",
        "Tabla înmulțirii prin jocuri",
        "Exerciții de scriere și dictare",
        "Probleme de matematică cu două operații",
        "Teme la limba română: povestire",
    ),
    "homework secondary": (
        "Teme la matematică: fracții",
        "Teme la matematică: ecuații",
        "Limba română: compunere și rezumat",
        "Pregătire pentru lucrarea la fizică",
        "Limba engleză: vocabular și exerciții",
        "Pregătire pentru Evaluarea Națională: subiecte de anii trecuți",
    ),
    MentoringKind.MENTORING: (
        "Obiectivele pentru luna aceasta",
        "Organizarea timpului și a ghiozdanului",
        "Meserii și licee: ce urmează după clasa a VIII-a",
        "Lectură împreună și discuție despre carte",
        "Cum facem față unui conflict cu un coleg",
    ),
    MentoringKind.BACCALAUREATE: (
        "Bacalaureat, limba română: eseul argumentativ",
        "Bacalaureat, limba română: comentariul unui text poetic",
        "Bacalaureat, matematică: funcții și ecuații",
        "Bacalaureat, matematică: probabilități",
        "Subiecte din anii trecuți, cronometrat",
    ),
}

PARTNERS = {
    demo.SCHOOL_31: demo.FERDINAND,
    demo.FERDINAND: demo.SCHOOL_31,
    demo.GLINA: demo.CATELU,
    demo.CATELU: demo.GLINA,
    demo.DAY_CENTER: names.SCHOOLS_BISTRITA[1],
    demo.RETEAG: demo.SLATINITA,
    demo.SLATINITA: demo.RETEAG,
    demo.MINTIU: names.HIGH_SCHOOLS_CLUJ[0],
}
PARTNER_ACTIVITIES = (
    ("Atelier de lectură", "Lectură în perechi și un semn de carte făcut de fiecare copil."),
    ("Concurs de desen", "Desene pe tema „Școala mea”, expuse apoi pe holul școlii."),
    ("Turneu de fotbal", "Echipe mixte din ambele școli; diplome pentru toți participanții."),
    ("Atelier de experimente", "Experimente simple de fizică și chimie, cu voluntari."),
)

MEETING_TOPICS: dict[str, tuple[str, ...]] = {
    ParentMeetingKind.SUPPORT_GROUP: (
        "Grup de suport: cum vorbim cu copiii despre școală",
        "Grup de suport: stresul de acasă și timpul pentru noi",
        "Grup de suport: părinți plecați la muncă — cum păstrăm legătura",
        "Grup de suport: reguli și limite fără țipete",
        "Grup de suport: ecranele și somnul copiilor",
    ),
    ParentMeetingKind.PERIODIC: (
        "Ședință cu părinții: frecvența la școală și la program",
        "Ședință cu părinții: situația școlară și temele",
        "Ședință cu părinții: vacanța și pachetele de sprijin",
        "Ședință cu părinții: sănătatea copiilor și vaccinarea",
    ),
}
MAX_ATTENDEES = 12
FIRST_MEETING = "Ședința de început de an: programul, regulile și documentele"
MEETING_NOTES = (
    "Părinții au pus multe întrebări; o parte vor o întâlnire individuală.",
    "Atmosferă bună; doi părinți s-au oferit să ajute la serbare.",
    "Discuție despre dificultățile cu actele; programări făcute pentru săptămâna viitoare.",
    "Câțiva părinți au venit cu copiii mici; am organizat joacă separată pentru ei.",
)

SUPPLIES = (
    "Ghiozdan și rechizite (caiete, instrumente de scris)",
    "Pachet de rechizite: caiete, penar, culori",
    "Rechizite și încălțăminte sport",
)
CLOTHING = ("Geacă și bocanci de iarnă", "Haine de iarnă pentru copii", "Căciulă, fular, mănuși")
WINTER_FOOD = "Pachet alimentar de sărbători (ulei, făină, zahăr, orez, conserve)"
SPRING_FOOD = "Pachet alimentar de Paște"
HYGIENE = "Produse de igienă (săpun, șampon, pastă de dinți, detergent)"
SERVICES: dict[str, tuple[float, tuple[str, ...]]] = {
    # kind: (chance per family and month, what was done)
    SupportKind.ADMINISTRATIVE: (
        0.03,
        (
            "Dosarul de alocație de susținere a familiei",
            "Însoțire la evidența populației pentru actele de identitate",
            "Cererea pentru venitul minim de incluziune",
            "Duplicat după certificatul de naștere",
        ),
    ),
    SupportKind.LEGAL: (
        0.012,
        (
            "Consiliere juridică: pensia de întreținere",
            "Consiliere juridică: contractul de închiriere",
            "Consiliere juridică: custodia copiilor",
        ),
    ),
    SupportKind.EMPLOYMENT: (
        0.015,
        (
            "CV și înscriere la agenția pentru ocuparea forței de muncă",
            "Îndrumare către un curs gratuit de calificare",
            "Însoțire la un interviu de angajare",
        ),
    ),
}


# Calendar helpers ----------------------------------------------------------------------


@functools.cache
def school_days(calendar: SchoolCalendar, county: str) -> tuple[Date, ...]:
    """The days with classes in ``county`` this school year (today plays no part)."""
    day, days = calendar.classes_start, []
    while day <= calendar.classes_end:
        if day.weekday() < 5 and not calendar.day_off(day, county):
            days.append(day)
        day += DAY
    return tuple(days)


def first_on_or_after(days: Sequence[Date], day: Date) -> Date | None:
    index = bisect.bisect_left(days, day)
    return days[index] if index < len(days) else None


def last_before(days: Sequence[Date], day: Date) -> Date | None:
    index = bisect.bisect_left(days, day)
    return days[index - 1] if index else None


def monday_of(day: Date) -> Date:
    return day - day.weekday() * DAY


def result_periods(calendar: SchoolCalendar, county: str) -> list[tuple[str, Date]]:
    """The periods of a school year with their last day: five modules, split by the
    autumn, winter, February and spring holidays (two semesters before
    ``MODULES_FROM``), then the whole year."""
    autumn, winter, spring = calendar.holidays
    february = (
        calendar.early_mobile
        if county in demo_attendance.EARLY_MOBILE_WEEK
        else calendar.late_mobile
    )
    if calendar.year >= MODULES_FROM:
        ends = (autumn.first - DAY, winter.first - DAY, february.first - DAY, spring.first - DAY)
        periods = [*zip(MODULES, ends, strict=False), (ResultPeriod.MODULE_5, calendar.classes_end)]
    else:
        periods = [
            (ResultPeriod.SEMESTER_1, february.first - DAY),
            (ResultPeriod.SEMESTER_2, calendar.classes_end),
        ]
    return [*periods, (ResultPeriod.YEAR, calendar.classes_end)]


# The planner ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How a child is doing this year: ``concern`` children get more of the team's
    attention; ``level`` is the average their results vary around (the same every
    year)."""

    concern: bool
    level: float
    teacher: str


class _Planner:
    def __init__(self, roll: Roll, staff: Staff, *, today: Date, seed: int):
        self.roll = roll
        self.staff = staff
        self.today = today
        self.seed = seed
        self.year = roll.year
        self.calendar = school_calendar(self.year)
        self.last = min(today - DAY, Date(self.year + 1, 8, 31))
        self._profiles: dict[str, Profile] = {}

    def rng(self, site: str, purpose: str, year: int | None = None) -> random.Random:
        return demo.generator(self.seed, site, self.year if year is None else year, purpose)

    def days(self, site: str) -> tuple[Date, ...]:
        return school_days(self.calendar, demo.SITES_BY_NAME[site].county)

    def past(self, day: Date | None) -> bool:
        return day is not None and day <= self.last

    def profile(self, pupil: Pupil) -> Profile:
        if pupil.key not in self._profiles:
            # The level belongs to the child, not to the year (year 0).
            steady = demo.generator(self.seed, pupil.site, 0, f"school level {pupil.key}")
            struggling = steady.random() < 0.12
            level = (
                steady.uniform(4.3, 6.5)
                if struggling
                else min(max(steady.gauss(7.9, 0.8), 5.8), 9.8)
            )
            rng = self.rng(pupil.site, f"profile {pupil.key}")
            concern = struggling or rng.random() < 0.18
            if pupil.grade is not None and pupil.grade <= LAST_QUALIFIER_GRADE:
                teacher = "învățătoarea"
            else:
                teacher = rng.choice(("diriginta", "dirigintele"))
            self._profiles[pupil.key] = Profile(concern, level, teacher)
        return self._profiles[pupil.key]

    def words(self, pupil: Pupil | None, household: Household | None) -> dict[str, str]:
        reachable = household.reachable if household else ()
        rel = reachable[0].role if reachable else "familia"
        words = {"rel": rel, "Rel": rel[0].upper() + rel[1:], "name": "", "teacher": ""}
        if pupil is not None:
            words["name"] = pupil.first_name
            words["teacher"] = self.profile(pupil).teacher
        return words

    # Counseling ----------------------------------------------------------------------

    def counseling(self) -> list[PlannedCounseling]:
        if not self.staff.psychologist:
            return []
        sessions: list[PlannedCounseling] = []
        sites = [spec.name for spec in demo.SITES if spec.name in self.staff.psychologist_sites]
        for index, site in enumerate(sites):
            weekdays = PSYCHOLOGIST_DAYS[index % len(PSYCHOLOGIST_DAYS)]
            days = tuple(day for day in self.days(site) if day.weekday() in weekdays)
            for pupil in self.roll.at(site):
                sessions += self._child_counseling(pupil, days)
            sessions += self._group_counseling(site, days)
        sessions.sort(key=lambda s: (s.date, s.site, s.kind, s.children))
        return [session for session in sessions if self.past(session.date)]

    def _session(
        self,
        rng: random.Random,
        kind: str,
        site: str,
        day: Date,
        children: tuple[int, ...],
        guardians: tuple[Person, ...] = (),
        summaries: Sequence[str] = (),
        words: Mapping[str, str] | None = None,
    ) -> PlannedCounseling:
        """One session; always the same number of draws."""
        duration = rng.choice(DURATIONS[kind])
        summary = rng.choice(summaries or SUMMARIES[kind])
        noted = rng.random() < CONFIDENTIAL_SHARE[kind]
        note = rng.choice(CONFIDENTIAL[kind])
        follow_up = rng.random() < 0.3
        follow_up_days = rng.randint(7, 21)
        words = words or {}
        return PlannedCounseling(
            site=site,
            date=day,
            kind=kind,
            duration_minutes=duration,
            children=children,
            guardians=tuple(g.pk for g in guardians),
            summary=summary.format(**words),
            follow_up_on=day + follow_up_days * DAY if follow_up else None,
            confidential=note.format(**words) if noted else "",
        )

    def _child_counseling(self, pupil: Pupil, days: tuple[Date, ...]) -> list[PlannedCounseling]:
        rng = self.rng(pupil.site, f"counseling {pupil.key}")
        concern = self.profile(pupil).concern
        evaluated = rng.random() < (0.35 if concern else 0.08)
        delay = rng.randint(3, 25)
        individual = rng.random() < (0.6 if evaluated else 0.05 if concern else 0.02)
        referred_after = rng.randint(21, 150)
        count = rng.randint(3, 9)
        weeks = rng.choice((1, 2, 2))
        parent_every = rng.choice((3, 4))
        feedback = rng.random() < 0.5
        household = self.roll.household(pupil)
        guardians = household.reachable[: rng.choice((1, 1, 2))] if household else ()
        words = self.words(pupil, household)
        child = (pupil.pk,)
        start = max(self.calendar.classes_start, pupil.started_on)
        sessions = []
        begin = start + referred_after * DAY
        if evaluated:
            day = first_on_or_after(days, start + delay * DAY)
            if day is None:
                return []
            sessions.append(self._session(rng, CounselingKind.EVALUATION, pupil.site, day, child))
            begin = day + rng.randint(7, 14) * DAY
            after = first_on_or_after(days, day + rng.randint(6, 12) * DAY)
            parents = self._session(
                rng,
                CounselingKind.PARENT,
                pupil.site,
                after or day,
                child,
                guardians,
                words=words,
            )
            if feedback and after and guardians:
                sessions.append(parents)
        if not individual:
            return sessions
        previous = None
        for number in range(count):
            day = first_on_or_after(days, begin + number * weeks * WEEK)
            session = self._session(rng, CounselingKind.INDIVIDUAL, pupil.site, day or begin, child)
            parent_day = first_on_or_after(days, (day or begin) + rng.randint(2, 6) * DAY)
            parents = self._session(
                rng,
                CounselingKind.PARENT,
                pupil.site,
                parent_day or begin,
                child,
                guardians,
                words=words,
            )
            if day is None:
                break
            if day == previous:
                continue  # a holiday in between: one session for both weeks
            previous = day
            sessions.append(session)
            if (number + 1) % parent_every == 0 and parent_day and guardians:
                sessions.append(parents)
        return sessions

    def _group_counseling(self, site: str, days: tuple[Date, ...]) -> list[PlannedCounseling]:
        sessions = []
        pupils = self.roll.at(site)
        monday = monday_of(self.calendar.classes_start)
        while monday <= self.calendar.classes_end:
            rng = self.rng(site, f"group counseling {monday}")
            held = rng.random() < 0.5
            pick = rng.random()
            size = rng.randint(4, 6)
            band = rng.choice(("primary", "secondary"))
            week = [day for day in days if monday <= day < monday + WEEK]
            if held and week:
                day = week[int(pick * len(week))]
                pool = [
                    pupil
                    for pupil in pupils
                    if pupil.on(day) and pupil.grade is not None and _band(pupil.grade) == band
                ]
                if len(pool) >= 4:
                    chosen = sorted(pupil.pk for pupil in rng.sample(pool, min(size, len(pool))))
                    sessions.append(
                        self._session(
                            rng,
                            CounselingKind.GROUP,
                            site,
                            day,
                            tuple(chosen),
                            summaries=GROUP_SUMMARIES[band],
                        )
                    )
            monday += WEEK
        return sessions

    # Case notes and follow-ups -------------------------------------------------------

    def case_notes(self) -> tuple[list[PlannedCaseNote], list[PlannedFollowUp]]:
        """Week after week at each site, a few notes on children (mostly those the
        team is concerned about) and families enrolled that day; about half lead
        to a task. Each week draws from its own generator."""
        notes: list[PlannedCaseNote] = []
        tasks: list[PlannedFollowUp] = []
        holidays = demo_attendance.public_holidays(self.year)
        for spec in demo.SITES:
            author = self.staff.worker(spec.name)
            if author is None:
                continue
            own = self.staff.has_own_worker(spec.name)
            child_notes, family_notes = NOTES_PER_WEEK[own]
            pupils = self.roll.at(spec.name)
            households = self.roll.households_at(spec.name)
            monday = monday_of(Date(self.year, 9, 1))
            while monday <= self.calendar.classes_end:
                rng = self.rng(spec.name, f"case notes {monday}")
                # More notes where more children are enrolled (``--scale``).
                size = max(1, round(sum(p.on(monday) for p in pupils) / CHILDREN_PER_SITE))
                for _ in range(rng.choice(child_notes) * size):
                    day = monday + rng.randrange(5) * DAY
                    pool = [p for p in pupils if p.on(day)]
                    weights = [CONCERN_WEIGHT if self.profile(p).concern else 1 for p in pool]
                    pupil = rng.choices(pool, weights)[0] if pool else None
                    planned = self._note(rng, spec, author, day, pupil, None)
                    if pupil is not None and day not in holidays:
                        self._keep(planned, spec, notes, tasks)
                for _ in range(rng.choice(family_notes) * size):
                    day = monday + rng.randrange(5) * DAY
                    pool = [h for h in households if h.on(day)]
                    household = rng.choice(pool) if pool else None
                    planned = self._note(rng, spec, author, day, None, household)
                    if household is not None and day not in holidays:
                        self._keep(planned, spec, notes, tasks)
                monday += WEEK
        notes.sort(key=lambda n: (n.date, n.site, n.kind, n.child or 0, n.family or 0))
        tasks.sort(key=lambda t: (t.created_on, t.site, t.task))
        return [n for n in notes if self.past(n.date)], [
            t for t in tasks if self.past(t.created_on)
        ]

    def _keep(
        self,
        planned: tuple[PlannedCaseNote, PlannedFollowUp | None],
        spec: demo.SiteSpec,
        notes: list[PlannedCaseNote],
        tasks: list[PlannedFollowUp],
    ) -> None:
        note, task = planned
        if note.kind == CaseNoteKind.TEACHER_MEETING and self.calendar.day_off(
            note.date, spec.county
        ):
            return  # no classes: the teacher is not at school
        notes.append(note)
        if task is not None:
            tasks.append(task)

    def _note(
        self,
        rng: random.Random,
        spec: demo.SiteSpec,
        author: str,
        day: Date,
        pupil: Pupil | None,
        household: Household | None,
    ) -> tuple[PlannedCaseNote, PlannedFollowUp | None]:
        """A note and maybe a task after it; always the same number of draws."""
        kind = demo.weighted(rng, FAMILY_KIND_WEIGHTS if household else CHILD_KIND_WEIGHTS)
        text = rng.choice((FAMILY_NOTES if household else CHILD_NOTES)[kind])
        follows = rng.random() < FOLLOW_UP_SHARE
        task, outcome = rng.choice((FAMILY_TASKS if household else CHILD_TASKS)[kind])
        to_psychologist = rng.random() < 0.3
        due = _weekday_on_or_after(day + rng.randint(5, 21) * DAY)
        late = rng.random() < LATE_SHARE
        lag = rng.randint(7, 30) if late else rng.randint(-4, 2)
        if pupil is not None:
            household = self.roll.household(pupil)
        words = self.words(pupil, household)
        child = pupil.pk if pupil else None
        family = household.pk if household and not pupil else None
        note = PlannedCaseNote(spec.name, child, family, day, kind, text.format(**words), author)
        if not follows:
            return note, None
        assignee = author
        psychologist = self.staff.psychologist
        if (
            pupil
            and kind == CaseNoteKind.TEACHER_MEETING
            and psychologist
            and spec.name in self.staff.psychologist_sites
            and to_psychologist
        ):
            (task, outcome), assignee = REFERRAL_TASK, psychologist
        done = _weekday_on_or_after(max(due + lag * DAY, day + DAY))
        is_done = done < self.today
        return note, PlannedFollowUp(
            site=spec.name,
            child=child,
            family=family,
            task=task.format(**words),
            assignee=assignee,
            author=author,
            created_on=day,
            due_on=due,
            done_on=done if is_done else None,
            outcome=outcome.format(**words) if is_done else "",
        )

    # School results ------------------------------------------------------------------

    def results(self) -> list[PlannedResult]:
        results: list[PlannedResult] = []
        for pupil in self.roll.pupils:
            if pupil.grade is None:
                continue
            county = demo.SITES_BY_NAME[pupil.site].county
            years = (self.year - 1, self.year) if pupil.last_year else (self.year,)
            for year in years:
                grade = pupil.grade - (self.year - year)
                if grade >= 0:
                    results += self._year_results(pupil, year, grade, county)
            if pupil.group == demo.GROUP_BACCALAUREATE:
                if pupil.grade == 12 and pupil.last_year:
                    results.append(self._mock(pupil, self.year - 1, 11))
                if pupil.grade >= 11 and self.today > Date(self.year + 1, *MOCK_RESULTS_OUT):
                    results.append(self._mock(pupil, self.year, pupil.grade))
        return results

    def _entered(self, end: Date, rng: random.Random) -> Date:
        return min(end + rng.randint(3, 12) * DAY, self.last)

    def _year_results(
        self, pupil: Pupil, year: int, grade: int, county: str
    ) -> list[PlannedResult]:
        level = self.profile(pupil).level
        qualified = grade <= LAST_QUALIFIER_GRADE
        results = []
        for period, end in result_periods(school_calendar(year), county):
            if end >= self.today:
                continue
            rng = self.rng(pupil.site, f"result {period} {pupil.key}", year)
            score = level + rng.gauss(0, 0.45)
            entered = self._entered(end, rng)
            if period == ResultPeriod.YEAR and results:
                averages = [r.general_average for r in results if r.general_average is not None]
                if averages:
                    score = float(sum(averages)) / len(averages)
            failed: tuple[str, ...] = ()
            outcome = ""
            if qualified:
                qualifier = _qualifier(score)
                if qualifier == Qualifier.INSUFFICIENT:
                    failed = (rng.choice(PRIMARY_SUBJECTS),)
                average = None
            else:
                qualifier = ""
                score = min(max(score, 1.0), 10.0)
                failed = _failed_subjects(rng, score, grade)
                average = Decimal(f"{score:.2f}")
            if period == ResultPeriod.YEAR:
                # They moved up a grade: promoted, or after passing a re-exam.
                failed = failed[:2]
                outcome = ResultOutcome.RE_EXAM if failed else ResultOutcome.PROMOTED
                if average is not None and average < 5:
                    average = Decimal("5.00")
            results.append(
                PlannedResult(
                    pupil.pk,
                    pupil.site,
                    year,
                    period,
                    grade,
                    average,
                    qualifier,
                    failed,
                    outcome,
                    entered,
                )
            )
        return results

    def _mock(self, pupil: Pupil, year: int, grade: int) -> PlannedResult:
        rng = self.rng(pupil.site, f"baccalaureate mock {grade} {pupil.key}", year)
        score = min(max(self.profile(pupil).level - 1.2 + rng.gauss(0, 0.6), 1.0), 10.0)
        below = 0 if score >= 6.5 else rng.randint(1, 2) if score >= 5 else rng.randint(2, 3)
        failed = tuple(rng.sample(BACCALAUREATE_SUBJECTS, below))
        results_out = Date(year + 1, *MOCK_RESULTS_OUT)
        return PlannedResult(
            pupil.pk,
            pupil.site,
            year,
            ResultPeriod.BACCALAUREATE_MOCK,
            grade,
            Decimal(f"{score:.2f}"),
            "",
            failed,
            "",
            self._entered(results_out, rng),
        )

    # Mentoring -----------------------------------------------------------------------

    def mentoring(self) -> list[PlannedAssignment]:
        if not self.staff.volunteer:
            return []
        assignments = []
        for spec in demo.SITES:
            if spec.name not in self.staff.volunteer_sites:
                continue
            rng = self.rng(spec.name, "mentoring")
            count = rng.randint(4, 6)
            offset = rng.randint(8, 18)
            baccalaureate = rng.choice((1, 1, 2))
            start = first_on_or_after(
                self.days(spec.name), self.calendar.classes_start + offset * DAY
            )
            if start is None or not self.past(start):
                continue
            pool = [
                p
                for p in self.roll.at(spec.name)
                if p.on(start) and p.grade is not None and p.grade >= 1
            ]
            bac = [p for p in pool if p.group == demo.GROUP_BACCALAUREATE]
            others = [p for p in pool if p.group != demo.GROUP_BACCALAUREATE]
            chosen = rng.sample(bac, min(baccalaureate, len(bac)))
            chosen += rng.sample(others, min(count - len(chosen), len(others)))
            for pupil in sorted(chosen, key=lambda p: p.key):
                assignment = PlannedAssignment(pupil.pk, spec.name, start)
                assignment.sessions = self._mentoring_sessions(pupil, spec, start)
                assignments.append(assignment)
        return assignments

    def _mentoring_sessions(
        self, pupil: Pupil, spec: demo.SiteSpec, start: Date
    ) -> list[PlannedMentoring]:
        rng = self.rng(spec.name, f"mentoring {pupil.key}")
        if pupil.group == demo.GROUP_BACCALAUREATE:
            main = other = MentoringKind.BACCALAUREATE
        elif pupil.grade is not None and pupil.grade <= LAST_QUALIFIER_GRADE:
            main = other = MentoringKind.HOMEWORK
        else:
            main = demo.weighted(rng, ((MentoringKind.HOMEWORK, 6), (MentoringKind.MENTORING, 4)))
            other = (
                MentoringKind.MENTORING
                if main == MentoringKind.HOMEWORK
                else MentoringKind.HOMEWORK
            )
        weekday = rng.choice(spec.meeting_days) - 1  # ISO weekday to Python's
        band = _band(pupil.grade or 0)
        sessions = []
        monday = monday_of(start)
        while monday <= self.calendar.classes_end:
            skipped = rng.random() < 0.12
            kind = other if rng.random() < 0.3 else main
            duration = rng.choice((45, 60, 60, 75, 90))
            topics = MENTORING_TOPICS.get(kind) or MENTORING_TOPICS[f"homework {band}"]
            topic = rng.choice(topics)
            day = monday + weekday * DAY
            monday += WEEK
            if skipped or day < start or not pupil.on(day):
                continue
            if self.calendar.day_off(day, spec.county) or not self.past(day):
                continue
            sessions.append(PlannedMentoring(pupil.pk, day, duration, kind, topic))
        return sessions

    # Community activities ------------------------------------------------------------

    def activities(self) -> list[PlannedActivity]:
        activities = []
        trips = demo_attendance.trip_days(self.seed, self.calendar)
        autumn, winter = self.calendar.holidays[0], self.calendar.holidays[1]
        for spec in demo.SITES:
            site = spec.name
            days = self.days(site)
            planned: list[tuple[Date | None, str, str, str]] = []
            for day, title in sorted(trips.get(site, {}).items()):
                planned.append((day, CommunityActivityKind.TRIP, title, TRIP_DESCRIPTION))
            rng = self.rng(site, "activities")
            partner_activities = rng.sample(PARTNER_ACTIVITIES, len(PARTNER_ACTIVITIES))
            for term, (first, last) in enumerate(self.calendar.terms, start=1):
                name, description = partner_activities[(term - 1) % len(partner_activities)]
                window = [
                    d
                    for d in days
                    if first + 21 * DAY <= d <= last - 10 * DAY and d not in trips.get(site, {})
                ]
                partner_day = rng.choice(window) if window else None
                if term < 3 and rng.random() < 0.8:
                    title = f"{name} cu elevii de la {PARTNERS[site]}"
                    kind = CommunityActivityKind.PARTNER_SCHOOL
                    planned.append((partner_day, kind, title, description))
            planned.append(
                (
                    last_before(days, winter.first),
                    CommunityActivityKind.CELEBRATION,
                    "Serbarea de Crăciun",
                    "Colinde, o scenetă pregătită de copii și daruri pentru fiecare.",
                )
            )
            planned.append(
                (
                    last_before(days, autumn.first),
                    CommunityActivityKind.CELEBRATION,
                    "Carnavalul toamnei",
                    "Costume din frunze și legume, o expoziție de desene și ceai cald.",
                )
            )
            planned.append(
                (
                    last_before(days, Date(self.year, 11, 30)),
                    CommunityActivityKind.CELEBRATION,
                    "Ziua Națională: 1 Decembrie",
                    "Cântece patriotice, hora unirii și steaguri desenate de copii.",
                )
            )
            planned.append(
                (
                    first_on_or_after(days, Date(self.year + 1, 2, 24)),
                    CommunityActivityKind.COMMUNITY,
                    "Atelier de mărțișoare",
                    "Copiii au făcut mărțișoare pentru mame și bunici, cu voluntari din cartier.",
                )
            )
            planned.append(
                (
                    last_before(days, Date(self.year + 1, 6, 1)),
                    CommunityActivityKind.CELEBRATION,
                    "Ziua Copilului",
                    "Jocuri în aer liber, concursuri și tort.",
                )
            )
            for day, kind, title, description in planned:
                if day is None:
                    continue
                activity_rng = self.rng(site, f"activity {day} {title}")
                count = activity_rng.randint(10, 25)
                with_volunteer = activity_rng.random() < 0.5
                pool = [pupil for pupil in self.roll.at(site) if pupil.on(day)]
                if not pool or not self.past(day):
                    continue
                chosen = activity_rng.sample(pool, min(count, len(pool)))
                activities.append(
                    PlannedActivity(
                        site,
                        day,
                        kind,
                        title,
                        description,
                        tuple(sorted(pupil.pk for pupil in chosen)),
                        with_volunteer and site in self.staff.volunteer_sites,
                    )
                )
        activities.sort(key=lambda a: (a.date, a.site, a.title))
        return activities

    # Parent meetings -----------------------------------------------------------------

    def meetings(self) -> list[PlannedMeeting]:
        meetings = []
        for spec in demo.SITES:
            site = spec.name
            facilitators = [self.staff.worker(site)]
            if self.staff.psychologist and site in self.staff.psychologist_sites:
                facilitators.append(self.staff.psychologist)
            facilitators = [f for f in facilitators if f]
            if not facilitators:
                continue
            days = self.days(site)
            households = self.roll.households_at(site)
            # Each site goes through the topics in an order of its own: all before any again.
            order = self.rng(site, "parent meeting topics")
            topics = {kind: order.sample(pool, len(pool)) for kind, pool in MEETING_TOPICS.items()}
            held = dict.fromkeys(topics, 0)
            month = Date(self.year, 9, 1)
            while month <= self.calendar.classes_end:
                rng = self.rng(site, f"parent meeting {month:%Y-%m}")
                first_meeting = month.month == 9
                kind = (
                    ParentMeetingKind.PERIODIC
                    if first_meeting
                    else demo.weighted(
                        rng,
                        ((ParentMeetingKind.SUPPORT_GROUP, 55), (ParentMeetingKind.PERIODIC, 45)),
                    )
                )
                if first_meeting:
                    topic = FIRST_MEETING
                else:
                    topic = topics[kind][held[kind] % len(topics[kind])]
                    held[kind] += 1
                earliest = month.replace(day=15 if first_meeting else 8)
                window = [d for d in days if earliest <= d <= month.replace(day=26)]
                day = rng.choice(window) if window else None
                count = rng.randint(4, 12)
                facilitator = rng.choice(facilitators)
                support = sorted(
                    demo.weighted_sample(rng, SUPPORT_WEIGHTS, rng.choice((0, 1, 1, 2))),
                    key=SupportArea.values.index,
                )
                note = rng.choice(MEETING_NOTES)
                month = (month + 32 * DAY).replace(day=1)
                if day is None or not self.past(day):
                    continue
                pool = [h for h in households if h.on(day) and h.reachable]
                if len(pool) < 4:
                    continue
                attendees: list[int] = []
                for household in rng.sample(pool, min(count, len(pool))):
                    # Now and then both parents come; never more than 12 people.
                    both = len(household.reachable) > 1 and rng.random() < 0.2
                    for guardian in household.reachable[: 2 if both else 1]:
                        if len(attendees) < MAX_ATTENDEES:
                            attendees.append(guardian.pk)
                meetings.append(
                    PlannedMeeting(
                        site,
                        day,
                        kind,
                        topic,
                        facilitator,
                        tuple(sorted(attendees)),
                        support,
                        f"Au participat {len(attendees)} părinți. {note}",
                    )
                )
        meetings.sort(key=lambda m: (m.date, m.site))
        return meetings

    # Support given -------------------------------------------------------------------

    def support(self) -> list[PlannedSupport]:
        given: list[PlannedSupport] = []
        winter, spring = self.calendar.holidays[1], self.calendar.holidays[2]
        for spec in demo.SITES:
            site = spec.name
            if self.staff.worker(site) is None:
                continue
            days = self.days(site)
            rng = self.rng(site, "distributions")
            supplies_day = first_on_or_after(
                days, self.calendar.classes_start + rng.randint(4, 11) * DAY
            )
            november = [d for d in days if Date(self.year, 11, 10) <= d <= Date(self.year, 11, 28)]
            clothing_day = rng.choice(november) if november else None
            winter_day = last_before(days, winter.first - rng.randint(2, 5) * DAY)
            spring_day = last_before(days, spring.first - rng.randint(1, 4) * DAY)
            for household in self.roll.households_at(site):
                given += self._household_support(
                    household, supplies_day, clothing_day, winter_day, spring_day
                )
        given.sort(key=lambda s: (s.date, s.site, s.kind, s.family))
        return [s for s in given if self.past(s.date)]

    def _household_support(
        self,
        household: Household,
        supplies_day: Date | None,
        clothing_day: Date | None,
        winter_day: Date | None,
        spring_day: Date | None,
    ) -> list[PlannedSupport]:
        site = household.site
        rng = self.rng(site, f"support {household.key}")
        given = []

        def give(
            day: Date | None,
            kind: str,
            items: str,
            value: Decimal | None,
            *,
            for_child: bool = True,
            quantity: int = 1,
        ) -> None:
            if day is None or not household.on(day):
                return
            enrolled = [child for child in household.children if child.on(day)]
            child = enrolled[0].pk if for_child and len(enrolled) == 1 else None
            if for_child and quantity == 0:
                quantity = len(enrolled)
            given.append(
                PlannedSupport(
                    site,
                    household.pk,
                    child,
                    day,
                    kind,
                    items,
                    max(quantity, 1),
                    value,
                    funded=value is not None,
                )
            )

        supplies = rng.random() < 0.4
        supplies_items = rng.choice(SUPPLIES)
        supplies_value = Decimal(rng.randrange(80, 251, 5))
        clothing = rng.random() < 0.2
        clothing_items = rng.choice(CLOTHING)
        clothing_value = Decimal(rng.randrange(120, 301, 10))
        winter_food = rng.random() < 0.5
        winter_value = Decimal(rng.randrange(100, 251, 10))
        hygiene = rng.random() < 0.3
        hygiene_value = Decimal(rng.randrange(60, 151, 5))
        spring_food = rng.random() < 0.4
        spring_value = Decimal(rng.randrange(100, 201, 10))
        if supplies:
            give(
                supplies_day,
                SupportKind.SCHOOL_SUPPLIES,
                supplies_items,
                supplies_value,
                quantity=0,
            )
        if clothing:
            give(clothing_day, SupportKind.CLOTHING, clothing_items, clothing_value, quantity=0)
        if winter_food:
            give(winter_day, SupportKind.FOOD, WINTER_FOOD, winter_value, for_child=False)
            if hygiene:
                give(winter_day, SupportKind.HYGIENE, HYGIENE, hygiene_value, for_child=False)
        if spring_food:
            give(spring_day, SupportKind.FOOD, SPRING_FOOD, spring_value, for_child=False)
        holidays = demo_attendance.public_holidays(self.year)
        month = Date(self.year, 9, 1)
        while month <= self.calendar.classes_end:
            for kind, (chance, items) in SERVICES.items():
                happens = rng.random() < chance
                day = month + rng.randrange(28) * DAY
                what = rng.choice(items)
                if happens and day.weekday() < 5 and day not in holidays:
                    give(day, kind, what, None, for_child=False)
            month = (month + 32 * DAY).replace(day=1)
        return given


TRIP_DESCRIPTION = "Ieșire cu copiii și însoțitorii programului; transport asigurat de fundație."
DURATIONS: dict[str, tuple[int, ...]] = {
    CounselingKind.EVALUATION: (60, 75, 90),
    CounselingKind.INDIVIDUAL: (45, 50, 50, 60),
    CounselingKind.PARENT: (30, 45, 45, 60),
    CounselingKind.GROUP: (60, 75, 90),
}
SUMMARIES = {
    CounselingKind.EVALUATION: EVALUATION_SUMMARIES,
    CounselingKind.INDIVIDUAL: INDIVIDUAL_SUMMARIES,
    CounselingKind.PARENT: PARENT_SUMMARIES,
    CounselingKind.GROUP: GROUP_SUMMARIES["secondary"],
}
CONFIDENTIAL = {
    CounselingKind.EVALUATION: EVALUATION_NOTES,
    CounselingKind.INDIVIDUAL: INDIVIDUAL_NOTES,
    CounselingKind.PARENT: PARENT_NOTES,
    CounselingKind.GROUP: GROUP_NOTES,
}
CONFIDENTIAL_SHARE = {
    CounselingKind.EVALUATION: 0.6,
    CounselingKind.INDIVIDUAL: 0.55,
    CounselingKind.PARENT: 0.4,
    CounselingKind.GROUP: 0.35,
}
CHILD_KIND_WEIGHTS = (
    (CaseNoteKind.PHONE_CALL, 5),
    (CaseNoteKind.HOME_VISIT, 3),
    (CaseNoteKind.TEACHER_MEETING, 3),
    (CaseNoteKind.OTHER, 1),
)
FAMILY_KIND_WEIGHTS = (
    (CaseNoteKind.HOME_VISIT, 3),
    (CaseNoteKind.PHONE_CALL, 3),
    (CaseNoteKind.OTHER, 1),
)
SUPPORT_WEIGHTS = (
    (SupportArea.MATERIAL, 4),
    (SupportArea.ADMINISTRATIVE, 3),
    (SupportArea.EMPLOYMENT, 2),
    (SupportArea.LEGAL, 1),
)


def _weekday_on_or_after(day: Date) -> Date:
    """Monday for a Saturday or a Sunday."""
    return day + (7 - day.weekday()) * DAY if day.weekday() >= 5 else day


def _band(grade: int) -> str:
    return "primary" if grade <= LAST_QUALIFIER_GRADE else "secondary"


def _qualifier(score: float) -> str:
    if score >= 8.5:
        return Qualifier.VERY_GOOD
    if score >= 7:
        return Qualifier.GOOD
    if score >= 5.3:
        return Qualifier.SUFFICIENT
    return Qualifier.INSUFFICIENT


def _failed_subjects(rng: random.Random, average: float, grade: int) -> tuple[str, ...]:
    """Subjects below 5: several under an average of 5, maybe one or two under 6.5.
    Physics from grade VI, chemistry from grade VII."""
    draw, many, few = rng.random(), rng.randint(2, 4), rng.randint(1, 2)
    subjects = [
        s for s in SUBJECTS if not ((s == "Fizică" and grade < 6) or (s == "Chimie" and grade < 7))
    ]
    if average < 5:
        count = many
    elif average < 6 and draw < 0.6:
        count = few
    elif average < 6.5 and draw < 0.25:
        count = 1
    else:
        count = 0
    # The weakest subjects come first: mathematics, then Romanian, then the rest.
    weights = [(s, 6 if i == 0 else 3 if i == 1 else 1) for i, s in enumerate(subjects)]
    return tuple(demo.weighted_sample(rng, weights, count))


def plan_casework(roll: Roll, staff: Staff, *, today: Date, seed: int = demo.SEED) -> CaseworkPlan:
    """This school year's casework up to yesterday, in memory."""
    planner = _Planner(roll, staff, today=today, seed=seed)
    notes, tasks = planner.case_notes()
    return CaseworkPlan(
        today=today,
        year=roll.year,
        staff=staff,
        counseling=planner.counseling(),
        case_notes=notes,
        follow_ups=tasks,
        results=planner.results(),
        assignments=planner.mentoring(),
        activities=planner.activities(),
        meetings=planner.meetings(),
        support=planner.support(),
    )


# The database --------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenCasework:
    counseling: int = 0
    confidential_notes: int = 0
    case_notes: int = 0
    follow_ups: int = 0
    open_follow_ups: int = 0
    school_results: int = 0
    assignments: int = 0
    mentoring: int = 0
    activities: int = 0
    meetings: int = 0
    support: int = 0


def _stamp(model, rows: Iterable[tuple[int, Date]], hour: int) -> None:
    """created_at and updated_at on the record's day, at ``hour`` and some minutes
    (``bulk_create`` fills them with now)."""
    demo_attendance._stamp(
        model,
        [
            (pk, demo_attendance._at(day, hour, (index * 37) % 120))
            for index, (pk, day) in enumerate(rows)
        ],
    )


def _new(planned: Iterable, key, existing: set) -> list:
    """The planned records whose key is not in ``existing`` (which learns them)."""
    new = []
    for record in planned:
        record_key = key(record)
        if record_key not in existing:
            existing.add(record_key)
            new.append(record)
    return new


@transaction.atomic
def write_casework(
    plan: CaseworkPlan, *, sites: Mapping[str, Site], school_years: Mapping[int, SchoolYear]
) -> WrittenCasework:
    """Insert the planned records the database does not hold yet."""
    staff = plan.staff
    usernames = {
        staff.coordinator,
        staff.social_worker,
        staff.psychologist,
        staff.volunteer,
    } - {None}
    users = User.objects.in_bulk(usernames, field_name="username")
    first, last = Date(plan.year, 9, 1), Date(plan.year + 1, 8, 31)
    site_ids = {name: site.pk for name, site in sites.items()}
    in_year = {"date__range": (first, last)}
    counseling, notes = _write_counseling(plan, users, site_ids, in_year)
    case_notes = _write_case_notes(plan, users, site_ids, in_year)
    follow_ups, open_tasks = _write_follow_ups(plan, users, site_ids, first, last)
    results = _write_results(plan, users, school_years)
    assignments, mentoring = _write_mentoring(plan, users, site_ids)
    activities = _write_activities(plan, users, site_ids, in_year)
    meetings = _write_meetings(plan, users, site_ids, in_year)
    support = _write_support(plan, users, sites, in_year)
    return WrittenCasework(
        counseling=counseling,
        confidential_notes=notes,
        case_notes=case_notes,
        follow_ups=follow_ups,
        open_follow_ups=open_tasks,
        school_results=results,
        assignments=assignments,
        mentoring=mentoring,
        activities=activities,
        meetings=meetings,
        support=support,
    )


def _write_counseling(plan, users, site_ids, in_year) -> tuple[int, int]:
    psychologist = users.get(plan.staff.psychologist)
    if psychologist is None or not plan.counseling:
        return 0, 0
    sessions = CounselingSession.objects.filter(site__in=site_ids.values(), **in_year)
    people: dict[int, tuple[set[int], set[int]]] = {
        pk: (set(), set()) for pk in sessions.values_list("pk", flat=True)
    }
    Children, Guardians = CounselingSession.children.through, CounselingSession.guardians.through
    for session, child in Children.objects.filter(counselingsession__in=people).values_list(
        "counselingsession_id", "child_id"
    ):
        people[session][0].add(child)
    for session, guardian in Guardians.objects.filter(counselingsession__in=people).values_list(
        "counselingsession_id", "guardian_id"
    ):
        people[session][1].add(guardian)
    existing = {
        (site, day, kind, tuple(sorted(people[pk][0])), tuple(sorted(people[pk][1])))
        for pk, site, day, kind in sessions.values_list("pk", "site_id", "date", "kind")
    }
    new = _new(
        plan.counseling,
        lambda s: (site_ids[s.site], s.date, s.kind, s.children, tuple(sorted(s.guardians))),
        existing,
    )
    rows = CounselingSession.objects.bulk_create(
        [
            CounselingSession(
                site_id=site_ids[s.site],
                psychologist=psychologist,
                date=s.date,
                duration_minutes=s.duration_minutes,
                kind=s.kind,
                summary=s.summary,
                follow_up_on=s.follow_up_on,
                created_by=psychologist,
            )
            for s in new
        ]
    )
    pairs = list(zip(new, rows, strict=True))
    Children.objects.bulk_create(
        [
            Children(counselingsession_id=row.pk, child_id=child)
            for s, row in pairs
            for child in s.children
        ]
    )
    Guardians.objects.bulk_create(
        [
            Guardians(counselingsession_id=row.pk, guardian_id=guardian)
            for s, row in pairs
            for guardian in s.guardians
        ]
    )
    confidential = ConfidentialNote.objects.bulk_create(
        [
            ConfidentialNote(session=row, text=s.confidential, updated_by=psychologist)
            for s, row in pairs
            if s.confidential
        ]
    )
    _stamp(CounselingSession, [(row.pk, s.date) for s, row in pairs], 17)
    by_session = {row.pk: s.date for s, row in pairs}
    _stamp(ConfidentialNote, [(note.pk, by_session[note.session_id]) for note in confidential], 18)
    return len(rows), len(confidential)


def _write_case_notes(plan, users, site_ids, in_year) -> int:
    existing = set(
        CaseNote.objects.filter(site__in=site_ids.values(), **in_year).values_list(
            "site_id", "child_id", "family_id", "date", "kind"
        )
    )
    new = _new(
        (n for n in plan.case_notes if n.author in users),
        lambda n: (site_ids[n.site], n.child, n.family, n.date, n.kind),
        existing,
    )
    rows = CaseNote.objects.bulk_create(
        [
            CaseNote(
                site_id=site_ids[n.site],
                child_id=n.child,
                family_id=n.family,
                date=n.date,
                kind=n.kind,
                text=n.text,
                created_by=users[n.author],
            )
            for n in new
        ]
    )
    _stamp(CaseNote, [(row.pk, n.date) for n, row in zip(new, rows, strict=True)], 16)
    return len(rows)


def _write_follow_ups(plan, users, site_ids, first, last) -> tuple[int, int]:
    existing = set(
        FollowUp.objects.filter(
            site__in=site_ids.values(), due_on__gte=first, due_on__lte=last + 31 * DAY
        ).values_list("site_id", "child_id", "family_id", "task", "due_on")
    )
    new = _new(
        (t for t in plan.follow_ups if t.assignee in users and t.author in users),
        lambda t: (site_ids[t.site], t.child, t.family, t.task, t.due_on),
        existing,
    )
    rows = FollowUp.objects.bulk_create(
        [
            FollowUp(
                site_id=site_ids[t.site],
                child_id=t.child,
                family_id=t.family,
                task=t.task,
                assignee=users[t.assignee],
                due_on=t.due_on,
                done_on=t.done_on,
                done_by=users[t.assignee] if t.done_on else None,
                outcome=t.outcome,
                created_by=users[t.author],
            )
            for t in new
        ]
    )
    _stamp(FollowUp, [(row.pk, t.created_on) for t, row in zip(new, rows, strict=True)], 16)
    return len(rows), sum(1 for t in new if t.done_on is None)


def _write_results(plan, users, school_years) -> int:
    author = users.get(plan.staff.coordinator)
    years = {
        year: school_years[year] for year in (plan.year - 1, plan.year) if year in school_years
    }
    planned = [r for r in plan.results if r.school_year in years]
    existing = set(
        SchoolResult.objects.filter(
            child__in={r.child for r in planned}, school_year__in=years.values()
        ).values_list("child_id", "school_year_id", "period")
    )
    new = _new(planned, lambda r: (r.child, years[r.school_year].pk, r.period), existing)
    by_site = {}
    for r in new:
        by_site.setdefault(r.site, users.get(plan.staff.worker(r.site)) or author)
    rows = SchoolResult.objects.bulk_create(
        [
            SchoolResult(
                child_id=r.child,
                school_year=years[r.school_year],
                period=r.period,
                grade=r.grade,
                general_average=r.general_average,
                qualifier=r.qualifier,
                failed_subjects_count=len(r.failed_subjects),
                failed_subjects=", ".join(r.failed_subjects),
                outcome=r.outcome,
                created_by=by_site[r.site],
            )
            for r in new
        ],
        batch_size=2000,
    )
    _stamp(SchoolResult, [(row.pk, r.entered_on) for r, row in zip(new, rows, strict=True)], 15)
    return len(rows)


def _write_mentoring(plan, users, site_ids) -> tuple[int, int]:
    volunteer = users.get(plan.staff.volunteer)
    if volunteer is None or not plan.assignments:
        return 0, 0
    children = {a.child for a in plan.assignments}
    open_pairs = set(
        MentorAssignment.objects.filter(
            volunteer=volunteer, child__in=children, ended_on__isnull=True
        ).values_list("child_id", flat=True)
    )
    new_assignments = _new(plan.assignments, lambda a: a.child, open_pairs)
    assignments = MentorAssignment.objects.bulk_create(
        [
            MentorAssignment(
                volunteer=volunteer,
                child_id=a.child,
                started_on=a.started_on,
                created_by=users.get(plan.staff.worker(a.site)) or volunteer,
            )
            for a in new_assignments
        ]
    )
    _stamp(
        MentorAssignment,
        [(row.pk, a.started_on) for a, row in zip(new_assignments, assignments, strict=True)],
        12,
    )
    existing = set(
        MentoringSession.objects.filter(volunteer=volunteer, child__in=children).values_list(
            "child_id", "date"
        )
    )
    new = _new(plan.mentoring, lambda s: (s.child, s.date), existing)
    sessions = MentoringSession.objects.bulk_create(
        [
            MentoringSession(
                volunteer=volunteer,
                child_id=s.child,
                date=s.date,
                duration_minutes=s.duration_minutes,
                kind=s.kind,
                topic=s.topic,
                created_by=volunteer,
            )
            for s in new
        ]
    )
    _stamp(MentoringSession, [(row.pk, s.date) for s, row in zip(new, sessions, strict=True)], 17)
    return len(assignments), len(sessions)


def _write_activities(plan, users, site_ids, in_year) -> int:
    Sites = CommunityActivity.sites.through
    existing = set(
        Sites.objects.filter(
            site__in=site_ids.values(), **{f"communityactivity__{k}": v for k, v in in_year.items()}
        ).values_list("site_id", "communityactivity__date", "communityactivity__title")
    )
    new = _new(plan.activities, lambda a: (site_ids[a.site], a.date, a.title), existing)
    rows = CommunityActivity.objects.bulk_create(
        [
            CommunityActivity(
                date=a.date,
                kind=a.kind,
                title=a.title,
                description=a.description,
                created_by=users.get(plan.staff.worker(a.site)),
            )
            for a in new
        ]
    )
    pairs = list(zip(new, rows, strict=True))
    Sites.objects.bulk_create(
        [Sites(communityactivity_id=row.pk, site_id=site_ids[a.site]) for a, row in pairs]
    )
    Children = CommunityActivity.children.through
    Children.objects.bulk_create(
        [
            Children(communityactivity_id=row.pk, child_id=child)
            for a, row in pairs
            for child in a.children
        ]
    )
    volunteer = users.get(plan.staff.volunteer)
    if volunteer is not None:
        Volunteers = CommunityActivity.volunteers.through
        Volunteers.objects.bulk_create(
            [
                Volunteers(communityactivity_id=row.pk, user_id=volunteer.pk)
                for a, row in pairs
                if a.with_volunteer
            ]
        )
    _stamp(CommunityActivity, [(row.pk, a.date) for a, row in pairs], 18)
    return len(rows)


def _write_meetings(plan, users, site_ids, in_year) -> int:
    existing = set(
        ParentMeeting.objects.filter(site__in=site_ids.values(), **in_year).values_list(
            "site_id", "date", "kind"
        )
    )
    new = _new(
        (m for m in plan.meetings if m.facilitator in users),
        lambda m: (site_ids[m.site], m.date, m.kind),
        existing,
    )
    rows = ParentMeeting.objects.bulk_create(
        [
            ParentMeeting(
                site_id=site_ids[m.site],
                date=m.date,
                kind=m.kind,
                topic=m.topic,
                facilitator=users[m.facilitator],
                support=m.support,
                notes=m.notes,
                created_by=users[m.facilitator],
            )
            for m in new
        ]
    )
    pairs = list(zip(new, rows, strict=True))
    Attendees = ParentMeeting.attendees.through
    Attendees.objects.bulk_create(
        [
            Attendees(parentmeeting_id=row.pk, guardian_id=guardian)
            for m, row in pairs
            for guardian in m.attendees
        ]
    )
    _stamp(ParentMeeting, [(row.pk, m.date) for m, row in pairs], 18)
    return len(rows)


def _write_support(plan, users, sites, in_year) -> int:
    families = {s.family for s in plan.support}
    existing = set(
        SupportGiven.objects.filter(family__in=families, **in_year).values_list(
            "family_id", "date", "kind"
        )
    )
    new = _new(
        (s for s in plan.support if plan.staff.worker(s.site) in users),
        lambda s: (s.family, s.date, s.kind),
        existing,
    )
    projects: dict[tuple[str, Date], int | None] = {}
    for s in new:
        if s.funded and (s.site, s.date) not in projects:
            projects[(s.site, s.date)] = (
                FundedProject.objects.covering(site=sites[s.site], on=s.date)
                .order_by("starts_on", "pk")
                .values_list("pk", flat=True)
                .first()
            )
    rows = SupportGiven.objects.bulk_create(
        [
            SupportGiven(
                family_id=s.family,
                child_id=s.child,
                date=s.date,
                kind=s.kind,
                items=s.items,
                quantity=s.quantity,
                value_ron=s.value_ron,
                given_by=users[plan.staff.worker(s.site)],
                funded_project_id=projects.get((s.site, s.date)) if s.funded else None,
                created_by=users[plan.staff.worker(s.site)],
            )
            for s in new
        ]
    )
    _stamp(SupportGiven, [(row.pk, s.date) for s, row in zip(new, rows, strict=True)], 15)
    return len(rows)


def seed_casework(
    *,
    today: Date,
    seed: int,
    sites: Mapping[str, Site],
    school_years: Mapping[int, SchoolYear],
    staff: Staff,
) -> WrittenCasework:
    """Plan this school year's casework up to yesterday and write what is missing."""
    year = demo.school_year_of(today)
    roll = load_roll(sites, school_years[year])
    plan = plan_casework(roll, staff, today=today, seed=seed)
    return write_casework(plan, sites=sites, school_years=school_years)
