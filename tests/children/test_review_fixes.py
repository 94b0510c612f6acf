"""Holes a review found in the casework pages, each closed and kept closed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from children.models import CaseNote, FollowUp, SchoolResult
from families.models import SupportGiven
from programs.models import Role
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    FamilyFactory,
    FollowUpFactory,
    GuardianFactory,
    MentorAssignmentFactory,
    SchoolResultFactory,
    SchoolYearFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(site_a):
    family = FamilyFactory(site=site_a)
    GuardianFactory(family=family, phone="0700 123 456")
    return ChildFactory(site=site_a, family=family, grade=6)


def test_a_volunteer_does_not_see_the_family_or_the_enrollments(client, child, site_a):
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    MentorAssignmentFactory(volunteer=volunteer, child=child)
    client.force_login(volunteer)
    response = client.get(reverse("child", args=[child.pk]))
    assert response.context["story"].guardians is None
    assert response.context["story"].enrollments is None
    assert "0700 123 456" not in response.content.decode()


def test_a_second_result_for_the_same_period_is_a_message_not_a_500(client, child, site_a):
    year = SchoolYearFactory(start_year=2025)
    SchoolResultFactory(child=child, school_year=year, period="module_1")
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a]))
    response = client.post(
        reverse("school_result_new", args=[child.pk]),
        {"school_year": year.pk, "period": "module_1", "grade": "6", "general_average": "7"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["period"]
    assert SchoolResult.objects.count() == 1


def test_follow_ups_go_only_to_roles_that_close_them(client, child, site_a):
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a]))
    response = client.post(
        reverse("follow_up_new", args=[child.pk]),
        {"task": "x", "assignee": volunteer.pk, "due_on": "2026-12-01"},
    )
    assert response.status_code == 400
    assert not FollowUp.objects.exists()


def test_only_the_assignee_or_a_coordinator_closes_a_task(client, child, site_a):
    assignee = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    task = FollowUpFactory(child=child, assignee=assignee)
    url = reverse("follow_up_done", args=[task.pk])
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a]))
    assert client.post(url).status_code == 404
    coordinator = UserFactory(role=Role.COORDINATOR, sites=[site_a])
    client.force_login(coordinator)
    client.post(url, {"outcome": "Rezolvat de coordonator"})
    task.refresh_from_db()
    assert (task.done_on, task.done_by) == (timezone.localdate(), coordinator)


def test_coordinators_cannot_change_or_delete_counseling_sessions(client, child, site_a):
    session = CounselingSessionFactory(site=site_a, children=[child])
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    change = reverse("admin:children_counselingsession_change", args=[session.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {}).status_code == 403
    delete = reverse("admin:children_counselingsession_delete", args=[session.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_a_psychologist_does_not_rewrite_a_colleagues_session(client, child, site_a):
    session = CounselingSessionFactory(site=site_a, children=[child])
    client.force_login(UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a]))
    assert client.get(reverse("counseling_edit", args=[session.pk])).status_code == 403


def test_support_given_to_a_sibling_is_not_corrected_from_this_childs_page(client, child, site_a):
    worker = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    sibling = ChildFactory(site=site_a, family=child.family)
    support = SupportGivenFactory(family=child.family, child=sibling, given_by=worker)
    client.force_login(worker)
    url = reverse("support_edit", args=[child.pk, support.pk])
    data = {"date": timezone.localdate().isoformat(), "kind": "food", "quantity": "1"}
    assert client.post(url, data).status_code == 404
    assert SupportGiven.objects.get().child == sibling


def test_an_activity_shared_with_a_site_one_cannot_see_is_read_only(client, site_a, site_b):
    activity = CommunityActivityFactory(sites=[site_a, site_b])
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    assert client.get(reverse("activity_edit", args=[activity.pk])).status_code == 403
    admin_change = reverse("admin:children_communityactivity_change", args=[activity.pk])
    assert client.post(admin_change, {}).status_code == 403
    assert activity.sites.count() == 2


def test_the_admins_people_are_those_of_the_coordinators_sites(client, site_a, site_b):
    mine = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a], first_name="Localu")
    UserFactory(role=Role.SOCIAL_WORKER, sites=[site_b], first_name="Străinu")
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    form = client.get(reverse("admin:children_followup_add")).context["adminform"].form
    assignees = list(form.fields["assignee"].queryset)
    assert mine in assignees
    assert all(site_a in user.sites.all() for user in assignees)


def test_a_case_note_about_another_sites_child_is_refused(site_a, site_b):
    note = CaseNoteFactory.build(child=ChildFactory(site=site_b), site=site_a)
    with pytest.raises(ValidationError) as error:
        note.full_clean()
    assert "child" in error.value.message_dict
    assert not CaseNote.objects.exists()
