"""The family page in the admin."""

import pytest
from django.urls import reverse

from programs.models import Role
from tests.assertions import queries_to_get
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory

pytestmark = pytest.mark.django_db


def test_family_page_query_count_does_not_grow_with_guardians_or_children(
    client, make_user, site_a
):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    family = FamilyFactory(site=site_a)
    GuardianFactory(family=family)
    url = reverse("admin:families_family_change", args=[family.pk])

    queries_to_get(client, url)  # warms per-process caches (content types)
    one = queries_to_get(client, url)
    GuardianFactory.create_batch(4, family=family, relationship="grandparent")
    ChildFactory.create_batch(4, site=site_a, family=family)
    assert queries_to_get(client, url) == one


@pytest.fixture
def coordinator_client(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a, site_b]))
    return client


def _family_form(family, **extra):
    data = {"name": family.name, "household_size": "4"}
    data |= {"guardians-TOTAL_FORMS": "0", "guardians-INITIAL_FORMS": "0"}
    return data | extra


def test_two_primary_contacts_in_one_family_form_are_a_form_error(coordinator_client, site_a):
    family = FamilyFactory(site=site_a)
    data = _family_form(family, **{"guardians-TOTAL_FORMS": "2"})
    for n, relationship in enumerate(["mother", "father"]):
        data |= {
            f"guardians-{n}-given_names": "Maria",
            f"guardians-{n}-family_name": "Pop",
            f"guardians-{n}-relationship": relationship,
            f"guardians-{n}-is_primary_contact": "on",
        }
    url = reverse("admin:families_family_change", args=[family.pk])
    assert coordinator_client.post(url, data).status_code == 200
    assert not family.guardians.exists()


def test_a_family_keeps_its_site(coordinator_client, site_a, site_b):
    family = FamilyFactory(site=site_a)
    url = reverse("admin:families_family_change", args=[family.pk])
    coordinator_client.post(url, _family_form(family, site=site_b.pk))
    family.refresh_from_db()
    assert family.site == site_a


def test_a_guardian_keeps_their_family(coordinator_client, site_a):
    guardian = GuardianFactory(family=FamilyFactory(site=site_a))
    other = FamilyFactory(site=site_a)
    url = reverse("admin:families_guardian_change", args=[guardian.pk])
    data = {"given_names": "Maria", "family_name": "Pop", "relationship": "mother"}
    coordinator_client.post(url, data | {"family": other.pk})
    guardian.refresh_from_db()
    assert guardian.family != other


def test_the_family_page_lists_its_children(client, make_user, site_a):
    family = FamilyFactory(site=site_a)
    ChildFactory(site=site_a, family=family, given_names="Rebeca")
    ChildFactory(site=site_a, family=family, given_names="Romario")
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    html = client.get(reverse("admin:families_family_change", args=[family.pk])).content.decode()
    assert "Rebeca" in html and "Romario" in html
