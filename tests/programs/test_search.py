"""The database's fold function and its Python twin agree."""

import pytest
from django.db import connection

from programs.search import ACCENTED, fold


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Ștefan Lăcătuș", "ŢĂRANU Şerban", "Őrsi Zoltán", ACCENTED])
def test_sql_fold_matches_python_fold(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT inocenti_fold(%s)", [text])
        assert cursor.fetchone()[0] == fold(text)


def test_fold_leaves_only_plain_lowercase_letters():
    assert fold(ACCENTED).isascii()
    assert fold("ȘTEFAN") == "stefan"
