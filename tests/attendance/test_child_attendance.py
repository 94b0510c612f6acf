import datetime

import pytest
from django.urls import reverse

from attendance.summary import attendance_summary, month_calendar
from programs.models import Role
from tests.factories import MarkFactory, RegisterFactory, SchoolAbsenceFactory


def _day(n):
    return datetime.date(2026, 11, n)


def test_summary_counts_present_and_late_as_attended():
    marks = [(_day(2), "present"), (_day(3), "late"), (_day(4), "absent"), (_day(5), "excused")]
    summary = attendance_summary(marks, today=_day(28), year_starts_on=datetime.date(2026, 9, 1))
    assert (summary.recent.attended, summary.recent.marked, summary.recent.percent) == (2, 4, 50)
    assert summary.consecutive_absences == 2
    assert summary.last_attended == _day(3)


def test_summary_of_a_child_never_marked_has_no_rate():
    summary = attendance_summary([], today=_day(28), year_starts_on=datetime.date(2026, 9, 1))
    assert summary.recent.percent is None and summary.consecutive_absences == 0


def test_recent_rate_looks_back_thirty_days_only():
    marks = [(datetime.date(2026, 10, 1), "absent"), (_day(27), "present")]
    summary = attendance_summary(marks, today=_day(28), year_starts_on=datetime.date(2026, 9, 1))
    assert summary.recent.marked == 1 and summary.school_year.marked == 2


def test_calendar_weeks_start_on_monday_and_carry_the_marks():
    weeks = month_calendar(datetime.date(2026, 11, 1), [(_day(2), "absent")])
    assert weeks[0][0].day is None  # 1 November 2026 is a Sunday
    assert weeks[0][6].day == _day(1)
    assert weeks[1][0].day == _day(2) and weeks[1][0].status == "absent"


@pytest.fixture
def history(group, enrol, today):
    (kid,) = enrol(group)
    for days_ago, status in [(5, "present"), (4, "absent"), (3, "absent"), (2, "excused")]:
        day = today - datetime.timedelta(days=days_ago)
        MarkFactory(register=RegisterFactory(group=group, date=day), child=kid, status=status)
    # A day without a session, and a register nobody finished: never absences.
    RegisterFactory(
        group=group,
        date=today - datetime.timedelta(days=1),
        no_session_reason="holiday",
        activities=[],
    )
    SchoolAbsenceFactory(child=kid, month=today.replace(day=1), excused_hours=2, unexcused_hours=7)
    return kid


def test_child_page_shows_rates_run_of_absences_and_last_day(client, history, social_worker, today):
    client.force_login(social_worker)
    response = client.get(reverse("attendance:child", args=[history.pk]))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert (summary.recent.attended, summary.recent.marked) == (1, 4)
    assert summary.consecutive_absences == 3  # the no-session day does not break or add
    assert summary.last_attended == today - datetime.timedelta(days=5)
    (absence,) = response.context["absences"]
    assert absence.total_hours == 9


def test_child_page_calendar_of_an_earlier_month(client, history, social_worker, today):
    client.force_login(social_worker)
    earlier = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    response = client.get(reverse("attendance:child", args=[history.pk]), {"month": earlier})
    assert response.context["month"].strftime("%Y-%m") == earlier
    bad = client.get(reverse("attendance:child", args=[history.pk]), {"month": "2026-99"})
    assert bad.status_code == 200


def test_child_page_of_another_site_is_404(client, other_site_group, enrol, social_worker):
    (kid,) = enrol(other_site_group)
    client.force_login(social_worker)
    assert client.get(reverse("attendance:child", args=[kid.pk])).status_code == 404


def test_child_page_is_refused_to_volunteers(client, history, make_user):
    client.force_login(make_user(Role.VOLUNTEER))
    assert client.get(reverse("attendance:child", args=[history.pk])).status_code == 403


@pytest.mark.parametrize("marks", [3, 60])
def test_child_page_queries_do_not_grow_with_marks(
    client, group, enrol, social_worker, today, marks, django_assert_max_num_queries
):
    (kid,) = enrol(group, started_on=today - datetime.timedelta(days=100))
    for days_ago in range(marks):
        day = today - datetime.timedelta(days=days_ago)
        MarkFactory(register=RegisterFactory(group=group, date=day), child=kid)
    client.force_login(social_worker)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("attendance:child", args=[kid.pk])).status_code == 200


def test_the_childs_page_links_to_the_attendance_history(client, history, coordinator):
    client.force_login(coordinator)
    admin_page = client.get(f"/admin/children/child/{history.pk}/change/")
    assert reverse("child", args=[history.pk]) in admin_page.content.decode()
    page = client.get(reverse("child", args=[history.pk]))
    assert reverse("attendance:child", args=[history.pk]) in page.content.decode()


def test_a_far_month_shows_the_current_one_and_the_figures_do_not_move(
    client, history, social_worker
):
    client.force_login(social_worker)
    url = reverse("attendance:child", args=[history.pk])
    now = client.get(url).context["summary"]
    for month in ["0001-01", "2008-09", "1999-12"]:
        response = client.get(url, {"month": month})
        assert response.status_code == 200
        assert response.context["summary"] == now
