"""Workflows over the programs models: keyword-only, atomic, fully validated."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from programs.models import SITE_REQUIRED_MESSAGE, Role, Site, User


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role | str,
    sites: Iterable[Site] = (),
    sees_all_sites: bool = False,
    is_superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> User:
    """Create an account; everyone but a superuser or an all-sites director needs a site."""
    sites = list(sites)
    user = User(
        username=username,
        role=role,
        sees_all_sites=sees_all_sites,
        is_superuser=is_superuser,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    if not sites and User.site_required(is_superuser=is_superuser, sees_all_sites=sees_all_sites):
        raise ValidationError({"sites": SITE_REQUIRED_MESSAGE})
    user.save()
    user.sites.set(sites)
    return user
