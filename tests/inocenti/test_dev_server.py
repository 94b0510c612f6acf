"""`make run`'s promise: Ctrl-C stops the development server and the embedded
PostgreSQL it started. Run in a copy of the project, so that its database is
its own and not the one this test session uses."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from inocenti.database import is_running, stop_embedded
from tests.subprocesses import child_env, copy_project, run_python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                return response.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def test_ctrl_c_stops_the_server_and_the_embedded_database(outside_tmp_path):
    project = copy_project(outside_tmp_path / "project")
    env = child_env(DEBUG="true")
    migrate = run_python("manage.py", "migrate", "--no-input", "-v0", cwd=project, DEBUG="true")
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a process group of its own, like a terminal's job
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/health/", seconds=60) == 200
        assert is_running(project / ".pgdata")
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C sends
        server.wait(timeout=30)
        stopped_cleanly = not is_running(project / ".pgdata")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        stop_embedded(project / ".pgdata")  # leave no postgres behind, whatever happened
    assert stopped_cleanly
