"""Consent to data processing and to photos: given by a guardian of the child's
family on a day, withdrawn on a later day and kept, one active of each kind;
the child's page warns without it, the admin records it, the demo has it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone

from children.models import Child, Consent, ConsentKind
from children.services import consent_give, consent_withdraw
from inocenti import demo
from programs.models import Role
from tests.assertions import queries_to_get, refused
from tests.factories import (
    ChildFactory,
    ConsentFactory,
    FamilyFactory,
    GuardianFactory,
    MentorAssignmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GIVEN = datetime.date(2025, 9, 15)


@pytest.fixture
def child(site_a):
    family = FamilyFactory(site=site_a)
    return ChildFactory(site=site_a, family=family, family_name="Rostaș", given_names="Ana")


@pytest.fixture
def mother(child):
    return GuardianFactory(family=child.family, given_names="Mariana", family_name="Rostaș")


@pytest.fixture
def stranger(site_a):
    """A guardian of another family at the same site."""
    return GuardianFactory(family=FamilyFactory(site=site_a), given_names="Florica")


# The record's rules -------------------------------------------------------------------


def test_a_child_has_one_active_consent_of_each_kind(child, mother):
    ConsentFactory(child=child, given_by=mother)
    with refused("consent_one_active_per_child_and_kind"), transaction.atomic():
        ConsentFactory(child=child, given_by=mother, given_on=datetime.date(2025, 10, 1))


def test_data_and_photo_consents_are_held_apart(child, mother):
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.DATA_PROCESSING)
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.PHOTOS)
    assert child.consents.active().count() == 2


def test_a_withdrawn_consent_may_be_given_again_and_both_are_kept(child, mother):
    ConsentFactory(child=child, given_by=mother, withdrawn_on=datetime.date(2025, 12, 1))
    ConsentFactory(child=child, given_by=mother, given_on=datetime.date(2026, 1, 12))
    assert child.consents.count() == 2
    assert child.consents.active().get().given_on == datetime.date(2026, 1, 12)


def test_a_consent_is_not_withdrawn_before_it_was_given(child, mother):
    with refused("consent_withdrawn_after_given"), transaction.atomic():
        ConsentFactory(child=child, given_by=mother, withdrawn_on=GIVEN - datetime.timedelta(1))


def test_a_guardian_of_another_family_cannot_give_consent(child, stranger):
    consent = Consent(child=child, kind=ConsentKind.PHOTOS, given_by=stranger, given_on=GIVEN)
    with pytest.raises(ValidationError) as raised:
        consent.full_clean()
    assert "given_by" in raised.value.message_dict


def test_a_consent_in_force_must_come_from_the_childs_new_family(child, mother, site_a):
    consent = ConsentFactory(child=child, given_by=mother)
    child.family = FamilyFactory(site=site_a)
    child.save()
    consent.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        consent.full_clean()
    assert "given_by" in raised.value.message_dict


def test_a_withdrawn_consent_stays_as_given_when_the_child_moves_family(child, mother, site_a):
    consent = ConsentFactory(child=child, given_by=mother, withdrawn_on=datetime.date(2025, 10, 1))
    child.family = FamilyFactory(site=site_a)
    child.save()
    consent.refresh_from_db()
    consent.full_clean()


@pytest.mark.parametrize("field", ["given_on", "withdrawn_on"])
def test_consent_dates_cannot_be_in_the_future(child, mother, field):
    consent = ConsentFactory.build(child=child, given_by=mother)
    setattr(consent, field, timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as raised:
        consent.full_clean()
    assert field in raised.value.message_dict


def test_the_guardian_who_gave_a_consent_is_not_deleted_with_it(child, mother):
    ConsentFactory(child=child, given_by=mother)
    with pytest.raises(ProtectedError), transaction.atomic():
        mother.delete()


def test_consents_are_seen_only_at_the_users_sites(make_user, child, mother, site_b):
    ConsentFactory(child=child, given_by=mother)
    assert Consent.objects.for_user(make_user(sites=[child.site])).count() == 1
    assert Consent.objects.for_user(make_user(sites=[site_b])).count() == 0


def test_with_consent_tells_every_child_in_one_query(
    child, mother, site_a, django_assert_num_queries
):
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.PHOTOS)
    without = ChildFactory(site=site_a)
    withdrawn = ConsentFactory(withdrawn_on=datetime.date(2025, 10, 1)).child
    with django_assert_num_queries(1):
        status = {
            c.pk: (c.has_data_consent, c.has_photo_consent) for c in Child.objects.with_consent()
        }
    assert status[child.pk] == (False, True)
    assert status[without.pk] == (False, False)
    assert status[withdrawn.pk] == (False, False)


# The services ---------------------------------------------------------------------------


def test_consent_give_records_who_entered_it(child, mother, make_user):
    user = make_user(Role.COORDINATOR)
    consent = consent_give(
        child=child, kind=ConsentKind.PHOTOS, given_by=mother, on=GIVEN, user=user, note=" scris "
    )
    assert (consent.created_by, consent.note) == (user, "scris")


def test_consent_give_refuses_another_familys_guardian_and_saves_nothing(child, stranger):
    with pytest.raises(ValidationError):
        consent_give(
            child=child, kind=ConsentKind.DATA_PROCESSING, given_by=stranger, on=GIVEN, user=None
        )
    assert not Consent.objects.exists()


def test_consent_give_refuses_a_second_active_consent_with_a_message(child, mother):
    ConsentFactory(child=child, given_by=mother)
    with pytest.raises(ValidationError, match="retragerea"):
        consent_give(
            child=child, kind=ConsentKind.DATA_PROCESSING, given_by=mother, on=GIVEN, user=None
        )


def test_withdrawing_keeps_the_consent_and_records_who_and_when(child, mother, make_user):
    user = make_user(Role.COORDINATOR)
    consent = ConsentFactory(child=child, given_by=mother)
    consent_withdraw(consent=consent, user=user, on=datetime.date(2026, 2, 2))
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (datetime.date(2026, 2, 2), user)
    assert not Child.objects.with_consent().get(pk=child.pk).has_data_consent


def test_a_consent_is_withdrawn_once(child, mother):
    consent = ConsentFactory(child=child, given_by=mother)
    consent_withdraw(consent=consent, user=None, on=datetime.date(2026, 2, 2))
    with pytest.raises(ValidationError):
        consent_withdraw(consent=consent, user=None, on=datetime.date(2026, 3, 2))
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 2, 2)


def test_a_withdrawal_dated_before_the_consent_is_refused(child, mother):
    consent = ConsentFactory(child=child, given_by=mother)
    with pytest.raises(ValidationError):
        consent_withdraw(consent=consent, user=None, on=GIVEN - datetime.timedelta(days=1))
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


# The child's page -----------------------------------------------------------------------


def _page(client, user, child):
    client.force_login(user)
    response = client.get(reverse("child", args=[child.pk]))
    assert response.status_code == 200
    return response


def test_the_page_does_not_warn_when_data_consent_is_given(client, make_user, child, mother):
    ConsentFactory(child=child, given_by=mother)
    html = _page(client, make_user(), child).content.decode()
    assert 'data-testid="consent-missing"' not in html


def test_a_withdrawal_brings_back_the_warning_and_stays_in_the_history(
    client, make_user, child, mother
):
    consent = ConsentFactory(child=child, given_by=mother)
    consent_withdraw(consent=consent, user=None, on=datetime.date(2026, 2, 2))
    response = _page(client, make_user(Role.SOCIAL_WORKER), child)
    html = response.content.decode()
    assert 'data-testid="consent-missing"' in html
    assert response.context["story"].consents == [consent]
    history = html.split('data-testid="consents"')[1].split("</ul>")[0]
    assert "Mariana Rostaș" in history and "15.09.2025" in history and "02.02.2026" in history


def test_the_page_shows_whether_photos_are_allowed(client, make_user, child, mother):
    user = make_user()
    assert 'data-testid="photo-consent-missing"' in _page(client, user, child).content.decode()
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.PHOTOS)
    assert 'data-testid="photo-consent-given"' in _page(client, user, child).content.decode()


def test_the_consent_history_is_for_those_who_read_families(client, child, mother, site_a):
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.PHOTOS)
    volunteer = UserFactory(role=Role.VOLUNTEER, sites=[site_a])
    MentorAssignmentFactory(volunteer=volunteer, child=child)
    response = _page(client, volunteer, child)
    html = response.content.decode()
    assert response.context["story"].consents is None
    assert "Mariana" not in html
    # The volunteer still sees what they must know: no data consent, photos allowed.
    assert 'data-testid="consent-missing"' in html
    assert 'data-testid="photo-consent-given"' in html


def test_the_page_queries_do_not_grow_with_consents(client, make_user, child, mother):
    client.force_login(make_user(Role.COORDINATOR))
    url = reverse("child", args=[child.pk])
    ConsentFactory(child=child, given_by=mother, withdrawn_on=datetime.date(2025, 10, 1))
    with_one = queries_to_get(client, url)
    for month in range(1, 11):
        day = datetime.date(2024, month, 1)
        ConsentFactory(child=child, given_by=mother, given_on=day, withdrawn_on=day)
    ConsentFactory(child=child, given_by=mother, kind=ConsentKind.PHOTOS)
    assert queries_to_get(client, url) == with_one


# The admin --------------------------------------------------------------------------------


@pytest.fixture
def coordinator(client, make_user, site_a):
    user = make_user(Role.COORDINATOR, sites=[site_a])
    client.force_login(user)
    return user


def _change_url(child):
    return reverse("admin:children_child_change", args=[child.pk])


def _post(client, child, rows, *, initial=0):
    """The child's change form as it stands, with these consent rows."""
    data = {
        "given_names": child.given_names,
        "family_name": child.family_name,
        "birth_date": f"{child.birth_date:%Y-%m-%d}",
        "sex": child.sex,
        "site": child.site_id,
        "family": child.family_id,
        "grade": child.grade,
        "status": child.status,
        "enrollments-TOTAL_FORMS": "0",
        "enrollments-INITIAL_FORMS": "0",
        "consents-TOTAL_FORMS": str(len(rows)),
        "consents-INITIAL_FORMS": str(initial),
    }
    for n, row in enumerate(rows):
        data |= {f"consents-{n}-{key}": value for key, value in row.items()}
    return client.post(_change_url(child), data)


def _existing(consent, **changes):
    row = {
        "id": consent.pk,
        "child": consent.child_id,
        "kind": consent.kind,
        "given_by": consent.given_by_id,
        "given_on": f"{consent.given_on:%Y-%m-%d}",
        "withdrawn_on": "",
        "note": consent.note,
    }
    return row | changes


def test_a_coordinator_records_a_consent_on_the_childs_admin_page(
    client, coordinator, child, mother
):
    row = {"kind": ConsentKind.DATA_PROCESSING, "given_by": mother.pk, "given_on": "2025-09-15"}
    response = _post(client, child, [row])
    assert response.status_code == 302, response.context and response.context["errors"]
    consent = Consent.objects.get()
    assert (consent.child, consent.given_by, consent.created_by) == (child, mother, coordinator)


def test_the_admin_offers_only_the_guardians_of_the_childs_family(
    client, coordinator, child, mother, stranger
):
    response = client.get(_change_url(child))
    inline = next(
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is Consent
    )
    offered = [value for value, _label in inline.formset.empty_form.fields["given_by"].choices]
    assert [value for value in offered if value] == [mother.pk]


def test_the_admin_refuses_a_guardian_of_another_family(client, coordinator, child, stranger):
    row = {"kind": ConsentKind.PHOTOS, "given_by": stranger.pk, "given_on": "2025-09-15"}
    assert _post(client, child, [row]).status_code == 200
    assert not Consent.objects.exists()


def test_two_active_consents_of_a_kind_in_one_save_are_a_form_error(
    client, coordinator, child, mother
):
    row = {"kind": ConsentKind.PHOTOS, "given_by": mother.pk, "given_on": "2025-09-15"}
    assert _post(client, child, [row, row | {"given_on": "2025-09-16"}]).status_code == 200
    assert not Consent.objects.exists()


def test_withdrawing_in_the_admin_records_who_recorded_it(client, coordinator, child, mother):
    consent = ConsentFactory(child=child, given_by=mother)
    response = _post(client, child, [_existing(consent, withdrawn_on="2026-02-02")], initial=1)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawn_by) == (datetime.date(2026, 2, 2), coordinator)


def test_what_a_consent_said_stays_as_given_in_the_admin(client, coordinator, child, mother):
    consent = ConsentFactory(child=child, given_by=mother)
    father = GuardianFactory(family=child.family, given_names="Costel", relationship="father")
    row = _existing(consent, kind=ConsentKind.PHOTOS, given_by=father.pk, given_on="2025-01-01")
    assert _post(client, child, [row], initial=1).status_code == 302
    consent.refresh_from_db()
    assert (consent.kind, consent.given_by, consent.given_on) == (
        ConsentKind.DATA_PROCESSING,
        mother,
        GIVEN,
    )


def test_a_child_with_a_withdrawn_consent_may_move_family_in_the_admin(
    client, coordinator, child, mother, site_a
):
    consent = ConsentFactory(child=child, given_by=mother, withdrawn_on=datetime.date(2025, 10, 1))
    child.family = FamilyFactory(site=site_a, name="Familia bunicii")
    row = _existing(consent, withdrawn_on="2025-10-01")
    assert _post(client, child, [row], initial=1).status_code == 302
    child.refresh_from_db()
    assert child.family.name == "Familia bunicii"


def test_a_coordinator_cannot_delete_a_consent(client, coordinator, child, mother):
    consent = ConsentFactory(child=child, given_by=mother)
    assert "consents-0-DELETE" not in client.get(_change_url(child)).content.decode()
    _post(client, child, [_existing(consent, DELETE="on")], initial=1)
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_the_childrens_list_shows_and_filters_by_consent(client, coordinator, child, mother):
    ConsentFactory(child=child, given_by=mother)
    without = ChildFactory(site=child.site, family_name="Căldăraru")
    changelist = reverse("admin:children_child_changelist")
    missing = client.get(changelist, {"consent": "no_data"}).context["cl"].result_list
    assert list(missing) == [without]
    assert not missing[0].has_data_consent


# The demo -----------------------------------------------------------------------------------


def test_the_demo_gives_most_children_consent_and_withdraws_a_few():
    plan = demo.plan_demo(today=datetime.date(2026, 11, 28))
    consents = [(child, consent) for child in plan.children for consent in child.consents]
    share = {
        kind: sum(1 for _child, c in consents if c.kind == kind) / len(plan.children)
        for kind in ConsentKind.values
    }
    assert 0.88 <= share[ConsentKind.DATA_PROCESSING] <= 0.97
    assert 0.62 <= share[ConsentKind.PHOTOS] <= 0.78
    withdrawn = [c for _child, c in consents if c.withdrawn_by(plan.today)]
    assert 0 < len(withdrawn) < 0.05 * len(consents)
    assert all(c.given_on == child.enrollments[0].started_on for child, c in consents)
    assert all(c.given_on <= c.withdrawn_on <= plan.today for c in withdrawn)


# The migration from the three fields on the child ---------------------------------------------

BEFORE = [("children", "0008_access_log")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_childs_consent_fields_into_consents():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        site = old.get_model("programs", "Site").objects.create(name="Școala Gimnazială nr. 31")
        family = old.get_model("families", "Family").objects.create(site=site, name="Rostaș")
        mother = old.get_model("families", "Guardian").objects.create(
            family=family, given_names="Mariana", family_name="Rostaș", relationship="mother"
        )
        children = old.get_model("children", "Child").objects
        common = {"site": site, "family": family, "family_name": "Rostaș", "sex": "F"}
        both = children.create(
            **common,
            given_names="Ana",
            data_consent_on=GIVEN,
            data_consent_by=mother,
            photo_consent=True,
        )
        data_only = children.create(
            **common, given_names="Maria", data_consent_on=GIVEN, data_consent_by=mother
        )
        photos_only = children.create(**common, given_names="Ioana", photo_consent=True)
        MigrationExecutor(connection).migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)
    rows = set(Consent.objects.values_list("child_id", "kind", "given_by_id", "given_on"))
    assert rows == {
        (both.pk, ConsentKind.DATA_PROCESSING, mother.pk, GIVEN),
        (both.pk, ConsentKind.PHOTOS, mother.pk, GIVEN),
        (data_only.pk, ConsentKind.DATA_PROCESSING, mother.pk, GIVEN),
    }
    assert not Consent.objects.filter(child_id=photos_only.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_reversed_puts_the_active_consents_back_on_the_child(site_a):
    family = FamilyFactory(site=site_a)
    mother = GuardianFactory(family=family)
    both, photos_only, none_left = (ChildFactory(site=site_a, family=family) for _ in range(3))
    ConsentFactory(child=both, given_by=mother)
    ConsentFactory(child=both, given_by=mother, kind=ConsentKind.PHOTOS)
    ConsentFactory(child=photos_only, given_by=mother, withdrawn_on=datetime.date(2025, 10, 1))
    ConsentFactory(child=photos_only, given_by=mother, kind=ConsentKind.PHOTOS)
    ConsentFactory(child=none_left, given_by=mother, kind=ConsentKind.PHOTOS, withdrawn_on=GIVEN)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        MigrationExecutor(connection).migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, data_consent_on, data_consent_by_id, photo_consent"
                " FROM children_child ORDER BY id"
            )
            rows = cursor.fetchall()
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert rows == [
        (both.pk, GIVEN, mother.pk, True),
        (photos_only.pk, None, None, True),
        (none_left.pk, None, None, False),
    ]
