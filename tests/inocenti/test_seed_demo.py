"""seed_demo: the demo accounts, and a generated history that matches the
foundation's published figures and obeys every model rule.

The first tests need an empty database and seed it themselves. The later ones
share one seeded database (the module-scoped ``seeded`` fixture, rolled back at
the end of the module), so they must stay below the first test that uses it.
"""

import datetime
import re
from collections import Counter
from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from attendance.models import Mark, Register, SchoolAbsence
from children.cnp import is_valid
from children.models import Child, ChildStatus, Consent, ConsentKind
from families.models import Family, Guardian
from inocenti import demo
from programs.models import (
    Enrollment,
    EnrollmentStatus,
    FundedProject,
    Funder,
    Group,
    Program,
    Role,
    SchoolYear,
    Site,
    User,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)
SEPTEMBER_2020 = datetime.date(2020, 9, 1)  # the school years before it hold the figures
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _printed_passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+\(", output, flags=re.MULTILINE))


def _region_sites(region: str) -> list[str]:
    return [spec.name for spec in demo.sites_of(region)]


# On an empty database ------------------------------------------------------------------


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _seed()
    assert not User.objects.exists()


def test_seed_demo_refuses_a_day_before_the_history_ends(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="too early"):
        _seed("--today", "2020-08-31")
    assert not User.objects.exists()


def test_seed_demo_creates_the_sites_and_one_account_per_role(settings):
    settings.DEBUG = True
    passwords = _printed_passwords(_seed())
    assert Site.objects.count() == 8
    for role in Role:
        assert User.objects.filter(role=role).count() == 1
    assert User.objects.filter(is_superuser=True).count() == 1
    assert len(passwords) == len(Role) + 1


def test_scale_multiplies_the_published_figures(settings):
    settings.DEBUG = True
    _seed("--scale", "2")
    assert demo.children_reached(demo.BUCHAREST_ILFOV) == 2 * 296
    assert demo.children_reached(demo.BISTRITA_NASAUD) == 2 * 324
    assert all(60 <= count <= 80 for _site, count in demo.active_per_site())


def test_sites_under_former_demo_names_are_renamed_in_place():
    old = Site.objects.create(name="Școala Gimnazială Reteag")
    sites, _created = demo.ensure_sites()
    assert sites[demo.RETEAG].pk == old.pk
    assert not Site.objects.filter(name="Școala Gimnazială Reteag").exists()


# The plan, in memory -------------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_plan():
    first = demo.plan_demo(today=TODAY)
    assert demo.plan_demo(today=TODAY) == first
    assert demo.plan_demo(today=TODAY, seed=demo.SEED + 1) != first


def test_the_plan_never_opens_a_second_enrollment_before_closing_the_first():
    for child in demo.plan_demo(today=TODAY).children:
        *closed, last = child.enrollments
        for before, after in zip(closed, child.enrollments[1:], strict=True):
            assert before.ended_on is not None
            assert before.status == EnrollmentStatus.MOVED
            assert before.ended_on < after.started_on
        assert (last.ended_on is None) == (last.status == EnrollmentStatus.ACTIVE)


def test_children_are_as_old_as_their_grade():
    """Six plus the grade on 1 September; older after a late start or a repeated year."""
    for child in demo.plan_demo(today=TODAY).children:
        september = datetime.date(child.enrollments[-1].school_year, 9, 1)
        age = september.year - child.birth_date.year
        age -= (september.month, september.day) < (child.birth_date.month, child.birth_date.day)
        assert 6 <= age - child.grade <= 10, child


def _history_before(plan: demo.DemoPlan, year: int) -> list[tuple]:
    """The children who joined before the school year ``year``, with their
    enrollments of the years before it (those years are over in both plans)."""
    return [
        (
            child.key,
            child.site,
            child.family,
            child.given_names,
            child.family_name,
            child.sex,
            child.birth_date,
            child.cnp,
            child.consents,
            [enrollment for enrollment in child.enrollments if enrollment.school_year < year],
        )
        for child in plan.children
        if child.enrollments[0].school_year < year
    ]


@pytest.mark.parametrize(
    "later",
    [datetime.date(2026, 11, 28), datetime.date(2025, 11, 15)],
    ids=["next-school-year", "same-school-year"],
)
def test_past_school_years_do_not_depend_on_today(later):
    """Today decides which years exist and who has joined this year, nothing before."""
    earlier = demo.plan_demo(today=datetime.date(2025, 10, 1))
    history = _history_before(earlier, 2025)
    assert _history_before(demo.plan_demo(today=later), 2025) == history
    joined_by_2020 = [child for child in history if child[-1][0].started_on < SEPTEMBER_2020]
    assert len(joined_by_2020) > 600
    assert all(child[-1][-1].ended_on is not None for child in history)


def test_a_taken_cnp_moves_only_that_childs_serial():
    plan = demo.plan_demo(today=TODAY)
    taken = next(
        child.cnp
        for child in plan.children
        if child.cnp and child.enrollments[0].started_on < SEPTEMBER_2020
    )
    other = demo.plan_demo(today=TODAY, taken_cnps=frozenset({taken}))
    changed = [
        (before, after)
        for before, after in zip(plan.children, other.children, strict=True)
        if before != after
    ]
    assert len(changed) == 1
    before, after = changed[0]
    assert before.cnp == taken
    assert after.cnp != taken and is_valid(after.cnp)
    assert after.cnp[:9] == taken[:9]  # sex, birth date and county stay; the serial moves
    assert replace(after, cnp=taken) == before
    assert other.families == plan.families


def test_demo_cnps_use_the_codes_of_bucharests_abolished_sectors():
    """Sectors 7 and 8 were abolished in 1979: no real child has a CNP with 47 or 48."""
    counties = {
        demo.BUCHAREST_ILFOV: "47",
        demo.BISTRITA_NASAUD: "48",
        demo.CLUJ: "48",
    }
    cnps = [
        (child.cnp, demo.SITES_BY_NAME[child.site].region)
        for child in demo.plan_demo(today=TODAY).children
        if child.cnp
    ]
    assert cnps
    assert all(cnp[7:9] == counties[region] for cnp, region in cnps)
    assert all(is_valid(cnp) for cnp, _region in cnps)


def test_apportion_adds_up_exactly():
    counts = demo.apportion(296, [("a", 3.5), ("b", 1.0), ("c", 1.1), ("d", 0.9)])
    assert sum(counts.values()) == 296


# On the seeded database (keep these below the tests that need an empty one) -------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seed for the module, inside a transaction rolled back at its end; each
    test runs in a savepoint within it."""
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        output = _seed()
        # The rows are not committed, so autovacuum cannot count them: without
        # statistics the planner takes a thousand children for none, and one
        # anti-join here took 75 s instead of a few milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield output
        transaction.set_rollback(True)


def test_seed_prints_a_summary(seeded):
    assert "Children reached by 31.03.2020: București și Ilfov 296, Bistrița-Năsăud 324" in (seeded)
    assert "Done in" in seeded
    assert re.search(r"Attendance \d{4}-\d{4} until .*: \d+ registers", seeded)
    assert re.search(
        r"Casework \d{4}-\d{4} until .*: \d+ counseling sessions .* support records created",
        seeded,
    )


def test_children_reached_by_march_2020_match_the_published_figures(seeded):
    assert demo.children_reached(demo.BUCHAREST_ILFOV) == 296
    assert demo.children_reached(demo.BISTRITA_NASAUD) == 324


def test_the_bucharest_pilot_began_on_10_january_2011_with_10_children(seeded):
    first_year = Enrollment.objects.filter(
        site__name__in=_region_sites(demo.BUCHAREST_ILFOV),
        started_on__lt=datetime.date(2011, 9, 1),
    )
    assert first_year.values("child").distinct().count() == 10
    assert set(first_year.values_list("started_on", flat=True)) == {datetime.date(2011, 1, 10)}
    assert set(first_year.values_list("site__name", flat=True)) == {demo.SCHOOL_31, demo.FERDINAND}


def test_every_site_has_30_to_40_children_attending_today(seeded):
    active = demo.active_per_site()
    assert len(active) == 8
    assert all(30 <= count <= 40 for _site, count in active), active
    assert Site.objects.filter(is_active=True).count() == 8


def test_sites_have_their_county_and_program_start(seeded):
    sites = {site.name: site for site in Site.objects.all()}
    assert sites[demo.DAY_CENTER].kind == Site.Kind.DAY_CENTER
    assert sites[demo.DAY_CENTER].program_started_on == datetime.date(2008, 9, 15)
    assert sites[demo.SCHOOL_31].program_started_on == datetime.date(2011, 1, 10)
    assert sites[demo.GLINA].program_started_on == datetime.date(2013, 10, 1)
    assert sites[demo.MINTIU].program_started_on == datetime.date(2019, 9, 16)
    assert {site.county for site in sites.values()} == {"B", "IF", "BN", "CJ"}
    assert all(site.locality and site.address for site in sites.values())


def test_school_years_run_from_2008_to_the_current_one(seeded):
    years = list(SchoolYear.objects.order_by("starts_on"))
    current_start = demo.school_year_of(timezone.localdate())
    assert years[0].name == "2008-2009"
    assert years[-1].starts_on.year == current_start
    assert [year.is_current for year in years] == [False] * (len(years) - 1) + [True]


def test_programs_funders_and_projects(seeded):
    assert Program.objects.count() == 3
    bucharest = Program.objects.get(name__endswith="București și Ilfov")
    assert set(bucharest.sites.values_list("name", flat=True)) == set(
        _region_sites(demo.BUCHAREST_ILFOV)
    )
    united_way = Funder.objects.get(name="United Way Romania")
    assert united_way.partner_since == datetime.date(2013, 10, 1)
    grants = united_way.projects.order_by("starts_on")
    assert grants[0].starts_on == datetime.date(2013, 10, 1)
    assert grants.count() == demo.school_year_of(timezone.localdate()) - 2013 + 1
    project = FundedProject.objects.get(name="Vreau și eu la școală!")
    assert (project.starts_on, project.ends_on) == (
        datetime.date(2014, 4, 1),
        datetime.date(2016, 4, 30),
    )
    assert "Terre des Hommes" in project.partners
    assert set(project.sites.values_list("name", flat=True)) == set(
        _region_sites(demo.BISTRITA_NASAUD)
    )


def test_exits_of_every_status_with_a_reason_and_few_dropouts(seeded):
    last = Enrollment.objects.filter(ended_on__isnull=False).exclude(status="moved")
    statuses = Counter(last.values_list("status", flat=True))
    for status in ("completed", "withdrawn", "transferred", "dropped_out"):
        assert statuses[status] > 0, status
    assert not last.filter(exit_reason="").exists()
    dropouts = Child.objects.filter(enrollments__status=EnrollmentStatus.DROPPED_OUT).count()
    assert 0.03 <= dropouts / Child.objects.count() <= 0.09


def test_cnps_are_valid_and_unique(seeded):
    cnps = list(Child.objects.filter(cnp__isnull=False).values_list("cnp", flat=True))
    assert 0.55 <= len(cnps) / Child.objects.count() <= 0.75
    assert len(set(cnps)) == len(cnps)
    assert all(is_valid(cnp) for cnp in cnps)


def test_one_open_enrollment_per_child_and_group_at_the_site(seeded):
    assert not (
        Enrollment.objects.filter(ended_on__isnull=True)
        .values("child", "program")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert not Enrollment.objects.exclude(group__site=F("site")).exists()
    assert not Enrollment.objects.exclude(program__sites=F("site")).exists()


def test_child_status_follows_the_open_enrollment(seeded):
    open_enrollment = Q(enrollments__ended_on__isnull=True)
    assert not Child.objects.filter(open_enrollment).exclude(status=ChildStatus.ACTIVE).exists()
    assert not Child.objects.exclude(open_enrollment).exclude(status=ChildStatus.FORMER).exists()


def test_families_share_siblings_and_have_one_primary_guardian(seeded):
    per_family = Child.objects.count() / Family.objects.count()
    assert 1.3 <= per_family <= 1.6
    guardians = Family.objects.annotate(
        n=Count("guardians"),
        primary=Count("guardians", filter=Q(guardians__is_primary_contact=True)),
    )
    assert not guardians.exclude(n__in=[1, 2]).exists()
    assert not guardians.exclude(primary=1).exists()
    assert all(
        1 <= len(risks) <= 4 for risks in Family.objects.values_list("risk_factors", flat=True)
    )
    phones = Guardian.objects.exclude(phone="").values_list("phone", flat=True)
    assert all(re.fullmatch(r"0700 \d{3} \d{3}", phone) for phone in phones)
    assert Guardian.objects.exclude(works_abroad_in="").exists()


def test_most_children_have_consent_from_a_guardian_of_their_family(seeded):
    children = Child.objects.with_consent()
    total = children.count()
    assert 0.88 <= children.filter(has_data_consent=True).count() / total <= 0.97
    assert 0.62 <= children.filter(has_photo_consent=True).count() / total <= 0.78
    assert not Consent.objects.exclude(given_by__family=F("child__family")).exists()
    withdrawn = Consent.objects.filter(withdrawn_on__isnull=False)
    assert withdrawn.filter(kind=ConsentKind.PHOTOS).exists()
    assert withdrawn.count() < 0.05 * Consent.objects.count()
    assert not withdrawn.filter(withdrawn_by__isnull=True).exists()
    assert not withdrawn.filter(withdrawn_on__gt=timezone.localdate()).exists()


def test_groups_meet_and_the_social_worker_staffs_school_31_this_year(seeded):
    assert not Group.objects.filter(meeting_days=[]).exists()
    current = Group.objects.filter(site__name=demo.SCHOOL_31, school_year__is_current=True)
    assert current.exists()
    assert all(group.staff.filter(username="asistent").exists() for group in current)


@pytest.mark.parametrize("model", [Family, Guardian, Child, Enrollment, Group, Consent])
def test_a_sample_passes_full_clean(seeded, model):
    """Bulk inserts skip the model's checks; a sample of every table must pass them."""
    rows = list(model.objects.order_by("pk"))
    for row in rows[:: max(1, len(rows) // 120)]:
        row.full_clean()


def test_seed_demo_twice_creates_nothing_and_prints_no_password(seeded, settings):
    settings.DEBUG = True
    tables = [Site, User, SchoolYear, Program, Funder, FundedProject, Group, Family, Guardian]
    tables += [Child, Enrollment, Consent, Group.staff.through, Register, Mark, SchoolAbsence]
    before = [model.objects.count() for model in tables]
    second = _seed()
    assert [model.objects.count() for model in tables] == before
    assert _printed_passwords(second) == {}
    assert "--reset-passwords" in second
    assert "Demo children exist already" in second


def test_a_run_in_a_new_school_year_creates_its_groups(seeded, settings):
    """The history is written already, so no children are added; but the new
    current year gets every active site's groups, and the social worker hers."""
    settings.DEBUG = True
    next_year = demo.school_year_of(timezone.localdate()) + 1
    output = _seed("--today", f"{next_year}-09-15")
    current = SchoolYear.objects.get(is_current=True)
    assert current.starts_on.year == next_year
    groups = Group.objects.filter(school_year=current)
    expected = {
        (spec.name, name) for spec in demo.SITES for name in demo.group_names(spec, next_year)
    }
    assert set(groups.values_list("site__name", "name")) == expected
    assert f"{len(expected)} groups created for {current.name}" in output
    school_31 = groups.filter(site__name=demo.SCHOOL_31)
    assert all(group.staff.filter(username="asistent").exists() for group in school_31)

    count = Group.objects.count()
    again = _seed("--today", f"{next_year}-11-02")
    assert Group.objects.count() == count
    assert "groups created" not in again


def test_printed_passwords_log_in_and_reset_replaces_them(seeded, settings, client):
    settings.DEBUG = True
    first = _printed_passwords(seeded)
    assert _logs_in(client, "asistent", first["asistent"])
    reset = _printed_passwords(_seed("--reset-passwords"))
    assert not _logs_in(client, "asistent", first["asistent"])
    assert _logs_in(client, "asistent", reset["asistent"])


def _logs_in(client, username, password) -> bool:
    client.logout()
    client.post("/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session
