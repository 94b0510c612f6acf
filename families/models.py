"""Households and the adults who care for the children."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.audit import audit_links, audited
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


@audited()
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
    # Set by the retention rule (``children.retention``), never by a form.
    anonymised_on = models.DateField(_("anonymised on"), null=True, blank=True, editable=False)

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
        if self.anonymised_on:
            return _("Anonymised family #%(id)s") % {"id": self.pk}
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


@audited()
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


# --- Work with the families ---------------------------------------------------------


class SupportArea(models.TextChoices):
    LEGAL = "legal", _("Legal counseling")
    MATERIAL = "material", _("Material aid")
    ADMINISTRATIVE = "administrative", _("Administrative help")
    EMPLOYMENT = "employment", _("Employment help")


class ParentMeetingKind(models.TextChoices):
    SUPPORT_GROUP = "support_group", _("Support group")
    PERIODIC = "periodic", _("Periodic parent meeting")
    INDIVIDUAL = "individual", _("Individual meeting")


@audited()
class ParentMeeting(CreatedByModel):
    """A meeting with parents: who came, and what support was discussed or offered."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=ParentMeetingKind.choices)
    topic = RomanianTextField(_("topic"), max_length=200)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendees = models.ManyToManyField(
        Guardian, verbose_name=_("guardians who came"), related_name="parent_meetings", blank=True
    )
    support = ChoiceArrayField(
        models.CharField(max_length=20, choices=SupportArea.choices),
        verbose_name=_("support discussed or offered"),
        default=list,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("parent meeting")
        verbose_name_plural = _("parent meetings")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="parent_meeting_kind_valid", condition=Q(kind__in=ParentMeetingKind.values)
            ),
            models.CheckConstraint(
                name="parent_meeting_support_valid",
                condition=Q(support__contained_by=SupportArea.values),
            ),
            models.CheckConstraint(name="parent_meeting_topic_not_blank", condition=~Q(topic="")),
        ]

    def __str__(self) -> str:
        return f"{self.topic} · {self.date:%d.%m.%Y}"


class SupportKind(models.TextChoices):
    SCHOOL_SUPPLIES = "school_supplies", _("School supplies")
    FOOD = "food", _("Food")
    CLOTHING = "clothing", _("Clothing")
    HYGIENE = "hygiene", _("Hygiene products")
    LEGAL = "legal", _("Legal counseling")
    ADMINISTRATIVE = "administrative", _("Administrative help (documents, benefits)")
    EMPLOYMENT = "employment", _("Employment help for a parent")


class SupportGivenQuerySet(SiteScopedQuerySet):
    site_path = "family__site"


@audited()
class SupportGiven(CreatedByModel):
    """Material aid or a service given to a family (optionally for one child)."""

    family = models.ForeignKey(
        Family, verbose_name=_("family"), on_delete=models.PROTECT, related_name="support"
    )
    # A string reference: the child is optional, and families/ imports nothing of
    # children/.
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("for the child"),
        on_delete=models.PROTECT,
        related_name="support",
        null=True,
        blank=True,
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=SupportKind.choices)
    items = RomanianTextField(_("items or service"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    value_ron = models.DecimalField(
        _("value (RON)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    funded_project = models.ForeignKey(
        "programs.FundedProject",
        verbose_name=_("funded project"),
        on_delete=models.PROTECT,
        related_name="support",
        null=True,
        blank=True,
    )

    objects = SupportGivenQuerySet.as_manager()

    class Meta:
        verbose_name = _("support given")
        verbose_name_plural = _("support given")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="support_kind_valid", condition=Q(kind__in=SupportKind.values)
            ),
            models.CheckConstraint(
                name="support_quantity_positive",
                condition=Q(quantity__gte=1),
                violation_error_message=_("The quantity is at least 1."),
            ),
            models.CheckConstraint(
                name="support_value_not_negative",
                condition=Q(value_ron__isnull=True) | Q(value_ron__gte=0),
                violation_error_message=_("A value in RON cannot be negative."),
            ),
        ]
        # The support of a period (the dashboards).
        indexes = [models.Index(fields=["date"], name="support_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date:%d.%m.%Y}"

    def clean(self) -> None:
        errors = {}
        if self.child_id and self.family_id and self.child.family_id != self.family_id:
            errors["child"] = _("The child must belong to this family.")
        if (
            self.funded_project_id
            and self.family_id
            and self.date
            and not type(self.funded_project)
            .objects.covering(site=self.family.site, on=self.date)
            .filter(pk=self.funded_project_id)
            .exists()
        ):
            errors["funded_project"] = _(
                "This project does not cover the family's site on this date."
            )
        if errors:
            raise ValidationError(errors)


audit_links(
    ParentMeeting.attendees.through, app_label="families", model_name="ParentMeetingAttendeeEvent"
)
