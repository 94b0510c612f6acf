"""Importing children from the coordinators' spreadsheets (CSV or XLSX).

Two steps, so that nothing is written before a person has looked at it:

* ``preview_import`` reads and checks the file and answers an ``ImportPreview``:
  every row's cleaned values and its problems, the problems of the file as a
  whole, and what would be created. It writes nothing, and its number of
  queries does not grow with the number of rows.
* ``children_import`` reads the same bytes again (what came back from the
  browser is never trusted), refuses with ``ImportRefused`` if anything is
  wrong, and otherwise creates the families, guardians, children and
  enrollments in one transaction.

Every problem is an ``ImportIssue`` with the column it is about (the header
as written in the example file, ``docs/import/copii-exemplu.csv``), a ``code``
and a translated message. Messages never quote a CNP: they may be logged.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from children import cnp as cnp_codes
from children.models import Child, ChildStatus
from children.validators import validate_cnp
from families.models import Family, Guardian, Relationship
from programs.fields import normalise_romanian
from programs.models import County, Enrollment, Group, Program, SchoolYear, Site, User
from programs.search import fold

# The key of the PostgreSQL advisory lock that serialises imports.
IMPORT_LOCK = 7_370_001
# What Excel shows in a cell whose formula failed.
EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"}
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# Columns past this many are ignored: a stray formatted cell far to the right
# would otherwise make every row of an XLSX thousands of cells long.
MAX_COLUMNS = 100
# A 2 MB XLSX is a zip archive; one that unpacks to more than this is refused
# before openpyxl reads it (a "zip bomb" would exhaust the server's memory).
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
ZIP_SIGNATURE = b"PK\x03\x04"
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"


class Column(StrEnum):
    """The columns of the spreadsheet, named as in the header row of the example."""

    GIVEN_NAMES = "prenume"
    FAMILY_NAME = "nume"
    BIRTH_DATE = "data_nașterii"
    SEX = "sex"
    CNP = "cnp"
    GRADE = "clasa"
    SCHOOL = "școala"
    SPECIAL_NEEDS = "cerințe_educaționale_speciale"
    FAMILY = "familia"
    ADDRESS = "adresa"
    LOCALITY = "localitatea"
    COUNTY = "județul"
    HOUSEHOLD_SIZE = "mărimea_gospodăriei"
    GUARDIAN_GIVEN_NAMES = "părinte_prenume"
    GUARDIAN_FAMILY_NAME = "părinte_nume"
    GUARDIAN_RELATIONSHIP = "părinte_relația"
    GUARDIAN_PHONE = "părinte_telefon"
    GROUP = "grupa"
    ENROLLED_ON = "data_înscrierii"


REQUIRED_COLUMNS = (Column.GIVEN_NAMES, Column.FAMILY_NAME)
FAMILY_COLUMNS = (
    Column.FAMILY,
    Column.ADDRESS,
    Column.LOCALITY,
    Column.COUNTY,
    Column.HOUSEHOLD_SIZE,
)
GUARDIAN_COLUMNS = (
    Column.GUARDIAN_GIVEN_NAMES,
    Column.GUARDIAN_FAMILY_NAME,
    Column.GUARDIAN_RELATIONSHIP,
    Column.GUARDIAN_PHONE,
)
# Other spellings coordinators use for a header, already folded (see _header_key).
HEADER_ALIASES = {
    "data_de_nastere": Column.BIRTH_DATE,
    "judet": Column.COUNTY,
    "localitate": Column.LOCALITY,
    "ces": Column.SPECIAL_NEEDS,
    "grupa_de_lucru": Column.GROUP,
}

# The model field each column fills, so that the models' own checks (lengths,
# choices, ranges) report on the column the coordinator typed in.
CHILD_FIELDS = {
    "given_names": Column.GIVEN_NAMES,
    "family_name": Column.FAMILY_NAME,
    "birth_date": Column.BIRTH_DATE,
    "sex": Column.SEX,
    "grade": Column.GRADE,
    "school_name": Column.SCHOOL,
}
FAMILY_FIELDS = {
    "name": Column.FAMILY,
    "address": Column.ADDRESS,
    "locality": Column.LOCALITY,
    "county": Column.COUNTY,
    "household_size": Column.HOUSEHOLD_SIZE,
}
ENROLLMENT_FIELDS = {"group": Column.GROUP, "started_on": Column.ENROLLED_ON}
GUARDIAN_FIELDS = {
    "given_names": Column.GUARDIAN_GIVEN_NAMES,
    "family_name": Column.GUARDIAN_FAMILY_NAME,
    "relationship": Column.GUARDIAN_RELATIONSHIP,
    "phone": Column.GUARDIAN_PHONE,
}

MESSAGES: dict[str, Promise] = {
    # The file as a whole.
    "file_type": _("Upload the list as a CSV file (.csv) or an Excel workbook (.xlsx)."),
    "file_too_large": _("The file is larger than %(limit)s MB; split it into smaller files."),
    "file_encoding": _("The file is not in UTF-8. In Excel, save it as “CSV UTF-8”."),
    "file_unreadable": _("The file could not be read as a CSV or an Excel (.xlsx) file."),
    "merged_cells": _(
        "The sheet has merged cells (%(cells)s); unmerge them and fill in every row."
    ),
    "excel_error": _(
        "The cell holds an Excel error (such as #N/A) instead of a value; correct it."
    ),
    "file_empty": _("The file has no children to import."),
    "too_many_rows": _("The file has more than %(limit)s children; split it into smaller files."),
    "missing_columns": _(
        "Required columns are missing: %(columns)s. The first row must hold the column names."
    ),
    "duplicate_column": _("The column %(column)s appears twice."),
    "program_required": _(
        "The file has groups or enrollment dates: choose the program to enroll the children in."
    ),
    "program_not_at_site": _("This program does not run at this site."),
    "no_current_school_year": _(
        "No school year is marked as the current one, so the groups cannot be found."
    ),
    # One row.
    "required": _("This column is required."),
    "sex_required": _("Write the sex (M or F) or the CNP."),
    "date_format": _("Write the date as 15.03.2014 or 2014-03-15."),
    "date_invalid": _("This date does not exist in the calendar."),
    "date_in_future": _("The date of birth is in the future."),
    "sex_invalid": _("Write M or F (masculin or feminin)."),
    "cnp_mangled": _(
        "Excel turned this CNP into a number in scientific notation; format the column "
        "as Text and type the CNP again."
    ),
    "cnp_birth_date_mismatch": _("The date of birth does not match the CNP."),
    "cnp_sex_mismatch": _("The sex does not match the CNP."),
    "grade_invalid": _(
        "Write the grade as pregătitoare, a Roman numeral from I to XII or a number from 0 to 12."
    ),
    "yes_no_invalid": _("Write da or nu."),
    "county_invalid": _(
        "Unknown county; write its name or abbreviation (for example Ilfov or IF)."
    ),
    "household_size_invalid": _("Write the number of people in the household (1 or more)."),
    "relationship_invalid": _(
        "Write the relationship as mamă, tată, bunic, bunică, frate, soră or altul."
    ),
    "group_unknown": _("There is no group with this name at %(site)s in the current school year."),
    "enrolled_before_birth": _("The enrollment date is before the date of birth."),
    "enrolled_outside_school_year": _(
        "The enrollment date must fall within the current school year (%(year)s)."
    ),
    "duplicate_in_file": _("The same child as on row %(row)s."),
    "duplicate_in_database": _("This child is already in the database."),
    "family_conflict": _("Row %(row)s gives a different value for this family."),
    "guardian_conflict": _("Row %(row)s gives a different value for this guardian."),
    # While writing.
    "changed_meanwhile": _(
        "A child in this file was registered by someone else meanwhile; upload the file "
        "again to see which one."
    ),
}
REFUSED_MESSAGE = _("The file has errors; nothing was imported.")


@dataclass(frozen=True)
class ImportIssue:
    """One problem: of a column of a row, or of the whole file (``field`` None)."""

    code: str
    field: str | None = None
    template: Promise | str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def message(self) -> str:
        template = self.template if self.template is not None else MESSAGES[self.code]
        return str(template) % self.params if self.params else str(template)

    def __str__(self) -> str:
        return self.message


def _issue(code: str, column: str | None = None, **params: Any) -> ImportIssue:
    return ImportIssue(code=code, field=column, params=params)


class UnreadableFile(Exception):
    def __init__(self, issue: ImportIssue) -> None:
        self.issue = issue
        super().__init__(issue.code)


@dataclass
class ImportRow:
    """A child's row: what it would create, and what is wrong with it."""

    number: int  # as Excel numbers it, the header being row 1
    child: dict[str, Any] = dataclasses.field(default_factory=dict)
    family: dict[str, Any] | None = None
    guardian: dict[str, Any] | None = None
    group: Group | None = None
    started_on: datetime.date | None = None
    errors: list[ImportIssue] = dataclasses.field(default_factory=list)
    # The row whose family this row joins: shown, so that two households that
    # happen to share a name and a locality are noticed before confirming.
    family_first_row: int | None = None

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.child.get("given_names"), self.child.get("family_name")) if part
        )

    @property
    def name_key(self) -> str:
        # The same rule as headers and groups: "Ana - Maria" is "Ana-Maria".
        return _match_key(self.full_name)

    # Whether the row names its family, rather than taking "Familia <nume>".
    family_named: bool = False

    @property
    def family_key(self) -> tuple[str, ...] | None:
        if self.family is None:
            return None
        key = (_match_key(self.family["name"]), _match_key(self.family["locality"]))
        if not self.family_named and not self.family["locality"]:
            # Only a surname: too little to say two rows are one household.
            return (*key, str(self.number))
        return key

    @property
    def guardian_key(self) -> tuple[str, str] | None:
        if self.guardian is None:
            return None
        return (
            _match_key(self.guardian["given_names"]),
            _match_key(self.guardian["family_name"]),
        )

    def add(self, code: str, column: str | None, **params: Any) -> None:
        self.errors.append(_issue(code, column, **params))

    def has_error_in(self, column: str) -> bool:
        return any(error.field == column for error in self.errors)


@dataclass
class FamilyDraft:
    """A household to create: its first row's values, completed by later rows."""

    first_row: int
    values: dict[str, Any]
    guardians: dict[tuple[str, str], GuardianDraft] = dataclasses.field(default_factory=dict)


@dataclass
class GuardianDraft:
    first_row: int
    values: dict[str, Any]


@dataclass
class ImportPreview:
    site: Site
    program: Program | None
    rows: list[ImportRow] = dataclasses.field(default_factory=list)
    errors: list[ImportIssue] = dataclasses.field(default_factory=list)
    families: dict[tuple[str, str], FamilyDraft] = dataclasses.field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def rows_with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def children_count(self) -> int:
        return len(self.rows)

    @property
    def families_count(self) -> int:
        return len(self.families)

    @property
    def guardians_count(self) -> int:
        return sum(len(family.guardians) for family in self.families.values())

    @property
    def enrollments_count(self) -> int:
        return len(self.rows) if self.program is not None else 0


@dataclass(frozen=True)
class ImportResult:
    children: int
    families: int
    guardians: int
    enrollments: int


class ImportRefused(Exception):
    """The file has problems (``preview`` lists them); nothing was written."""

    def __init__(self, preview: ImportPreview) -> None:
        self.preview = preview
        super().__init__(str(REFUSED_MESSAGE))


# --- Reading the file ------------------------------------------------------

Cell = str | datetime.date


def check_upload(*, file_name: str, size: int) -> ImportIssue | None:
    """The problem with an upload that shows before reading it, if any."""
    if not file_name.lower().endswith(EXTENSIONS):
        return _issue("file_type")
    if size > MAX_FILE_BYTES:
        return _issue("file_too_large", limit=MAX_FILE_BYTES // (1024 * 1024))
    return None


def _cell(value: Any) -> Cell:
    """A spreadsheet value as text, except dates, which stay dates."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return "da" if value else "nu"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps every number as a float: a CNP or a grade is an integer.
        return str(int(value))
    return str(value).strip()


def _csv_cells(content: bytes) -> Iterator[list[Cell]]:
    try:
        # utf-8-sig drops the byte-order mark Excel writes at the start.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_issue("file_encoding")) from None
    if "\x00" in text:
        # No spreadsheet has NUL characters, and PostgreSQL refuses them in text.
        raise UnreadableFile(_issue("file_unreadable"))
    lines = text.lstrip("\r\n").split("\n", 1)
    if lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        # Excel's own hint, "sep=;", on the first line.
        delimiter = lines[0].strip()[4]
        text = lines[1] if len(lines) > 1 else ""
    else:
        # Romanian Excel separates with ";" (the comma is the decimal separator).
        delimiter = max((",", ";", "\t"), key=lines[0].count)
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [_cell(value) for value in values[:MAX_COLUMNS]]


def _xlsx_cells(content: bytes) -> Iterator[list[Cell]]:
    # Imported here: openpyxl takes a while to load and only this path needs it.
    import openpyxl

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED_BYTES:
            raise UnreadableFile(_issue("file_unreadable"))
    # Not read_only: merged cells are only known to a fully loaded sheet (2 MB at most).
    workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        if sheet.merged_cells.ranges:
            # A group or family merged over sibling rows reaches only the first row.
            raise UnreadableFile(
                _issue("merged_cells", cells=", ".join(map(str, sheet.merged_cells.ranges)))
            )
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_cell(value) for value in values]
    finally:
        workbook.close()


def _header_key(text: Cell) -> str:
    """ "Data nașterii", "data_nasterii", "DATA NAȘTERII" → "data_nasterii"."""
    return re.sub(r"[^a-z0-9]+", "_", fold(normalise_romanian(str(text)))).strip("_")


KNOWN_HEADERS = {_header_key(column.value): column for column in Column} | HEADER_ALIASES


@dataclass
class _Table:
    rows: list[tuple[int, dict[Column, Cell]]]
    errors: list[ImportIssue]


def _read_table(content: bytes, file_name: str) -> _Table:
    """The non-empty rows under the header, as {column: cell}, with their row numbers."""
    problem = check_upload(file_name=file_name, size=len(content))
    if problem:
        return _Table([], [problem])
    if content.startswith(OLD_EXCEL_SIGNATURE):
        return _Table([], [_issue("file_type")])  # an .xls renamed: Excel 97-2003
    # By content too: Excel saves a workbook wherever it is told, ".csv" included.
    is_xlsx = file_name.lower().endswith(".xlsx") or content.startswith(ZIP_SIGNATURE)
    cells = _xlsx_cells if is_xlsx else _csv_cells
    rows: list[tuple[int, dict[Column, Cell]]] = []
    columns: list[Column | None] | None = None
    try:
        for number, values in enumerate(cells(content), start=1):
            if not any(value != "" for value in values):
                continue  # empty rows are skipped, wherever they are
            if columns is None:
                columns, errors = _header(values)
                if errors:
                    return _Table([], errors)
                continue
            if len(rows) == MAX_ROWS:
                return _Table([], [_issue("too_many_rows", limit=MAX_ROWS)])
            row = {
                column: value
                for column, value in zip(columns, values, strict=False)
                if column is not None
            }
            rows.append((number, row))
    except UnreadableFile as unreadable:
        return _Table([], [unreadable.issue])
    except Exception:
        # A damaged file makes csv and openpyxl raise anything from csv.Error and
        # zipfile.BadZipFile to XML parse errors and KeyErrors: all mean the same
        # to the coordinator, and none may become a server error.
        return _Table([], [_issue("file_unreadable")])
    if not rows:
        return _Table([], [_issue("file_empty")])
    return _Table(rows, [])


def _header(values: list[Cell]) -> tuple[list[Column | None], list[ImportIssue]]:
    columns: list[Column | None] = []
    errors = []
    for value in values:
        column = KNOWN_HEADERS.get(_header_key(value))
        if column is not None and column in columns:
            errors.append(_issue("duplicate_column", column, column=column.value))
            column = None
        columns.append(column)
    missing = [column.value for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        errors.append(_issue("missing_columns", columns=", ".join(missing)))
    return columns, errors


# --- Reading the values of a row ------------------------------------------


def _match_key(text: Any) -> str:
    """How names are compared: no diacritics or case, one kind of dash, single spaces."""
    folded = fold(normalise_romanian(str(text or "")))
    return re.sub("\\s*[-\u2010\u2011\u2012\u2013\u2014]\\s*", "-", folded)


def _plain_key(text: str) -> str:
    """Letters and digits only: "Bistrița-Năsăud" and "bistrita nasaud" agree."""
    return re.sub(r"[^a-z0-9]", "", fold(normalise_romanian(text)))


SEXES = {
    **dict.fromkeys(("m", "masculin", "baiat", "male"), "M"),
    **dict.fromkeys(("f", "feminin", "fata", "female"), "F"),
}
YES_NO = {
    **dict.fromkeys(("da", "d", "yes", "y", "1", "x"), True),
    **dict.fromkeys(("nu", "n", "no", "0"), False),
}
RELATIONSHIPS = {
    **dict.fromkeys(("mama", "mother"), Relationship.MOTHER),
    **dict.fromkeys(("tata", "tatal", "father"), Relationship.FATHER),
    **dict.fromkeys(
        ("bunic", "bunica", "bunicul", "grandparent", "grandmother", "grandfather"),
        Relationship.GRANDPARENT,
    ),
    **dict.fromkeys(
        ("frate", "fratele", "sora", "brother", "sister", "sibling"), Relationship.SIBLING
    ),
    **dict.fromkeys(
        (
            *("altul", "alta", "alt", "alta ruda", "ruda", "other"),
            *("tutore", "tutore legal", "unchi", "matusa"),
        ),
        Relationship.OTHER,
    ),
}
ROMAN_GRADES = {
    numeral: number
    for number, numeral in enumerate(
        ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"), start=1
    )
}
COUNTIES = {
    **{_plain_key(code): code for code in County.values},
    **{_plain_key(label): code for code, label in County.choices},
    "municipiulbucuresti": County.B,
}
DATE_FORMATS = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(r"(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4})"),
)
# What a midnight time looks like when a date cell is saved as text.
MIDNIGHT = re.compile(r"\s+0?0:00(:00)?$")
SCIENTIFIC_NOTATION = re.compile(r"\d+([.,]\d+)?[eE]\+?\d+")
GRADE = re.compile(r"(?:clasa\s+)?(?:a\s+)?(pregatitoare|[ivx]+|\d{1,2})(?:-a)?")


class _Invalid(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def _date(value: Cell) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    text = MIDNIGHT.sub("", value)
    for pattern in DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                raise _Invalid("date_invalid") from None
    raise _Invalid("date_format")


def _grade(text: str) -> int:
    match = GRADE.fullmatch(_match_key(text))
    if match is None:
        raise _Invalid("grade_invalid")
    value = match[1]
    if value == "pregatitoare":
        return 0
    # isascii: "²" is a digit to str.isdigit() but not to int().
    number = int(value) if value.isascii() and value.isdigit() else ROMAN_GRADES.get(value)
    if number is None or not 0 <= number <= 12:
        raise _Invalid("grade_invalid")
    return number


def _choice(text: str, choices: dict[str, Any], code: str) -> Any:
    try:
        return choices[_match_key(text)]
    except KeyError:
        raise _Invalid(code) from None


def _county(text: str) -> str:
    key = re.sub(r"^(judetul|judet|jud)", "", _plain_key(text))
    try:
        return COUNTIES[key]
    except KeyError:
        raise _Invalid("county_invalid") from None


def _phone(text: str) -> str:
    """Excel stores a phone typed as a number without its leading 0 (722 123 456)."""
    digits = re.sub(r"\D", "", text)
    if digits == text.replace(" ", "") and len(digits) == 9 and digits[0] in "237":
        return "0" + text
    return text


def _household_size(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise _Invalid("household_size_invalid")
    return int(text)


@dataclass
class _Context:
    """What rows are checked against, loaded once for the whole file."""

    site: Site
    program: Program | None
    today: datetime.date
    school_year: SchoolYear | None
    schools: dict[str, Site]
    groups: dict[str, Group]


class _RowReader:
    """Turns one row's cells into model values, noting each problem on its column."""

    def __init__(self, number: int, cells: dict[Column, Cell], context: _Context) -> None:
        self.row = ImportRow(number=number)
        self.cells = cells
        self.context = context

    def text(self, column: Column) -> str:
        value = self.cells.get(column, "")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return normalise_romanian(value)

    def parse(self, column: Column, parser, *args) -> Any:
        """``parser(cell)``, or None for an empty cell or after noting the problem."""
        value = self.cells.get(column, "")
        if value == "":
            return None
        if parser is not _date or not isinstance(value, datetime.date):
            # Excel turns some text into dates ("5.3" in a grade column): back to text.
            value = self.text(column)
        try:
            return parser(value, *args)
        except _Invalid as invalid:
            self.row.add(invalid.code, column)
            return None

    def required(self, column: Column) -> str:
        value = self.text(column)
        if not value:
            self.row.add("required", column)
        return value

    def read(self) -> ImportRow:
        for column, value in self.cells.items():
            if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
                self.row.add("excel_error", column)
        self.read_child()
        self.read_family()
        self.read_enrollment()
        self.check_with_models()
        return self.row

    def read_child(self) -> None:
        birth_date = self.parse(Column.BIRTH_DATE, _date)
        if birth_date and birth_date > self.context.today:
            self.row.add("date_in_future", Column.BIRTH_DATE)
        sex = self.parse(Column.SEX, _choice, SEXES, "sex_invalid")
        cnp = self.read_cnp()
        if cnp is not None:
            parsed = cnp_codes.parse(cnp, today=self.context.today)
            if birth_date is None and not self.row.has_error_in(Column.BIRTH_DATE):
                birth_date = parsed.birth_date
                if birth_date > self.context.today:
                    self.row.add("date_in_future", Column.CNP)
            elif birth_date is not None and birth_date != parsed.birth_date:
                self.row.add("cnp_birth_date_mismatch", Column.BIRTH_DATE)
            # First digit 9 (foreigners) does not record the sex.
            if cnp[0] != "9":
                if sex is None and not self.row.has_error_in(Column.SEX):
                    sex = parsed.sex
                elif sex is not None and sex != parsed.sex:
                    self.row.add("cnp_sex_mismatch", Column.SEX)
        if sex is None and not self.row.has_error_in(Column.SEX):
            self.row.add("sex_required", Column.SEX)
        school = self.text(Column.SCHOOL)
        school_site = self.context.schools.get(_match_key(school)) if school else None
        special_needs = self.parse(Column.SPECIAL_NEEDS, _choice, YES_NO, "yes_no_invalid")
        self.row.child = {
            "given_names": self.required(Column.GIVEN_NAMES),
            "family_name": self.required(Column.FAMILY_NAME),
            "birth_date": birth_date,
            "sex": sex or "",
            "cnp": cnp,
            "grade": self.parse(Column.GRADE, _grade),
            "school_site": school_site,
            "school_name": "" if school_site else school,
            "special_educational_needs": bool(special_needs),
        }

    def read_cnp(self) -> str | None:
        """The CNP if it is valid; its problems are noted without repeating it."""
        value = self.text(Column.CNP).replace(" ", "")
        if not value:
            return None
        if SCIENTIFIC_NOTATION.fullmatch(value):
            self.row.add("cnp_mangled", Column.CNP)
            return None
        try:
            validate_cnp(value)
        except ValidationError as invalid:
            self.row.errors.append(
                ImportIssue(
                    code=invalid.code,
                    field=Column.CNP,
                    template=invalid.message,
                    params=invalid.params or {},
                )
            )
            return None
        return value

    def read_family(self) -> None:
        """A family only if the row fills in a family or guardian column."""
        if not any(self.text(column) for column in FAMILY_COLUMNS + GUARDIAN_COLUMNS):
            return
        family_name = self.text(Column.FAMILY_NAME)
        self.row.family_named = bool(self.text(Column.FAMILY))
        self.row.family = {
            "name": self.text(Column.FAMILY) or f"Familia {family_name}".strip(),
            "address": self.text(Column.ADDRESS),
            "locality": self.text(Column.LOCALITY),
            "county": self.parse(Column.COUNTY, _county) or "",
            "household_size": self.parse(Column.HOUSEHOLD_SIZE, _household_size),
        }
        if not any(self.text(column) for column in GUARDIAN_COLUMNS):
            return
        self.row.guardian = {
            "given_names": self.required(Column.GUARDIAN_GIVEN_NAMES),
            "family_name": self.required(Column.GUARDIAN_FAMILY_NAME),
            "relationship": self.parse(
                Column.GUARDIAN_RELATIONSHIP, _choice, RELATIONSHIPS, "relationship_invalid"
            )
            or "",
            "phone": _phone(self.text(Column.GUARDIAN_PHONE)),
        }
        if not self.text(Column.GUARDIAN_RELATIONSHIP):
            self.row.add("required", Column.GUARDIAN_RELATIONSHIP)

    def read_enrollment(self) -> None:
        group_name = self.text(Column.GROUP)
        started_on = self.parse(Column.ENROLLED_ON, _date)
        if self.context.program is None:
            return  # rows with groups then make a file-level error
        self.row.started_on = started_on or self.context.today
        if group_name:
            self.row.group = self.context.groups.get(_match_key(group_name))
            if self.row.group is None:
                self.row.add("group_unknown", Column.GROUP, site=self.context.site.name)
        year = self.context.school_year
        # Enrollments begin in the current school year (groups belong to one).
        if year and not year.starts_on <= self.row.started_on <= year.ends_on:
            column = Column.ENROLLED_ON if started_on else Column.GROUP
            self.row.add("enrolled_outside_school_year", column, year=year.name)
        birth_date = self.row.child.get("birth_date")
        if started_on and birth_date and started_on < birth_date:
            self.row.add("enrolled_before_birth", Column.ENROLLED_ON)

    def check_with_models(self) -> None:
        """Lengths, choices and ranges, by the models' own fields."""
        checks = [(Child, self.row.child, CHILD_FIELDS)]
        if self.row.family is not None:
            checks.append((Family, self.row.family, FAMILY_FIELDS))
        if self.row.guardian is not None:
            checks.append((Guardian, self.row.guardian, GUARDIAN_FIELDS))
        for model, values, columns in checks:
            instance = model(**values)
            checked = {
                name for name, column in columns.items() if not self.row.has_error_in(column)
            }
            try:
                instance.clean_fields(
                    exclude=[f.name for f in model._meta.fields if f.name not in checked]
                )
            except ValidationError as invalid:
                self.row.errors.extend(_issues_of(invalid, columns))


# --- The whole file --------------------------------------------------------


def _context(site: Site, program: Program | None, today: datetime.date) -> _Context:
    schools = {_match_key(school.name): school for school in Site.objects.all()}
    school_year = SchoolYear.objects.current()
    groups: dict[str, Group] = {}
    if program is not None and school_year is not None:
        for group in Group.objects.filter(site=site, school_year=school_year).order_by("pk"):
            # Two names that differ only in accents or dashes: the older group wins.
            groups.setdefault(_match_key(group.name), group)
    return _Context(
        site=site,
        program=program,
        today=today,
        school_year=school_year,
        schools=schools,
        groups=groups,
    )


def preview_import(
    *,
    content: bytes,
    file_name: str,
    site: Site,
    program: Program | None,
    today: datetime.date | None = None,
) -> ImportPreview:
    """Read and check a spreadsheet of children for ``site``; write nothing."""
    preview = ImportPreview(site=site, program=program)
    table = _read_table(content, file_name)
    if table.errors:
        preview.errors = table.errors
        return preview
    if program is not None and not program.sites.filter(pk=site.pk).exists():
        preview.errors.append(_issue("program_not_at_site"))
        return preview
    has_groups = any(cells.get(Column.GROUP) for _number, cells in table.rows)
    if program is None and (
        has_groups or any(cells.get(Column.ENROLLED_ON) for _number, cells in table.rows)
    ):
        # Not one error per row: choosing the program fixes them all.
        preview.errors.append(_issue("program_required"))
    context = _context(site, program, today or timezone.localdate())
    if has_groups and program is not None and context.school_year is None:
        preview.errors.append(_issue("no_current_school_year"))
    preview.rows = [_RowReader(number, cells, context).read() for number, cells in table.rows]
    _find_duplicates_in_file(preview.rows)
    _find_duplicates_in_database(preview.rows)
    preview.families = _gather_families(preview.rows)
    return preview


def _find_duplicates_in_file(rows: list[ImportRow]) -> None:
    """A later row naming the same child as an earlier one is an error."""
    by_cnp: dict[str, int] = {}
    by_name: dict[tuple[str, datetime.date], int] = {}
    for row in rows:
        cnp = row.child.get("cnp")
        name = (row.name_key, row.child.get("birth_date"))
        if cnp and cnp in by_cnp:
            row.add("duplicate_in_file", Column.CNP, row=by_cnp[cnp])
        elif name[1] and row.name_key and name in by_name:
            row.add("duplicate_in_file", Column.FAMILY_NAME, row=by_name[name])
        if cnp:
            by_cnp.setdefault(cnp, row.number)
        if name[1] and row.name_key:
            by_name.setdefault(name, row.number)


def _find_duplicates_in_database(rows: list[ImportRow]) -> None:
    """Children already registered at any site, by CNP or by name and birth date.

    Deliberately not limited to the user's sites: a child moved from another
    site must not be registered twice. The message says only that the child is
    already in the database, nothing of the other site's record.
    """
    cnps = {row.child["cnp"] for row in rows if row.child.get("cnp")}
    names = {(row.name_key, row.child["birth_date"]) for row in rows if row.child.get("birth_date")}
    known_cnps = set(Child.objects.filter(cnp__in=cnps).values_list("cnp", flat=True))
    # Names are compared in Python, by the rule rows use (_match_key): children
    # born on the file's birth dates are few, whatever the size of the database.
    known_names = {
        (_match_key(f"{given_names} {family_name}"), birth_date)
        for given_names, family_name, birth_date in Child.objects.filter(
            birth_date__in={birth_date for _key, birth_date in names}
        ).values_list("given_names", "family_name", "birth_date")
    }
    for row in rows:
        if row.child.get("cnp") in known_cnps:
            row.add("duplicate_in_database", Column.CNP)
        elif (row.name_key, row.child.get("birth_date")) in known_names:
            row.add("duplicate_in_database", Column.FAMILY_NAME)


def _merge(
    values: dict[str, Any],
    more: dict[str, Any],
    first_row: int,
    row: ImportRow,
    columns: dict[str, Column],
    code: str,
) -> None:
    """Complete ``values`` with ``more``; a value that contradicts them is an error."""
    for name, value in more.items():
        if value in ("", None):
            continue
        if values.get(name) in ("", None):
            values[name] = value
        elif _match_key(values[name]) != _match_key(value):
            row.add(code, columns[name], row=first_row)


def _gather_families(rows: list[ImportRow]) -> dict[tuple[str, str], FamilyDraft]:
    """Rows with the same family name and locality share one family, and a guardian
    named alike in one family is one person."""
    families: dict[tuple[str, str], FamilyDraft] = {}
    for row in rows:
        key = row.family_key
        if key is None:
            continue
        family = families.get(key)
        if family is None:
            family = families[key] = FamilyDraft(first_row=row.number, values=dict(row.family))
        else:
            _merge(
                family.values, row.family, family.first_row, row, FAMILY_FIELDS, "family_conflict"
            )
        row.family_first_row = family.first_row
        guardian_key = row.guardian_key
        if guardian_key is None:
            continue
        guardian = family.guardians.get(guardian_key)
        if guardian is None:
            family.guardians[guardian_key] = GuardianDraft(
                first_row=row.number, values=dict(row.guardian)
            )
        else:
            _merge(
                guardian.values,
                row.guardian,
                guardian.first_row,
                row,
                GUARDIAN_FIELDS,
                "guardian_conflict",
            )
    return families


# --- Writing ----------------------------------------------------------------


def _issues_of(invalid: ValidationError, columns: dict[str, Column]) -> list[ImportIssue]:
    """A model's ValidationError as issues on the columns its fields come from."""
    problems = (
        [(name, problem) for name, errors in invalid.error_dict.items() for problem in errors]
        if hasattr(invalid, "error_dict")
        else [(None, problem) for problem in invalid.error_list]
    )
    return [
        ImportIssue(
            code=problem.code or "invalid",
            field=columns.get(name) if name else None,
            template=problem.message,
            # "value" would let a message quote the cell (a CNP, say).
            params={k: v for k, v in (problem.params or {}).items() if k != "value"},
        )
        for name, problem in problems
    ]


def _save(instance: models.Model, row: ImportRow, preview: ImportPreview, columns) -> None:
    """full_clean() and save; a problem the preview could not see refuses the import.

    The model's constraints are left to the database, which enforces every one
    of them: the preview has checked those a row can break (the CNP against all
    children, in one query), and checking them again here costs a query per
    constraint per object: a 2000-row file took 45 seconds instead of 10, past
    the application server's 30-second timeout.
    """
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as invalid:
        row.errors.extend(_issues_of(invalid, columns))
        raise ImportRefused(preview) from None
    instance.save()


@transaction.atomic
def children_import(
    *,
    content: bytes,
    file_name: str,
    site: Site,
    program: Program | None,
    by: User,
    today: datetime.date | None = None,
) -> ImportResult:
    """Create the children of a spreadsheet at ``site``, with their families and
    guardians, and enroll them in ``program`` if one is given.

    Checks the file again from its bytes and refuses (``ImportRefused``) if any
    row has a problem: a file is imported whole or not at all.
    """
    if not (
        by.has_perm("children.import_children")
        and Site.objects.for_user(by).filter(pk=site.pk).exists()
    ):
        raise PermissionDenied
    # One import at a time: two confirmations of one file (a double click, two
    # tabs) would each check for duplicates before the other's children exist.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
    preview = preview_import(
        content=content, file_name=file_name, site=site, program=program, today=today
    )
    if preview.has_errors:
        raise ImportRefused(preview)
    try:
        return _write(preview, by=by)
    except IntegrityError:
        # Someone registered one of these children (their CNP) after the check
        # above. Not chained: the database's message quotes the CNP.
        preview.errors.append(_issue("changed_meanwhile"))
        raise ImportRefused(preview) from None


def _write(preview: ImportPreview, *, by: User) -> ImportResult:
    site, program = preview.site, preview.program
    families: dict[tuple[str, str], Family] = {}
    guardians = 0
    for row in preview.rows:
        family = None
        if row.family_key is not None:
            family = families.get(row.family_key)
            if family is None:
                draft = preview.families[row.family_key]
                family = families[row.family_key] = Family(site=site, created_by=by, **draft.values)
                _save(family, row, preview, FAMILY_FIELDS)
                # The family is new, so its first guardian is its primary contact.
                for number, guardian_draft in enumerate(draft.guardians.values()):
                    guardian = Guardian(
                        family=family,
                        created_by=by,
                        is_primary_contact=number == 0,
                        **guardian_draft.values,
                    )
                    _save(guardian, row, preview, GUARDIAN_FIELDS)
                    guardians += 1
        child = Child(
            site=site, family=family, status=ChildStatus.ACTIVE, created_by=by, **row.child
        )
        _save(child, row, preview, {**CHILD_FIELDS, "cnp": Column.CNP})
        if program is not None:
            enrollment = Enrollment(
                child=child,
                program=program,
                site=site,
                group=row.group,
                started_on=row.started_on,
                created_by=by,
            )
            _save(enrollment, row, preview, ENROLLMENT_FIELDS)
    return ImportResult(
        children=len(preview.rows),
        families=len(families),
        guardians=guardians,
        enrollments=preview.enrollments_count,
    )
