"""A small organisation for the access matrix (``tests/test_access_matrix.py``):
one user per role at site A, a superuser, and two sites with a full set of
records each.

Site B's records are linked to the site-A users wherever a view checks a link
to the user (author, assignee, giver, psychologist, mentor, group staff), as if
those users had worked at B before moving to A. Only the site then keeps them
out, so a view that forgets to scope by site answers 200 there instead of 404.
Site B also has staff of its own (a social worker, a psychologist, a volunteer),
whom no list or choice shown to site A's users may name. Everything written
about site B, and its own staff's names, carry ``OTHER_SITE_MARK``, and every
confidential note ``CONFIDENTIAL_MARK``, so that a page showing them is caught.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from children.models import ConfidentialNote
from programs.models import Role, Site, User
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    FundedProjectFactory,
    FunderFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    MentorAssignmentFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolResultFactory,
    SchoolYearFactory,
    SiteFactory,
    SupportGivenFactory,
    UserFactory,
    current_start_year,
)

SUPERUSER = "superuser"
ANONYMOUS = "anonymous"
# The columns of the matrix, in its order.
ROLES = (
    Role.SOCIAL_WORKER.value,
    Role.PSYCHOLOGIST.value,
    Role.COORDINATOR.value,
    Role.DIRECTOR.value,
    Role.VOLUNTEER.value,
    SUPERUSER,
    ANONYMOUS,
)

OTHER_SITE_MARK = "Vecinescu"
CONFIDENTIAL_MARK = "TAINA-CONFIDENTIALA"


@dataclass
class ChildRecords:
    """A child and what the team wrote about them. Records a view lets only their
    owner change are kept per owner's role (``owned``)."""

    child: object
    case_notes: dict[str, object]  # by the author's role
    school_result: object
    support: dict[str, object]  # by the giver's role
    mentoring_session: object

    def owned(self, kind: str, role: str):
        """The record of ``kind`` owned by ``role``, else the social worker's."""
        records = getattr(self, kind)
        return records.get(role, records[Role.SOCIAL_WORKER])


@dataclass
class SiteRecords:
    site: Site
    group: object
    register: object
    child: ChildRecords  # enrolled, mentored by the volunteer, in a counseling session
    other_child: ChildRecords  # another family's child, mentored by nobody
    counseling_session: object  # the psychologist's, with a confidential note
    follow_ups: dict[str, object]  # by the assignee's role
    parent_meeting: object
    activity: object  # this site's alone
    funded_project: object  # of this site alone, running today


@dataclass
class World:
    today: datetime.date
    users: dict[str, User]
    a: SiteRecords
    b: SiteRecords
    shared_activity: object  # of sites A and B
    other_site_staff: list[User]  # B's own


def build_world() -> World:
    today = timezone.localdate()
    year = SchoolYearFactory(
        start_year=current_start_year(),
        starts_on=today - datetime.timedelta(days=120),
        ends_on=today + datetime.timedelta(days=240),
        is_current=True,
    )
    site_a = SiteFactory(name="Școala Gimnazială nr. 31")
    site_b = SiteFactory(name="Centrul de zi „Micii Inocenți”")
    users = {
        role: UserFactory(role=role, sites=[site_a])
        for role in ROLES
        if role not in (SUPERUSER, ANONYMOUS)
    }
    users[SUPERUSER] = UserFactory(role="", is_superuser=True, sites=[])
    a = _site_records(site_a, year, users, today, mark="")
    b = _site_records(site_b, year, users, today, mark=OTHER_SITE_MARK)
    staff_b = [
        UserFactory(role=role, sites=[site_b], last_name=OTHER_SITE_MARK)
        for role in (Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.VOLUNTEER)
    ]
    b.group.staff.add(staff_b[0])
    MentorAssignmentFactory(volunteer=staff_b[2], child=b.child.child, started_on=today)
    return World(
        today=today,
        users=users,
        a=a,
        b=b,
        shared_activity=CommunityActivityFactory(sites=[site_a, site_b], date=today),
        other_site_staff=staff_b,
    )


def _site_records(site, year, users, today, *, mark: str) -> SiteRecords:
    sw, psy, vol = users[Role.SOCIAL_WORKER], users[Role.PSYCHOLOGIST], users[Role.VOLUNTEER]
    group = GroupFactory(
        site=site, school_year=year, name=f"Grupa V–VIII {mark}", meeting_days=[1, 2, 3, 4, 5, 6, 7]
    )
    group.staff.add(sw)
    child = _child_records(site, group, users, today, mark=mark, family_name=f"Lăcătuș{mark}")
    other = _child_records(site, group, users, today, mark=mark, family_name=f"Rostaș{mark}")
    MentorAssignmentFactory(volunteer=vol, child=child.child, started_on=today)
    register = RegisterFactory(group=group, date=today, created_by=sw)
    for records in (child, other):
        MarkFactory(register=register, child=records.child, status="absent")
        SchoolAbsenceFactory(child=records.child, month=today.replace(day=1))
    session = CounselingSessionFactory(
        site=site,
        psychologist=psy,
        date=today,
        children=[child.child],
        summary=f"Discuție despre școală {mark}",
        created_by=psy,
    )
    ConfidentialNote.objects.create(
        session=session, text=f"{CONFIDENTIAL_MARK} {mark}", updated_by=psy
    )
    follow_ups = {
        user.role: FollowUpFactory(
            child=child.child,
            site=site,
            assignee=user,
            task=f"Sunați dirigintele {mark}",
            due_on=today,
            created_by=user,
        )
        for user in (sw, psy)
    }
    meeting = ParentMeetingFactory(
        site=site, date=today, topic=f"Cum îi ajutăm la teme {mark}", facilitator=sw
    )
    meeting.attendees.add(*child.child.family.guardians.all())
    activity = CommunityActivityFactory(
        sites=[site], date=today, title=f"Excursie la Muzeul Antipa {mark}"
    )
    activity.children.add(child.child)
    funded_project = FundedProjectFactory(
        funder=FunderFactory(name=f"United Way Romania {mark}".strip()),
        name=f"Grant pentru școală {mark}".strip(),
        sites=[site],
        starts_on=year.starts_on,
        ends_on=year.ends_on,
    )
    return SiteRecords(
        site=site,
        group=group,
        register=register,
        child=child,
        other_child=other,
        counseling_session=session,
        follow_ups=follow_ups,
        parent_meeting=meeting,
        activity=activity,
        funded_project=funded_project,
    )


def _child_records(site, group, users, today, *, mark: str, family_name: str) -> ChildRecords:
    family = FamilyFactory(site=site, name=f"Familia {family_name}")
    GuardianFactory(family=family, family_name=family_name)
    child = ChildFactory(site=site, family=family, family_name=family_name)
    EnrollmentFactory(
        child=child, group=group, site=site, started_on=today - datetime.timedelta(days=60)
    )
    authors = (users[Role.SOCIAL_WORKER], users[Role.COORDINATOR])
    return ChildRecords(
        child=child,
        case_notes={
            author.role: CaseNoteFactory(
                child=child,
                site=site,
                date=today,
                text=f"Vizită la domiciliu {mark}",
                created_by=author,
            )
            for author in authors
        },
        school_result=SchoolResultFactory(
            child=child, school_year=group.school_year, created_by=authors[0]
        ),
        support={
            giver.role: SupportGivenFactory(
                family=family, child=child, date=today, items=f"Caiete {mark}", given_by=giver
            )
            for giver in authors
        },
        mentoring_session=MentoringSessionFactory(
            child=child, volunteer=users[Role.VOLUNTEER], date=today, topic=f"Fracții {mark}"
        ),
    )
