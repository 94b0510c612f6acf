"""Who opened a child's sensitive records, and the directors' emergency access to
confidential notes, which is logged with its reason before the notes are shown."""

import pytest
from django.urls import reverse

from children.models import ConfidentialNote
from programs.models import AccessAction, AccessLogEntry, Role
from tests.assertions import queries_to_get, refused
from tests.auth import force_login_verified
from tests.factories import (
    ChildFactory,
    CounselingSessionFactory,
    FamilyFactory,
    GuardianFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Copilul povestește despre violență acasă."
REASON = "Sesizare DGASPC: trebuie să verificăm azi riscul de abuz."


@pytest.fixture
def child(site_a):
    return ChildFactory(site=site_a, given_names="Ana-Maria", family_name="Rostaș")


@pytest.fixture
def classmate(site_a):
    return ChildFactory(site=site_a, given_names="Florin", family_name="Stoica")


@pytest.fixture
def psychologist(site_a):
    return UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a])


@pytest.fixture
def director(site_a):
    """A director of site A only (not one who sees every site)."""
    return UserFactory(role=Role.DIRECTOR, sites=[site_a], first_name="Radu", last_name="Dobre")


@pytest.fixture
def session(site_a, psychologist, child, classmate):
    """A group session of two children, with confidential notes."""
    session = CounselingSessionFactory(
        site=site_a, psychologist=psychologist, kind="group", children=[child, classmate]
    )
    ConfidentialNote.objects.create(session=session, text=SECRET, updated_by=psychologist)
    return session


def _entries(**filters):
    return list(AccessLogEntry.objects.filter(**filters))


# --- Each reading adds one entry ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url_name", "action"),
    [
        (Role.SOCIAL_WORKER, "child", AccessAction.VIEW_CHILD),
        (Role.COORDINATOR, "admin:children_child_change", AccessAction.VIEW_CHILD_ADMIN),
        (Role.COORDINATOR, "child_history", AccessAction.VIEW_HISTORY),
        (Role.DIRECTOR, "child_history", AccessAction.VIEW_HISTORY),
        (Role.COORDINATOR, "child_export", AccessAction.EXPORT),
        (Role.COORDINATOR, "child_export_json", AccessAction.EXPORT),
    ],
)
def test_opening_a_childs_record_adds_one_entry(client, site_a, child, role, url_name, action):
    user = UserFactory(role=role, sites=[site_a])
    client.force_login(user)
    assert client.get(reverse(url_name, args=[child.pk])).status_code == 200
    (entry,) = _entries()
    assert (entry.user, entry.action, entry.child_id, entry.site) == (
        user,
        action,
        child.pk,
        site_a,
    )
    assert entry.reason == ""


def test_a_failed_admin_save_is_not_logged_as_a_reading(client, site_a, child):
    """Only showing the change form counts: a POST is not logged as an opening."""
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    client.post(reverse("admin:children_child_change", args=[child.pk]), {})
    assert not _entries()


def test_a_psychologist_opening_their_session_is_logged_for_each_child(
    client, psychologist, session, child, classmate
):
    client.force_login(psychologist)
    assert client.get(reverse("counseling_edit", args=[session.pk])).status_code == 200
    entries = _entries()
    assert {(e.user, e.action, e.child_id) for e in entries} == {
        (psychologist, AccessAction.VIEW_COUNSELING, child.pk),
        (psychologist, AccessAction.VIEW_COUNSELING, classmate.pk),
    }
    assert {(e.object_type, e.object_id) for e in entries} == {
        ("children.counselingsession", session.pk)
    }


def test_another_sites_child_is_not_found_and_not_logged(client, site_a, site_b):
    theirs = ChildFactory(site=site_b)
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    for name in ("child", "child_history", "child_export", "child_export_json"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert not _entries()


# --- The access log page is for directors ---------------------------------------------


def _log_page(client, child):
    return client.get(reverse("child_access_log", args=[child.pk]))


def test_a_director_reads_who_opened_the_record(client, director, site_a, child):
    reader = UserFactory(
        role=Role.SOCIAL_WORKER, sites=[site_a], first_name="Ioana", last_name="Marinescu"
    )
    client.force_login(reader)
    client.get(reverse("child", args=[child.pk]))
    client.force_login(director)
    response = _log_page(client, child)
    assert response.status_code == 200
    table = response.content.decode().split('data-testid="access-log"')[1]
    assert "Ioana Marinescu" in table


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PSYCHOLOGIST])
def test_other_roles_may_not_read_the_access_log(client, site_a, child, role):
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert _log_page(client, child).status_code == 403


def test_another_sites_access_log_is_not_found(client, director, site_b):
    client.force_login(director)
    assert _log_page(client, ChildFactory(site=site_b)).status_code == 404


# --- Break-glass ----------------------------------------------------------------------


def _break_glass(client, session, reason=None):
    url = reverse("counseling_break_glass", args=[session.pk])
    if reason is None:
        return client.get(url)
    return client.post(url, {"reason": reason})


def test_a_director_first_sees_the_form_and_not_the_notes(client, director, session):
    client.force_login(director)
    response = _break_glass(client, session)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="break-glass-form"' in html
    assert SECRET not in html
    assert not _entries()


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("", "Acest câmp este obligatoriu."),
        ("   ", "Acest câmp este obligatoriu."),
        ("Urgență.", "Asigurați-vă că această valoare are cel puțin 20 de caractere"),
    ],
)
def test_without_a_real_reason_nothing_is_shown_or_logged(client, director, session, reason, error):
    client.force_login(director)
    response = _break_glass(client, session, reason)
    html = response.content.decode()
    assert response.status_code == 200
    assert error in html
    assert SECRET not in html
    assert not _entries()


def test_with_a_reason_the_notes_are_shown_and_logged_for_every_child_of_the_session(
    client, director, session, child, classmate, site_a
):
    client.force_login(director)
    response = _break_glass(client, session, REASON)
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    entries = _entries()
    assert {(e.user, e.action, e.child_id, e.reason) for e in entries} == {
        (director, AccessAction.BREAK_GLASS, child.pk, REASON),
        (director, AccessAction.BREAK_GLASS, classmate.pk, REASON),
    }
    assert {(e.site, e.object_type, e.object_id) for e in entries} == {
        (site_a, "children.counselingsession", session.pk)
    }


def test_the_notes_page_is_never_stored_by_the_browser(client, director, session):
    client.force_login(director)
    assert "no-store" in _break_glass(client, session, REASON)["Cache-Control"]


def test_the_access_log_shows_the_break_glass_reason(client, director, session, child):
    client.force_login(director)
    _break_glass(client, session, REASON)
    html = _log_page(client, child).content.decode()
    row = next(r for r in html.split("<tr") if REASON in r)
    assert "table-warning" in row
    assert "Radu Dobre" in row


def test_break_glass_on_a_session_with_guardians_only_is_still_logged(
    client, director, psychologist, site_a
):
    mother = GuardianFactory(family=FamilyFactory(site=site_a))
    session = CounselingSessionFactory(site=site_a, psychologist=psychologist, kind="parent")
    session.guardians.add(mother)
    ConfidentialNote.objects.create(session=session, text=SECRET, updated_by=psychologist)
    client.force_login(director)
    assert SECRET in _break_glass(client, session, REASON).content.decode()
    (entry,) = _entries()
    assert (entry.action, entry.child_id, entry.object_id) == (
        AccessAction.BREAK_GLASS,
        None,
        session.pk,
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PSYCHOLOGIST, Role.SOCIAL_WORKER])
def test_other_roles_have_no_break_glass(client, site_a, session, role):
    """A psychologist reads the notes directly; the others never."""
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert _break_glass(client, session).status_code == 403
    response = _break_glass(client, session, REASON)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert not _entries()


def test_a_superuser_has_no_break_glass(client, session):
    force_login_verified(client, UserFactory(role="", is_superuser=True, sites=[]))
    assert _break_glass(client, session).status_code == 403
    assert _break_glass(client, session, REASON).status_code == 403
    assert not _entries()


def test_another_sites_session_is_not_found(client, director, site_b):
    theirs = CounselingSessionFactory(site=site_b, children=[ChildFactory(site=site_b)])
    ConfidentialNote.objects.create(session=theirs, text=SECRET, updated_by=theirs.psychologist)
    client.force_login(director)
    assert _break_glass(client, theirs).status_code == 404
    response = _break_glass(client, theirs, REASON)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert not _entries()


def test_break_glass_needs_a_post_with_the_csrf_token(director, session):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    assert _break_glass(client, session, REASON).status_code == 403
    assert not _entries()


def test_the_database_refuses_a_break_glass_entry_without_a_reason(director, child):
    with refused("access_log_break_glass_has_reason"):
        AccessLogEntry.objects.create(
            user=director, action=AccessAction.BREAK_GLASS, child_id=child.pk, reason=""
        )


def test_opening_a_counseling_session_in_the_admin_is_logged(client, site_a):
    child = ChildFactory(site=site_a)
    session = CounselingSessionFactory(site=site_a, children=[child])
    coordinator = UserFactory(role=Role.COORDINATOR, sites=[site_a])
    client.force_login(coordinator)
    url = reverse("admin:children_counselingsession_change", args=[session.pk])
    assert client.get(url).status_code == 200
    entry = AccessLogEntry.objects.get(action=AccessAction.VIEW_COUNSELING)
    assert (entry.user, entry.child_id, entry.object_id) == (coordinator, child.pk, session.pk)


def test_the_access_log_page_query_count_does_not_grow_with_its_entries(client, site_a, child):
    director = UserFactory(role=Role.DIRECTOR, sites=[site_a])
    other = ChildFactory(site=site_a)
    readers = UserFactory.create_batch(3, role=Role.COORDINATOR, sites=[site_a])
    for n in range(30):
        AccessLogEntry.objects.create(
            user=readers[n % 3], action=AccessAction.VIEW_CHILD, site=site_a, child_id=child.pk
        )
    AccessLogEntry.objects.create(
        user=readers[0], action=AccessAction.VIEW_CHILD, site=site_a, child_id=other.pk
    )
    client.force_login(director)
    few = queries_to_get(client, reverse("child_access_log", args=[other.pk]))
    many = queries_to_get(client, reverse("child_access_log", args=[child.pk]))
    assert many == few
