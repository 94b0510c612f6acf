"""The family page in the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Role
from tests.factories import FamilyFactory, GuardianFactory

pytestmark = pytest.mark.django_db


def test_family_page_query_count_does_not_grow_with_guardians(client, make_user, site_a):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    family = FamilyFactory(site=site_a)
    GuardianFactory(family=family)
    url = reverse("admin:families_family_change", args=[family.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # warms per-process caches (content types)
    one = queries()
    GuardianFactory.create_batch(4, family=family, relationship="grandparent")
    assert queries() == one
