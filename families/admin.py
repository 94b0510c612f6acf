from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from families.models import Family, Guardian, ParentMeeting, RiskFactor, SupportGiven
from programs.admin_site import (
    RECORDED,
    FamilyCountyFilter,
    RecordedByAdminMixin,
    SiteScopedAdmin,
)


class OnePrimaryContactFormSet(BaseInlineFormSet):
    """The database allows one primary contact per family; say so before it refuses."""

    def clean(self):
        super().clean()
        primary = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_primary_contact") and not self._should_delete_form(form)
        ]
        if len(primary) > 1:
            raise ValidationError(_("This family already has a primary contact."))


class GuardianInline(admin.StackedInline):
    model = Guardian
    formset = OnePrimaryContactFormSet
    fields = [
        ("given_names", "family_name", "relationship"),
        ("phone", "is_primary_contact"),
        ("education_level", "employment", "works_abroad_in"),
    ]
    extra = 0


class RiskFactorFilter(admin.SimpleListFilter):
    title = _("risk factor")
    parameter_name = "risk_factor"

    def lookups(self, request, model_admin):
        return RiskFactor.choices

    def queryset(self, request, queryset):
        if self.value() in RiskFactor.values:
            return queryset.filter(risk_factors__contains=[self.value()])
        return queryset


@admin.register(Family)
class FamilyAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["name", "locality", "county", "site", "household_size", "risk_count"]
    list_filter = [("site", admin.RelatedOnlyFieldListFilter), FamilyCountyFilter, RiskFactorFilter]
    list_select_related = ["site"]
    search_fields = [
        "name__fold_contains",
        "locality__fold_contains",
        "guardians__family_name__fold_contains",
        "guardians__given_names__fold_contains",
    ]
    autocomplete_fields = ["site"]
    readonly_fields = RECORDED
    inlines = [GuardianInline]
    fieldsets = [
        (None, {"fields": ["site", "name"]}),
        (_("Address"), {"fields": ["address", "locality", "county"]}),
        (_("Situation"), {"fields": ["household_size", "risk_factors", "benefits", "notes"]}),
        (_("Record"), {"fields": RECORDED, "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The family's children stay at its site; moving a household is a new record.
        return [*RECORDED, "site"] if obj is not None else RECORDED

    @admin.display(description=_("risk factors"))
    def risk_count(self, family: Family) -> int:
        return len(family.risk_factors)


@admin.register(Guardian)
class GuardianAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = [
        "family_name",
        "given_names",
        "relationship",
        "family",
        "phone",
        "is_primary_contact",
    ]
    list_filter = [
        "relationship",
        "is_primary_contact",
        ("family__site", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["family"]
    search_fields = [
        "given_names__fold_contains",
        "family_name__fold_contains",
        "family__name__fold_contains",
    ]
    autocomplete_fields = ["family"]

    def get_readonly_fields(self, request, obj=None):
        # A guardian may have given a child's consent; they stay in their family.
        return [*RECORDED, "family"] if obj is not None else RECORDED


@admin.register(ParentMeeting)
class ParentMeetingAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["date", "kind", "topic", "site", "facilitator"]
    list_filter = ["kind", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["site", "facilitator"]
    date_hierarchy = "date"
    search_fields = ["topic__fold_contains"]
    autocomplete_fields = ["attendees"]
    readonly_fields = RECORDED


@admin.register(SupportGiven)
class SupportGivenAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["date", "kind", "family", "child", "quantity", "value_ron", "funded_project"]
    list_filter = ["kind", ("family__site", admin.RelatedOnlyFieldListFilter), "funded_project"]
    list_select_related = ["family", "child", "funded_project"]
    date_hierarchy = "date"
    search_fields = ["family__name__fold_contains", "items__fold_contains"]
    autocomplete_fields = ["family", "child"]
    readonly_fields = RECORDED
