"""Forms of the children's pages."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from children import importing
from children.models import (
    LAST_QUALIFIER_GRADE,
    CaseNote,
    Child,
    ChildStatus,
    CommunityActivity,
    CounselingSession,
    FollowUp,
    MentoringSession,
    SchoolResult,
)
from families.models import Guardian, SupportGiven
from programs.forms import ISO_DATE, HappenedMixin
from programs.models import FundedProject, Program, Role, Site, User

# Who may be given a follow-up task: those who see it on their home and close it.
FOLLOW_UP_ROLES = (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.COORDINATOR)


def _choosable_children(user, instance):
    """Active children the user may see, plus those the record already names."""
    condition = Q(pk__in=Child.objects.for_user(user).filter(status=ChildStatus.ACTIVE))
    if instance.pk:
        condition |= Q(pk__in=instance.children.values("pk"))
    return Child.objects.filter(condition)


class ChildImportForm(forms.Form):
    """A spreadsheet of children, the site they join and, optionally, a program."""

    file = forms.FileField(label=_("Spreadsheet"))
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        help_text=_("The site whose team will follow these children."),
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        help_text=_(
            "Optional: the program to enroll the children in. Needed if the file has groups."
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not on the field, so that it is translated for each request.
        self.fields["file"].help_text = _(
            "A .csv or .xlsx file, at most %(size)s MB and %(rows)s children."
        ) % {"size": importing.MAX_FILE_BYTES // (1024 * 1024), "rows": importing.MAX_ROWS}
        # Choices outside the user's sites are refused as invalid choices, not just hidden.
        sites = Site.objects.for_user(user)
        self.fields["site"].queryset = sites
        self.fields["program"].queryset = Program.objects.filter(sites__in=sites).distinct()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = importing.check_upload(file_name=upload.name, size=upload.size)
        if problem:
            raise forms.ValidationError(problem.message, code=problem.code)
        return upload

    def clean(self):
        cleaned = super().clean()
        site, program = cleaned.get("site"), cleaned.get("program")
        if site and program and not program.sites.filter(pk=site.pk).exists():
            self.add_error("program", importing.MESSAGES["program_not_at_site"])
        return cleaned


class CounselingSessionForm(HappenedMixin, forms.ModelForm):
    """A psychologist's session, with the confidential notes kept apart.

    Children and guardians are those of the psychologist's sites; all of them
    must be of one site, which becomes the session's.
    """

    not_yet_message = _("A session is recorded after it took place.")
    confidential_notes = forms.CharField(
        label=_("Confidential notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Only psychologists read these. Not shown to anyone else."),
    )

    class Meta:
        model = CounselingSession
        fields = [
            "date",
            "duration_minutes",
            "kind",
            "children",
            "guardians",
            "summary",
            "follow_up_on",
        ]
        widgets = {
            "date": ISO_DATE,
            "follow_up_on": ISO_DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.happened_by(today)
        # Active children of the user's sites, and whoever the session already has
        # (a child may have left since): an edit must not drop anyone unseen.
        self.fields["children"].queryset = (
            _choosable_children(user, self.instance)
            .select_related("site")
            .order_by("family_name", "given_names")
        )
        self.fields["guardians"].queryset = (
            Guardian.objects.for_user(user)
            .select_related("family")
            .order_by("family_name", "given_names")
        )
        if self.instance.pk and hasattr(self.instance, "confidential_note"):
            self.fields["confidential_notes"].initial = self.instance.confidential_note.text

    def clean(self):
        cleaned = super().clean()
        children = list(cleaned.get("children") or [])
        guardians = list(cleaned.get("guardians") or [])
        if not children and not guardians and not self.errors:
            raise forms.ValidationError(_("Choose the child, the guardians, or both."))
        sites = {child.site_id for child in children} | {
            guardian.family.site_id for guardian in guardians
        }
        if len(sites) > 1:
            raise forms.ValidationError(
                _("The children and guardians of one session belong to one site.")
            )
        self.site_id = next(iter(sites), None)
        return cleaned


class AboutTheFamilyMixin:
    """A record from a child's page may be about the child's whole family."""

    def _offer_family(self, family) -> None:
        if family is not None and self.instance.pk is None:
            self.fields["about_family"] = forms.BooleanField(
                label=_("About the whole family (%(family)s)") % {"family": family.name},
                required=False,
                help_text=_("It then shows on the page of each of the family's children."),
            )

    def point_at(self, record, child) -> None:
        """Set the record's subject: the child, or the child's family."""
        if self.cleaned_data.get("about_family"):
            record.child, record.family = None, child.family


class CaseNoteForm(AboutTheFamilyMixin, HappenedMixin, forms.ModelForm):
    not_yet_message = _("A note is written about what has happened.")

    class Meta:
        model = CaseNote
        fields = ["date", "kind", "text"]
        widgets = {"date": ISO_DATE, "text": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, today: datetime.date, family=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.happened_by(today)
        self._offer_family(family)


class FollowUpForm(AboutTheFamilyMixin, forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["task", "assignee", "due_on"]
        widgets = {"due_on": ISO_DATE}

    def __init__(self, *args, site: Site, family=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._offer_family(family)
        # Someone of the child's site whose role sees and closes follow-ups.
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, role__in=FOLLOW_UP_ROLES, sites=site)
            .distinct()
            .order_by("first_name", "last_name")
        )


class FollowUpDoneForm(forms.Form):
    outcome = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SchoolResultForm(forms.ModelForm):
    class Meta:
        model = SchoolResult
        fields = [
            "school_year",
            "period",
            "grade",
            "general_average",
            "qualifier",
            "failed_subjects_count",
            "failed_subjects",
            "outcome",
        ]

    def clean(self):
        cleaned = super().clean()
        # The child is not on the form, so Django's unique check skips it.
        if (
            SchoolResult.objects.filter(
                child_id=self.instance.child_id,
                school_year=cleaned.get("school_year"),
                period=cleaned.get("period"),
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "period",
                _("This child already has a result for this period of the school year."),
            )
        grade, average = cleaned.get("grade"), cleaned.get("general_average")
        qualifier = cleaned.get("qualifier")
        if average is not None and not 1 <= average <= 10:
            self.add_error("general_average", _("An average is between 1 and 10."))
        if grade is not None and grade <= LAST_QUALIFIER_GRADE:
            if average is not None:
                self.add_error("general_average", _("Grades 0–IV get a qualifier, not an average."))
        elif qualifier:
            self.add_error("qualifier", _("Qualifiers are given only in grades 0–IV."))
        return cleaned


class SupportGivenForm(HappenedMixin, forms.ModelForm):
    not_yet_message = _("Record support once it has been given.")
    for_this_child = forms.BooleanField(
        label=_("For this child"),
        required=False,
        initial=True,
        help_text=_("Leave unticked for help given to the whole family."),
    )

    class Meta:
        model = SupportGiven
        fields = ["date", "kind", "items", "quantity", "value_ron", "funded_project"]
        widgets = {"date": ISO_DATE}

    def __init__(self, *args, site: Site, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.happened_by(today)
        self.fields["funded_project"].queryset = FundedProject.objects.filter(
            sites=site
        ).select_related("funder")


class MentoringSessionForm(HappenedMixin, forms.ModelForm):
    not_yet_message = _("A session is recorded after it took place.")

    class Meta:
        model = MentoringSession
        fields = ["date", "duration_minutes", "kind", "topic"]
        widgets = {"date": ISO_DATE}

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.happened_by(today)


class CommunityActivityForm(forms.ModelForm):
    class Meta:
        model = CommunityActivity
        fields = ["date", "sites", "kind", "title", "description", "children", "volunteers"]
        widgets = {
            "date": ISO_DATE,
            "sites": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        sites = Site.objects.for_user(user).filter(is_active=True)
        # The activity's own participants stay choosable (a child may have left
        # since); the view refuses activities of sites the user cannot all see.
        self.fields["sites"].queryset = sites
        self.fields["children"].queryset = _choosable_children(user, self.instance).order_by(
            "family_name", "given_names"
        )
        self.fields["volunteers"].queryset = (
            User.objects.filter(is_active=True, role=Role.VOLUNTEER, sites__in=sites)
            .distinct()
            .order_by("first_name")
        )

    def clean(self):
        cleaned = super().clean()
        site_ids = {site.pk for site in cleaned.get("sites") or ()}
        if site_ids and any(
            child.site_id not in site_ids for child in cleaned.get("children") or ()
        ):
            self.add_error("children", _("Choose children of the activity's sites."))
        return cleaned


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why must you read these notes now?"),
        help_text=_(
            "Your reason is logged with your name and shown to the directors and in the "
            "child's access log."
        ),
        min_length=20,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
