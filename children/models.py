"""Children in the programs: who they are, their school, their family, their consent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from children import cnp as cnp_codes
from children.validators import validate_cnp
from programs.fields import RomanianTextField
from programs.models import CreatedByModel, Site, SiteScopedQuerySet

GRADE_CHOICES = [
    (0, _("preparatory class")),
    (1, _("grade I")),
    (2, _("grade II")),
    (3, _("grade III")),
    (4, _("grade IV")),
    (5, _("grade V")),
    (6, _("grade VI")),
    (7, _("grade VII")),
    (8, _("grade VIII")),
    (9, _("grade IX")),
    (10, _("grade X")),
    (11, _("grade XI")),
    (12, _("grade XII")),
]


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class ChildStatus(models.TextChoices):
    ACTIVE = "active", _("Active beneficiary")
    WAITING = "waiting", _("On the waiting list")
    FORMER = "former", _("Former beneficiary")


class ChildQuerySet(SiteScopedQuerySet):
    def search(self, text: str) -> ChildQuerySet:
        """Children whose names contain every word of ``text``, ignoring
        diacritics and case ("stefan lacatus" finds "Ștefan Lăcătuș")."""
        queryset = self
        for word in text.split():
            queryset = queryset.filter(
                Q(given_names__fold_contains=word) | Q(family_name__fold_contains=word)
            )
        return queryset


class Child(CreatedByModel):
    """A child the foundation works with. Many have no CNP or papers; that is normal."""

    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The site whose team follows this child."),
    )
    given_names = RomanianTextField(_("given names"), max_length=100)
    family_name = RomanianTextField(_("family name"), max_length=100)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # NULL, not "", for children without one: the unique key ignores NULLs.
    cnp = models.CharField(  # noqa: DJ001
        _("CNP"),
        max_length=13,
        null=True,
        blank=True,
        validators=[validate_cnp],
        help_text=_("Personal numeric code, if the child has identity papers."),
    )
    family = models.ForeignKey(
        "families.Family",
        verbose_name=_("family"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    school_site = models.ForeignKey(
        Site,
        verbose_name=_("partner school attended"),
        on_delete=models.PROTECT,
        related_name="pupils",
        null=True,
        blank=True,
    )
    school_name = RomanianTextField(
        _("other school attended"),
        max_length=200,
        blank=True,
        help_text=_("Only if the school is not one of the partner sites."),
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), choices=GRADE_CHOICES, null=True, blank=True
    )
    special_educational_needs = models.BooleanField(_("special educational needs"), default=False)
    data_consent_on = models.DateField(_("data processing consent given on"), null=True, blank=True)
    data_consent_by = models.ForeignKey(
        "families.Guardian",
        verbose_name=_("data processing consent given by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    photo_consent = models.BooleanField(_("consent to photos"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ChildStatus.choices, default=ChildStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        permissions = [("import_children", _("Can import children from a spreadsheet"))]
        ordering = ["family_name", "given_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["cnp"],
                name="child_cnp_unique",
                violation_error_message=_("Another child already has this CNP."),
            ),
            models.CheckConstraint(
                name="child_cnp_thirteen_digits",
                condition=Q(cnp__isnull=True) | Q(cnp__regex=r"^[0-9]{13}$"),
            ),
            models.CheckConstraint(name="child_sex_valid", condition=Q(sex__in=Sex.values)),
            models.CheckConstraint(
                name="child_status_valid", condition=Q(status__in=ChildStatus.values)
            ),
            models.CheckConstraint(
                name="child_grade_in_range",
                condition=Q(grade__isnull=True) | Q(grade__gte=0, grade__lte=12),
            ),
            models.CheckConstraint(
                name="child_one_school",
                condition=Q(school_site__isnull=True) | Q(school_name=""),
                violation_error_message=_(
                    "Choose a partner school or type another school's name, not both."
                ),
            ),
            models.CheckConstraint(
                name="child_consent_has_date_and_guardian",
                condition=Q(data_consent_on__isnull=True, data_consent_by__isnull=True)
                | Q(data_consent_on__isnull=False, data_consent_by__isnull=False),
                violation_error_message=_(
                    "Consent to data processing needs both the date and the guardian who gave it."
                ),
            ),
            models.CheckConstraint(
                name="child_names_not_blank",
                condition=~Q(given_names="") & ~Q(family_name=""),
            ),
        ]
        indexes = [models.Index(fields=["site", "family_name"], name="child_site_family_name")]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_names}"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    def clean(self) -> None:
        errors = {}
        if self.cnp and cnp_codes.is_valid(self.cnp):
            # Children often come with a CNP but a mistyped birth date, or none.
            from_cnp = cnp_codes.parse(self.cnp)
            if self.birth_date is None:
                self.birth_date = from_cnp.birth_date
            elif self.birth_date != from_cnp.birth_date:
                errors["birth_date"] = _("The date of birth does not match the CNP.")
            if from_cnp.birth_date > timezone.localdate():
                errors["cnp"] = _("The birth date in this CNP is in the future.")
            # Every first digit but 9 (foreigners) records the sex.
            if self.sex and self.cnp[0] != "9" and self.sex != from_cnp.sex:
                errors["sex"] = _("The sex does not match the CNP.")
        if self.family_id and self.site_id and self.family.site_id != self.site_id:
            errors["family"] = _("The family must be followed by the same site as the child.")
        if (
            self.pk
            and self.site_id
            and self.enrollments.current().exclude(site_id=self.site_id).exists()
        ):
            errors["site"] = _(
                "This child has open enrollments at another site; end them as a transfer "
                "before changing the site."
            )
        if self.data_consent_by_id and self.data_consent_by.family_id != self.family_id:
            errors["data_consent_by"] = _(
                "Consent must come from a guardian of the child's family."
            )
        if errors:
            raise ValidationError(errors)
