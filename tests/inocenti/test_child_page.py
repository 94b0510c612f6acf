"""The child's page: each role sees its parts, confidential notes only
psychologists, another site's child is a 404, and the queries stay fixed."""

import datetime

import pytest
from django.urls import reverse

from children.models import ConfidentialNote
from programs.models import Role
from tests.auth import force_login_verified
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    GuardianFactory,
    MentorAssignmentFactory,
    MentoringSessionFactory,
    SchoolResultFactory,
    SchoolYearFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Tatăl consumă alcool; copilul a povestit despre violență acasă."


@pytest.fixture
def child(site_a):
    family = FamilyFactory(site=site_a)
    GuardianFactory(family=family, given_names="Mariana")
    child = ChildFactory(site=site_a, family=family, family_name="Rostaș", given_names="Ana")
    EnrollmentFactory(child=child)
    return child


def _records(child, count, *, start_year=2019):
    year = SchoolYearFactory(start_year=start_year)
    for n in range(count):
        day = datetime.date(2026, 1, 1) + datetime.timedelta(days=n)
        session = CounselingSessionFactory(site=child.site, date=day, children=[child])
        ConfidentialNote.objects.create(session=session, text=f"{SECRET} {n}")
        CaseNoteFactory(child=child, date=day)
        FollowUpFactory(child=child, due_on=day)
        SupportGivenFactory(family=child.family, date=day)
        MentoringSessionFactory(child=child, date=day)
        CommunityActivityFactory(date=day, sites=[child.site]).children.add(child)
        if n < 5:
            SchoolResultFactory(child=child, school_year=year, period=f"module_{n + 1}")


def _url(child):
    return reverse("child", args=[child.pk])


def _user(role, site):
    if role == "superuser":
        return UserFactory(role="", is_superuser=True, sites=[])
    if role == Role.DIRECTOR:
        return UserFactory(role=role, sees_all_sites=True, sites=[])
    return UserFactory(role=role, sites=[site])


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.COORDINATOR, Role.DIRECTOR]
)
def test_staff_see_the_childs_page(client, child, role):
    _records(child, 2)
    client.force_login(_user(role, child.site))
    response = client.get(_url(child))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rostaș Ana" in html and "Mariana" in html
    story = response.context["story"]
    assert len(story.counseling) == 2 and len(story.case_notes) == 2
    assert story.timeline[0].date >= story.timeline[-1].date


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.COORDINATOR, Role.DIRECTOR, "superuser"])
def test_confidential_notes_are_not_in_the_page_for_anyone_but_psychologists(client, child, role):
    _records(child, 2)
    user = _user(role, child.site)
    if user.is_superuser:
        force_login_verified(client, user)
    else:
        client.force_login(user)
    html = client.get(_url(child)).content.decode()
    assert "Discuție despre școală" in html  # the summary the team may read
    assert "Tatăl consumă" not in html
    assert 'data-testid="confidential-note"' not in html


def test_psychologists_read_the_confidential_notes(client, child):
    _records(child, 1)
    client.force_login(_user(Role.PSYCHOLOGIST, child.site))
    html = client.get(_url(child)).content.decode()
    assert "Tatăl consumă alcool" in html


def test_another_sites_child_is_404(client, child, site_b):
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_b]))
    assert client.get(_url(child)).status_code == 404


def test_a_volunteer_sees_only_the_children_they_mentor(client, child, site_a):
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    client.force_login(volunteer)
    assert client.get(_url(child)).status_code == 404
    MentorAssignmentFactory(volunteer=volunteer, child=child)
    response = client.get(_url(child))
    assert response.status_code == 200
    story = response.context["story"]
    assert story.counseling is None and story.case_notes is None and story.support is None


def test_anonymous_is_sent_to_log_in(client, child):
    response = client.get(_url(child))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_page_warns_when_consent_is_missing(client, child):
    client.force_login(_user(Role.SOCIAL_WORKER, child.site))
    assert 'data-testid="consent-missing"' in client.get(_url(child)).content.decode()


@pytest.mark.parametrize("role", [Role.PSYCHOLOGIST, Role.COORDINATOR])
def test_queries_do_not_grow_with_the_records(client, child, role, django_assert_max_num_queries):
    from tests.assertions import queries_to_get

    client.force_login(_user(role, child.site))
    _records(child, 3)
    with_3 = queries_to_get(client, _url(child))
    _records(child, 57, start_year=2020)
    assert queries_to_get(client, _url(child)) == with_3


def test_school_results_show_their_trend(client, child):
    from decimal import Decimal

    year = SchoolYearFactory(start_year=2024)
    for period, average in [("module_1", "7.00"), ("module_2", "8.10"), ("module_3", "6.50")]:
        SchoolResultFactory(
            child=child, school_year=year, period=period, general_average=Decimal(average)
        )
    client.force_login(_user(Role.SOCIAL_WORKER, child.site))
    results = client.get(_url(child)).context["story"].school_results
    assert [r.trend for r in results] == ["", "up", "down"]
