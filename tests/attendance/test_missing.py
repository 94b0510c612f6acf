import datetime

from django.urls import reverse

from programs.models import Role
from tests.factories import RegisterFactory, UserFactory

URL = reverse("attendance:missing")


def _missing(response) -> dict[str, list[tuple[datetime.date, int]]]:
    return {
        block["site"].name: [(day, g.pk) for day, groups in block["days"] for g in groups]
        for block in response.context["report"]
    }


def test_overview_lists_registers_not_taken_in_the_last_week(
    client, group, coordinator, enrol, today
):
    enrol(group, started_on=today - datetime.timedelta(days=2))
    RegisterFactory(group=group, date=today - datetime.timedelta(days=1))
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    assert _missing(response) == {
        group.site.name: [(today, group.pk), (today - datetime.timedelta(days=2), group.pk)]
    }
    (block,) = response.context["report"]
    assert (block["taken"], block["expected"]) == (1, 3)


def test_no_session_counts_as_taken_and_groups_without_children_are_skipped(
    client, group, coordinator, enrol, today, site_a, school_year
):
    from tests.factories import GroupFactory

    GroupFactory(site=site_a, school_year=school_year, meeting_days=[1, 2, 3, 4, 5, 6, 7])
    enrol(group, started_on=today)
    RegisterFactory(group=group, date=today, no_session_reason="closure", activities=[])
    client.force_login(coordinator)
    assert _missing(client.get(URL)) == {group.site.name: []}


def test_overview_shows_only_my_sites(client, group, other_site_group, coordinator, enrol, today):
    enrol(other_site_group, started_on=today)
    client.force_login(coordinator)
    assert list(_missing(client.get(URL))) == [group.site.name]
    response = client.get(URL, {"site": other_site_group.site.pk})
    assert response.context["report"] == []


def test_overview_refuses_a_range_too_long_or_backwards(client, coordinator, today):
    client.force_login(coordinator)
    response = client.get(
        URL, {"start": (today - datetime.timedelta(days=90)).isoformat(), "end": today.isoformat()}
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = client.get(URL, {"start": today.isoformat(), "end": "2020-01-01"})
    assert response.context["form"].errors
    assert client.get(URL, {"start": "nu", "end": "x"}).status_code == 200


def test_director_sees_the_overview(client, group, enrol, today):
    enrol(group, started_on=today)
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    assert group.site.name in _missing(client.get(URL))


def test_social_worker_gets_403(client, social_worker):
    client.force_login(social_worker)
    assert client.get(URL).status_code == 403
