import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import CommunityActivity
from programs.models import Role
from tests.factories import ChildFactory, CommunityActivityFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = reverse("activity_new")


@pytest.fixture
def social_worker(site_a):
    return UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])


def _data(chosen_sites, children, **overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "sites": [site.pk for site in chosen_sites],
        "kind": "trip",
        "title": "Excursie la Muzeul Antipa",
        "description": "",
        "children": [child.pk for child in children],
        "volunteers": [],
    }
    data.update(overrides)
    return data


def test_a_social_worker_records_a_trip_with_its_children(client, social_worker, site_a):
    kids = [ChildFactory(site=site_a) for _ in range(3)]
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    client.force_login(social_worker)
    response = client.post(NEW, _data([site_a], kids, volunteers=[volunteer.pk]), follow=True)
    assert response.redirect_chain == [(reverse("activity_list"), 302)]
    activity = CommunityActivity.objects.get()
    assert set(activity.children.all()) == set(kids)
    assert list(activity.volunteers.all()) == [volunteer]
    assert "3 copii" in response.content.decode()
    page = client.get(reverse("child", args=[kids[0].pk]))
    assert "Excursie la Muzeul Antipa" in page.content.decode()


def test_children_of_another_site_are_refused(client, social_worker, site_a, site_b):
    client.force_login(social_worker)
    response = client.post(NEW, _data([site_a], [ChildFactory(site=site_b)]))
    assert response.status_code == 400
    assert not CommunityActivity.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("title", ""), ("kind", "rave"), ("sites", [])])
def test_invalid_activities_write_nothing(client, social_worker, site_a, field, value):
    client.force_login(social_worker)
    response = client.post(NEW, _data([site_a], [], **{field: value}))
    assert response.status_code == 400
    assert not CommunityActivity.objects.exists()


def test_another_sites_activity_is_404(client, social_worker, site_b):
    activity = CommunityActivityFactory(sites=[site_b])
    client.force_login(social_worker)
    assert client.get(reverse("activity_edit", args=[activity.pk])).status_code == 404


def test_volunteers_do_not_see_the_activities_pages(client, site_a):
    client.force_login(UserFactory(role=Role.VOLUNTEER, sites=[site_a]))
    assert client.get(reverse("activity_list")).status_code == 403
    assert client.get(NEW).status_code == 403


def test_the_list_runs_the_same_queries_for_3_and_30_activities(client, social_worker, site_a):
    from tests.assertions import queries_to_get

    client.force_login(social_worker)
    for _ in range(3):
        CommunityActivityFactory(sites=[site_a]).children.add(ChildFactory(site=site_a))
    with_3 = queries_to_get(client, reverse("activity_list"))
    for _ in range(27):
        CommunityActivityFactory(sites=[site_a]).children.add(ChildFactory(site=site_a))
    assert queries_to_get(client, reverse("activity_list")) == with_3
