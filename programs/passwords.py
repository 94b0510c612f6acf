"""Password rules beyond Django's own validators."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MixedCharactersValidator:
    """A password needs letters and at least one digit or symbol.

    With Django's minimum length and common-password list this keeps out the
    easy guesses ("parolaparola", "inocenti2024" is refused as too common only
    if listed) without the rotating-rules fatigue NIST advises against.
    """

    def validate(self, password: str, user=None) -> None:
        if not any(ch.isalpha() for ch in password) or all(ch.isalpha() for ch in password):
            raise ValidationError(
                _("The password must contain letters and at least one digit or symbol."),
                code="password_not_mixed",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain letters and at least one digit or symbol.")
