"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Playwright's own browser download cannot run here, so the system Chromium is
launched instead. Where it is missing, these tests skip, except under CI=true,
where a missing Chromium is a failure.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Once Playwright's sync API has started, the test thread counts as running an
    # event loop until the session ends, and Django refuses synchronous ORM calls
    # (test data, database set-up and tear-down) there. They are safe: nothing else
    # runs in that loop. The root conftest runs browser tests last for this reason.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs it with apt-get.")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_FLAGS,
    }
