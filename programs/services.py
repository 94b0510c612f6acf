"""Workflows over the programs models: keyword-only, atomic, fully validated."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from programs.models import (
    SITE_REQUIRED_MESSAGE,
    AccessAction,
    AccessLogEntry,
    Enrollment,
    EnrollmentStatus,
    Group,
    Role,
    Site,
    User,
)


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


@transaction.atomic
def enrollment_end(
    *,
    enrollment: Enrollment,
    ended_on: datetime.date,
    status: EnrollmentStatus | str,
    reason: str = "",
) -> Enrollment:
    """Close an open enrollment with an exit status (completed, dropped out…)."""
    if enrollment.ended_on is not None:
        raise ValidationError(_("This enrollment has already ended."), code="already_ended")
    if status == EnrollmentStatus.ACTIVE:
        raise ValidationError({"status": _("Choose how the enrollment ended.")})
    enrollment.ended_on = ended_on
    enrollment.status = status
    enrollment.exit_reason = reason
    enrollment.full_clean()
    enrollment.save(update_fields=["ended_on", "status", "exit_reason", "updated_at"])
    return enrollment


@transaction.atomic
def enrollment_move(
    *, enrollment: Enrollment, group: Group, on: datetime.date, by: User | None = None
) -> Enrollment:
    """Move a child to another group of the same site from ``on``.

    The current enrollment closes the day before (status "moved") and a new one
    opens in ``group``, so each group's past registers keep the right children.
    A move on the enrollment's first day corrects the group in place.
    """
    if enrollment.ended_on is not None:
        raise ValidationError(_("This enrollment has already ended."), code="already_ended")
    if group.site_id != enrollment.site_id:
        raise ValidationError(
            _("The new group is at another site; end this enrollment as a transfer instead."),
            code="other_site",
        )
    if group.pk == enrollment.group_id:
        return enrollment
    if on < enrollment.started_on:
        raise ValidationError(
            _("The move cannot happen before the enrollment started."), code="before_start"
        )
    if on == enrollment.started_on:
        enrollment.group = group
        enrollment.full_clean()
        enrollment.save(update_fields=["group", "updated_at"])
        return enrollment
    enrollment_end(
        enrollment=enrollment,
        ended_on=on - datetime.timedelta(days=1),
        status=EnrollmentStatus.MOVED,
        reason=str(group),
    )
    successor = Enrollment(
        child_id=enrollment.child_id,
        program_id=enrollment.program_id,
        site_id=enrollment.site_id,
        group=group,
        started_on=on,
        created_by=by,
    )
    successor.full_clean()
    successor.save()
    return successor


@transaction.atomic
def enrollments_end(
    *,
    enrollments: Iterable[Enrollment],
    ended_on: datetime.date,
    status: EnrollmentStatus | str,
    reason: str = "",
) -> int:
    """End several enrollments at once; all or none (the first error stops it)."""
    count = 0
    for enrollment in enrollments:
        enrollment_end(enrollment=enrollment, ended_on=ended_on, status=status, reason=reason)
        count += 1
    return count


@transaction.atomic
def enrollments_move(
    *, enrollments: Iterable[Enrollment], group: Group, on: datetime.date, by: User | None = None
) -> int:
    """Move several open enrollments to ``group``; all or none."""
    count = 0
    for enrollment in enrollments:
        enrollment_move(enrollment=enrollment, group=group, on=on, by=by)
        count += 1
    return count


@transaction.atomic
def record_save(*, record: models.Model, by: User, form=None) -> models.Model:
    """Save a record a person entered: who created it (when new), validated in
    full, with its many-to-many choices when it comes from ``form``."""
    if record.pk is None:
        record.created_by = by
    record.full_clean()
    record.save()
    if form is not None:
        form.save_m2m()
    return record


def access_log_record(
    *,
    user: User,
    action: AccessAction,
    site: Site | None,
    child_ids: Iterable[int] = (),
    record: models.Model | None = None,
    reason: str = "",
) -> None:
    """Logs that ``user`` read the records of these children (one row per child)."""
    object_type = record._meta.label_lower if record is not None else ""
    object_id = record.pk if record is not None else None
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            user=user,
            action=action,
            site=site,
            child_id=child_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
        )
        for child_id in (list(child_ids) or [None])
    )
