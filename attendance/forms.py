"""Reading what the register and school-absence pages send back.

The pages are plain HTML written for phones (see the templates); these forms
only validate what comes back, with messages in the user's language.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import (
    MAX_SCHOOL_HOURS_PER_MONTH,
    NOTE_MAX_LENGTH,
    TOO_MANY_HOURS_MESSAGE,
    AbsenceReason,
    Activity,
    MarkStatus,
    NoSessionReason,
)
from attendance.roster import MarkEntry, RegisterEntry
from attendance.services import AbsenceEntry, Submission
from programs.fields import normalise_romanian

# More rows than any group has: a bigger request is not a register.
MAX_ROWS = 300
_MARK_KEY = re.compile(r"^c(\d{1,12})-status$")


def _note_field() -> forms.CharField:
    return forms.CharField(max_length=NOTE_MAX_LENGTH, required=False)


def _clean_note(value: str) -> str:
    return normalise_romanian(value)


class RegisterForm(forms.Form):
    activities = forms.MultipleChoiceField(
        choices=Activity.choices,
        error_messages={"required": gettext_lazy("Choose at least one activity of the session.")},
    )
    note = _note_field()
    was = forms.CharField(max_length=8, required=False)

    def clean_note(self) -> str:
        return _clean_note(self.cleaned_data["note"])


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=MarkStatus.choices)
    reason = forms.ChoiceField(choices=[("", ""), *AbsenceReason.choices], required=False)
    note = _note_field()
    was = forms.CharField(max_length=8, required=False)

    def clean_note(self) -> str:
        return _clean_note(self.cleaned_data["note"])

    def clean(self):
        cleaned = super().clean()
        # The reason list is hidden for a present child; a choice left in it from
        # an earlier tap means nothing.
        if cleaned.get("status") == MarkStatus.PRESENT:
            cleaned["reason"] = ""
        return cleaned

    @property
    def entry(self) -> MarkEntry:
        data = self.cleaned_data
        return MarkEntry(data["status"], data["reason"], data["note"])


class NoSessionForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", ""), *NoSessionReason.choices],
        error_messages={"required": gettext_lazy("Say why the group did not meet.")},
    )
    note = _note_field()
    was = forms.CharField(max_length=8, required=False)
    version = forms.IntegerField(min_value=0)

    def clean_note(self) -> str:
        return _clean_note(self.cleaned_data["note"])

    @property
    def submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            register=RegisterEntry((), data["reason"], data["note"]),
            register_was=data["was"],
            marks={},
            was={},
            loaded_version=data["version"],
        )


class RegisterSubmission:
    """The whole register as posted: the session's fields and one form per child."""

    def __init__(self, data):
        self.register_form = RegisterForm(data)
        child_ids = []
        for key in data:
            match = _MARK_KEY.match(key)
            if match:
                child_ids.append(int(match.group(1)))
        self.too_many = len(child_ids) > MAX_ROWS
        self.mark_forms = {
            child_id: MarkForm(data, prefix=f"c{child_id}") for child_id in child_ids[:MAX_ROWS]
        }

    def is_valid(self) -> bool:
        valid = self.register_form.is_valid()
        for form in self.mark_forms.values():
            valid = form.is_valid() and valid
        return valid and not self.too_many

    def errors_by_child(self) -> dict[int, list[str]]:
        return {
            child_id: [message for messages in form.errors.values() for message in messages]
            for child_id, form in self.mark_forms.items()
            if form.errors
        }

    def register_errors(self) -> list[str]:
        errors = [m for messages in self.register_form.errors.values() for m in messages]
        if self.too_many:
            errors.append(_("The register has too many rows."))
        return errors

    def entries(self) -> dict[int, MarkEntry]:
        """What was chosen for each child, valid or not, to show it again."""
        shown = {}
        for child_id, form in self.mark_forms.items():
            status = form.data.get(f"c{child_id}-status", "")
            shown[child_id] = MarkEntry(
                status if status in MarkStatus.values else MarkStatus.PRESENT,
                form.data.get(f"c{child_id}-reason", "")
                if form.data.get(f"c{child_id}-reason", "") in AbsenceReason.values
                else "",
                form.data.get(f"c{child_id}-note", "")[:NOTE_MAX_LENGTH],
            )
        return shown

    @property
    def submission(self) -> Submission:
        register = self.register_form.cleaned_data
        return Submission(
            register=RegisterEntry(tuple(register["activities"]), "", register["note"]),
            register_was=register["was"],
            marks={child_id: form.entry for child_id, form in self.mark_forms.items()},
            was={child_id: form.cleaned_data["was"] for child_id, form in self.mark_forms.items()},
        )


class OpenRegisterForm(forms.Form):
    """The "open another register" picker on Today."""

    group = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Group"))
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, groups=(), today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(group.pk, group.name) for group in groups]
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["date"].initial = today


class MissingRegistersForm(forms.Form):
    """The coordinators' overview: which sites, which days."""

    MAX_DAYS = 31

    site = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=gettext_lazy("Site")
    )
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All my sites"))] + [
            (site.pk, site.name) for site in sites
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (end - start).days >= self.MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose at most %(days)s days at a time.") % {"days": self.MAX_DAYS}
                )
        return cleaned


class HoursField(forms.IntegerField):
    default_error_messages = {
        "invalid": gettext_lazy("Write a whole number of hours."),
        "min_value": gettext_lazy("Hours cannot be negative."),
        "max_value": gettext_lazy("At most %(limit_value)s hours in a month."),
    }

    def __init__(self, **kwargs):
        super().__init__(
            min_value=0, max_value=MAX_SCHOOL_HOURS_PER_MONTH, required=False, **kwargs
        )


class SchoolAbsenceForm(forms.Form):
    excused = HoursField()
    unexcused = HoursField()

    def clean(self):
        cleaned = super().clean()
        excused, unexcused = cleaned.get("excused"), cleaned.get("unexcused")
        if (excused or 0) + (unexcused or 0) > MAX_SCHOOL_HOURS_PER_MONTH:
            raise forms.ValidationError(str(TOO_MANY_HOURS_MESSAGE))
        return cleaned

    def entry(self, child_id: int) -> AbsenceEntry:
        data = self.cleaned_data
        excused, unexcused = data["excused"], data["unexcused"]
        if excused is None and unexcused is not None:
            excused = 0
        if unexcused is None and excused is not None:
            unexcused = 0
        return AbsenceEntry(child_id, excused, unexcused)
