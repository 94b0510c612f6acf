"""Households and guardians: invariants in the database."""

import pytest
from django.db import transaction

from families.models import Guardian
from tests.assertions import refused
from tests.factories import FamilyFactory, GuardianFactory

pytestmark = pytest.mark.django_db


def test_family_has_one_primary_contact_at_most():
    family = FamilyFactory()
    GuardianFactory(family=family, is_primary_contact=True)
    with refused("guardian_one_primary_contact_per_family"), transaction.atomic():
        GuardianFactory(family=family, relationship="father", is_primary_contact=True)


def test_household_size_is_at_least_one():
    with refused("family_household_size_positive"), transaction.atomic():
        FamilyFactory(household_size=0)


def test_risk_factors_must_be_known():
    with refused("family_risk_factors_valid"), transaction.atomic():
        FamilyFactory(risk_factors=["poverty", "bad_luck"])


def test_guardian_relationship_must_be_known():
    with refused("guardian_relationship_valid"), transaction.atomic():
        GuardianFactory(relationship="neighbour")


def test_guardians_for_user_follow_their_familys_site(make_user, site_a, site_b):
    mine = GuardianFactory(family=FamilyFactory(site=site_a))
    GuardianFactory(family=FamilyFactory(site=site_b))
    assert list(Guardian.objects.for_user(make_user())) == [mine]


def test_guardian_search_ignores_diacritics():
    mother = GuardianFactory(given_names="Ionela", family_name="Ștefănescu")
    assert list(Guardian.objects.filter(family_name__fold_contains="stefanescu")) == [mother]
