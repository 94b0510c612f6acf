"""The retention rule: children, and then their families, are anonymised some
years after they leave the programs (``manage.py apply_retention``).

A child is due when they have enrollments, none open, and the last ended more
than ``RETENTION_YEARS`` calendar years ago
(``Child.objects.due_for_anonymisation``). A family is anonymised once it has
children and every one of them is anonymised. The rows stay, so that every
count in a report (children reached, enrollments, marks by status, support
given, sessions held) is the same before and after; what could identify a
person is erased.

It lives here, above the apps, because it reaches into every one of them
(attendance stands on children, so children/ may not touch the marks).

Erased for each anonymised child
    - ``children.Child``: given and family names (a placeholder: the columns
      may not be blank), CNP, other school attended (``school_name``), notes;
      the birth date keeps only its year and month (see "Kept").
    - ``children.Consent.note``.
    - ``programs.Enrollment.exit_reason`` (free text; the exit status stays).
    - ``attendance.Mark.note`` (status and reason code stay), and the
      before/after text of the register's corrections of that note
      (``attendance.RegisterChange``, which keeps no other text).
    - ``children.CaseNote.text`` and ``children.FollowUp.task`` and
      ``outcome`` about the child (a placeholder where the column may not be
      blank).
    - ``children.SchoolResult.failed_subjects`` (the count stays).
    - ``children.MentoringSession.topic``.
    - ``families.SupportGiven.items`` given for the child (kind, quantity and
      value stay).
    - ``programs.AccessLogEntry.reason`` of the reads of the child's record
      (an emergency access's reason may describe them; who read what, when,
      stays).

Erased for each anonymised family
    - ``families.Family``: name (placeholder), address, notes. Locality,
      county, household size, risk factors and benefits stay: codes that
      reports count.
    - Its ``families.Guardian`` rows: names (placeholder), phone,
      ``works_abroad_in``. Relationship, education level, employment and the
      primary contact stay.
    - Case notes, follow-ups and support recorded for the family as a whole
      (the same fields as a child's).

Erased for each counseling session whose people are all anonymised (at least
one child or guardian; every child anonymised; every guardian's family too)
    - ``children.CounselingSession.summary``; its
      ``children.ConfidentialNote`` is deleted. Date, kind, duration, follow-up
      date and the links to the people stay: reports count sessions and people
      counselled. A session shared with someone still followed keeps its
      summary (it is theirs too).

Kept
    - Sex, grade, site, partner school, special educational needs, status;
      enrollments' dates, sites, groups and exit status; marks; school
      absences; results' figures; support's kind and value; mentoring and
      counseling dates, kinds and durations; mentor assignments.
    - The birth date as the first day of its month: funder reports count
      children by age band, which the month keeps right to within weeks, while
      the full date is, with sex and site, the surest handle to single a child
      out (and half of a CNP).

The audit trail must not keep what was erased. After the erasure, every
history row that points at an anonymised child, family or guardian, or at an
erased session or confidential note (as its own object or through any of its
foreign keys), is deleted, with the append-only guard lifted for those event
tables only and only for those statements. That includes the rows the
anonymisation itself has just written: a delete event holds the deleted row (a
confidential note's text), and the record's ``anonymised_on`` already says
when it happened. The access log keeps its entries: numbers, not names.

Not touched, being about several people rather than one child: a register's
note, a parent meeting's topic and notes, a community activity's title and
description, the reasons given for break-glass access in the access log.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pghistory.models
import pgtrigger
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from attendance.models import ChangedField, Mark, RegisterChange
from children.models import (
    CaseNote,
    Child,
    ConfidentialNote,
    Consent,
    CounselingSession,
    FollowUp,
    MentoringSession,
    SchoolResult,
    years_before,
)
from families.models import Family, Guardian, SupportGiven
from programs.audit import event_models
from programs.models import AccessLogEntry, Enrollment

# Stored in place of a name (names may not be blank). The pages show
# "Anonymised child #id" instead, translated (``Child.full_name``).
ANONYMISED_NAME = "Anonimizat"
# Stored in place of free text that may not be blank (a case note, a task).
ERASED_TEXT = "—"
# Ids per statement: a list of ids is one parameter each, and PostgreSQL takes
# at most 65,535 parameters.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class DueChild:
    id: int
    site: str
    last_ended_on: datetime.date


@dataclass(frozen=True)
class DueFamily:
    id: int
    site: str


@dataclass(frozen=True)
class RetentionPlan:
    """What the rule selects on ``today``: ids and sites, never names."""

    today: datetime.date
    years: int
    children: list[DueChild]
    families: list[DueFamily]
    sessions: list[int]

    @property
    def cutoff(self) -> datetime.date:
        """Enrollments that ended before this day are old enough."""
        return years_before(self.today, self.years)


@dataclass
class Anonymisation:
    """What ``children_anonymise`` did: the ids anonymised, the history rows deleted."""

    children: list[int]
    families: list[int]
    sessions: list[int]
    events_deleted: int


def retention_plan(*, today: datetime.date, years: int) -> RetentionPlan:
    """The children, families and counseling sessions the rule would anonymise
    on ``today``, read without changing anything (``--dry-run``)."""
    due = Child.objects.due_for_anonymisation(today=today, years=years)
    families = _families_due(due_children=due)
    return RetentionPlan(
        today=today,
        years=years,
        children=[
            DueChild(id=pk, site=site, last_ended_on=last_ended_on)
            for pk, site, last_ended_on in due.order_by("site__name", "pk").values_list(
                "pk", "site__name", "last_ended_on"
            )
        ],
        families=[
            DueFamily(id=pk, site=site)
            for pk, site in families.order_by("site__name", "pk").values_list("pk", "site__name")
        ],
        sessions=list(
            _sessions_due(due_children=due, due_families=families)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    )


@transaction.atomic
def retention_apply(*, today: datetime.date, years: int) -> tuple[RetentionPlan, Anonymisation]:
    """Anonymise everyone the rule selects on ``today``, in one transaction.

    Running it again changes nothing: anonymised children are never due again.
    """
    plan = retention_plan(today=today, years=years)
    done = children_anonymise(children=[Child(pk=child.id) for child in plan.children], today=today)
    done.events_deleted += deleted_history_delete(before=plan.cutoff)
    return plan, done


def deleted_history_delete(*, before: datetime.date) -> int:
    """Delete the history of records deleted before ``before``.

    A deleted record's history keeps what it held (a child registered by
    mistake: their name and CNP); it is kept as long as an anonymised child's
    record would have been, then goes, with the admin's log of it.
    """
    erased: dict[type[models.Model], list[int]] = {}
    for event_model in event_models():
        ids = list(
            event_model.objects.filter(pgh_label="delete", pgh_created_at__date__lt=before)
            .values_list("pgh_obj_id", flat=True)
            .distinct()
        )
        if ids:
            erased[event_model.pgh_tracked_model] = ids
    if not erased:
        return 0
    admin_log_delete(erased)
    return history_delete(erased)


@transaction.atomic
def children_anonymise(*, children: Iterable[Child], today: datetime.date) -> Anonymisation:
    """Erase what identifies ``children`` (those not anonymised yet), then every
    family left with no child who is not anonymised, then every counseling
    session left with nobody who is not; then delete their history. See the
    module's docstring for every field."""
    candidates = sorted({child.pk for child in children})
    child_ids: list[int] = []
    for ids in _chunks(candidates):
        # Locked, so that nobody edits a child while it is being erased.
        child_ids += (
            Child.objects.select_for_update()
            .filter(pk__in=ids, anonymised_on__isnull=True)
            .values_list("pk", flat=True)
        )
    for ids in _chunks(child_ids):
        _erase_children(ids, today=today)

    family_ids = list(_families_due().values_list("pk", flat=True))
    guardian_ids: list[int] = []
    for ids in _chunks(family_ids):
        guardian_ids += Guardian.objects.filter(family_id__in=ids).values_list("pk", flat=True)
        _erase_families(ids, today=today)

    session_ids = list(_sessions_due().values_list("pk", flat=True))
    note_ids: list[int] = []
    for ids in _chunks(session_ids):
        notes = ConfidentialNote.objects.filter(session_id__in=ids)
        note_ids += notes.values_list("pk", flat=True)
        notes.delete()
        _erase(CounselingSession.objects.filter(pk__in=ids), summary="")

    erased = {
        Child: child_ids,
        Family: family_ids,
        Guardian: guardian_ids,
        CounselingSession: session_ids,
        ConfidentialNote: note_ids,
    }
    admin_log_delete(erased)
    deleted = history_delete(erased)
    return Anonymisation(
        children=child_ids, families=family_ids, sessions=session_ids, events_deleted=deleted
    )


def history_delete(erased: dict[type[models.Model], Sequence[int]]) -> int:
    """Delete the audit-trail rows of the ``erased`` records (``{model: ids}``)
    and of the records about an erased child or, for the whole family, about an
    erased family; return how many.

    A row of someone else's record that merely names an erased family or
    guardian by number (a child who moved out, a consent that guardian gave for
    another family's child) holds nothing identifying and stays. Only the
    append-only triggers of the event tables concerned are lifted, and only
    inside this function.
    """
    children, families = erased.get(Child, ()), erased.get(Family, ())
    plan = []
    for event_model in event_models():
        tracked = event_model.pgh_tracked_model
        fields = {field.name for field in event_model._meta.concrete_fields}
        rules = []
        if erased.get(tracked):
            rules.append(("pgh_obj_id__in", erased[tracked], {}))
        if "child" in fields and children:
            rules.append(("child_id__in", children, {}))
        if {"child", "family"} <= fields and families:
            rules.append(("family_id__in", families, {"child_id__isnull": True}))
        if rules:
            plan.append((event_model, rules))
    uris = [
        f"{event_model._meta.label}:append_only"
        for event_model, _rules in plan
        if any(t.name == "append_only" for t in getattr(event_model._meta, "triggers", ()))
    ]
    deleted = 0
    # pgtrigger.ignore() given no URI would lift every trigger of the database.
    with pgtrigger.ignore(*uris) if uris else contextlib.nullcontext():
        for event_model, rules in plan:
            for lookup, ids, also in rules:
                for chunk in _chunks(ids):
                    rows = event_model.objects.filter(**{lookup: chunk}, **also)
                    deleted += rows.delete()[0]
    return deleted


def admin_log_delete(erased: dict[type[models.Model], Sequence[int]]) -> int:
    """Delete the admin's "recent actions" of the erased records and of every
    record about an erased child: each names its record as it was then."""
    children = erased.get(Child, ())
    targets = dict(erased)
    for model in apps.get_models():
        child_fields = [
            f for f in model._meta.concrete_fields if f.is_relation and f.related_model is Child
        ]
        if (
            child_fields
            and children
            and model is not Child
            and not issubclass(model, pghistory.models.Event)
        ):
            ids: list[int] = []
            for chunk in _chunks(children):
                ids += model.objects.filter(
                    **{f"{child_fields[0].attname}__in": chunk}
                ).values_list("pk", flat=True)
            targets[model] = [*targets.get(model, ()), *ids]
    deleted = 0
    for model, ids in targets.items():
        content_type = ContentType.objects.get_for_model(model)
        for chunk in _chunks([str(pk) for pk in ids]):
            deleted += LogEntry.objects.filter(
                content_type=content_type, object_id__in=chunk
            ).delete()[0]
    return deleted


def _erase_children(ids: Sequence[int], *, today: datetime.date) -> None:
    _erase(
        Child.objects.filter(pk__in=ids),
        given_names=ANONYMISED_NAME,
        family_name=ANONYMISED_NAME,
        cnp=None,
        school_name="",
        notes="",
        birth_date=TruncMonth("birth_date"),
        anonymised_on=today,
    )
    _erase(Consent.objects.filter(child_id__in=ids), note="")
    _erase(Enrollment.objects.filter(child_id__in=ids), exit_reason="")
    _erase(Mark.objects.filter(child_id__in=ids), note="")
    _erase(
        RegisterChange.objects.filter(child_id__in=ids, field=ChangedField.NOTE),
        old_value="",
        new_value="",
    )
    _erase_case_records(Q(child_id__in=ids))
    _erase(SchoolResult.objects.filter(child_id__in=ids), failed_subjects="")
    _erase(MentoringSession.objects.filter(child_id__in=ids), topic="")
    # Who read the record and when stays; an emergency access's reason may
    # describe the child.
    with pgtrigger.ignore("programs.AccessLogEntry:append_only"):
        _erase(
            AccessLogEntry.objects.filter(child_id__in=ids).exclude(reason=""), reason=ERASED_TEXT
        )


def _erase_families(ids: Sequence[int], *, today: datetime.date) -> None:
    _erase(
        Family.objects.filter(pk__in=ids),
        name=ANONYMISED_NAME,
        address="",
        notes="",
        anonymised_on=today,
    )
    _erase(
        Guardian.objects.filter(family_id__in=ids),
        given_names=ANONYMISED_NAME,
        family_name=ANONYMISED_NAME,
        phone="",
        works_abroad_in="",
    )
    _erase_case_records(Q(family_id__in=ids))


def _erase_case_records(about: Q) -> None:
    _erase(CaseNote.objects.filter(about), text=ERASED_TEXT)
    _erase(FollowUp.objects.filter(about), task=ERASED_TEXT, outcome="")
    _erase(SupportGiven.objects.filter(about), items="")


def _erase(queryset: QuerySet, **values) -> int:
    """Set ``values`` on the rows that do not hold them already (each row
    written is a history row, then deleted)."""
    plain = {
        name: value for name, value in values.items() if not hasattr(value, "resolve_expression")
    }
    if plain:
        queryset = queryset.exclude(**plain)
    if any(f.name == "updated_at" for f in queryset.model._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    return queryset.update(**values)


def _families_due(*, due_children: QuerySet[Child] | None = None) -> QuerySet[Family]:
    """Families not anonymised with children, every one anonymised (or in ``due_children``)."""
    remaining = Child.objects.filter(family=OuterRef("pk"), anonymised_on__isnull=True)
    if due_children is not None:
        remaining = remaining.exclude(pk__in=due_children.values("pk"))
    return (
        Family.objects.filter(anonymised_on__isnull=True)
        .filter(Exists(Child.objects.filter(family=OuterRef("pk"))))
        .exclude(Exists(remaining))
    )


def _sessions_due(
    *,
    due_children: QuerySet[Child] | None = None,
    due_families: QuerySet[Family] | None = None,
) -> QuerySet[CounselingSession]:
    """Sessions with a summary or confidential notes left whose children and
    guardians' families are all anonymised (or due)."""
    child_links = CounselingSession.children.through.objects.filter(
        counselingsession_id=OuterRef("pk")
    )
    guardian_links = CounselingSession.guardians.through.objects.filter(
        counselingsession_id=OuterRef("pk")
    )
    children_left = child_links.filter(child__anonymised_on__isnull=True)
    if due_children is not None:
        children_left = children_left.exclude(child_id__in=due_children.values("pk"))
    guardians_left = guardian_links.filter(guardian__family__anonymised_on__isnull=True)
    if due_families is not None:
        guardians_left = guardians_left.exclude(guardian__family_id__in=due_families.values("pk"))
    return (
        CounselingSession.objects.filter(Exists(child_links) | Exists(guardian_links))
        .exclude(Exists(children_left))
        .exclude(Exists(guardians_left))
        .filter(~Q(summary="") | Exists(ConfidentialNote.objects.filter(session=OuterRef("pk"))))
    )


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK_SIZE):
        yield ids[start : start + CHUNK_SIZE]
