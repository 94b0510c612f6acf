"""Reading the register page back into what its form would send."""

from django.urls import reverse


def register_url(group, day) -> str:
    return reverse("attendance:register", args=[group.pk, day])


def posted_register(response, marks=None, *, activities=None, note=None) -> dict:
    """The POST a user would send after changing ``marks`` ({child: status or
    (status, reason, note)}) on the page ``response`` showed."""
    marks = marks or {}
    context = response.context
    entry = context["entry"]
    data = {
        "action": "save",
        "was": context["register_was"],
        "activities": list(activities if activities is not None else entry.activities),
        "note": entry.note if note is None else note,
    }
    by_id = {getattr(child, "pk", child): value for child, value in marks.items()}
    for row in context["rows"]:
        status, reason, row_note = row.shown.status, row.shown.reason, row.shown.note
        if row.child_id in by_id:
            chosen = by_id[row.child_id]
            status, reason, row_note = chosen if isinstance(chosen, tuple) else (chosen, "", "")
        data[f"c{row.child_id}-status"] = status
        data[f"c{row.child_id}-reason"] = reason
        data[f"c{row.child_id}-note"] = row_note
        data[f"c{row.child_id}-was"] = row.was
    return data


def posted_no_session(response, reason: str, note: str = "") -> dict:
    """The "no session" form of the page ``response`` showed, sent with ``reason``."""
    return {
        "action": "no_session",
        "reason": reason,
        "note": note,
        "was": response.context["register_was"],
        "version": response.context["version"],
    }
