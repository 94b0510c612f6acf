"""Funder reports: what a funded project reached in a period, at the sites a user sees.

``funder_report`` is a pure computation: it reads the database in a fixed number
of aggregate queries (however many children, marks or other projects there are)
and returns plain dataclasses. The page, the CSV and the XLSX all render the same
``FunderReport.sections()``, so the downloads carry exactly the page's numbers.

The rules, as the funders' contracts read them:

- The *window* is the requested period cut to the project's period; the
  *sites* are the project's sites the user may see. A service counts towards the
  project only inside both. When the project lists programs, only enrollments in
  those programs count (attendance, counseling and the rest belong to a site, not
  to a program).
- A child is *reached* once, whatever services they had: enrolled (an
  enrollment overlapping the window), marked at a held session, counselled,
  mentored (at the child's site), given support, or taken to a community
  activity of their own site.
- Each child is counted at one site (``home site``): the site of their latest
  enrollment of the report, else their own site, else where they were marked,
  counselled or supported. So the sites add up to the total.
- Ages are whole years from the month of birth to the window's last month: the
  retention rule keeps only the month of an anonymised child's birth date.
- Support recorded for a funded project counts only for that project; support
  recorded for none counts for every project of its family's site and date.
- Another project whose period overlaps the window and which shares one of the
  sites may count the same children for the same time: the report says, per
  such project, how many children of this report it counts too (in the shared
  part of the periods, at the shared sites).

Confidential counseling notes are never read: counseling counts come from the
sessions and their participants alone. No name, CNP or note leaves this module.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceDay, ChildAttendanceMonth, Mark, MarkStatus
from attendance.summary import add_months
from children.models import (
    Child,
    CommunityActivity,
    CounselingKind,
    CounselingSession,
    MentoringSession,
    Sex,
)
from families.models import ParentMeeting, SupportGiven, SupportKind
from programs.models import Enrollment, EnrollmentStatus, FundedProject, Site

UNKNOWN = "unknown"

# (key, label, months of age below which a child falls in the band); the last band
# has no upper bound.
AGE_BANDS: list[tuple[str, Promise, int | None]] = [
    ("0-5", _("0–5 years"), 6 * 12),
    ("6-10", _("6–10 years"), 11 * 12),
    ("11-14", _("11–14 years"), 15 * 12),
    ("15-18", _("15–18 years"), 19 * 12),
    ("19+", _("19 years and over"), None),
]
# (key, label, highest grade of the band): Romania's cycles.
GRADE_BANDS: list[tuple[str, Promise, int]] = [
    ("primary", _("Primary (preparatory class–grade IV)"), 4),
    ("lower_secondary", _("Lower secondary (grades V–VIII)"), 8),
    ("upper_secondary", _("Upper secondary (grades IX–XII)"), 12),
]
SERVICES: list[tuple[str, Promise]] = [
    ("enrolled", _("Enrolled in the program")),
    ("attended", _("Came to a program session")),
    ("counselled", _("Counselled")),
    ("mentored", _("Mentored or tutored")),
    ("supported", _("Given support")),
    ("activities", _("Took part in a community activity")),
]
OTHER_EXITS = (EnrollmentStatus.MOVED, EnrollmentStatus.WITHDRAWN, EnrollmentStatus.TRANSFERRED)
PERCENT = Decimal("0.1")
# The summer between a group's last day and next year's first: a move followed
# by an enrollment within this many days is no exit.
MOVE_GAP_DAYS = 31
CENTS = Decimal("0.01")


# --- The report -------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """Children by one characteristic: ``(key, label, count)`` rows that add up to the total."""

    rows: list[tuple[str, str, int]]

    @property
    def total(self) -> int:
        return sum(count for _key, _label, count in self.rows)

    def count(self, key: str) -> int:
        return next((count for k, _label, count in self.rows if k == key), 0)


@dataclass(frozen=True)
class Reach:
    total: int
    by_service: dict[str, int]
    by_sex: Breakdown
    by_age: Breakdown
    by_grade: Breakdown
    by_site: Breakdown


@dataclass(frozen=True)
class Attendance:
    sessions: int
    marks: int
    attended: int

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.attended, self.marks)


@dataclass(frozen=True)
class Retention:
    enrolled_at_start: int
    still_enrolled: int
    completed: int
    dropped_out: int
    other_exits: int

    @property
    def rate(self) -> Decimal | None:
        return _percent(self.still_enrolled + self.completed, self.enrolled_at_start)


@dataclass(frozen=True)
class Counseling:
    sessions: int
    sessions_by_kind: dict[str, int]
    children: int
    guardians: int

    @property
    def people(self) -> int:
        return self.children + self.guardians


@dataclass(frozen=True)
class ParentMeetings:
    meetings: int
    parents: int
    families: int


@dataclass(frozen=True)
class SupportLine:
    kind: str
    label: str
    records: int
    value_ron: Decimal


@dataclass(frozen=True)
class Support:
    lines: list[SupportLine]

    @property
    def records(self) -> int:
        return sum(line.records for line in self.lines)

    @property
    def value_ron(self) -> Decimal:
        return sum((line.value_ron for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Overlap:
    """Another project counting some of this report's children for the same time."""

    project_id: int
    project: str
    funder: str
    starts_on: datetime.date
    ends_on: datetime.date
    shared_children: int

    @property
    def flagged(self) -> bool:
        return self.shared_children > 0


# Cells of the rendered tables: what kind of number, so each output formats it.
COUNT, RON, RATE, TEXT = "count", "ron", "rate", "text"


@dataclass(frozen=True)
class Cell:
    value: int | Decimal | str | None
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]
    total: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]  # the first names the labels' column
    rows: list[Row]
    note: str = ""


@dataclass(frozen=True)
class FunderReport:
    project: FundedProject
    first: datetime.date | None  # the window; None when the period misses the project's
    last: datetime.date | None
    site_names: list[str]
    program_names: list[str]
    reach: Reach
    attendance: Attendance
    retention: Retention
    counseling: Counseling
    parent_meetings: ParentMeetings
    support: Support
    overlaps: list[Overlap] = field(default_factory=list)

    @property
    def flagged_overlaps(self) -> list[Overlap]:
        return [overlap for overlap in self.overlaps if overlap.flagged]

    def sections(self) -> list[Section]:
        """The tables of the page and of both downloads, in order."""
        return _sections(self)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


# --- The computation --------------------------------------------------------------


def funder_report(
    *, project: FundedProject, first: datetime.date, last: datetime.date, sites: Iterable[Site]
) -> FunderReport:
    """What ``project`` reached from ``first`` to ``last`` (cut to its period) at
    ``sites`` (the project's sites the user may see; others are ignored).

    Ten queries, whatever the amount of data (three when the period misses the
    project's)."""
    project_site_ids = set(project.sites.values_list("pk", flat=True))
    site_list = [site for site in sites if site.pk in project_site_ids]
    site_ids = [site.pk for site in site_list]
    programs = list(project.programs.order_by("name").values_list("pk", "name"))
    program_ids = [pk for pk, _name in programs]
    window_first, window_last = max(first, project.starts_on), min(last, project.ends_on)
    common = {
        "project": project,
        "site_names": [site.name for site in site_list],
        "program_names": [name for _pk, name in programs],
    }
    if window_first > window_last or not site_ids:
        return FunderReport(first=None, last=None, **common, **_nothing(site_list))
    scope = _Scope(
        first=window_first,
        last=window_last,
        site_ids=site_ids,
        program_ids=program_ids,
        project_id=project.pk,
    )
    return FunderReport(
        first=window_first,
        last=window_last,
        **common,
        reach=_reach(scope, site_list),
        attendance=_attendance(scope),
        retention=_retention(scope),
        counseling=_counseling(scope),
        parent_meetings=_parent_meetings(scope),
        support=_support(scope),
        overlaps=_overlaps(scope),
    )


@dataclass(frozen=True)
class _Scope:
    first: datetime.date
    last: datetime.date
    site_ids: list[int]
    program_ids: list[int]  # empty: every program
    project_id: int


def _dated(path: str, firsts: list, lasts: list) -> Q:
    """``path`` on or after every one of ``firsts`` and on or before every one of
    ``lasts`` (values or outer references: the overlap's window is the
    intersection of two periods)."""
    condition = Q()
    for bound in firsts:
        condition &= Q(**{f"{path}__gte": bound})
    for bound in lasts:
        condition &= Q(**{f"{path}__lte": bound})
    return condition


def _overlapping(firsts: list, lasts: list) -> Q:
    """Enrollments that overlap the window."""
    ended_after = Q()
    for bound in firsts:
        ended_after &= Q(ended_on__gte=bound)
    started_before = Q()
    for bound in lasts:
        started_before &= Q(started_on__lte=bound)
    return started_before & (Q(ended_on__isnull=True) | ended_after)


def _services(scope: _Scope, *, other=None) -> dict[str, list[QuerySet]]:
    """For each service, the records by which it reached children (each with a
    ``child_id``; some services read two tables).

    With ``other`` (an outer reference to another project, two levels up: the
    overlap asks it for each project row), what *that* project counts in the
    shared part of both windows, at the shared sites, by its own rules.
    """
    firsts, lasts = [scope.first], [scope.last]
    if other is not None:
        firsts.append(OuterRef(OuterRef("starts_on")))
        lasts.append(OuterRef(OuterRef("ends_on")))

    def at(path: str) -> dict:
        # One dict, so a multi-valued path (an activity's sites) is joined once.
        lookups = {f"{path}__in": scope.site_ids}
        if other is not None:
            lookups[f"{path}__funded_projects"] = other
        return lookups

    if other is None:
        in_programs = Q(program__in=scope.program_ids) if scope.program_ids else Q()
        own_support = Q(funded_project=scope.project_id) | Q(funded_project__isnull=True)
        attended = _attended(scope)
    else:
        # The other project's programs, through the join of its sites above
        # (same filter() call, same join): none listed, or the enrollment's.
        in_programs = Q(site__funded_projects__programs__isnull=True) | Q(
            site__funded_projects__programs=F("program")
        )
        own_support = Q(funded_project=other) | Q(
            funded_project__isnull=True, family__site__funded_projects=other
        )
        attended = [
            Mark.objects.held().filter(
                _dated("register__date", firsts, lasts),
                status__in=MarkStatus.attended(),
                **at("register__group__site"),
            )
        ]
    counselled = CounselingSession.children.through.objects
    took_part = CommunityActivity.children.through.objects
    return {
        "enrolled": [
            Enrollment.objects.filter(Q(**at("site")) & in_programs & _overlapping(firsts, lasts))
        ],
        "attended": attended,
        "counselled": [
            counselled.filter(
                _dated("counselingsession__date", firsts, lasts), **at("counselingsession__site")
            )
        ],
        "mentored": [
            MentoringSession.objects.filter(_dated("date", firsts, lasts), **at("child__site"))
        ],
        "supported": [
            SupportGiven.objects.filter(
                Q(**at("family__site")) & own_support & _dated("date", firsts, lasts),
                child__isnull=False,
            )
        ],
        # At an activity of the child's own site: children of other sites who
        # came along belong to their own sites' projects.
        "activities": [
            took_part.filter(
                _dated("communityactivity__date", firsts, lasts),
                communityactivity__sites=F("child__site"),
                **at("child__site"),
            )
        ],
    }


def _attended(scope: _Scope) -> list[QuerySet]:
    """Who came to a held session (present or late; a child only ever marked
    absent did not): the months wholly inside the window from
    the children's monthly tally (``ChildAttendanceMonth``, kept from the marks
    by triggers: a few rows per child instead of a mark per session), the days
    of the months cut by the window from the marks themselves."""
    first, last = scope.first, scope.last
    marks = Mark.objects.held().filter(
        register__group__site__in=scope.site_ids, status__in=MarkStatus.attended()
    )
    whole_from = first if first.day == 1 else add_months(first, 1)
    day_after = last + datetime.timedelta(days=1)
    whole_until = day_after.replace(day=1)  # exclusive
    if whole_from >= whole_until:
        return [marks.filter(register__date__range=(first, last))]
    edges = Q(register__date__gte=first, register__date__lt=whole_from) | Q(
        register__date__gte=whole_until, register__date__lte=last
    )
    return [
        ChildAttendanceMonth.objects.filter(
            site__in=scope.site_ids, month__gte=whole_from, month__lt=whole_until, attended__gt=0
        ),
        marks.filter(edges),
    ]


def _in(sources: list[QuerySet]) -> Q:
    """Children with a record among ``sources``: uncorrelated IN subqueries,
    which PostgreSQL hashes once each."""
    condition = Q(pk__in=[])
    for source in sources:
        condition |= Q(pk__in=source.values("child_id"))
    return condition


def _reached(services: dict[str, list[QuerySet]]) -> Q:
    condition = Q(pk__in=[])
    for sources in services.values():
        condition |= _in(sources)
    return condition


def _reached_exists(services: dict[str, list[QuerySet]]) -> Q:
    """The same children, asked child by child: for the few children of a report
    and each other project, an index probe each beats hashing every record of
    the period once per project. Enrollment first: most children stop there."""
    condition = Q(pk__in=[])
    for sources in services.values():
        for source in sources:
            condition |= Exists(source.filter(child_id=OuterRef("pk")))
    return condition


def _reach(scope: _Scope, site_list: list[Site]) -> Reach:
    services = _services(scope)
    # One query: children by sex, age, grade and site, and in each group how
    # many had each service.
    rows = (
        Child.objects.filter(_reached(services))
        .annotate(
            months=Value(scope.last.year * 12 + scope.last.month)
            - (ExtractYear("birth_date") * 12 + ExtractMonth("birth_date")),
            age_band=_age_band(),
            grade_band=_grade_band(),
            home_site=_home_site(scope),
        )
        .order_by()
        .values("sex", "age_band", "grade_band", "home_site")
        .annotate(
            children=Count("pk"),
            **{
                f"service_{key}": Count("pk", filter=_in(sources))
                for key, sources in services.items()
            },
        )
    )
    by_sex, by_age, by_grade, by_site = Counter(), Counter(), Counter(), Counter()
    by_service = dict.fromkeys(services, 0)
    for row in rows:
        by_sex[row["sex"]] += row["children"]
        by_age[row["age_band"]] += row["children"]
        by_grade[row["grade_band"]] += row["children"]
        by_site[row["home_site"]] += row["children"]
        for key in services:
            by_service[key] += row[f"service_{key}"]
    return Reach(
        total=sum(by_sex.values()),
        by_service=by_service,
        by_sex=_breakdown(by_sex, [(sex.value, sex.label) for sex in Sex]),
        by_age=_breakdown(by_age, [(key, label) for key, label, _below in AGE_BANDS]),
        by_grade=_breakdown(by_grade, [(key, label) for key, label, _top in GRADE_BANDS]),
        by_site=_breakdown(by_site, [(site.pk, site.name) for site in site_list]),
    )


def _breakdown(counts: Counter, keys: list[tuple]) -> Breakdown:
    rows = [(key, capfirst(str(label)), counts[key]) for key, label in keys]
    if counts[UNKNOWN] or counts[None]:
        rows.append((UNKNOWN, str(_("Unknown")), counts[UNKNOWN] + counts[None]))
    return Breakdown(rows=rows)


def _age_band() -> Case:
    bands = [
        When(birth_date__isnull=True, then=Value(UNKNOWN)),
        When(months__lt=0, then=Value(UNKNOWN)),
    ]
    bands += [When(months__lt=below, then=Value(key)) for key, _label, below in AGE_BANDS if below]
    return Case(*bands, default=Value(AGE_BANDS[-1][0]), output_field=CharField())


def _grade_band() -> Case:
    bands = [When(grade__isnull=True, then=Value(UNKNOWN))]
    bands += [When(grade__lte=top, then=Value(key)) for key, _label, top in GRADE_BANDS]
    return Case(*bands, default=Value(UNKNOWN), output_field=CharField())


def _home_site(scope: _Scope) -> Coalesce:
    """The one site a child is counted at: where their latest enrollment of the
    report is, else their own site, else where they were marked, counselled or
    supported in the window (the latest)."""
    child = OuterRef("pk")
    enrollment = Enrollment.objects.filter(
        Q(site__in=scope.site_ids)
        & (Q(program__in=scope.program_ids) if scope.program_ids else Q())
        & _overlapping([scope.first], [scope.last]),
        child=child,
    )
    mark = Mark.objects.held().filter(
        register__date__range=(scope.first, scope.last),
        register__group__site__in=scope.site_ids,
        child=child,
    )
    session = CounselingSession.objects.filter(
        date__range=(scope.first, scope.last), site__in=scope.site_ids, children=child
    )
    support = SupportGiven.objects.filter(
        Q(funded_project=scope.project_id) | Q(funded_project__isnull=True),
        date__range=(scope.first, scope.last),
        family__site__in=scope.site_ids,
        child=child,
    )
    return Coalesce(
        Subquery(enrollment.order_by("-started_on", "-pk").values("site_id")[:1]),
        Case(When(site_id__in=scope.site_ids, then=F("site_id"))),
        Subquery(mark.order_by("-register__date").values("register__group__site_id")[:1]),
        Subquery(session.order_by("-date").values("site_id")[:1]),
        Subquery(support.order_by("-date").values("family__site_id")[:1]),
        output_field=IntegerField(),
    )


def _attendance(scope: _Scope) -> Attendance:
    # The tally of each site's day (kept from the marks by triggers, see
    # attendance.tallies) holds only marks: "no session" days and registers
    # not taken have none, so they never count. Exact for any window.
    totals = AttendanceDay.objects.filter(
        site__in=scope.site_ids, date__range=(scope.first, scope.last)
    ).aggregate(
        sessions=Coalesce(Sum("sessions"), 0),
        marks=Coalesce(Sum("marked"), 0),
        attended=Coalesce(Sum("attended"), 0),
    )
    return Attendance(**totals)


def _retention(scope: _Scope) -> Retention:
    """The children enrolled on the window's first day, and where they are on its
    last: still enrolled, else their latest exit in the window. Moving to another
    group ends one enrollment as "moved" and opens the next (the next school
    year's group often starts the day after the window), so a move followed by
    an enrollment of the report is no exit: the child stays."""
    enrollments = Enrollment.objects.filter(site__in=scope.site_ids)
    if scope.program_ids:
        enrollments = enrollments.filter(program__in=scope.program_ids)
    at_start = enrollments.filter(started_on__lte=scope.first).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=scope.first)
    )
    child = OuterRef("pk")
    enrolled_at_end = enrollments.filter(child=child, started_on__lte=scope.last).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=scope.last)
    )
    exits = enrollments.filter(child=child, ended_on__range=(scope.first, scope.last)).order_by(
        "-ended_on", "-pk"
    )
    latest_exit = exits.values("status")[:1]
    # A move continues in an enrollment opening within MOVE_GAP_DAYS of it (the
    # next school year's group); a child back a year later had left.
    next_group = enrollments.filter(
        child=child,
        started_on__gt=scope.last,
        started_on__lte=ExpressionWrapper(
            OuterRef("latest_exit_on") + datetime.timedelta(days=MOVE_GAP_DAYS),
            output_field=DateField(),
        ),
    )
    moved_on = Q(latest_exit=EnrollmentStatus.MOVED, continues=True)
    left = Q(enrolled_at_end=False) & ~moved_on
    totals = (
        Child.objects.filter(pk__in=at_start.values("child_id"))
        .annotate(latest_exit_on=Subquery(exits.values("ended_on")[:1]))
        .annotate(
            enrolled_at_end=Exists(enrolled_at_end),
            latest_exit=Subquery(latest_exit),
            continues=Exists(next_group),
        )
        .aggregate(
            enrolled_at_start=Count("pk"),
            still_enrolled=Count("pk", filter=Q(enrolled_at_end=True) | moved_on),
            completed=Count("pk", filter=left & Q(latest_exit=EnrollmentStatus.COMPLETED)),
            dropped_out=Count("pk", filter=left & Q(latest_exit=EnrollmentStatus.DROPPED_OUT)),
            other_exits=Count("pk", filter=left & Q(latest_exit__in=OTHER_EXITS)),
        )
    )
    return Retention(**totals)


def _counseling(scope: _Scope) -> Counseling:
    by_kind = {
        kind.value: Count("pk", distinct=True, filter=Q(kind=kind.value)) for kind in CounselingKind
    }
    totals = CounselingSession.objects.filter(
        site__in=scope.site_ids, date__range=(scope.first, scope.last)
    ).aggregate(
        sessions=Count("pk", distinct=True),
        children_=Count("children", distinct=True),
        guardians_=Count("guardians", distinct=True),
        **by_kind,
    )
    return Counseling(
        sessions=totals["sessions"],
        sessions_by_kind={kind.value: totals[kind.value] for kind in CounselingKind},
        children=totals["children_"],
        guardians=totals["guardians_"],
    )


def _parent_meetings(scope: _Scope) -> ParentMeetings:
    totals = ParentMeeting.objects.filter(
        site__in=scope.site_ids, date__range=(scope.first, scope.last)
    ).aggregate(
        meetings=Count("pk", distinct=True),
        parents=Count("attendees", distinct=True),
        families=Count("attendees__family", distinct=True),
    )
    return ParentMeetings(**totals)


def _support(scope: _Scope) -> Support:
    rows = {
        row["kind"]: row
        for row in SupportGiven.objects.filter(
            Q(funded_project=scope.project_id) | Q(funded_project__isnull=True),
            family__site__in=scope.site_ids,
            date__range=(scope.first, scope.last),
        )
        .order_by()
        .values("kind")
        .annotate(records=Count("pk"), value=Coalesce(Sum("value_ron"), Decimal("0.00")))
    }
    return Support(
        lines=[
            SupportLine(
                kind=kind.value,
                label=str(kind.label),
                records=rows[kind.value]["records"],
                value_ron=rows[kind.value]["value"].quantize(CENTS),
            )
            for kind in SupportKind
            if kind.value in rows
        ]
    )


def _overlaps(scope: _Scope) -> list[Overlap]:
    """The other projects of overlapping periods at a shared site, each with the
    number of this report's children it counts too: one query for all of them."""
    shared = (
        Child.objects.filter(_reached(_services(scope)))
        .filter(_reached_exists(_services(scope, other=OuterRef(OuterRef("pk")))))
        .order_by()
        .annotate(n=Func("pk", function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    shares_a_site = FundedProject.sites.through.objects.filter(
        fundedproject_id=OuterRef("pk"), site_id__in=scope.site_ids
    )
    others = (
        FundedProject.objects.exclude(pk=scope.project_id)
        .filter(Exists(shares_a_site), starts_on__lte=scope.last, ends_on__gte=scope.first)
        .select_related("funder")
        .annotate(shared=Subquery(shared, output_field=IntegerField()))
        .order_by("starts_on", "name")
    )
    return [
        Overlap(
            project_id=other.pk,
            project=other.name,
            funder=other.funder.name,
            starts_on=other.starts_on,
            ends_on=other.ends_on,
            shared_children=other.shared or 0,
        )
        for other in others
    ]


def _nothing(site_list: list[Site]) -> dict:
    """Every figure zero, for a period outside the project's or no site."""
    return {
        "reach": Reach(
            total=0,
            by_service=dict.fromkeys((key for key, _label in SERVICES), 0),
            by_sex=_breakdown(Counter(), [(sex.value, sex.label) for sex in Sex]),
            by_age=_breakdown(Counter(), [(key, label) for key, label, _b in AGE_BANDS]),
            by_grade=_breakdown(Counter(), [(key, label) for key, label, _t in GRADE_BANDS]),
            by_site=_breakdown(Counter(), [(site.pk, site.name) for site in site_list]),
        ),
        "attendance": Attendance(sessions=0, marks=0, attended=0),
        "retention": Retention(
            enrolled_at_start=0, still_enrolled=0, completed=0, dropped_out=0, other_exits=0
        ),
        "counseling": Counseling(
            sessions=0,
            sessions_by_kind=dict.fromkeys(CounselingKind.values, 0),
            children=0,
            guardians=0,
        ),
        "parent_meetings": ParentMeetings(meetings=0, parents=0, families=0),
        "support": Support(lines=[]),
    }


# --- The tables -------------------------------------------------------------------


def _count_rows(pairs: Iterable[tuple[object, int]]) -> list[Row]:
    return [Row(str(label), [Cell(count)]) for label, count in pairs]


def _breakdown_section(key: str, title, heading, breakdown: Breakdown, note="") -> Section:
    rows = _count_rows((label, count) for _key, label, count in breakdown.rows)
    rows.append(Row(str(_("Total")), [Cell(breakdown.total)], total=True))
    return Section(key, str(title), [str(heading), str(_("Children"))], rows, str(note))


def _sections(report: FunderReport) -> list[Section]:
    reach, attendance, retention = report.reach, report.attendance, report.retention
    counseling, meetings, support = report.counseling, report.parent_meetings, report.support
    indicator, number = str(_("Indicator")), str(_("Number"))
    kinds = dict(CounselingKind.choices)
    sections = [
        Section(
            "reach",
            str(_("Children reached (unduplicated)")),
            [str(_("Service")), str(_("Children"))],
            [
                Row(str(_("Children reached (each counted once)")), [Cell(reach.total)], True),
                *_count_rows((label, reach.by_service[key]) for key, label in SERVICES),
            ],
            str(
                _(
                    "A child who had several services is counted once in the total and once "
                    "under each service."
                )
            ),
        ),
        _breakdown_section("sex", _("Children reached by sex"), _("Sex"), reach.by_sex),
        _breakdown_section(
            "age",
            _("Children reached by age"),
            _("Age band"),
            reach.by_age,
            _("Age at the end of the period, from the year and month of birth."),
        ),
        _breakdown_section(
            "grade",
            _("Children reached by school grade"),
            _("Grade band"),
            reach.by_grade,
            _("The grade the child is in now, as recorded."),
        ),
        _breakdown_section(
            "site",
            _("Children reached by site"),
            _("Site"),
            reach.by_site,
            _(
                "Each child is counted at one site: the site of their latest enrollment in the "
                "period, else the site that follows them. So the sites add up to the total."
            ),
        ),
        Section(
            "attendance",
            str(_("Attendance at program sessions")),
            [indicator, number],
            [
                Row(str(_("Sessions held")), [Cell(attendance.sessions)]),
                Row(str(_("Attendance marks")), [Cell(attendance.marks)]),
                Row(str(_("Present or late")), [Cell(attendance.attended)]),
                Row(str(_("Attendance rate (%)")), [Cell(attendance.rate, RATE)], True),
            ],
            str(
                _(
                    "Only sessions held count: days without a session and registers not taken "
                    "do not."
                )
            ),
        ),
        Section(
            "retention",
            str(_("Retention")),
            [indicator, str(_("Children"))],
            [
                Row(
                    str(_("Enrolled on the first day of the period")),
                    [Cell(retention.enrolled_at_start)],
                ),
                Row(str(_("Still enrolled on the last day")), [Cell(retention.still_enrolled)]),
                Row(str(_("Completed the program")), [Cell(retention.completed)]),
                Row(str(_("Dropped out of school")), [Cell(retention.dropped_out)]),
                Row(str(_("Other exits (withdrawn, transferred)")), [Cell(retention.other_exits)]),
                Row(str(_("Retention rate (%)")), [Cell(retention.rate, RATE)], True),
            ],
            str(
                _(
                    "Retention rate: children still enrolled or who completed the program, out of "
                    "those enrolled on the first day. Moving to another group is not an exit."
                )
            ),
        ),
        Section(
            "counseling",
            str(_("Counseling")),
            [indicator, number],
            [
                Row(str(_("Counseling sessions")), [Cell(counseling.sessions)], True),
                *_count_rows(
                    (kinds[key], count) for key, count in counseling.sessions_by_kind.items()
                ),
                Row(str(_("Children counselled")), [Cell(counseling.children)]),
                Row(str(_("Parents and guardians counselled")), [Cell(counseling.guardians)]),
                Row(str(_("People counselled")), [Cell(counseling.people)], True),
            ],
        ),
        Section(
            "parent_meetings",
            str(_("Parent meetings")),
            [indicator, number],
            [
                Row(str(_("Meetings")), [Cell(meetings.meetings)]),
                Row(str(_("Parents and guardians reached")), [Cell(meetings.parents)]),
                Row(str(_("Families reached")), [Cell(meetings.families)]),
            ],
        ),
        Section(
            "support",
            str(_("Support given")),
            [str(_("Kind")), str(_("Records")), str(_("Value (RON)"))],
            [
                *(
                    Row(line.label, [Cell(line.records), Cell(line.value_ron, RON)])
                    for line in support.lines
                ),
                Row(
                    str(_("Total")),
                    [Cell(support.records), Cell(support.value_ron, RON)],
                    total=True,
                ),
            ],
            str(_("Support recorded for another funded project is not included.")),
        ),
        Section(
            "overlaps",
            str(_("Other projects at the same sites and time")),
            [str(_("Project")), str(_("Period")), str(_("Children counted by both"))],
            [
                Row(
                    f"{overlap.funder} · {overlap.project}",
                    [
                        Cell(f"{overlap.starts_on:%d.%m.%Y}–{overlap.ends_on:%d.%m.%Y}", TEXT),
                        Cell(overlap.shared_children),
                    ],
                    flagged=overlap.flagged,
                )
                for overlap in report.overlaps
            ],
            str(
                _(
                    "Children of this report whom another project also counts, in the part of "
                    "its period that overlaps this one and at the sites both share."
                )
            ),
        ),
    ]
    return sections
