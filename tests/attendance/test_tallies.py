"""The attendance tallies stay equal to the marks, whatever writes them."""

import datetime
import threading
import time

import pytest
from django.db import ProgrammingError, connection, transaction

from attendance import tallies
from attendance.models import AttendanceDay, ChildAttendanceMonth, Mark, Register
from attendance.roster import MarkEntry, RegisterEntry
from attendance.services import Submission, register_save
from tests.assertions import attendance_tallies
from tests.attendance.helpers import posted_no_session, posted_register, register_url
from tests.factories import GroupFactory, MarkFactory, RegisterFactory

pytestmark = pytest.mark.django_db


def assert_tallies_match_the_marks():
    kept = attendance_tallies()
    tallies.rebuild(connection)
    assert kept == attendance_tallies()


@pytest.fixture
def three(group, enrol):
    return enrol(group, 3)


def take(client, user, group, day, marks=None):
    client.force_login(user)
    page = client.get(register_url(group, day))
    response = client.post(register_url(group, day), posted_register(page, marks))
    assert response.status_code == 302
    return response


def test_taking_a_register_tallies_its_day_and_the_childrens_months(
    client, social_worker, group, three, today
):
    absent = three[0]
    take(client, social_worker, group, today, {absent: "absent"})
    day = AttendanceDay.objects.get(site=group.site, date=today)
    assert (day.sessions, day.marked, day.attended) == (1, 3, 2)
    month = ChildAttendanceMonth.objects.get(child=absent, month=today.replace(day=1))
    assert (month.marked, month.attended, month.last_attended_on) == (1, 0, None)
    assert_tallies_match_the_marks()


def test_a_correction_later_changes_the_tallies(client, coordinator, group, three, today):
    day = today - datetime.timedelta(days=20)
    take(client, coordinator, group, day)
    assert AttendanceDay.objects.get(date=day).attended == 3
    take(client, coordinator, group, day, {three[1]: "absent", three[2]: "late"})
    tally = AttendanceDay.objects.get(date=day)
    assert (tally.marked, tally.attended) == (3, 2)
    month = ChildAttendanceMonth.objects.get(child=three[1], month=day.replace(day=1))
    assert (month.attended, month.last_attended_on) == (0, None)
    assert_tallies_match_the_marks()


def test_no_session_over_a_taken_register_removes_its_tallies(
    client, coordinator, group, three, today
):
    take(client, coordinator, group, today)
    page = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_no_session(page, "holiday"))
    assert not Mark.objects.exists()
    assert not AttendanceDay.objects.exists()
    assert not ChildAttendanceMonth.objects.exists()


def test_two_groups_of_a_site_share_the_days_tally(group, site_a, three, today, enrol):
    other = type(group).objects.create(
        site=site_a, school_year=group.school_year, name="Grupa I–IV", meeting_days=[1]
    )
    child = enrol(other, 1)[0]
    MarkFactory(register=RegisterFactory(group=group, date=today), child=three[0])
    MarkFactory(register=RegisterFactory(group=other, date=today), child=child, status="absent")
    tally = AttendanceDay.objects.get(site=site_a, date=today)
    assert (tally.sessions, tally.marked, tally.attended) == (2, 2, 1)


def test_bulk_writes_and_deletes_keep_the_tallies(group, three, today):
    days = [today - datetime.timedelta(days=offset) for offset in (40, 33, 3)]
    registers = [RegisterFactory(group=group, date=day) for day in days]
    Mark.objects.bulk_create(
        Mark(register=register, child=child, status=status)
        for register in registers
        for child, status in zip(three, ["present", "absent", "excused"], strict=True)
    )
    assert_tallies_match_the_marks()
    Mark.objects.filter(child=three[1]).update(status="late")
    assert_tallies_match_the_marks()
    registers[0].delete()  # with its marks
    assert_tallies_match_the_marks()
    assert not AttendanceDay.objects.filter(date=days[0]).exists()
    Mark.objects.filter(child=three[0]).delete()
    assert_tallies_match_the_marks()
    assert not ChildAttendanceMonth.objects.filter(child=three[0]).exists()
    assert Register.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_groups_of_a_site_saved_at_once_both_count(group, social_worker, enrol, today):
    """The second save reaches the site's tally while the first is not committed:
    it waits for it, then counts both groups (it used to break the unique key)."""
    other = GroupFactory(site=group.site, school_year=group.school_year, meeting_days=[1, 2, 3])
    other.staff.add(social_worker)
    first_kid, second_kid = enrol(group)[0], enrol(other)[0]
    first_saved, results = threading.Event(), []

    def save(on_group, kid, *, hold: bool):
        try:
            with transaction.atomic():
                register_save(
                    group=on_group,
                    day=today,
                    user=social_worker,
                    submission=Submission(
                        register=RegisterEntry(("homework",)),
                        register_was="",
                        marks={kid.pk: MarkEntry("present")},
                        was={kid.pk: ""},
                    ),
                )
                if hold:
                    first_saved.set()
                    time.sleep(1)  # the other save reaches the tallies meanwhile
            results.append("saved")
        except Exception as error:  # the test reports any failure
            results.append(repr(error))
        finally:
            first_saved.set()
            connection.close()

    first = threading.Thread(target=save, args=(group, first_kid), kwargs={"hold": True})
    first.start()
    first_saved.wait(timeout=30)
    second = threading.Thread(target=save, args=(other, second_kid), kwargs={"hold": False})
    second.start()
    for thread in (first, second):
        thread.join(timeout=30)
    assert results == ["saved", "saved"]
    day = AttendanceDay.objects.get(site=group.site, date=today)
    assert (day.sessions, day.marked, day.attended) == (2, 2, 2)
    assert_tallies_match_the_marks()


def test_a_mark_moved_to_another_register_leaves_no_tally_behind(group, three, today):
    before = RegisterFactory(group=group, date=today - datetime.timedelta(days=40))
    after = RegisterFactory(group=group, date=today)
    MarkFactory(register=before, child=three[0])
    Mark.objects.filter(register=before).update(register=after)
    assert_tallies_match_the_marks()
    assert not AttendanceDay.objects.filter(date=before.date).exists()


def test_a_registers_day_and_group_cannot_change(group, today):
    register = RegisterFactory(group=group, date=today - datetime.timedelta(days=1))
    with pytest.raises(ProgrammingError, match="day_and_group_fixed"), transaction.atomic():
        Register.objects.filter(pk=register.pk).update(date=today)
    register.note = "Corectat."
    register.save()  # any other field may change
