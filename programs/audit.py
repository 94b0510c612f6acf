"""The audit trail: which records keep a history of every change, and how.

PostgreSQL triggers (django-pghistory) copy the row into an event table on
every insert, update and delete, whatever wrote it: a form, the admin, a bulk
update, or the register's one raw SQL statement. Event tables are append-only
(``PGHISTORY_APPEND_ONLY``); who made the change and on which page comes from
``inocenti.middleware.AuditContextMiddleware``.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pghistory
import pghistory.models
import pghistory.trigger
import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def audited(**options):
    """Class decorator: keep a history of every insert, update and delete of the model."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **options
    )


def audit_links(through, *, app_label: str, model_name: str) -> None:
    """Keep a history of a many-to-many relation's links (who was added, who removed).

    Django creates the link table's model itself, and migrations leave such
    models out, so triggers declared on it would never reach the database. They
    go on a proxy of it instead (``<model_name without Event>Link``), which
    migrations do carry, as django-pgtrigger and django-pghistory advise.
    """
    owner = through._meta.auto_created
    (relation,) = (f for f in owner._meta.many_to_many if f.remote_field.through is through)
    meta = {
        "proxy": True,
        "app_label": app_label,
        # The history names a link by its relation: "counseling session · children".
        "verbose_name": format_lazy("{} · {}", owner._meta.verbose_name, relation.verbose_name),
    }
    proxy = type(
        model_name.removesuffix("Event") + "Link",
        (through,),
        {"__module__": f"{app_label}.models", "Meta": type("Meta", (), meta)},
    )
    pghistory.track(
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        app_label=app_label,
        model_name=model_name,
    )(proxy)


# Bookkeeping columns that say nothing a reader of the history needs.
_QUIET_COLUMNS = {"id", "created_at", "updated_at", "version", "created_by_id", "updated_by_id"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str

    @property
    def value(self) -> str:
        """The one value of a record created, removed or snapshotted."""
        return self.after if self.after != "—" else self.before


@dataclass
class HistoryEntry:
    at: datetime.datetime
    label: str  # pghistory's: insert, update, delete, add, remove, snapshot
    model: type[models.Model]
    object_id: str
    user_id: int | None
    changes: list[Change] = field(default_factory=list)
    user: models.Model | None = None

    @property
    def what(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def action(self) -> str:
        return str(ACTION_LABELS.get(self.label, self.label))

    @property
    def action_is_update(self) -> bool:
        return self.label == "update"


ACTION_LABELS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "add": _("added"),
    "remove": _("removed"),
    "snapshot": _("as it was when the history began"),
}


def history_entries(
    events: Iterable,
    *,
    hidden_models: Iterable[str] = (),
    masked_fields: Mapping[str, Callable[[str], str]] | None = None,
) -> list[HistoryEntry]:
    """Readable entries from pghistory ``Events`` rows, newest first, with their users.

    Values are shown as stored, except choices (their label) and yes/no; a
    related record is shown by its number, so that reading the history needs
    no query per row. ``masked_fields`` ({"app.model.field": mask}) shows a
    value only masked, as the rest of the site does (a child's CNP).
    """
    hidden = {label.lower() for label in hidden_models}
    masks = {label.lower(): mask for label, mask in (masked_fields or {}).items()}
    entries = []
    for event in events:
        model = apps.get_model(event.pgh_obj_model)
        if model._meta.label_lower in hidden:
            continue
        columns = {f.column: f for f in model._meta.concrete_fields}
        if event.pgh_label == "update" and event.pgh_diff is not None:
            pairs = {column: tuple(values) for column, values in event.pgh_diff.items()}
        elif event.pgh_label in ("insert", "add", "update", "snapshot"):
            # An update with nothing before it changed a record older than the
            # trail: what it holds now is all the history knows.
            pairs = {column: (None, value) for column, value in (event.pgh_data or {}).items()}
        else:
            pairs = {column: (value, None) for column, value in (event.pgh_data or {}).items()}
        for column, field_ in columns.items():
            mask = masks.get(f"{model._meta.label_lower}.{field_.name}")
            if mask is not None and column in pairs:
                pairs[column] = tuple(mask(value) if value else value for value in pairs[column])
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
    # A multiple choice (ChoiceArrayField) keeps its choices on its items' field.
    choice_field = getattr(field_, "base_field", field_)
    if choice_field is not None and choice_field.choices:
        labels = dict(choice_field.flatchoices)
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

    The append-only protection of the history stays on, and so do triggers that
    are not history (the attendance tallies).
    """
    uris = [
        trigger.get_uri(model)
        for model, trigger in pgtrigger.registered()
        if isinstance(trigger, pghistory.trigger.Event)
    ]
    return pgtrigger.ignore(*uris)


def record_baseline(app_label: str):
    """A migration operation's function: one "snapshot" event per existing row.

    Records written before the audit trail existed have no event; without one
    their first change would have nothing to be compared with. Run once, in
    each app's migration after its triggers are installed.
    """

    def forwards(migration_apps, schema_editor):
        baseline_write(
            migration_apps.get_app_config(app_label).get_models(), schema_editor.connection
        )

    return forwards


def baseline_write(event_models: Iterable[type[models.Model]], connection) -> None:
    """Adds a "snapshot" event for each tracked row that has no event yet."""
    for event_model in event_models:
        names = {f.name for f in event_model._meta.get_fields()}
        if not {"pgh_obj", "pgh_label"} <= names:
            continue
        tracked = event_model._meta.get_field("pgh_obj").related_model
        columns = [
            f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")
        ]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        event_table = connection.ops.quote_name(event_model._meta.db_table)
        tracked_table = connection.ops.quote_name(tracked._meta.db_table)
        pk = connection.ops.quote_name(tracked._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {event_table} ({quoted}, pgh_created_at, pgh_label, pgh_obj_id)"  # noqa: S608
                f" SELECT {quoted}, now(), 'snapshot', t.{pk} FROM {tracked_table} t"
                f" WHERE NOT EXISTS (SELECT 1 FROM {event_table} e WHERE e.pgh_obj_id = t.{pk})"
            )


def event_models() -> list[type[models.Model]]:
    """Every table of the audit trail."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]
