"""Ending enrollments from the admin, with a reason; the services behind it."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import Enrollment, EnrollmentStatus, Role
from programs.services import enrollment_end, enrollment_move
from tests.factories import ChildFactory, EnrollmentFactory, GroupFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:programs_enrollment_changelist")


def _end(client, enrollments, **fields):
    data = {
        "action": "end_enrollments",
        ACTION_CHECKBOX_NAME: [enrollment.pk for enrollment in enrollments],
        "apply": "1",
        "ended_on": "2026-02-27",
        "status": EnrollmentStatus.DROPPED_OUT,
        "reason": "Familia a plecat la muncă în Spania",
    }
    return client.post(CHANGELIST, data | fields)


def test_coordinator_ends_selected_enrollments_with_a_reason(client, make_user, site_a):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    enrollments = [EnrollmentFactory(child=ChildFactory(site=site_a)) for _ in range(2)]
    response = _end(client, enrollments)
    assert response.status_code == 302
    for enrollment in enrollments:
        enrollment.refresh_from_db()
        assert enrollment.ended_on == datetime.date(2026, 2, 27)
        assert enrollment.status == EnrollmentStatus.DROPPED_OUT
        assert enrollment.exit_reason == "Familia a plecat la muncă în Spania"


def test_ending_before_the_start_saves_nothing_and_says_why(client, make_user, site_a):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    response = _end(client, [enrollment], ended_on="2020-01-01")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    enrollment.refresh_from_db()
    assert enrollment.ended_on is None


def test_active_is_not_an_exit_status(client, make_user, site_a):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    response = _end(client, [enrollment], status="active")
    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert enrollment.ended_on is None


def test_another_sites_enrollments_cannot_be_ended(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    theirs = EnrollmentFactory(child=ChildFactory(site=site_b))
    _end(client, [theirs])
    theirs.refresh_from_db()
    assert theirs.ended_on is None


def test_an_ended_enrollment_cannot_end_again():
    enrollment = EnrollmentFactory(ended_on=datetime.date(2026, 1, 1), status="completed")
    with pytest.raises(ValidationError):
        enrollment_end(
            enrollment=enrollment, ended_on=datetime.date(2026, 2, 1), status="withdrawn"
        )


def test_a_move_on_the_first_day_corrects_the_group_in_place():
    enrollment = EnrollmentFactory()
    other = GroupFactory(site=enrollment.site)
    moved = enrollment_move(enrollment=enrollment, group=other, on=enrollment.started_on)
    assert moved.pk == enrollment.pk and moved.group == other
    assert Enrollment.objects.count() == 1


def test_a_move_to_another_site_is_refused():
    enrollment = EnrollmentFactory()
    with pytest.raises(ValidationError):
        enrollment_move(enrollment=enrollment, group=GroupFactory(), on=datetime.date(2026, 1, 5))
