import datetime

from attendance.models import EDIT_WINDOW_DAYS
from tests.attendance.helpers import posted_register, register_url
from tests.factories import GroupFactory, RegisterFactory


def _today_items(response):
    return [(item["group"].pk, item["register"]) for item in response.context["todays"]]


def test_today_lists_my_groups_meeting_today_not_taken(client, group, social_worker, enrol):
    enrol(group, 2)
    client.force_login(social_worker)
    response = client.get("/")
    assert _today_items(response) == [(group.pk, None)]
    assert "prezența nu a fost marcată" in response.content.decode()


def test_today_skips_groups_not_meeting_today_and_groups_of_others(
    client, group, social_worker, site_a, school_year, today
):
    other_day = [(today.isoweekday() % 7) + 1]
    mine_not_today = GroupFactory(site=site_a, school_year=school_year, meeting_days=other_day)
    mine_not_today.staff.add(social_worker)
    GroupFactory(site=site_a, school_year=school_year, meeting_days=[today.isoweekday()])
    client.force_login(social_worker)
    assert [pk for pk, _ in _today_items(client.get("/"))] == [group.pk]


def test_a_group_opened_by_hand_today_is_listed(
    client, social_worker, site_a, school_year, today, enrol
):
    other_day = [(today.isoweekday() % 7) + 1]
    extra = GroupFactory(site=site_a, school_year=school_year, meeting_days=other_day)
    extra.staff.add(social_worker)
    enrol(extra)
    client.force_login(social_worker)
    opened = client.get("/attendance/open/", {"group": extra.pk, "date": today.isoformat()})
    assert opened.url == register_url(extra, today)
    client.post(register_url(extra, today), posted_register(client.get(opened.url)))
    assert extra.pk in [pk for pk, _ in _today_items(client.get("/"))]


def test_today_says_who_took_the_register_and_when(client, group, social_worker, enrol, today):
    enrol(group)
    client.force_login(social_worker)
    client.post(register_url(group, today), posted_register(client.get(register_url(group, today))))
    response = client.get("/")
    ((_, register),) = _today_items(response)
    assert register.created_by == social_worker
    assert social_worker.first_name in response.content.decode()


def test_today_shows_a_no_session_day(client, group, social_worker, today):
    RegisterFactory(group=group, date=today, no_session_reason="holiday", activities=[])
    client.force_login(social_worker)
    response = client.get("/")
    assert _today_items(response)[0][1].no_session_reason == "holiday"


def test_last_days_untaken_are_listed_until_taken(client, group, social_worker, enrol, today):
    enrol(group, started_on=today - datetime.timedelta(days=3))
    client.force_login(social_worker)
    untaken = [item["day"] for item in client.get("/").context["untaken"]]
    assert untaken == [today - datetime.timedelta(days=d) for d in (3, 2, 1)]
    RegisterFactory(group=group, date=today - datetime.timedelta(days=2))
    untaken = [item["day"] for item in client.get("/").context["untaken"]]
    assert today - datetime.timedelta(days=2) not in untaken
    assert len(untaken) == 2
    assert max(untaken) >= today - datetime.timedelta(days=EDIT_WINDOW_DAYS)


def test_opening_another_sites_group_by_hand_is_refused(
    client, other_site_group, social_worker, today
):
    client.force_login(social_worker)
    response = client.get(
        "/attendance/open/", {"group": other_site_group.pk, "date": today.isoformat()}
    )
    assert response.status_code == 302 and response.url == "/"


def test_opening_with_garbage_is_a_message_not_an_error(client, social_worker):
    client.force_login(social_worker)
    response = client.get("/attendance/open/", {"group": "x", "date": "ieri"}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_last_years_groups_are_not_listed_once_their_year_ended(
    client, social_worker, site_a, today, enrol
):
    from tests.factories import SchoolYearFactory

    ended = SchoolYearFactory(
        start_year=1999,
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=1),
    )
    old = GroupFactory(site=site_a, school_year=ended, meeting_days=[1, 2, 3, 4, 5, 6, 7])
    old.staff.add(social_worker)
    enrol(old, started_on=today - datetime.timedelta(days=30))
    client.force_login(social_worker)
    response = client.get("/")
    assert old.pk not in [pk for pk, _ in _today_items(response)]
    assert old not in response.context["my_groups"]


def test_opening_a_day_outside_the_groups_year_says_why(client, group, social_worker):
    client.force_login(social_worker)
    before = group.school_year.starts_on - datetime.timedelta(days=1)
    response = client.get(
        "/attendance/open/", {"group": group.pk, "date": before.isoformat()}, follow=True
    )
    assert response.redirect_chain == [("/", 302)]
    assert "are condici de la" in response.content.decode()
