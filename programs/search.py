"""Diacritics- and case-insensitive search, done by the database.

The SQL function ``inocenti_fold`` (created by migration ``programs.0003``)
lowers a text and strips the accents of Romanian and neighbouring Latin
alphabets, so "stefan" finds "Ștefan" and "lacatus" finds
"Lăcătuș". PostgreSQL's ``unaccent`` extension would do the same, but it is a
contrib module that the embedded development server (pgserver) does not ship;
a translate() function is immutable, works everywhere, and can be indexed.

Two lookups are registered on every CharField and TextField:
``name__fold_contains="stefan"`` and ``name__fold_exact="stefan"``; the admin's
``search_fields`` accept them too (``search_fields = ["family_name__fold_contains"]``).
"""

import unicodedata

from django.db import models
from django.db.models import Lookup

# Letters of Romanian, Hungarian, German and the neighbouring Latin alphabets.
ACCENTED = (
    "ăâîșşțţáàäãåçćčďđéèêëěęğíìïıłńňñóòôöõőřśšťúùûüůűýÿźżž"
    "ĂÂÎȘŞȚŢÁÀÄÃÅÇĆČĎĐÉÈÊËĚĘĞÍÌÏİŁŃŇÑÓÒÔÖÕŐŘŚŠŤÚÙÛÜŮŰÝŸŹŻŽ"
)
_NO_DECOMPOSITION = {"đ": "d", "Đ": "D", "ı": "i", "ł": "l", "Ł": "L"}
PLAIN = "".join(
    _NO_DECOMPOSITION.get(letter) or unicodedata.normalize("NFD", letter)[0] for letter in ACCENTED
)

_FOLD_TABLE = str.maketrans(ACCENTED, PLAIN)


def fold(value: str) -> str:
    """What ``inocenti_fold`` does, in Python (for tests and for in-memory matching).

    Text is composed first (NFC), as the names are stored: a pasted "Ș" made
    of "S" and a combining comma must match too.
    """
    return unicodedata.normalize("NFC", value).translate(_FOLD_TABLE).lower()


class _FoldLookup(Lookup):
    """``inocenti_fold(column) <operator> %s``, the search term folded in Python."""

    operator: str

    def get_db_prep_lookup(self, value, connection):
        return "%s", [self.prepare_search_term(value)]

    def prepare_search_term(self, value) -> str:
        return fold(str(value))

    def as_sql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            # Folding another column would need SQL on both sides; no caller needs it.
            raise TypeError(f"{self.lookup_name} compares a column with a text value only.")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"inocenti_fold({lhs}) {self.operator} {rhs}", [*lhs_params, *rhs_params]


class FoldContains(_FoldLookup):
    lookup_name = "fold_contains"
    operator = "LIKE"

    def prepare_search_term(self, value) -> str:
        escaped = fold(str(value)).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


class FoldExact(_FoldLookup):
    lookup_name = "fold_exact"
    operator = "="


def register_lookups() -> None:
    for field in (models.CharField, models.TextField):
        field.register_lookup(FoldContains)
        field.register_lookup(FoldExact)
