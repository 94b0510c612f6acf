"""The register of a 30-child group stays light on a phone's mobile data: a cold
load, the HTML and every stylesheet and script it loads, is at most 60 KB gzipped.
(``make bench-register`` prints the figures, brotli too.)"""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from attendance.management.commands.bench_register import TARGET_BYTES, cold_load, gzipped_size

CHILDREN = 30


def test_register_cold_load_is_at_most_60_kb_gzipped(client, group, social_worker, enrol, today):
    enrol(group, CHILDREN)
    client.force_login(social_worker)
    url = reverse("attendance:register", args=[group.pk, today])
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == CHILDREN
    html = response.content.decode()
    assets = cold_load(html)
    # What the phone receives: the page as the server compresses it.
    sent = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert sent["Content-Encoding"] == "gzip"
    # The page's own files are all found, so the total is not light by omission.
    assert {path.name for _url, path in assets} >= {
        "bootstrap.min.css",
        "app.css",
        "app.js",
        "register.js",
    }
    total = len(sent.content) + sum(gzipped_size(path.read_bytes()) for _url, path in assets)
    assert TARGET_BYTES == 60 * 1024
    assert total <= TARGET_BYTES, f"{total} bytes gzipped"


def test_bench_register_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("bench_register")
