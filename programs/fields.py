"""Model fields shared by every app: Romanian names and multi-select choices."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.db import models

# The cedilla forms predate Unicode's comma-below letters and still come from
# old keyboards and spreadsheets; the comma-below forms are the correct ones.
CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})


def normalise_romanian(value: str) -> str:
    """NFC-composed text with comma-below ș ț and single spaces between words."""
    composed = unicodedata.normalize("NFC", value).translate(CEDILLA_TO_COMMA)
    return " ".join(composed.split())


class RomanianTextField(models.CharField):
    """A CharField for names and places: cedilla ş ţ become ș ț, whitespace is tidied.

    The rule sits on the field, so the admin, the import and bulk inserts all
    store the same spelling, and a lookup with the old letters still matches.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_romanian(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalise_romanian(value) if isinstance(value, str) else value


class ChoiceArrayField(ArrayField):
    """A multi-select of a TextChoices/IntegerChoices, shown as checkboxes."""

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.base_field.choices,
            "coerce": self.base_field.to_python,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        # Skip ArrayField.formfield, which would build a comma-separated text box.
        return super(ArrayField, self).formfield(**defaults)
