"""Forms of the families' pages."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from families.models import Guardian, ParentMeeting
from programs.forms import ISO_DATE, HappenedMixin
from programs.models import Site, User


class ParentMeetingForm(HappenedMixin, forms.ModelForm):
    """A meeting at one of the user's sites, with guardians of that site's families."""

    not_yet_message = _("A meeting is recorded after it took place.")

    class Meta:
        model = ParentMeeting
        fields = ["site", "date", "kind", "topic", "facilitator", "attendees", "support", "notes"]
        widgets = {"date": ISO_DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.happened_by(today)
        sites = Site.objects.for_user(user).filter(is_active=True)
        self.fields["site"].queryset = sites
        self.fields["facilitator"].queryset = (
            User.objects.filter(is_active=True, sites__in=sites).exclude(role="").distinct()
        )
        self.fields["attendees"].queryset = (
            Guardian.objects.for_user(user)
            .select_related("family")
            .order_by("family_name", "given_names")
        )

    def clean(self):
        cleaned = super().clean()
        site = cleaned.get("site")
        strangers = [
            guardian
            for guardian in cleaned.get("attendees") or ()
            if site and guardian.family.site_id != site.pk
        ]
        if strangers:
            self.add_error(
                "attendees", _("Choose guardians of families followed by the meeting's site.")
            )
        return cleaned
