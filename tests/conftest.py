import shutil
import tempfile
from pathlib import Path

import pytest

from programs.models import Role
from tests.factories import SiteFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    """Mark the browser journeys and run them last: once Playwright has started, the
    test thread counts as async and Django's ORM refuses to run there."""
    browser = [item for item in items if "tests/browser/" in item.nodeid]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser] + browser


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counts kept in the cache (the dashboards' risk levels) never outlive a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site_a(db):
    return SiteFactory(name="Școala Gimnazială nr. 31")


@pytest.fixture
def site_b(db):
    return SiteFactory(name="Centrul de zi „Micii Inocenți”")


@pytest.fixture
def make_user(db, site_a):
    """``make_user(Role.X)`` — a user of that role at site A unless told otherwise."""

    def make(role=Role.SOCIAL_WORKER, **kwargs):
        kwargs.setdefault("sites", [site_a])
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def outside_tmp_path():
    """A temporary folder directly under the system temp dir, for an embedded
    PostgreSQL. Under root, postgres runs as the `pgserver` user and must traverse
    every parent folder; pytest's own tmp_path root is reset to mode 0700 by any
    other pytest session that starts meanwhile."""
    path = Path(tempfile.mkdtemp(prefix="inocenti-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
