"""The Romanian personal numeric code (CNP, *cod numeric personal*).

Thirteen digits, ``S YY MM DD JJ NNN C``:

* ``S`` — sex and century of birth: 1/2 men/women born 1900-1999, 3/4 born
  1800-1899, 5/6 born 2000-2099; 7/8 foreign residents, 9 foreigners. 0 is never used.
* ``YYMMDD`` — the birth date, which must exist in the calendar.
* ``JJ`` — the county (or Bucharest sector) that issued the code, see ``COUNTY_CODES``.
* ``NNN`` — a serial number, 001-999.
* ``C`` — a control digit computed from the first twelve, see ``control_digit``.

Century of foreign residents and foreigners (7, 8, 9): the code does not say. We take
the latest century that does not put the birth date in the future — 20YY unless
that date is still to come, then 19YY. The people on file are mostly children, so a
foreign resident with ``YY`` = 10 is far likelier born in 2010 than in 1910. (Taking
19YY first would never fall back to 20YY: a date in the 1900s is never in the future.)

This module is plain Python and knows nothing of forms or translations: ``check``
raises an ``InvalidCNP`` subclass carrying a ``code`` and ``params``, and
``children.validators`` turns it into a translated ``ValidationError``. Error
messages and ``params`` never carry the CNP itself: it is personal data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.utils import timezone

LENGTH = 13
DIGITS = frozenset("0123456789")
CONTROL_KEY = "279146358279"

#: County (or Bucharest sector) codes, digits 8-9 of a CNP, and their names.
COUNTY_CODES: dict[str, str] = {
    "01": "Alba",
    "02": "Arad",
    "03": "Argeș",
    "04": "Bacău",
    "05": "Bihor",
    "06": "Bistrița-Năsăud",
    "07": "Botoșani",
    "08": "Brașov",
    "09": "Brăila",
    "10": "Buzău",
    "11": "Caraș-Severin",
    "12": "Cluj",
    "13": "Constanța",
    "14": "Covasna",
    "15": "Dâmbovița",
    "16": "Dolj",
    "17": "Galați",
    "18": "Gorj",
    "19": "Harghita",
    "20": "Hunedoara",
    "21": "Ialomița",
    "22": "Iași",
    "23": "Ilfov",
    "24": "Maramureș",
    "25": "Mehedinți",
    "26": "Mureș",
    "27": "Neamț",
    "28": "Olt",
    "29": "Prahova",
    "30": "Satu Mare",
    "31": "Sălaj",
    "32": "Sibiu",
    "33": "Suceava",
    "34": "Teleorman",
    "35": "Timiș",
    "36": "Tulcea",
    "37": "Vaslui",
    "38": "Vâlcea",
    "39": "Vrancea",
    "40": "București",
    "41": "București, Sectorul 1",
    "42": "București, Sectorul 2",
    "43": "București, Sectorul 3",
    "44": "București, Sectorul 4",
    "45": "București, Sectorul 5",
    "46": "București, Sectorul 6",
    # Sectors 7 and 8 no longer exist, but codes issued back then are still in use.
    "47": "București, Sectorul 7 (vechi)",
    "48": "București, Sectorul 8 (vechi)",
    "51": "Călărași",
    "52": "Giurgiu",
    # Since 2021 the electronic civil registry (SIIEASC) issues new CNPs with
    # code 70 wherever the birth is registered; young children carry them.
    "70": "Înregistrare prin SIIEASC (orice județ)",
}

# First digit -> the century of the birth year; None when the code does not say.
_CENTURIES: dict[str, int | None] = {
    "1": 1900,
    "2": 1900,
    "3": 1800,
    "4": 1800,
    "5": 2000,
    "6": 2000,
    "7": None,
    "8": None,
    "9": None,
}
_FIRST_DIGITS = {  # (sex, century) -> first digit, for build_cnp
    ("M", 1900): "1",
    ("F", 1900): "2",
    ("M", 1800): "3",
    ("F", 1800): "4",
    ("M", 2000): "5",
    ("F", 2000): "6",
}

Sex = Literal["M", "F"]


class InvalidCNP(ValueError):
    """A CNP's first problem. ``code`` names it; ``params`` fill its message."""

    code = "cnp_invalid"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.code, params)


class WrongLength(InvalidCNP):
    code = "cnp_length"  # params: length


class NotDigits(InvalidCNP):
    code = "cnp_not_digits"


class UnknownFirstDigit(InvalidCNP):
    code = "cnp_first_digit"


class ImpossibleDate(InvalidCNP):
    code = "cnp_date"


class UnknownCounty(InvalidCNP):
    code = "cnp_county"  # params: county_code


class ZeroSerial(InvalidCNP):
    code = "cnp_serial"


class WrongControlDigit(InvalidCNP):
    code = "cnp_control_digit"


@dataclass(frozen=True)
class ParsedCNP:
    sex: Sex
    birth_date: datetime.date
    county_code: str
    county: str
    serial: int


def control_digit(first_twelve: str) -> int:
    """The 13th digit that the first twelve call for.

    Each digit is multiplied by the matching digit of 279146358279; the sum's
    remainder mod 11 is the control digit, except that a remainder of 10 gives 1.
    """
    if len(first_twelve) != LENGTH - 1 or not set(first_twelve) <= DIGITS:
        raise ValueError("control_digit() takes exactly 12 ASCII digits")
    remainder = sum(int(d) * int(k) for d, k in zip(first_twelve, CONTROL_KEY, strict=True)) % 11
    return 1 if remainder == 10 else remainder


def _check_shape(cnp: str) -> None:
    if not isinstance(cnp, str):
        raise NotDigits()
    if len(cnp) != LENGTH:
        raise WrongLength(length=len(cnp))
    # Not str.isdigit(): it accepts other scripts' digits and superscripts.
    if not set(cnp) <= DIGITS:
        raise NotDigits()
    if cnp[0] not in _CENTURIES:
        raise UnknownFirstDigit()


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _birth_date(cnp: str, today: datetime.date | None) -> datetime.date:
    yy, month, day = int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7])
    century = _CENTURIES[cnp[0]]
    if century is not None:
        found = _date(century + yy, month, day)
    else:  # foreign resident or foreigner: the latest century not in the future
        if today is None:
            today = timezone.localdate()
        found = _date(2000 + yy, month, day)
        if found is None or found > today:
            found = _date(1900 + yy, month, day)
    if found is None:
        raise ImpossibleDate()
    return found


def birth_date(cnp: str, *, today: datetime.date | None = None) -> datetime.date:
    """The birth date written in ``cnp``.

    Raises ``InvalidCNP`` if the code's length, digits, first digit or date are
    wrong; the county, serial and control digit are not looked at. ``today`` only
    matters for first digits 7-9 (see the module's docstring); it defaults to the
    current date in the project's time zone.
    """
    _check_shape(cnp)
    return _birth_date(cnp, today)


def sex(cnp: str) -> Sex:
    """ "M" for an odd first digit, "F" for an even one.

    First digit 9 (foreigners) gives "M", though such codes do not really record sex.
    """
    _check_shape(cnp)
    return "M" if int(cnp[0]) % 2 else "F"


def check(cnp: str, *, today: datetime.date | None = None) -> None:
    """Raise the first problem found in ``cnp``, in this order: length, digits, first
    digit, date, county code, serial, control digit. Return None if there is none.

    The value is checked exactly as given: surrounding spaces are a problem here.
    """
    parse(cnp, today=today)


def parse(cnp: str, *, today: datetime.date | None = None) -> ParsedCNP:
    """What a valid ``cnp`` says; raises an ``InvalidCNP`` subclass as ``check`` does."""
    _check_shape(cnp)
    born = _birth_date(cnp, today)
    county_code = cnp[7:9]
    if county_code not in COUNTY_CODES:
        raise UnknownCounty(county_code=county_code)
    serial = int(cnp[9:12])
    if serial == 0:
        raise ZeroSerial()
    if int(cnp[12]) != control_digit(cnp[:12]):
        raise WrongControlDigit()
    return ParsedCNP(
        sex="M" if int(cnp[0]) % 2 else "F",
        birth_date=born,
        county_code=county_code,
        county=COUNTY_CODES[county_code],
        serial=serial,
    )


def is_valid(cnp: str) -> bool:
    try:
        check(cnp)
    except InvalidCNP:
        return False
    return True


def build_cnp(*, sex: str, birth_date: datetime.date, county_code: str, serial: int) -> str:
    """A valid CNP of a Romanian citizen, for factories and demo data.

    The first digit follows from ``sex`` ("M" or "F") and the birth year's century
    (1800-2099); anything else raises ``ValueError``, as do an unknown county code
    and a serial outside 1-999.
    """
    century = birth_date.year // 100 * 100
    first = _FIRST_DIGITS.get((sex, century))
    if first is None:
        raise ValueError(
            f"no CNP first digit for sex={sex!r} born in {birth_date.year}: "
            'sex must be "M" or "F" and the year 1800-2099'
        )
    if county_code not in COUNTY_CODES:
        raise ValueError(f"unknown county code {county_code!r}")
    if not 1 <= serial <= 999:
        raise ValueError(f"serial must be 1-999, not {serial!r}")
    yymmdd = f"{birth_date.year % 100:02d}{birth_date.month:02d}{birth_date.day:02d}"
    first_twelve = f"{first}{yymmdd}{county_code}{serial:03d}"
    return f"{first_twelve}{control_digit(first_twelve)}"


def mask(cnp: str | None) -> str:
    """``5**********34``: the first digit and the last two.

    Not the last four: the birth date is shown beside it, and with the whole
    serial and the check digit only the county would be hidden, which the
    check digit narrows to a handful of candidates.
    """
    if not cnp:
        return ""
    return cnp[0] + "*" * (len(cnp) - 3) + cnp[-2:] if len(cnp) > 3 else "*" * len(cnp)
