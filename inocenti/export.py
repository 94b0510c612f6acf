"""Everything held on one child and their family, for a data-subject request (GDPR Art. 15).

The same sections feed the JSON file and the readable page. Left out: other
children's data (siblings, the other children of a group session or an
activity, a group register's notes), confidential counseling notes (the
psychologist answers for those under professional secrecy), and the full CNP
(masked, as everywhere outside the edit form).
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import Mark, SchoolAbsence
from children import cnp as cnp_codes
from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    Consent,
    CounselingSession,
    FollowUp,
    MentorAssignment,
    MentoringSession,
    SchoolResult,
)
from families.models import Family, Guardian, ParentMeeting, SupportGiven
from inocenti.history import child_history
from programs.models import AccessLogEntry, Enrollment

# Record-keeping columns and links back to the subject: nothing a family asks for.
_SKIP = {"id", "child", "family", "site", "created_by", "updated_by", "version"}


@dataclass
class Section:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[dict[str, object]]

    @property
    def display_rows(self) -> list[list[str]]:
        """The rows as the readable page shows them, in the columns' order."""
        return [[_readable(row[key]) for key, _label in self.columns] for row in self.rows]

    @property
    def labelled_first_row(self) -> list[tuple[str, str]]:
        """A one-record section, as label and value pairs (the child, the family)."""
        (row,) = self.display_rows[:1]
        return [(label, value) for (_key, label), value in zip(self.columns, row, strict=True)]


def child_export(child: Child, *, user) -> list[Section]:
    """The sections of the export; the emergency-access reasons only for those
    who may read the access log (directors)."""
    family_scope = Q(child=child) | Q(child__isnull=True, family_id=child.family_id)
    if child.family_id is None:
        family_scope = Q(child=child)
    sections = [
        _section("child", _("Child"), [child], extra={"cnp": cnp_codes.mask(child.cnp)}),
        _section("family", _("Family"), Family.objects.filter(pk=child.family_id)),
        _section("guardians", _("Guardians"), Guardian.objects.filter(family_id=child.family_id)),
        _section("consents", _("Consents"), Consent.objects.filter(child=child)),
        _section(
            "enrollments",
            _("Enrollments"),
            # A group is named with its site and school year.
            Enrollment.objects.filter(child=child).select_related(
                "group__site", "group__school_year"
            ),
        ),
        _marks(child),
        _section(
            "school_absences", _("School absences"), SchoolAbsence.objects.filter(child=child)
        ),
        _section("school_results", _("School results"), SchoolResult.objects.filter(child=child)),
        _section(
            "counseling_sessions",
            _("Counseling sessions"),
            CounselingSession.objects.filter(children=child),
        ),
        _section("case_notes", _("Case notes"), CaseNote.objects.filter(family_scope)),
        _section("follow_ups", _("Follow-ups"), FollowUp.objects.filter(family_scope)),
        _section("support", _("Support given"), SupportGiven.objects.filter(family_scope)),
        _section("mentor_assignments", _("Mentors"), MentorAssignment.objects.filter(child=child)),
        _section(
            "mentoring_sessions",
            _("Mentoring sessions"),
            MentoringSession.objects.filter(child=child),
        ),
        _section(
            "activities",
            _("Activities"),
            CommunityActivity.objects.filter(children=child),
            only=["date", "kind", "title", "description"],
        ),
        _section(
            "parent_meetings",
            _("Parent meetings attended"),
            ParentMeeting.objects.filter(attendees__family_id=child.family_id).distinct()
            if child.family_id
            else ParentMeeting.objects.none(),
            only=["date", "kind", "topic"],
        ),
        _history(child),
        _access_log(child, with_reasons=user.has_perm("programs.view_accesslogentry")),
    ]
    return sections


def as_json(child: Child, sections: list[Section]) -> dict:
    return {
        "exported_at": timezone.now().isoformat(),
        "child_id": child.pk,
        **{
            section.key: [
                {key: _json(row[key]) for key, _label in section.columns} for row in section.rows
            ]
            for section in sections
        },
    }


def _fields(model: type[models.Model], only: list[str] | None) -> list[models.Field]:
    fields = [
        field
        for field in model._meta.concrete_fields
        if field.name not in _SKIP and (only is None or field.name in only)
    ]
    if model is Child:
        fields = [field for field in fields if field.name != "cnp"]
    return fields


def _section(key, title, records, *, only=None, extra=None) -> Section:
    model = records.model if isinstance(records, models.QuerySet) else type(records[0])
    fields = _fields(model, only)
    if isinstance(records, models.QuerySet):
        related = [field.name for field in fields if field.many_to_one]
        records = records.select_related(*related).order_by(*model._meta.ordering or ["pk"])
    columns = [(field.name, str(field.verbose_name)) for field in fields]
    rows = [{field.name: _value(record, field) for field in fields} for record in records]
    if extra:
        columns += [(name, name.upper()) for name in extra]
        for row in rows:
            row.update(extra)
    return Section(key=key, title=str(title), columns=columns, rows=rows)


def _value(record, field):
    if field.choices:
        value = getattr(record, field.attname)
        if isinstance(value, list):
            labels = dict(
                field.base_field.flatchoices if hasattr(field, "base_field") else field.flatchoices
            )
            return ", ".join(str(labels.get(item, item)) for item in value)
        return (
            str(getattr(record, f"get_{field.name}_display")()) if value not in (None, "") else ""
        )
    if field.many_to_one:
        related = getattr(record, field.name)
        return str(related) if related is not None else ""
    return getattr(record, field.attname)


def _marks(child: Child) -> Section:
    marks = Mark.objects.filter(child=child).select_related("register__group")
    rows = [
        {
            "date": mark.register.date,
            "group": mark.register.group.name,
            "status": mark.get_status_display(),
            "reason": mark.get_reason_display() if mark.reason else "",
            "note": mark.note,
        }
        for mark in marks.order_by("register__date")
    ]
    columns = [
        ("date", str(_("date"))),
        ("group", str(_("group"))),
        ("status", str(_("attendance"))),
        ("reason", str(_("reason"))),
        ("note", str(_("note"))),
    ]
    return Section(key="attendance", title=str(_("Attendance")), columns=columns, rows=rows)


def _history(child: Child) -> Section:
    rows = [
        {
            "when": entry.at,
            "who": entry.user.get_full_name() or entry.user.get_username() if entry.user else "",
            "what": f"{entry.what} #{entry.object_id}",
            "action": entry.action,
            "changes": "; ".join(
                f"{change.field}: {change.before} → {change.after}" for change in entry.changes
            ),
        }
        for entry in child_history(child)
    ]
    columns = [
        ("when", str(_("when"))),
        ("who", str(_("who"))),
        ("what", str(_("record"))),
        ("action", str(_("action"))),
        ("changes", str(_("changes"))),
    ]
    return Section(key="history", title=str(_("History of changes")), columns=columns, rows=rows)


def _access_log(child: Child, *, with_reasons: bool) -> Section:
    entries = AccessLogEntry.objects.filter(child_id=child.pk).select_related("user")
    rows = [
        {
            "when": entry.at,
            "who": entry.user.get_full_name() or entry.user.get_username(),
            "action": entry.get_action_display(),
            **({"reason": entry.reason} if with_reasons else {}),
        }
        for entry in entries
    ]
    columns = [
        ("when", str(_("when"))),
        ("who", str(_("who"))),
        ("action", str(_("action"))),
        *([("reason", str(_("reason")))] if with_reasons else []),
    ]
    return Section(
        key="access_log", title=str(_("Who opened the record")), columns=columns, rows=rows
    )


def _json(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _readable(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value)
