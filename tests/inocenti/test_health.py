import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_health_answers_ok_without_login_or_session(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_answers_503_when_the_database_fails(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"unavailable\n"


@pytest.mark.django_db
def test_health_accepts_only_get(client):
    assert client.post("/health/").status_code == 405
