"""Checks several test modules share."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext


def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint``."""
    return pytest.raises(IntegrityError, match=constraint)


def queries_to_get(client, url: str) -> int:
    """How many SQL queries a successful GET of ``url`` runs."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def attendance_tallies() -> tuple[set, set]:
    """Every row of the two attendance tallies, to compare with a rebuild."""
    from attendance.models import AttendanceDay, ChildAttendanceMonth

    days = set(
        AttendanceDay.objects.values_list("site_id", "date", "sessions", "marked", "attended")
    )
    months = set(
        ChildAttendanceMonth.objects.values_list(
            "child_id",
            "site_id",
            "month",
            "marked",
            "attended",
            "last_marked_on",
            "last_attended_on",
        )
    )
    return days, months
