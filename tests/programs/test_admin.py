import pytest
from django.contrib import admin

from programs.admin_site import SiteScopedAdmin
from programs.models import Group, Role, User
from tests.assertions import queries_to_get
from tests.auth import force_login_verified
from tests.factories import (
    EnrollmentFactory,
    GroupFactory,
    ProgramFactory,
    SchoolYearFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_coordinator_can_open_the_admin(client, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Coordonare" in response.content.decode()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PSYCHOLOGIST, Role.VOLUNTEER])
def test_other_roles_are_refused_the_admin(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_a_coordinator_sees_only_their_sites_in_the_admin(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    html = client.get("/admin/programs/site/").content.decode()
    assert site_a.name in html
    assert site_b.name not in html


def test_a_coordinator_cannot_open_another_sites_page(client, make_user, site_a, site_b):
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    assert client.get(f"/admin/programs/site/{site_a.pk}/change/").status_code == 200
    response = client.get(f"/admin/programs/site/{site_b.pk}/change/", follow=True)
    # Django's admin answers a missing object with a redirect and a warning;
    # another site's object looks exactly the same.
    assert response.redirect_chain[-1][0] == "/admin/"
    assert site_b.name not in response.content.decode()


def test_a_director_may_view_but_not_change_a_site(client, make_user, site_a):
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    url = f"/admin/programs/site/{site_a.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "Altă școală", "is_active": "on"}).status_code == 403
    site_a.refresh_from_db()
    assert site_a.name == "Școala Gimnazială nr. 31"


def test_accounts_are_managed_by_superusers_only(client, make_user):
    client.force_login(make_user(Role.COORDINATOR))
    assert client.get("/admin/programs/user/").status_code == 403
    force_login_verified(client, UserFactory(role="", is_superuser=True, sites=[]))
    assert client.get("/admin/programs/user/").status_code == 200


def test_site_changelist_queries_do_not_grow_with_rows(client, make_user):
    director = make_user(Role.DIRECTOR, sites=[], sees_all_sites=True)
    client.force_login(director)
    SiteFactory.create_batch(5)
    with_5 = queries_to_get(client, "/admin/programs/site/")
    SiteFactory.create_batch(45)
    assert queries_to_get(client, "/admin/programs/site/") == with_5


def _superuser_client(client):
    return force_login_verified(client, UserFactory(role="", is_superuser=True, sites=[]))


def _new_account(**fields):
    return {
        "username": "ana.stoica",
        "password1": "caiet-verde-de-toamna",
        "password2": "caiet-verde-de-toamna",
        "role": Role.SOCIAL_WORKER,
        **fields,
    }


def test_an_account_without_a_site_is_refused_in_the_admin(client):
    response = _superuser_client(client).post("/admin/programs/user/add/", _new_account())
    assert response.status_code == 200
    assert "Alegeți cel puțin o locație pentru acest cont." in response.content.decode()
    assert not User.objects.filter(username="ana.stoica").exists()


def test_an_account_with_a_site_is_created_in_the_admin(client, site_a):
    response = _superuser_client(client).post(
        "/admin/programs/user/add/", _new_account(sites=[site_a.pk])
    )
    assert response.status_code == 302
    assert list(User.objects.get(username="ana.stoica").sites.all()) == [site_a]


def test_a_director_who_sees_all_sites_needs_no_site_in_the_admin(client):
    response = _superuser_client(client).post(
        "/admin/programs/user/add/", _new_account(role=Role.DIRECTOR, sees_all_sites="on")
    )
    assert response.status_code == 302
    assert User.objects.get(username="ana.stoica").sees_all_sites


def test_site_choices_in_a_scoped_admin_are_the_users_own_sites(rf, make_user, site_a, site_b):
    request = rf.get("/admin/")
    request.user = make_user(Role.COORDINATOR, sites=[site_a])
    model_admin = SiteScopedAdmin(User, admin.site)
    field = model_admin.formfield_for_manytomany(User._meta.get_field("sites"), request)
    assert list(field.queryset) == [site_a]


@pytest.mark.parametrize("model", ["program", "funder", "fundedproject", "schoolyear"])
def test_coordinators_read_organisation_records_and_directors_keep_them(client, make_user, model):
    client.force_login(make_user(Role.COORDINATOR))
    assert client.get(f"/admin/programs/{model}/").status_code == 200
    assert client.get(f"/admin/programs/{model}/add/").status_code == 403
    client.force_login(make_user(Role.DIRECTOR, sites=[], sees_all_sites=True))
    assert client.get(f"/admin/programs/{model}/add/").status_code == 200


def test_group_staff_are_chosen_among_the_coordinators_sites(client, make_user, site_a, site_b):
    make_user(Role.SOCIAL_WORKER, sites=[site_a], last_name="Localescu")
    make_user(Role.SOCIAL_WORKER, sites=[site_b], last_name="Departescu")
    make_user(Role.VOLUNTEER, sites=[site_a], last_name="Voluntarescu")
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    staff = client.get("/admin/programs/group/add/").context["adminform"].form.fields["staff"]
    names = {user.last_name for user in staff.queryset}
    assert "Localescu" in names
    assert not {"Departescu", "Voluntarescu"} & names


def test_a_group_keeps_its_site(client, make_user, site_a, site_b):
    enrollment = EnrollmentFactory(child__site=site_a)
    group = enrollment.group
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a, site_b]))
    data = {"name": group.name, "school_year": group.school_year_id, "site": site_b.pk}
    response = client.post(f"/admin/programs/group/{group.pk}/change/", data)
    assert response.status_code in (200, 302)
    group.refresh_from_db()
    assert group.site == site_a


def test_saving_a_program_keeps_sites_the_director_does_not_see(client, make_user, site_a, site_b):
    program = ProgramFactory(sites=[site_a, site_b])
    client.force_login(make_user(Role.DIRECTOR, sites=[site_a]))
    form = client.get(f"/admin/programs/program/{program.pk}/change/").context["adminform"].form
    assert set(form.initial["sites"]) == {site_a, site_b}
    assert set(form.fields["sites"].queryset) >= {site_a, site_b}


def test_saving_a_group_keeps_staff_from_sites_the_editor_does_not_see(
    client, make_user, site_a, site_b
):
    group = GroupFactory(site=site_a)
    visiting = make_user(Role.SOCIAL_WORKER, sites=[site_b])
    group.staff.add(visiting)
    client.force_login(make_user(Role.COORDINATOR, sites=[site_a]))
    form = client.get(f"/admin/programs/group/{group.pk}/change/").context["adminform"].form
    assert visiting in form.fields["staff"].queryset


def test_the_admin_records_who_created_a_group(client, make_user, site_a):
    coordinator = make_user(Role.COORDINATOR, sites=[site_a])
    client.force_login(coordinator)
    data = {"site": site_a.pk, "school_year": SchoolYearFactory().pk, "name": "Grupa I–IV"}
    assert client.post("/admin/programs/group/add/", data).status_code == 302
    assert Group.objects.get().created_by == coordinator
