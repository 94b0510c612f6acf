"""Validators for children's data. Messages never repeat the value: it is personal data."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from children import cnp

CNP_MESSAGES = {
    cnp.WrongLength.code: _("A CNP has 13 digits; this one has %(length)s."),
    cnp.NotDigits.code: _("A CNP is made of digits only."),
    cnp.UnknownFirstDigit.code: _("A CNP never starts with 0."),
    cnp.ImpossibleDate.code: _(
        "The birth date in this CNP (digits 2 to 7, YYMMDD) does not exist in the calendar."
    ),
    cnp.UnknownCounty.code: _(
        "There is no county with code %(county_code)s (digits 8 and 9 of a CNP)."
    ),
    cnp.ZeroSerial.code: _("The serial number in this CNP (digits 10 to 12) cannot be 000."),
    cnp.WrongControlDigit.code: _(
        "The last digit of this CNP does not match the others; check it for a typing mistake."
    ),
}


def validate_cnp(value):
    """Raise ``ValidationError`` for the first problem of a Romanian CNP.

    The value is validated exactly as given (the form field strips whitespace).
    Problems are checked in this order, each with its own ``code``: length
    (``cnp_length``), digits only (``cnp_not_digits``), first digit
    (``cnp_first_digit``), birth date (``cnp_date``), county code (``cnp_county``),
    serial (``cnp_serial``), control digit (``cnp_control_digit``).
    """
    try:
        cnp.check(value)
    except cnp.InvalidCNP as problem:
        raise ValidationError(
            CNP_MESSAGES[problem.code], code=problem.code, params=problem.params or None
        ) from None
