"""Coordinators register children in the admin: search, inline enrollments, moves."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from children.models import Child
from programs.admin_site import SiteCountyFilter
from programs.models import Enrollment, EnrollmentStatus, Role
from tests.assertions import queries_to_get
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GroupFactory,
    ProgramFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:children_child_changelist")
# The change page's consents inline, empty (tests/children/test_consent.py fills it).
NO_CONSENTS = {"consents-TOTAL_FORMS": "0", "consents-INITIAL_FORMS": "0"}


@pytest.fixture
def coordinator(client, make_user, site_a):
    user = make_user(Role.COORDINATOR, sites=[site_a])
    client.force_login(user)
    return user


@pytest.mark.parametrize("query", ["stefan", "LACATUS", "Ştefan Lăcătuş"])
def test_changelist_search_ignores_diacritics_and_case(client, coordinator, site_a, query):
    ChildFactory(site=site_a, given_names="Ștefan", family_name="Lăcătuș")
    ChildFactory(site=site_a, given_names="Maria", family_name="Pop")
    html = client.get(CHANGELIST, {"q": query}).content.decode()
    assert "Lăcătuș" in html
    assert "Pop" not in html


FIND_BY_CNP = reverse("admin:children_child_find_by_cnp")


def test_a_child_is_opened_by_cnp_without_the_cnp_in_any_url(client, coordinator, site_a):
    child = ChildFactory(site=site_a, with_cnp=True, family_name="Căldăraru")
    response = client.post(FIND_BY_CNP, {"cnp": f" {child.cnp[:6]} {child.cnp[6:]} "})
    assert response.status_code == 302
    assert response.url == reverse("admin:children_child_change", args=[child.pk])
    assert child.cnp not in response.url


def test_another_sites_child_is_not_found_by_cnp(client, coordinator, site_b):
    theirs = ChildFactory(site=site_b, with_cnp=True)
    response = client.post(FIND_BY_CNP, {"cnp": theirs.cnp}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert "Niciun copil" in response.content.decode()


def test_the_childrens_list_never_shows_cnps(client, coordinator, site_a):
    child = ChildFactory(site=site_a, with_cnp=True)
    assert child.cnp not in client.get(CHANGELIST).content.decode()


def test_add_child_with_an_enrollment_in_one_form(client, coordinator, site_a):
    group = GroupFactory(site=site_a)
    program = ProgramFactory(sites=[site_a])
    data = {
        "given_names": "Ionuț",
        "family_name": "Rostaş",
        "sex": "M",
        "site": site_a.pk,
        "status": "active",
        "enrollments-TOTAL_FORMS": "1",
        "enrollments-INITIAL_FORMS": "0",
        "enrollments-0-program": program.pk,
        "enrollments-0-site": site_a.pk,
        "enrollments-0-group": group.pk,
        "enrollments-0-started_on": "2025-09-15",
        "enrollments-0-status": "active",
    }
    response = client.post(reverse("admin:children_child_add"), data)
    assert response.status_code == 302, response.context["errors"]
    child = Child.objects.get()
    assert child.family_name == "Rostaș"
    assert child.created_by == coordinator
    enrollment = child.enrollments.get()
    assert (enrollment.group, enrollment.created_by) == (group, coordinator)


def test_add_form_offers_only_the_coordinators_sites(client, coordinator, site_a, site_b):
    form = client.get(reverse("admin:children_child_add")).context["adminform"].form
    assert list(form.fields["site"].queryset) == [site_a]
    # The school a child attends may be any partner school.
    assert set(form.fields["school_site"].queryset) == {site_a, site_b}


def test_a_child_cannot_be_put_at_another_site(client, coordinator, site_b):
    data = {"given_names": "Ana", "family_name": "Pop", "sex": "F", "site": site_b.pk}
    data |= {"status": "active", "enrollments-TOTAL_FORMS": "0", "enrollments-INITIAL_FORMS": "0"}
    response = client.post(reverse("admin:children_child_add"), data)
    assert response.status_code == 200
    assert not Child.objects.exists()


def test_family_autocomplete_offers_only_the_coordinators_sites(
    client, coordinator, site_a, site_b
):
    FamilyFactory(site=site_a, name="Familia Ursaru")
    FamilyFactory(site=site_b, name="Familia Ursache")
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "urs", "app_label": "children", "model_name": "child", "field_name": "family"},
    )
    names = [result["text"] for result in response.json()["results"]]
    assert any("Ursaru" in name for name in names)
    assert not any("Ursache" in name for name in names)


def _move(client, children, group, on="2026-01-12", apply=True):
    data = {
        "action": "move_to_group",
        ACTION_CHECKBOX_NAME: [child.pk for child in children],
        "group": group.pk,
        "on": on,
    }
    if apply:
        data["apply"] = "1"
    return client.post(CHANGELIST, data)


def test_move_action_first_asks_for_the_group_and_date(client, coordinator, site_a):
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    response = client.post(
        CHANGELIST, {"action": "move_to_group", ACTION_CHECKBOX_NAME: [enrollment.child.pk]}
    )
    assert response.status_code == 200
    assert 'name="group"' in response.content.decode()
    assert Enrollment.objects.count() == 1


def test_moving_children_closes_their_enrollment_and_opens_one_in_the_new_group(
    client, coordinator, site_a
):
    first = EnrollmentFactory(child=ChildFactory(site=site_a))
    second = EnrollmentFactory(child=ChildFactory(site=site_a), group=first.group)
    new_group = GroupFactory(site=site_a, name="Grupa V–VIII")
    response = _move(client, [first.child, second.child], new_group)
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.ended_on, first.status) == (datetime.date(2026, 1, 11), EnrollmentStatus.MOVED)
    successor = Enrollment.objects.current().get(child=first.child)
    assert (successor.group, successor.started_on) == (new_group, datetime.date(2026, 1, 12))
    assert Enrollment.objects.current().filter(group=new_group).count() == 2


def test_a_move_is_all_or_nothing(client, coordinator, site_a):
    enrolled = EnrollmentFactory(child=ChildFactory(site=site_a))
    not_enrolled = ChildFactory(site=site_a, given_names="Denisa")
    new_group = GroupFactory(site=site_a)
    response = _move(client, [enrolled.child, not_enrolled], new_group)
    assert response.status_code == 200
    assert "Denisa" in response.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.ended_on is None


def test_children_cannot_be_moved_into_another_sites_group(client, coordinator, site_a, site_b):
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    response = _move(client, [enrollment.child], GroupFactory(site=site_b))
    assert response.status_code == 200
    assert Enrollment.objects.count() == 1


def test_a_director_cannot_run_the_move_action(client, make_user, site_a):
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    _move(client, [enrollment.child], GroupFactory(site=site_a))
    enrollment.refresh_from_db()
    assert enrollment.ended_on is None


def test_child_changelist_shows_the_current_group(client, coordinator, site_a):
    enrollment = EnrollmentFactory(
        child=ChildFactory(site=site_a), group=GroupFactory(site=site_a, name="Grupa Albastră")
    )
    assert enrollment.group.name in client.get(CHANGELIST).content.decode()


def test_site_for_a_child_of_another_coordinator_is_refused_on_change(client, coordinator):
    other = ChildFactory(site=SiteFactory(name="Școala Gimnazială Mintiu Gherlii"))
    url = reverse("admin:children_child_change", args=[other.pk])
    response = client.post(url, {"given_names": "X", "family_name": "Y", "sex": "M"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.given_names != "X"


def test_child_page_query_count_does_not_grow_with_enrollments(client, coordinator, site_a):
    child = ChildFactory(site=site_a)
    program = ProgramFactory(sites=[site_a])
    EnrollmentFactory(child=child, program=program)
    url = reverse("admin:children_child_change", args=[child.pk])
    queries_to_get(client, url)  # warms per-process caches (content types)
    one = queries_to_get(client, url)
    for year in range(2015, 2021):
        EnrollmentFactory(
            child=child,
            program=program,
            group=GroupFactory(site=site_a, school_year__start_year=year),
            started_on=datetime.date(year, 9, 15),
            ended_on=datetime.date(year + 1, 6, 20),
            status=EnrollmentStatus.MOVED,
        )
    assert queries_to_get(client, url) == one


def test_two_new_open_enrollments_in_one_program_are_a_form_error(client, coordinator, site_a):
    child = ChildFactory(site=site_a)
    program = ProgramFactory(sites=[site_a])
    row = {"program": program.pk, "site": site_a.pk, "status": "active"}
    data = {"given_names": child.given_names, "family_name": child.family_name, "sex": child.sex}
    data |= {"site": site_a.pk, "status": "active"}
    data |= {"enrollments-TOTAL_FORMS": "2", "enrollments-INITIAL_FORMS": "0"}
    data |= NO_CONSENTS
    for n, started in enumerate(["2025-09-15", "2025-10-01"]):
        data |= {f"enrollments-{n}-{key}": value for key, value in row.items()}
        data[f"enrollments-{n}-started_on"] = started
    response = client.post(reverse("admin:children_child_change", args=[child.pk]), data)
    assert response.status_code == 200
    assert not Enrollment.objects.exists()


def test_a_child_with_an_open_enrollment_cannot_change_site(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a, site_b]))
    enrollment = EnrollmentFactory(child=ChildFactory(site=site_a))
    child = enrollment.child
    data = {"given_names": child.given_names, "family_name": child.family_name, "sex": child.sex}
    data |= {"site": site_b.pk, "status": "active"}
    data |= {"enrollments-TOTAL_FORMS": "1", "enrollments-INITIAL_FORMS": "1"}
    data |= NO_CONSENTS
    data |= {
        "enrollments-0-id": enrollment.pk,
        "enrollments-0-child": child.pk,
        "enrollments-0-program": enrollment.program_id,
        "enrollments-0-site": site_a.pk,
        "enrollments-0-group": enrollment.group_id,
        "enrollments-0-started_on": "2025-09-15",
        "enrollments-0-status": "active",
    }
    response = client.post(reverse("admin:children_child_change", args=[child.pk]), data)
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.site == site_a


def test_a_child_page_hides_enrollments_at_sites_the_user_cannot_see(
    client, make_user, site_a, site_b
):
    child = ChildFactory(site=site_a)
    EnrollmentFactory(
        child=child,
        site=site_b,
        group=GroupFactory(site=site_b, name="Grupa de altundeva"),
        started_on=datetime.date(2024, 9, 16),
        ended_on=datetime.date(2025, 6, 20),
        status=EnrollmentStatus.TRANSFERRED,
    )
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    html = client.get(reverse("admin:children_child_change", args=[child.pk])).content.decode()
    assert "Grupa de altundeva" not in html


def test_a_tampered_action_selection_is_a_bad_request(client, coordinator):
    response = client.post(CHANGELIST, {"action": "move_to_group", ACTION_CHECKBOX_NAME: ["abc"]})
    assert response.status_code == 400


def test_a_nul_character_in_a_filter_is_a_bad_request(client, coordinator):
    assert client.get(CHANGELIST, {"status__exact": "a\x00b"}).status_code == 400


def test_current_group_filter_lists_a_child_in_two_programs_once(client, coordinator, site_a):
    first = EnrollmentFactory(child=ChildFactory(site=site_a))
    EnrollmentFactory(
        child=first.child,
        group=first.group,
        program=ProgramFactory(name="Mentorat", sites=[site_a]),
    )
    response = client.get(CHANGELIST, {"group": first.group.pk})
    assert response.context["cl"].result_count == 1


def test_county_filter_offers_only_the_counties_of_the_users_sites(client, coordinator, site_a):
    site_a.county = "B"
    site_a.save()
    ChildFactory(site=site_a)
    response = client.get(CHANGELIST)
    county_filter = next(
        spec for spec in response.context["cl"].filter_specs if isinstance(spec, SiteCountyFilter)
    )
    assert [code for code, _ in county_filter.lookup_choices] == ["B"]
    assert client.get(CHANGELIST, {"county": "B"}).context["cl"].result_count == 1
    assert client.get(CHANGELIST, {"county": "CJ"}).context["cl"].result_count == 0
