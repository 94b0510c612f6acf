"""Saving a register (and school absences) without ever losing a mark silently.

Concurrency, as decided for the register: **merge child by child, stop on a real
clash.** The page carries, for each child and for the register itself, a token of
what it showed. On save, under a row lock on the register:

- a child nobody else touched since the page was loaded gets this user's mark;
- a child someone else changed, and this user left as shown, keeps the newer mark
  (nothing of this user's is lost, and nothing of theirs);
- a child both changed, to different marks, is a *conflict*: nothing at all is
  saved, and the page comes back with the newer marks, those children
  highlighted, and what this user had chosen beside them. Saving again applies
  what the page then shows.
- a child who joined the group after the page was loaded, and has no mark yet,
  stops the save the same way, so nobody is recorded without being seen.

Two people marking the same child the same way is no conflict. A child shown
"present" by default on a register nobody had taken counts as this user's
choice, so a colleague's mark for that child meanwhile is a conflict too (the
safer reading: nobody is marked present unseen). A held register sent back
over a colleague's "no session", or "no session" over a register saved since
the page was loaded, is a conflict of the register itself. Corrections of a
register saved before are written to ``RegisterChange`` (who, when, before, after).

A save is four statements in one transaction, whatever the group's size: lock
(or create) the register, read the list with its marks, write everything, commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction

from attendance.models import ChangedField, Mark, Register, RegisterChange, SchoolAbsence
from attendance.roster import (
    NOT_TAKEN,
    MarkEntry,
    RegisterEntry,
    RosterRow,
    mark_token,
    register_token,
    roster,
)
from programs.fields import normalise_romanian
from programs.models import Group

_LOCK_REGISTER = """
    INSERT INTO attendance_register
        (group_id, date, activities, no_session_reason, note, version,
         created_by_id, updated_by_id, created_at, updated_at)
    VALUES (%s, %s, '{}', '', '', 0, %s, %s, now(), now())
    ON CONFLICT (group_id, date) DO UPDATE SET version = attendance_register.version
    RETURNING *
"""


@dataclass(frozen=True)
class Submission:
    """What the register page sent back."""

    register: RegisterEntry
    register_was: str
    marks: Mapping[int, MarkEntry]  # child id -> mark; empty for "no session"
    was: Mapping[int, str]  # child id -> token of the mark the page showed
    loaded_version: int = 0  # the register's version when the page was loaded


@dataclass
class SaveOutcome:
    register: Register
    rows: list[RosterRow]
    shown_register: RegisterEntry
    register_was: str
    register_conflict: bool = False
    yours_register: RegisterEntry | None = None
    kept_newer: int = 0  # children whose newer mark, by someone else, was kept
    not_on_list: int = 0  # marks sent for children no longer on the list
    changes: int = 0
    conflicts: list[RosterRow] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not (self.conflicts or self.register_conflict)


class RegisterConflict(Exception):
    """Raised inside the transaction so that nothing of the save remains."""

    def __init__(self, outcome: SaveOutcome):
        super().__init__("register changed since the page was loaded")
        self.outcome = outcome


def _lock_register(*, group: Group, day: datetime.date, user) -> Register:
    """This day's register, created if missing, locked until the transaction ends.

    One statement: the upsert takes the row lock, so two saves of the same
    register run one after the other, the second seeing the first's marks.
    """
    return Register.objects.raw(_LOCK_REGISTER, [group.pk, day, user.pk, user.pk])[0]


def _changes_of(register: Register, user, child_id: int | None, old, new) -> list[RegisterChange]:
    """The corrections between two marks (or two register entries)."""
    if child_id is None:
        pairs = [
            (ChangedField.ACTIVITIES, ",".join(old.activities), ",".join(new.activities)),
            (ChangedField.NO_SESSION_REASON, old.no_session_reason, new.no_session_reason),
            (ChangedField.REGISTER_NOTE, old.note, new.note),
        ]
    else:
        old = old or MarkEntry("", "", "")
        new = new or MarkEntry("", "", "")
        pairs = [
            (ChangedField.STATUS, old.status, new.status),
            (ChangedField.REASON, old.reason, new.reason),
            (ChangedField.NOTE, old.note, new.note),
        ]
    return [
        RegisterChange(
            register=register,
            child_id=child_id,
            field=name,
            old_value=before,
            new_value=after,
            changed_by=user,
        )
        for name, before, after in pairs
        if before != after
    ]


def _merge(current: MarkEntry | None, was: str | None, yours: MarkEntry | None):
    """(final mark, conflict?) for one child; see the module's docstring."""
    if yours is None:  # the page did not show this child
        return current, current is None
    if mark_token(current) == was or current == yours:
        return yours, False
    if yours.token == was:
        return current, False  # someone else's newer mark; this user left it alone
    return current, True


# Every write of a save in one statement: the marks upserted (or, for "no
# session", deleted), the corrections logged, the register's own fields and
# version updated. One round trip whatever the group's size; the constraints of
# the three tables check it all the same.
_WRITE_REGISTER = """
    WITH removed AS (
        DELETE FROM attendance_mark WHERE register_id = %(register)s AND %(remove_marks)s
        RETURNING child_id, status, reason, note
    ), removal_log AS (
        -- Every mark "no session" removes is a correction, whoever's it was.
        INSERT INTO attendance_registerchange
            (register_id, child_id, field, old_value, new_value, changed_by_id, changed_at)
        SELECT %(register)s, child_id, field, old_value, '', %(user)s, now()
        FROM (
            SELECT child_id, 'status' AS field, status AS old_value FROM removed
            UNION ALL SELECT child_id, 'reason', reason FROM removed WHERE reason <> ''
            UNION ALL SELECT child_id, 'note', note FROM removed WHERE note <> ''
        ) AS removed_fields
    ), marks AS (
        INSERT INTO attendance_mark (register_id, child_id, status, reason, note)
        SELECT %(register)s, m.child_id, m.status, m.reason, m.note
        FROM unnest(
            %(children)s::bigint[], %(statuses)s::varchar[],
            %(reasons)s::varchar[], %(notes)s::varchar[]
        ) AS m(child_id, status, reason, note)
        ON CONFLICT (register_id, child_id) DO UPDATE
        SET status = EXCLUDED.status, reason = EXCLUDED.reason, note = EXCLUDED.note
    ), changes AS (
        INSERT INTO attendance_registerchange
            (register_id, child_id, field, old_value, new_value, changed_by_id, changed_at)
        SELECT %(register)s, c.child_id, c.field, c.old_value, c.new_value, %(user)s, now()
        FROM unnest(
            %(change_children)s::bigint[], %(fields)s::varchar[],
            %(old_values)s::varchar[], %(new_values)s::varchar[]
        ) AS c(child_id, field, old_value, new_value)
    )
    UPDATE attendance_register
    SET activities = %(activities)s::varchar[], no_session_reason = %(no_session_reason)s,
        note = %(note)s, updated_by_id = %(user)s, updated_at = now(), version = version + 1
    WHERE id = %(register)s
"""


def _write(
    register: Register,
    user,
    *,
    marks: list[Mark],
    corrections: list[RegisterChange],
    remove_marks: bool,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _WRITE_REGISTER,
            {
                "register": register.pk,
                "user": user.pk,
                "remove_marks": remove_marks,
                "children": [mark.child_id for mark in marks],
                "statuses": [mark.status for mark in marks],
                "reasons": [mark.reason for mark in marks],
                "notes": [normalise_romanian(mark.note) for mark in marks],
                "change_children": [change.child_id for change in corrections],
                "fields": [change.field for change in corrections],
                "old_values": [change.old_value[:300] for change in corrections],
                "new_values": [change.new_value[:300] for change in corrections],
                "activities": register.activities,
                "no_session_reason": register.no_session_reason,
                "note": normalise_romanian(register.note),
            },
        )


@transaction.atomic
def register_save(*, group: Group, day: datetime.date, user, submission: Submission) -> SaveOutcome:
    """Save a whole register in one transaction: the session's activities (or no
    session and why) and every child's mark. Raises ``RegisterConflict``
    (after undoing everything) when someone else's change clashes with this one.
    """
    register = _lock_register(group=group, day=day, user=user)
    current_entry = RegisterEntry.of(register)
    current_token = register_token(register)
    rows = roster(group, day, register)
    held = not submission.register.no_session_reason

    # The register's own fields, merged like a child's mark.
    final_entry = submission.register
    register_conflict = False
    kept_newer = 0
    if current_token not in (submission.register_was, NOT_TAKEN):
        if submission.register.token == submission.register_was:
            final_entry = current_entry
            kept_newer += current_entry != submission.register
        elif submission.register != current_entry:
            register_conflict = True
    if not held and register.version != submission.loaded_version:
        # "No session" removes every mark: only if nothing changed since the page.
        register_conflict = True
    if held and final_entry.no_session_reason:
        # A colleague recorded "no session" meanwhile, and this user sends marks:
        # one of the two must give way, and they choose.
        register_conflict = True

    outcome = SaveOutcome(
        register=register,
        rows=rows,
        shown_register=current_entry if register_conflict else final_entry,
        register_was=current_token,
        register_conflict=register_conflict,
        yours_register=submission.register if register_conflict else None,
    )
    finals: dict[int, MarkEntry | None] = {}
    for row in rows:
        yours = submission.marks.get(row.child_id) if held else None
        if held:
            final, conflict = _merge(row.saved, submission.was.get(row.child_id), yours)
            kept_newer += not conflict and yours is not None and final != yours
        else:
            final, conflict = None, False
        finals[row.child_id] = final
        # Should the page come back, it shows the merged state and carries the
        # tokens of what the database now holds.
        row.was = mark_token(row.saved)
        if not held:
            row.shown = row.saved or MarkEntry()
        else:
            row.shown = (row.saved if conflict else final) or yours or MarkEntry()
        if conflict:
            row.conflict = True
            row.yours = yours
            outcome.conflicts.append(row)
    outcome.kept_newer = kept_newer
    outcome.not_on_list = len(set(submission.marks) - {row.child_id for row in rows})
    if not outcome.saved:
        raise RegisterConflict(outcome)

    changed = [row for row in rows if finals[row.child_id] != row.saved]
    marks = [
        Mark(register=register, child_id=row.child_id, **vars(finals[row.child_id]))
        for row in changed
        if finals[row.child_id] is not None
    ]
    for mark in marks:
        mark.clean_fields(exclude=["register", "child"])
    corrections: list[RegisterChange] = []
    if register.version > 0:
        corrections += _changes_of(register, user, None, current_entry, final_entry)
        # The marks "no session" removes are logged by the write statement itself.
        for row in changed if held else ():
            corrections += _changes_of(
                register, user, row.child_id, row.saved, finals[row.child_id]
            )
    outcome.changes = len(corrections)
    register.activities = list(final_entry.activities)
    register.no_session_reason = final_entry.no_session_reason
    register.note = final_entry.note
    register.clean_fields(exclude=["group", "created_by", "updated_by"])
    _write(register, user, marks=marks, corrections=corrections, remove_marks=not held)
    register.version += 1
    register.updated_by = user
    for row in rows:
        row.saved = finals[row.child_id]
    return outcome


@dataclass(frozen=True)
class AbsenceEntry:
    child_id: int
    excused_hours: int | None  # None for both: nothing reported this month
    unexcused_hours: int | None


@transaction.atomic
def school_absences_save(
    *, month: datetime.date, entries: list[AbsenceEntry], user
) -> tuple[int, int]:
    """Store a month's school absences for these children: rows left empty are
    removed. Returns (stored, removed). The caller has checked that each child
    is on the group's list for the month."""
    if month.day != 1:
        raise ValueError(f"a month is stored as its first day, not {month}")
    stored = [
        SchoolAbsence(
            child_id=entry.child_id,
            month=month,
            excused_hours=entry.excused_hours or 0,
            unexcused_hours=entry.unexcused_hours or 0,
            created_by=user,
            updated_by=user,
        )
        for entry in entries
        if entry.excused_hours is not None or entry.unexcused_hours is not None
    ]
    for absence in stored:
        absence.clean_fields(exclude=["child", "created_by", "updated_by"])
    empty = [
        entry.child_id
        for entry in entries
        if entry.excused_hours is None and entry.unexcused_hours is None
    ]
    removed = 0
    if empty:
        removed, _ = SchoolAbsence.objects.filter(month=month, child_id__in=empty).delete()
    if stored:
        SchoolAbsence.objects.bulk_create(
            stored,
            update_conflicts=True,
            unique_fields=["child", "month"],
            update_fields=["excused_hours", "unexcused_hours", "updated_by", "updated_at"],
        )
    return len(stored), removed
