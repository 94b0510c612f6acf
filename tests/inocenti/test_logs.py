import logging
import sys
import uuid

import pytest
from django.db import IntegrityError, transaction

from inocenti.logs import WITHHELD, RedactDatabaseErrors
from tests.factories import SiteFactory


def _format(record: logging.LogRecord) -> str:
    handler = logging.StreamHandler()
    handler.addFilter(RedactDatabaseErrors())
    handler.setFormatter(logging.Formatter("%(message)s"))
    assert handler.filter(record)
    return handler.format(record)


@pytest.mark.django_db
def test_a_logged_database_error_does_not_quote_the_data():
    # Built at run time so that the traceback's source lines cannot contain it.
    name = f"Școala {uuid.uuid4().hex}"
    SiteFactory(name=name)
    try:
        with transaction.atomic():
            # Bypass the factory's get_or_create to hit the unique constraint.
            SiteFactory._meta.model.objects.create(name=name)
    except IntegrityError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: /",
            None,
            sys.exc_info(),
        )
    text = _format(record)
    assert name not in text
    assert WITHHELD in text
    assert "IntegrityError" in text
    assert "Traceback" in text


def test_other_errors_are_logged_unchanged():
    try:
        raise ValueError("a plain message")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "boom", None, sys.exc_info()
        )
    assert "a plain message" in _format(record)
