"""School results and support from the child's page; volunteers' mentoring."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import MentoringSession, SchoolResult
from families.models import SupportGiven
from programs.models import FundedProject, Funder, Role
from tests.factories import (
    ChildFactory,
    FamilyFactory,
    MentorAssignmentFactory,
    SchoolYearFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(site_a):
    return ChildFactory(site=site_a, family=FamilyFactory(site=site_a), grade=6)


@pytest.fixture
def social_worker(site_a):
    return UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])


@pytest.fixture
def year():
    return SchoolYearFactory(start_year=2025)


def _result(year, **overrides):
    data = {
        "school_year": year.pk,
        "period": "module_1",
        "grade": "6",
        "general_average": "8.45",
        "qualifier": "",
        "failed_subjects_count": "0",
        "failed_subjects": "",
        "outcome": "",
    }
    data.update(overrides)
    return data


def test_a_social_worker_records_a_school_result(client, social_worker, child, year):
    client.force_login(social_worker)
    url = reverse("school_result_new", args=[child.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _result(year)).status_code == 302
    result = SchoolResult.objects.get()
    assert (result.general_average, result.created_by) == (Decimal("8.45"), social_worker)
    # Romanian writes a decimal comma.
    assert "8,45" in client.get(reverse("child", args=[child.pk])).content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {"general_average": "10.5"},
        {"general_average": "0.5"},
        {"general_average": "abc"},
        {"grade": "3"},  # an average in grade III
        {"general_average": "", "qualifier": "FB"},  # a qualifier in grade VI
        {"period": "bac"},  # the Baccalaureate in grade VI
        {"failed_subjects_count": "-1"},
    ],
)
def test_invalid_results_are_refused_with_a_message(client, social_worker, child, year, overrides):
    client.force_login(social_worker)
    response = client.post(
        reverse("school_result_new", args=[child.pk]), _result(year, **overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not SchoolResult.objects.exists()


def test_grades_0_to_4_get_a_qualifier(client, social_worker, child, year):
    client.force_login(social_worker)
    data = _result(year, grade="2", general_average="", qualifier="B")
    assert client.post(reverse("school_result_new", args=[child.pk]), data).status_code == 302
    assert SchoolResult.objects.get().qualifier == "B"


def test_support_for_the_child_or_the_family(client, social_worker, child):
    client.force_login(social_worker)
    url = reverse("support_new", args=[child.pk])
    data = {
        "date": timezone.localdate().isoformat(),
        "kind": "school_supplies",
        "items": "Ghiozdan, caiete",
        "quantity": "1",
        "value_ron": "150.00",
        "for_this_child": "on",
    }
    assert client.post(url, data).status_code == 302
    support = SupportGiven.objects.get()
    assert (support.family, support.child, support.given_by) == (
        child.family,
        child,
        social_worker,
    )
    del data["for_this_child"]
    client.post(url, {**data, "kind": "food", "items": "Pachet alimente"})
    assert SupportGiven.objects.filter(child__isnull=True, kind="food").count() == 1


def test_support_of_a_project_not_covering_the_site_is_refused(client, social_worker, child):
    project = FundedProject.objects.create(
        funder=Funder.objects.create(name="Fundație", kind="foundation"),
        name="Proiect",
        starts_on=timezone.localdate().replace(month=1, day=1),
        ends_on=timezone.localdate().replace(month=12, day=31),
    )
    client.force_login(social_worker)
    response = client.post(
        reverse("support_new", args=[child.pk]),
        {
            "date": timezone.localdate().isoformat(),
            "kind": "food",
            "quantity": "1",
            "funded_project": project.pk,
        },
    )
    assert response.status_code == 400  # not a project of the child's site
    assert not SupportGiven.objects.exists()


def test_support_needs_a_family(client, social_worker, site_a):
    orphan = ChildFactory(site=site_a)
    client.force_login(social_worker)
    response = client.get(reverse("support_new", args=[orphan.pk]))
    assert response.status_code == 302


def test_a_volunteer_records_sessions_only_with_their_children(client, child, site_a):
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    client.force_login(volunteer)
    url = reverse("mentoring_session_new", args=[child.pk])
    assert client.get(url).status_code == 404  # not assigned yet
    MentorAssignmentFactory(volunteer=volunteer, child=child)
    home = client.get("/")
    assert [c.pk for c in home.context["mentored"]] == [child.pk]
    data = {
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "kind": "homework",
        "topic": "Fracții",
    }
    assert client.post(url, data).status_code == 302
    session = MentoringSession.objects.get()
    assert (session.volunteer, session.child) == (volunteer, child)
    assert client.post(url, {**data, "duration_minutes": "900"}).status_code == 400
    assert MentoringSession.objects.count() == 1


def test_other_roles_do_not_use_the_volunteers_form(client, social_worker, child):
    client.force_login(social_worker)
    assert client.get(reverse("mentoring_session_new", args=[child.pk])).status_code == 403


def test_another_sites_child_is_404_on_every_form(client, social_worker, site_b):
    stranger = ChildFactory(site=site_b, family=FamilyFactory(site=site_b))
    client.force_login(social_worker)
    for name in ("school_result_new", "support_new"):
        assert client.get(reverse(name, args=[stranger.pk])).status_code == 404


def test_results_and_support_are_corrected_from_the_childs_page(
    client, social_worker, child, year, site_a
):
    client.force_login(social_worker)
    client.post(reverse("school_result_new", args=[child.pk]), _result(year))
    result = SchoolResult.objects.get()
    url = reverse("school_result_edit", args=[child.pk, result.pk])
    assert url in client.get(reverse("child", args=[child.pk])).content.decode()
    assert client.post(url, _result(year, general_average="9.10")).status_code == 302
    result.refresh_from_db()
    assert result.general_average == Decimal("9.10")

    data = {"date": timezone.localdate().isoformat(), "kind": "food", "quantity": "2"}
    client.post(reverse("support_new", args=[child.pk]), data)
    support = SupportGiven.objects.get()
    edit = reverse("support_edit", args=[child.pk, support.pk])
    assert client.post(edit, {**data, "quantity": "3"}).status_code == 302
    support.refresh_from_db()
    assert support.quantity == 3
    # Someone else's record of support is not theirs to correct.
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a]))
    assert client.post(edit, {**data, "quantity": "9"}).status_code == 404


def test_a_volunteer_corrects_only_their_own_sessions(client, child, site_a):
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    MentorAssignmentFactory(volunteer=volunteer, child=child)
    client.force_login(volunteer)
    data = {"date": timezone.localdate().isoformat(), "duration_minutes": "60", "kind": "homework"}
    client.post(reverse("mentoring_session_new", args=[child.pk]), data)
    session = MentoringSession.objects.get()
    edit = reverse("mentoring_session_edit", args=[child.pk, session.pk])
    assert edit in client.get("/").content.decode()
    assert client.post(edit, {**data, "topic": "Ecuații"}).status_code == 302
    session.refresh_from_db()
    assert session.topic == "Ecuații"
    other = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    MentorAssignmentFactory(volunteer=other, child=child)
    client.force_login(other)
    assert client.post(edit, {**data, "topic": "x"}).status_code == 404
