"""Every attendance page, for every role and anonymous, with an object of the
user's own site and one of another site: the answer each must get."""

import pytest
from django.urls import reverse

from programs.models import Role
from tests.factories import RegisterFactory, UserFactory

# role -> expected status of a GET of own-site pages; another site's is always 404
# for those allowed in (403 for roles without the permission, login for anonymous).
PAGES = ["register", "history", "school_absences", "child", "missing", "open"]
EXPECTED = {
    "staff_social_worker": {"missing": 403, "open": 302},
    # The picker answers with a redirect (to the register, or home with a message).
    "psychologist": {"missing": 403, "open": 302},
    "coordinator": {"open": 302},
    "director": {"open": 302},
    "volunteer": dict.fromkeys(PAGES, 403),
}
SITE_SCOPED = {"register", "history", "school_absences", "child"}


@pytest.fixture
def users(group, social_worker, site_a):
    return {
        "staff_social_worker": social_worker,
        "psychologist": UserFactory(role=Role.PSYCHOLOGIST, sites=[site_a]),
        "coordinator": UserFactory(role=Role.COORDINATOR, sites=[site_a]),
        "director": UserFactory(role=Role.DIRECTOR, sites=[site_a]),
        "volunteer": UserFactory(role=Role.VOLUNTEER, sites=[site_a]),
    }


def _urls(group, child, today):
    RegisterFactory(group=group, date=today)
    return {
        "register": reverse("attendance:register", args=[group.pk, today]),
        "history": reverse("attendance:register_history", args=[group.pk, today]),
        "school_absences": reverse(
            "attendance:school_absences", args=[group.pk, today.replace(day=1)]
        ),
        "child": reverse("attendance:child", args=[child.pk]),
        "missing": reverse("attendance:missing"),
        "open": reverse("attendance:open") + f"?group={group.pk}&date={today.isoformat()}",
    }


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_the_expected_answer_on_its_own_site(
    client, users, group, enrol, today, role
):
    (child,) = enrol(group)
    client.force_login(users[role])
    for page, url in _urls(group, child, today).items():
        expected = EXPECTED[role].get(page, 200)
        assert client.get(url).status_code == expected, (role, page)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_another_sites_objects_are_404_for_everyone_allowed_in(
    client, users, other_site_group, enrol, today, role
):
    (child,) = enrol(other_site_group)
    client.force_login(users[role])
    for page, url in _urls(other_site_group, child, today).items():
        if page not in SITE_SCOPED:
            continue
        expected = 403 if EXPECTED[role].get(page) == 403 else 404
        assert client.get(url).status_code == expected, (role, page)


def test_anonymous_is_sent_to_log_in_everywhere(client, group, enrol, today):
    (child,) = enrol(group)
    for page, url in _urls(group, child, today).items():
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), page


def test_post_is_refused_to_roles_that_only_read(client, users, group, enrol, today):
    from attendance.models import Mark

    (child,) = enrol(group)
    url = reverse("attendance:register", args=[group.pk, today])
    for role in ("psychologist", "director"):
        client.force_login(users[role])
        client.post(url, {"activities": ["homework"], f"c{child.pk}-status": "absent"})
    assert not Mark.objects.exists()
