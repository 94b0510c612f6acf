"""Where the project's PostgreSQL comes from.

With ``DATABASE_URL`` set, that server is used and pgserver is never imported.
Without it (development and tests), an embedded PostgreSQL from the pgserver
package runs with its data in ``.pgdata/`` and is reached over a Unix socket.

pgserver 0.1.4 counts its clients in ``.pgdata/.handle_pids.json`` and stops
postgres when the last one exits normally. A client killed with SIGKILL can
leave that file empty (every later start then fails with a JSONDecodeError) or
holding dead PIDs (postgres then never stops), so the file is repaired before
each start. The resolved URL is put into the environment so that runserver's
autoreloader and any subprocess connect directly instead of registering again.

Run ``python -m inocenti.database stop`` (``make db-stop``) to stop a server
left running.

``EMBEDDED_DATABASE_NAME`` picks another database on the same embedded server
(``make bench`` uses ``inocenti_bench``, so that the benchmark's millions of rows
stay out of the demo); ``python -m inocenti.database drop NAME`` drops one of
those (never the project's own).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "inocenti"
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
HANDLE_PIDS_FILE = ".handle_pids.json"
# pgserver runs postgres as this system user when started by root, and pg_ctl
# refuses to run as root.
PGSERVER_SYSTEM_USER = "pgserver"

UNAVAILABLE_MESSAGE = (
    "No database: set DATABASE_URL to a PostgreSQL server "
    "(for example postgres://user:password@host:5432/inocenti), or run `make install` "
    "on Python 3.11 or 3.12 to get the embedded PostgreSQL (pgserver)."
)


class EmbeddedDatabaseUnavailable(ImproperlyConfigured):
    """The embedded PostgreSQL cannot be used; the message says what to do."""


def database_config(url: str) -> dict[str, Any]:
    """Django DATABASES entry for a URL, with a socket directory as HOST.

    django-environ leaves ``?host=/socket/dir`` in OPTIONS, where Django's own
    connection works but ``dbshell`` ignores it, so it is moved to HOST.
    """
    import environ

    config = environ.Env.db_url_config(url)
    options = config.setdefault("OPTIONS", {})
    if not config.get("HOST") and "host" in options:
        config["HOST"] = options.pop("host")
    return config


def _pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def repair_handle_pids(pgdata: Path) -> list[int]:
    """Rewrite pgserver's client list keeping only live PIDs; return them.

    A missing file is left missing; an empty or unreadable one counts as no
    clients.
    """
    path = pgdata / HANDLE_PIDS_FILE
    if not path.exists():
        return []
    try:
        recorded = json.loads(path.read_text() or "[]")
    except (json.JSONDecodeError, UnicodeDecodeError):
        recorded = []
    if not isinstance(recorded, list):
        recorded = []
    live = [
        pid
        for pid in recorded
        if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 and _pid_is_alive(pid)
    ]
    path.write_text(json.dumps(live))
    return live


def _import_pgserver():
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, root).
            warnings.simplefilter("ignore")
            import pgserver
            from pgserver.postgres_server import PostgresServer
    except ImportError as exc:
        raise EmbeddedDatabaseUnavailable(UNAVAILABLE_MESSAGE) from exc
    return pgserver, PostgresServer


def embedded_database_name(environ=os.environ) -> str:
    """The database to use on the embedded server: ``EMBEDDED_DATABASE_NAME`` or
    the project's."""
    name = environ.get("EMBEDDED_DATABASE_NAME") or DATABASE_NAME
    if not _PLAIN_NAME.fullmatch(name):
        raise ImproperlyConfigured(
            f"EMBEDDED_DATABASE_NAME={name!r}: use lowercase letters, digits and _."
        )
    return name


def start_embedded(pgdata: Path, name: str = DATABASE_NAME) -> str:
    """Start (or reuse) the embedded server and return the URL of its database
    ``name`` (created if missing)."""
    server = _start_server(pgdata)
    try:
        _create_database(server.get_uri("postgres"), name)
    except (OSError, ValueError) as exc:
        raise EmbeddedDatabaseUnavailable(f"Could not create the database {name}: {exc}") from exc
    return server.get_uri(name)


def _start_server(pgdata: Path):
    pgserver, postgres_server = _import_pgserver()
    pgdata.mkdir(exist_ok=True)
    try:
        # pgserver's own inter-process lock, so that no other client registers
        # between the repair and the read.
        with postgres_server._lock:
            repair_handle_pids(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        # Started: the project's database exists from the first start on.
        _create_database(server.get_uri("postgres"), DATABASE_NAME)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise EmbeddedDatabaseUnavailable(
            f"The embedded PostgreSQL in {pgdata} did not start ({exc}); read {pgdata / 'log'}, "
            "run `make db-stop` and try again, or set DATABASE_URL."
        ) from exc
    return server


def _create_database(maintenance_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_embedded(pgdata: Path, name: str) -> bool:
    """Drop the database ``name`` of the embedded server (never the project's own);
    return whether it existed."""
    import psycopg
    from psycopg import sql

    if name in (DATABASE_NAME, "postgres", "template0", "template1") or not _PLAIN_NAME.fullmatch(
        name
    ):
        raise EmbeddedDatabaseUnavailable(f"Refusing to drop the database {name!r}.")
    server = _start_server(pgdata)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    return bool(exists)


def _pg_ctl(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    pgserver, _ = _import_pgserver()
    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    user = PGSERVER_SYSTEM_USER if os.geteuid() == 0 else None
    return subprocess.run(  # noqa: S603 - fixed executable, arguments built here
        [str(pg_ctl), "-D", str(pgdata), *args],
        user=user,
        capture_output=True,
        text=True,
        check=False,
    )


def is_running(pgdata: Path) -> bool:
    """Whether a postgres server runs on the data directory ``pgdata``."""
    if not (pgdata / "PG_VERSION").exists():
        return False
    # pg_ctl status exits 3 when no server runs on this data directory.
    return _pg_ctl(pgdata, "status").returncode != 3


def stop_embedded(pgdata: Path) -> bool:
    """Stop a server left running in ``pgdata``; return whether one was running."""
    if not is_running(pgdata):
        running = False
    else:
        result = _pg_ctl(pgdata, "-m", "fast", "-w", "stop")
        if result.returncode != 0:
            raise EmbeddedDatabaseUnavailable(
                f"pg_ctl could not stop the server in {pgdata}: {result.stderr.strip()}"
            )
        running = True
    handle_pids = pgdata / HANDLE_PIDS_FILE
    if handle_pids.exists():
        handle_pids.write_text("[]")
    # pgserver caches one handle per data directory in this process; a stale one
    # would make the next start here return a handle to the stopped server.
    _, postgres_server = _import_pgserver()
    postgres_server._instances.pop(pgdata.resolve(), None)
    return running


def _main(argv: list[str]) -> int:
    pgdata = Path(__file__).resolve().parent.parent / ".pgdata"
    if argv != ["stop"] and not (len(argv) == 2 and argv[0] == "drop"):
        print("usage: python -m inocenti.database stop | drop NAME", file=sys.stderr)
        return 2
    try:
        if argv[0] == "drop":
            dropped = drop_embedded(pgdata, argv[1])
            print(f"Database {argv[1]} dropped." if dropped else f"No database {argv[1]}.")
            return 0
        stopped = stop_embedded(pgdata)
    except EmbeddedDatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("Embedded PostgreSQL stopped." if stopped else "No embedded PostgreSQL was running.")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
