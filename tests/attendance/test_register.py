import datetime

import pytest
from django.utils import timezone

from attendance.models import EDIT_WINDOW_DAYS, Mark, Register, RegisterChange
from programs.models import Role
from tests.attendance.helpers import posted_no_session, posted_register, register_url
from tests.factories import MarkFactory, RegisterFactory, UserFactory


def _names(response) -> list[str]:
    return [row.name for row in response.context["rows"]]


# --- Who is on the list -------------------------------------------------------


def test_register_lists_children_enrolled_on_that_day_only(
    client, group, social_worker, enrol, today
):
    yesterday = today - datetime.timedelta(days=1)
    enrol(group, family_name="Rostaș", given_names="Ana")
    enrol(group, started_on=today + datetime.timedelta(days=1), family_name="Mâine")
    enrol(
        group,
        started_on=today - datetime.timedelta(days=30),
        ended_on=today - datetime.timedelta(days=7),
        family_name="Plecat",
    )
    enrol(group, ended_on=today, family_name="Ultima", given_names="Zi")
    enrol(group, started_on=today, family_name="Azi", given_names="Nou")
    client.force_login(social_worker)

    names = _names(client.get(register_url(group, today)))
    assert names == ["Azi Nou", "Rostaș Ana", "Ultima Zi"]
    assert _names(client.get(register_url(group, yesterday))) == ["Rostaș Ana", "Ultima Zi"]


def test_register_lists_children_alphabetically_ignoring_diacritics(
    client, group, social_worker, enrol, today
):
    for family in ["Țurcanu", "Stoica", "Ștefan", "Albu", "Ăbuzatu"]:
        enrol(group, family_name=family, given_names="Ion")
    client.force_login(social_worker)
    names = _names(client.get(register_url(group, today)))
    assert [name.split()[0] for name in names] == ["Ăbuzatu", "Albu", "Ștefan", "Stoica", "Țurcanu"]


def test_child_enrolled_twice_in_the_group_is_listed_once(
    client, group, social_worker, enrol, today
):
    from tests.factories import EnrollmentFactory, ProgramFactory

    (child,) = enrol(group)
    EnrollmentFactory(
        child=child,
        group=group,
        site=group.site,
        program=ProgramFactory(name="Mentorat", sites=[group.site]),
        started_on=today,
    )
    client.force_login(social_worker)
    assert len(client.get(register_url(group, today)).context["rows"]) == 1


def test_everyone_is_present_by_default(client, group, social_worker, enrol, today):
    enrol(group, 4)
    client.force_login(social_worker)
    response = client.get(register_url(group, today))
    assert {row.shown.status for row in response.context["rows"]} == {"present"}
    assert response.context["register"] is None


# --- Saving ---------------------------------------------------------------------


def test_one_save_stores_the_whole_register_and_returns_to_today(
    client, group, social_worker, enrol, today
):
    kids = enrol(group, 5)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    data = posted_register(
        page,
        {kids[1]: "absent", kids[3]: ("excused", "sick", "la medic")},
        activities=["homework", "literacy"],
    )
    response = client.post(register_url(group, today), data, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "prezența a fost salvată cu succes: 5 copii, absenți: 2" in response.content.decode()
    register = Register.objects.get(group=group, date=today)
    assert register.version == 1
    assert register.created_by == social_worker
    assert register.activities == ["homework", "literacy"]
    marks = {mark.child_id: (mark.status, mark.reason, mark.note) for mark in Mark.objects.all()}
    assert marks == {
        kids[0].pk: ("present", "", ""),
        kids[1].pk: ("absent", "", ""),
        kids[2].pk: ("present", "", ""),
        kids[3].pk: ("excused", "sick", "la medic"),
        kids[4].pk: ("present", "", ""),
    }
    assert not RegisterChange.objects.exists()


def test_reopening_shows_what_was_saved(client, group, social_worker, enrol, today):
    kids = enrol(group, 3)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    client.post(
        register_url(group, today), posted_register(page, {kids[2]: ("late", "family", "")})
    )
    again = client.get(register_url(group, today))
    shown = {row.child_id: row.shown.status for row in again.context["rows"]}
    assert shown[kids[2].pk] == "late"
    assert again.context["register"].created_by == social_worker
    assert "Prezența a fost marcată de" in again.content.decode()


def test_a_correction_is_recorded_with_who_and_what(client, group, social_worker, enrol, today):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    client.post(register_url(group, today), posted_register(client.get(register_url(group, today))))
    corrector = UserFactory(role=Role.COORDINATOR, sites=[group.site])
    client.force_login(corrector)
    page = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_register(page, {kids[0]: "absent"}))

    (change,) = RegisterChange.objects.all()
    assert (change.child_id, change.field, change.old_value, change.new_value) == (
        kids[0].pk,
        "status",
        "present",
        "absent",
    )
    assert change.changed_by == corrector
    register = Register.objects.get()
    assert (register.version, register.updated_by, register.created_by) == (
        2,
        corrector,
        social_worker,
    )
    history = client.get(register_url(group, today) + "history/")
    assert history.status_code == 200
    assert (history.context["changes"][0].before, history.context["changes"][0].after) == (
        "Prezent",
        "Absent",
    )


def test_reason_chosen_then_marked_present_again_is_dropped(
    client, group, social_worker, enrol, today
):
    (kid,) = enrol(group)
    client.force_login(social_worker)
    data = posted_register(client.get(register_url(group, today)), {kid: ("present", "sick", "")})
    client.post(register_url(group, today), data)
    assert Mark.objects.get().reason == ""


def test_notes_keep_comma_below_letters(client, group, social_worker, enrol, today):
    (kid,) = enrol(group)
    client.force_login(social_worker)
    data = posted_register(
        client.get(register_url(group, today)), {kid: ("absent", "family", "la bunica în Ţăndărei")}
    )
    client.post(register_url(group, today), data)
    assert Mark.objects.get().note == "la bunica în Țăndărei"


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "gone"), ("reason", "holiday"), ("note", "x" * 201)],
)
def test_invalid_mark_saves_nothing_and_says_why(
    client, group, social_worker, enrol, today, field, value
):
    kids = enrol(group, 3)
    client.force_login(social_worker)
    data = posted_register(client.get(register_url(group, today)), {kids[0]: "absent"})
    data[f"c{kids[1].pk}-{field}"] = value
    response = client.post(register_url(group, today), data)

    assert response.status_code == 400
    assert not Register.objects.exists() and not Mark.objects.exists()
    rows = {row.child_id: row for row in response.context["rows"]}
    assert rows[kids[1].pk].errors
    # What the user had chosen is still on the page.
    assert rows[kids[0].pk].shown.status == "absent"


def test_a_session_needs_an_activity(client, group, social_worker, enrol, today):
    enrol(group, 2)
    client.force_login(social_worker)
    data = posted_register(client.get(register_url(group, today)), activities=[])
    response = client.post(register_url(group, today), data)
    assert response.status_code == 400
    assert response.context["register_errors"]
    assert not Register.objects.exists()


def test_garbage_post_is_a_clear_400_not_a_500(client, group, social_worker, enrol, today):
    enrol(group)
    client.force_login(social_worker)
    response = client.post(register_url(group, today), {"activities": ["nope"], "c9x-status": "1"})
    assert response.status_code == 400
    assert not Register.objects.exists()


def test_marks_for_children_not_on_the_list_are_not_saved(
    client, group, other_site_group, social_worker, enrol, today
):
    (kid,) = enrol(group)
    (stranger,) = enrol(other_site_group)
    client.force_login(social_worker)
    data = posted_register(client.get(register_url(group, today)))
    data.update({f"c{stranger.pk}-status": "absent", f"c{stranger.pk}-was": ""})
    response = client.post(register_url(group, today), data, follow=True)
    assert list(Mark.objects.values_list("child_id", flat=True)) == [kid.pk]
    assert "1 copil nu mai este pe lista grupei" in response.content.decode()


# --- No session -------------------------------------------------------------------


def _no_session(client, group, day, reason="holiday", note="vacanța de toamnă"):
    page = client.get(register_url(group, day))
    return client.post(register_url(group, day), posted_no_session(page, reason, note), follow=True)


def test_no_session_day_is_recorded_with_a_reason_and_removes_marks(
    client, group, social_worker, enrol, today
):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    page = client.get(register_url(group, today))
    client.post(register_url(group, today), posted_register(page, {kids[0]: "absent"}))
    response = _no_session(client, group, today)

    assert response.redirect_chain == [("/", 302)]
    register = Register.objects.get()
    assert (register.no_session_reason, register.note, register.activities) == (
        "holiday",
        "vacanța de toamnă",
        [],
    )
    assert not Mark.objects.exists()
    assert RegisterChange.objects.filter(field="no_session_reason", new_value="holiday").exists()
    assert RegisterChange.objects.filter(child=kids[0], old_value="absent", new_value="").exists()


def test_no_session_needs_a_reason(client, group, social_worker, enrol, today):
    enrol(group)
    client.force_login(social_worker)
    _no_session(client, group, today, reason="")
    assert not Register.objects.exists()


def test_no_session_day_can_be_replaced_by_a_register(client, group, social_worker, enrol, today):
    kids = enrol(group, 2)
    client.force_login(social_worker)
    _no_session(client, group, today, reason="trip")
    page = client.get(register_url(group, today))
    assert page.context["register"].no_session_reason == "trip"
    client.post(register_url(group, today), posted_register(page, {kids[1]: "absent"}))
    register = Register.objects.get()
    assert register.no_session_reason == "" and register.activities == ["homework"]
    assert Mark.objects.count() == 2


# --- Days and rights ----------------------------------------------------------------


def test_future_day_is_refused(client, group, social_worker, enrol, today):
    (kid,) = enrol(group)
    client.force_login(social_worker)
    tomorrow = today + datetime.timedelta(days=1)
    assert client.get(register_url(group, tomorrow)).status_code == 302
    response = client.post(
        register_url(group, tomorrow),
        {"activities": ["homework"], f"c{kid.pk}-status": "present"},
        follow=True,
    )
    assert not Register.objects.exists()
    assert "o zi care nu a venit încă" in response.content.decode()


def test_day_outside_the_groups_school_year_is_404(client, group, social_worker):
    client.force_login(social_worker)
    before = group.school_year.starts_on - datetime.timedelta(days=1)
    assert client.get(register_url(group, before)).status_code == 404


def test_impossible_date_is_404(client, group, social_worker):
    client.force_login(social_worker)
    assert client.get(f"/attendance/groups/{group.pk}/2026-02-30/").status_code == 404


@pytest.mark.parametrize(
    ("days_ago", "allowed"), [(0, True), (EDIT_WINDOW_DAYS, True), (EDIT_WINDOW_DAYS + 1, False)]
)
def test_social_worker_writes_only_the_last_days(
    client, group, social_worker, enrol, today, days_ago, allowed
):
    day = today - datetime.timedelta(days=days_ago)
    enrol(group, 2, started_on=today - datetime.timedelta(days=30))
    client.force_login(social_worker)
    page = client.get(register_url(group, day))
    assert page.status_code == 200
    assert page.context["access"].allowed is allowed
    client.post(register_url(group, day), posted_register(page))
    assert Register.objects.filter(date=day).exists() is allowed


def test_coordinator_corrects_any_past_day(client, group, coordinator, enrol, today):
    day = today - datetime.timedelta(days=40)
    enrol(group, 2)
    client.force_login(coordinator)
    page = client.get(register_url(group, day))
    response = client.post(register_url(group, day), posted_register(page))
    assert response.status_code == 302
    assert response.url == "/attendance/missing/"
    assert Register.objects.filter(date=day).exists()


def test_social_worker_not_on_the_groups_staff_reads_but_cannot_write(
    client, group, enrol, today, site_a
):
    enrol(group)
    colleague = UserFactory(role=Role.SOCIAL_WORKER, sites=[site_a])
    client.force_login(colleague)
    page = client.get(register_url(group, today))
    assert page.status_code == 200
    assert not page.context["access"].allowed
    client.post(register_url(group, today), posted_register(page))
    assert not Register.objects.exists()


def test_director_reads_registers_but_cannot_write(client, group, enrol, today):
    enrol(group)
    director = UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[])
    client.force_login(director)
    page = client.get(register_url(group, today))
    assert page.status_code == 200 and not page.context["access"].allowed
    client.post(register_url(group, today), posted_register(page))
    assert not Register.objects.exists()


@pytest.mark.parametrize("role", [Role.VOLUNTEER])
def test_roles_without_registers_get_403(client, group, make_user, today, role):
    client.force_login(make_user(role))
    assert client.get(register_url(group, today)).status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_sites_group_is_404(client, other_site_group, social_worker, today, method):
    other_site_group.staff.add(social_worker)  # even on its staff, the site decides
    client.force_login(social_worker)
    response = getattr(client, method)(register_url(other_site_group, today))
    assert response.status_code == 404
    assert not Register.objects.exists()


def test_coordinator_of_another_site_gets_404(client, group, make_user, site_b, today):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_b]))
    assert client.get(register_url(group, today)).status_code == 404


def test_anonymous_is_sent_to_login(client, group, today):
    response = client.get(register_url(group, today))
    assert response.status_code == 302 and response.url.startswith("/login/")


# --- Corrections log page ---------------------------------------------------------


def test_history_of_another_sites_register_is_404(client, other_site_group, social_worker, today):
    RegisterFactory(group=other_site_group, date=today)
    client.force_login(social_worker)
    assert client.get(register_url(other_site_group, today) + "history/").status_code == 404


def test_history_lists_who_took_the_register(client, group, social_worker, today):
    register = RegisterFactory(group=group, date=today, created_by=social_worker)
    MarkFactory(register=register)
    client.force_login(social_worker)
    response = client.get(register_url(group, today) + "history/")
    assert response.context["register"] == register
    assert str(social_worker) in response.content.decode()


def test_taken_time_is_shown_in_local_time(client, group, social_worker, enrol, today):
    enrol(group)
    client.force_login(social_worker)
    client.post(register_url(group, today), posted_register(client.get(register_url(group, today))))
    local = timezone.localtime(Register.objects.get().created_at).strftime("%H:%M")
    assert local in client.get(register_url(group, today)).content.decode()


def test_children_absent_at_the_last_sessions_are_flagged(
    client, group, social_worker, enrol, today
):
    slipping, steady = enrol(group, 2)
    history = [(6, "present", "present"), (5, "absent", "present"), (4, "excused", "absent")]
    history += [(2, "absent", "present")]
    for days_ago, first, second in history:
        register = RegisterFactory(group=group, date=today - datetime.timedelta(days=days_ago))
        MarkFactory(register=register, child=slipping, status=first)
        MarkFactory(register=register, child=steady, status=second)
    # A holiday between them neither breaks nor lengthens the run.
    RegisterFactory(
        group=group,
        date=today - datetime.timedelta(days=3),
        no_session_reason="holiday",
        activities=[],
    )
    client.force_login(social_worker)
    response = client.get(register_url(group, today))
    runs = {row.child_id: row.absences_in_a_row for row in response.context["rows"]}
    assert runs == {slipping.pk: 3, steady.pk: 0}
    assert "3 absențe la rând" in response.content.decode()


def test_no_session_logs_the_marks_it_removes_even_of_children_off_the_list(
    client, group, social_worker, enrol, today
):
    (kid,) = enrol(group)
    register = RegisterFactory(group=group, date=today, created_by=social_worker)
    MarkFactory(register=register, child=kid, status="absent", reason="sick")
    gone = MarkFactory(register=register, status="late", note="a plecat din grupă")
    client.force_login(social_worker)
    _no_session(client, group, today)
    logged = set(
        RegisterChange.objects.filter(new_value="", child__isnull=False).values_list(
            "child_id", "field", "old_value"
        )
    )
    assert logged == {
        (kid.pk, "status", "absent"),
        (kid.pk, "reason", "sick"),
        (gone.child_id, "status", "late"),
        (gone.child_id, "note", "a plecat din grupă"),
    }
    assert not Mark.objects.exists()
