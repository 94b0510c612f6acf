"""A data-subject export (GDPR art. 15): everything held on the child and their
family, and nothing of other children, confidential notes or the whole CNP."""

import datetime
import json

import pghistory
import pytest
from django.urls import reverse

from children.cnp import build_cnp
from children.models import Child, ConfidentialNote
from programs.models import AccessAction, Role
from programs.services import access_log_record
from tests.assertions import queries_to_get
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    ConsentFactory,
    CounselingSessionFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    GroupFactory,
    GuardianFactory,
    MarkFactory,
    MentorAssignmentFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    RegisterFactory,
    SchoolAbsenceFactory,
    SchoolResultFactory,
    SchoolYearFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CNP = build_cnp(sex="M", birth_date=datetime.date(2014, 1, 1), county_code="42", serial=1)
MASKED_CNP = "5**********" + CNP[-2:]
SECRET = "TAINA-CONFIDENTIALA"
# One distinctive text per kind of record, all of which the export must hold.
OWN = {
    "guardian": "0700 123 456",
    "consent": "Acord semnat la înscriere",
    "enrollment": "Grupa Albastră",
    "mark": "A venit cu bunica",
    "school_absence": "2026-03",
    "school_result": "8.75",
    "counseling": "Atelier despre emoții",
    "case_note": "Vizită: mama lucrează în Italia",
    "follow_up": "Sunați dirigintele",
    "support": "Ghiozdan și caiete",
    "mentoring": "Fracții și procente",
    "activity": "Excursie la Muzeul Antipa",
    "parent_meeting": "Cum îi ajutăm la teme",
    "history": "Mutat la bunici",
    "access_log": "Ioana Marinescu",
}
SECTIONS = {
    "child",
    "family",
    "guardians",
    "consents",
    "enrollments",
    "attendance",
    "school_absences",
    "school_results",
    "counseling_sessions",
    "case_notes",
    "follow_ups",
    "support",
    "mentor_assignments",
    "mentoring_sessions",
    "activities",
    "parent_meetings",
    "history",
    "access_log",
}
# Whose names and records must never be in the export.
SIBLING = "Zamfira"
SIBLING_RECORDS = ["NOTA-FRATE", "SPRIJIN-FRATE", "SEDINTA-FRATE", "ACORD-FRATE"]
CLASSMATE = "Geanina"


@pytest.fixture
def coordinator(site_a):
    return UserFactory(role=Role.COORDINATOR, sites=[site_a])


@pytest.fixture
def family(site_a):
    return FamilyFactory(site=site_a, name="Familia Căldăraru")


@pytest.fixture
def child(site_a, family):
    return ChildFactory(
        site=site_a,
        family=family,
        given_names="Ștefan",
        family_name="Căldăraru",
        sex="M",
        birth_date=datetime.date(2014, 1, 1),
        cnp=CNP,
    )


def _records(child, site, count: int, *, texts=OWN):
    """``count`` records of every kind for ``child`` (the texts on the first)."""
    family = child.family
    guardian = GuardianFactory(family=family, phone=texts["guardian"], given_names="Mariana")
    staff = UserFactory(role=Role.SOCIAL_WORKER, sites=[site])
    psychologist = UserFactory(role=Role.PSYCHOLOGIST, sites=[site])
    for n in range(count):
        first = n == 0
        year = SchoolYearFactory(start_year=2000 + n)
        group = GroupFactory(
            site=site,
            school_year=year,
            name=f"{texts['enrollment']} {child.pk}" if first else f"Grupa {n} ({child.pk})",
        )
        ConsentFactory(
            child=child,
            given_by=guardian,
            given_on=datetime.date(2020, 9, 1) + datetime.timedelta(days=n),
            # All but the last are withdrawn: one active consent per kind.
            withdrawn_on=None if n == count - 1 else datetime.date(2025, 1, 1),
            note=texts["consent"] if first else "",
        )
        EnrollmentFactory(
            child=child,
            group=group,
            started_on=datetime.date(2000 + n, 9, 15),
            ended_on=datetime.date(2001 + n, 6, 15),
            status="completed",
        )
        MarkFactory(
            register=RegisterFactory(group=group, date=datetime.date(2000 + n, 10, 1)),
            child=child,
            status="late",
            note=texts["mark"] if first else "",
        )
        SchoolAbsenceFactory(
            child=child,
            month=datetime.date(2026, 3, 1)
            if first
            else datetime.date(2010 + n // 12, n % 12 + 1, 1),
        )
        SchoolResultFactory(
            child=child, school_year=year, general_average="8.75" if first else "7.00"
        )
        session = CounselingSessionFactory(
            site=site, psychologist=psychologist, children=[child], summary=texts["counseling"]
        )
        ConfidentialNote.objects.create(session=session, text=SECRET, updated_by=psychologist)
        CaseNoteFactory(child=child, text=texts["case_note"], created_by=staff)
        FollowUpFactory(child=child, task=texts["follow_up"], assignee=staff)
        SupportGivenFactory(family=family, child=child, items=texts["support"], given_by=staff)
        volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site])
        MentorAssignmentFactory(volunteer=volunteer, child=child)
        MentoringSessionFactory(volunteer=volunteer, child=child, topic=texts["mentoring"])
        activity = CommunityActivityFactory(sites=[site], title=texts["activity"])
        activity.children.add(child)
        meeting = ParentMeetingFactory(site=site, topic=texts["parent_meeting"], facilitator=staff)
        meeting.attendees.add(guardian)
        with pghistory.context(user=staff.pk, url="/test/"):
            Child.objects.filter(pk=child.pk).update(notes=f"{texts['history']} {n}")


@pytest.fixture
def everything(child, site_a, family, client):
    """The child's records; a sibling's and a classmate's beside them."""
    _records(child, site_a, 1)
    reader = UserFactory(
        role=Role.SOCIAL_WORKER, sites=[site_a], first_name="Ioana", last_name="Marinescu"
    )
    client.force_login(reader)
    client.get(reverse("child", args=[child.pk]))  # an access log entry
    sibling = ChildFactory(site=site_a, family=family, given_names=SIBLING, family_name="Pană")
    CaseNoteFactory(child=sibling, text=SIBLING_RECORDS[0])
    SupportGivenFactory(family=family, child=sibling, items=SIBLING_RECORDS[1])
    CounselingSessionFactory(site=site_a, children=[sibling], summary=SIBLING_RECORDS[2])
    ConsentFactory(child=sibling, given_by=family.guardians.first(), note=SIBLING_RECORDS[3])
    # A classmate of another family, in the child's group session and activity.
    classmate = ChildFactory(
        site=site_a, family=FamilyFactory(site=site_a), given_names=CLASSMATE, family_name="Ursu"
    )
    group_session = CounselingSessionFactory(
        site=site_a, kind="group", children=[child, classmate], summary="Grup de sprijin"
    )
    ConfidentialNote.objects.create(
        session=group_session, text=f"{SECRET} {CLASSMATE}", updated_by=group_session.psychologist
    )
    CommunityActivityFactory(sites=[site_a], title="Carnaval").children.add(child, classmate)
    return child


def _html(client, child):
    return client.get(reverse("child_export", args=[child.pk]))


def _json(client, child):
    return client.get(reverse("child_export_json", args=[child.pk]))


# --- What is in it --------------------------------------------------------------------


def test_the_page_holds_every_kind_of_record(client, coordinator, everything):
    client.force_login(coordinator)
    response = _html(client, everything)
    assert response.status_code == 200
    html = response.content.decode()
    assert [kind for kind, text in OWN.items() if text not in html] == []
    sections = {key for key in SECTIONS if f'data-testid="export-{key}"' in html}
    assert sections == SECTIONS


def test_the_json_has_every_section_and_each_record(client, coordinator, everything):
    client.force_login(coordinator)
    response = _json(client, everything)
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["child_id"] == everything.pk
    assert set(data) >= SECTIONS
    text = response.content.decode()
    for kind, value in OWN.items():
        assert value in text, kind
    assert data["child"][0]["given_names"] == "Ștefan"
    assert data["child"][0]["cnp"] == MASKED_CNP
    assert len(data["consents"]) == 1
    assert [row["group"] for row in data["attendance"]] == [f"{OWN['enrollment']} {everything.pk}"]


def test_the_json_is_a_download_named_by_number_only(client, coordinator, everything):
    client.force_login(coordinator)
    disposition = _json(client, everything)["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"copil-{everything.pk}-" in disposition
    for name in ("Ștefan", "Stefan", "Căldăraru", "Caldararu"):
        assert name not in disposition


def test_a_child_without_a_family_is_exported_too(client, coordinator, site_a):
    alone = ChildFactory(site=site_a, family=None, given_names="Ionuț")
    client.force_login(coordinator)
    data = json.loads(_json(client, alone).content)
    assert data["child"][0]["given_names"] == "Ionuț"
    assert data["family"] == data["guardians"] == data["parent_meetings"] == []
    assert _html(client, alone).status_code == 200


# --- What is never in it --------------------------------------------------------------


@pytest.mark.parametrize("fetch", [_html, _json])
def test_no_confidential_note_sibling_or_classmate(client, coordinator, everything, fetch):
    client.force_login(coordinator)
    text = fetch(client, everything).content.decode()
    assert SECRET not in text
    assert SIBLING not in text and "Pană" not in text
    for record in SIBLING_RECORDS:
        assert record not in text
    assert CLASSMATE not in text and "Ursu" not in text


@pytest.mark.parametrize("fetch", [_html, _json])
def test_the_cnp_is_only_masked(client, coordinator, everything, fetch):
    client.force_login(coordinator)
    text = fetch(client, everything).content.decode()
    assert CNP not in text
    assert MASKED_CNP in text


def test_the_admin_shows_a_director_the_cnp_masked_and_a_coordinator_in_full(
    client, coordinator, site_a, child
):
    url = reverse("admin:children_child_change", args=[child.pk])
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[site_a]))
    html = client.get(url).content.decode()
    assert CNP not in html
    assert MASKED_CNP in html
    client.force_login(coordinator)
    assert CNP in client.get(url).content.decode()


# --- Who may export -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.DIRECTOR, 200),
        (Role.SOCIAL_WORKER, 403),
        (Role.PSYCHOLOGIST, 403),
        (Role.VOLUNTEER, 403),
    ],
)
@pytest.mark.parametrize("fetch", [_html, _json])
def test_who_may_export(client, site_a, child, role, status, fetch):
    client.force_login(UserFactory(role=role, sites=[site_a]))
    assert fetch(client, child).status_code == status


@pytest.mark.parametrize("fetch", [_html, _json])
def test_another_sites_child_is_not_found(client, coordinator, site_b, fetch):
    theirs = ChildFactory(site=site_b)
    client.force_login(coordinator)
    assert fetch(client, theirs).status_code == 404


# --- Cost -----------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_records(client, coordinator, site_a):
    few = ChildFactory(site=site_a, family=FamilyFactory(site=site_a))
    many = ChildFactory(site=site_a, family=FamilyFactory(site=site_a))
    _records(few, site_a, 2)
    _records(many, site_a, 20)
    client.force_login(coordinator)
    for name in ("child_export", "child_export_json"):
        queries_to_get(client, reverse(name, args=[few.pk]))  # warms caches
        counts = [queries_to_get(client, reverse(name, args=[kid.pk])) for kid in (few, many)]
        assert counts[0] == counts[1], name


def test_only_a_director_reads_the_emergency_access_reasons_in_the_export(client, site_a, child):
    reason = "Sesizare DGASPC: suspiciune, citim notele acum"
    session = CounselingSessionFactory(site=site_a, children=[child])
    access_log_record(
        user=UserFactory(role=Role.DIRECTOR, sites=[site_a]),
        action=AccessAction.BREAK_GLASS,
        site=site_a,
        child_ids=[child.pk],
        record=session,
        reason=reason,
    )
    url = reverse("child_export", args=[child.pk])
    client.force_login(UserFactory(role=Role.COORDINATOR, sites=[site_a]))
    coordinator_sees = client.get(url).content.decode()
    client.force_login(UserFactory(role=Role.DIRECTOR, sites=[site_a]))
    director_sees = client.get(url).content.decode()
    assert reason not in coordinator_sees
    assert "acces de urgență" in coordinator_sees  # that it happened, by whom and when
    assert reason in director_sees
