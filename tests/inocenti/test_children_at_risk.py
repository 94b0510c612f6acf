"""The children-at-risk page of a site, its one-click follow-up, and the thresholds' admin."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from children.models import FollowUp
from inocenti.models import RiskThresholds
from programs.models import Role
from tests.assertions import queries_to_get
from tests.factories import (
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    FollowUpFactory,
    GroupFactory,
    MentorAssignmentFactory,
    SchoolResultFactory,
    SchoolYearFactory,
    current_start_year,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return SchoolYearFactory(start_year=current_start_year())


def enrolled(site, year, **child):
    child.setdefault("grade", 6)
    child.setdefault("family", FamilyFactory(site=site, risk_factors=[]))
    kid = ChildFactory(site=site, **child)
    EnrollmentFactory(
        child=kid,
        group=GroupFactory(site=site, school_year=year),
        started_on=year.starts_on,
    )
    return kid


def failing(site, year, **child):
    """A child whose latest average is 4: at risk (low results)."""
    kid = enrolled(site, year, **child)
    SchoolResultFactory(child=kid, school_year=year, general_average="4.00")
    return kid


def url(site, **query):
    base = reverse("children_at_risk", kwargs={"site_id": site.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_social_worker_sees_their_sites_children_at_risk_with_reasons(
    client, make_user, site_a, year
):
    child = failing(site_a, year, given_names="Denisa", family_name="Căldăraru")
    enrolled(site_a, year, given_names="Florin", family_name="Stoica")  # nothing against him
    client.force_login(make_user(Role.SOCIAL_WORKER))
    response = client.get(url(site_a))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Denisa Căldăraru" in page
    assert "Florin Stoica" not in page
    assert "Media generală 4,00" in page
    assert [risk.child for risk, _tasks in response.context["rows"]] == [child]


def test_the_list_is_sorted_by_level_high_first(client, make_user, site_a, year):
    at_risk = failing(site_a, year, family_name="Albu")
    high = failing(site_a, year, family_name="Zamfir")
    SchoolResultFactory(
        child=high,
        school_year=SchoolYearFactory(start_year=year.starts_on.year - 1),
        period="year",
        outcome="repeating",
    )
    watched = enrolled(site_a, year, family_name="Bratu", grade=4)
    client.force_login(make_user(Role.COORDINATOR))
    rows = client.get(url(site_a)).context["rows"]
    assert [risk.child for risk, _tasks in rows] == [high, at_risk, watched]


def test_the_level_filter_hides_lower_levels(client, make_user, site_a, year):
    failing(site_a, year)
    watched = enrolled(site_a, year, grade=4)
    client.force_login(make_user(Role.COORDINATOR))
    rows = client.get(url(site_a, level="at_risk")).context["rows"]
    assert watched not in [risk.child for risk, _tasks in rows]
    assert len(rows) == 1


def test_an_unknown_level_shows_every_flagged_child(client, make_user, site_a, year):
    failing(site_a, year)
    enrolled(site_a, year, grade=4)
    client.force_login(make_user(Role.COORDINATOR))
    response = client.get(url(site_a, level="<script>"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_another_sites_list_is_not_found(client, make_user, site_a, site_b, year):
    failing(site_b, year)
    client.force_login(make_user(Role.SOCIAL_WORKER))
    assert client.get(url(site_b)).status_code == 404


def test_volunteers_do_not_see_children_at_risk(client, make_user, site_a):
    client.force_login(make_user(Role.VOLUNTEER))
    assert client.get(url(site_a)).status_code == 403
    assert client.get(reverse("children_at_risk_index")).status_code == 403


def test_anonymous_users_are_sent_to_login(client, site_a):
    response = client.get(url(site_a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_index_goes_straight_to_a_users_only_site(client, make_user, site_a):
    client.force_login(make_user(Role.SOCIAL_WORKER))
    response = client.get(reverse("children_at_risk_index"))
    assert response.status_code == 302
    assert response.url == url(site_a)


def test_the_index_lists_the_sites_of_a_user_with_several(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a, site_b]))
    response = client.get(reverse("children_at_risk_index"))
    assert response.status_code == 200
    assert list(response.context["sites"]) == sorted([site_a, site_b], key=lambda s: s.name)


def test_one_click_adds_a_follow_up_with_the_reasons_for_the_user(client, make_user, site_a, year):
    child = failing(site_a, year)
    social_worker = make_user(Role.SOCIAL_WORKER)
    client.force_login(social_worker)
    response = client.post(
        reverse("risk_follow_up", kwargs={"site_id": site_a.pk, "child_id": child.pk}),
        {"level": "at_risk", "page": "1"},
    )
    assert response.status_code == 302
    assert response.url == url(site_a, level="at_risk", page=1)
    (task,) = FollowUp.objects.filter(child=child)
    assert task.assignee == social_worker
    assert task.created_by == social_worker
    assert task.due_on == timezone.localdate() + datetime.timedelta(days=7)
    assert "4,00" in task.task
    assert task.site == site_a


def test_a_child_with_an_open_follow_up_shows_it_instead_of_the_button(
    client, make_user, site_a, year
):
    child = failing(site_a, year)
    social_worker = make_user(Role.SOCIAL_WORKER)
    FollowUpFactory(child=child, site=site_a, assignee=social_worker)
    client.force_login(social_worker)
    response = client.get(url(site_a))
    ((_risk, open_tasks),) = response.context["rows"]
    assert open_tasks["count"] == 1
    assert 'data-testid="add-follow-up"' not in response.content.decode()


def test_a_director_reads_the_list_but_adds_no_follow_up(client, make_user, site_a, year):
    child = failing(site_a, year)
    client.force_login(make_user(Role.DIRECTOR))
    response = client.get(url(site_a))
    assert response.status_code == 200
    assert 'data-testid="add-follow-up"' not in response.content.decode()
    post = client.post(
        reverse("risk_follow_up", kwargs={"site_id": site_a.pk, "child_id": child.pk})
    )
    assert post.status_code == 403
    assert not FollowUp.objects.exists()


def test_a_follow_up_for_another_sites_child_is_not_found(client, make_user, site_a, site_b, year):
    other = failing(site_b, year)
    client.force_login(make_user(Role.SOCIAL_WORKER))
    for site in (site_a, site_b):
        response = client.post(
            reverse("risk_follow_up", kwargs={"site_id": site.pk, "child_id": other.pk})
        )
        assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_a_child_no_longer_flagged_gets_no_follow_up(client, make_user, site_a, year):
    child = enrolled(site_a, year)
    client.force_login(make_user(Role.SOCIAL_WORKER))
    client.post(reverse("risk_follow_up", kwargs={"site_id": site_a.pk, "child_id": child.pk}))
    assert not FollowUp.objects.exists()


def test_the_page_takes_as_many_queries_for_many_children(client, make_user, site_a, year):
    client.force_login(make_user(Role.COORDINATOR))
    failing(site_a, year)
    few = queries_to_get(client, url(site_a))
    for _ in range(8):
        failing(site_a, year)
    assert queries_to_get(client, url(site_a)) == few


# --- The thresholds in the admin ---------------------------------------------------------


def test_a_coordinator_changes_a_threshold_in_the_admin(client, make_user):
    coordinator = make_user(Role.COORDINATOR)
    client.force_login(coordinator)
    change = reverse("admin:inocenti_riskthresholds_change", args=[1])
    assert client.get(reverse("admin:inocenti_riskthresholds_changelist")).url == change
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["consecutive_absences"] = 4
    response = client.post(change, data)
    assert response.status_code == 302
    thresholds = RiskThresholds.current()
    assert thresholds.consecutive_absences == 4
    assert thresholds.updated_by == coordinator


def test_thresholds_in_the_wrong_order_are_refused(client, make_user):
    client.force_login(make_user(Role.DIRECTOR))
    change = reverse("admin:inocenti_riskthresholds_change", args=[1])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["program_rate_at_risk_below"] = 90  # above the watch threshold (80)
    response = client.post(change, data)
    assert response.status_code == 200
    assert RiskThresholds.current().program_rate_at_risk_below == 60


def test_social_workers_cannot_open_the_thresholds(client, make_user):
    client.force_login(make_user(Role.SOCIAL_WORKER))
    response = client.get(reverse("admin:inocenti_riskthresholds_changelist"))
    # Not staff: Django's admin asks for another login.
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- On the child's page -------------------------------------------------------------


def test_the_childs_page_shows_the_early_warning_with_its_reasons(client, make_user, site_a, year):
    child = failing(site_a, year)
    client.force_login(make_user(Role.SOCIAL_WORKER))
    response = client.get(reverse("child", kwargs={"child_id": child.pk}))
    page = response.content.decode()
    assert 'data-testid="child-risk"' in page
    assert "Media generală 4,00, sub 5,00" in page


def test_the_childs_page_shows_no_early_warning_to_a_volunteer(client, make_user, site_a, year):
    child = failing(site_a, year)
    volunteer = make_user(Role.VOLUNTEER)
    MentorAssignmentFactory(child=child, volunteer=volunteer)
    client.force_login(volunteer)
    response = client.get(reverse("child", kwargs={"child_id": child.pk}))
    assert response.status_code == 200
    assert 'data-testid="child-risk"' not in response.content.decode()


def test_the_next_page_keeps_the_level_shown(client, make_user, site_a, year, monkeypatch):
    monkeypatch.setattr("inocenti.risk_views.PAGE_SIZE", 2)
    for _ in range(3):
        failing(site_a, year)
    client.force_login(make_user(Role.COORDINATOR))
    page = client.get(url(site_a, level="at_risk")).content.decode()
    assert "?level=at_risk&amp;page=2" in page
    second = client.get(url(site_a, level="at_risk", page=2))
    assert len(second.context["rows"]) == 1


def test_a_second_click_adds_no_second_follow_up(client, make_user, site_a, year):
    child = failing(site_a, year)
    client.force_login(make_user(Role.SOCIAL_WORKER))
    add = reverse("risk_follow_up", kwargs={"site_id": site_a.pk, "child_id": child.pk})
    client.post(add)
    client.post(add)
    assert FollowUp.objects.filter(child=child).count() == 1
