"""Workflows over children and their enrollments: keyword-only, atomic, validated."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    ConfidentialNote,
    CounselingSession,
    FollowUp,
    MentoringSession,
    SchoolResult,
)
from families.models import SupportGiven
from programs.models import Enrollment, Group, User
from programs.services import enrollment_move


@transaction.atomic
def children_move_to_group(
    *, children: Iterable[Child], group: Group, on: datetime.date, by: User | None = None
) -> int:
    """Move each child's open enrollment at the group's site into ``group`` from ``on``.

    All or none: a child with no open enrollment at that site, or with several
    (one per program, so which to move is unclear), stops the whole move and is
    named in the error.
    """
    children = list(children)
    open_enrollments: dict[int, list[Enrollment]] = {child.pk: [] for child in children}
    for enrollment in (
        Enrollment.objects.current()
        .filter(child__in=children, site_id=group.site_id)
        .select_related("group")
    ):
        open_enrollments[enrollment.child_id].append(enrollment)
    problems = [child.full_name for child in children if len(open_enrollments[child.pk]) != 1]
    if problems:
        raise ValidationError(
            _(
                "These children have no single open enrollment at %(site)s, so they were "
                "not moved: %(names)s."
            ),
            params={"site": group.site, "names": ", ".join(problems)},
            code="no_single_enrollment",
        )
    for child in children:
        enrollment_move(enrollment=open_enrollments[child.pk][0], group=group, on=on, by=by)
    return len(children)


@transaction.atomic
def counseling_session_save(
    *,
    session: CounselingSession,
    site_id: int,
    children: Iterable[Child],
    guardians: Iterable,
    confidential_notes: str,
    by: User,
) -> CounselingSession:
    """Save a session and its confidential notes (an empty text removes them)."""
    if session.pk is None:
        session.created_by = by
        session.psychologist = by
    session.site_id = site_id
    session.full_clean(exclude=["children", "guardians"])
    session.save()
    session.children.set(children)
    session.guardians.set(guardians)
    text = confidential_notes.strip()
    if text:
        ConfidentialNote.objects.update_or_create(
            session=session, defaults={"text": text, "updated_by": by}
        )
    else:
        ConfidentialNote.objects.filter(session=session).delete()
    return session


@transaction.atomic
def case_note_save(*, note: CaseNote, by: User) -> CaseNote:
    if note.pk is None:
        note.created_by = by
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def follow_up_save(*, task: FollowUp, by: User) -> FollowUp:
    if task.pk is None:
        task.created_by = by
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def follow_up_done(*, task: FollowUp, outcome: str, by: User) -> FollowUp:
    """Close a task today; whoever closes it, the outcome says what was done."""
    task.done_on = timezone.localdate()
    task.done_by = by
    task.outcome = outcome.strip()
    task.full_clean()
    task.save(update_fields=["done_on", "done_by", "outcome", "updated_at"])
    return task


@transaction.atomic
def school_result_save(*, result: SchoolResult, by: User) -> SchoolResult:
    if result.pk is None:
        result.created_by = by
    result.full_clean()
    result.save()
    return result


@transaction.atomic
def support_record(*, support: SupportGiven, by: User) -> SupportGiven:
    """Record help given to a family (``support.child`` set when it was for one child)."""
    if support.pk is None:
        support.created_by = by
        support.given_by = by
    support.full_clean()
    support.save()
    return support


@transaction.atomic
def mentoring_session_record(*, session: MentoringSession, by: User) -> MentoringSession:
    if session.pk is None:
        session.created_by = by
        session.volunteer = by
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def community_activity_save(*, form, by: User) -> CommunityActivity:
    """Save an activity from its validated form, with its sites and participants."""
    activity = form.save(commit=False)
    if activity.pk is None:
        activity.created_by = by
    activity.full_clean()
    activity.save()
    form.save_m2m()
    return activity
