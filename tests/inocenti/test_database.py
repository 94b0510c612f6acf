import json
import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from inocenti.database import (
    DATABASE_NAME,
    HANDLE_PIDS_FILE,
    EmbeddedDatabaseUnavailable,
    database_config,
    is_running,
    repair_handle_pids,
    start_embedded,
    stop_embedded,
)
from tests.subprocesses import child_env, run_python


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.django_db
def test_the_database_is_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert version.startswith("PostgreSQL ")


@pytest.mark.skipif(
    not settings.EMBEDDED_DATABASE,
    reason="DATABASE_URL names an external server; this test is about the embedded one",
)
@pytest.mark.django_db
def test_without_database_url_the_tests_run_on_the_embedded_server():
    assert settings.DATABASES["default"]["HOST"] == str(settings.BASE_DIR / ".pgdata")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0].startswith("16.")


def test_embedded_server_starts_in_a_fresh_directory_and_stops(outside_tmp_path):
    pgdata = outside_tmp_path / "pgdata"
    url = start_embedded(pgdata)
    try:
        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            database = conn.execute("SELECT current_database()").fetchone()[0]
        assert version.startswith("16.")
        assert database == DATABASE_NAME
        assert database_config(url)["HOST"] == str(pgdata)
    finally:
        assert stop_embedded(pgdata) is True
    assert stop_embedded(pgdata) is False


def test_embedded_server_starts_after_a_killed_client_left_the_pid_file_empty(
    outside_tmp_path,
):
    pgdata = outside_tmp_path / "pgdata"
    start_embedded(pgdata)
    stop_embedded(pgdata)
    (pgdata / HANDLE_PIDS_FILE).write_text("")  # what a SIGKILLed client can leave
    try:
        url = start_embedded(pgdata)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        stop_embedded(pgdata)


def test_last_live_client_stops_the_server_after_a_killed_client_left_its_pid(
    outside_tmp_path,
):
    pgdata = outside_tmp_path / "pgdata"
    start = (
        "from pathlib import Path; from inocenti.database import start_embedded; "
        f"start_embedded(Path({str(pgdata)!r}))"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", f"{start}; print('up', flush=True); import time; time.sleep(120)"],
        cwd=settings.BASE_DIR,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert killed.stdout.readline().strip() == "up"
    finally:
        killed.kill()  # SIGKILL: no clean-up runs, postgres stays up
        killed.wait()
    try:
        assert is_running(pgdata)
        assert json.loads((pgdata / HANDLE_PIDS_FILE).read_text()) == [killed.pid]
        # A client that exits normally is now the only live one, so it stops postgres.
        assert run_python("-c", start).returncode == 0
        assert not is_running(pgdata)
    finally:
        stop_embedded(pgdata)


def test_repair_treats_an_empty_pid_file_as_no_clients(tmp_path):
    (tmp_path / HANDLE_PIDS_FILE).write_text("")
    assert repair_handle_pids(tmp_path) == []
    assert json.loads((tmp_path / HANDLE_PIDS_FILE).read_text()) == []


def test_repair_treats_an_unreadable_pid_file_as_no_clients(tmp_path):
    (tmp_path / HANDLE_PIDS_FILE).write_text("[12, 3")
    assert repair_handle_pids(tmp_path) == []


def test_repair_drops_dead_pids_and_keeps_live_ones(tmp_path):
    live, dead = os.getpid(), _dead_pid()
    (tmp_path / HANDLE_PIDS_FILE).write_text(json.dumps([dead, live, "x", -1]))
    assert repair_handle_pids(tmp_path) == [live]
    assert json.loads((tmp_path / HANDLE_PIDS_FILE).read_text()) == [live]


def test_repair_leaves_a_missing_pid_file_missing(tmp_path):
    assert repair_handle_pids(tmp_path) == []
    assert not (tmp_path / HANDLE_PIDS_FILE).exists()


def test_socket_directory_in_the_url_becomes_the_host():
    config = database_config("postgresql://postgres:@/inocenti?host=/srv/app/.pgdata")
    assert config["HOST"] == "/srv/app/.pgdata"
    assert "host" not in config["OPTIONS"]
    assert config["NAME"] == "inocenti"


def test_network_url_keeps_host_port_and_options():
    config = database_config("postgres://app:secret@db.example.org:5433/inocenti?sslmode=require")
    assert (config["HOST"], config["PORT"], config["USER"]) == ("db.example.org", 5433, "app")
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_without_pgserver_the_embedded_database_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pgserver", None)  # as on Python 3.13
    with pytest.raises(EmbeddedDatabaseUnavailable, match="set DATABASE_URL"):
        start_embedded(tmp_path / "pgdata")


def test_manage_py_explains_in_one_sentence_when_there_is_no_database():
    code = (
        "import runpy, sys; sys.modules['pgserver'] = None; "
        "sys.argv = ['manage.py', 'check']; runpy.run_path('manage.py', run_name='__main__')"
    )
    result = run_python("-c", code, DEBUG="true")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: No database: set DATABASE_URL to a PostgreSQL server (for example "
        "postgres://user:password@host:5432/inocenti), or run `make install` on Python 3.11 "
        "or 3.12 to get the embedded PostgreSQL (pgserver)."
    ]


def test_with_database_url_set_pgserver_is_never_imported():
    code = (
        "import sys, django; django.setup(); "
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['HOST'], 'pgserver' in sys.modules)"
    )
    result = run_python(
        "-c",
        code,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="inocenti.settings",
        DATABASE_URL="postgres://app:secret@db.example.org:5432/inocenti",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db.example.org", "False"]
