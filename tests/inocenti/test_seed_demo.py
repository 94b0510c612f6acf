import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from programs.models import Role, Site, User

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+\(", output, flags=re.MULTILINE))


def test_seed_demo_creates_the_sites_and_one_account_per_role(settings):
    settings.DEBUG = True
    passwords = _printed_passwords(_seed())
    assert Site.objects.count() == 8
    for role in Role:
        assert User.objects.filter(role=role).count() == 1
    assert User.objects.filter(is_superuser=True).count() == 1
    assert len(passwords) == len(Role) + 1


def test_seed_demo_twice_creates_nothing_and_prints_no_password(settings):
    settings.DEBUG = True
    _seed()
    second = _seed()
    assert User.objects.count() == len(Role) + 1
    assert _printed_passwords(second) == {}
    assert "--reset-passwords" in second


def test_printed_passwords_log_in_and_reset_replaces_them(settings, client):
    settings.DEBUG = True
    first = _printed_passwords(_seed())
    assert client.login(username="asistent", password=first["asistent"])
    reset = _printed_passwords(_seed("--reset-passwords"))
    assert not client.login(username="asistent", password=first["asistent"])
    assert client.login(username="asistent", password=reset["asistent"])


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _seed()
    assert not User.objects.exists()
