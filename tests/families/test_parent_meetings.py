import pytest
from django.urls import reverse
from django.utils import timezone

from families.models import ParentMeeting
from programs.models import Role
from tests.factories import FamilyFactory, GuardianFactory, ParentMeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = reverse("parent_meeting_new")


@pytest.fixture
def social_worker(site_a):
    return UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])


def _data(site, facilitator, guardians, **overrides):
    data = {
        "site": site.pk,
        "date": timezone.localdate().isoformat(),
        "kind": "support_group",
        "topic": "Cum îi ajutăm la teme",
        "facilitator": facilitator.pk,
        "attendees": [g.pk for g in guardians],
        "support": ["administrative", "employment"],
        "notes": "",
    }
    data.update(overrides)
    return data


def test_a_social_worker_records_a_meeting_with_the_guardians_who_came(
    client, social_worker, site_a
):
    guardians = [GuardianFactory(family=FamilyFactory(site=site_a)) for _ in range(3)]
    client.force_login(social_worker)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, _data(site_a, social_worker, guardians[:2]), follow=True)
    assert response.redirect_chain == [(reverse("parent_meeting_list"), 302)]
    meeting = ParentMeeting.objects.get()
    assert set(meeting.attendees.all()) == set(guardians[:2])
    assert meeting.support == ["administrative", "employment"]
    assert meeting.created_by == social_worker
    assert "Cum îi ajutăm la teme" in response.content.decode()


def test_guardians_of_another_site_are_refused(client, social_worker, site_a, site_b):
    stranger = GuardianFactory(family=FamilyFactory(site=site_b))
    client.force_login(social_worker)
    response = client.post(NEW, _data(site_a, social_worker, [stranger]))
    assert response.status_code == 400
    assert not ParentMeeting.objects.exists()


def test_a_meeting_at_another_site_is_refused(client, social_worker, site_b):
    client.force_login(social_worker)
    response = client.post(NEW, _data(site_b, social_worker, []))
    assert response.status_code == 400
    assert response.context["form"].errors["site"]


@pytest.mark.parametrize(
    ("field", "value"), [("topic", ""), ("kind", "party"), ("date", "2999-01-01")]
)
def test_invalid_meetings_write_nothing(client, social_worker, site_a, field, value):
    client.force_login(social_worker)
    response = client.post(NEW, _data(site_a, social_worker, [], **{field: value}))
    assert response.status_code == 400
    assert not ParentMeeting.objects.exists()


def test_another_sites_meeting_is_404_and_not_listed(client, social_worker, site_b):
    meeting = ParentMeetingFactory(site=site_b, topic="Străină")
    client.force_login(social_worker)
    assert client.get(reverse("parent_meeting_edit", args=[meeting.pk])).status_code == 404
    assert "Străină" not in client.get(reverse("parent_meeting_list")).content.decode()


def test_a_director_reads_meetings_but_does_not_record_them(client, site_a):
    ParentMeetingFactory(site=site_a, topic="Ședința lunară")
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    assert "Ședința lunară" in client.get(reverse("parent_meeting_list")).content.decode()
    assert client.get(NEW).status_code == 403


def test_volunteers_get_403(client, site_a):
    client.force_login(UserFactory(role=Role.VOLUNTEER, sites=[site_a]))
    assert client.get(reverse("parent_meeting_list")).status_code == 403


def test_the_list_runs_the_same_queries_for_3_and_30_meetings(client, social_worker, site_a):
    from tests.assertions import queries_to_get

    client.force_login(social_worker)
    for _ in range(3):
        ParentMeetingFactory(site=site_a).attendees.add(GuardianFactory(family__site=site_a))
    with_3 = queries_to_get(client, reverse("parent_meeting_list"))
    for _ in range(27):
        ParentMeetingFactory(site=site_a).attendees.add(GuardianFactory(family__site=site_a))
    assert queries_to_get(client, reverse("parent_meeting_list")) == with_3
