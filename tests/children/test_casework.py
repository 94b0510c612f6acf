"""The casework records' invariants, held by the database, and the confidential
notes that only psychologists read."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from children.access import may_read_confidential_notes
from children.models import CaseNote, CommunityActivity, ConfidentialNote, FollowUp
from programs.models import Role
from tests.assertions import refused
from tests.auth import force_login_verified
from tests.factories import (
    CaseNoteFactory,
    ChildFactory,
    CommunityActivityFactory,
    CounselingSessionFactory,
    FamilyFactory,
    FollowUpFactory,
    MentorAssignmentFactory,
    MentoringSessionFactory,
    ParentMeetingFactory,
    SchoolResultFactory,
    SiteFactory,
    SupportGivenFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Tatăl consumă alcool; copilul a povestit despre violență acasă."


@pytest.mark.parametrize("minutes", [0, 4, 481])
def test_counseling_lasts_a_plausible_time(minutes):
    with refused("counseling_duration_plausible"):
        CounselingSessionFactory(duration_minutes=minutes)


def test_counseling_follow_up_comes_after_the_session():
    with refused("counseling_follow_up_after_session"):
        CounselingSessionFactory(follow_up_on=datetime.date(2026, 10, 1))


def test_case_note_is_about_a_child_or_a_family():
    with refused("case_note_about_someone"):
        CaseNoteFactory(child=None, site=SiteFactory())


def test_follow_up_is_about_a_child_or_a_family():
    with refused("follow_up_about_someone"):
        FollowUpFactory(child=None, site=SiteFactory())


def test_records_about_a_child_include_those_about_the_family():
    family = FamilyFactory()
    child = ChildFactory(site=family.site, family=family)
    on_child = CaseNoteFactory(child=child)
    on_family = CaseNoteFactory(child=None, family=family, site=family.site)
    CaseNoteFactory()  # another child
    assert set(CaseNote.objects.about_child(child)) == {on_child, on_family}


def test_open_follow_ups_are_those_not_done():
    done = FollowUpFactory(done_on=datetime.date(2026, 11, 2))
    todo = FollowUpFactory()
    assert list(FollowUp.objects.open()) == [todo]
    assert done not in FollowUp.objects.open()


@pytest.mark.parametrize("average", ["0.99", "10.01"])
def test_general_average_is_between_1_and_10(average):
    with refused("school_result_average_in_range"):
        SchoolResultFactory(general_average=Decimal(average))


def test_qualifiers_only_for_grades_0_to_4():
    SchoolResultFactory(grade=4, general_average=None, qualifier="FB")
    with refused("school_result_qualifier_only_grades_0_4"):
        SchoolResultFactory(grade=5, general_average=None, qualifier="B")


def test_an_average_or_a_qualifier_not_both():
    with refused("school_result_average_or_qualifier"):
        SchoolResultFactory(grade=3, general_average=Decimal("8.00"), qualifier="B")


def test_baccalaureate_only_in_high_school_final_years():
    SchoolResultFactory(grade=12, period="bac", general_average=Decimal("6.45"))
    with refused("school_result_baccalaureate_in_high_school"):
        SchoolResultFactory(grade=8, period="bac_mock")


def test_one_result_per_child_year_and_period():
    result = SchoolResultFactory()
    with refused("school_result_one_per_child_year_and_period"):
        SchoolResultFactory(child=result.child, school_year=result.school_year)


def test_a_volunteer_mentors_a_child_once_at_a_time():
    assignment = MentorAssignmentFactory()
    MentorAssignmentFactory(
        volunteer=assignment.volunteer,
        child=assignment.child,
        started_on=datetime.date(2025, 1, 1),
        ended_on=datetime.date(2025, 6, 1),
    )
    with refused("mentor_assignment_one_open_per_pair"):
        MentorAssignmentFactory(volunteer=assignment.volunteer, child=assignment.child)


def test_mentoring_lasts_a_plausible_time():
    with refused("mentoring_duration_plausible"):
        MentoringSessionFactory(duration_minutes=600)


def test_parent_meeting_support_areas_are_known():
    with refused("parent_meeting_support_valid"):
        ParentMeetingFactory(support=["money"])


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("quantity", 0, "support_quantity_positive"),
        ("value_ron", Decimal("-1"), "support_value_not_negative"),
        ("kind", "cash", "support_kind_valid"),
    ],
)
def test_support_values_are_plausible(field, value, constraint):
    with refused(constraint):
        SupportGivenFactory(**{field: value})


def test_support_for_a_child_of_another_family_is_refused():
    support = SupportGivenFactory.build(
        family=FamilyFactory(), child=ChildFactory(family=FamilyFactory())
    )
    with pytest.raises(ValidationError) as error:
        support.full_clean()
    assert "child" in error.value.message_dict


def test_activity_of_two_sites_is_listed_once_for_a_user_of_both():
    site_a, site_b = SiteFactory(), SiteFactory()
    CommunityActivityFactory(sites=[site_a, site_b])
    user = UserFactory(role=Role.COORDINATOR, sites=[site_a, site_b])
    assert CommunityActivity.objects.for_user(user).count() == 1
    assert CommunityActivity.objects.for_user(UserFactory(role=Role.COORDINATOR)).count() == 0


# --- Confidential notes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "superuser", "may"),
    [
        (Role.PSYCHOLOGIST, False, True),
        (Role.COORDINATOR, False, False),
        (Role.DIRECTOR, False, False),
        (Role.SOCIAL_WORKER, False, False),
        (Role.VOLUNTEER, False, False),
        ("", True, False),
    ],
)
def test_only_psychologists_may_read_confidential_notes(role, superuser, may):
    user = UserFactory(role=role, is_superuser=superuser, sites=[])
    assert may_read_confidential_notes(user) is may


def test_a_notes_str_never_shows_its_text():
    note = ConfidentialNote.objects.create(session=CounselingSessionFactory(), text=SECRET)
    assert SECRET not in str(note) and "Tatăl" not in str(note)


@pytest.mark.parametrize("who", ["coordinator", "director", "superuser"])
def test_confidential_notes_are_nowhere_in_the_admin(client, who):
    session = CounselingSessionFactory()
    ConfidentialNote.objects.create(session=session, text=SECRET)
    users = {
        "coordinator": lambda: UserFactory(role=Role.COORDINATOR, sites=[session.site]),
        "director": lambda: UserFactory(role=Role.DIRECTOR, sees_all_sites=True, sites=[]),
        "superuser": lambda: UserFactory(role="", is_superuser=True, is_staff=True, sites=[]),
    }
    user = users[who]()
    if user.is_superuser:
        force_login_verified(client, user)
    else:
        client.force_login(user)
    pages = [
        reverse("admin:children_counselingsession_change", args=[session.pk]),
        reverse("admin:children_counselingsession_changelist"),
        reverse("admin:index"),
        "/admin/children/confidentialnote/",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert SECRET not in response.content.decode(), url
    assert client.get("/admin/children/confidentialnote/").status_code == 404
    found = client.get(
        reverse("admin:children_counselingsession_changelist"), {"q": "alcool"}
    ).content.decode()
    assert SECRET not in found
