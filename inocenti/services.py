"""Workflows across apps that belong to the pages composing them."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from children.models import FollowUp
from inocenti.risk import ChildRisk
from programs.models import User
from programs.services import record_save

# A follow-up opened from the early warning is due in a week: soon enough to act
# before the next month's absences are reported.
RISK_FOLLOW_UP_DAYS = 7
TASK_MAX_LENGTH = FollowUp._meta.get_field("task").max_length


@transaction.atomic
def follow_up_from_risk(*, risk: ChildRisk, by: User, today: datetime.date) -> FollowUp:
    """A follow-up task for ``by`` about a child the early warning flags, with its reasons."""
    task = _("Early warning (%(level)s): %(reasons)s") % {
        "level": risk.level.label,
        "reasons": risk.summary,
    }
    if len(task) > TASK_MAX_LENGTH:
        task = task[: TASK_MAX_LENGTH - 1] + "…"
    follow_up = FollowUp(
        site_id=risk.child.site_id,
        child=risk.child,
        task=task,
        assignee=by,
        due_on=today + datetime.timedelta(days=RISK_FOLLOW_UP_DAYS),
    )
    return record_save(record=follow_up, by=by)
