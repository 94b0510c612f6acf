"""The register runs the same few queries for 5 children and for 60.

The POST is measured without the test's own wrapping transaction
(``transaction=True``), so that it counts what production runs: the save is one
transaction, not a savepoint inside another.
"""

import pytest

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
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/").status_code == 200
