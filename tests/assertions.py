"""Checks several test modules share."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext


def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint``."""
    return pytest.raises(IntegrityError, match=constraint)


def queries_to_get(client, url: str) -> int:
    """How many SQL queries a successful GET of ``url`` runs."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
