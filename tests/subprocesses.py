"""Running the project's own commands in a child process from a test."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# What the test process itself put in its environment and a child must not inherit.
_NOT_INHERITED = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def child_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env["ENV_FILE"] = ""  # a developer's .env must not change what the test sees
    env.update(overrides)
    return env


def run_python(*args: str, cwd=None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd or settings.BASE_DIR,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_project(destination: Path) -> Path:
    """A copy of the source tree, without the virtualenv, database or build output."""
    shutil.copytree(
        settings.BASE_DIR,
        destination,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".pgdata",
            "backups",
            "staticfiles",
            "node_modules",
            "__pycache__",
            "*.mo",
        ),
    )
    return destination
