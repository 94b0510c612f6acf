"""The Romanian CNP: its parts, its control digit, and the validator's messages."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from children import cnp
from children.validators import validate_cnp

# Worked on paper with the key 279146358279 (digit x key digit, summed, mod 11):
#
# 1 850315 40 012 -> 1*2 + 8*7 + 5*9 + 0*1 + 3*4 + 1*6 + 5*3 + 4*5 + 0*8 + 0*2 + 1*7 + 2*9
#                  = 2 + 56 + 45 + 0 + 12 + 6 + 15 + 20 + 0 + 0 + 7 + 18 = 181 = 16*11 + 5
#   -> control digit 5: a man born 1985-03-15 in București.
MAN_1985 = "1850315400125"
# 6 120229 12 345 -> 6*2 + 1*7 + 2*9 + 0*1 + 2*4 + 2*6 + 9*3 + 1*5 + 2*8 + 3*2 + 4*7 + 5*9
#                  = 12 + 7 + 18 + 0 + 8 + 12 + 27 + 5 + 16 + 6 + 28 + 45 = 184 = 16*11 + 8
#   -> control digit 8: a girl born on the leap day 2012-02-29 in Cluj.
GIRL_2012_LEAP_DAY = "6120229123458"
# 5 150701 22 005 -> 5*2 + 1*7 + 5*9 + 0*1 + 7*4 + 0*6 + 1*3 + 2*5 + 2*8 + 0*2 + 0*7 + 5*9
#                  = 10 + 7 + 45 + 0 + 28 + 0 + 3 + 10 + 16 + 0 + 0 + 45 = 164 = 14*11 + 10
#   -> remainder 10, so the control digit is 1: a boy born 2015-07-01 in Iași.
BOY_2015_REMAINDER_10 = "5150701220051"

HAND_CHECKED = [MAN_1985, GIRL_2012_LEAP_DAY, BOY_2015_REMAINDER_10]


def _remainder(first_twelve):
    return sum(int(d) * int(k) for d, k in zip(first_twelve, "279146358279", strict=True)) % 11


def _with_control_digit(first_twelve):
    """``first_twelve`` completed with the control digit it calls for."""
    return first_twelve + str(cnp.control_digit(first_twelve))


def _error_code(value):
    with pytest.raises(ValidationError) as caught:
        validate_cnp(value)
    return caught.value.code


# --- valid codes -------------------------------------------------------------------


@pytest.mark.parametrize("value", HAND_CHECKED)
def test_codes_checked_on_paper_are_valid(value):
    validate_cnp(value)


@pytest.mark.parametrize(
    ("first_twelve", "control"),
    [("185031540012", 5), ("612022912345", 8), ("515070122005", 1)],
)
def test_control_digit_matches_the_paper_computation(first_twelve, control):
    assert cnp.control_digit(first_twelve) == control


def test_a_remainder_of_ten_gives_control_digit_one():
    assert _remainder(BOY_2015_REMAINDER_10[:12]) == 10
    assert cnp.control_digit(BOY_2015_REMAINDER_10[:12]) == 1


@pytest.mark.parametrize(
    ("value", "sex", "born", "county"),
    [
        (MAN_1985, "M", datetime.date(1985, 3, 15), "București"),
        (GIRL_2012_LEAP_DAY, "F", datetime.date(2012, 2, 29), "Cluj"),
        (BOY_2015_REMAINDER_10, "M", datetime.date(2015, 7, 1), "Iași"),
    ],
)
def test_parse_reads_sex_birth_date_and_county(value, sex, born, county):
    parsed = cnp.parse(value)
    assert (parsed.sex, parsed.birth_date, parsed.county) == (sex, born, county)
    assert (cnp.sex(value), cnp.birth_date(value)) == (sex, born)


@pytest.mark.parametrize(
    ("first_digit", "year"),
    [("1", 1999), ("2", 1999), ("3", 1899), ("4", 1899), ("5", 2099), ("6", 2099)],
)
def test_first_digit_sets_the_century(first_digit, year):
    value = _with_control_digit(f"{first_digit}991231" + "01001")
    assert cnp.birth_date(value) == datetime.date(year, 12, 31)


@pytest.mark.parametrize(
    ("first_digit", "sex"),
    [
        ("1", "M"),
        ("2", "F"),
        ("3", "M"),
        ("4", "F"),
        ("5", "M"),
        ("6", "F"),
        ("7", "M"),
        ("8", "F"),
        ("9", "M"),  # foreigners' codes do not really record sex; odd reads as male
    ],
)
def test_odd_first_digit_is_male_even_is_female(first_digit, sex):
    assert cnp.sex(_with_control_digit(f"{first_digit}100505" + "40001")) == sex


@pytest.mark.parametrize(
    ("first_twelve", "born"),
    [
        ("710050540001", datetime.date(2010, 5, 5)),  # 2010 is past: the 2000s
        ("885010140001", datetime.date(1985, 1, 1)),  # 2085 is future: the 1900s
        ("900022940001", datetime.date(2000, 2, 29)),  # only 2000 had a 29 February
        ("826010140001", datetime.date(1926, 1, 1)),  # 2026-01-01 is tomorrow: the 1900s
    ],
)
def test_foreigners_take_the_latest_century_not_in_the_future(first_twelve, born):
    today = datetime.date(2025, 12, 31)
    value = _with_control_digit(first_twelve)
    assert cnp.birth_date(value, today=today) == born
    assert cnp.parse(value, today=today).birth_date == born


def test_foreigner_born_today_is_taken_as_born_this_century():
    value = _with_control_digit("725123140001")
    assert cnp.birth_date(value, today=datetime.date(2025, 12, 31)) == datetime.date(2025, 12, 31)


@pytest.mark.parametrize("first_twelve", ["700022940001", "800022940001", "900022940001"])
def test_foreigners_leap_day_of_year_00_is_valid(first_twelve):
    validate_cnp(_with_control_digit(first_twelve))


# --- birth date -------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_twelve",
    ["612022912345", "600022912345", "160022940001", "420022940001", "496022940001"],
    ids=["2012", "2000", "1960", "1820", "1896"],
)
def test_leap_day_is_valid_in_a_leap_year(first_twelve):
    validate_cnp(_with_control_digit(first_twelve))


@pytest.mark.parametrize(
    "first_twelve",
    ["613022912345", "100022940001", "200022940001", "699022940001", "300022940001"],
    ids=["2013", "1900", "1900-female", "2099", "1800"],
)
def test_leap_day_is_refused_in_a_common_year(first_twelve):
    assert _error_code(_with_control_digit(first_twelve)) == "cnp_date"


@pytest.mark.parametrize("month", ["04", "06", "09", "11"])
def test_31st_of_a_30_day_month_is_refused(month):
    assert _error_code(_with_control_digit(f"512{month}3140001")) == "cnp_date"


@pytest.mark.parametrize("month", ["01", "03", "05", "07", "08", "10", "12"])
def test_31st_of_a_31_day_month_is_valid(month):
    validate_cnp(_with_control_digit(f"512{month}3140001"))


@pytest.mark.parametrize("yymmdd", ["121301", "120001", "120100", "120132", "120230"])
def test_month_or_day_out_of_range_is_refused(yymmdd):
    assert _error_code(_with_control_digit(f"5{yymmdd}40001")) == "cnp_date"


# --- county -----------------------------------------------------------------------


@pytest.mark.parametrize("county_code", ["00", "49", "50", "53", "69", "71", "99"])
def test_unknown_county_code_is_refused(county_code):
    assert _error_code(_with_control_digit(f"5120101{county_code}001")) == "cnp_county"


@pytest.mark.parametrize("county_code", ["47", "48", "51", "52"])
def test_old_bucharest_sectors_calarasi_and_giurgiu_are_accepted(county_code):
    validate_cnp(_with_control_digit(f"1850101{county_code}001"))


def test_every_listed_county_code_is_accepted():
    for county_code in cnp.COUNTY_CODES:
        validate_cnp(_with_control_digit(f"5120101{county_code}001"))


def test_a_code_issued_by_the_electronic_civil_registry_is_accepted():
    # SIIEASC issues county code 70 wherever the birth is registered.
    validate_cnp("6010720709549")


def test_county_table_holds_the_46_counties_and_sectors_plus_47_48_51_52_70():
    expected = {f"{n:02d}" for n in range(1, 47)} | {"47", "48", "51", "52", "70"}
    assert set(cnp.COUNTY_CODES) == expected


def test_county_names_use_comma_below_diacritics():
    names = "".join(cnp.COUNTY_CODES.values())
    assert "ș" in names and "ț" in names
    assert not {"ş", "ţ", "Ş", "Ţ"} & set(names)  # the cedilla look-alikes


def test_county_code_error_names_the_code():
    with pytest.raises(ValidationError) as caught:
        validate_cnp(_with_control_digit("512010149001"))
    assert caught.value.params == {"county_code": "49"}


# --- serial and control digit -----------------------------------------------------


def test_serial_000_is_refused():
    assert _error_code(_with_control_digit("512010140000")) == "cnp_serial"


@pytest.mark.parametrize("serial", ["001", "999"])
def test_serial_001_and_999_are_accepted(serial):
    validate_cnp(_with_control_digit(f"512010140{serial}"))


@pytest.mark.parametrize("value", HAND_CHECKED)
def test_wrong_control_digit_is_refused(value):
    wrong = (int(value[12]) + 1) % 10
    assert _error_code(value[:12] + str(wrong)) == "cnp_control_digit"


# --- shape --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "length"), [(MAN_1985[:12], 12), (MAN_1985 + "0", 14)])
def test_wrong_length_is_refused_with_the_length(value, length):
    with pytest.raises(ValidationError) as caught:
        validate_cnp(value)
    assert caught.value.code == "cnp_length"
    assert caught.value.params == {"length": length}


def test_empty_string_is_refused_as_too_short():
    assert _error_code("") == "cnp_length"


@pytest.mark.parametrize(
    "value",
    [
        "18503154001A5",
        "1850315-40012",
        "18503154001\N{SUPERSCRIPT TWO}5",
        "18503154001\N{ARABIC-INDIC DIGIT FIVE}5",
    ],
    ids=["letter", "dash", "superscript", "arabic-indic"],
)
def test_anything_but_ascii_digits_is_refused(value):
    assert len(value) == 13
    assert _error_code(value) == "cnp_not_digits"


def test_surrounding_whitespace_is_not_stripped():
    assert _error_code(f" {MAN_1985}") == "cnp_length"
    assert _error_code(f" {MAN_1985[:12]}") == "cnp_not_digits"


def test_non_string_is_refused_as_not_digits():
    assert _error_code(1850315400125) == "cnp_not_digits"


def test_first_digit_0_is_refused():
    assert _error_code(_with_control_digit("085031540012")) == "cnp_first_digit"


# --- order, messages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0A", "cnp_length"),  # short and with a letter: length comes first
        ("0850315400A25", "cnp_not_digits"),  # a letter and first digit 0
        ("0851315000000", "cnp_first_digit"),  # first digit 0 and everything else wrong
        ("1851315000000", "cnp_date"),  # month 13, county 00, serial 000
        ("1850315000000", "cnp_county"),  # county 00 and serial 000
        ("1850315400000", "cnp_serial"),  # serial 000 and a wrong control digit
    ],
)
def test_the_first_problem_in_order_is_reported(value, code):
    assert _error_code(value) == code


@pytest.mark.parametrize(
    "value",
    [
        MAN_1985[:12],
        "18503154001A5",
        "0850315400125",
        "1851315400125",
        "1850315490125",
        "1850315400005",
        "1850315400126",
    ],
)
def test_message_does_not_repeat_the_cnp(value):
    with pytest.raises(ValidationError) as caught:
        validate_cnp(value)
    (message,) = caught.value.messages
    assert message
    assert value not in message
    assert value[:7] not in message  # nor the birth date


# --- build_cnp ----------------------------------------------------------------------

ROUND_TRIP_DATES = [
    datetime.date(1900, 1, 1),
    datetime.date(1904, 2, 29),
    datetime.date(1999, 12, 31),
    datetime.date(2000, 1, 1),
    datetime.date(2000, 2, 29),
    datetime.date(2012, 2, 29),
    datetime.date(2024, 2, 29),
    datetime.date(2099, 12, 31),
    datetime.date(1800, 1, 1),
    datetime.date(1896, 2, 29),
]


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("born", ROUND_TRIP_DATES, ids=str)
def test_build_cnp_round_trips_edge_dates(sex, born):
    value = cnp.build_cnp(sex=sex, birth_date=born, county_code="40", serial=1)
    validate_cnp(value)
    assert (cnp.birth_date(value), cnp.sex(value)) == (born, sex)


@pytest.mark.parametrize("sex", ["M", "F"])
def test_build_cnp_round_trips_every_13th_day_of_the_1900s_and_2000s(sex):
    county_codes = sorted(cnp.COUNTY_CODES)
    born = datetime.date(1900, 1, 1)
    index = 0
    while born.year < 2100:
        county_code = county_codes[index % len(county_codes)]
        serial = index % 999 + 1
        value = cnp.build_cnp(sex=sex, birth_date=born, county_code=county_code, serial=serial)
        parsed = cnp.parse(value)
        assert (parsed.birth_date, parsed.sex) == (born, sex), value
        assert (parsed.county_code, parsed.serial) == (county_code, serial), value
        born += datetime.timedelta(days=13)
        index += 1
    assert index > 5000


def test_build_cnp_picks_the_first_digit_from_sex_and_century():
    first_digits = {
        (sex, year): cnp.build_cnp(
            sex=sex, birth_date=datetime.date(year, 6, 1), county_code="12", serial=7
        )[0]
        for sex in "MF"
        for year in (1850, 1950, 2050)
    }
    assert first_digits == {
        ("M", 1850): "3",
        ("F", 1850): "4",
        ("M", 1950): "1",
        ("F", 1950): "2",
        ("M", 2050): "5",
        ("F", 2050): "6",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sex": "X"},
        {"birth_date": datetime.date(1799, 12, 31)},
        {"birth_date": datetime.date(2100, 1, 1)},
        {"county_code": "49"},
        {"county_code": "1"},
        {"serial": 0},
        {"serial": 1000},
    ],
    ids=["sex", "1799", "2100", "county-49", "county-1", "serial-0", "serial-1000"],
)
def test_build_cnp_refuses_what_no_cnp_can_hold(kwargs):
    arguments = {
        "sex": "F",
        "birth_date": datetime.date(2010, 1, 1),
        "county_code": "40",
        "serial": 1,
    } | kwargs
    with pytest.raises(ValueError):
        cnp.build_cnp(**arguments)


# --- single-digit changes -----------------------------------------------------------

SAMPLES = [
    *HAND_CHECKED,
    *(
        cnp.build_cnp(
            sex="MF"[n % 2],
            birth_date=datetime.date(1930, 1, 1) + datetime.timedelta(days=1009 * n),
            county_code=sorted(cnp.COUNTY_CODES)[n * 7 % len(cnp.COUNTY_CODES)],
            serial=n * 37 % 999 + 1,
        )
        for n in range(30)
    ),
]


@pytest.mark.parametrize("value", SAMPLES)
def test_changing_the_control_digit_always_fails(value):
    for digit in "0123456789":
        if digit != value[12]:
            assert _error_code(value[:12] + digit) == "cnp_control_digit"


@pytest.mark.parametrize("value", SAMPLES)
def test_changing_one_of_the_first_twelve_digits_fails_unless_remainders_1_and_10_meet(value):
    """The key's digits are all non-zero mod 11, so changing one digit always changes
    the remainder; only a move between remainders 1 and 10, which both give control
    digit 1, can go unnoticed — a weakness of the CNP itself."""
    for position in range(12):
        for digit in "0123456789":
            if digit == value[position]:
                continue
            changed = value[:position] + digit + value[position + 1 :]
            try:
                validate_cnp(changed)
            except ValidationError:
                continue
            remainders = {_remainder(value[:12]), _remainder(changed[:12])}
            assert remainders == {1, 10}, changed


def test_every_single_digit_change_fails_when_the_remainder_is_neither_1_nor_10():
    assert _remainder(MAN_1985[:12]) not in (1, 10)
    for position in range(13):
        for digit in "0123456789":
            if digit != MAN_1985[position]:
                changed = MAN_1985[:position] + digit + MAN_1985[position + 1 :]
                assert not cnp.is_valid(changed), changed
