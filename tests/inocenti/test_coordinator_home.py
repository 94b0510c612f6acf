"""The coordinator's home: where to go, and how many children each site has now."""

import pytest

from programs.models import EnrollmentStatus, Role
from tests.factories import ChildFactory, EnrollmentFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_home_counts_active_children_and_open_enrollments_per_site(client, make_user, site_a):
    EnrollmentFactory.create_batch(3, child__site=site_a)
    EnrollmentFactory(child__site=site_a, ended_on="2025-12-01", status=EnrollmentStatus.WITHDRAWN)
    ChildFactory(site=site_a, status="former")
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    response = client.get("/")
    row = next(site for site in response.context["sites"] if site == site_a)
    assert (row.active_children, row.open_enrollments) == (4, 3)
    assert 'data-testid="site-summary"' in response.content.decode()


def test_home_query_count_does_not_grow_with_sites(
    client, make_user, django_assert_max_num_queries
):
    sites = [SiteFactory() for _ in range(12)]
    for site in sites:
        EnrollmentFactory(child__site=site)
    client.force_login(make_user(Role.COORDINATOR, sites=sites))
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_every_link_on_the_coordinators_home_opens(client, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    html = client.get("/").content.decode()
    links = html.split('data-testid="coordinator-links"')[1].split("</div>")[0]
    hrefs = [part.split('"')[0].replace("&amp;", "&") for part in links.split('href="')[1:]]
    assert len(hrefs) == 8
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        assert "e=1" not in response.get("Location", ""), href
