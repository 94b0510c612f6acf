"""Every site-scoped model in the coordinators' admin, tested the same way:
a coordinator of site A sees and opens only site A's rows, a director sees all
and changes nothing, and a changelist's query count does not grow with rows."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from programs.models import Role
from tests.assertions import queries_to_get
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    GroupFactory,
    GuardianFactory,
    MentorAssignmentFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolResultFactory,
    SupportGivenFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Scoped:
    url_name: str  # "app_model"
    make: Any  # make(site, label) -> object whose str() contains label


def _child(site, label):
    return ChildFactory(site=site, family_name=label)


def _family(site, label):
    return FamilyFactory(site=site, name=label)


def _guardian(site, label):
    return GuardianFactory(family=FamilyFactory(site=site), family_name=label)


def _group(site, label):
    return GroupFactory(site=site, name=label)


def _enrollment(site, label):
    return EnrollmentFactory(child=ChildFactory(site=site, family_name=label))


def _register(site, label):
    return RegisterFactory(group=GroupFactory(site=site, name=label))


def _school_absence(site, label):
    return SchoolAbsenceFactory(child=ChildFactory(site=site, family_name=label))


def _counseling(site, label):
    return CounselingSessionFactory(site=site, psychologist__first_name=label)


def _case_note(site, label):
    return CaseNoteFactory(child=ChildFactory(site=site, family_name=label))


def _follow_up(site, label):
    return FollowUpFactory(child=ChildFactory(site=site), task=label)


def _school_result(site, label):
    return SchoolResultFactory(child=ChildFactory(site=site, family_name=label))


def _mentor_assignment(site, label):
    return MentorAssignmentFactory(child=ChildFactory(site=site, family_name=label))


def _mentoring_session(site, label):
    return MentoringSessionFactory(child=ChildFactory(site=site, family_name=label))


def _community_activity(site, label):
    return CommunityActivityFactory(title=label, sites=[site])


def _parent_meeting(site, label):
    return ParentMeetingFactory(site=site, topic=label)


def _support(site, label):
    return SupportGivenFactory(family=FamilyFactory(site=site, name=label))


MODELS = {
    "child": Scoped("children_child", _child),
    "family": Scoped("families_family", _family),
    "guardian": Scoped("families_guardian", _guardian),
    "group": Scoped("programs_group", _group),
    "enrollment": Scoped("programs_enrollment", _enrollment),
    "register": Scoped("attendance_register", _register),
    "school_absence": Scoped("attendance_schoolabsence", _school_absence),
    "counseling": Scoped("children_counselingsession", _counseling),
    "case_note": Scoped("children_casenote", _case_note),
    "follow_up": Scoped("children_followup", _follow_up),
    "school_result": Scoped("children_schoolresult", _school_result),
    "mentor_assignment": Scoped("children_mentorassignment", _mentor_assignment),
    "mentoring_session": Scoped("children_mentoringsession", _mentoring_session),
    "community_activity": Scoped("children_communityactivity", _community_activity),
    "parent_meeting": Scoped("families_parentmeeting", _parent_meeting),
    "support": Scoped("families_supportgiven", _support),
}


@pytest.fixture(params=sorted(MODELS))
def scoped(request):
    return MODELS[request.param]


def test_coordinator_changelist_shows_only_their_sites_rows(
    client, make_user, site_a, site_b, scoped
):
    scoped.make(site_a, "Rândașu")
    scoped.make(site_b, "Străinu")
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    response = client.get(reverse(f"admin:{scoped.url_name}_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rândașu" in html
    assert "Străinu" not in html


def test_coordinator_cannot_open_another_sites_row(client, make_user, site_a, site_b, scoped):
    mine = scoped.make(site_a, "Rândașu")
    theirs = scoped.make(site_b, "Străinu")
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    assert client.get(reverse(f"admin:{scoped.url_name}_change", args=[mine.pk])).status_code == 200
    response = client.get(reverse(f"admin:{scoped.url_name}_change", args=[theirs.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "Străinu" not in response.content.decode()


def test_director_sees_every_site_but_changes_nothing(client, make_user, site_a, site_b, scoped):
    theirs = scoped.make(site_b, "Străinu")
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    assert "Străinu" in client.get(reverse(f"admin:{scoped.url_name}_changelist")).content.decode()
    change_url = reverse(f"admin:{scoped.url_name}_change", args=[theirs.pk])
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {}).status_code == 403
    assert client.get(reverse(f"admin:{scoped.url_name}_add")).status_code == 403


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.VOLUNTEER, Role.PSYCHOLOGIST])
def test_field_roles_have_no_admin(client, make_user, role, scoped):
    client.force_login(make_user(role))
    response = client.get(reverse(f"admin:{scoped.url_name}_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_changelist_query_count_does_not_grow_with_rows(client, make_user, site_a, scoped):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    url = reverse(f"admin:{scoped.url_name}_changelist")
    for n in range(5):
        scoped.make(site_a, f"Rând{n}")
    with_5 = queries_to_get(client, url)
    for n in range(5, 50):
        scoped.make(site_a, f"Rând{n}")
    assert queries_to_get(client, url) == with_5
