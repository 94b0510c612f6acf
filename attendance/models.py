"""The daily register of each group, and the school absences reported monthly.

Two separate streams, never mixed: *program attendance* (``Register`` and its
``Mark`` rows, taken by the foundation's staff at each session) and *school
absences* (``SchoolAbsence``, copied from the form teacher's monthly report).
"""

from __future__ import annotations

import datetime

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from programs.audit import audited
from programs.fields import ChoiceArrayField, RomanianTextField
from programs.models import CreatedByModel, Group, SiteScopedQuerySet, TimeStampedModel

# A social worker may take or correct the registers of their groups for today and
# this many days before; coordinators for any past day.
EDIT_WINDOW_DAYS = 7
NOTE_MAX_LENGTH = 200
# No month has more school hours than this (23 school days of 7 class hours, and
# some slack); a bigger figure is a typing mistake.
MAX_SCHOOL_HOURS_PER_MONTH = 180
TOO_MANY_HOURS_MESSAGE = lazy(
    lambda: (
        gettext("Excused and unexcused absences together cannot exceed %(max)s hours in a month.")
        % {"max": MAX_SCHOOL_HOURS_PER_MONTH}
    ),
    str,
)()


def _recorded_by(verbose_name) -> models.ForeignKey:
    """The person who saved a record (kept as empty if their account goes)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )


class Activity(models.TextChoices):
    HOMEWORK = "homework", _("Homework help")
    LITERACY = "literacy", _("Literacy")
    LIFE_SKILLS = "life_skills", _("Life-skills curriculum")
    OUTDOOR = "outdoor", _("Outdoor activity")
    MENTORING = "mentoring", _("Mentoring")
    BACCALAUREATE = "baccalaureate", _("Baccalaureate tutoring")
    OTHER = "other", _("Other activity")


class NoSessionReason(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    TRIP = "trip", _("Trip or event elsewhere")
    CLOSURE = "closure", _("Closure")
    OTHER = "other", _("Other reason")


class MarkStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")

    @classmethod
    def attended(cls) -> tuple[str, ...]:
        """The marks that count as having come; the others are absences."""
        return (cls.PRESENT, cls.LATE)


class AbsenceReason(models.TextChoices):
    SICK = "sick", _("Sick")
    FAMILY = "family", _("Family reasons")
    SEASONAL_MIGRATION = "seasonal_migration", _("Seasonal migration with parents")
    OTHER = "other", _("Other reason")


class RegisterQuerySet(SiteScopedQuerySet):
    site_path = "group__site"

    def taken(self) -> RegisterQuerySet:
        """Registers someone has saved (held or not); a register with version 0
        exists only inside the transaction that is saving it."""
        return self.filter(version__gt=0)


@audited()
class Register(CreatedByModel):
    """One group's register on one day: a session held, with its activities and
    one mark per child, or a day recorded as "no session" with a reason.

    ``created_by``/``created_at`` say who took it first, ``updated_by``/
    ``updated_at`` who saved it last; ``version`` counts the saves.
    """

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.PROTECT, related_name="registers"
    )
    date = models.DateField(_("date"))
    activities = ChoiceArrayField(
        models.CharField(max_length=20, choices=Activity.choices),
        verbose_name=_("activities"),
        default=list,
        blank=True,
    )
    no_session_reason = models.CharField(
        _("no session because"),
        max_length=20,
        choices=NoSessionReason.choices,
        blank=True,
        help_text=_("Filled only when the group did not meet: the day is not counted."),
    )
    note = RomanianTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    updated_by = _recorded_by(_("last saved by"))
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date"],
                name="register_one_per_group_and_day",
                violation_error_message=_("This group already has a register for this day."),
            ),
            models.CheckConstraint(
                name="register_no_session_reason_valid",
                condition=Q(no_session_reason__in=NoSessionReason.values) | Q(no_session_reason=""),
            ),
            models.CheckConstraint(
                name="register_activities_valid",
                condition=Q(activities__contained_by=Activity.values),
            ),
            models.CheckConstraint(
                name="register_no_activities_without_session",
                condition=Q(no_session_reason="") | Q(activities=[]),
                violation_error_message=_("A day without a session has no activities."),
            ),
        ]
        # Dashboards and the early warning read all sites' registers of some days.
        indexes = [models.Index(fields=["date"], name="register_date")]
        # A register's day and group name its marks' tallies; a register is taken
        # again, never moved (the tallies of its marks would stay behind).
        triggers = [
            pgtrigger.Protect(
                name="day_and_group_fixed",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("date", "group"),
            )
        ]
        permissions = [
            ("take_register_any_day", _("Can take or correct registers of any past day")),
            ("oversee_registers", _("Can see which registers are not taken")),
        ]

    def __str__(self) -> str:
        return f"{self.group.name} · {self.date:%Y-%m-%d}"

    @property
    def held(self) -> bool:
        return not self.no_session_reason

    @property
    def taken_by_name(self) -> str:
        """Who took it first, by first name (as colleagues say it); empty if unknown."""
        return _first_name(self.created_by)

    @property
    def saved_by_name(self) -> str:
        return _first_name(self.updated_by)


def _first_name(user) -> str:
    return (user.get_short_name() or user.get_username()) if user is not None else ""


# Each tally trigger hands the (register, child) pairs it saw to one SQL
# function (created by migrations 0004 and 0007; ``attendance.tallies``
# explains it), both arrays built in one pass so that they pair up.
def _tally_func(rows: str) -> str:
    # ``rows`` is one of the two constants below, never input.
    return (
        "PERFORM attendance_refresh_tallies(pairs.registers, pairs.children) FROM ("  # noqa: S608
        "SELECT array_agg(register_id) AS registers, array_agg(child_id) AS children "
        f"FROM {rows}) pairs; RETURN NULL;"
    )


TALLY_FUNC = _tally_func("changed")
# An update may move a mark to another register or child: both sides count.
TALLY_UPDATE_FUNC = _tally_func(
    "(SELECT register_id, child_id FROM changed "
    "UNION ALL SELECT register_id, child_id FROM was) both_sides"
)


class MarkQuerySet(SiteScopedQuerySet):
    site_path = "register__group__site"

    def held(self) -> MarkQuerySet:
        """Marks of sessions that took place (a no-session day keeps no marks, but
        say so explicitly for readers)."""
        return self.filter(register__no_session_reason="", register__version__gt=0)

    def between(self, first: datetime.date, last: datetime.date) -> MarkQuerySet:
        return self.filter(register__date__range=(first, last))


@audited()
class Mark(models.Model):
    """One child's attendance at one session."""

    register = models.ForeignKey(
        Register, verbose_name=_("register"), on_delete=models.CASCADE, related_name="marks"
    )
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="attendance_marks",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MarkStatus.choices, default=MarkStatus.PRESENT
    )
    reason = models.CharField(
        _("absence reason"), max_length=20, choices=AbsenceReason.choices, blank=True
    )
    note = RomanianTextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)

    objects = MarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "child"],
                name="mark_one_per_child_and_register",
                violation_error_message=_("This child is already marked in this register."),
            ),
            models.CheckConstraint(
                name="mark_status_valid", condition=Q(status__in=MarkStatus.values)
            ),
            models.CheckConstraint(
                name="mark_reason_valid",
                condition=Q(reason__in=AbsenceReason.values) | Q(reason=""),
            ),
            models.CheckConstraint(
                name="mark_reason_only_when_not_present",
                condition=Q(reason="") | ~Q(status=MarkStatus.PRESENT),
                violation_error_message=_("A child marked present has no absence reason."),
            ),
        ]
        indexes = [models.Index(fields=["child", "register"], name="mark_child_register")]
        # Keep the tallies (``AttendanceDay``, ``ChildAttendanceMonth``) equal to
        # the marks, whatever wrote them. PostgreSQL allows one event per
        # trigger with transition tables, hence three.
        triggers = [
            pgtrigger.Trigger(
                name="tally_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="changed"),
                func=TALLY_FUNC,
            ),
            pgtrigger.Trigger(
                name="tally_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="was", new="changed"),
                func=TALLY_UPDATE_FUNC,
            ),
            pgtrigger.Trigger(
                name="tally_delete",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                referencing=pgtrigger.Referencing(old="changed"),
                func=TALLY_FUNC,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} · {self.get_status_display()}"


class ChangedField(models.TextChoices):
    STATUS = "status", _("status")
    REASON = "reason", _("absence reason")
    NOTE = "note", _("note")
    ACTIVITIES = "activities", _("activities")
    NO_SESSION_REASON = "no_session_reason", _("no session because")
    REGISTER_NOTE = "register_note", _("note of the register")


class RegisterChange(models.Model):
    """A correction to a register already saved: who changed what, when.

    ``child`` is empty for a change of the register itself (activities, a day
    recorded as "no session", its note).
    """

    register = models.ForeignKey(
        Register, verbose_name=_("register"), on_delete=models.CASCADE, related_name="changes"
    )
    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    field = models.CharField(_("field"), max_length=20, choices=ChangedField.choices)
    old_value = models.CharField(_("before"), max_length=300, blank=True)
    new_value = models.CharField(_("after"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("register correction")
        verbose_name_plural = _("register corrections")
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="register_change_field_valid", condition=Q(field__in=ChangedField.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register} · {self.field}: {self.old_value} → {self.new_value}"


class SchoolAbsenceQuerySet(SiteScopedQuerySet):
    site_path = "child__site"


@audited()
class SchoolAbsence(TimeStampedModel):
    """A child's absences from school in one month, in class hours, as the form
    teacher reported them. Kept apart from the foundation's own register."""

    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="school_absences",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    excused_hours = models.PositiveSmallIntegerField(_("excused absences (hours)"), default=0)
    unexcused_hours = models.PositiveSmallIntegerField(_("unexcused absences (hours)"), default=0)
    created_by = _recorded_by(_("entered by"))
    updated_by = _recorded_by(_("last changed by"))

    objects = SchoolAbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("school absences")
        verbose_name_plural = _("school absences")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "month"],
                name="school_absence_one_per_child_and_month",
                violation_error_message=_("This child's absences for this month are entered."),
            ),
            models.CheckConstraint(
                name="school_absence_month_starts_on_first",
                condition=Q(month__day=1),
            ),
            models.CheckConstraint(
                name="school_absence_hours_plausible",
                condition=Q(
                    excused_hours__lte=MAX_SCHOOL_HOURS_PER_MONTH - F("unexcused_hours"),
                ),
                violation_error_message=TOO_MANY_HOURS_MESSAGE,
            ),
        ]
        # The dashboards read a period's months for all the children of some sites.
        indexes = [models.Index(fields=["month"], name="school_absence_month")]

    def __str__(self) -> str:
        return f"{self.child_id} · {self.month:%Y-%m}"

    @property
    def total_hours(self) -> int:
        return self.excused_hours + self.unexcused_hours


# --- Tallies: program attendance summed up, for dashboards and the early warning ---
#
# Derived from the marks by PostgreSQL triggers on ``attendance_mark``
# (``attendance.tallies``): whatever writes marks (the register, a correction,
# "no session", a bulk insert), the tallies of the days and months it touched
# are recomputed in the same statement. Never written by the application.


class AttendanceDay(models.Model):
    """A site's program attendance on one day: marks, attended marks, sessions."""

    site = models.ForeignKey(
        "programs.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    sessions = models.PositiveIntegerField(_("sessions"))
    marked = models.PositiveIntegerField(_("marks"))
    attended = models.PositiveIntegerField(_("attended"))

    class Meta:
        verbose_name = _("attendance of a day")
        verbose_name_plural = _("attendance by day")
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="attendance_day_one_per_site"),
            models.CheckConstraint(
                name="attendance_day_attended_within_marked", condition=Q(attended__lte=F("marked"))
            ),
        ]
        indexes = [models.Index(fields=["date"], name="attendance_day_date")]

    def __str__(self) -> str:
        return f"{self.site_id} · {self.date:%Y-%m-%d}: {self.attended}/{self.marked}"


class ChildAttendanceMonth(models.Model):
    """One child's program attendance at one site in one month."""

    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), on_delete=models.CASCADE, related_name="+"
    )
    site = models.ForeignKey(
        "programs.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    marked = models.PositiveIntegerField(_("marks"))
    attended = models.PositiveIntegerField(_("attended"))
    last_marked_on = models.DateField(_("last marked on"))
    last_attended_on = models.DateField(_("last attended on"), null=True)

    class Meta:
        verbose_name = _("attendance of a child in a month")
        verbose_name_plural = _("attendance of children by month")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "site", "month"], name="child_attendance_month_unique"
            ),
            models.CheckConstraint(
                name="child_attendance_month_attended_within_marked",
                condition=Q(attended__lte=F("marked")),
            ),
        ]
        indexes = [models.Index(fields=["site", "month"], name="child_attendance_site_month")]

    def __str__(self) -> str:
        return f"{self.child_id} · {self.month:%Y-%m}: {self.attended}/{self.marked}"
