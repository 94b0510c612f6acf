"""Which group's register a user may open, and on which days they may write it.

Seeing follows the site (``for_user``: another site's group is a 404). Writing
is narrower: a social worker writes the registers of the groups they staff, for
today and the ``EDIT_WINDOW_DAYS`` before; a coordinator (permission
``take_register_any_day``) any past day of their sites' groups. Nobody writes a
register for a day that has not come yet, or outside the group's school year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from attendance.models import EDIT_WINDOW_DAYS
from children.models import Child
from programs.access import get_for_user
from programs.models import Group


def get_group_for_user(user, pk: int) -> Group:
    """The group, with ``is_my_group`` (the user is on its staff); 404 for a
    group of another site."""
    staffed = Group.staff.through.objects.filter(group=OuterRef("pk"), user=user.pk)
    return get_for_user(
        Group.objects.select_related("site", "school_year").annotate(is_my_group=Exists(staffed)),
        user,
        pk=pk,
    )


def get_child_for_user(user, pk: int) -> Child:
    return get_for_user(Child.objects.select_related("site"), user, pk=pk)


def check_register_day(group: Group, day: datetime.date) -> None:
    """A register exists only for days of the group's school year: 404 otherwise."""
    if not group.school_year.starts_on <= day <= group.school_year.ends_on:
        raise Http404


@dataclass(frozen=True)
class WriteAccess:
    allowed: bool
    why_not: str = ""


def register_write_access(
    user, group: Group, day: datetime.date, *, today: datetime.date
) -> WriteAccess:
    """May ``user`` save ``group``'s register for ``day``? If not, a sentence for them."""
    if not user.has_perm("attendance.change_register"):
        return WriteAccess(False, _("You can read this register but not change it."))
    if day > today:
        return WriteAccess(False, _("A register cannot be taken for a day that has not come yet."))
    if user.has_perm("attendance.take_register_any_day"):
        return WriteAccess(True)
    if not getattr(group, "is_my_group", False):
        return WriteAccess(
            False,
            _("Only this group's staff take its register. Ask a coordinator to add you."),
        )
    if day < today - datetime.timedelta(days=EDIT_WINDOW_DAYS):
        return WriteAccess(
            False,
            _(
                "Registers older than %(days)s days are corrected by a coordinator. "
                "Ask them if something is wrong."
            )
            % {"days": EDIT_WINDOW_DAYS},
        )
    return WriteAccess(True)


def school_absence_write_access(user, group: Group) -> WriteAccess:
    if not user.has_perm("attendance.change_schoolabsence"):
        return WriteAccess(False, _("You can read these absences but not change them."))
    if user.has_perm("attendance.take_register_any_day") or getattr(group, "is_my_group", False):
        return WriteAccess(True)
    return WriteAccess(False, _("Only this group's staff enter its school absences."))
