"""Settings of the pages that compose every app: the early-warning thresholds.

One row, edited by coordinators and directors in the admin. The defaults are
Romania's rules (see ``inocenti.risk``): every 20 unexcused hours lower the
conduct grade, missing 10 % of school days is chronic absenteeism (at risk from
5 %, severe from 20 %), an average below 5 fails the year.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from programs.audit import audited


def _percent(verbose_name, default: int, help_text) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=help_text,
    )


def _count(verbose_name, default: int, help_text, *, maximum: int = 1000):
    return models.PositiveSmallIntegerField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(maximum)],
        help_text=help_text,
    )


@audited()
class RiskThresholds(models.Model):
    """The thresholds of the early warning: when an indicator puts a child on
    watch, at risk or at high risk. A single row (``RiskThresholds.current()``)."""

    # Program attendance (the foundation's own register).
    program_rate_watch_below = _percent(
        _("program attendance: watch below (percent)"),
        80,
        _("A child who came to fewer sessions than this share is watched."),
    )
    program_rate_at_risk_below = _percent(
        _("program attendance: at risk below (percent)"),
        60,
        _("A child who came to fewer sessions than this share is at risk."),
    )
    program_rate_min_sessions = _count(
        _("program attendance: sessions needed for a rate"),
        4,
        _("With fewer marked sessions in a period, its rate is not judged."),
    )
    consecutive_absences = _count(
        _("consecutive absences: at risk from"),
        3,
        _("Absences in a row at the child's latest sessions."),
    )
    # School attendance (the form teacher's monthly report).
    unexcused_hours_at_risk = _count(
        _("unexcused school absences: at risk from (hours)"),
        20,
        _("In a school year. Every 20 unexcused hours lower the conduct grade by one point."),
    )
    unexcused_hours_high_risk = _count(
        _("unexcused school absences: high risk from (hours)"),
        40,
        _("In a school year."),
    )
    unexcused_share_at_risk = _percent(
        _("unexcused school absences: at risk from (percent of class hours)"),
        10,
        _("Unexcused hours as a share of the class hours so far this school year."),
    )
    school_absence_watch = _percent(
        _("school absences: watch from (percent of school days)"),
        5,
        _("Excused and unexcused absences together, as a share of the school days so far."),
    )
    school_absence_at_risk = _percent(
        _("school absences: at risk from (percent of school days)"),
        10,
        _("Chronic absenteeism: missing one school day in ten or more."),
    )
    school_absence_high_risk = _percent(
        _("school absences: high risk from (percent of school days)"),
        20,
        _("Severe chronic absenteeism."),
    )
    class_hours_per_day_primary = _count(
        _("class hours per day in grades 0–IV"),
        4,
        _("Used to turn class hours into school days."),
        maximum=10,
    )
    class_hours_per_day_secondary = _count(
        _("class hours per day from grade V"),
        6,
        _("Used to turn class hours into school days."),
        maximum=10,
    )
    # School results.
    average_below = models.DecimalField(
        _("general average: at risk below"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_("An average below 5 fails the year."),
    )
    failed_subjects_at_risk = _count(
        _("failed subjects: at risk from"),
        1,
        _("Subjects failed in the latest result (re-examination)."),
        maximum=20,
    )
    # Family context.
    family_factors_watch = _count(
        _("family risk factors: watch from"),
        3,
        _("Poverty, parents abroad, low schooling and the others recorded on the family."),
        maximum=10,
    )
    family_factors_at_risk = _count(
        _("family risk factors: at risk from"),
        4,
        _("Poverty, parents abroad, low schooling and the others recorded on the family."),
        maximum=10,
    )
    flag_transitions = models.BooleanField(
        _("flag the moves from grade IV to V and from VIII to IX"),
        default=True,
        help_text=_(
            "Children in grades IV and VIII (moving next year) and V and IX (moved this year) "
            "are watched."
        ),
    )
    high_risk_categories = _count(
        _("high risk when at risk in this many categories"),
        2,
        _("Absences, low results, repetition, behaviour and context."),
        maximum=4,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("early-warning thresholds")
        verbose_name_plural = _("early-warning thresholds")
        permissions = [
            ("view_children_at_risk", _("Can see the children at risk of their sites")),
            ("view_dashboard", _("Can see the dashboards of their sites")),
            ("view_funder_report", _("Can produce funder reports for their sites")),
        ]
        constraints = [
            models.CheckConstraint(name="risk_thresholds_single_row", condition=Q(id=1)),
            models.CheckConstraint(
                name="risk_thresholds_program_rate_order",
                condition=Q(program_rate_at_risk_below__lte=F("program_rate_watch_below")),
                violation_error_message=_(
                    "The 'at risk' attendance threshold must not be above the 'watch' one."
                ),
            ),
            models.CheckConstraint(
                name="risk_thresholds_unexcused_order",
                condition=Q(unexcused_hours_at_risk__lte=F("unexcused_hours_high_risk")),
                violation_error_message=_(
                    "The 'high risk' unexcused hours must not be below the 'at risk' ones."
                ),
            ),
            models.CheckConstraint(
                name="risk_thresholds_school_absence_order",
                condition=Q(school_absence_watch__lte=F("school_absence_at_risk"))
                & Q(school_absence_at_risk__lte=F("school_absence_high_risk")),
                violation_error_message=_(
                    "School absence thresholds must rise from watch to at risk to high risk."
                ),
            ),
            models.CheckConstraint(
                name="risk_thresholds_family_order",
                condition=Q(family_factors_watch__lte=F("family_factors_at_risk")),
                violation_error_message=_(
                    "The 'at risk' family factors must not be below the 'watch' ones."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Early-warning thresholds"))

    @classmethod
    def current(cls) -> RiskThresholds:
        """The thresholds in force: the saved row, or the defaults if none was saved."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
