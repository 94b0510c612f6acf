import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from programs.access import ROLE_PERMISSIONS, get_site_for_user, visible_sites
from programs.models import Role, Site, User
from programs.services import user_create
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_the_sites_they_are_assigned_to(make_user, site_a, site_b):
    user = make_user(Role.SOCIAL_WORKER, sites=[site_a])
    assert list(visible_sites(user)) == [site_a]
    assert list(Site.objects.for_user(user)) == [site_a]


def test_a_user_of_site_a_gets_404_for_site_b(make_user, site_a, site_b):
    user = make_user(Role.COORDINATOR, sites=[site_a])
    assert get_site_for_user(user, site_a.pk) == site_a
    with pytest.raises(Http404):
        get_site_for_user(user, site_b.pk)


def test_a_user_with_several_sites_sees_each_once(make_user, site_a, site_b):
    SiteFactory(name="Școala Gimnazială Mintiu Gherlii")
    user = make_user(Role.PSYCHOLOGIST, sites=[site_a, site_b])
    assert sorted(s.pk for s in visible_sites(user)) == sorted([site_a.pk, site_b.pk])


def test_a_director_marked_so_sees_every_site_including_new_ones(make_user, site_a, site_b):
    director = make_user(Role.DIRECTOR, sites=[], sees_all_sites=True)
    later = SiteFactory(name="Școala Gimnazială Reteag")
    assert set(visible_sites(director)) == {site_a, site_b, later}


def test_a_director_not_marked_so_sees_only_their_sites(make_user, site_a, site_b):
    director = make_user(Role.DIRECTOR, sites=[site_b])
    assert list(visible_sites(director)) == [site_b]


def test_a_superuser_sees_every_site(site_a, site_b):
    admin = UserFactory(role="", is_superuser=True, sites=[])
    assert set(visible_sites(admin)) == {site_a, site_b}


def test_anonymous_and_inactive_users_see_no_site(make_user, site_a):
    inactive = make_user(Role.COORDINATOR, sites=[site_a], is_active=False)
    assert list(visible_sites(AnonymousUser())) == []
    assert list(visible_sites(inactive)) == []


def test_the_permission_table_names_only_permissions_that_exist():
    existing = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    named = set().union(*ROLE_PERMISSIONS.values())
    assert named <= existing
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_permissions_follow_the_role(make_user):
    assert make_user(Role.COORDINATOR).has_perm("programs.use_admin")
    assert not make_user(Role.SOCIAL_WORKER).has_perm("programs.use_admin")


def test_permissions_stored_in_the_database_are_ignored(make_user):
    user = make_user(Role.VOLUNTEER)
    user.user_permissions.add(Permission.objects.get(codename="use_admin"))
    user = User.objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm("programs.use_admin")


def test_an_inactive_user_has_no_permissions(make_user):
    assert not make_user(Role.COORDINATOR, is_active=False).has_perm("programs.use_admin")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"role": Role.COORDINATOR, "sees_all_sites": True}, "user_all_sites_only_for_directors"),
        ({"role": ""}, "user_has_role_unless_superuser"),
        ({"role": "janitor"}, "user_role_valid"),
    ],
)
def test_the_database_refuses_invalid_accounts(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        User.objects.create(username="andreea", **fields)


def _inserts(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]


def test_user_create_needs_a_site_and_writes_nothing_without_one(site_a):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as error:
        user_create(username="bogdan", role=Role.SOCIAL_WORKER, password="caiet-verde-1")
    assert "sites" in error.value.message_dict
    assert _inserts(queries) == []


def test_user_create_validates_before_writing(site_a):
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
        user_create(username="cristina", role=Role.COORDINATOR, sees_all_sites=True)
    assert _inserts(queries) == []


def test_user_create_assigns_sites_and_a_usable_password(site_a, site_b):
    user = user_create(
        username="dorin", role=Role.SOCIAL_WORKER, sites=[site_b], password="caiet-verde-2"
    )
    assert list(user.sites.all()) == [site_b]
    assert user.check_password("caiet-verde-2")


def test_models_read_well(make_user, site_a):
    user = make_user(Role.SOCIAL_WORKER, first_name="Ștefan", last_name="Țăranu")
    assert str(user) == "Ștefan Țăranu"
    assert str(site_a) == "Școala Gimnazială nr. 31"
