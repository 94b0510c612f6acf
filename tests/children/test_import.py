"""Importing children from a spreadsheet: the preview writes nothing, the
confirmation writes everything or nothing, and every problem is on its row."""

import base64
import csv
import datetime
import io
import threading
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.urls import reverse
from django.utils import translation

from children import importing
from children.cnp import build_cnp
from children.importing import Column, ImportRefused, children_import, preview_import
from children.models import Child, ChildStatus
from children.views import SESSION_KEY
from families.models import Family, Guardian
from programs.models import Enrollment, Role
from tests.factories import (
    ChildFactory,
    GroupFactory,
    ProgramFactory,
    SchoolYearFactory,
    SiteFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db

URL = "/admin/children/child/import/"
HEADER = [
    "prenume",
    "nume",
    "data_nașterii",
    "sex",
    "cnp",
    "grupa",
    "familia",
    "localitatea",
    "părinte_prenume",
    "părinte_nume",
    "părinte_relația",
]
STEFAN_CNP = build_cnp(sex="M", birth_date=datetime.date(2014, 3, 15), county_code="42", serial=7)
STEFAN = ["Ștefan", "Lăcătuș", "15.03.2014", "M", STEFAN_CNP, "Grupa V–VIII"]
STEFAN += ["Familia Lăcătuș", "București", "Mariana", "Lăcătuș", "mamă"]
ANA = ["Ana-Maria", "Lăcătuș", "2017-06-02", "F", "", "Grupa I–IV"]
ANA += ["Familia Lăcătuș", "București", "Mariana", "Lăcătuș", "mamă"]
DENISA = ["Denisa", "Căldăraru", "21/11/2015", "F", "", "grupa i-iv"]
DENISA += ["", "Glina", "Ion", "Căldăraru", "tată"]
GOOD_ROWS = [STEFAN, ANA, DENISA]


def csv_bytes(rows, *, header=HEADER, delimiter=",", bom=False) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows([header, *rows])
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode()


def csv_upload(rows=GOOD_ROWS, *, name="copii.csv", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **options), content_type="text/csv")


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def school_year(db):
    return SchoolYearFactory(start_year=current_start_year(), is_current=True)


@pytest.fixture
def program(site_a):
    return ProgramFactory(sites=[site_a])


@pytest.fixture
def groups(site_a, school_year):
    return {
        name: GroupFactory(site=site_a, school_year=school_year, name=name)
        for name in ("Grupa I–IV", "Grupa V–VIII")
    }


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def preview(content: bytes, site, program=None, *, file_name="copii.csv"):
    return preview_import(content=content, file_name=file_name, site=site, program=program)


def errors_of(result) -> list[tuple[int, str | None, str]]:
    """(row, column, code) of every row problem."""
    return [(row.number, error.field, error.code) for row in result.rows for error in row.errors]


def upload(client, file, *, site, program=None):
    return client.post(
        URL, {"file": file, "site": site.pk, "program": program.pk if program else ""}
    )


def confirm(client, response, action="confirm"):
    return client.post(URL, {"token": response.context["token"], "action": action})


# --- Reading files -----------------------------------------------------------


def test_a_good_comma_separated_file_previews_its_children_families_and_enrollments(
    site_a, program, groups
):
    result = preview(csv_bytes(GOOD_ROWS), site_a, program)
    assert not result.has_errors
    assert [row.full_name for row in result.rows] == [
        "Ștefan Lăcătuș",
        "Ana-Maria Lăcătuș",
        "Denisa Căldăraru",
    ]
    assert (
        result.children_count,
        result.families_count,
        result.guardians_count,
        result.enrollments_count,
    ) == (3, 2, 2, 3)


def test_a_semicolon_separated_file_with_a_byte_order_mark_is_read(site_a, program, groups):
    result = preview(csv_bytes(GOOD_ROWS, delimiter=";", bom=True), site_a, program)
    assert not result.has_errors
    assert result.rows[0].child["given_names"] == "Ștefan"
    assert result.rows[2].child["birth_date"] == datetime.date(2015, 11, 21)


def test_an_xlsx_file_with_real_date_cells_is_read(site_a, program, groups):
    content = xlsx_bytes(
        [["Bianca", "Stănescu", datetime.datetime(2012, 10, 30), "F", None, "Grupa V–VIII"]]
    )
    result = preview(content, site_a, program, file_name="copii.xlsx")
    assert not result.has_errors
    assert result.rows[0].child["birth_date"] == datetime.date(2012, 10, 30)
    assert result.rows[0].group == groups["Grupa V–VIII"]


def test_a_cnp_typed_as_a_number_in_xlsx_is_read_whole(site_a):
    content = xlsx_bytes([["Ștefan", "Lăcătuș", None, None, int(STEFAN_CNP)]])
    result = preview(content, site_a, file_name="copii.xlsx")
    assert not result.has_errors
    assert result.rows[0].child["cnp"] == STEFAN_CNP


def test_headers_match_whatever_the_case_and_diacritics_and_extra_columns_are_ignored(site_a):
    header = ["Nr. crt.", "PRENUME", "Nume", "Data nasterii", "Sex", "Observații"]
    content = csv_bytes([["1", "Ionuț", "Rostaș", "07.05.2019", "masculin", "—"]], header=header)
    result = preview(content, site_a)
    assert not result.has_errors
    assert result.rows[0].child["birth_date"] == datetime.date(2019, 5, 7)


def test_empty_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(site_a):
    empty = [""] * len(HEADER)
    rows = [STEFAN[:5], empty, DENISA[:5]]
    result = preview(csv_bytes(rows), site_a)
    assert [row.number for row in result.rows] == [2, 4]


def test_a_missing_required_column_is_a_file_error(site_a):
    result = preview(csv_bytes([["Ștefan", "M"]], header=["prenume", "sex"]), site_a)
    assert [error.code for error in result.errors] == ["missing_columns"]
    with translation.override("en"):
        assert result.errors[0].message == (
            "Required columns are missing: nume. The first row must hold the column names."
        )
    assert result.rows == []


def test_a_file_that_is_not_utf8_is_a_file_error(site_a):
    result = preview("prenume;nume\nŞtefan;Lăcătuş".encode("cp1250"), site_a)
    assert [error.code for error in result.errors] == ["file_encoding"]


def test_a_damaged_xlsx_is_a_file_error(site_a):
    result = preview(b"PK\x03\x04 not really a workbook", site_a, file_name="copii.xlsx")
    assert [error.code for error in result.errors] == ["file_unreadable"]


def test_a_workbook_saved_under_a_csv_name_is_read_as_a_workbook(site_a):
    content = xlsx_bytes([["Ionuț", "Rostaș", "07.05.2019", "M"]], header=HEADER[:4])
    result = preview(content, site_a, file_name="copii.csv")
    assert not result.has_errors
    assert result.rows[0].child["given_names"] == "Ionuț"


def test_an_old_excel_file_under_another_name_is_a_file_error(site_a):
    result = preview(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), site_a)
    assert [error.code for error in result.errors] == ["file_type"]


def test_too_many_rows_is_a_file_error(site_a):
    rows = [[f"Copil{n}", "Stoica", "", "F"] for n in range(importing.MAX_ROWS + 1)]
    result = preview(csv_bytes(rows, header=HEADER[:4]), site_a)
    assert [error.code for error in result.errors] == ["too_many_rows"]


def test_a_file_without_children_is_a_file_error(site_a):
    assert [error.code for error in preview(csv_bytes([]), site_a).errors] == ["file_empty"]


# --- Values of a row ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "code"),
    [
        ({"cnp": "5140315420014"}, Column.CNP, "cnp_control_digit"),
        ({"cnp": "5,14032E+12"}, Column.CNP, "cnp_mangled"),
        ({"data_nașterii": "31.02.2014"}, Column.BIRTH_DATE, "date_invalid"),
        ({"data_nașterii": "martie 2014"}, Column.BIRTH_DATE, "date_format"),
        ({"data_nașterii": "01.01.2099"}, Column.BIRTH_DATE, "date_in_future"),
        ({"prenume": ""}, Column.GIVEN_NAMES, "required"),
        ({"sex": ""}, Column.SEX, "sex_required"),
        ({"sex": "X"}, Column.SEX, "sex_invalid"),
        ({"grupa": "Grupa de teatru"}, Column.GROUP, "group_unknown"),
        ({"părinte_relația": "vecină"}, Column.GUARDIAN_RELATIONSHIP, "relationship_invalid"),
        ({"părinte_relația": ""}, Column.GUARDIAN_RELATIONSHIP, "required"),
        ({"prenume": "A" * 101}, Column.GIVEN_NAMES, "max_length"),
    ],
)
def test_a_bad_value_is_reported_on_its_row_and_column(
    site_a, program, groups, cells, column, code
):
    bad = dict(zip(HEADER, ANA, strict=True)) | cells
    result = preview(csv_bytes([STEFAN, list(bad.values())]), site_a, program)
    assert errors_of(result) == [(3, column, code)]


@pytest.mark.parametrize(
    ("column", "value", "field", "expected"),
    [
        ("clasa", "pregătitoare", "grade", 0),
        ("clasa", "V", "grade", 5),
        ("clasa", "clasa a XII-a", "grade", 12),
        ("clasa", "7", "grade", 7),
        ("sex", "băiat", "sex", "M"),
        ("sex", "Fată", "sex", "F"),
        ("cerințe_educaționale_speciale", "DA", "special_educational_needs", True),
    ],
)
def test_child_values_are_read_as_coordinators_write_them(site_a, column, value, field, expected):
    cells = {"prenume": "Denisa", "nume": "Căldăraru", "sex": "F"} | {column: value}
    result = preview(csv_bytes([list(cells.values())], header=list(cells)), site_a)
    assert not result.has_errors
    assert result.rows[0].child[field] == expected


@pytest.mark.parametrize("written", ["Ilfov", "IF", "jud. Ilfov", "ilfov"])
def test_the_county_is_read_from_its_name_or_abbreviation(site_a, written):
    content = csv_bytes(
        [["Ionuț", "Rostaș", "M", written]], header=["prenume", "nume", "sex", "județul"]
    )
    result = preview(content, site_a)
    assert result.rows[0].family["county"] == "IF"


def test_a_partner_school_is_linked_whatever_the_diacritics(site_a, site_b):
    header = ["prenume", "nume", "sex", "școala"]
    rows = [
        ["Ionuț", "Rostaș", "M", "scoala gimnaziala NR. 31"],
        ["Florin", "Țurcanu", "M", "Liceul Tehnologic „Dimitrie Leonida”"],
    ]
    result = preview(csv_bytes(rows, header=header), site_b)
    assert result.rows[0].child["school_site"] == site_a
    assert result.rows[1].child["school_site"] is None
    assert result.rows[1].child["school_name"] == "Liceul Tehnologic „Dimitrie Leonida”"


def test_the_birth_date_and_sex_are_taken_from_the_cnp_when_missing(site_a):
    header = ["prenume", "nume", "cnp"]
    result = preview(csv_bytes([["Ștefan", "Lăcătuș", STEFAN_CNP]], header=header), site_a)
    assert not result.has_errors
    assert result.rows[0].child["birth_date"] == datetime.date(2014, 3, 15)
    assert result.rows[0].child["sex"] == "M"


def test_a_birth_date_or_sex_that_contradicts_the_cnp_is_an_error(site_a):
    row = ["Ștefan", "Lăcătuș", "16.03.2014", "F", STEFAN_CNP]
    result = preview(csv_bytes([row], header=HEADER[:5]), site_a)
    assert errors_of(result) == [
        (2, Column.BIRTH_DATE, "cnp_birth_date_mismatch"),
        (2, Column.SEX, "cnp_sex_mismatch"),
    ]


def test_cedilla_letters_become_comma_below_letters(site_a):
    header = ["prenume", "nume", "sex", "familia"]
    result = preview(
        csv_bytes([["Ştefan", "Ţurcanu", "M", "Familia Ţurcanu"]], header=header), site_a
    )
    assert result.rows[0].child["given_names"] == "Ștefan"
    assert result.rows[0].child["family_name"] == "Țurcanu"
    assert result.rows[0].family["name"] == "Familia Țurcanu"


def test_groups_without_a_program_are_a_file_error(site_a, groups):
    result = preview(csv_bytes(GOOD_ROWS), site_a, program=None)
    assert [error.code for error in result.errors] == ["program_required"]


def test_a_program_that_does_not_run_at_the_site_is_a_file_error(site_a, site_b):
    result = preview(csv_bytes(GOOD_ROWS), site_a, ProgramFactory(sites=[site_b]))
    assert [error.code for error in result.errors] == ["program_not_at_site"]


def test_groups_of_another_school_year_are_unknown(site_a, program, school_year):
    GroupFactory(site=site_a, school_year=SchoolYearFactory(start_year=2024), name="Grupa I–IV")
    result = preview(csv_bytes([ANA]), site_a, program)
    assert errors_of(result) == [(2, Column.GROUP, "group_unknown")]


def test_families_named_alike_in_different_localities_are_different_families(site_a):
    header = ["prenume", "nume", "sex", "localitatea"]
    rows = [
        ["Ștefan", "Lăcătuș", "M", "București"],
        ["Ana-Maria", "Lăcătuș", "F", "bucuresti"],
        ["Ionuț", "Lăcătuș", "M", "Glina"],
    ]
    result = preview(csv_bytes(rows, header=header), site_a)
    assert result.families_count == 2
    assert result.rows[0].family_key == result.rows[1].family_key != result.rows[2].family_key


def test_a_date_where_a_number_belongs_is_an_error_not_a_crash(site_a):
    header = ["prenume", "nume", "sex", "mărimea_gospodăriei", "clasa"]
    row = ["Ionuț", "Rostaș", "M", datetime.datetime(2025, 3, 5), datetime.datetime(2025, 5, 3)]
    result = preview(xlsx_bytes([row], header=header), site_a, file_name="copii.xlsx")
    assert sorted(errors_of(result)) == [
        (2, Column.GRADE, "grade_invalid"),
        (2, Column.HOUSEHOLD_SIZE, "household_size_invalid"),
    ]


def test_row_messages_name_the_group_and_site_in_english(site_a, program, groups):
    result = preview(csv_bytes([[*ANA[:5], "Grupa de teatru"]], header=HEADER[:6]), site_a, program)
    with translation.override("en"):
        assert result.rows[0].errors[0].message == (
            "There is no group with this name at Școala Gimnazială nr. 31 "
            "in the current school year."
        )


def test_the_preview_says_which_row_a_family_was_first_named_on(site_a, program, groups):
    result = preview(csv_bytes(GOOD_ROWS), site_a, program)
    assert [row.family_first_row for row in result.rows] == [2, 2, 4]


def test_a_family_named_alike_with_a_different_detail_is_an_error(site_a):
    header = ["prenume", "nume", "sex", "familia", "mărimea_gospodăriei"]
    rows = [
        ["Ștefan", "Lăcătuș", "M", "Familia Lăcătuș", "6"],
        ["Ana-Maria", "Lăcătuș", "F", "familia lacatus", "5"],
    ]
    result = preview(csv_bytes(rows, header=header), site_a)
    assert errors_of(result) == [(3, Column.HOUSEHOLD_SIZE, "family_conflict")]


# --- Duplicates -------------------------------------------------------------


def test_a_child_already_registered_at_another_site_is_found_by_cnp(site_a, site_b):
    ChildFactory(site=site_b, cnp=STEFAN_CNP, given_names="Ștefănel", birth_date=None)
    result = preview(csv_bytes([STEFAN[:5]], header=HEADER[:5]), site_a)
    assert errors_of(result) == [(2, Column.CNP, "duplicate_in_database")]


def test_a_child_already_registered_is_found_by_name_and_birth_date_without_diacritics(site_a):
    ChildFactory(
        site=site_a,
        given_names="Ștefan",
        family_name="Lăcătuș",
        birth_date=datetime.date(2014, 3, 15),
    )
    row = ["Stefan", "Lacatus", "15.03.2014", "M"]
    result = preview(csv_bytes([row], header=HEADER[:4]), site_a)
    assert errors_of(result) == [(2, Column.FAMILY_NAME, "duplicate_in_database")]


def test_a_namesake_born_on_another_day_is_not_a_duplicate(site_a):
    ChildFactory(
        site=site_a,
        given_names="Ștefan",
        family_name="Lăcătuș",
        birth_date=datetime.date(2014, 3, 15),
    )
    row = ["Ștefan", "Lăcătuș", "16.03.2014", "M"]
    assert not preview(csv_bytes([row], header=HEADER[:4]), site_a).has_errors


def test_the_same_child_twice_in_the_file_is_an_error_on_the_second_row(site_a):
    rows = [["Ștefan", "Lăcătuș", "15.03.2014", "M"], ["Stefan", "Lacatus", "2014-03-15", "M"]]
    result = preview(csv_bytes(rows, header=HEADER[:4]), site_a)
    assert errors_of(result) == [(3, Column.FAMILY_NAME, "duplicate_in_file")]
    assert result.rows[1].errors[0].params == {"row": 2}


def test_the_same_cnp_twice_in_the_file_is_an_error_on_the_second_row(site_a):
    rows = [STEFAN[:5], ["Ștefănel", "Lăcătuș", "", "M", STEFAN_CNP]]
    result = preview(csv_bytes(rows, header=HEADER[:5]), site_a)
    assert errors_of(result) == [(3, Column.CNP, "duplicate_in_file")]


def test_the_duplicate_message_names_no_other_site_and_no_cnp(site_a, site_b):
    ChildFactory(site=site_b, cnp=STEFAN_CNP)
    result = preview(csv_bytes([STEFAN[:5]], header=HEADER[:5]), site_a)
    with translation.override("en"):
        message = result.rows[0].errors[0].message
    assert message == "This child is already in the database."


# --- Writing ----------------------------------------------------------------


def test_importing_creates_children_families_guardians_and_enrollments(
    site_a, program, groups, coordinator
):
    result = children_import(
        content=csv_bytes(GOOD_ROWS),
        file_name="copii.csv",
        site=site_a,
        program=program,
        by=coordinator,
    )
    assert (result.children, result.families, result.guardians, result.enrollments) == (3, 2, 2, 3)
    stefan = Child.objects.get(cnp=STEFAN_CNP)
    assert (stefan.site, stefan.status, stefan.created_by) == (
        site_a,
        ChildStatus.ACTIVE,
        coordinator,
    )
    assert stefan.family.created_by == coordinator
    enrollment = Enrollment.objects.get(child=stefan)
    assert (enrollment.program, enrollment.site, enrollment.group) == (
        program,
        site_a,
        groups["Grupa V–VIII"],
    )
    assert enrollment.created_by == coordinator
    assert enrollment.started_on == datetime.date.today()


def test_siblings_share_one_family_whose_first_guardian_is_the_primary_contact(
    site_a, program, groups, coordinator
):
    children_import(
        content=csv_bytes(GOOD_ROWS),
        file_name="copii.csv",
        site=site_a,
        program=program,
        by=coordinator,
    )
    family = Family.objects.get(name="Familia Lăcătuș")
    assert sorted(family.children.values_list("given_names", flat=True)) == ["Ana-Maria", "Ștefan"]
    mother = Guardian.objects.get(family=family)
    assert (mother.given_names, mother.relationship, mother.is_primary_contact) == (
        "Mariana",
        "mother",
        True,
    )
    assert Family.objects.get(children__given_names="Denisa").name == "Familia Căldăraru"


def test_a_child_without_family_columns_gets_no_family(site_a, coordinator):
    content = csv_bytes([["Mihai", "Câmpeanu", "11.04.2016", "M"]], header=HEADER[:4])
    children_import(
        content=content, file_name="copii.csv", site=site_a, program=None, by=coordinator
    )
    assert Child.objects.get().family is None
    assert not Family.objects.exists()


def test_importing_refuses_a_file_with_any_error_and_writes_nothing(
    site_a, program, groups, coordinator
):
    bad = [*ANA[:2], "31.02.2017", *ANA[3:]]
    with pytest.raises(ImportRefused) as refused:
        children_import(
            content=csv_bytes([STEFAN, bad]),
            file_name="copii.csv",
            site=site_a,
            program=program,
            by=coordinator,
        )
    assert errors_of(refused.value.preview) == [(3, Column.BIRTH_DATE, "date_invalid")]
    assert not Child.objects.exists()
    assert not Family.objects.exists()


def test_importing_into_a_site_outside_the_users_scope_is_refused(site_b, coordinator):
    with pytest.raises(importing.PermissionDenied):
        children_import(
            content=csv_bytes([STEFAN[:4]], header=HEADER[:4]),
            file_name="copii.csv",
            site=site_b,
            program=None,
            by=coordinator,
        )
    assert not Child.objects.exists()


def test_a_child_registered_while_writing_refuses_the_whole_import(
    site_a, site_b, coordinator, monkeypatch
):
    # As if another coordinator saved the same child between the check and the write.
    monkeypatch.setattr(importing, "_find_duplicates_in_database", lambda rows: None)
    ChildFactory(site=site_b, cnp=STEFAN_CNP)
    with pytest.raises(ImportRefused) as refused:
        children_import(
            content=csv_bytes([DENISA[:5], STEFAN[:5]], header=HEADER[:5]),
            file_name="copii.csv",
            site=site_a,
            program=None,
            by=coordinator,
        )
    assert [error.code for error in refused.value.preview.errors] == ["changed_meanwhile"]
    assert Child.objects.count() == 1


def test_the_example_file_imports_cleanly(site_a, program, groups, coordinator, settings):
    content = (settings.BASE_DIR / "docs" / "import" / "copii-exemplu.csv").read_bytes()
    result = children_import(
        content=content, file_name="copii-exemplu.csv", site=site_a, program=program, by=coordinator
    )
    assert result.children == Child.objects.count() >= 6
    assert Family.objects.get(name="Familia Lăcătuș").children.count() == 2


# --- The pages --------------------------------------------------------------


def test_the_upload_page_shows_the_form_to_a_coordinator(coordinator_client):
    response = coordinator_client.get(URL)
    assert response.status_code == 200
    assert "file" in response.context["form"].fields


def test_uploading_shows_a_preview_and_writes_nothing(coordinator_client, site_a, program, groups):
    response = upload(coordinator_client, csv_upload(), site=site_a, program=program)
    assert response.status_code == 200
    assert response.context["preview"].children_count == 3
    assert response.context["token"]
    assert not Child.objects.exists()
    assert not Family.objects.exists()


def test_confirming_writes_the_import_and_forgets_the_upload(
    coordinator_client, coordinator, site_a, program, groups
):
    response = upload(coordinator_client, csv_upload(), site=site_a, program=program)
    confirmed = confirm(coordinator_client, response)
    assert confirmed.status_code == 302
    assert confirmed.url == reverse("admin:children_child_changelist")
    assert Child.objects.filter(created_by=coordinator).count() == 3
    assert Enrollment.objects.filter(created_by=coordinator).count() == 3
    assert SESSION_KEY not in coordinator_client.session


def test_an_xlsx_upload_can_be_confirmed(coordinator_client, site_a, program, groups):
    file = SimpleUploadedFile(
        "copii.xlsx", xlsx_bytes([["Bianca", "Stănescu", datetime.date(2012, 10, 30), "F"]])
    )
    response = upload(coordinator_client, file, site=site_a, program=program)
    confirm(coordinator_client, response)
    assert Child.objects.get().birth_date == datetime.date(2012, 10, 30)


def test_a_file_with_errors_offers_no_confirmation_and_keeps_nothing(
    coordinator_client, site_a, program, groups
):
    bad = [*ANA[:4], "1234567890123", *ANA[5:]]
    response = upload(coordinator_client, csv_upload([STEFAN, bad]), site=site_a, program=program)
    assert response.status_code == 200
    assert response.context["token"] is None
    assert 'value="confirm"' not in response.content.decode()
    assert SESSION_KEY not in coordinator_client.session


def test_the_preview_explains_each_rows_errors_in_romanian(coordinator_client, site_a):
    file = csv_upload(
        [["Ștefan", "Lăcătuș", "M", "5140315420014"], ["", "Rostaș", "F", ""]],
        header=["prenume", "nume", "sex", "cnp"],
    )
    html = upload(coordinator_client, file, site=site_a).content.decode()
    assert "Ultima cifră a acestui CNP nu se potrivește cu celelalte" in html
    assert "Această coloană este obligatorie." in html
    assert "Rânduri cu erori: 2" in html


def test_a_bad_cnp_is_not_repeated_on_the_page(coordinator_client, site_a):
    bad_cnp = "5140315420014"
    file = csv_upload(
        [["Ștefan", "Lăcătuș", "M", bad_cnp]], header=["prenume", "nume", "sex", "cnp"]
    )
    response = upload(coordinator_client, file, site=site_a)
    assert response.context["preview"].has_errors
    assert bad_cnp not in response.content.decode()


def test_a_forged_confirmation_without_a_kept_upload_writes_nothing(
    coordinator_client, site_a, program, groups
):
    response = coordinator_client.post(URL, {"token": "made-up", "action": "confirm"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert not Child.objects.exists()


@pytest.mark.parametrize("token", ["made-up", "jeton-greșit", ""])
def test_a_wrong_token_beside_a_kept_upload_writes_nothing_and_keeps_it(
    coordinator_client, site_a, token
):
    upload(coordinator_client, csv_upload([STEFAN[:4]], header=HEADER[:4]), site=site_a)
    assert SESSION_KEY in coordinator_client.session
    response = coordinator_client.post(URL, {"token": token, "action": "confirm"})
    assert response.status_code == 302
    assert not Child.objects.exists()
    assert SESSION_KEY in coordinator_client.session


def test_an_expired_upload_asks_to_upload_again(coordinator_client, site_a):
    with translation.override("en"):
        response = upload(
            coordinator_client, csv_upload([STEFAN[:4]], header=HEADER[:4]), site=site_a
        )
        session = coordinator_client.session
        session[SESSION_KEY]["stored_at"] = "2020-01-01T00:00:00+00:00"
        session.save()
        confirmed = coordinator_client.post(
            URL, {"token": response.context["token"], "action": "confirm"}, follow=True
        )
    messages = [str(message) for message in confirmed.context["messages"]]
    assert messages == ["Fișierul încărcat a expirat; încărcați-l din nou."]
    assert "form" in confirmed.context
    assert not Child.objects.exists()


def test_cancelling_forgets_the_upload_and_writes_nothing(coordinator_client, site_a):
    response = upload(coordinator_client, csv_upload([STEFAN[:4]], header=HEADER[:4]), site=site_a)
    assert SESSION_KEY in coordinator_client.session
    cancelled = confirm(coordinator_client, response, action="cancel")
    assert cancelled.status_code == 302
    assert SESSION_KEY not in coordinator_client.session
    assert not Child.objects.exists()


def test_the_upload_is_kept_in_the_session_not_on_disk(coordinator_client, site_a):
    content = csv_bytes([STEFAN[:4]], header=HEADER[:4])
    upload(coordinator_client, SimpleUploadedFile("copii.csv", content), site=site_a)
    kept = coordinator_client.session[SESSION_KEY]
    assert base64.b64decode(kept["content"]) == content


def test_a_child_registered_between_preview_and_confirmation_refuses_the_import(
    coordinator_client, site_a, site_b
):
    response = upload(coordinator_client, csv_upload([STEFAN[:5]], header=HEADER[:5]), site=site_a)
    ChildFactory(site=site_b, cnp=STEFAN_CNP)
    refused = confirm(coordinator_client, response)
    assert refused.status_code == 200
    assert errors_of(refused.context["preview"]) == [(2, Column.CNP, "duplicate_in_database")]
    assert Child.objects.count() == 1


def test_garbage_bytes_give_a_clear_error_not_a_server_error(coordinator_client, site_a):
    file = SimpleUploadedFile("copii.xlsx", bytes(range(256)) * 10)
    response = upload(coordinator_client, file, site=site_a)
    assert response.status_code == 200
    assert [error.code for error in response.context["preview"].errors] == ["file_unreadable"]


def test_a_file_of_another_type_is_a_form_error(coordinator_client, site_a):
    response = upload(coordinator_client, SimpleUploadedFile("copii.xls", b"\xd0\xcf"), site=site_a)
    assert response.status_code == 200
    assert response.context["form"].has_error("file", "file_type")


def test_a_file_too_large_is_a_form_error(coordinator_client, site_a):
    file = SimpleUploadedFile("copii.csv", b"x" * (importing.MAX_FILE_BYTES + 1))
    response = upload(coordinator_client, file, site=site_a)
    assert response.context["form"].has_error("file", "file_too_large")


def test_a_coordinator_cannot_import_into_another_site(coordinator_client, site_b):
    response = upload(coordinator_client, csv_upload(), site=site_b)
    assert response.status_code == 200
    assert response.context["form"].has_error("site", "invalid_choice")
    assert not Child.objects.exists()


def test_the_program_must_run_at_the_chosen_site(coordinator_client, coordinator, site_a, site_b):
    coordinator.sites.add(site_b)
    other = ProgramFactory(name="Mentorat", sites=[site_b])
    response = upload(coordinator_client, csv_upload(), site=site_a, program=other)
    assert response.context["form"].has_error("program")


def test_a_director_may_not_import(client, make_user, site_a):
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    assert client.get(URL).status_code == 403
    assert (
        upload(client, csv_upload([STEFAN[:4]], header=HEADER[:4]), site=site_a).status_code == 403
    )
    assert not Child.objects.exists()


def test_a_social_worker_is_kept_out_of_the_import(client, make_user, site_a):
    client.force_login(make_user(Role.SOCIAL_WORKER))
    response = upload(client, csv_upload([STEFAN[:4]], header=HEADER[:4]), site=site_a)
    # The admin site sends users without programs.use_admin to its login page,
    # which refuses anyone already logged in.
    assert response.status_code == 302
    assert client.get(response.url).status_code == 403
    assert not Child.objects.exists()


def test_the_example_file_downloads(coordinator_client, settings):
    response = coordinator_client.get(reverse("admin:children_child_import_example"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="copii-exemplu.csv"'
    content = b"".join(response.streaming_content)
    assert content == (settings.BASE_DIR / "docs" / "import" / "copii-exemplu.csv").read_bytes()


def test_a_director_may_not_download_the_example(client, make_user):
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    assert client.get(reverse("admin:children_child_import_example")).status_code == 403


def test_the_children_list_links_to_the_import_for_coordinators_only(client, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    assert URL in client.get("/admin/children/child/").content.decode()
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    assert URL not in client.get("/admin/children/child/").content.decode()


def _rows(count: int) -> list[list[str]]:
    """``count`` children of different families, every other one with a CNP."""
    rows = []
    for n in range(count):
        born = datetime.date(2014, 1, 1) + datetime.timedelta(days=n)
        cnp = build_cnp(sex="F", birth_date=born, county_code="23", serial=n + 1) if n % 2 else ""
        child = [f"Copil{n}", "Stoica", born.isoformat(), "F", cnp, "Grupa I–IV"]
        rows.append([*child, f"Familia {n}", "Glina", "Ion", "Stoica", "tată"])
    return rows


@pytest.mark.parametrize("count", [5, 50])
def test_the_preview_queries_do_not_grow_with_rows(
    coordinator_client, site_a, program, groups, django_assert_max_num_queries, count
):
    SiteFactory.create_batch(3)
    file = csv_upload(_rows(count))
    with django_assert_max_num_queries(16):
        response = upload(coordinator_client, file, site=site_a, program=program)
    assert response.context["preview"].children_count == count
    assert not response.context["preview"].has_errors


def test_a_superscript_digit_is_a_row_error_not_a_crash(site_a):
    header = ["prenume", "nume", "sex", "clasa", "mărimea_gospodăriei"]
    result = preview(csv_bytes([["Ana", "Pop", "F", "²", "²"]], header=header), site_a)
    assert {code for _, _, code in errors_of(result)} == {
        "grade_invalid",
        "household_size_invalid",
    }


def test_a_nul_character_makes_the_file_unreadable_not_a_crash(site_a):
    content = csv_bytes([["Ana\x00", "Pop", "F"]], header=["prenume", "nume", "sex"])
    assert [error.code for error in preview(content, site_a).errors] == ["file_unreadable"]


def test_an_enrollment_date_outside_the_current_school_year_is_a_row_error(
    site_a, program, groups, school_year
):
    header = ["prenume", "nume", "sex", "grupa", "data_înscrierii"]
    last_year = school_year.starts_on - datetime.timedelta(days=10)
    row = ["Ana", "Pop", "F", "Grupa I–IV", last_year.strftime("%d.%m.%Y")]
    result = preview(csv_bytes([row], header=header), site_a, program)
    assert errors_of(result) == [(2, "data_înscrierii", "enrolled_outside_school_year")]


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_file_at_once_import_it_once(site_a, coordinator):
    # A double click on "Confirm": two requests, each in its own transaction.
    rows = [["Rebeca", "Ursaru", "2015-04-02", "F"], ["Romario", "Ursaru", "2013-01-20", "M"]]
    content = csv_bytes(rows, header=["prenume", "nume", "data_nașterii", "sex"])
    both_started = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm():
        try:
            with transaction.atomic():
                both_started.wait()
                children_import(
                    content=content,
                    file_name="copii.csv",
                    site=site_a,
                    program=None,
                    by=coordinator,
                )
                time.sleep(0.2)  # the first one still holds its transaction open
            outcomes.append("imported")
        except ImportRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["imported", "refused"]
    assert Child.objects.count() == 2


@pytest.mark.parametrize("spelling", ["Ana - Maria", "Ana–Maria", "ANA-MARIA"])
def test_a_name_spelled_with_other_dashes_is_the_same_child(site_a, spelling):
    ChildFactory(given_names="Ana-Maria", family_name="Lăcătuș", birth_date="2017-06-02")
    header = ["prenume", "nume", "data_nașterii", "sex"]
    result = preview(csv_bytes([[spelling, "Lacatus", "02.06.2017", "F"]], header=header), site_a)
    assert errors_of(result) == [(2, "nume", "duplicate_in_database")]


def test_a_birth_date_in_the_future_read_from_the_cnp_is_a_row_error(site_a):
    future = build_cnp(sex="F", birth_date=datetime.date(2030, 1, 1), county_code="40", serial=9)
    header = ["prenume", "nume", "cnp"]
    result = preview(csv_bytes([["Ana", "Pop", future]], header=header), site_a)
    assert ("cnp", "date_in_future") in {(field, code) for _, field, code in errors_of(result)}


def test_merged_cells_make_the_workbook_a_file_error(site_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["prenume", "nume", "sex", "grupa"])
    sheet.append(["Ana", "Pop", "F", "Grupa I–IV"])
    sheet.append(["Ion", "Pop", "M", None])
    sheet.merge_cells("D2:D3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = preview(buffer.getvalue(), site_a, file_name="copii.xlsx")
    assert [error.code for error in result.errors] == ["merged_cells"]


def test_an_excel_error_value_is_a_row_error(site_a):
    result = preview(csv_bytes([["Ana", "#N/A", "F"]], header=["prenume", "nume", "sex"]), site_a)
    assert (2, "nume", "excel_error") in errors_of(result)


def test_a_phone_number_that_lost_its_leading_zero_gets_it_back(site_a):
    header = ["prenume", "nume", "sex", "părinte_prenume", "părinte_nume", "părinte_relația"]
    header = [*header, "părinte_telefon"]
    row = ["Ana", "Pop", "F", "Maria", "Pop", "mamă", "722123456"]
    result = preview(csv_bytes([row], header=header), site_a)
    assert result.rows[0].guardian["phone"] == "0722123456"


@pytest.mark.parametrize("prefix", ["sep=;\n", "\n\n"])
def test_excels_separator_line_and_leading_blank_lines_are_understood(site_a, prefix):
    content = prefix.encode() + csv_bytes(
        [["Ana", "Pop", "F"]], delimiter=";", header=["prenume", "nume", "sex"]
    )
    result = preview(content, site_a)
    assert not result.errors
    assert result.rows[0].child["given_names"] == "Ana"


def test_two_households_known_only_by_surname_stay_apart(site_a):
    header = ["prenume", "nume", "sex", "părinte_prenume", "părinte_nume", "părinte_relația"]
    rows = [
        ["Ana", "Pop", "F", "Maria", "Pop", "mamă"],
        ["Ion", "Pop", "M", "Elena", "Pop", "mamă"],
    ]
    assert len(preview(csv_bytes(rows, header=header), site_a).families) == 2


def test_an_enrollment_before_the_birth_date_is_a_row_error(site_a, program, school_year):
    header = ["prenume", "nume", "sex", "data_nașterii", "data_înscrierii"]
    born = school_year.starts_on + datetime.timedelta(days=30)
    row = ["Ana", "Pop", "F", born.isoformat(), school_year.starts_on.isoformat()]
    result = preview(csv_bytes([row], header=header), site_a, program)
    assert (2, "data_înscrierii", "enrolled_before_birth") in errors_of(result)
