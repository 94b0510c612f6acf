"""Who may open which page: every URL of the project, for every role, the
superuser and anonymous, with the ids of an object of the user's own site and
of another site's (the world of ``tests/access_world.py``).

``MATRIX`` is the answer each must get on its own site. A URL missing from it,
or a row whose URL is gone, fails ``test_every_url_of_the_project_is_in_the_matrix``,
so a new view cannot go in without saying who may open it: add one line (and,
if its URL has a ``<pk>``, one in ``PK`` saying what the pk names).

Every page is also searched for what the user must never see: another site's
records (``OTHER_SITE_MARK``, but for the superuser) and confidential
counseling notes (``CONFIDENTIAL_MARK``, but for psychologists).

A URL is site-scoped when it carries ids (in its path, or in ``QUERY``). What
another site's ids answer is derived, not written: 404 for whoever gets
in at home, 403 for a role refused before anything is looked up, the login page
for anonymous (``elsewhere``). The same answer must come for ids that do not
exist at all, so that an id never tells whether another site's object exists.
The superuser sees every site: another site's ids answer as their own. The
Django admin's own pages are tested in ``tests/test_admin_scoping.py``; only
its index is here.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from children.models import FollowUp
from tests.access_world import (
    ANONYMOUS,
    CONFIDENTIAL_MARK,
    OTHER_SITE_MARK,
    ROLES,
    SUPERUSER,
    ChildRecords,
    SiteRecords,
    World,
    build_world,
)
from tests.auth import force_login_verified

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class To:
    """A redirect (302) to the page named ``name``."""

    name: str

    def __repr__(self) -> str:
        return f"302 to {self.name}"


LOGIN = To("login")
HOME = To("home")
ADMIN = To("admin:index")
# The admin's login page: it refuses (403) a logged-in user without the admin,
# and sends anyone else to the site's own.
ADMIN_GATE = To("admin:login")
REGISTER = To("attendance:register")
TWO_FACTOR = To("two_factor")
AT_RISK = To("children_at_risk")

Expected = int | To


class Row(NamedTuple):
    social_worker: Expected
    psychologist: Expected
    coordinator: Expected
    director: Expected
    volunteer: Expected
    superuser: Expected
    anonymous: Expected


# What a GET answers, with the ids of objects of the user's own site (site A).
# The users are one per role at site A (the director without "sees all sites"),
# and a superuser without a role.
# fmt: off
MATRIX: dict[str, Row] = {
    # URL name                       social  psycho- coordi- director volun-  super-  anonymous
    #                                worker  logist  nator            teer    user
    "home":                      Row(200,    200,    200,    200,     200,    ADMIN,  LOGIN),
    "health":                    Row(200,    200,    200,    200,     200,    200,    200),
    "login":                     Row(HOME,   HOME,   HOME,   HOME,    HOME,   HOME,   200),
    "logout":                    Row(405,    405,    405,    405,     405,    405,    LOGIN),
    "password_change":           Row(200,    200,    200,    200,     200,    200,    LOGIN),
    "password_change_done":      Row(200,    200,    200,    200,     200,    200,    LOGIN),
    "two_factor":                Row(200,    200,    200,    200,     200,    200,    LOGIN),
    # The superuser of the world has a device already; nobody here awaits a code.
    "two_factor_setup":          Row(200,    200,    200,    200,     200,    TWO_FACTOR, LOGIN),
    "two_factor_verify":         Row(HOME,   HOME,   HOME,   HOME,    HOME,   HOME,   LOGIN),
    "set_language":              Row(HOME,   HOME,   HOME,   HOME,    HOME,   HOME,   HOME),
    # A child and the team's records about them
    "child":                     Row(200,    200,    200,    200,     200,    200,    LOGIN),
    "case_note_new":             Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "case_note_edit":            Row(200,    403,    200,    403,     403,    403,    LOGIN),
    "follow_up_new":             Row(200,    200,    200,    403,     403,    200,    LOGIN),
    "follow_up_done":            Row(405,    405,    405,    405,     405,    405,    LOGIN),
    # The record itself: its history, who opened it, everything held (GDPR)
    "child_history":             Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "child_access_log":          Row(403,    403,    403,    200,     403,    200,    LOGIN),
    "child_export":              Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "child_export_json":         Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "school_result_new":         Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "school_result_edit":        Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "support_new":               Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "support_edit":              Row(200,    403,    200,    403,     403,    404,    LOGIN),
    "mentoring_session_new":     Row(403,    403,    403,    403,     200,    403,    LOGIN),
    "mentoring_session_edit":    Row(403,    403,    403,    403,     200,    403,    LOGIN),
    # Families, activities, counseling
    "parent_meeting_list":       Row(200,    200,    200,    200,     403,    200,    LOGIN),
    "parent_meeting_new":        Row(200,    200,    200,    403,     403,    200,    LOGIN),
    "parent_meeting_edit":       Row(200,    200,    200,    403,     403,    200,    LOGIN),
    "activity_list":             Row(200,    200,    200,    200,     403,    200,    LOGIN),
    "activity_new":              Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "activity_edit":             Row(200,    403,    200,    403,     403,    200,    LOGIN),
    "counseling_list":           Row(403,    200,    403,    403,     403,    403,    LOGIN),
    "counseling_new":            Row(403,    200,    403,    403,     403,    403,    LOGIN),
    "counseling_edit":           Row(403,    200,    403,    403,     403,    403,    LOGIN),
    # Emergency access follows the director's role, not the superuser's permissions.
    "counseling_break_glass":    Row(403,    403,    403,    200,     403,    403,    LOGIN),
    # Attendance
    "attendance:open":           Row(REGISTER, HOME, REGISTER, HOME,  403,    REGISTER, LOGIN),
    "attendance:missing":        Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "attendance:register":       Row(200,    200,    200,    200,     403,    200,    LOGIN),
    "attendance:register_history": Row(200,  200,    200,    200,     403,    200,    LOGIN),
    "attendance:school_absences": Row(200,   200,    200,    200,     403,    200,    LOGIN),
    "attendance:child":          Row(200,    200,    200,    200,     403,    200,    LOGIN),
    # The early warning (a user of one site goes straight to its list)
    "children_at_risk_index":    Row(AT_RISK, AT_RISK, AT_RISK, AT_RISK, 403, 200,  LOGIN),
    "children_at_risk":          Row(200,    200,    200,    200,     403,    200,    LOGIN),
    "risk_follow_up":            Row(405,    405,    405,    405,     405,    405,    LOGIN),
    # Funder reports (figures only, of the user's sites)
    "funder_report_list":        Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "funder_report":             Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "funder_report_csv":         Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "funder_report_xlsx":        Row(403,    403,    200,    200,     403,    200,    LOGIN),
    # Directors' and coordinators' figures
    "dashboard_all":             Row(403,    403,    200,    200,     403,    200,    LOGIN),
    "dashboard_site":            Row(403,    403,    200,    200,     403,    200,    LOGIN),
    # The administration pages (the rest: tests/test_admin_scoping.py)
    "admin:index":               Row(ADMIN_GATE, ADMIN_GATE, 200, 200, ADMIN_GATE, 200, ADMIN_GATE),
}

# What a POST answers on the views that take only POST (their GET is in MATRIX).
POST_ONLY: dict[str, Row] = {
    "follow_up_done":            Row(HOME,   HOME,   HOME,   403,     403,    404,    LOGIN),
    "set_language":              Row(HOME,   HOME,   HOME,   HOME,    HOME,   HOME,   HOME),
    "logout":                    Row(LOGIN,  LOGIN,  LOGIN,  LOGIN,   LOGIN,  LOGIN,  LOGIN),
    # Directors read the list but follow-ups are the team's.
    "risk_follow_up":            Row(AT_RISK, AT_RISK, AT_RISK, 403,   403,    AT_RISK, LOGIN),
}
# fmt: on
POST_DATA = {"follow_up_done": {"outcome": "Am sunat."}, "set_language": {"language": "en"}}
# Those that write data when they succeed (set_language sets a cookie, logout
# ends the session).
POST_ONLY_WRITING = {"follow_up_done", "risk_follow_up"}
REFUSALS = (403, 404, 405, LOGIN)

# What a URL's <pk> names. Where a view lets in only the record's owner, the
# requesting user's own record is used (site A's and site B's alike, see
# tests/access_world.py), so the matrix says what each role may do with its own
# work; a role with none of its own gets the social worker's.
PK = {
    "case_note_edit": "case_note",  # only its author changes it; anyone else 403
    "school_result_edit": "school_result",
    "support_edit": "support",  # looked up among the user's own: anyone else's is a 404
    "mentoring_session_edit": "mentoring_session",  # the volunteer's own
    "follow_up_done": "follow_up",  # the user's own; coordinators close anyone's
    "parent_meeting_edit": "parent_meeting",
    "activity_edit": "activity",  # of site A alone (one shared with B: its own test)
    "counseling_edit": "counseling_session",  # only its psychologist changes it; others 403
    "counseling_break_glass": "counseling_session",
    "funder_report": "funded_project",  # a project with a site of the user's
    "funder_report_csv": "funded_project",
    "funder_report_xlsx": "funded_project",
}
# The other URL parameters, by name.
PARAMETERS = {
    "child_id": "child",
    "group_id": "group",
    "site_id": "site",
    "day": "today",
    "month": "month",
}
# Ids sent in the query string.
QUERY = {
    "counseling_new": {"child": "child"},
    "attendance:open": {"group": "group", "date": "today"},
}
NOT_IDS = {"today", "month"}

# Views that look the child up before checking the role: another site's child
# is a 404 even for a role that would be refused (403) at home.
CHILD_FIRST = {
    "case_note_new",
    "case_note_edit",
    "school_result_new",
    "school_result_edit",
    "support_new",
    "support_edit",
}
# Where another site's ids (or none) answer something ``elsewhere`` cannot derive.
ELSEWHERE = {
    # The picker sends home, with a message, for a group that is not one of yours.
    "attendance:open": dict.fromkeys(
        ["social_worker", "psychologist", "coordinator", "director", SUPERUSER], HOME
    ),
}

ADMIN_NAMESPACE = "admin:"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING = 987_654_321  # an id nothing has


# --- The URLs of the project ------------------------------------------------------


@functools.cache
def project_urls() -> dict[str, list[str]]:
    """Every named URL outside the Django admin (but its index): name -> its parameters."""
    found: dict[str, list[str]] = {}

    def walk(patterns, namespace: str, parameters: list[str]) -> None:
        for pattern in patterns:
            here = parameters + list(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, here)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name or f'<unnamed {pattern.pattern}>'}"
                found[name] = here

    walk(get_resolver().url_patterns, "", [])
    return {
        name: parameters
        for name, parameters in found.items()
        if not name.startswith(ADMIN_NAMESPACE) or name == "admin:index"
    }


def test_every_url_of_the_project_is_in_the_matrix():
    urls = project_urls()
    missing = sorted(set(urls) - set(MATRIX))
    gone = sorted(set(MATRIX) - set(urls))
    assert not missing, (
        "URLs nobody said who may open: add a row to MATRIX in tests/test_access_matrix.py "
        f"for each of {missing}"
    )
    assert not gone, f"MATRIX rows for URLs that no longer exist: {gone}"
    no_pk = sorted(
        name for name, parameters in urls.items() if "pk" in parameters and name not in PK
    )
    assert not no_pk, f"Say in PK what <pk> names in {no_pk}"
    unknown = sorted(
        f"{name}: <{parameter}>"
        for name, parameters in urls.items()
        for parameter in parameters
        if parameter != "pk" and parameter not in PARAMETERS
    )
    assert not unknown, f"Say in PARAMETERS what these name: {unknown}"
    for table in (PK, QUERY, ELSEWHERE, POST_ONLY):
        assert set(table) <= set(MATRIX), set(table) - set(MATRIX)
    kinds = {*PK.values(), *PARAMETERS.values()} | {
        kind for query in QUERY.values() for kind in query.values()
    }
    assert kinds <= set(KINDS) | NOT_IDS, f"Say in KINDS where to find {kinds - set(KINDS)}"
    assert Row._fields == ROLES
    assert set(MATRIX) >= CHILD_FIRST


# --- The world and its URLs ---------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module and rolled back after it; each test's own
    writes (logins, POSTs) are rolled back after the test."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@dataclass(frozen=True)
class Place:
    """Where a URL's ids are taken from: a site, and a child of that site."""

    site: SiteRecords
    child: ChildRecords


def own(world: World) -> Place:
    return Place(world.a, world.a.child)


def other_site(world: World) -> Place:
    return Place(world.b, world.b.child)


# How each kind of id is taken from a place, for the requesting role.
KINDS = {
    "site": lambda place, role: place.site.site,
    "child": lambda place, role: place.child.child,
    "group": lambda place, role: place.site.group,
    "case_note": lambda place, role: place.child.owned("case_notes", role),
    "support": lambda place, role: place.child.owned("support", role),
    "school_result": lambda place, role: place.child.school_result,
    "mentoring_session": lambda place, role: place.child.mentoring_session,
    "follow_up": lambda place, role: place.site.follow_ups.get(
        role, place.site.follow_ups["social_worker"]
    ),
    "parent_meeting": lambda place, role: place.site.parent_meeting,
    "activity": lambda place, role: place.site.activity,
    "counseling_session": lambda place, role: place.site.counseling_session,
    "funded_project": lambda place, role: place.site.funded_project,
}


def id_of(kind: str, place: Place | None, role: str, world: World):
    """The value of one URL parameter; ``place`` None: an id nothing has."""
    if kind == "today":
        return world.today
    if kind == "month":
        return world.today.replace(day=1)
    return MISSING if place is None else KINDS[kind](place, role).pk


def slots(name: str) -> dict[str, str]:
    """The URL's parameters and query string ids: parameter -> kind of object."""
    parameters = project_urls()[name]
    return {p: PK[name] if p == "pk" else PARAMETERS[p] for p in parameters} | {
        f"?{key}": kind for key, kind in QUERY.get(name, {}).items()
    }


def id_slots(name: str) -> list[str]:
    return [slot for slot, kind in slots(name).items() if kind not in NOT_IDS]


def url(name: str, world: World, role: str, places: dict[str, Place | None]) -> str:
    """``name``'s URL, each parameter taken from ``places[parameter]``."""
    kwargs, query = {}, {}
    for slot, kind in slots(name).items():
        value = id_of(kind, places[slot], role, world)
        if slot.startswith("?"):
            query[slot[1:]] = value
        else:
            kwargs[slot] = value
    path = reverse(name, kwargs=kwargs)
    return f"{path}?{urlencode(query)}" if query else path


def url_at(name: str, world: World, role: str, place: Place | None) -> str:
    return url(name, world, role, dict.fromkeys(slots(name), place))


# --- Expected answers -------------------------------------------------------------


def elsewhere(name: str, role: str, row: Row) -> Expected:
    """What ``role`` gets when the URL's ids name nothing it may see."""
    if role in ELSEWHERE.get(name, {}):
        return ELSEWHERE[name][role]
    at_home = getattr(row, role)
    if at_home == 200 or (isinstance(at_home, To) and at_home != LOGIN):
        return 404
    if at_home == 403:
        return 404 if name in CHILD_FIRST else 403
    if at_home in (404, 405, LOGIN):
        return at_home
    raise AssertionError(f"Say in ELSEWHERE what {role} gets on {name} for another site's ids")


def at_other_site(name: str, role: str, row: Row) -> Expected:
    # The superuser sees every site.
    return getattr(row, role) if role == SUPERUSER else elsewhere(name, role, row)


def answered(response) -> Expected:
    if response.status_code == 302:
        try:
            return To(resolve(urlsplit(response["Location"]).path).view_name)
        except Resolver404:
            return To(response["Location"])
    return response.status_code


def readable(response) -> str:
    """The response's text; an XLSX download (a zip) unpacked, so that its sheets
    are searched too."""
    if response.get("Content-Type", "").startswith(XLSX):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "".join(
                archive.read(part).decode(errors="replace") for part in archive.namelist()
            )
    return response.content.decode(errors="replace")


def leaks(response, role: str) -> list[str]:
    """What the page shows that ``role`` must never see."""
    text = readable(response)
    found = []
    if role != SUPERUSER and OTHER_SITE_MARK in text:
        found.append("another site's records")
    if role != "psychologist" and CONFIDENTIAL_MARK in text:
        found.append("a confidential counseling note")
    return found


class Walk:
    """Requests one user's pages and collects every answer that is not the
    expected one, so that one failure lists them all."""

    def __init__(self, world: World, role: str):
        self.world, self.role = world, role
        self.client = Client(raise_request_exception=False)
        if role != ANONYMOUS:
            if role == SUPERUSER:
                # Superusers must pass the second factor; this one has.
                force_login_verified(self.client, world.users[role])
            else:
                self.client.force_login(world.users[role])
        self.problems: list[str] = []

    def get(self, target: str, expected: Expected, label: str):
        response = self.client.get(target)
        self._check("GET", target, response, expected, label)
        return response

    def post(self, target: str, data: dict, expected: Expected, label: str, *, writes: bool):
        with writes_recorded() as written:
            response = self.client.post(target, data)
        self._check("POST", target, response, expected, label)
        if written and not writes:
            self.problems.append(f"POST {target} [{self.role}, {label}]: wrote {written}")
        return response

    def _check(self, method, target, response, expected, label):
        got = answered(response)
        where = f"{method} {target} [{self.role}, {label}]"
        if got != expected:
            self.problems.append(f"{where}: expected {expected!r}, got {got!r}")
        for leak in leaks(response, self.role):
            self.problems.append(f"{where}: shows {leak}")

    def assert_clean(self):
        if self.problems:
            pytest.fail("\n".join(self.problems), pytrace=False)


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """The SQL writes made meanwhile, but for sessions and the login log (not data)."""
    written: list[str] = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and (
            "django_session" not in sql and '"axes_' not in sql
        ):
            written.append(sql.split(" (")[0][:80])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield written


# --- GET, every URL, every role ----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_answer_on_its_own_sites_pages(world, role):
    walk = Walk(world, role)
    for name, row in MATRIX.items():
        walk.get(url_at(name, world, role, own(world)), getattr(row, role), "own site")
    walk.assert_clean()


@pytest.mark.parametrize("role", ROLES)
def test_another_sites_ids_answer_like_ids_that_do_not_exist(world, role):
    walk = Walk(world, role)
    for name, row in MATRIX.items():
        if not id_slots(name):
            continue
        walk.get(
            url_at(name, world, role, other_site(world)),
            at_other_site(name, role, row),
            "other site",
        )
        walk.get(url_at(name, world, role, None), elsewhere(name, role, row), "no such ids")
    walk.assert_clean()


@pytest.mark.parametrize("role", ROLES)
def test_swapping_one_id_for_another_childs_or_sites_finds_nothing(world, role):
    """In a URL with two ids (a child, then a record of theirs), each replaced in
    turn by the id of another site's object or of another child's of the same
    site: 404 for whoever gets in with the right pair, and for everyone exactly
    the answer of a record that does not exist (never 200)."""
    walk = Walk(world, role)
    swaps = {
        "other site": other_site(world),
        "another child": Place(world.a, world.a.other_child),
    }
    for name, row in MATRIX.items():
        ids = id_slots(name)
        if len(ids) < 2:
            continue
        record = ids[-1]
        right = dict.fromkeys(slots(name), own(world))
        for slot in ids:
            for label, place in swaps.items():
                swapped = right | {slot: place}
                if getattr(row, role) == 200:
                    expected = 404
                else:
                    nothing = walk.client.get(url(name, world, role, swapped | {record: None}))
                    expected = answered(nothing)
                    if expected == 200:
                        walk.problems.append(f"{name} [{role}]: 200 for a record that is not there")
                walk.get(url(name, world, role, swapped), expected, f"<{slot}> of {label}")
    walk.assert_clean()


def test_a_volunteer_opens_only_the_children_they_mentor(world):
    """Another child of the volunteer's own site is as out of reach as another site's."""
    role, walk = "volunteer", Walk(world, "volunteer")
    not_mentored = Place(world.a, world.a.other_child)
    for name, row in MATRIX.items():
        if "child" in slots(name).values():
            target = url_at(name, world, role, not_mentored)
            walk.get(target, elsewhere(name, role, row), "a child they do not mentor")
    walk.assert_clean()


def test_an_activity_shared_with_another_site_is_changed_only_by_who_sees_every_site(world):
    target = reverse("activity_edit", args=[world.shared_activity.pk])
    for role, expected in [("social_worker", 403), ("coordinator", 403), (SUPERUSER, 200)]:
        walk = Walk(world, role)
        walk.get(target, expected, "shared with another site")
        walk.assert_clean()


def test_the_pages_that_may_show_the_marks_do(world):
    """So that their absence from every other page proves something."""
    psychologist = Walk(world, "psychologist").client
    page = psychologist.get(url_at("counseling_edit", world, "psychologist", own(world)))
    assert CONFIDENTIAL_MARK in page.content.decode()
    superuser = Walk(world, SUPERUSER).client
    page = superuser.get(url_at("parent_meeting_new", world, SUPERUSER, own(world)))
    assert OTHER_SITE_MARK in page.content.decode()  # another site's staff and guardians


# --- POST ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_post_refused_or_to_another_sites_ids_writes_nothing(world, role):
    """Every URL, POSTed (empty) by whoever its GET refuses or sends to log in:
    the same refusal (or 405 where the view takes no POST), and nothing written."""
    walk = Walk(world, role)
    for name, row in MATRIX.items():
        if name in POST_ONLY:
            continue  # below, with what they post
        variants = [("own site", own(world), getattr(row, role))]
        if id_slots(name):
            variants.append(("other site", other_site(world), at_other_site(name, role, row)))
        for label, place, expected in variants:
            if expected not in REFUSALS:
                continue
            target = url_at(name, world, role, place)
            with writes_recorded() as written:
                response = walk.client.post(target, {})
            if answered(response) not in (expected, 405):
                walk.problems.append(
                    f"POST {target} [{role}, {label}]: expected {expected!r} or 405, "
                    f"got {answered(response)!r}"
                )
            if written:
                walk.problems.append(f"POST {target} [{role}, {label}]: wrote {written}")
    walk.assert_clean()


@pytest.mark.parametrize("role", ROLES)
def test_the_post_only_views_answer_each_role(world, role):
    """Their GET is in MATRIX; here what a POST does: another site's or no such
    ids are refused and write nothing, the user's own is done."""
    task = world.a.follow_ups.get(role, world.a.follow_ups["social_worker"])
    for name, row in POST_ONLY.items():
        walk = Walk(world, role)  # a fresh login: logging out ends it
        data = POST_DATA.get(name, {})
        if id_slots(name):
            expected = at_other_site(name, role, row)
            target = url_at(name, world, role, other_site(world))
            # The superuser sees every site: what it may do at home it does there.
            writes = role == SUPERUSER and name in POST_ONLY_WRITING and expected not in REFUSALS
            walk.post(target, data, expected, "other site", writes=writes)
            expected = elsewhere(name, role, row)
            walk.post(url_at(name, world, role, None), data, expected, "no such ids", writes=False)
        expected = getattr(row, role)
        writes = name in POST_ONLY_WRITING and expected not in REFUSALS
        target = url_at(name, world, role, own(world))
        walk.post(target, data, expected, "own site", writes=writes)
        walk.assert_clean()
    closed = getattr(POST_ONLY["follow_up_done"], role) == HOME
    assert (FollowUp.objects.get(pk=task.pk).done_on is not None) == closed
    assert not FollowUp.objects.filter(site=world.b.site, done_on__isnull=False).exists()


# --- Downloads ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "director", SUPERUSER])
def test_the_funder_report_downloads_hold_no_confidential_note_nor_another_site(world, role):
    """The walks search the downloads too (``readable`` unpacks the XLSX): here,
    proof that the files' text is really read."""
    walk = Walk(world, role)
    for name in ("funder_report_csv", "funder_report_xlsx"):
        response = walk.client.get(url_at(name, world, role, own(world)))
        assert response.status_code == 200
        text = readable(response)
        assert world.a.funded_project.name in text
        assert CONFIDENTIAL_MARK not in text
        assert OTHER_SITE_MARK not in text
