"""seed_demo --bench: the benchmark's large history, on a small scale (2 sites, 2
school years, 20 children per site and year), written with COPY like the big one."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Q

from attendance import tallies
from attendance.models import (
    AttendanceDay,
    Mark,
    MarkStatus,
    Register,
    SchoolAbsence,
)
from children.cnp import is_valid
from children.models import Child, CounselingSession, SchoolResult
from families.models import Family, ParentMeeting, SupportGiven
from inocenti import demo_bench
from inocenti.database import EmbeddedDatabaseUnavailable, drop_embedded, embedded_database_name
from programs.audit import event_models
from programs.models import Enrollment, Group
from tests.assertions import attendance_tallies
from tests.factories import ChildFactory
from tests.subprocesses import run_python

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
SMALL = ("--bench-sites", "2", "--bench-years", "2", "--bench-children", "20")


def _bench(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--bench", *SMALL, "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bench(settings):
    settings.DEBUG = True
    return _bench()


def _checksums() -> dict[str, tuple[int, int]]:
    """Row counts and a hash of each table's rows by their natural keys (children by
    name and birth date): nothing that depends on the database's keys."""
    queries = {
        "marks": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', c.family_name, c.given_names,
                c.birth_date, g.name, r.date, m.status, m.reason))::bigint), 0)
            FROM attendance_mark m JOIN children_child c ON c.id = m.child_id
            JOIN attendance_register r ON r.id = m.register_id
            JOIN programs_group g ON g.id = r.group_id""",
        "registers": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', s.name, g.name, r.date,
                r.no_session_reason, r.note, r.activities::text))::bigint), 0)
            FROM attendance_register r JOIN programs_group g ON g.id = r.group_id
            JOIN programs_site s ON s.id = g.site_id""",
        "enrollments": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', c.family_name,
                c.given_names, c.birth_date, c.cnp, e.started_on, e.ended_on, e.status,
                e.exit_reason))::bigint), 0)
            FROM programs_enrollment e JOIN children_child c ON c.id = e.child_id""",
        "school absences": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', c.family_name, c.given_names,
                a.month, a.excused_hours, a.unexcused_hours))::bigint), 0)
            FROM attendance_schoolabsence a JOIN children_child c ON c.id = a.child_id""",
        "results": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', c.family_name, c.given_names,
                r.period, r.general_average, r.qualifier, r.outcome))::bigint), 0)
            FROM children_schoolresult r JOIN children_child c ON c.id = r.child_id""",
        "families": """
            SELECT count(*), coalesce(sum(hashtext(concat_ws('|', name, address,
                risk_factors::text))::bigint), 0) FROM families_family""",
    }
    with connection.cursor() as cursor:
        found = {}
        for name, sql in queries.items():
            cursor.execute(sql)
            found[name] = cursor.fetchone()
    found["support"] = (SupportGiven.objects.count(), 0)
    found["counseling"] = (CounselingSession.objects.count(), 0)
    found["meetings"] = (ParentMeeting.objects.count(), 0)
    return found


class _Undo(Exception):
    pass


def test_the_same_seed_gives_the_same_history_whatever_the_keys(settings):
    settings.DEBUG = True
    try:
        with transaction.atomic():
            _bench()
            first = _checksums()
            raise _Undo
    except _Undo:
        pass
    assert not Child.objects.exists()
    # The sequences moved on: the second history has other keys.
    _bench()
    assert _checksums() == first
    assert first["marks"][0] > 1000


def test_another_seed_gives_another_history(settings):
    settings.DEBUG = True
    try:
        with transaction.atomic():
            _bench()
            first = _checksums()
            raise _Undo
    except _Undo:
        pass
    _bench("--seed", "7")
    assert _checksums()["marks"] != first["marks"]


def test_sites_years_and_children_as_asked(bench):
    assert Group.objects.values("site").distinct().count() == 2
    assert set(Group.objects.values_list("school_year__name", flat=True)) == {
        "2025-2026",
        "2026-2027",
    }
    first_day = Enrollment.objects.filter(started_on=datetime.date(2026, 9, 1))
    assert 2 * 15 <= first_day.values("child").distinct().count() <= 2 * 21


def test_marks_only_on_held_registers_of_children_enrolled_in_the_group_that_day(bench):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM attendance_mark m
            JOIN attendance_register r ON r.id = m.register_id
            WHERE r.no_session_reason <> '' OR r.version = 0 OR NOT EXISTS (
                SELECT 1 FROM programs_enrollment e
                WHERE e.child_id = m.child_id AND e.group_id = r.group_id
                  AND e.started_on <= r.date AND (e.ended_on IS NULL OR e.ended_on >= r.date))
            """
        )
        assert cursor.fetchone()[0] == 0
    assert Mark.objects.exists()
    assert Register.objects.exclude(no_session_reason="").exists()
    assert not Register.objects.filter(date__gte=TODAY).exists()


def test_every_enrolled_child_has_a_mark_on_each_held_register_of_the_group(bench):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM attendance_register r
            JOIN programs_enrollment e ON e.group_id = r.group_id
             AND e.started_on <= r.date AND (e.ended_on IS NULL OR e.ended_on >= r.date)
            WHERE r.no_session_reason = '' AND NOT EXISTS (
                SELECT 1 FROM attendance_mark m
                WHERE m.register_id = r.id AND m.child_id = e.child_id)
            """
        )
        assert cursor.fetchone()[0] == 0


def test_every_status_of_mark_occurs(bench):
    statuses = set(Mark.objects.values_list("status", flat=True).distinct())
    assert statuses == set(MarkStatus.values)


def test_the_tallies_equal_a_rebuild_from_the_marks(bench):
    loaded = attendance_tallies()
    tallies.rebuild()
    assert attendance_tallies() == loaded
    assert AttendanceDay.objects.aggregate(n=Count("pk", filter=Q(marked__gt=0)))["n"] > 0
    assert sum(row[3] for row in loaded[0]) == Mark.objects.count()


def test_the_tally_triggers_are_on_again_after_the_load(bench):
    mark = Mark.objects.filter(status=MarkStatus.PRESENT).select_related("register").first()
    Mark.objects.filter(pk=mark.pk).update(status=MarkStatus.ABSENT)
    corrected = attendance_tallies()
    tallies.rebuild()
    assert attendance_tallies() == corrected


def test_cnps_are_few_valid_and_unique(bench):
    cnps = list(Child.objects.filter(cnp__isnull=False).values_list("cnp", flat=True))
    assert len(cnps) == len(set(cnps))
    assert all(is_valid(cnp) for cnp in cnps)
    assert len(cnps) < Child.objects.count() / 3


def test_families_have_risk_factors_and_guardians(bench):
    assert Family.objects.exclude(risk_factors=[]).exists()
    assert not Family.objects.filter(guardians__isnull=True).exists()
    assert ParentMeeting.objects.filter(attendees__isnull=False).exists()


def test_the_audit_trail_is_not_flooded(bench):
    events = {model._meta.label: model.objects.count() for model in event_models()}
    for label in (
        "attendance.MarkEvent",
        "attendance.RegisterEvent",
        "attendance.SchoolAbsenceEvent",
    ):
        assert events[label] == 0, label
    # One snapshot per generated child, as seed_demo gives every record.
    assert events["children.ChildEvent"] == Child.objects.count()
    assert sum(events.values()) < Mark.objects.count()
    assert SchoolAbsence.objects.exists() and SchoolResult.objects.exists()


def test_a_second_run_with_the_same_parameters_reuses_the_history(bench, settings):
    marks = Mark.objects.count()
    assert "reused" in _bench()
    assert Mark.objects.count() == marks


def test_a_run_with_other_parameters_is_refused(bench):
    with pytest.raises(CommandError, match="other parameters"):
        call_command("seed_demo", "--bench", "--bench-sites", "1", stdout=StringIO())


def test_the_bench_history_refuses_a_database_holding_children(settings):
    settings.DEBUG = True
    ChildFactory()
    with pytest.raises(CommandError, match="database of its own"):
        _bench()


def test_the_bench_command_times_the_pages_that_exist(bench):
    out = StringIO()
    call_command("bench", "--repeat", "1", "--warmup", "0", stdout=out)
    text = out.getvalue()
    assert "Register (a group, latest day)" in text
    assert "Child's page" in text


def test_another_embedded_database_by_name():
    assert embedded_database_name({}) == "inocenti"
    assert embedded_database_name({"EMBEDDED_DATABASE_NAME": "inocenti_bench"}) == "inocenti_bench"
    with pytest.raises(ImproperlyConfigured):
        embedded_database_name({"EMBEDDED_DATABASE_NAME": "inocenti; DROP"})


def test_only_plain_names_and_never_the_projects_database_are_dropped(tmp_path):
    with pytest.raises(EmbeddedDatabaseUnavailable):
        drop_embedded(tmp_path, "inocenti")
    with pytest.raises(EmbeddedDatabaseUnavailable):
        drop_embedded(tmp_path, 'x"; DROP DATABASE inocenti; --')


def test_a_history_built_on_another_day_counts_as_built():
    params = demo_bench.BenchParams(sites=2, today=TODAY)
    later = demo_bench.BenchParams(sites=2, today=TODAY + datetime.timedelta(days=3))
    assert later.built_by(f"{params.marker} until=2026-11-27")
    assert not demo_bench.BenchParams(sites=3).built_by(f"{params.marker} until=2026-11-27")


def test_the_bench_database_name_never_goes_to_another_server():
    result = run_python(
        "manage.py",
        "check",
        DEBUG="true",
        DATABASE_URL="postgres://someone:secret@127.0.0.1:5432/inocenti",
        EMBEDDED_DATABASE_NAME="inocenti_bench",
    )
    assert result.returncode == 1
    assert "EMBEDDED_DATABASE_NAME names a database of the embedded PostgreSQL" in result.stderr
