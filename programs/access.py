"""Who may see what, and who may do what: the entry points every view and admin uses.

- *Which sites may this user see?* ``visible_sites(user)``; every site-scoped
  QuerySet answers the same question with ``.for_user(user)`` (the rule lives on
  the models, in ``programs.models.SiteScopedQuerySet``).
- *May this user do X?* ``user.has_perm("app.codename")``, answered by
  ``RoleBackend`` from ``ROLE_PERMISSIONS``. Views use Django's
  ``permission_required(..., raise_exception=True)``; admin classes get it for
  free through ``has_view_permission`` and friends.
- *Give me object N* goes through ``get_for_user``: an object of a site the user
  may not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.shortcuts import get_object_or_404

from programs.models import Role, Site, SiteQuerySet, SiteScopedQuerySet


# The whole permission table. Feature issues add their permissions here, so that
# one reading shows what each role may do. Superusers may do everything.
def _crud(*models: str, actions: tuple[str, ...] = ("view", "add", "change", "delete")) -> set[str]:
    """``_crud("children.child")`` → {"children.view_child", "children.add_child", ...}."""
    return {
        f"{label}.{action}_{name}"
        for label, name in (model.split(".") for model in models)
        for action in actions
    }


# Organisation-wide records (not personal data): coordinators read them,
# directors keep them up to date.
_ORGANISATION = (
    "programs.program",
    "programs.funder",
    "programs.fundedproject",
    "programs.schoolyear",
)
# Children's and families' records, always limited to the user's sites.
_CASE_RECORDS = (
    "children.child",
    "families.family",
    "families.guardian",
    "programs.enrollment",
    "programs.group",
)

# Taking registers and entering school absences. Who may take which group's
# register on which day is narrowed further in ``attendance.access``: social
# workers only their own groups and the last days, ``take_register_any_day``
# any past day.
_TAKE_ATTENDANCE = _crud(
    "attendance.register", "attendance.schoolabsence", actions=("view", "add", "change")
) | {"attendance.view_mark"}
# Reading a child's attendance history.
_READ_ATTENDANCE = _crud(
    "attendance.register", "attendance.mark", "attendance.schoolabsence", actions=("view",)
)
# The corrections of registers, read by those who oversee them.
_READ_CORRECTIONS = {"attendance.view_registerchange"}

# Casework records. Confidential counseling notes are not here: they follow the
# psychologist role itself (``children.access.may_read_confidential_notes``),
# so that no permission, not even a superuser's, opens them.
_CASEWORK = (
    "children.counselingsession",
    "children.casenote",
    "children.followup",
    "children.schoolresult",
    "children.mentorassignment",
    "children.mentoringsession",
    "children.communityactivity",
    "families.parentmeeting",
    "families.supportgiven",
)

# The child's page and the family beside it, for the staff who work with them.
_READ_CHILDREN = {
    "children.view_child",
    "children.view_consent",
    "families.view_family",
    "families.view_guardian",
    "programs.view_enrollment",
}
# Who changed a child's records, and answering a family's request for their data.
_OVERSEE_CHILDREN = {"children.view_child_history", "children.export_child_data"}
# A consent is given and later withdrawn, never deleted: the history is the proof.
_RECORD_CONSENT = _crud("children.consent", actions=("view", "add", "change"))
# What the whole team may read of each other's casework (counseling: summaries).
_READ_CASEWORK = _crud(*_CASEWORK, actions=("view",))

# The early warning: which children of their sites are slipping, and why.
_SEE_RISK = {"inocenti.view_children_at_risk"}
# Directors' and coordinators' figures: dashboards, funder reports, and the
# early warning's thresholds (one row, edited in the admin).
_OVERSEE_SITES = {
    "inocenti.view_dashboard",
    "inocenti.view_funder_report",
    "inocenti.view_riskthresholds",
    "inocenti.change_riskthresholds",
}

ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    Role.SOCIAL_WORKER: frozenset(
        _TAKE_ATTENDANCE
        | _READ_CHILDREN
        | _READ_CASEWORK
        | _SEE_RISK
        | _crud(
            "children.casenote",
            "children.followup",
            "children.schoolresult",
            "children.communityactivity",
            "families.parentmeeting",
            "families.supportgiven",
        )
    ),
    Role.PSYCHOLOGIST: frozenset(
        _READ_ATTENDANCE
        | _READ_CHILDREN
        | _READ_CASEWORK
        | _SEE_RISK
        | _crud("children.counselingsession", "children.followup", "families.parentmeeting")
    ),
    Role.COORDINATOR: frozenset(
        {"programs.use_admin", "programs.view_site", "children.import_children"}
        | _crud(*_ORGANISATION, actions=("view",))
        | _crud(*_CASE_RECORDS)
        | _RECORD_CONSENT
        | _TAKE_ATTENDANCE
        | {"attendance.take_register_any_day", "attendance.oversee_registers"}
        | _READ_CORRECTIONS
        # Counseling sessions carry a psychologist's confidential notes: the
        # coordinator reads the sessions, only psychologists change them.
        | _crud(*(model for model in _CASEWORK if model != "children.counselingsession"))
        | {"children.view_counselingsession"}
        | _OVERSEE_CHILDREN
        # Unblocking a colleague locked out after wrong passwords (their sites' staff).
        | {"axes.view_accessattempt", "axes.delete_accessattempt"}
        | _SEE_RISK
        | _OVERSEE_SITES
    ),
    Role.DIRECTOR: frozenset(
        {"programs.use_admin", "programs.view_site"}
        | _crud(*_ORGANISATION)
        | _crud(*_CASE_RECORDS, actions=("view",))
        | {"children.view_consent"}
        | _READ_ATTENDANCE
        | _READ_CORRECTIONS
        | {"attendance.oversee_registers"}
        | _crud(*_CASEWORK, actions=("view",))
        | _OVERSEE_CHILDREN
        | {"programs.view_accesslogentry", "children.break_glass_confidential_notes"}
        | _SEE_RISK
        | _OVERSEE_SITES
    ),
    # Volunteers see only the children assigned to them (``Child.objects.for_user``).
    Role.VOLUNTEER: frozenset(
        {"children.view_child", "children.view_mentorassignment"}
        | _crud("children.mentoringsession", actions=("view", "add", "change"))
    ),
}


class RoleBackend(ModelBackend):
    """Authenticates like ModelBackend; permissions come from the role alone.

    Permissions stored in the database (per user or through groups) are
    ignored, so that ``ROLE_PERMISSIONS`` is the complete answer.
    """

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(ROLE_PERMISSIONS.get(user_obj.role, frozenset()))

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()


def visible_sites(user) -> SiteQuerySet:
    return Site.objects.for_user(user)


def get_for_user(queryset: SiteScopedQuerySet, user, **lookup) -> models.Model:
    """The object ``lookup`` names among those ``user`` may see, else Http404."""
    return get_object_or_404(queryset.for_user(user), **lookup)


def get_site_for_user(user, pk: int) -> Site:
    return get_for_user(Site.objects.all(), user, pk=pk)
