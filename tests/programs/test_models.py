"""The programs' invariants hold in the database itself, whatever writes to it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from programs.models import (
    Enrollment,
    EnrollmentStatus,
    FundedProject,
    Funder,
    Group,
    SchoolYear,
)
from tests.assertions import refused
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    GroupFactory,
    ProgramFactory,
    SchoolYearFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

SEPT = datetime.date(2025, 9, 15)


def test_enrollment_cannot_end_before_it_starts():
    enrollment = EnrollmentFactory()
    with refused("enrollment_ends_after_start"), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(
            ended_on=SEPT - datetime.timedelta(days=1), status=EnrollmentStatus.COMPLETED
        )


def test_child_has_at_most_one_open_enrollment_per_program():
    first = EnrollmentFactory()
    with refused("enrollment_one_open_per_child_and_program"), transaction.atomic():
        Enrollment.objects.create(
            child=first.child, program=first.program, site=first.site, started_on=SEPT
        )


def test_a_closed_enrollment_does_not_block_a_new_one():
    first = EnrollmentFactory(ended_on=datetime.date(2025, 12, 1), status=EnrollmentStatus.MOVED)
    second = Enrollment.objects.create(
        child=first.child,
        program=first.program,
        site=first.site,
        started_on=datetime.date(2025, 12, 2),
    )
    assert second.pk


def test_enrollment_group_must_be_at_the_enrollment_site():
    enrollment = EnrollmentFactory()
    elsewhere = GroupFactory(site=SiteFactory(name="Școala Gimnazială nr. 1 Glina"))
    with refused("enrollment_group_at_enrollment_site"), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(group=elsewhere)


def test_enrollment_clean_explains_a_group_from_another_site():
    enrollment = EnrollmentFactory.build(
        child=ChildFactory(), group=GroupFactory(site=SiteFactory(name="Școala Reteag-Poieni"))
    )
    enrollment.program = ProgramFactory(sites=[enrollment.site])
    with pytest.raises(ValidationError) as raised:
        enrollment.full_clean()
    assert "group" in raised.value.message_dict


def test_a_group_with_enrollments_cannot_move_to_another_site():
    enrollment = EnrollmentFactory()
    with refused("enrollment_group_at_enrollment_site"), transaction.atomic():
        Group.objects.filter(pk=enrollment.group_id).update(site=SiteFactory(name="Alt loc"))


def test_active_enrollment_has_no_end_date():
    enrollment = EnrollmentFactory()
    with refused("enrollment_open_exactly_when_active"), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(ended_on=datetime.date(2026, 1, 1))


def test_ended_enrollment_needs_an_exit_status():
    enrollment = EnrollmentFactory(ended_on=datetime.date(2026, 1, 1), status="dropped_out")
    with refused("enrollment_open_exactly_when_active"), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.ACTIVE)


def test_enrollment_status_must_be_known():
    enrollment = EnrollmentFactory(ended_on=datetime.date(2026, 1, 1), status="completed")
    with refused("enrollment_status_valid"), transaction.atomic():
        Enrollment.objects.filter(pk=enrollment.pk).update(status="expelled")


def test_enrollment_clean_refuses_a_site_the_program_does_not_run_at():
    enrollment = EnrollmentFactory()
    enrollment.program.sites.clear()
    with pytest.raises(ValidationError) as raised:
        enrollment.full_clean()
    assert "site" in raised.value.message_dict


def test_enrollments_on_a_day_respect_start_and_end():
    joined_later = EnrollmentFactory(started_on=datetime.date(2025, 10, 1))
    left_before = EnrollmentFactory(
        started_on=datetime.date(2025, 9, 1),
        ended_on=datetime.date(2025, 9, 20),
        status=EnrollmentStatus.WITHDRAWN,
    )
    present = EnrollmentFactory(started_on=datetime.date(2025, 9, 1))
    on_day = set(Enrollment.objects.on(datetime.date(2025, 9, 25)))
    assert present in on_day
    assert joined_later not in on_day and left_before not in on_day


def test_group_name_is_unique_per_site_and_school_year():
    group = GroupFactory(name="Grupa I–IV")
    with refused("group_name_unique_per_site_and_year"), transaction.atomic():
        GroupFactory(name="Grupa I–IV", site=group.site, school_year=group.school_year)


def test_group_meeting_days_must_be_weekdays():
    with refused("group_meeting_days_are_weekdays"), transaction.atomic():
        GroupFactory(meeting_days=[1, 8])


def test_groups_meeting_on_a_day_follow_their_weekdays():
    monday_group = GroupFactory(meeting_days=[1, 3])
    friday_group = GroupFactory(meeting_days=[5])
    monday = datetime.date(2025, 9, 15)
    assert list(Group.objects.meeting_on(monday)) == [monday_group]
    assert friday_group not in Group.objects.meeting_on(monday)


def test_only_one_school_year_is_current():
    SchoolYearFactory(start_year=2024, is_current=True)
    with refused("school_year_one_current"), transaction.atomic():
        SchoolYearFactory(start_year=2025, is_current=True)


def test_school_year_ends_after_it_starts():
    with refused("school_year_ends_after_start"), transaction.atomic():
        SchoolYear.objects.create(
            name="2030-2031", starts_on=datetime.date(2030, 9, 1), ends_on=datetime.date(2030, 9, 1)
        )


def test_school_year_for_start_year_runs_september_to_august():
    year = SchoolYear.for_start_year(2025)
    assert (year.name, year.starts_on, year.ends_on) == (
        "2025-2026",
        datetime.date(2025, 9, 1),
        datetime.date(2026, 8, 31),
    )


def test_funded_project_cannot_end_before_it_starts():
    funder = Funder.objects.create(name="EEA Grants 2009-2014", kind="grant_scheme")
    with refused("funded_project_ends_after_start"), transaction.atomic():
        FundedProject.objects.create(
            funder=funder,
            name="Vreau și eu la școală!",
            starts_on=datetime.date(2016, 4, 30),
            ends_on=datetime.date(2014, 4, 1),
        )


def test_services_count_towards_projects_by_date_and_site():
    bistrita = SiteFactory(name="Centrul de zi „Micii Inocenți”")
    glina = SiteFactory(name="Școala Gimnazială nr. 1 Glina")
    funder = Funder.objects.create(name="EEA Grants 2009-2014", kind="grant_scheme")
    project = FundedProject.objects.create(
        funder=funder,
        name="Vreau și eu la școală!",
        starts_on=datetime.date(2014, 4, 1),
        ends_on=datetime.date(2016, 4, 30),
    )
    project.sites.add(bistrita)
    inside = datetime.date(2015, 1, 10)
    assert list(FundedProject.objects.covering(site=bistrita, on=inside)) == [project]
    assert not FundedProject.objects.covering(site=glina, on=inside).exists()
    assert not FundedProject.objects.covering(site=bistrita, on=datetime.date(2016, 5, 1)).exists()


def test_an_open_enrollment_is_at_the_childs_site():
    enrollment = EnrollmentFactory()
    elsewhere = SiteFactory(name="Școala Gimnazială Mintiu Gherlii")
    enrollment.program.sites.add(elsewhere)
    enrollment.site, enrollment.group = elsewhere, None
    with pytest.raises(ValidationError) as raised:
        enrollment.full_clean()
    assert "site" in raised.value.message_dict


def test_an_enrollment_starts_during_its_groups_school_year():
    enrollment = EnrollmentFactory.build(
        child=ChildFactory(), started_on=datetime.date(2026, 9, 15)
    )
    enrollment.group = GroupFactory(site=enrollment.site)  # school year 2025-2026
    enrollment.program = ProgramFactory(sites=[enrollment.site])
    with pytest.raises(ValidationError) as raised:
        enrollment.full_clean()
    assert "started_on" in raised.value.message_dict
