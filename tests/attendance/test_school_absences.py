import datetime

import pytest
from django.urls import reverse

from attendance.models import MAX_SCHOOL_HOURS_PER_MONTH, SchoolAbsence
from programs.models import Role
from tests.assertions import refused
from tests.factories import SchoolAbsenceFactory


def _url(group, month) -> str:
    return reverse("attendance:school_absences", args=[group.pk, month])


@pytest.fixture
def month(today):
    return today.replace(day=1)


def test_grid_lists_the_children_of_the_group_that_month(
    client, group, social_worker, enrol, today, month
):
    (kid,) = enrol(group, family_name="Căldăraru")
    enrol(group, started_on=today + datetime.timedelta(days=40), family_name="Viitor")
    client.force_login(social_worker)
    response = client.get(_url(group, month))
    assert response.status_code == 200
    assert [row["child_id"] for row in response.context["rows"]] == [kid.pk]
    assert "în <strong>ore</strong> de absență" in response.content.decode()


def test_saving_the_grid_stores_hours_and_empty_rows_store_nothing(
    client, group, social_worker, enrol, month
):
    kids = enrol(group, 3)
    SchoolAbsenceFactory(child=kids[2], month=month)  # cleared below
    client.force_login(social_worker)
    response = client.post(
        _url(group, month),
        {
            f"a{kids[0].pk}-excused": "4",
            f"a{kids[0].pk}-unexcused": "12",
            f"a{kids[1].pk}-excused": "",
            f"a{kids[1].pk}-unexcused": "3",
            f"a{kids[2].pk}-excused": "",
            f"a{kids[2].pk}-unexcused": "",
            f"a{kids[2].pk}-was": "2:4",  # what the page showed
        },
    )
    assert response.status_code == 302
    stored = {a.child_id: (a.excused_hours, a.unexcused_hours) for a in SchoolAbsence.objects.all()}
    assert stored == {kids[0].pk: (4, 12), kids[1].pk: (0, 3)}
    absence = SchoolAbsence.objects.get(child=kids[0])
    assert absence.created_by == social_worker == absence.updated_by


@pytest.mark.parametrize(
    ("excused", "unexcused"),
    [("-1", "0"), ("abc", "0"), ("2.5", "0"), ("0", "999"), ("100", "100")],
)
def test_negative_or_absurd_hours_are_refused_and_nothing_is_saved(
    client, group, social_worker, enrol, month, excused, unexcused
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    response = client.post(
        _url(group, month),
        {
            f"a{kids[0].pk}-excused": "1",
            f"a{kids[0].pk}-unexcused": "1",
            f"a{kids[1].pk}-excused": excused,
            f"a{kids[1].pk}-unexcused": unexcused,
        },
    )
    assert response.status_code == 400
    assert not SchoolAbsence.objects.exists()
    rows = {row["child_id"]: row for row in response.context["rows"]}
    assert rows[kids[1].pk]["errors"]
    assert not rows[kids[0].pk]["errors"]
    assert rows[kids[1].pk]["excused"] == excused  # the typed value is shown again


def test_database_refuses_more_hours_than_a_month_has(group, enrol, month):
    (kid,) = enrol(group)
    with refused("school_absence_hours_plausible"):
        SchoolAbsence.objects.create(
            child=kid, month=month, excused_hours=MAX_SCHOOL_HOURS_PER_MONTH, unexcused_hours=1
        )


def test_database_refuses_a_month_not_on_its_first_day(group, enrol, month):
    (kid,) = enrol(group)
    with refused("school_absence_month_starts_on_first"):
        SchoolAbsence.objects.create(child=kid, month=month.replace(day=2))


def test_one_row_per_child_and_month(group, enrol, month):
    (kid,) = enrol(group)
    SchoolAbsenceFactory(child=kid, month=month)
    with refused("school_absence_one_per_child_and_month"):
        SchoolAbsenceFactory(child=kid, month=month)


def test_future_month_is_refused(client, group, social_worker, month):
    client.force_login(social_worker)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    if following <= group.school_year.ends_on:
        assert client.get(_url(group, following)).status_code == 302


def test_month_outside_the_school_year_is_404(client, group, social_worker):
    client.force_login(social_worker)
    before = group.school_year.starts_on.replace(day=1) - datetime.timedelta(days=1)
    assert client.get(_url(group, before.replace(day=1))).status_code == 404
    assert client.get(f"/attendance/groups/{group.pk}/school-absences/2026-13/").status_code == 404


def test_another_sites_group_is_404(client, other_site_group, social_worker, month):
    client.force_login(social_worker)
    assert client.get(_url(other_site_group, month)).status_code == 404
    assert client.post(_url(other_site_group, month), {}).status_code == 404


def test_volunteer_gets_403(client, group, make_user, month):
    client.force_login(make_user(Role.VOLUNTEER))
    assert client.get(_url(group, month)).status_code == 403


def test_psychologist_reads_but_cannot_save(client, group, make_user, enrol, month):
    (kid,) = enrol(group)
    client.force_login(make_user(Role.PSYCHOLOGIST))
    assert client.get(_url(group, month)).status_code == 200
    client.post(_url(group, month), {f"a{kid.pk}-excused": "3"})
    assert not SchoolAbsence.objects.exists()


def test_coordinator_enters_absences_of_any_group_of_their_site(
    client, group, coordinator, enrol, month
):
    (kid,) = enrol(group)
    client.force_login(coordinator)
    client.post(_url(group, month), {f"a{kid.pk}-excused": "3", f"a{kid.pk}-unexcused": ""})
    assert SchoolAbsence.objects.get().excused_hours == 3


def test_a_row_changed_meanwhile_stops_the_save_and_shows_the_newer_figures(
    client, group, social_worker, enrol, month
):
    kids = enrol(group, 2)
    SchoolAbsenceFactory(child=kids[0], month=month, excused_hours=1, unexcused_hours=9)
    client.force_login(social_worker)
    response = client.post(
        _url(group, month),
        {
            f"a{kids[0].pk}-excused": "3",
            f"a{kids[0].pk}-unexcused": "3",
            f"a{kids[0].pk}-was": "",  # the page was loaded before the 1 + 9 were saved
            f"a{kids[1].pk}-excused": "2",
            f"a{kids[1].pk}-unexcused": "",
            f"a{kids[1].pk}-was": "",
        },
    )
    assert response.status_code == 400
    rows = {row["child_id"]: row for row in response.context["rows"]}
    assert (rows[kids[0].pk]["excused"], rows[kids[0].pk]["unexcused"]) == (1, 9)
    assert rows[kids[0].pk]["errors"]
    assert SchoolAbsence.objects.count() == 1  # kid 1's figures wait too


def test_rows_the_page_did_not_send_are_left_alone(client, group, social_worker, enrol, month):
    kids = enrol(group, 2)
    SchoolAbsenceFactory(child=kids[1], month=month, excused_hours=5, unexcused_hours=0)
    client.force_login(social_worker)
    client.post(_url(group, month), {f"a{kids[0].pk}-excused": "2", f"a{kids[0].pk}-was": ""})
    assert SchoolAbsence.objects.get(child=kids[1]).excused_hours == 5
    assert SchoolAbsence.objects.get(child=kids[0]).excused_hours == 2


@pytest.mark.parametrize("month_text", ["9999-12", "0001-01", "2008-01"])
def test_months_far_away_are_404_not_errors(client, group, social_worker, month_text):
    client.force_login(social_worker)
    url = f"/attendance/groups/{group.pk}/school-absences/{month_text}/"
    assert client.get(url).status_code == 404
