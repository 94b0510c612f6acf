"""Children in the programs: who they are, their school, their family, their consent."""

from __future__ import annotations

import datetime

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from children import cnp as cnp_codes
from children.validators import validate_cnp
from programs.audit import audit_links, audited
from programs.fields import RomanianTextField
from programs.models import (
    CreatedByModel,
    Enrollment,
    Role,
    Site,
    SiteScopedQuerySet,
    TimeStampedModel,
    sees_every_site,
)

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


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class ChildStatus(models.TextChoices):
    ACTIVE = "active", _("Active beneficiary")
    WAITING = "waiting", _("On the waiting list")
    FORMER = "former", _("Former beneficiary")


class ChildQuerySet(SiteScopedQuerySet):
    def for_user(self, user) -> ChildQuerySet:
        """A volunteer sees only the children they mentor now; others by site."""
        queryset = super().for_user(user)
        if user.is_authenticated and getattr(user, "role", "") == Role.VOLUNTEER:
            queryset = queryset.filter(
                pk__in=MentorAssignment.objects.filter(
                    volunteer=user, ended_on__isnull=True
                ).values("child_id")
            )
        return queryset

    def with_consent(self) -> ChildQuerySet:
        """Each child with ``has_data_consent`` and ``has_photo_consent``: whether
        an active consent of that kind is recorded, in the same query (no query
        per row in a list)."""
        active = Consent.objects.active().filter(child=OuterRef("pk"))
        return self.annotate(
            has_data_consent=Exists(active.filter(kind=ConsentKind.DATA_PROCESSING)),
            has_photo_consent=Exists(active.filter(kind=ConsentKind.PHOTOS)),
        )

    def due_for_anonymisation(self, *, today: datetime.date, years: int) -> ChildQuerySet:
        """Children not yet anonymised whose enrollments have all ended, the
        last more than ``years`` calendar years before ``today``; each with
        ``last_ended_on``. A child never enrolled (on the waiting list) is never due."""
        cutoff = years_before(today, years)
        still_enrolled = Enrollment.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)
        return (
            self.filter(anonymised_on__isnull=True)
            .exclude(Exists(still_enrolled))
            .annotate(last_ended_on=Max("enrollments__ended_on"))
            .filter(last_ended_on__lt=cutoff)
        )

    def search(self, text: str) -> ChildQuerySet:
        """Children whose names contain every word of ``text``, ignoring
        diacritics and case ("stefan lacatus" finds "Ștefan Lăcătuș")."""
        queryset = self
        for word in text.split():
            queryset = queryset.filter(
                Q(given_names__fold_contains=word) | Q(family_name__fold_contains=word)
            )
        return queryset


@audited()
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
    status = models.CharField(
        _("status"), max_length=20, choices=ChildStatus.choices, default=ChildStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True)
    # Set by the retention rule (``children.retention``), never by a form.
    anonymised_on = models.DateField(_("anonymised on"), null=True, blank=True, editable=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        permissions = [
            ("import_children", _("Can import children from a spreadsheet")),
            ("view_child_history", _("Can see the history of changes to a child's records")),
            ("export_child_data", _("Can export everything held on a child")),
            # Not a permission to read them: the director may open a session's
            # confidential notes only with a reason, which is logged.
            ("break_glass_confidential_notes", _("Can open confidential notes in an emergency")),
        ]
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
                name="child_names_not_blank",
                condition=~Q(given_names="") & ~Q(family_name=""),
            ),
        ]
        indexes = [models.Index(fields=["site", "family_name"], name="child_site_family_name")]

    def __str__(self) -> str:
        if self.anonymised_on:
            return self.full_name
        return f"{self.family_name} {self.given_names}"

    @property
    def full_name(self) -> str:
        if self.anonymised_on:
            # Every anonymised child has the same placeholder names; the number
            # tells them apart in lists.
            return _("Anonymised child #%(id)s") % {"id": self.pk}
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
        if errors:
            raise ValidationError(errors)


# --- Consent: what a guardian agreed to, and when they took it back ------------------


class ConsentKind(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Data processing")
    PHOTOS = "photos", _("Photos")


class ConsentQuerySet(SiteScopedQuerySet):
    site_path = "child__site"

    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_on__isnull=True)


@audited()
class Consent(CreatedByModel):
    """A guardian's consent for a child, to the processing of their data or to
    photos. A withdrawal is recorded on the consent, never by deleting it, so the
    history shows what was agreed, by whom, and until when."""

    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(_("consent to"), max_length=20, choices=ConsentKind.choices)
    given_by = models.ForeignKey(
        "families.Guardian",
        verbose_name=pgettext_lazy("consent", "given by"),
        on_delete=models.PROTECT,
        related_name="consents_given",
    )
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "programs.User",
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    note = RomanianTextField(_("note"), max_length=200, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="consent_kind_valid", condition=Q(kind__in=ConsentKind.values)
            ),
            models.CheckConstraint(
                name="consent_withdrawn_after_given",
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                violation_error_message=_("A consent cannot be withdrawn before it was given."),
            ),
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_active_per_child_and_kind",
                violation_error_message=_(
                    "This child already has this consent; record its withdrawal first."
                ),
            ),
        ]

    def __str__(self) -> str:
        text = f"{self.get_kind_display()} · {self.given_on:%d.%m.%Y}"
        if self.withdrawn_on:
            text += f" · {_('withdrawn on')} {self.withdrawn_on:%d.%m.%Y}"
        return text

    def clean(self) -> None:
        errors = {}
        try:
            child = self.child
        except ObjectDoesNotExist:
            child = None  # full_clean reports the missing child
        # A consent in force comes from the child's family. One withdrawn is
        # history: it stays as given even if the child later moves family.
        in_force = self._state.adding or self.withdrawn_on is None
        if (
            in_force
            and self.given_by_id
            and child is not None
            and self.given_by.family_id != child.family_id
        ):
            errors["given_by"] = _("Consent must come from a guardian of the child's family.")
        today = timezone.localdate()
        if self.given_on and self.given_on > today:
            errors["given_on"] = _("A consent cannot be dated in the future.")
        if self.withdrawn_on and self.withdrawn_on > today:
            errors["withdrawn_on"] = _("A withdrawal cannot be dated in the future.")
        if errors:
            raise ValidationError(errors)


# --- Casework: the team's work with each child ------------------------------------


def plausible_duration(name: str) -> models.CheckConstraint:
    """A session's ``duration_minutes`` between 5 minutes and 8 hours."""
    return models.CheckConstraint(
        name=name,
        condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
        violation_error_message=_("A session lasts between 5 minutes and 8 hours."),
    )


class CounselingKind(models.TextChoices):
    EVALUATION = "evaluation", _("Psychological evaluation")
    INDIVIDUAL = "individual", _("Individual counseling")
    GROUP = "group", _("Group counseling")
    PARENT = "parent", _("Parent counseling")


@audited()
class CounselingSession(CreatedByModel):
    """A psychologist's session with children and/or guardians.

    ``summary`` is for the team. What only psychologists may read lives in its
    own table, ``ConfidentialNote``, so no query of sessions ever carries it.
    """

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    psychologist = models.ForeignKey(
        "programs.User",
        verbose_name=_("psychologist"),
        on_delete=models.PROTECT,
        related_name="counseling_sessions",
        limit_choices_to={"role": "psychologist"},
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    kind = models.CharField(_("kind"), max_length=20, choices=CounselingKind.choices)
    children = models.ManyToManyField(
        Child, verbose_name=_("children"), related_name="counseling_sessions", blank=True
    )
    guardians = models.ManyToManyField(
        "families.Guardian",
        verbose_name=_("guardians"),
        related_name="counseling_sessions",
        blank=True,
    )
    summary = models.TextField(
        _("summary for the team"),
        blank=True,
        help_text=_("What colleagues may read. Keep what is confidential for the notes."),
    )
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("counseling session")
        verbose_name_plural = _("counseling sessions")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="counseling_kind_valid", condition=Q(kind__in=CounselingKind.values)
            ),
            plausible_duration("counseling_duration_plausible"),
            models.CheckConstraint(
                name="counseling_follow_up_after_session",
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("date")),
                violation_error_message=_("The follow-up comes after the session."),
            ),
        ]
        # A site's sessions in a period (the dashboards).
        indexes = [models.Index(fields=["site", "date"], name="counseling_site_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date:%d.%m.%Y}"


@audited()
class ConfidentialNote(TimeStampedModel):
    """A psychologist's confidential notes of one session: only psychologists read
    or write them (see ``children.access.may_read_confidential_notes``)."""

    session = models.OneToOneField(
        CounselingSession,
        verbose_name=_("counseling session"),
        on_delete=models.CASCADE,
        related_name="confidential_note",
    )
    text = models.TextField(_("confidential notes"))
    updated_by = models.ForeignKey(
        "programs.User",
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("confidential note")
        verbose_name_plural = _("confidential notes")

    def __str__(self) -> str:
        # Never the text: a note's str() may end up in a log or an admin message.
        return f"{_('confidential note')} #{self.pk}"


class CaseNoteKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE_CALL = "phone_call", _("Phone call")
    TEACHER_MEETING = "teacher_meeting", _("Meeting with the form teacher")
    OTHER = "other", _("Other")


class CaseRecordQuerySet(SiteScopedQuerySet):
    def about_child(self, child: Child) -> CaseRecordQuerySet:
        """Records on the child, or on the child's family."""
        condition = Q(child=child)
        if child.family_id:
            condition |= Q(family_id=child.family_id, child__isnull=True)
        return self.filter(condition)


class CaseRecord(CreatedByModel):
    """A record about a child or, through one child's page, their whole family;
    kept at the site that follows them."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    child = models.ForeignKey(
        Child,
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        null=True,
        blank=True,
    )
    family = models.ForeignKey(
        "families.Family",
        verbose_name=_("family"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors = {}
        if self.child_id and self.site_id and self.child.site_id != self.site_id:
            errors["child"] = _("The child is followed by another site.")
        if self.family_id and self.site_id and self.family.site_id != self.site_id:
            errors["family"] = _("The family is followed by another site.")
        if self.child_id and self.family_id and self.child.family_id != self.family_id:
            errors["family"] = _("This is not the child's family.")
        if errors:
            raise ValidationError(errors)


@audited()
class CaseNote(CaseRecord):
    """A dated note by a social worker on a child or on a family."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=CaseNoteKind.choices)
    text = models.TextField(_("note"))

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="case_note_about_someone",
                condition=Q(child__isnull=False) | Q(family__isnull=False),
                violation_error_message=_("A case note is about a child or a family."),
            ),
            models.CheckConstraint(
                name="case_note_kind_valid", condition=Q(kind__in=CaseNoteKind.values)
            ),
            models.CheckConstraint(name="case_note_not_blank", condition=~Q(text="")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date:%d.%m.%Y}"


class FollowUpQuerySet(CaseRecordQuerySet):
    def open(self) -> FollowUpQuerySet:
        return self.filter(done_on__isnull=True)


@audited()
class FollowUp(CaseRecord):
    """A task about a child or family, for one person, by a date, until done."""

    task = RomanianTextField(_("task"), max_length=300)
    assignee = models.ForeignKey(
        "programs.User",
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        "programs.User",
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="follow_up_about_someone",
                condition=Q(child__isnull=False) | Q(family__isnull=False),
                violation_error_message=_("A follow-up is about a child or a family."),
            ),
            models.CheckConstraint(name="follow_up_task_not_blank", condition=~Q(task="")),
        ]
        indexes = [
            models.Index(
                fields=["assignee", "due_on"],
                condition=Q(done_on__isnull=True),
                name="follow_up_open_by_assignee",
            )
        ]

    def __str__(self) -> str:
        return self.task


class ChildRecordQuerySet(SiteScopedQuerySet):
    """Records of one child, seen at the child's site."""

    site_path = "child__site"


class ResultPeriod(models.TextChoices):
    MODULE_1 = "module_1", _("Module 1")
    MODULE_2 = "module_2", _("Module 2")
    MODULE_3 = "module_3", _("Module 3")
    MODULE_4 = "module_4", _("Module 4")
    MODULE_5 = "module_5", _("Module 5")
    SEMESTER_1 = "semester_1", _("Semester I")
    SEMESTER_2 = "semester_2", _("Semester II")
    YEAR = "year", _("Whole school year")
    BACCALAUREATE_MOCK = "bac_mock", _("Baccalaureate mock exam")
    BACCALAUREATE = "bac", _("Baccalaureate")

    @classmethod
    def baccalaureate(cls) -> tuple[str, ...]:
        return (cls.BACCALAUREATE_MOCK, cls.BACCALAUREATE)


class Qualifier(models.TextChoices):
    """How grades 0–IV are marked instead of an average."""

    VERY_GOOD = "FB", _("FB (Very good)")
    GOOD = "B", _("B (Good)")
    SUFFICIENT = "S", _("S (Sufficient)")
    INSUFFICIENT = "I", _("I (Insufficient)")


class ResultOutcome(models.TextChoices):
    PROMOTED = "promoted", _("Promoted")
    RE_EXAM = "re_exam", _("Failed subjects, re-exam (corigent)")
    REPEATING = "repeating", _("Repeating the year")
    LEFT_SCHOOL = "left_school", _("Left school")


# The grades marked with qualifiers (preparatory class to grade IV).
LAST_QUALIFIER_GRADE = 4


@audited()
class SchoolResult(CreatedByModel):
    """How a child did at school in one period of a school year."""

    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="school_results"
    )
    school_year = models.ForeignKey(
        "programs.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(_("period"), max_length=20, choices=ResultPeriod.choices)
    grade = models.PositiveSmallIntegerField(
        _("grade"), choices=GRADE_CHOICES, help_text=_("The grade the child was in then.")
    )
    general_average = models.DecimalField(
        _("general average"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    qualifier = models.CharField(
        _("qualifier"), max_length=2, choices=Qualifier.choices, blank=True
    )
    failed_subjects_count = models.PositiveSmallIntegerField(_("failed subjects"), default=0)
    failed_subjects = RomanianTextField(_("failed subjects (names)"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ResultOutcome.choices, blank=True
    )

    objects = ChildRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("school result")
        verbose_name_plural = _("school results")
        ordering = ["-school_year__starts_on", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "school_year", "period"],
                name="school_result_one_per_child_year_and_period",
                violation_error_message=_(
                    "This child already has a result for this period of the school year."
                ),
            ),
            models.CheckConstraint(
                name="school_result_period_valid", condition=Q(period__in=ResultPeriod.values)
            ),
            models.CheckConstraint(
                name="school_result_average_in_range",
                condition=Q(general_average__isnull=True)
                | Q(general_average__gte=1, general_average__lte=10),
                violation_error_message=_("An average is between 1 and 10."),
            ),
            models.CheckConstraint(
                name="school_result_qualifier_only_grades_0_4",
                condition=Q(qualifier="") | Q(grade__lte=LAST_QUALIFIER_GRADE),
                violation_error_message=_("Qualifiers are given only in grades 0–IV."),
            ),
            models.CheckConstraint(
                name="school_result_average_or_qualifier",
                condition=Q(qualifier="") | Q(general_average__isnull=True),
                violation_error_message=_("Give an average or a qualifier, not both."),
            ),
            models.CheckConstraint(
                name="school_result_baccalaureate_in_high_school",
                condition=~Q(period__in=ResultPeriod.baccalaureate()) | Q(grade__gte=11),
                violation_error_message=_("The Baccalaureate is taken in grades XI–XII."),
            ),
            models.CheckConstraint(name="school_result_grade_in_range", condition=Q(grade__lte=12)),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} · {self.get_period_display()}"


class MentoringKind(models.TextChoices):
    MENTORING = "mentoring", _("Mentoring")
    HOMEWORK = "homework", _("Homework tutoring")
    BACCALAUREATE = "baccalaureate", _("Baccalaureate tutoring")


@audited()
class MentorAssignment(CreatedByModel):
    """A volunteer who mentors or tutors a child; volunteers see only these children."""

    volunteer = models.ForeignKey(
        "programs.User",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="mentor_assignments",
        limit_choices_to={"role": "volunteer"},
    )
    child = models.ForeignKey(
        Child, verbose_name=_("child"), on_delete=models.PROTECT, related_name="mentors"
    )
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)

    objects = ChildRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor assignments")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "child"],
                condition=Q(ended_on__isnull=True),
                name="mentor_assignment_one_open_per_pair",
                violation_error_message=_("This volunteer already mentors this child."),
            ),
            models.CheckConstraint(
                name="mentor_assignment_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.child}"


@audited()
class MentoringSession(CreatedByModel):
    """A volunteer's mentoring or tutoring of a child."""

    volunteer = models.ForeignKey(
        "programs.User",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="mentoring_sessions",
        limit_choices_to={"role": "volunteer"},
    )
    child = models.ForeignKey(
        Child,
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="mentoring_sessions",
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    kind = models.CharField(_("kind"), max_length=20, choices=MentoringKind.choices)
    topic = RomanianTextField(_("topic"), max_length=200, blank=True)

    objects = ChildRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="mentoring_kind_valid", condition=Q(kind__in=MentoringKind.values)
            ),
            plausible_duration("mentoring_duration_plausible"),
        ]
        # The sessions of a period (the dashboards).
        indexes = [models.Index(fields=["date"], name="mentoring_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date:%d.%m.%Y}"


class CommunityActivityKind(models.TextChoices):
    TRIP = "trip", _("Trip")
    CELEBRATION = "celebration", _("Celebration")
    PARTNER_SCHOOL = "partner_school", _("Activity with a partner school")
    COMMUNITY = "community", _("Community event")
    OTHER = "other", _("Other")


class CommunityActivityQuerySet(SiteScopedQuerySet):
    def for_user(self, user):
        # Several sites per activity: a subquery, so that rows are not repeated.
        if sees_every_site(user):
            return self
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(
            pk__in=CommunityActivity.sites.through.objects.filter(site__in=user.sites.all()).values(
                "communityactivity_id"
            )
        )


@audited()
class CommunityActivity(CreatedByModel):
    """A trip, a celebration or an activity with partner schools: who took part."""

    date = models.DateField(_("date"))
    sites = models.ManyToManyField(Site, verbose_name=_("sites"), related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=CommunityActivityKind.choices)
    title = RomanianTextField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    children = models.ManyToManyField(
        Child, verbose_name=_("children"), related_name="community_activities", blank=True
    )
    volunteers = models.ManyToManyField(
        "programs.User",
        verbose_name=_("volunteers"),
        related_name="+",
        blank=True,
        limit_choices_to={"role": "volunteer"},
    )

    objects = CommunityActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("outdoor or community activity")
        verbose_name_plural = _("outdoor and community activities")
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                name="community_activity_kind_valid",
                condition=Q(kind__in=CommunityActivityKind.values),
            ),
            models.CheckConstraint(
                name="community_activity_title_not_blank", condition=~Q(title="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.date:%d.%m.%Y}"


audit_links(
    CounselingSession.children.through,
    app_label="children",
    model_name="CounselingSessionChildEvent",
)
audit_links(
    CounselingSession.guardians.through,
    app_label="children",
    model_name="CounselingSessionGuardianEvent",
)
audit_links(
    CommunityActivity.children.through,
    app_label="children",
    model_name="CommunityActivityChildEvent",
)
