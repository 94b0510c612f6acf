from collections.abc import Callable

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from programs.models import SITE_REQUIRED_MESSAGE, User


class SiteRequiredMixin:
    """The account needs a site unless it is a superuser or an all-sites director."""

    def clean(self):
        cleaned = super().clean()
        is_superuser = cleaned.get("is_superuser", self.instance.is_superuser)
        sees_all_sites = cleaned.get("sees_all_sites", self.instance.sees_all_sites)
        if not cleaned.get("sites") and User.site_required(
            is_superuser=is_superuser, sees_all_sites=sees_all_sites
        ):
            self.add_error("sites", SITE_REQUIRED_MESSAGE)
        return cleaned


class AccountCreationForm(SiteRequiredMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class AccountChangeForm(SiteRequiredMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


# A date input takes ISO dates whatever the language of the page.
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HappenedMixin:
    """For records of what has happened: the ``date`` field may not be after today.

    Forms call ``self.happened_by(today)`` in ``__init__`` and name their
    sentence in ``not_yet_message``."""

    not_yet_message = ""

    def happened_by(self, today) -> None:
        self.today = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > self.today:
            raise forms.ValidationError(self.not_yet_message)
        return date


def saved(form: forms.BaseForm, save: Callable[[], object]) -> bool:
    """Run ``save`` (a service, atomic); a rule only the model or the database
    checks comes back as the form's error instead of a 500. True when saved."""
    try:
        save()
    except ValidationError as error:
        form.add_error(None, error.messages)
        return False
    return True


def form_page(
    request, form, *, title: str, back_href: str, back_label: str, testid: str = ""
) -> HttpResponse:
    """A staff form page; a form sent back with errors answers 400."""
    return render(
        request,
        "_record_form.html",
        {
            "form": form,
            "title": title,
            "back_href": back_href,
            "back_label": back_label,
            "testid": testid,
        },
        status=400 if request.method == "POST" else 200,
    )
