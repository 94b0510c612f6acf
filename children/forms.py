"""Forms of the children's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from children import importing
from programs.models import Program, Site


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
