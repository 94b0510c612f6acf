import datetime

import pytest
from django.utils import timezone

from programs.models import Role
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    GroupFactory,
    SchoolYearFactory,
    UserFactory,
    current_start_year,
)

EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def school_year(db, today):
    """The current school year, wide enough around today that tests never meet
    its edges, whatever the day they run."""
    start = current_start_year()
    return SchoolYearFactory(
        start_year=start,
        starts_on=today - datetime.timedelta(days=120),
        ends_on=today + datetime.timedelta(days=240),
        is_current=True,
    )


@pytest.fixture
def group(site_a, school_year):
    return GroupFactory(
        site=site_a, school_year=school_year, name="Grupa V–VIII", meeting_days=EVERY_DAY
    )


@pytest.fixture
def other_site_group(site_b, school_year):
    return GroupFactory(site=site_b, school_year=school_year, meeting_days=EVERY_DAY)


@pytest.fixture
def social_worker(site_a, group):
    user = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    group.staff.add(user)
    return user


@pytest.fixture
def coordinator(site_a):
    return UserFactory(role=Role.COORDINATOR, sites=[site_a])


@pytest.fixture
def enrol(today):
    """``enrol(group, n)`` enrols n new children (of the group's site) since 60 days ago."""

    def make(group, count=1, *, started_on=None, ended_on=None, **child):
        started_on = started_on or today - datetime.timedelta(days=60)
        children = []
        for _ in range(count):
            kid = ChildFactory(site=group.site, **child)
            EnrollmentFactory(
                child=kid,
                group=group,
                site=group.site,
                started_on=started_on,
                ended_on=ended_on,
                status="active" if ended_on is None else "completed",
            )
            children.append(kid)
        return children

    return make
