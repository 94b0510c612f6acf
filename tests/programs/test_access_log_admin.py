"""The access log in the admin: the directors read their sites' entries, nobody edits them."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from programs.models import AccessAction, AccessLogEntry, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:programs_accesslogentry_changelist")


def _entry(site, reason):
    reader = UserFactory(role=Role.DIRECTOR, sites=[site])
    return AccessLogEntry.objects.create(
        user=reader, action=AccessAction.BREAK_GLASS, site=site, child_id=1, reason=reason
    )


def test_a_director_reads_only_their_sites_entries(client, site_a, site_b):
    _entry(site_a, "Cerere urgentă a poliției pentru Rândașu")
    _entry(site_b, "Cerere urgentă a poliției pentru Străinu")
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[site_a]))
    html = client.get(URL).content.decode()
    assert "Rândașu" in html
    assert "Străinu" not in html


def test_a_coordinator_does_not_read_the_access_log(client, make_user, site_a):
    client.force_login(make_user(Role.COORDINATOR))
    assert client.get(URL).status_code == 403


def test_nobody_changes_or_deletes_an_entry_in_the_admin(client, site_a):
    entry = _entry(site_a, "Cerere urgentă a poliției pentru Rândașu")
    client.force_login(UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]))
    change = reverse("admin:programs_accesslogentry_change", args=[entry.pk])
    delete = reverse("admin:programs_accesslogentry_delete", args=[entry.pk])
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"reason": "altceva"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.reason.startswith("Cerere urgentă")


def test_the_database_refuses_to_change_or_delete_an_entry(site_a):
    entry = _entry(site_a, "Cerere urgentă a poliției pentru Rândașu")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(reason="șters")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.get(pk=entry.pk).reason.startswith("Cerere urgentă")
