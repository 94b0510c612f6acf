"""Reading a register: who is on the list on a day, and what each child is marked.

Each child's mark, and the register's own fields, have a short *token* (a hash of
their values). The page carries the tokens it showed; on save they tell, child by
child, whether someone else changed a mark since the page was loaded (see
``attendance.services.register_save``).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import FilteredRelation, Q

from attendance.models import (
    AbsenceReason,
    Activity,
    Mark,
    MarkStatus,
    NoSessionReason,
    Register,
)
from programs.models import Enrollment, Group
from programs.search import fold

NOT_TAKEN = ""
# How far back the register looks for a run of absences, and from how many
# absences in a row it flags a child to follow up.
ABSENCE_RUN_LOOKBACK_DAYS = 28
ABSENCE_RUN_WARNING = 3


def _token(*parts: str) -> str:
    return hashlib.blake2s("\x1f".join(parts).encode(), digest_size=4).hexdigest()


@dataclass(frozen=True)
class MarkEntry:
    status: str = MarkStatus.PRESENT
    reason: str = ""
    note: str = ""

    @property
    def token(self) -> str:
        return _token(self.status, self.reason, self.note)

    @property
    def label(self) -> str:
        return str(MarkStatus(self.status).label)

    @property
    def description(self) -> str:
        """ "Absent, Sick: la medic", for the page that shows a clash."""
        parts = [self.label]
        if self.reason:
            parts.append(str(AbsenceReason(self.reason).label))
        text = ", ".join(parts)
        return f"{text}: {self.note}" if self.note else text


def mark_token(entry: MarkEntry | None) -> str:
    return NOT_TAKEN if entry is None else entry.token


@dataclass(frozen=True)
class RegisterEntry:
    """What the register itself says: held with activities, or no session."""

    activities: tuple[str, ...] = ()
    no_session_reason: str = ""
    note: str = ""

    def __post_init__(self):
        # The same activities in another order, or twice, are the same register.
        object.__setattr__(self, "activities", tuple(sorted(set(self.activities))))

    @property
    def token(self) -> str:
        return _token(",".join(sorted(self.activities)), self.no_session_reason, self.note)

    @property
    def description(self) -> str:
        """What it says, in words: the activities, or "no session" and why."""
        if self.no_session_reason:
            text = f"{NoSessionReason(self.no_session_reason).label}"
        else:
            text = ", ".join(str(Activity(value).label) for value in self.activities)
        return f"{text}: {self.note}" if self.note else text

    @classmethod
    def of(cls, register: Register) -> RegisterEntry:
        return cls(tuple(register.activities), register.no_session_reason, register.note)


def register_token(register: Register | None) -> str:
    if register is None or register.version == 0:
        return NOT_TAKEN
    return RegisterEntry.of(register).token


@dataclass
class RosterRow:
    """One child on the register page."""

    child_id: int
    given_names: str
    family_name: str
    saved: MarkEntry | None  # what the database holds; None: not marked
    shown: MarkEntry = field(default_factory=MarkEntry)  # what the form shows
    was: str = NOT_TAKEN  # the token the form carries back
    absences_in_a_row: int = 0  # before this day, in this group: a sign to follow up
    conflict: bool = False
    yours: MarkEntry | None = None  # on a conflict, what this user had chosen
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_names}"

    @property
    def absent_lately(self) -> bool:
        return self.absences_in_a_row >= ABSENCE_RUN_WARNING

    @property
    def sort_key(self) -> tuple[str, str, int]:
        return (fold(self.family_name), fold(self.given_names), self.child_id)


def roster(group: Group, day: datetime.date, register: Register | None) -> list[RosterRow]:
    """The children enrolled in ``group`` on ``day``, alphabetically, each with
    their mark in ``register``; one query, whatever the group's size."""
    enrollments = Enrollment.objects.on(day).filter(group=group)
    fields = ["child_id", "child__given_names", "child__family_name"]
    if register is not None and register.pk:
        enrollments = enrollments.annotate(
            mark=FilteredRelation(
                "child__attendance_marks",
                condition=Q(child__attendance_marks__register=register.pk),
            )
        )
        fields += ["mark__status", "mark__reason", "mark__note"]
    rows: dict[int, RosterRow] = {}
    # A child enrolled in the group through two programs is listed once.
    for values in enrollments.values(*fields):
        status = values.get("mark__status")
        saved = (
            MarkEntry(status, values["mark__reason"], values["mark__note"])
            if status is not None
            else None
        )
        rows[values["child_id"]] = RosterRow(
            child_id=values["child_id"],
            given_names=values["child__given_names"],
            family_name=values["child__family_name"],
            saved=saved,
            shown=saved or MarkEntry(),
            was=mark_token(saved),
        )
    return sorted(rows.values(), key=lambda row: row.sort_key)


def register_with_previous(group: Group, day: datetime.date) -> tuple[Register | None, tuple]:
    """This day's register (or None) and the activities to propose for a new one:
    those of the group's last register before ``day``. One query."""
    latest = (
        Register.objects.taken()
        .filter(group=group, date__lte=day)
        .select_related("created_by", "updated_by")
        .order_by("-date")
        .first()
    )
    if latest is not None and latest.date == day:
        return latest, tuple(latest.activities)
    proposed = tuple(latest.activities) if latest is not None and latest.activities else ()
    return None, proposed


def mark_absence_runs(rows: list[RosterRow], group: Group, day: datetime.date) -> None:
    """Set each row's run of absences at the group's sessions before ``day`` (a
    day without a session neither breaks nor lengthens it). One query."""
    since = day - datetime.timedelta(days=ABSENCE_RUN_LOOKBACK_DAYS)
    marks = (
        Mark.objects.held()
        .filter(
            register__group=group,
            register__date__gte=since,
            register__date__lt=day,
            child__in=[row.child_id for row in rows],
        )
        .order_by("-register__date")
        .values_list("child_id", "status")
    )
    runs: dict[int, int] = {}
    ended: set[int] = set()
    for child_id, status in marks:
        if child_id in ended:
            continue
        if status in MarkStatus.attended():
            ended.add(child_id)
        else:
            runs[child_id] = runs.get(child_id, 0) + 1
    for row in rows:
        row.absences_in_a_row = runs.get(row.child_id, 0)
