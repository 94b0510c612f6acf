"""Logging that keeps children's data out of the logs."""

import logging

import psycopg
from django.db import DatabaseError

WITHHELD = "details withheld: database messages can quote the row's values"


class RedactDatabaseErrors(logging.Filter):
    """Replace the message of a logged database error, keeping its traceback.

    PostgreSQL quotes the offending values (``DETAIL: Key (cnp)=(…) already
    exists``), and psycopg's exception, chained as the cause, says it again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], DatabaseError | psycopg.Error):
            exc_type, _value, traceback = record.exc_info
            record.exc_info = (exc_type, exc_type(WITHHELD), traceback)
            record.exc_text = None  # drop any text already formatted from the original
        return True
