"""The ground floor: sites, people's accounts and roles.

Other apps stand on these models; this app imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


class Site(TimeStampedModel):
    """A partner school or the day center where a program runs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


SITE_REQUIRED_MESSAGE = _("Choose at least one site for this account.")


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
