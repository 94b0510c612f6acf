"""The audit trail: database triggers record every write, whoever made it and however.

The writes go through real pages (the admin, the staff forms, the register), so
that the request's context (who, which page) is what the middleware set.
"""

import datetime

import pghistory
import pytest
from django import forms
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context, Event, Events

from attendance.models import Mark
from children.models import Child, CounselingSession
from programs.models import Role
from tests.assertions import queries_to_get
from tests.attendance.helpers import posted_no_session, posted_register, register_url
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GroupFactory,
    GuardianFactory,
    ProgramFactory,
    RegisterFactory,
    SchoolYearFactory,
    SupportGivenFactory,
    UserFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db

ChildEvent = apps.get_model("children", "ChildEvent")
GuardianEvent = apps.get_model("families", "GuardianEvent")
EnrollmentEvent = apps.get_model("programs", "EnrollmentEvent")
CaseNoteEvent = apps.get_model("children", "CaseNoteEvent")
MarkEvent = apps.get_model("attendance", "MarkEvent")
RegisterEvent = apps.get_model("attendance", "RegisterEvent")
SessionChildEvent = apps.get_model("children", "CounselingSessionChildEvent")

SECRET_NOTE = "TAINA-PSIHOLOGULUI"
FULL_CNP = "5140101420016"  # build_cnp(sex="M", birth_date=2014-01-01, county 42, 1)


# --- People, places and a way to send the admin's forms back --------------------------


@pytest.fixture
def coordinator(site_a):
    return UserFactory(
        role=Role.COORDINATOR, sites=[site_a], first_name="Elena", last_name="Vasilescu"
    )


@pytest.fixture
def director(site_a):
    return UserFactory(role=Role.DIRECTOR, sites=[site_a], first_name="Radu", last_name="Dobre")


@pytest.fixture
def social_worker(site_a):
    return UserFactory(
        role=Role.SOCIAL_WORKER, sites=[site_a], first_name="Ioana", last_name="Marinescu"
    )


@pytest.fixture
def psychologist(site_a):
    return UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a])


@pytest.fixture
def family(site_a):
    return FamilyFactory(site=site_a, name="Familia Căldăraru")


@pytest.fixture
def child(site_a, family):
    return ChildFactory(site=site_a, family=family, given_names="Ștefan", family_name="Căldăraru")


def _form_data(form) -> dict:
    """What the browser sends back for ``form`` as it was shown, unchanged."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def admin_post(client, url: str, **changes):
    """GET an admin add/change page, then POST it back with ``changes``."""
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_data(formset.management_form)
        for form in formset.forms:
            data |= _form_data(form)
    data |= changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    return response


def _user_of(event) -> int | None:
    return event.pgh_context.metadata.get("user") if event.pgh_context else None


# --- Every write is recorded, with who made it ----------------------------------------


def test_a_child_added_in_the_admin_is_recorded_with_who_added_it_and_where(
    client, coordinator, site_a
):
    client.force_login(coordinator)
    data = {"given_names": "Ionuț", "family_name": "Rostaș", "sex": "M", "site": site_a.pk}
    data |= {"status": "active", "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"}
    assert client.post(reverse("admin:children_child_add"), data).status_code == 302

    (event,) = ChildEvent.objects.filter(pgh_label="insert")
    assert (event.pgh_obj_id, event.given_names, event.family_name) == (
        Child.objects.get().pk,
        "Ionuț",
        "Rostaș",
    )
    assert _user_of(event) == coordinator.pk
    assert event.pgh_context.metadata["url"] == reverse("admin:children_child_add")


def test_a_child_changed_in_the_admin_keeps_the_values_before_and_after(client, coordinator, child):
    client.force_login(coordinator)
    url = reverse("admin:children_child_change", args=[child.pk])
    admin_post(client, url, family_name="Căldăraru-Stoica", notes="Se mută la bunici.")

    (event,) = Events.objects.tracks(child).filter(pgh_label="update")
    assert event.pgh_diff["family_name"] == ["Căldăraru", "Căldăraru-Stoica"]
    assert event.pgh_diff["notes"] == ["", "Se mută la bunici."]
    assert event.pgh_context["user"] == coordinator.pk


def test_a_child_deleted_in_the_admin_leaves_its_last_values_and_who_deleted_it(
    client, coordinator, site_a
):
    gone = ChildFactory(site=site_a, given_names="Denisa", family_name="Țurcanu")
    client.force_login(coordinator)
    response = client.post(reverse("admin:children_child_delete", args=[gone.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Child.objects.filter(pk=gone.pk).exists()

    (event,) = ChildEvent.objects.filter(pgh_obj_id=gone.pk, pgh_label="delete")
    assert (event.given_names, event.family_name) == ("Denisa", "Țurcanu")
    assert _user_of(event) == coordinator.pk


def test_a_guardian_changed_in_the_admin_is_recorded_with_old_and_new_phone(
    client, coordinator, family
):
    guardian = GuardianFactory(family=family, phone="0700 000 111")
    client.force_login(coordinator)
    admin_post(
        client, reverse("admin:families_guardian_change", args=[guardian.pk]), phone="0700 999 222"
    )
    (event,) = Events.objects.tracks(guardian).filter(pgh_label="update")
    assert event.pgh_diff["phone"] == ["0700 000 111", "0700 999 222"]
    assert event.pgh_context["user"] == coordinator.pk


def test_an_enrollment_added_on_the_childs_admin_page_is_recorded(
    client, coordinator, child, site_a
):
    group = GroupFactory(site=site_a)
    program = ProgramFactory(sites=[site_a])
    client.force_login(coordinator)
    admin_post(
        client,
        reverse("admin:children_child_change", args=[child.pk]),
        **{
            "enrollments-TOTAL_FORMS": "1",
            "enrollments-0-program": program.pk,
            "enrollments-0-site": site_a.pk,
            "enrollments-0-group": group.pk,
            "enrollments-0-started_on": "2025-09-15",
            "enrollments-0-status": "active",
        },
    )
    (event,) = EnrollmentEvent.objects.filter(pgh_label="insert").select_related("pgh_context")
    assert (event.child_id, event.group_id, event.program_id) == (child.pk, group.pk, program.pk)
    assert _user_of(event) == coordinator.pk


def test_an_enrollment_ended_in_the_admin_is_recorded(client, coordinator, child):
    enrollment = EnrollmentFactory(child=child)
    client.force_login(coordinator)
    admin_post(
        client,
        reverse("admin:programs_enrollment_change", args=[enrollment.pk]),
        ended_on="2026-01-20",
        status="withdrawn",
        exit_reason="S-a mutat în alt oraș.",
    )
    (event,) = Events.objects.tracks(enrollment).filter(pgh_label="update")
    assert event.pgh_diff["ended_on"] == [None, "2026-01-20"]
    assert event.pgh_diff["status"] == ["active", "withdrawn"]
    assert event.pgh_context["user"] == coordinator.pk


def test_a_case_note_written_on_the_staff_page_is_recorded_with_its_author(
    client, social_worker, child
):
    client.force_login(social_worker)
    response = client.post(
        reverse("case_note_new", args=[child.pk]),
        {"date": "2026-01-12", "kind": "phone_call", "text": "Am vorbit cu diriginta."},
    )
    assert response.status_code == 302
    (event,) = CaseNoteEvent.objects.all()
    assert (event.pgh_label, event.child_id, event.text) == (
        "insert",
        child.pk,
        "Am vorbit cu diriginta.",
    )
    assert _user_of(event) == social_worker.pk


def test_a_case_note_deleted_in_the_admin_is_recorded(client, coordinator, child):
    note = CaseNoteFactory(child=child, text="Notă scrisă din greșeală.")
    client.force_login(coordinator)
    client.post(reverse("admin:children_casenote_delete", args=[note.pk]), {"post": "yes"})
    (event,) = CaseNoteEvent.objects.filter(pgh_label="delete")
    assert (event.pgh_obj_id, event.text) == (note.pk, "Notă scrisă din greșeală.")
    assert _user_of(event) == coordinator.pk


def test_a_page_read_records_no_context(client, coordinator, child):
    """Reading writes no history: a GET sets no audit context."""
    client.force_login(coordinator)
    client.get(reverse("child", args=[child.pk]))
    assert not Context.objects.exists()


# --- The register's one raw SQL statement is audited too ------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def group(site_a, social_worker, today):
    year = SchoolYearFactory(
        start_year=current_start_year(),
        starts_on=today - datetime.timedelta(days=120),
        ends_on=today + datetime.timedelta(days=240),
        is_current=True,
    )
    group = GroupFactory(site=site_a, school_year=year, meeting_days=[1, 2, 3, 4, 5, 6, 7])
    group.staff.add(social_worker)
    return group


@pytest.fixture
def pupils(group, today):
    kids = [
        ChildFactory(site=group.site, family_name=name)
        for name in ("Albu", "Banu", "Cozma", "Dinu", "Enache")
    ]
    for kid in kids:
        EnrollmentFactory(
            child=kid, group=group, site=group.site, started_on=today - datetime.timedelta(days=60)
        )
    return kids


def _save_register(client, group, day, marks=None):
    page = client.get(register_url(group, day))
    response = client.post(register_url(group, day), posted_register(page, marks))
    assert response.status_code == 302
    return response


def test_the_first_register_save_records_one_insert_per_mark_with_who_took_it(
    client, group, pupils, social_worker, today
):
    client.force_login(social_worker)
    _save_register(client, group, today, {pupils[1]: "absent", pupils[3]: ("excused", "sick", "")})

    marks = {mark.pk: mark for mark in Mark.objects.all()}
    events = list(MarkEvent.objects.select_related("pgh_context"))
    assert len(marks) == len(pupils) == len(events)
    assert {event.pgh_label for event in events} == {"insert"}
    assert {event.pgh_obj_id for event in events} == set(marks)
    assert {(e.child_id, e.status, e.reason) for e in events} == {
        (m.child_id, m.status, m.reason) for m in marks.values()
    }
    assert {_user_of(event) for event in events} == {social_worker.pk}
    assert {event.pgh_context.metadata["url"] for event in events} == {register_url(group, today)}


def test_a_corrected_mark_is_one_update_event_with_the_old_and_new_status_and_the_corrector(
    client, group, pupils, social_worker, coordinator, today
):
    client.force_login(social_worker)
    _save_register(client, group, today)
    client.force_login(coordinator)
    _save_register(client, group, today, {pupils[2]: ("absent", "family", "plecat la țară")})

    mark = Mark.objects.get(child=pupils[2])
    (update,) = MarkEvent.objects.filter(pgh_label="update").select_related("pgh_context")
    assert update.pgh_obj_id == mark.pk
    assert (update.child_id, update.status, update.reason) == (pupils[2].pk, "absent", "family")
    assert _user_of(update) == coordinator.pk
    (event,) = Events.objects.tracks(mark).filter(pgh_label="update")
    assert event.pgh_diff["status"] == ["present", "absent"]
    assert event.pgh_diff["reason"] == ["", "family"]
    assert event.pgh_diff["note"] == ["", "plecat la țară"]
    # The other four marks were written again unchanged: no event for them.
    assert MarkEvent.objects.count() == len(pupils) + 1
    register_update = RegisterEvent.objects.filter(pgh_label="update").latest("pgh_id")
    assert _user_of(register_update) == coordinator.pk


def test_the_register_write_is_a_single_statement_yet_every_mark_is_audited(
    client, group, pupils, social_worker, today
):
    """The proof that the triggers see the raw SQL: one INSERT … ON CONFLICT for
    all marks, and an event per mark all the same."""
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    with CaptureQueriesContext(connection) as queries:
        client.post(register_url(group, today), posted_register(page))
    writes = [q["sql"] for q in queries if "INSERT INTO attendance_mark" in q["sql"]]
    assert len(writes) == 1
    assert MarkEvent.objects.filter(pgh_label="insert").count() == len(pupils)


def test_no_session_removes_the_marks_and_the_history_keeps_each_one(
    client, group, pupils, social_worker, coordinator, today
):
    client.force_login(social_worker)
    _save_register(client, group, today, {pupils[0]: "late"})
    client.force_login(coordinator)
    page = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_no_session(page, "holiday"))

    assert not Mark.objects.exists()
    deleted = MarkEvent.objects.filter(pgh_label="delete").select_related("pgh_context")
    assert {(e.child_id, e.status) for e in deleted} == {
        (kid.pk, "late" if kid == pupils[0] else "present") for kid in pupils
    }
    assert {_user_of(event) for event in deleted} == {coordinator.pk}


# --- Bulk writes and links ------------------------------------------------------------


def test_a_queryset_update_records_an_event_per_row(site_a):
    children = ChildFactory.create_batch(3, site=site_a, grade=5)
    with pghistory.context(user=None, url="/bulk/"):
        Child.objects.filter(pk__in=[c.pk for c in children]).update(grade=6)
    updates = Events.objects.tracks(children).filter(pgh_label="update")
    assert sorted(event.pgh_obj_id for event in updates) == sorted(str(c.pk) for c in children)
    assert all(event.pgh_diff["grade"] == [5, 6] for event in updates)
    assert all(event.pgh_context["url"] == "/bulk/" for event in updates)


def test_bulk_create_records_an_insert_per_row(site_a):
    Child.objects.bulk_create(
        Child(site=site_a, given_names=f"Copil {n}", family_name="Lingurar", sex="F")
        for n in range(4)
    )
    assert ChildEvent.objects.filter(pgh_label="insert", family_name="Lingurar").count() == 4


@pytest.fixture
def counseling_children(site_a, family):
    return [
        ChildFactory(site=site_a, family=family, given_names=name, family_name="Căldăraru")
        for name in ("Ana", "Bogdan", "Costel")
    ]


def _counseling_post(children, *, notes=""):
    return {
        "date": "2026-01-12",
        "duration_minutes": "50",
        "kind": "group",
        "children": [child.pk for child in children],
        "guardians": [],
        "summary": "Atelier despre emoții.",
        "follow_up_on": "",
        "confidential_notes": notes,
    }


def test_children_added_to_and_removed_from_a_counseling_session_are_link_events(
    client, psychologist, counseling_children
):
    ana, bogdan, costel = counseling_children
    client.force_login(psychologist)
    response = client.post(reverse("counseling_new"), _counseling_post([ana, bogdan]))
    assert response.status_code == 302
    session = CounselingSession.objects.get()
    client.post(reverse("counseling_edit", args=[session.pk]), _counseling_post([ana, costel]))

    links = SessionChildEvent.objects.select_related("pgh_context").order_by("pgh_id")
    assert [(e.pgh_label, e.child_id) for e in links] == [
        ("add", ana.pk),
        ("add", bogdan.pk),
        ("remove", bogdan.pk),
        ("add", costel.pk),
    ]
    assert {_user_of(event) for event in links} == {psychologist.pk}


def test_a_users_sites_are_link_events(site_a, site_b):
    """Who may see which site is a change of access: audited like the rest."""
    user = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    with pghistory.context(user=None, url="/test/"):
        user.sites.add(site_b)
        user.sites.remove(site_a)
    events = apps.get_model("programs", "UserSiteEvent").objects.filter(user_id=user.pk)
    assert [(e.pgh_label, e.site_id) for e in events.order_by("pgh_id")][-2:] == [
        ("add", site_b.pk),
        ("remove", site_a.pk),
    ]


def test_every_audited_table_has_its_triggers_in_the_database():
    """A tracker whose triggers never reached the database records nothing,
    silently (many-to-many tables were such a case)."""
    tracked = {
        model.pgh_tracked_model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, Event) and model._meta.app_label != "pghistory"
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname LIKE 'pgtrigger_%%'"
        )
        with_triggers = {row[0] for row in cursor.fetchall()}
    assert len(tracked) > 20
    assert tracked - with_triggers == set()


# --- The trail cannot be rewritten ----------------------------------------------------


def test_an_event_cannot_be_changed(child):
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildEvent.objects.filter(pgh_obj_id=child.pk).update(family_name="Altcineva")
    assert ChildEvent.objects.get(pgh_obj_id=child.pk).family_name == "Căldăraru"


def test_an_event_cannot_be_deleted(child):
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildEvent.objects.filter(pgh_obj_id=child.pk).delete()
    assert ChildEvent.objects.filter(pgh_obj_id=child.pk).exists()


def test_a_mark_event_cannot_be_changed_or_deleted_with_raw_sql(group, pupils, today):
    Mark.objects.create(register=RegisterFactory(group=group, date=today), child=pupils[0])
    for statement in (
        "UPDATE attendance_markevent SET status = 'present'",
        "DELETE FROM attendance_markevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert MarkEvent.objects.count() == 1


# --- The child's history page ---------------------------------------------------------


def _history(client, child):
    return client.get(reverse("child_history", args=[child.pk]))


@pytest.mark.parametrize("reader", ["coordinator", "director"])
def test_the_history_shows_a_change_with_who_made_it(client, request, coordinator, child, reader):
    client.force_login(coordinator)
    admin_post(
        client, reverse("admin:children_child_change", args=[child.pk]), school_name="Școala 197"
    )
    client.force_login(request.getfixturevalue(reader))
    response = _history(client, child)
    assert response.status_code == 200
    table = response.content.decode().split('data-testid="history"')[1]
    row = next(r for r in table.split("<tr>") if "Școala 197" in r)
    assert "Elena Vasilescu" in row
    assert "—" in row and "→" in row


def test_social_workers_may_not_read_the_history(client, social_worker, child):
    client.force_login(social_worker)
    assert _history(client, child).status_code == 403


def test_another_sites_child_history_is_not_found(client, coordinator, site_b):
    theirs = ChildFactory(site=site_b)
    client.force_login(coordinator)
    assert _history(client, theirs).status_code == 404


def test_the_history_leaves_out_a_siblings_records(client, coordinator, child, family, site_a):
    sibling = ChildFactory(site=site_a, family=family, given_names="Zamfira", family_name="Pană")
    CaseNoteFactory(child=sibling, text="Zamfira a lipsit de la școală.")
    SupportGivenFactory(family=family, child=sibling, items="Ghiozdan pentru Zamfira")
    CaseNoteFactory(child=None, family=family, site=site_a, text="Vizită la familie, toți acasă.")
    client.force_login(coordinator)
    html = _history(client, child).content.decode()
    assert "Zamfira" not in html
    assert "Pană" not in html
    # The family's own note is the child's history too.
    assert "Vizită la familie, toți acasă." in html


def test_the_history_never_shows_confidential_notes(
    client, psychologist, coordinator, director, counseling_children
):
    ana = counseling_children[0]
    client.force_login(psychologist)
    client.post(reverse("counseling_new"), _counseling_post([ana], notes=SECRET_NOTE))
    session = CounselingSession.objects.get()
    client.post(
        reverse("counseling_edit", args=[session.pk]),
        _counseling_post([ana], notes=f"{SECRET_NOTE} 2"),
    )
    for reader in (coordinator, director):
        client.force_login(reader)
        html = _history(client, ana).content.decode()
        assert "Atelier despre emoții." in html  # the summary is there, the notes not
        assert SECRET_NOTE not in html


def test_the_history_names_no_other_child_of_a_group_session(
    client, psychologist, coordinator, counseling_children
):
    ana, bogdan, costel = counseling_children
    bogdan.family_name = costel.family_name = "Ursu"
    bogdan.save()
    costel.save()
    client.force_login(psychologist)
    client.post(reverse("counseling_new"), _counseling_post([ana, bogdan]))
    session = CounselingSession.objects.get()
    client.post(reverse("counseling_edit", args=[session.pk]), _counseling_post([ana, costel]))
    client.force_login(coordinator)
    html = _history(client, ana).content.decode()
    assert "Atelier despre emoții." in html
    assert "Bogdan" not in html and "Costel" not in html and "Ursu" not in html
    assert f"#{bogdan.pk}<" not in html and f"#{costel.pk}<" not in html


def test_the_history_shows_choices_by_their_labels(client, coordinator, child):
    client.force_login(coordinator)
    html = _history(client, child).content.decode()
    # The family's risk factors, a multiple choice, and the child's grade.
    assert "Sărăcie sau venituri mici" in html
    assert "parents_abroad" not in html
    assert "clasa a V-a" in html


def test_the_history_masks_the_cnp(client, coordinator, director, child):
    """Directors see the CNP masked in the admin; the history must not show it whole."""
    client.force_login(coordinator)
    admin_post(
        client,
        reverse("admin:children_child_change", args=[child.pk]),
        cnp=FULL_CNP,
        sex="M",
        birth_date="2014-01-01",
    )
    client.force_login(director)
    html = _history(client, child).content.decode()
    assert FULL_CNP not in html
    assert "5**********16" in html


def test_the_first_change_to_a_record_older_than_the_audit_trail_is_shown(
    client, coordinator, child
):
    # As if the child had been registered before the triggers were installed.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE children_childevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM children_childevent")
        cursor.execute("ALTER TABLE children_childevent ENABLE TRIGGER USER")
    client.force_login(coordinator)
    admin_post(
        client, reverse("admin:children_child_change", args=[child.pk]), school_name="Școala 197"
    )
    assert "Școala 197" in _history(client, child).content.decode()


def _changes(child, users, count):
    for n in range(count):
        with pghistory.context(user=users[n % len(users)].pk, url="/test/"):
            Child.objects.filter(pk=child.pk).update(notes=f"Notă {n}")


def test_the_history_query_count_does_not_grow_with_the_events(client, coordinator, site_a):
    users = UserFactory.create_batch(3, role=Role.COORDINATOR, sites=[site_a])
    few, many = ChildFactory(site=site_a), ChildFactory(site=site_a)
    _changes(few, users, 3)
    _changes(many, users, 30)
    client.force_login(coordinator)
    queries_to_get(client, reverse("child_history", args=[few.pk]))  # warms caches
    assert queries_to_get(client, reverse("child_history", args=[many.pk])) == queries_to_get(
        client, reverse("child_history", args=[few.pk])
    )


def test_the_admin_history_button_opens_the_childs_history(client, coordinator, child):
    client.force_login(coordinator)
    response = client.get(reverse("admin:children_child_history", args=[child.pk]))
    assert response.status_code == 302
    assert response.url == reverse("child_history", args=[child.pk])


def test_the_admin_history_of_another_sites_child_is_refused(client, coordinator, site_b):
    theirs = ChildFactory(site=site_b)
    client.force_login(coordinator)
    response = client.get(reverse("admin:children_child_history", args=[theirs.pk]))
    assert response.status_code in (403, 404)
