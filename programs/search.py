"""Diacritics- and case-insensitive search, done by the database.

``Fold`` calls the SQL function ``inocenti_fold`` (created by migration
``programs.0002``), which lowers a text and strips the accents of Romanian and
neighbouring Latin alphabets, so "stefan" finds "Ștefan" and "lacatus" finds
"Lăcătuș". PostgreSQL's ``unaccent`` extension would do the same, but it is a
contrib module that the embedded development server (pgserver) does not ship;
a translate() function is immutable, works everywhere, and can be indexed.

Two lookups are registered on every CharField and TextField:
``name__fold_contains="stefan"`` and ``name__fold_exact="stefan"``; the admin's
``search_fields`` accept them too (``search_fields = ["family_name__fold_contains"]``).
"""

import unicodedata

from django.db import models
from django.db.models import Func, Lookup

# Letters of Romanian, Hungarian, German and the neighbouring Latin alphabets.
ACCENTED = (
    "ăâîșşțţáàäãåçćčďđéèêëěęğíìïıłńňñóòôöõőřśšťúùûüůűýÿźżž"
    "ĂÂÎȘŞȚŢÁÀÄÃÅÇĆČĎĐÉÈÊËĚĘĞÍÌÏİŁŃŇÑÓÒÔÖÕŐŘŚŠŤÚÙÛÜŮŰÝŸŹŻŽ"
)
_NO_DECOMPOSITION = {"đ": "d", "Đ": "D", "ı": "i", "ł": "l", "Ł": "L"}
PLAIN = "".join(
    _NO_DECOMPOSITION.get(letter) or unicodedata.normalize("NFD", letter)[0] for letter in ACCENTED
)

FOLD_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION inocenti_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(value, '{ACCENTED}', '{PLAIN}')) $$;
"""
DROP_FOLD_FUNCTION_SQL = "DROP FUNCTION IF EXISTS inocenti_fold(text);"


def fold(value: str) -> str:
    """What ``inocenti_fold`` does, in Python (for tests and for in-memory matching).

    Text is composed first (NFC), as the names are stored: a pasted "Ș" made
    of "S" and a combining comma must match too.
    """
    return unicodedata.normalize("NFC", value).translate(str.maketrans(ACCENTED, PLAIN)).lower()


class Fold(Func):
    function = "inocenti_fold"
    output_field = models.TextField()


class _FoldLookup(Lookup):
    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super().process_lhs(compiler, connection, lhs)
        return f"inocenti_fold({sql})", params

    def get_db_prep_lookup(self, value, connection):
        return "%s", [self.prepare_search_term(value)]

    def prepare_search_term(self, value) -> str:
        return fold(str(value))


class FoldContains(_FoldLookup):
    lookup_name = "fold_contains"

    def prepare_search_term(self, value) -> str:
        escaped = fold(str(value)).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class FoldExact(_FoldLookup):
    lookup_name = "fold_exact"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = {rhs}", [*lhs_params, *rhs_params]


def register_lookups() -> None:
    for field in (models.CharField, models.TextField):
        field.register_lookup(FoldContains)
        field.register_lookup(FoldExact)
