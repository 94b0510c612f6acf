"""The audit trail: which records keep a history of every change, and how.

PostgreSQL triggers (django-pghistory) copy the row into an event table on
every insert, update and delete, whatever wrote it: a form, the admin, a bulk
update, or the register's one raw SQL statement. Event tables are append-only
(``PGHISTORY_APPEND_ONLY``); who made the change and on which page comes from
``inocenti.middleware.AuditContextMiddleware``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

import pghistory
import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _


def audited(**options):
    """Class decorator: keep a history of every insert, update and delete of the model."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options
    )


def audit_links(through, *, app_label: str, model_name: str) -> None:
    """Keep a history of a many-to-many relation's links (who was added, who removed).

    Django creates the link table's model itself, so it cannot be decorated.
    """
    pghistory.track(
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        app_label=app_label,
        model_name=model_name,
    )(through)


# Bookkeeping columns that say nothing a reader of the history needs.
_QUIET_COLUMNS = {"id", "created_at", "updated_at", "version", "created_by_id", "updated_by_id"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    at: datetime.datetime
    action: str
    model: type[models.Model]
    object_id: str
    user_id: int | None
    changes: list[Change] = field(default_factory=list)
    user: object = None
    title: str = ""

    label: str = ""

    @property
    def what(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def action_is_update(self) -> bool:
        return self.label == "update"


ACTION_LABELS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "add": _("added"),
    "remove": _("removed"),
}


def history_entries(events: Iterable, *, hidden_models: Iterable[str] = ()) -> list[HistoryEntry]:
    """Readable entries from pghistory ``Events`` rows, newest first, with their users.

    Values are shown as stored, except choices (their label) and yes/no; a
    related record is shown by its number, so that reading the history needs
    no query per row.
    """
    hidden = {label.lower() for label in hidden_models}
    entries = []
    for event in events:
        model = apps.get_model(event.pgh_obj_model)
        if model._meta.label_lower in hidden:
            continue
        columns = {f.column: f for f in model._meta.concrete_fields}
        if event.pgh_label == "update":
            pairs = {column: tuple(values) for column, values in (event.pgh_diff or {}).items()}
        elif event.pgh_label in ("insert", "add"):
            pairs = {column: (None, value) for column, value in (event.pgh_data or {}).items()}
        else:
            pairs = {column: (value, None) for column, value in (event.pgh_data or {}).items()}
        changes = [
            Change(
                field=str(columns[column].verbose_name) if column in columns else column,
                before=_display(columns.get(column), before),
                after=_display(columns.get(column), after),
            )
            for column, (before, after) in pairs.items()
            if column not in _QUIET_COLUMNS and not (_empty(before) and _empty(after))
        ]
        if event.pgh_label == "update" and not changes:
            continue
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                action=str(ACTION_LABELS.get(event.pgh_label, event.pgh_label)),
                label=event.pgh_label,
                model=model,
                object_id=event.pgh_obj_id or "",
                user_id=(event.pgh_context or {}).get("user"),
                changes=changes,
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    users = get_user_model().objects.in_bulk({e.user_id for e in entries if e.user_id})
    for entry in entries:
        entry.user = users.get(entry.user_id)
    return entries


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _display(field_, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field_ is not None and field_.choices:
        labels = dict(field_.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(item, item)) for item in value)
        return str(labels.get(value, value))
    if field_ is not None and field_.is_relation:
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def audit_paused():
    """A context in which the audit triggers write no history (the demo's generated past).

    The append-only protection of the history stays on.
    """
    uris = [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if trigger.name != "append_only"
    ]
    return pgtrigger.ignore(*uris)
