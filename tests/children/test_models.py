"""A child's record: database invariants, Romanian spelling, diacritics-blind search."""

import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from children.cnp import build_cnp, control_digit
from children.models import Child
from tests.assertions import refused
from tests.factories import ChildFactory, FamilyFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_cnp_is_unique_when_present():
    first = ChildFactory(with_cnp=True)
    with refused("child_cnp_unique"), transaction.atomic():
        ChildFactory(cnp=first.cnp)


def test_many_children_may_have_no_cnp():
    ChildFactory.create_batch(3, cnp=None)
    assert Child.objects.filter(cnp__isnull=True).count() == 3


def test_database_refuses_a_cnp_that_is_not_thirteen_digits():
    with refused("child_cnp_thirteen_digits"), transaction.atomic():
        ChildFactory(cnp="12345")


def test_full_clean_refuses_an_invalid_cnp():
    child = ChildFactory.build(site=SiteFactory(), cnp="1234567890123")
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "cnp" in raised.value.message_dict


def test_full_clean_stores_an_empty_cnp_as_null_not_blank():
    # Two children without a CNP must not collide on the unique key.
    child = ChildFactory(cnp=None)
    assert child.cnp is None


def test_grade_is_between_preparatory_and_twelfth():
    with refused("child_grade_in_range"), transaction.atomic():
        ChildFactory(grade=13)


def test_child_has_a_partner_school_or_another_school_name_not_both():
    site = SiteFactory()
    with refused("child_one_school"), transaction.atomic():
        ChildFactory(school_site=site, school_name="Școala Gimnazială nr. 2 București")


def test_family_must_be_followed_by_the_childs_site():
    child = ChildFactory(family=FamilyFactory(site=SiteFactory(name="Altă locație")))
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "family" in raised.value.message_dict


def test_names_cannot_be_blank():
    with refused("child_names_not_blank"), transaction.atomic():
        ChildFactory(given_names="")


def test_cedilla_letters_are_stored_with_comma_below():
    child = ChildFactory(given_names="Ştefan", family_name="Ţurcanu")
    child.refresh_from_db()
    assert (child.given_names, child.family_name) == ("Ștefan", "Țurcanu")


def test_bulk_inserts_normalise_cedillas_too():
    site = SiteFactory()
    Child.objects.bulk_create(
        [Child(site=site, given_names="Şerban", family_name="Lăcătuş", sex="M")]
    )
    assert Child.objects.get().full_name == "Șerban Lăcătuș"


def test_names_keep_their_diacritics_and_lose_stray_spaces():
    child = ChildFactory(given_names="  Ana-Maria   Ioana ", family_name="Căldăraru")
    child.refresh_from_db()
    assert child.given_names == "Ana-Maria Ioana"


@pytest.mark.parametrize(
    "query", ["stefan", "ȘTEFAN", "Ştefan", "lacatus", "LĂCĂTUȘ", "stefan lacatus", "tef"]
)
def test_search_ignores_diacritics_and_case(query):
    stefan = ChildFactory(given_names="Ștefan", family_name="Lăcătuș")
    ChildFactory(given_names="Maria", family_name="Pop")
    assert list(Child.objects.search(query)) == [stefan]


def test_search_treats_like_wildcards_as_letters():
    ChildFactory(given_names="Maria", family_name="Pop")
    assert not Child.objects.search("%").exists()
    assert not Child.objects.search("_").exists()


def test_children_for_user_are_those_of_their_sites(make_user, site_a, site_b):
    mine = ChildFactory(site=site_a)
    ChildFactory(site=site_b)
    assert list(Child.objects.for_user(make_user())) == [mine]


def test_birth_date_must_match_the_cnp():
    child = ChildFactory(with_cnp=True)
    child.birth_date = child.birth_date + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "birth_date" in raised.value.message_dict


def test_sex_must_match_the_cnp():
    child = ChildFactory(with_cnp=True, sex="M")
    child.sex = "F"
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "sex" in raised.value.message_dict


def test_a_missing_birth_date_is_read_from_the_cnp():
    child = ChildFactory(with_cnp=True, birth_date=datetime.date(2013, 2, 28))
    child.birth_date = None
    child.full_clean()
    assert child.birth_date == datetime.date(2013, 2, 28)


def test_a_cnp_born_in_the_future_is_refused():
    child = ChildFactory.build(
        site=SiteFactory(),
        cnp=build_cnp(sex="M", birth_date=datetime.date(2030, 1, 1), county_code="42", serial=1),
        birth_date=None,
    )
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "cnp" in raised.value.message_dict


def test_a_foreign_residents_cnp_records_the_sex_too():
    code = build_cnp(sex="F", birth_date=datetime.date(2014, 5, 5), county_code="40", serial=3)
    child = ChildFactory.build(site=SiteFactory(), cnp="8" + code[1:12], sex="M")
    child.cnp = child.cnp + str(control_digit(child.cnp))
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "sex" in raised.value.message_dict


def test_search_matches_decomposed_diacritics():
    stefan = ChildFactory(given_names="Ștefan")
    decomposed = unicodedata.normalize("NFD", "Ștefan")
    assert list(Child.objects.search(decomposed)) == [stefan]
