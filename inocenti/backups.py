"""Backups of the database with PostgreSQL's own tools, pg_dump and pg_restore.

A dump holds every child's data, so it is written with mode 0600 under a
temporary name and renamed only once complete: a half-written or world-readable
file never carries a backup's name. Connection parameters (the password above
all) reach the tools through libpq's environment variables, never their command
line, which other local users can read in ``ps``.

The tools must be at least as new as the server: pg_dump refuses a newer server.
The development server is pgserver's PostgreSQL 16 while Debian 12 puts pg_dump
15 on PATH, so pgserver's bundled tools come first when it is installed;
``PG_BIN_DIR`` overrides both (production: the server's major version).
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

DUMP_PREFIX = "inocenti-"
DUMP_SUFFIX = ".dump"
DUMP_MODE = 0o600
DIRECTORY_MODE = 0o700
PG_DUMP_OPTIONS = ("--format=custom", "--compress=9", "--no-owner", "--no-privileges")
PG_RESTORE_OPTIONS = ("--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction")

VERSION_MISMATCH_HINT = (
    "\npg_dump must be the server's major version or newer: set PG_BIN_DIR to the folder "
    "of those tools (e.g. /usr/lib/postgresql/16/bin)."
)

# libpq connection keywords and the environment variable libpq reads each from.
# Django-only OPTIONS (pool, isolation_level, server_side_binding, ...) have none
# and are left out.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}

# pg_restore's DETAIL and CONTEXT lines can quote rows ("COPY children_child,
# line 3: ..."); its other lines name objects, not values.
_ROW_DATA_LINE = re.compile(r"\s*(?:pg_restore: )?(?:DETAIL|CONTEXT):")


class BackupError(Exception):
    """A backup or restore could not be done; the message says why (no row data)."""


def connection_params(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq keywords for a Django DATABASES entry, empty values left out."""
    params = {
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "dbname": settings_dict.get("NAME"),
    }
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENVIRONMENT and key not in params:
            params[key] = value
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def tool_environment(params: dict[str, str]) -> dict[str, str]:
    """The process environment for pg_dump or pg_restore connecting with ``params``.

    Inherited PG* variables stay (the site's own connections see them too); the
    ones given here win.
    """
    env = dict(os.environ)
    env.update({LIBPQ_ENVIRONMENT[key]: value for key, value in params.items()})
    return env


def pg_executable(name: str, bin_dir: str = "") -> str:
    """The path of PostgreSQL's ``name`` tool: in ``bin_dir`` if given, else
    pgserver's bundled one if pgserver is installed, else the one on PATH."""
    if bin_dir:
        candidate = Path(bin_dir) / name
        if not os.access(candidate, os.X_OK):
            raise BackupError(f"PG_BIN_DIR is {bin_dir!r}, but it holds no executable {name}.")
        return str(candidate)
    # find_spec locates the package without importing it (and starting nothing).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "pginstall" / "bin" / name
            if os.access(candidate, os.X_OK):
                return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client tools (the server's major "
            "version or newer) or set PG_BIN_DIR to the folder holding them."
        )
    return found


def dump_name(now: datetime.datetime) -> str:
    """``inocenti-YYYYMMDD-HHMMSS.dump``, in UTC so that names sort by time across
    daylight-saving changes."""
    return f"{DUMP_PREFIX}{now.astimezone(datetime.UTC):%Y%m%d-%H%M%S}{DUMP_SUFFIX}"


def backup_write(
    *, settings_dict: dict[str, Any], output_dir: Path, bin_dir: str = "", now: datetime.datetime
) -> Path:
    """Dump the database of ``settings_dict`` into ``output_dir``; return the file."""
    pg_dump = pg_executable("pg_dump", bin_dir)
    params = connection_params(settings_dict)
    output_dir.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    final = output_dir / dump_name(now)
    if final.exists():
        raise BackupError(f"{final} exists already; wait a second and run the backup again.")
    temporary = output_dir / f".{final.name}.{os.getpid()}.tmp"
    # Created 0600 before a byte is written; pg_dump writes into this descriptor
    # (a regular file, so it can still seek back to fill in the table of contents).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DUMP_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            result = subprocess.run(  # noqa: S603 - fixed executable and options
                [pg_dump, *PG_DUMP_OPTIONS, _dbname_argument(params)],
                stdout=out,
                stderr=subprocess.PIPE,
                env=tool_environment(params),
                check=False,
            )
            if result.returncode != 0:
                stderr = result.stderr.decode(errors="replace").strip()
                raise BackupError(
                    f"pg_dump failed (exit code {result.returncode}):\n{stderr}"
                    + (VERSION_MISMATCH_HINT if "version mismatch" in stderr else "")
                )
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, final)
        _fsync_directory(output_dir)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return final


def database_is_empty(params: dict[str, str]) -> bool:
    """Whether schema public holds no table, view or sequence."""
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
            ).fetchone()
    except psycopg.OperationalError as exc:
        raise BackupError(f"Could not connect to the database: {exc}".strip()) from None
    return row is not None and row[0] == 0


def backup_restore(*, settings_dict: dict[str, Any], dump: Path, bin_dir: str = "") -> None:
    """Restore ``dump`` into the database of ``settings_dict``, which must be empty."""
    if not dump.is_file():
        raise BackupError(f"No backup file at {dump}.")
    pg_restore = pg_executable("pg_restore", bin_dir)
    params = connection_params(settings_dict)
    name = params.get("dbname", "")
    if not database_is_empty(params):
        raise BackupError(
            f"The database {name!r} is not empty (schema public has tables); a backup is "
            "restored only into an empty database, so that nothing is overwritten or mixed. "
            "Create an empty database first (CREATE DATABASE ..., or move .pgdata/ aside for "
            "the embedded one) and restore into it."
        )
    result = subprocess.run(  # noqa: S603 - fixed executable and options
        [pg_restore, *PG_RESTORE_OPTIONS, f"--dbname={_dbname_argument(params)}", str(dump)],
        capture_output=True,
        env=tool_environment(params),
        check=False,
    )
    if result.returncode != 0:
        stderr = _without_row_data(result.stderr.decode(errors="replace")).strip()
        raise BackupError(
            f"pg_restore failed (exit code {result.returncode}); nothing was restored "
            f"(one transaction):\n{stderr}"
        )


def _dbname_argument(params: dict[str, str]) -> str:
    """A conninfo string holding only the database name (or service): the one
    connection parameter on the command line, never read as a URL or a file name."""
    if "dbname" in params:
        return make_conninfo(dbname=params["dbname"])
    return make_conninfo(service=params.get("service", ""))


def _without_row_data(stderr: str) -> str:
    lines = stderr.splitlines()
    kept = [line for line in lines if not _ROW_DATA_LINE.match(line)]
    if len(kept) < len(lines):
        kept.append("(DETAIL and CONTEXT lines withheld: they can quote the rows' values)")
    return "\n".join(kept)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
