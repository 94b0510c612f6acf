"""The database's fold function and its Python twin agree."""

import pytest
from django.db import connection
from django.db.models import F

from children.models import Child
from programs.search import ACCENTED, fold
from tests.factories import ChildFactory


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Ștefan Lăcătuș", "ŢĂRANU Şerban", "Őrsi Zoltán", ACCENTED])
def test_sql_fold_matches_python_fold(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT inocenti_fold(%s)", [text])
        assert cursor.fetchone()[0] == fold(text)


def test_fold_leaves_only_plain_lowercase_letters():
    assert fold(ACCENTED).isascii()
    assert fold("ȘTEFAN") == "stefan"


@pytest.mark.django_db
def test_a_fold_lookup_against_another_column_is_refused_not_silently_wrong():
    with pytest.raises(TypeError):
        list(Child.objects.filter(given_names__fold_exact=F("family_name")))


@pytest.mark.django_db
def test_fold_exact_ignores_case_and_diacritics():
    stefan = ChildFactory(given_names="Ștefan")
    assert list(Child.objects.filter(given_names__fold_exact="STEFAN")) == [stefan]
    assert not Child.objects.filter(given_names__fold_exact="stef").exists()
