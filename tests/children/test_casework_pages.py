"""Case notes and follow-up tasks, from the child's page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import CaseNote, FollowUp
from programs.models import Role
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    FamilyFactory,
    FollowUpFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(site_a):
    return ChildFactory(site=site_a)


@pytest.fixture
def social_worker(site_a):
    return UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a], first_name="Ioana")


def _note(child, **overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "kind": "home_visit",
        "text": "Bunica a venit.",
    }
    data.update(overrides)
    return data


def test_a_social_worker_adds_a_case_note_and_sees_it_on_the_childs_page(
    client, social_worker, child
):
    client.force_login(social_worker)
    url = reverse("case_note_new", args=[child.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _note(child), follow=True)
    assert response.redirect_chain == [(reverse("child", args=[child.pk]), 302)]
    note = CaseNote.objects.get()
    assert (note.child, note.site, note.created_by) == (child, child.site, social_worker)
    assert "Bunica a venit." in response.content.decode()
    assert "salvată cu succes" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"), [("text", ""), ("kind", "gossip"), ("date", "2999-01-01"), ("date", "x")]
)
def test_an_invalid_note_is_shown_again_and_nothing_is_saved(
    client, social_worker, child, field, value
):
    client.force_login(social_worker)
    response = client.post(
        reverse("case_note_new", args=[child.pk]), _note(child, **{field: value})
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not CaseNote.objects.exists()


def test_only_the_author_corrects_a_note(client, social_worker, child, site_a):
    note = CaseNoteFactory(child=child, created_by=social_worker)
    url = reverse("case_note_edit", args=[child.pk, note.pk])
    client.force_login(UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a]))
    assert client.post(url, _note(child, text="altceva")).status_code == 403
    client.force_login(social_worker)
    assert client.post(url, _note(child, text="Corectat")).status_code == 302
    note.refresh_from_db()
    assert note.text == "Corectat"


def test_another_sites_child_is_404(client, social_worker, site_b):
    stranger = ChildFactory(site=site_b)
    client.force_login(social_worker)
    assert client.get(reverse("case_note_new", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("follow_up_new", args=[stranger.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.VOLUNTEER])
def test_roles_that_only_read_cannot_add_notes(client, child, site_a, role):
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert client.get(reverse("case_note_new", args=[child.pk])).status_code in (403, 404)
    assert not CaseNote.objects.exists()


def test_a_follow_up_appears_on_the_assignees_home_until_done(client, social_worker, child):
    client.force_login(social_worker)
    due = timezone.localdate() + datetime.timedelta(days=3)
    client.post(
        reverse("follow_up_new", args=[child.pk]),
        {"task": "Sunați dirigintele", "assignee": social_worker.pk, "due_on": due.isoformat()},
    )
    task = FollowUp.objects.get()
    home = client.get("/")
    assert [t.pk for t in home.context["my_follow_ups"]] == [task.pk]
    assert "Sunați dirigintele" in home.content.decode()
    client.post(reverse("follow_up_done", args=[task.pk]), {"outcome": "A promis că vine."})
    task.refresh_from_db()
    assert task.done_on == timezone.localdate() and task.outcome == "A promis că vine."
    assert client.get("/").context["my_follow_ups"] == []


def test_a_follow_up_is_assigned_only_to_someone_of_the_childs_site(
    client, social_worker, child, site_b
):
    stranger = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_b])
    client.force_login(social_worker)
    response = client.post(
        reverse("follow_up_new", args=[child.pk]),
        {"task": "x", "assignee": stranger.pk, "due_on": "2026-12-01"},
    )
    assert response.status_code == 400
    assert not FollowUp.objects.exists()


def test_another_sites_follow_up_cannot_be_closed(client, social_worker, site_b):
    task = FollowUpFactory(child=ChildFactory(site=site_b))
    client.force_login(social_worker)
    assert client.post(reverse("follow_up_done", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.done_on is None


def test_a_note_about_the_whole_family_shows_on_each_childs_page(client, social_worker, site_a):
    family = FamilyFactory(site=site_a)
    child, sibling = (
        ChildFactory(site=site_a, family=family),
        ChildFactory(site=site_a, family=family),
    )
    client.force_login(social_worker)
    client.post(
        reverse("case_note_new", args=[child.pk]),
        _note(child, text="Tatăl și-a găsit de lucru.", about_family="on"),
    )
    note = CaseNote.objects.get()
    assert (note.child, note.family) == (None, family)
    assert (
        "Tatăl și-a găsit de lucru."
        in client.get(reverse("child", args=[sibling.pk])).content.decode()
    )


def test_a_child_without_family_has_no_family_choice(client, social_worker, child):
    client.force_login(social_worker)
    form = client.get(reverse("case_note_new", args=[child.pk])).context["form"]
    assert "about_family" not in form.fields
