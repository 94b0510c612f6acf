"""Workflows over children and their enrollments: keyword-only, atomic, validated."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from children.models import (
    Child,
    ConfidentialNote,
    Consent,
    ConsentKind,
    CounselingSession,
    FollowUp,
)
from families.models import Guardian
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
def follow_up_done(*, task: FollowUp, outcome: str, by: User) -> FollowUp:
    """Close a task today; whoever closes it, the outcome says what was done."""
    task.done_on = timezone.localdate()
    task.done_by = by
    task.outcome = outcome.strip()
    task.full_clean()
    task.save(update_fields=["done_on", "done_by", "outcome", "updated_at"])
    return task


@transaction.atomic
def consent_give(
    *,
    child: Child,
    kind: ConsentKind,
    given_by: Guardian,
    on: datetime.date,
    user: User | None,
    note: str = "",
) -> Consent:
    """Record a guardian's consent. A child has one active consent of each kind:
    to renew one, withdraw it first."""
    consent = Consent(
        child=child, kind=kind, given_by=given_by, given_on=on, note=note.strip(), created_by=user
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, user: User | None, on: datetime.date) -> Consent:
    """Record that the consent was withdrawn on ``on``, and who recorded it. The
    consent stays, so the child's history shows it and until when it held."""
    # Read again under a lock: of two people withdrawing at once, the first
    # date stands and the second is told.
    stored = Consent.objects.select_for_update().only("withdrawn_on").get(pk=consent.pk)
    if stored.withdrawn_on is not None:
        raise ValidationError(
            _("This consent was already withdrawn on %(date)s."),
            params={"date": f"{stored.withdrawn_on:%d.%m.%Y}"},
            code="already_withdrawn",
        )
    consent.withdrawn_on = on
    consent.withdrawn_by = user
    consent.full_clean()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "updated_at"])
    return consent
