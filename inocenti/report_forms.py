"""The period of a funder report, from the query string (``?from=…&to=…``)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportPeriodForm(forms.Form):
    """``from`` and ``to`` are Python keywords, hence the fields added by name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date_input = {"type": "date", "class": "form-control"}
        self.fields["from"] = forms.DateField(
            label=_("From"), widget=forms.DateInput(attrs=date_input, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), widget=forms.DateInput(attrs=date_input, format="%Y-%m-%d")
        )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and last < first:
            raise forms.ValidationError(
                _("The end of the period cannot be before its start."), code="reversed"
            )
        return cleaned


def report_period(
    data, *, starts_on: datetime.date, ends_on: datetime.date
) -> tuple[datetime.date, datetime.date, ReportPeriodForm, list[str]]:
    """The period asked for in ``data`` (the project's whole period when none is
    given), the form to show, and the errors. A wrong period is never an error
    page: the report shows the project's period and says what was wrong."""
    if not (data.get("from") or data.get("to")):
        form = ReportPeriodForm(initial={"from": starts_on, "to": ends_on})
        return starts_on, ends_on, form, []
    bound = ReportPeriodForm(data)
    if bound.is_valid():
        first, last = bound.cleaned_data["from"], bound.cleaned_data["to"]
        if first <= ends_on and last >= starts_on:
            return first, last, bound, []
        errors = [str(_("The period chosen is outside the project's period."))]
    else:
        errors = [
            f"{bound.fields[name].label}: {error}" if name in bound.fields else str(error)
            for name, messages in bound.errors.items()
            for error in messages
        ]
    errors.append(str(_("The report shows the project's whole period.")))
    form = ReportPeriodForm(initial={"from": starts_on, "to": ends_on})
    return starts_on, ends_on, form, errors
