"""The retention rule: ``manage.py apply_retention`` anonymises children whose
last enrollment ended more than RETENTION_YEARS ago, and their families once no
child is left, erasing what identifies them from the records and the history."""

import datetime
import io
from dataclasses import dataclass

import pgtrigger
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Sum
from django.utils import translation
from pghistory.models import Events

from attendance.models import Mark, RegisterChange, SchoolAbsence
from children.cnp import build_cnp
from children.models import (
    CaseNote,
    Child,
    ChildEvent,
    ConfidentialNote,
    Consent,
    CounselingSession,
    FollowUp,
    MentoringSession,
    SchoolResult,
)
from families.models import Family, Guardian, SupportGiven
from inocenti import retention
from programs.models import AccessAction, Enrollment, Role
from programs.services import access_log_record
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    ConsentFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    MentoringSessionFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolResultFactory,
    SupportGivenFactory,
)

TODAY = datetime.date(2026, 3, 1)
SIX_YEARS_AGO = datetime.date(2020, 2, 1)
FOUR_YEARS_AGO = datetime.date(2022, 2, 1)
BIRTH_DATE = datetime.date(2010, 5, 17)

# Everything written about the child who is due and their family: after the
# run, no table of the database (records or history) may hold any of it.
DUE_SECRETS = {
    "given_names": "Zamfira",
    "family_name": "Ungureanu",
    "school_name": "Liceul Tehnologic Zăvoi",
    "child_notes": "alergie la arahide",
    "family_name_of_household": "Familia Ungureanu din Zăvoi",
    "address": "Strada Plopilor 13",
    "family_notes": "tatăl în Spania",
    "guardian_given": "Lenuța",
    "guardian_phone": "0700 123 456",
    "works_abroad_in": "Spania",
    "consent_note": "semnat la domiciliu",
    "exit_reason": "familia s-a mutat la Zăvoi",
    "mark_note": "la medic cu bunica",
    "case_note": "vizită: bunica bolnavă",
    "family_case_note": "gospodăria fără curent",
    "task": "sunați la DGASPC despre Zamfira",
    "outcome": "dosarul depus",
    "failed_subjects": "matematică, română",
    "topic": "fracții cu Zamfira",
    "items": "ghiozdan roz",
    "family_items": "pachet de Crăciun",
    "summary": "anxietate la școală",
    "confidential": "secretul psihologului",
    "break_glass_reason": "sesizare de la școală despre Zamfira, urgent",
    "birth_date": BIRTH_DATE.isoformat(),
}


@dataclass
class World:
    due: Child
    family: Family
    guardian: Guardian
    sibling: Child
    recent: Child
    still_enrolled: Child
    never_enrolled: Child
    alone_session: CounselingSession
    shared_session: CounselingSession
    cnp: str


def _ended(child, ended_on, **kwargs):
    kwargs.setdefault("started_on", datetime.date(ended_on.year - 1, 9, 15))
    kwargs.setdefault("status", "completed")
    return EnrollmentFactory(child=child, ended_on=ended_on, **kwargs)


@pytest.fixture
def world(db, site_a, make_user):
    s = DUE_SECRETS
    family = FamilyFactory(
        site=site_a,
        name=s["family_name_of_household"],
        address=s["address"],
        notes=s["family_notes"],
    )
    guardian = GuardianFactory(
        family=family,
        given_names=s["guardian_given"],
        family_name=s["family_name"],
        phone=s["guardian_phone"],
        works_abroad_in=s["works_abroad_in"],
        relationship="mother",
        education_level="primary",
        is_primary_contact=True,
    )
    cnp = build_cnp(sex="F", birth_date=BIRTH_DATE, county_code="47", serial=321)
    due = ChildFactory(
        site=site_a,
        family=family,
        given_names=s["given_names"],
        family_name=s["family_name"],
        sex="F",
        birth_date=BIRTH_DATE,
        cnp=cnp,
        school_name=s["school_name"],
        notes=s["child_notes"],
        grade=8,
    )
    _ended(due, SIX_YEARS_AGO, exit_reason=s["exit_reason"], status="withdrawn")
    _ended(due, datetime.date(2018, 6, 15))
    ConsentFactory(child=due, given_by=guardian, note=s["consent_note"])
    register = RegisterFactory(group=GroupFactory(site=site_a), date=datetime.date(2019, 10, 3))
    MarkFactory(register=register, child=due, status="excused", reason="sick", note=s["mark_note"])
    RegisterChange.objects.create(
        register=register, child=due, field="note", old_value="", new_value=s["mark_note"]
    )
    SchoolAbsenceFactory(child=due, month=datetime.date(2019, 10, 1))
    CaseNoteFactory(child=due, family=family, site=site_a, text=s["case_note"])
    CaseNoteFactory(child=None, family=family, site=site_a, text=s["family_case_note"])
    FollowUpFactory(child=due, site=site_a, task=s["task"], outcome=s["outcome"])
    SchoolResultFactory(child=due, failed_subjects_count=2, failed_subjects=s["failed_subjects"])
    MentoringSessionFactory(child=due, topic=s["topic"])
    SupportGivenFactory(family=family, child=due, items=s["items"], value_ron="120.00")
    SupportGivenFactory(family=family, items=s["family_items"], value_ron="300.00")
    alone_session = CounselingSessionFactory(site=site_a, children=[due], summary=s["summary"])
    ConfidentialNote.objects.create(session=alone_session, text=s["confidential"])
    access_log_record(
        user=make_user(Role.DIRECTOR),
        action=AccessAction.BREAK_GLASS,
        site=site_a,
        child_ids=[due.pk],
        record=alone_session,
        reason=s["break_glass_reason"],
    )

    # A coordinator's edit in the admin: its "recent actions" entry names the child.
    LogEntry.objects.log_actions(
        user_id=make_user(Role.COORDINATOR).pk,
        queryset=[due],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Notes"]}}]',
        single_object=True,
    )

    # A family with one child due and one who left four years ago.
    other_family = FamilyFactory(site=site_a, name="Familia Rămâne", address="Strada Rămâne 1")
    sibling = ChildFactory(site=site_a, family=other_family, given_names="Violeta")
    _ended(sibling, SIX_YEARS_AGO)
    recent = ChildFactory(site=site_a, family=other_family, given_names="Rămâne", notes="Rămâne")
    _ended(recent, FOUR_YEARS_AGO)
    shared_session = CounselingSessionFactory(
        site=site_a, children=[due, recent], summary="Grup: Rămâne"
    )
    ConfidentialNote.objects.create(session=shared_session, text="Rămâne confidențial")

    still_enrolled = ChildFactory(site=site_a, given_names="Deschis")
    _ended(still_enrolled, SIX_YEARS_AGO)
    EnrollmentFactory(child=still_enrolled, started_on=datetime.date(2025, 9, 15))
    never_enrolled = ChildFactory(site=site_a, given_names="Așteaptă", status="waiting")
    return World(
        due=due,
        family=family,
        guardian=guardian,
        sibling=sibling,
        recent=recent,
        still_enrolled=still_enrolled,
        never_enrolled=never_enrolled,
        alone_session=alone_session,
        shared_session=shared_session,
        cnp=cnp,
    )


def _run(*args) -> str:
    out = io.StringIO()
    call_command("apply_retention", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def _database_text() -> dict[str, list[str]]:
    """Every row of every table, as JSON text, by table."""
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # The table names come from the database's own catalogue.
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT row_to_json(t)::text FROM {name} t ORDER BY 1")  # noqa: S608
            dump[table] = [row for (row,) in cursor.fetchall()]
    return dump


def _tables_holding(text: str, dump: dict[str, list[str]]) -> list[str]:
    return sorted(table for table, rows in dump.items() if any(text in row for row in rows))


def _aggregates() -> dict:
    return {
        "children": Child.objects.count(),
        "families": Family.objects.count(),
        "guardians": Guardian.objects.count(),
        "enrollments": list(
            Enrollment.objects.values("status").annotate(n=Count("pk")).order_by("status")
        ),
        "marks": list(
            Mark.objects.values("status", "reason").annotate(n=Count("pk")).order_by("status")
        ),
        "school_absence_hours": SchoolAbsence.objects.aggregate(
            Sum("excused_hours"), Sum("unexcused_hours")
        ),
        "support": SupportGiven.objects.aggregate(Sum("value_ron"), Sum("quantity"), Count("pk")),
        "sessions": CounselingSession.objects.count(),
        "people_counselled": CounselingSession.children.through.objects.count(),
        "mentoring_minutes": MentoringSession.objects.aggregate(Sum("duration_minutes")),
        "results": list(
            SchoolResult.objects.values_list("general_average", "failed_subjects_count")
        ),
        "by_sex": list(Child.objects.values("sex").annotate(n=Count("pk")).order_by("sex")),
    }


def test_the_due_child_is_anonymised(world):
    _run()

    child = Child.objects.get(pk=world.due.pk)
    assert (child.given_names, child.family_name) == ("Anonimizat", "Anonimizat")
    assert child.cnp is None
    assert child.school_name == ""
    assert child.notes == ""
    assert child.anonymised_on == TODAY
    with translation.override("en"):
        assert child.full_name == f"Anonymised child #{child.pk}"


def test_the_due_child_keeps_what_reports_count(world):
    _run()

    child = Child.objects.get(pk=world.due.pk)
    assert (child.sex, child.grade, child.site_id) == ("F", 8, world.due.site_id)
    # Age bands need the month, not the day.
    assert child.birth_date == datetime.date(2010, 5, 1)
    enrollment = child.enrollments.get(ended_on=SIX_YEARS_AGO)
    assert (enrollment.status, enrollment.exit_reason) == ("withdrawn", "")
    mark = Mark.objects.get(child=child)
    assert (mark.status, mark.reason, mark.note) == ("excused", "sick", "")


def test_the_due_childs_records_lose_their_free_text(world):
    _run()

    due = world.due
    assert Consent.objects.get(child=due).note == ""
    assert RegisterChange.objects.get(child=due).new_value == ""
    assert CaseNote.objects.get(child=due).text == "—"
    follow_up = FollowUp.objects.get(child=due)
    assert (follow_up.task, follow_up.outcome) == ("—", "")
    result = SchoolResult.objects.get(child=due)
    assert (result.failed_subjects, result.failed_subjects_count) == ("", 2)
    assert MentoringSession.objects.get(child=due).topic == ""
    assert SupportGiven.objects.get(child=due).items == ""


def test_a_family_whose_children_are_all_anonymised_is_anonymised(world):
    _run()

    family = Family.objects.get(pk=world.family.pk)
    assert (family.name, family.address, family.notes) == ("Anonimizat", "", "")
    assert family.anonymised_on == TODAY
    with translation.override("en"):
        assert str(family) == f"Anonymised family #{family.pk}"
    assert (family.locality, family.household_size, family.risk_factors) == (
        "București",
        5,
        ["poverty", "parents_abroad"],
    )
    guardian = Guardian.objects.get(pk=world.guardian.pk)
    assert (guardian.given_names, guardian.family_name, guardian.phone) == (
        "Anonimizat",
        "Anonimizat",
        "",
    )
    assert guardian.works_abroad_in == ""
    assert (guardian.relationship, guardian.education_level) == ("mother", "primary")
    assert CaseNote.objects.get(family=family, child=None).text == "—"
    assert SupportGiven.objects.get(family=family, child=None).items == ""


def test_a_family_with_a_child_still_kept_is_not_anonymised(world):
    _run()

    sibling = Child.objects.get(pk=world.sibling.pk)
    assert sibling.anonymised_on == TODAY
    family = Family.objects.get(pk=world.recent.family_id)
    assert family.anonymised_on is None
    assert (family.name, family.address) == ("Familia Rămâne", "Strada Rămâne 1")


@pytest.mark.parametrize("who", ["recent", "still_enrolled", "never_enrolled"])
def test_a_child_not_due_is_untouched(world, who):
    child = getattr(world, who)
    before = Child.objects.filter(pk=child.pk).values().get()
    events_before = ChildEvent.objects.filter(pgh_obj=child).count()

    _run()

    assert Child.objects.filter(pk=child.pk).values().get() == before
    assert ChildEvent.objects.filter(pgh_obj=child).count() == events_before > 0


def test_an_enrollment_ended_exactly_n_years_ago_is_not_old_enough(db):
    exactly = ChildFactory()
    _ended(exactly, datetime.date(2021, 3, 1))
    a_day_more = ChildFactory()
    _ended(a_day_more, datetime.date(2021, 2, 28))

    due = Child.objects.due_for_anonymisation(today=TODAY, years=5)

    assert list(due) == [a_day_more]


def test_a_session_summary_is_erased_only_when_all_its_children_are_anonymised(world):
    _run()

    alone = CounselingSession.objects.get(pk=world.alone_session.pk)
    assert alone.summary == ""
    assert not ConfidentialNote.objects.filter(session=alone).exists()
    assert (alone.date, alone.kind, alone.duration_minutes) == (
        world.alone_session.date,
        "individual",
        50,
    )
    assert list(alone.children.all()) == [world.due]
    shared = CounselingSession.objects.get(pk=world.shared_session.pk)
    assert shared.summary == "Grup: Rămâne"
    assert ConfidentialNote.objects.get(session=shared).text == "Rămâne confidențial"


def test_no_table_keeps_what_was_erased_not_even_the_history(world):
    secrets = [*DUE_SECRETS.values(), world.cnp]
    before = _database_text()
    assert "children_childevent" in _tables_holding(world.cnp, before)
    assert "families_guardianevent" in _tables_holding(DUE_SECRETS["guardian_phone"], before)
    assert "children_confidentialnoteevent" in _tables_holding(DUE_SECRETS["confidential"], before)

    _run()

    after = _database_text()
    assert {secret: _tables_holding(secret, after) for secret in secrets} == {
        secret: [] for secret in secrets
    }


def test_the_anonymised_childs_history_is_gone(world):
    assert Events.objects.references(world.due).exists()

    _run()

    assert not Events.objects.references(world.due).exists()
    assert not Events.objects.references(world.family).exists()
    assert not Events.objects.references(world.guardian).exists()
    assert not Events.objects.tracks(world.alone_session).exists()


def test_the_history_of_children_not_due_is_kept(world):
    before = list(Events.objects.references(world.recent).values_list("pgh_id", "pgh_model"))

    _run()

    after = list(Events.objects.references(world.recent).values_list("pgh_id", "pgh_model"))
    assert after == before != []
    assert Events.objects.tracks(world.shared_session).exists()


def test_history_stays_append_only_after_the_run(world):
    _run()

    with pytest.raises(DatabaseError), transaction.atomic():
        ChildEvent.objects.filter(pgh_obj=world.recent).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildEvent.objects.filter(pgh_obj=world.recent).update(given_names="X")
    assert ChildEvent.objects.filter(pgh_obj=world.recent, given_names="Rămâne").exists()


def test_aggregates_are_the_same_after_the_run(world):
    before = _aggregates()

    _run()

    assert _aggregates() == before


def test_a_dry_run_changes_nothing(world):
    before = _database_text()

    _run("--dry-run")

    assert _database_text() == before


def test_a_dry_run_lists_ids_and_sites_never_names(world):
    output = _run("--dry-run")

    assert f"child {world.due.pk}  site: {world.due.site.name}" in output
    assert "last enrollment ended 2020-02-01" in output
    assert f"child {world.sibling.pk} " in output
    assert f"family {world.family.pk}  site: " in output
    assert f"family {world.recent.family_id} " not in output
    assert f"child {world.recent.pk} " not in output
    assert "Would anonymise 2 children, 1 families and 1 counseling" in output
    for secret in [*DUE_SECRETS.values(), world.cnp, "Violeta"]:
        assert secret not in output


def test_a_run_prints_ids_not_names(world):
    output = _run()

    assert f"child {world.due.pk}  site: " in output
    assert "Anonymised 2 children, 1 families and 1 counseling" in output
    for secret in [*DUE_SECRETS.values(), world.cnp, "Violeta"]:
        assert secret not in output


def test_a_run_that_fails_midway_changes_nothing(world, monkeypatch):
    def fail(erased):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "history_delete", fail)
    before = _database_text()

    with pytest.raises(RuntimeError):
        _run()

    assert _database_text() == before


def test_a_second_run_changes_nothing(world):
    _run()
    before = _database_text()

    output = _run()

    assert _database_text() == before
    assert "Anonymised 0 children, 0 families and 0 counseling" in output


def test_years_overrides_the_setting(world):
    _run("--years", "3")

    assert Child.objects.get(pk=world.recent.pk).anonymised_on == TODAY
    assert Family.objects.get(pk=world.recent.family_id).anonymised_on == TODAY
    assert CounselingSession.objects.get(pk=world.shared_session.pk).summary == ""


def test_the_setting_gives_the_years(world, settings):
    settings.RETENTION_YEARS = 7

    _run()

    assert Child.objects.get(pk=world.due.pk).anonymised_on is None


def test_a_child_who_moved_out_of_an_anonymised_family_keeps_their_history(world, site_a):
    moved = ChildFactory(site=site_a, family=world.family, given_names="Plecat")
    EnrollmentFactory(child=moved, started_on=datetime.date(2025, 9, 15))
    consent = ConsentFactory(
        child=moved,
        given_by=world.guardian,
        given_on=datetime.date(2025, 9, 15),
        withdrawn_on=datetime.date(2025, 10, 1),
    )
    consent.save()
    moved.family = FamilyFactory(site=site_a, name="Familia Nouă")
    moved.save()
    before = {
        "child": Events.objects.tracks(moved).count(),
        "consent": Events.objects.tracks(consent).count(),
    }

    _run()

    world.family.refresh_from_db()
    assert world.family.anonymised_on == TODAY
    assert {
        "child": Events.objects.tracks(moved).count(),
        "consent": Events.objects.tracks(consent).count(),
    } == before
    assert before["child"] >= 2


def _backdate_deletion(model_event, pk, when):
    with pgtrigger.ignore(f"{model_event._meta.label}:append_only"):
        model_event.objects.filter(pgh_obj_id=pk, pgh_label="delete").update(pgh_created_at=when)


def test_the_history_of_a_child_deleted_long_ago_is_erased_a_recent_ones_is_kept(world, site_a):
    old = ChildFactory(site=site_a, given_names="Ștersdemult", cnp=None)
    recent = ChildFactory(site=site_a, given_names="Șterspeaproape", cnp=None)
    old_pk, recent_pk = old.pk, recent.pk
    old.delete()
    recent.delete()
    _backdate_deletion(ChildEvent, old_pk, datetime.datetime(2019, 1, 10, tzinfo=datetime.UTC))

    _run()

    assert not ChildEvent.objects.filter(pgh_obj_id=old_pk).exists()
    assert ChildEvent.objects.filter(pgh_obj_id=recent_pk, pgh_label="delete").exists()


def test_an_erasure_request_anonymises_a_waiting_child_now(world):
    out = _run("--child", str(world.never_enrolled.pk))
    world.never_enrolled.refresh_from_db()
    assert world.never_enrolled.anonymised_on == TODAY
    assert world.never_enrolled.given_names == "Anonimizat"
    assert "Așteaptă" not in out
    world.due.refresh_from_db()
    assert world.due.anonymised_on is None  # only the child asked for


def test_an_erasure_request_for_an_enrolled_child_is_refused(world):
    with pytest.raises(CommandError, match="still enrolled"):
        _run("--child", str(world.still_enrolled.pk))
    world.still_enrolled.refresh_from_db()
    assert world.still_enrolled.anonymised_on is None
