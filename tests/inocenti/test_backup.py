"""manage.py backup and restore: a dump restored into a fresh database holds the same
rows; the dump is its owner's alone; restore never writes into a database in use.

The round trip needs committed rows (pg_dump is another process), hence
``transaction=True`` there; its fresh database lives in the same server and is
dropped afterwards.
"""

import datetime
import re
import stat
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from psycopg import sql

from children.models import ConfidentialNote
from inocenti.backups import LIBPQ_ENVIRONMENT, connection_params
from programs.models import Role
from tests.factories import (
    ChildFactory,
    ConsentFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    ProgramFactory,
    RegisterFactory,
    SiteFactory,
    UserFactory,
)

KEY_TABLES = [
    "children_child",
    "families_family",
    "families_guardian",
    "programs_enrollment",
    "attendance_register",
    "attendance_mark",
    "children_counselingsession",
    "children_confidentialnote",
    "programs_user",
    "children_consent",
    # The audit trail and the access log are restored with the data.
    "children_childevent",
    "attendance_markevent",
]
DUMP_NAME = re.compile(r"inocenti-\d{8}-\d{6}\.dump")
STATUSES = ["present", "present", "late", "absent", "excused"]


def _seed() -> None:
    """Two sites' worth of casework: families with two guardians, children with
    consent, enrollments, two weeks of registers with every kind of mark, and
    counseling sessions with confidential notes (with diacritics, for the
    encoding)."""
    for site_name in ["Școala Gimnazială nr. 31", "Centrul de zi „Micii Inocenți”"]:
        site = SiteFactory(name=site_name)
        program = ProgramFactory(sites=[site])
        group = GroupFactory(site=site)
        psychologist = UserFactory(role=Role.PSYCHOLOGIST, sites=[site])
        UserFactory(role=Role.SOCIAL_WORKER, sites=[site])
        children = []
        for _ in range(8):
            family = FamilyFactory(site=site)
            mother = GuardianFactory(family=family, is_primary_contact=True)
            GuardianFactory(family=family, given_names="Ștefan", relationship="father")
            child = ChildFactory(site=site, family=family)
            ConsentFactory(child=child, given_by=mother, given_on=datetime.date(2025, 9, 10))
            EnrollmentFactory(child=child, group=group, program=program)
            children.append(child)
        for day in range(10):
            register = RegisterFactory(group=group, date=datetime.date(2025, 10, 6 + day))
            for number, child in enumerate(children):
                status = STATUSES[(number + day) % len(STATUSES)]
                MarkFactory(
                    register=register,
                    child=child,
                    status=status,
                    reason="" if status in ("present", "late") else "sick",
                )
        for child in children[:4]:
            session = CounselingSessionFactory(
                site=site, psychologist=psychologist, children=[child]
            )
            ConfidentialNote.objects.create(
                session=session, text="Își face griji pentru tatăl plecat în Spania."
            )


def _fingerprints(params: dict[str, str]) -> dict[str, tuple[int, str]]:
    """{table: (row count, md5 of every row in id order)} for the key tables."""
    found = {}
    with psycopg.connect(**params) as conn:
        for table in KEY_TABLES:
            found[table] = conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
    return found


def _url(params: dict[str, str]) -> str:
    """A postgres:// URL for ``params``, a socket folder as ?host=."""
    host = params.get("host", "")
    query = {k: v for k, v in params.items() if k not in ("host", "port", "user", "password")}
    query.pop("dbname")
    user, password = (quote(params.get(key, ""), safe="") for key in ("user", "password"))
    netloc = f"{user}:{password}@"
    if host.startswith("/"):
        query["host"] = host
    elif host:
        netloc += f"{host}:{params['port']}" if params.get("port") else host
    return f"postgres://{netloc}/{quote(params['dbname'])}?{urlencode(query)}"


def _backup(**options) -> Path:
    out = StringIO()
    call_command("backup", **options, stdout=out)
    return Path(out.getvalue().strip())


def _fake_tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).write_text("#!/bin/sh\n" + script)
    (bin_dir / name).chmod(0o700)


@pytest.fixture
def fresh_database():
    """libpq parameters of a new, empty database in the test server, dropped after."""
    test_params = connection_params(settings.DATABASES["default"])
    maintenance = {**test_params, "dbname": "postgres"}
    name = f"inocenti_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**test_params, "dbname": name}
    finally:
        with psycopg.connect(**maintenance, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_holds_the_same_rows(tmp_path, fresh_database):
    _seed()
    dump = _backup(output_dir=tmp_path)

    call_command("restore", dump, database_url=_url(fresh_database), stdout=StringIO())

    original = _fingerprints(connection_params(settings.DATABASES["default"]))
    restored = _fingerprints(fresh_database)
    assert all(count > 0 for count, _ in original.values()), original
    assert restored == original


@pytest.mark.django_db
def test_the_backup_is_a_timestamped_file_only_its_owner_can_read(tmp_path):
    dump = _backup(output_dir=tmp_path / "backups")

    assert DUMP_NAME.fullmatch(dump.name), dump.name
    assert dump.parent == tmp_path / "backups"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(dump.parent.stat().st_mode) == 0o700
    assert [path.name for path in dump.parent.iterdir()] == [dump.name]


@pytest.mark.django_db
def test_the_backup_goes_to_backup_dir_by_default(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path

    dump = _backup()

    assert dump.parent == tmp_path


@pytest.mark.django_db
def test_a_failed_pg_dump_says_why_and_leaves_no_file(tmp_path, settings):
    _fake_tool(
        tmp_path / "bin",
        "pg_dump",
        "echo 'half a dump'\necho 'pg_dump: error: no route to host' >&2\nexit 1\n",
    )
    settings.PG_BIN_DIR = str(tmp_path / "bin")

    with pytest.raises(CommandError, match="no route to host"):
        _backup(output_dir=tmp_path / "backups")

    assert list((tmp_path / "backups").iterdir()) == []


def test_pg_dump_gets_the_password_from_the_environment_not_its_arguments(
    tmp_path, settings, monkeypatch
):
    seen = tmp_path / "seen"
    _fake_tool(tmp_path / "bin", "pg_dump", f'echo "$@" > {seen}\necho "$PGPASSWORD" >> {seen}\n')
    settings.PG_BIN_DIR = str(tmp_path / "bin")
    # Changed in place: overriding DATABASES itself would warn.
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", "parolă-secretă")

    _backup(output_dir=tmp_path / "backups")

    arguments, password = seen.read_text().splitlines()
    assert "parolă-secretă" not in arguments
    assert password == "parolă-secretă"


def test_a_failed_restore_withholds_the_lines_that_can_quote_rows(
    tmp_path, settings, fresh_database
):
    _fake_tool(
        tmp_path / "bin",
        "pg_restore",
        "cat >&2 <<'END'\n"
        'pg_restore: error: COPY failed for table "children_child": ERROR:  duplicate key\n'
        "DETAIL:  Key (cnp)=(5140101420011) already exists.\n"
        "CONTEXT:  COPY children_child, line 3: Ștefan Lăcătuș 5140101420011\n"
        "END\n"
        "exit 1\n",
    )
    settings.PG_BIN_DIR = str(tmp_path / "bin")
    dump = tmp_path / "inocenti-20261128-120000.dump"
    dump.write_bytes(b"read by the fake pg_restore only")

    with pytest.raises(CommandError, match="COPY failed for table") as raised:
        call_command("restore", dump, database_url=_url(fresh_database), stdout=StringIO())

    assert "5140101420011" not in str(raised.value)
    assert "Lăcătuș" not in str(raised.value)


@pytest.mark.django_db
def test_restore_refuses_a_database_that_has_tables(tmp_path):
    dump = tmp_path / "inocenti-20261128-120000.dump"
    dump.write_bytes(b"never read")

    with pytest.raises(CommandError, match=r"is not empty.*Create an empty database first"):
        call_command("restore", dump, stdout=StringIO())


def test_restore_of_a_missing_file_says_so(tmp_path):
    missing = tmp_path / "inocenti-20261128-120000.dump"

    with pytest.raises(CommandError, match=f"No backup file at {re.escape(str(missing))}"):
        call_command("restore", missing, stdout=StringIO())


def test_restore_rejects_a_url_that_is_not_postgresql_without_repeating_it(tmp_path):
    with pytest.raises(CommandError, match="must be a PostgreSQL URL") as raised:
        call_command(
            "restore",
            tmp_path / "x.dump",
            database_url="mysql://user:s3cret@db/inocenti",
            stdout=StringIO(),
        )
    assert "s3cret" not in str(raised.value)


def test_every_libpq_keyword_passed_on_has_its_environment_variable():
    params = connection_params(
        {
            "NAME": "inocenti",
            "USER": "u",
            "PASSWORD": "p",
            "HOST": "db",
            "PORT": 5432,
            "OPTIONS": {"sslmode": "require", "pool": True, "server_side_binding": True},
        }
    )
    assert params == {
        "host": "db",
        "port": "5432",
        "user": "u",
        "password": "p",
        "dbname": "inocenti",
        "sslmode": "require",
    }
    assert set(params) <= set(LIBPQ_ENVIRONMENT)
