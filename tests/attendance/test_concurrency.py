"""Two people on one register: marks are merged child by child, and a real clash
saves nothing and shows the newer state (see attendance/services.py)."""

import threading

import pytest
from django.db import connection

from attendance.models import Mark, Register, RegisterChange
from attendance.roster import MarkEntry, RegisterEntry
from attendance.services import RegisterConflict, Submission, register_save
from programs.models import Role
from tests.attendance.helpers import posted_no_session, posted_register, register_url
from tests.factories import UserFactory


@pytest.fixture
def colleague(group, site_a):
    user = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    group.staff.add(user)
    return user


def _statuses() -> dict[int, str]:
    return dict(Mark.objects.values_list("child_id", "status"))


def test_different_children_changed_by_two_people_are_merged(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 3)
    client.force_login(social_worker)
    client.post(register_url(group, today), posted_register(client.get(register_url(group, today))))
    mine = client.get(register_url(group, today))  # loaded, not saved yet
    client.force_login(colleague)
    theirs = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_register(theirs, {kids[0]: "absent"}))

    client.force_login(social_worker)
    response = client.post(
        register_url(group, today), posted_register(mine, {kids[2]: "late"}), follow=True
    )
    assert response.redirect_chain == [("/", 302)]
    assert _statuses() == {kids[0].pk: "absent", kids[1].pk: "present", kids[2].pk: "late"}
    assert Register.objects.get().version == 3


def test_same_child_changed_differently_saves_nothing_and_highlights_it(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 3)
    client.force_login(social_worker)
    client.post(register_url(group, today), posted_register(client.get(register_url(group, today))))
    mine = client.get(register_url(group, today))
    client.force_login(colleague)
    theirs = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_register(theirs, {kids[1]: "excused"}))
    before = _statuses()
    changes_before = RegisterChange.objects.count()

    client.force_login(social_worker)
    response = client.post(
        register_url(group, today), posted_register(mine, {kids[1]: "absent", kids[2]: "late"})
    )
    assert response.status_code == 409
    assert _statuses() == before  # nothing of this save, not even kid 2's change
    assert RegisterChange.objects.count() == changes_before
    rows = {row.child_id: row for row in response.context["rows"]}
    assert rows[kids[1].pk].conflict
    assert rows[kids[1].pk].shown.status == "excused"  # the newer state is shown
    assert rows[kids[1].pk].yours.status == "absent"  # beside what this user chose
    assert not rows[kids[2].pk].conflict
    assert rows[kids[2].pk].shown.status == "late"  # the user's other change is kept

    # Saving the page as shown now applies it: the clash is resolved.
    resolved = client.post(register_url(group, today), posted_register(response))
    assert resolved.status_code == 302
    assert _statuses()[kids[2].pk] == "late"
    assert _statuses()[kids[1].pk] == "excused"


def test_both_marking_a_child_the_same_way_is_no_conflict(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    mine = client.get(register_url(group, today))
    client.force_login(colleague)
    theirs = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_register(theirs, {kids[0]: "absent"}))
    client.force_login(social_worker)
    response = client.post(register_url(group, today), posted_register(mine, {kids[0]: "absent"}))
    assert response.status_code == 302
    assert _statuses() == {kids[0].pk: "absent", kids[1].pk: "present"}


def test_two_first_takes_of_the_same_register_clash_on_differing_children(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    mine = client.get(register_url(group, today))
    client.force_login(colleague)
    client.post(
        register_url(group, today),
        posted_register(client.get(register_url(group, today)), {kids[1]: "absent"}),
    )
    client.force_login(social_worker)
    response = client.post(register_url(group, today), posted_register(mine))
    # This user left kid 1 "present" on a page that showed no register yet: both
    # took the register and disagree, so it is shown rather than overwritten.
    assert response.status_code == 409
    assert [row.child_id for row in response.context["rows"] if row.conflict] == [kids[1].pk]
    assert _statuses()[kids[1].pk] == "absent"


def test_child_added_to_the_group_after_the_page_loaded_stops_the_save(
    client, group, social_worker, enrol, today
):
    enrol(group, 2)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    (newcomer,) = enrol(group, started_on=today)
    response = client.post(register_url(group, today), posted_register(page))
    assert response.status_code == 409
    assert not Register.objects.exists()
    rows = {row.child_id: row for row in response.context["rows"]}
    assert rows[newcomer.pk].conflict and rows[newcomer.pk].saved is None
    assert client.post(register_url(group, today), posted_register(response)).status_code == 302
    assert Mark.objects.count() == 3


def test_no_session_over_a_register_changed_meanwhile_is_refused(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    client.force_login(colleague)
    client.post(
        register_url(group, today),
        posted_register(client.get(register_url(group, today)), {kids[0]: "absent"}),
    )
    client.force_login(social_worker)
    response = client.post(register_url(group, today), posted_no_session(page, "holiday"))
    assert response.status_code == 409
    assert Mark.objects.count() == 2
    assert Register.objects.get().no_session_reason == ""


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_saves_one_wins_the_other_is_told(group, social_worker, enrol, today):
    """Two requests at the same moment: the register row lock makes them queue;
    the second sees the first's marks and reports the clash, no IntegrityError."""
    colleague = UserFactory(role=Role.SOCIAL_WORKER, sites=[group.site])
    (kid,) = enrol(group)
    barrier = threading.Barrier(2)
    results = []

    def save(user, status):
        try:
            barrier.wait()
            register_save(
                group=group,
                day=today,
                user=user,
                submission=Submission(
                    register=RegisterEntry(("homework",)),
                    register_was="",
                    marks={kid.pk: MarkEntry(status)},
                    was={kid.pk: ""},
                ),
            )
            results.append("saved")
        except RegisterConflict:
            results.append("conflict")
        except Exception as error:  # the test reports any other failure
            results.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(social_worker, "absent")),
        threading.Thread(target=save, args=(colleague, "late")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["conflict", "saved"]
    assert Register.objects.get().version == 1
    assert Mark.objects.count() == 1


def test_refused_no_session_shows_the_saved_marks_and_a_save_then_keeps_them(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    client.force_login(colleague)
    client.post(
        register_url(group, today),
        posted_register(client.get(register_url(group, today)), {kids[0]: "absent"}),
    )
    client.force_login(social_worker)
    refused_page = client.post(register_url(group, today), posted_no_session(page, "holiday"))
    assert refused_page.status_code == 409
    shown = {row.child_id: row.shown.status for row in refused_page.context["rows"]}
    assert shown[kids[0].pk] == "absent"  # the colleague's mark, not a default
    client.post(register_url(group, today), posted_register(refused_page))
    assert _statuses()[kids[0].pk] == "absent"


def test_marks_sent_over_a_colleagues_no_session_are_a_conflict(
    client, group, social_worker, colleague, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    mine = client.get(register_url(group, today))
    client.force_login(colleague)
    theirs = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_no_session(theirs, "closure"))
    client.force_login(social_worker)
    response = client.post(register_url(group, today), posted_register(mine, {kids[0]: "late"}))
    assert response.status_code == 409
    assert response.context["register_conflict"]
    assert not Mark.objects.exists()
    assert Register.objects.get().no_session_reason == "closure"


def test_activities_in_another_order_are_the_same_register(
    client, group, social_worker, colleague, enrol, today
):
    enrol(group)
    client.force_login(social_worker)
    client.post(
        register_url(group, today),
        posted_register(
            client.get(register_url(group, today)), activities=["literacy", "homework"]
        ),
    )
    page = client.get(register_url(group, today))
    data = posted_register(page, activities=["homework", "literacy", "homework"])
    assert client.post(register_url(group, today), data).status_code == 302
    assert not RegisterChange.objects.exists()
