"""Who may read what is confidential about a child."""

from programs.models import Role, sees_every_site


def may_read_confidential_notes(user) -> bool:
    """Only psychologists read and write confidential counseling notes: not
    coordinators, not directors, not superusers (a superuser has every
    permission, so this follows the role, not a permission)."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.PSYCHOLOGIST)


def may_break_glass(user) -> bool:
    """A director may open confidential notes in an emergency, giving a reason that is logged.

    Like the notes themselves this follows the role: a superuser's every
    permission does not include it.
    """
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.DIRECTOR
        and user.has_perm("children.break_glass_confidential_notes")
    )


def hidden_sites_of(activity, user) -> bool:
    """Does this multi-site activity involve a site the user may not see?"""
    if sees_every_site(user):
        return False
    return activity.sites.exclude(pk__in=user.sites.all()).exists()
