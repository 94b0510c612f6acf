"""The ground floor: sites, people's accounts and roles.

Other apps stand on these models; this app imports none of them.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from programs.audit import audit_links, audited
from programs.fields import ChoiceArrayField, RomanianTextField

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    COORDINATOR = "coordinator", _("Coordinator")
    DIRECTOR = "director", _("Director")
    VOLUNTEER = "volunteer", _("Volunteer")


def sees_every_site(user: User | AnonymousUser) -> bool:
    """Superusers and directors marked so see all sites, including future ones."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.role == Role.DIRECTOR and user.sees_all_sites))
    )


class SiteScopedQuerySet(models.QuerySet):
    """Base for the QuerySets of every model that belongs to a site.

    Subclasses name the path from their model to its Site in ``site_path``
    (``"site"``, ``"group__site"``...). A multi-valued path would repeat rows,
    so such models override ``for_user`` with a ``pk__in`` subquery.
    """

    site_path: str = "site"

    def for_user(self, user: User | AnonymousUser) -> SiteScopedQuerySet:
        """The rows of the sites ``user`` may see; none for anonymous or inactive users."""
        if sees_every_site(user):
            return self
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(**{f"{self.site_path}__in": user.sites.all()})


class SiteQuerySet(SiteScopedQuerySet):
    site_path = "pk"


class County(models.TextChoices):
    """Romania's counties and the capital, by their official abbreviations."""

    AB = "AB", "Alba"
    AR = "AR", "Arad"
    AG = "AG", "Argeș"
    BC = "BC", "Bacău"
    BH = "BH", "Bihor"
    BN = "BN", "Bistrița-Năsăud"
    BT = "BT", "Botoșani"
    BV = "BV", "Brașov"
    BR = "BR", "Brăila"
    B = "B", "București"
    BZ = "BZ", "Buzău"
    CS = "CS", "Caraș-Severin"
    CL = "CL", "Călărași"
    CJ = "CJ", "Cluj"
    CT = "CT", "Constanța"
    CV = "CV", "Covasna"
    DB = "DB", "Dâmbovița"
    DJ = "DJ", "Dolj"
    GL = "GL", "Galați"
    GR = "GR", "Giurgiu"
    GJ = "GJ", "Gorj"
    HR = "HR", "Harghita"
    HD = "HD", "Hunedoara"
    IL = "IL", "Ialomița"
    IS = "IS", "Iași"
    IF = "IF", "Ilfov"
    MM = "MM", "Maramureș"
    MH = "MH", "Mehedinți"
    MS = "MS", "Mureș"
    NT = "NT", "Neamț"
    OT = "OT", "Olt"
    PH = "PH", "Prahova"
    SM = "SM", "Satu Mare"
    SJ = "SJ", "Sălaj"
    SB = "SB", "Sibiu"
    SV = "SV", "Suceava"
    TR = "TR", "Teleorman"
    TM = "TM", "Timiș"
    TL = "TL", "Tulcea"
    VS = "VS", "Vaslui"
    VL = "VL", "Vâlcea"
    VN = "VN", "Vrancea"


class CreatedByModel(TimeStampedModel):
    """A record a person entered: when, and by whom (kept if the account goes)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class Site(CreatedByModel):
    """A partner school or the day center where a program runs."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("Partner school")
        DAY_CENTER = "day_center", _("Day center")

    name = RomanianTextField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    locality = RomanianTextField(_("locality"), max_length=100, blank=True)
    address = RomanianTextField(_("address"), max_length=300, blank=True)
    program_started_on = models.DateField(
        _("program started on"),
        null=True,
        blank=True,
        help_text=_("When the foundation's program began at this site."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="site_kind_valid", condition=Q(kind__in=["school", "day_center"])
            ),
            models.CheckConstraint(
                name="site_county_valid", condition=Q(county__in=County.values) | Q(county="")
            ),
        ]

    def __str__(self) -> str:
        return self.name


SITE_REQUIRED_MESSAGE = _("Choose at least one site for this account.")


# Password hashes stay out of the history; logins are not changes.
@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who logs in: staff of the foundation or a volunteer.

    What a user may do follows from ``role`` (see ``programs.access``); what they
    may see follows from ``sites``, or from ``sees_all_sites`` for directors.
    Superusers may have no role.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    sites = models.ManyToManyField(
        Site,
        verbose_name=_("sites"),
        related_name="users",
        blank=True,
        help_text=_("The sites whose children and activities this person works with."),
    )
    sees_all_sites = models.BooleanField(
        _("sees all sites"),
        default=False,
        help_text=_("Only for directors: every site, including sites added later."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [("use_admin", _("Can use the administration pages"))]
        constraints = [
            models.CheckConstraint(
                name="user_role_valid",
                condition=Q(role__in=Role.values) | Q(role=""),
            ),
            models.CheckConstraint(
                name="user_has_role_unless_superuser",
                condition=Q(is_superuser=True) | ~Q(role=""),
                violation_error_message=_("Every account except a superuser needs a role."),
            ),
            models.CheckConstraint(
                name="user_all_sites_only_for_directors",
                condition=Q(sees_all_sites=False) | Q(role=Role.DIRECTOR),
                violation_error_message=_("Only a director can see all sites."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @staticmethod
    def site_required(*, is_superuser: bool, sees_all_sites: bool) -> bool:
        """Everyone works at one or more sites, except superusers and directors who
        see all sites. (A many-to-many rule, so forms and services check it.)"""
        return not (is_superuser or sees_all_sites)


class Program(CreatedByModel):
    """A line of work the foundation runs at some of its sites."""

    name = RomanianTextField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    sites = models.ManyToManyField(
        Site, verbose_name=_("sites"), related_name="programs", blank=True
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Funder(CreatedByModel):
    """Who pays for the work: a foundation, a grant scheme, a city hall."""

    class Kind(models.TextChoices):
        FOUNDATION = "foundation", _("Foundation or NGO")
        COMPANY = "company", _("Company")
        PUBLIC = "public", _("Public authority")
        GRANT_SCHEME = "grant_scheme", _("Grant scheme")
        INDIVIDUALS = "individuals", _("Individual donors")

    name = RomanianTextField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="funder_kind_valid",
                condition=Q(
                    kind__in=["foundation", "company", "public", "grant_scheme", "individuals"]
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundedProjectQuerySet(models.QuerySet):
    def covering(self, *, site: Site, on: datetime.date) -> FundedProjectQuerySet:
        """The projects a service given at ``site`` on ``on`` counts towards."""
        return self.filter(sites=site, starts_on__lte=on, ends_on__gte=on)


class FundedProject(CreatedByModel):
    """A funded project: services delivered at its sites during its period count
    towards it."""

    funder = models.ForeignKey(
        Funder, verbose_name=_("funder"), on_delete=models.PROTECT, related_name="projects"
    )
    name = RomanianTextField(_("name"), max_length=300)
    reference = models.CharField(_("contract or grant number"), max_length=100, blank=True)
    partners = models.TextField(_("partners"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    sites = models.ManyToManyField(Site, verbose_name=_("sites"), related_name="funded_projects")
    programs = models.ManyToManyField(
        Program, verbose_name=_("programs"), related_name="funded_projects", blank=True
    )
    description = models.TextField(_("description"), blank=True)

    objects = FundedProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                name="funded_project_ends_after_start",
                condition=Q(ends_on__gte=F("starts_on")),
                violation_error_message=_("A project cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["funder", "name"], name="funded_project_name_unique_per_funder"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYearQuerySet(models.QuerySet):
    def current(self) -> SchoolYear | None:
        return self.filter(is_current=True).first()

    def containing(self, day: datetime.date) -> SchoolYear | None:
        """The recorded school year ``day`` falls in, if any."""
        return self.filter(starts_on__lte=day, ends_on__gte=day).first()


class SchoolYear(CreatedByModel):
    """A Romanian school year, 1 September to 31 August; one is the current one."""

    name = models.CharField(_("name"), max_length=9, unique=True, help_text="2025-2026")
    starts_on = models.DateField(_("starts on"), unique=True)
    ends_on = models.DateField(_("ends on"))
    is_current = models.BooleanField(_("current"), default=False)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                name="school_year_ends_after_start",
                condition=Q(ends_on__gt=F("starts_on")),
                violation_error_message=_("A school year must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="school_year_one_current",
                violation_error_message=_("Another school year is already the current one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def start_year_of(day: datetime.date) -> int:
        """The year the Romanian school year holding ``day`` began (1 September)."""
        return day.year if day.month >= 9 else day.year - 1

    @classmethod
    def starts_on_for(cls, day: datetime.date) -> datetime.date:
        """The first day of the school year holding ``day``: the recorded one's,
        else 1 September."""
        year = cls.objects.containing(day)
        return year.starts_on if year else cls.for_start_year(cls.start_year_of(day)).starts_on

    @classmethod
    def for_start_year(cls, year: int) -> SchoolYear:
        """An unsaved school year from 1 September ``year`` to 31 August next year."""
        return cls(
            name=f"{year}-{year + 1}",
            starts_on=datetime.date(year, 9, 1),
            ends_on=datetime.date(year + 1, 8, 31),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class GroupQuerySet(SiteScopedQuerySet):
    def meeting_on(self, day: datetime.date) -> GroupQuerySet:
        return self.filter(meeting_days__contains=[day.isoweekday()])


@audited()
class Group(CreatedByModel):
    """Children who meet together at a site during a school year."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="groups"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="groups"
    )
    name = RomanianTextField(_("name"), max_length=100, help_text=_("For example “Grupa I–IV”."))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        related_name="staffed_groups",
        blank=True,
        help_text=_("The social workers and teachers who work with this group."),
    )
    meeting_days = ChoiceArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices),
        verbose_name=_("meeting days"),
        default=list,
        blank=True,
    )

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["site__name", "-school_year__starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "school_year", "name"],
                name="group_name_unique_per_site_and_year",
                violation_error_message=_(
                    "This site already has a group with this name in this school year."
                ),
            ),
            # The target of the enrollment's (group, site) foreign key, which
            # keeps every enrollment's group at the enrollment's own site.
            models.UniqueConstraint(fields=["id", "site"], name="group_id_site_unique"),
            models.CheckConstraint(
                name="group_meeting_days_are_weekdays",
                condition=Q(meeting_days__contained_by=Weekday.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.site} · {self.school_year}"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    MOVED = "moved", _("Moved to another group")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TRANSFERRED = "transferred", _("Transferred")
    DROPPED_OUT = "dropped_out", _("Dropped out of school")

    @classmethod
    def exits(cls) -> list[tuple[str, str]]:
        return [(value, label) for value, label in cls.choices if value != cls.ACTIVE]


class EnrollmentQuerySet(SiteScopedQuerySet):
    def current(self) -> EnrollmentQuerySet:
        """Enrollments not ended: the child still attends."""
        return self.filter(ended_on__isnull=True)

    def on(self, day: datetime.date) -> EnrollmentQuerySet:
        """Enrollments that had begun and not yet ended on ``day``."""
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day)
        )


@audited()
class Enrollment(CreatedByModel):
    """A child in a program at a site, usually in one of its groups.

    An enrollment is open (``ended_on`` empty, status active) or closed with an
    exit status. Moving a child to another group closes one enrollment and
    opens the next, so the days a child belonged to each group stay known.
    """

    child = models.ForeignKey(
        "children.Child",
        verbose_name=_("child"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="enrollments"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="enrollments"
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="enrollments",
        null=True,
        blank=True,
    )
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    exit_reason = models.TextField(_("exit reason"), blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                name="enrollment_status_valid", condition=Q(status__in=EnrollmentStatus.values)
            ),
            models.CheckConstraint(
                name="enrollment_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                violation_error_message=_("An enrollment cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="enrollment_open_exactly_when_active",
                condition=(
                    Q(ended_on__isnull=True, status=EnrollmentStatus.ACTIVE)
                    | (Q(ended_on__isnull=False) & ~Q(status=EnrollmentStatus.ACTIVE))
                ),
                violation_error_message=_(
                    "An active enrollment has no end date; an ended one needs an exit status."
                ),
            ),
            models.UniqueConstraint(
                fields=["child", "program"],
                condition=Q(ended_on__isnull=True),
                name="enrollment_one_open_per_child_and_program",
                violation_error_message=_(
                    "This child already has an open enrollment in this program."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["group", "started_on"], name="enrollment_group_start"),
            # Each child's first enrollment at a site: the dashboards' new
            # enrollments and children reached, read from the index alone.
            models.Index(
                fields=["site", "child", "started_on"], name="enrollment_site_child_start"
            ),
            # Exits in a period (open enrollments, most of them, left out).
            models.Index(
                fields=["ended_on"],
                name="enrollment_ended_on",
                condition=Q(ended_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.program} · {self.site}"

    def clean(self) -> None:
        errors = {}
        if self.group_id and self.site_id and self.group.site_id != self.site_id:
            errors["group"] = _("The group must belong to the enrollment's site.")
        elif (
            self.group_id
            and self.started_on
            and not (
                self.group.school_year.starts_on
                <= self.started_on
                <= self.group.school_year.ends_on
            )
        ):
            errors["started_on"] = _(
                "The enrollment must start during its group's school year (%(year)s)."
            ) % {"year": self.group.school_year}
        if self.ended_on is None and self.child_id and self.site_id != self.child.site_id:
            errors["site"] = _("An open enrollment must be at the site that follows the child.")
        if (
            self.program_id
            and self.site_id
            and not self.program.sites.filter(pk=self.site_id).exists()
        ):
            errors["site"] = _("This program does not run at this site.")
        if errors:
            raise ValidationError(errors)


# Who may see which sites and who works with which group: changes of access.
audit_links(User.sites.through, app_label="programs", model_name="UserSiteEvent")
audit_links(Group.staff.through, app_label="programs", model_name="GroupStaffEvent")


class AccessAction(models.TextChoices):
    VIEW_CHILD = "view_child", _("opened the child's page")
    VIEW_CHILD_ADMIN = "view_child_admin", _("opened the child in the administration")
    VIEW_HISTORY = "view_history", _("opened the change history")
    VIEW_COUNSELING = "view_counseling", _("opened a counseling session")
    EXPORT = "export", _("exported the child's data")
    BREAK_GLASS = "break_glass", _("opened confidential notes (emergency access)")


class AccessLogEntry(models.Model):
    """One reading of a child's sensitive records: who, what, when (and why, for break-glass).

    ``child_id`` is a plain number, not a foreign key: the log is about the
    programs' ground floor and must outlive the child's anonymisation.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    child_id = models.BigIntegerField(_("child"), null=True, db_index=True)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.BigIntegerField(_("record"), null=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="access_log_break_glass_has_reason",
                condition=~Q(action="break_glass") | ~Q(reason=""),
            ),
        ]
        # Like the audit trail, the log is only ever added to (retention alone
        # erases an anonymised child's reasons, lifting this for that statement).
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()}"
