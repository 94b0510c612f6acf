"""A child's history of changes, gathered from the audit trail of every app."""

from pghistory.models import Events

from children import cnp as cnp_codes
from children.models import Child, CounselingSession
from families.models import Family
from programs.audit import HistoryEntry, history_entries

# Family-level records also name a child when they are about one; a sibling's
# are not this child's history.
_FAMILY_MODELS = (
    "families.FamilyEvent",
    "families.GuardianEvent",
    "children.CaseNoteEvent",
    "children.FollowUpEvent",
    "families.SupportGivenEvent",
)
# Confidential notes are the psychologists' alone; the history does not show
# even that they changed.
_HIDDEN = ("children.ConfidentialNote",)
# Shown masked everywhere but the edit form, so in the history too.
_MASKED = {"children.Child.cnp": cnp_codes.mask}


def child_history(child: Child) -> list[HistoryEntry]:
    """Every change to the child's records and their family's, newest first.

    Four queries, whatever the number of events: the child's references, the
    family's, the child's counseling sessions, and the users who made the
    changes.
    """
    events = list(Events.objects.references(child))
    if child.family_id:
        family = Family(pk=child.family_id)
        events += [
            event
            for event in Events.objects.references(family).across(*_FAMILY_MODELS)
            # Those naming the child were found through the child already.
            if (event.pgh_data or {}).get("child_id") is None
        ]
    sessions = list(CounselingSession.objects.filter(children=child).only("pk").order_by())
    if sessions:
        events += list(Events.objects.tracks(sessions).across("children.CounselingSessionEvent"))
    return history_entries(events, hidden_models=_HIDDEN, masked_fields=_MASKED)
