"""Workflows over families' records: keyword-only, atomic, validated."""

from __future__ import annotations

from django.db import transaction

from families.models import ParentMeeting


@transaction.atomic
def parent_meeting_save(*, form, by) -> ParentMeeting:
    """Save a meeting from its validated form, with the guardians who came."""
    meeting = form.save(commit=False)
    if meeting.pk is None:
        meeting.created_by = by
    meeting.full_clean()
    meeting.save()
    form.save_m2m()
    return meeting
