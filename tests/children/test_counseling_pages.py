"""The psychologists' counseling pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import ConfidentialNote, CounselingSession
from programs.models import Role
from tests.auth import force_login_verified
from tests.factories import (
    ChildFactory,
    CounselingSessionFactory,
    FamilyFactory,
    GuardianFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW = reverse("counseling_new")
SECRET = "Mama a plecat în Spania; copilul plânge des la școală."


@pytest.fixture
def psychologist(site_a):
    return UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a])


@pytest.fixture
def child(site_a):
    return ChildFactory(site=site_a, family=FamilyFactory(site=site_a))


def _data(child, **overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "duration_minutes": "45",
        "kind": "individual",
        "children": [child.pk],
        "summary": "Motivat; vine la teme.",
        "confidential_notes": SECRET,
    }
    data.update(overrides)
    return data


def test_a_psychologist_records_a_session_with_confidential_notes(client, psychologist, child):
    client.force_login(psychologist)
    assert client.get(NEW, {"child": child.pk}).status_code == 200
    response = client.post(NEW, _data(child), follow=True)
    assert response.redirect_chain == [(reverse("child", args=[child.pk]), 302)]
    session = CounselingSession.objects.get()
    assert (session.psychologist, session.site, session.created_by) == (
        psychologist,
        child.site,
        psychologist,
    )
    assert list(session.children.all()) == [child]
    assert session.confidential_note.text == SECRET
    assert SECRET in response.content.decode()  # the psychologist reads them back


def test_editing_with_empty_notes_removes_them(client, psychologist, child):
    client.force_login(psychologist)
    client.post(NEW, _data(child))
    session = CounselingSession.objects.get()
    url = reverse("counseling_edit", args=[session.pk])
    assert SECRET in client.get(url).content.decode()
    client.post(url, _data(child, confidential_notes=""))
    assert not ConfidentialNote.objects.exists()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.COORDINATOR, Role.DIRECTOR])
def test_other_roles_cannot_use_the_counseling_pages(client, site_a, child, role):
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("counseling_list")).status_code == 403
    session = CounselingSessionFactory(site=site_a, children=[child])
    assert client.get(reverse("counseling_edit", args=[session.pk])).status_code == 403


def test_a_superuser_cannot_open_the_notes_either(client, child):
    force_login_verified(client, UserFactory(role="", is_superuser=True, sites=[]))
    session = CounselingSessionFactory(site=child.site, children=[child])
    assert client.get(reverse("counseling_edit", args=[session.pk])).status_code == 403


def test_another_sites_session_is_404(client, psychologist, site_b):
    session = CounselingSessionFactory(site=site_b)
    client.force_login(psychologist)
    assert client.get(reverse("counseling_edit", args=[session.pk])).status_code == 404
    assert client.get(NEW, {"child": ChildFactory(site=site_b).pk}).status_code == 404


def test_another_sites_child_in_the_post_is_refused(client, psychologist, site_b):
    client.force_login(psychologist)
    response = client.post(NEW, _data(ChildFactory(site=site_b)))
    assert response.status_code == 400
    assert response.context["form"].errors["children"]
    assert not CounselingSession.objects.exists() and not ConfidentialNote.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_minutes", "0"),
        ("duration_minutes", "abc"),
        ("kind", "hypnosis"),
        ("date", "2999-01-01"),
        ("follow_up_on", "2000-01-01"),
        ("children", []),
    ],
)
def test_invalid_input_re_renders_and_writes_nothing(client, psychologist, child, field, value):
    client.force_login(psychologist)
    response = client.post(NEW, _data(child, **{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not CounselingSession.objects.exists() and not ConfidentialNote.objects.exists()


def test_children_and_guardians_of_two_sites_are_refused(client, site_a, site_b, child):
    psychologist = UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a, site_b])
    other = GuardianFactory(family=FamilyFactory(site=site_b))
    client.force_login(psychologist)
    response = client.post(NEW, _data(child, guardians=[other.pk]))
    assert response.status_code == 400
    assert not CounselingSession.objects.exists()


def test_a_session_with_guardians_only_is_parent_counseling(client, psychologist, child):
    guardian = GuardianFactory(family=child.family)
    client.force_login(psychologist)
    response = client.post(NEW, _data(child, children=[], guardians=[guardian.pk], kind="parent"))
    assert response.status_code == 302
    assert list(CounselingSession.objects.get().guardians.all()) == [guardian]


def test_list_and_home_show_the_sites_sessions(client, psychologist, child, site_b):
    CounselingSessionFactory(site=child.site, children=[child])
    CounselingSessionFactory(site=site_b)
    client.force_login(psychologist)
    assert len(client.get(reverse("counseling_list")).context["page"].object_list) == 1
    assert len(client.get("/").context["recent_sessions"]) == 1


def test_date_inputs_carry_iso_dates_a_browser_can_show(client, psychologist):
    client.force_login(psychologist)
    html = client.get(NEW).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_the_list_runs_the_same_queries_for_3_and_30_sessions(client, psychologist, child):
    from tests.assertions import queries_to_get

    client.force_login(psychologist)
    for _ in range(3):
        CounselingSessionFactory(site=child.site, children=[child], psychologist=psychologist)
    with_3 = queries_to_get(client, reverse("counseling_list"))
    home_with_3 = queries_to_get(client, "/")
    for _ in range(27):
        CounselingSessionFactory(site=child.site, children=[child], psychologist=psychologist)
    assert queries_to_get(client, reverse("counseling_list")) == with_3
    assert queries_to_get(client, "/") == home_with_3
