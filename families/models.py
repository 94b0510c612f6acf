"""Households and the adults who care for the children."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.fields import ChoiceArrayField, RomanianTextField
from programs.models import County, CreatedByModel, Site, SiteScopedQuerySet


class RiskFactor(models.TextChoices):
    POVERTY = "poverty", _("Poverty or low income")
    SINGLE_PARENT = "single_parent", _("Single parent or separated parents")
    PARENTS_ABROAD = "parents_abroad", _("Parent(s) working abroad")
    LOW_PARENT_EDUCATION = "low_parent_education", _("Parents with little schooling")
    POOR_HOUSING = "poor_housing", _("Poor housing")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    OTHER = "other", _("Other")


class Benefit(models.TextChoices):
    CHILD_ALLOWANCE = "child_allowance", _("State child allowance")
    FAMILY_SUPPORT = "family_support", _("Family support allowance")
    MINIMUM_INCOME = "minimum_income", _("Minimum inclusion income")
    DISABILITY = "disability", _("Disability allowance")
    FOSTER_CARE = "foster_care", _("Foster care allowance")
    OTHER = "other", _("Other")


class Family(CreatedByModel):
    """A household the foundation supports, followed by one site's team."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="families"
    )
    name = RomanianTextField(
        _("family name"), max_length=100, help_text=_("How the team calls the household.")
    )
    address = RomanianTextField(_("address"), max_length=300, blank=True)
    locality = RomanianTextField(_("locality"), max_length=100, blank=True)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    risk_factors = ChoiceArrayField(
        models.CharField(max_length=30, choices=RiskFactor.choices),
        verbose_name=_("risk factors"),
        default=list,
        blank=True,
    )
    benefits = ChoiceArrayField(
        models.CharField(max_length=30, choices=Benefit.choices),
        verbose_name=_("social benefits received"),
        default=list,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="family_household_size_positive",
                condition=Q(household_size__isnull=True) | Q(household_size__gte=1),
                violation_error_message=_("A household has at least one person."),
            ),
            models.CheckConstraint(
                name="family_risk_factors_valid",
                condition=Q(risk_factors__contained_by=RiskFactor.values),
            ),
            models.CheckConstraint(
                name="family_benefits_valid", condition=Q(benefits__contained_by=Benefit.values)
            ),
            models.CheckConstraint(
                name="family_county_valid", condition=Q(county__in=County.values) | Q(county="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.locality})" if self.locality else self.name


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative or legal guardian")


class EducationLevel(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary (grades I–IV)")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary (grades V–VIII)")
    VOCATIONAL = "vocational", _("Vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    HIGHER = "higher", _("Higher education")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    DAY_LABOURER = "day_labourer", _("Day labourer or informal work")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    HOMEMAKER = "homemaker", _("Homemaker")
    RETIRED = "retired", _("Retired or on disability pension")


class GuardianQuerySet(SiteScopedQuerySet):
    site_path = "family__site"


class Guardian(CreatedByModel):
    """A parent or another adult who cares for the family's children."""

    family = models.ForeignKey(
        Family, verbose_name=_("family"), on_delete=models.CASCADE, related_name="guardians"
    )
    given_names = RomanianTextField(_("given names"), max_length=100)
    family_name = RomanianTextField(_("family name"), max_length=100)
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    education_level = models.CharField(
        _("education level"), max_length=20, choices=EducationLevel.choices, blank=True
    )
    employment = models.CharField(
        _("employment status"), max_length=20, choices=Employment.choices, blank=True
    )
    works_abroad_in = RomanianTextField(
        _("works abroad in"),
        max_length=100,
        blank=True,
        help_text=_("The country, if this person works abroad."),
    )
    is_primary_contact = models.BooleanField(_("primary contact"), default=False)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["family_name", "given_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(is_primary_contact=True),
                name="guardian_one_primary_contact_per_family",
                violation_error_message=_("This family already has a primary contact."),
            ),
            models.CheckConstraint(
                name="guardian_relationship_valid",
                condition=Q(relationship__in=Relationship.values),
            ),
            models.CheckConstraint(
                name="guardian_names_not_blank",
                condition=~Q(given_names="") & ~Q(family_name=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name} ({self.get_relationship_display()})"
