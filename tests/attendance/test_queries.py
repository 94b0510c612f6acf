"""The register runs the same few queries for 5 children and for 60.

The POST is measured without the test's own wrapping transaction
(``transaction=True``), so that it counts what production runs: the save is one
transaction, not a savepoint inside another.
"""

import datetime

import pytest
from django.urls import reverse

from attendance.models import Register, RegisterChange
from tests.assertions import queries_to_get
from tests.attendance.helpers import posted_register, register_url

MAX_QUERIES = 8


@pytest.mark.parametrize("size", [5, 60])
def test_register_get_runs_a_fixed_number_of_queries(
    client, group, social_worker, enrol, today, size, django_assert_max_num_queries
):
    kids = enrol(group, size)
    client.force_login(social_worker)
    client.post(
        register_url(group, today),
        posted_register(client.get(register_url(group, today)), {kids[0]: "absent"}),
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(register_url(group, today))
    assert len(response.context["rows"]) == size


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [5, 60])
def test_register_save_and_correction_run_a_fixed_number_of_queries(
    client, group, social_worker, enrol, today, size, django_assert_max_num_queries
):
    kids = enrol(group, size)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    with django_assert_max_num_queries(MAX_QUERIES):
        first = client.post(register_url(group, today), posted_register(page, {kids[1]: "absent"}))
    assert first.status_code == 302
    page = client.get(register_url(group, today))
    every_child = dict.fromkeys(kids, ("excused", "sick", ""))
    with django_assert_max_num_queries(MAX_QUERIES):
        correction = client.post(register_url(group, today), posted_register(page, every_child))
    assert correction.status_code == 302


@pytest.mark.parametrize("size", [5, 60])
def test_today_page_runs_a_fixed_number_of_queries(
    client, group, social_worker, enrol, size, django_assert_max_num_queries
):
    enrol(group, size)
    client.force_login(social_worker)
    # Today also lists the user's follow-up tasks: one query more than a register.
    with django_assert_max_num_queries(MAX_QUERIES + 1):
        assert client.get("/").status_code == 200


def _grow(group, enrol, today, count):
    """``count`` more children, each marked at the last week's sessions."""
    from tests.factories import MarkFactory, RegisterFactory, SchoolAbsenceFactory

    kids = enrol(group, count, started_on=today - datetime.timedelta(days=10))
    for days_ago in range(1, 4):
        day = today - datetime.timedelta(days=days_ago)
        register = Register.objects.filter(group=group, date=day).first() or RegisterFactory(
            group=group, date=day
        )
        for kid in kids:
            MarkFactory(register=register, child=kid, status="absent")
            RegisterChange.objects.create(
                register=register,
                child=kid,
                field="status",
                old_value="present",
                new_value="absent",
            )
    for kid in kids:
        SchoolAbsenceFactory(child=kid, month=today.replace(day=1))


@pytest.mark.parametrize("page", ["missing", "school_absences", "history", "register", "home"])
def test_attendance_pages_run_the_same_queries_for_5_and_60_children(
    client, group, coordinator, social_worker, enrol, today, page
):
    yesterday = today - datetime.timedelta(days=1)
    urls = {
        "missing": reverse("attendance:missing"),
        "school_absences": reverse(
            "attendance:school_absences", args=[group.pk, today.replace(day=1)]
        ),
        "history": reverse("attendance:register_history", args=[group.pk, yesterday]),
        "register": register_url(group, today),
        "home": "/",
    }
    client.force_login(social_worker if page == "home" else coordinator)
    _grow(group, enrol, today, 5)
    with_5 = queries_to_get(client, urls[page])
    _grow(group, enrol, today, 55)
    assert queries_to_get(client, urls[page]) == with_5
