"""Time the daily register against a trivial view, and weigh the page (DEBUG only).

``manage.py bench_register`` (``make bench-register``) creates a group of 30 children,
serves the project's own WSGI application (every middleware, the session, CSRF,
whitenoise) from a real HTTP server on 127.0.0.1, logs in as the group's social worker
through the login page, and times, round after round:

- ``GET /health/``, the trivial view (one ``SELECT 1``): the yardstick, sent as a
  load balancer sends it (no cookie) and as the logged-in phone does (the
  session and the user are then read too);
- ``GET`` of today's register;
- ``POST`` of the register, sending what the page's form holds (the tokens of the
  latest GET) with three children's marks flipped (present / absent, sick), so that
  every timed save is a correction. The POST is timed up to its 302, not the page
  it redirects to.

It prints the median, 95th percentile and minimum of each, the SQL queries each
request ran, and the weight of a cold load of the page: the HTML and every
stylesheet and script it references (and whatever those stylesheets load), raw,
gzip and brotli, at the settings whitenoise precompresses with. Target: 60 KB.

**Committed data, deleted afterwards.** The server is wsgiref's, in a thread of this
process, and that thread has its own database connection: it cannot see rows this
thread has not committed, so the data cannot live in a transaction rolled back at
the end. (``django.test.Client`` would share the connection, but it skips the HTTP
server the issue asks to time.) So everything is created under names carrying a
random token (a site "Școala de măsurători <token>", its program, group, children,
enrollments and account) and deleted in a ``finally`` (Ctrl-C, SIGTERM and SIGHUP
included), with the registers, marks, corrections and sessions the run made. A
school year covering today is reused if there is one (at most one year may be
current); otherwise one is created, and deleted with the rest. What a run killed
outright leaves, ``--delete-leftovers`` deletes.

**Queries** are counted in the server thread from ``connection.queries``, which
Django keeps under DEBUG and empties when each request starts: the SQL statements
each timed request ran, session and user included, and apart the BEGIN, COMMIT and
savepoints Django lists among them.

wsgiref answers one request per connection, one at a time, like gunicorn's sync
workers; client and server share this process, so read the figures as relative.
DEBUG only, like ``seed_demo``: it writes an account to the database, and the
query counts need DEBUG's query log.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import http.client
import math
import queue
import re
import secrets
import signal
import statistics
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import brotli
from django.conf import settings
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connection, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from attendance.models import Register, RegisterChange
from children.models import Child
from programs.models import Enrollment, Group, Program, Role, SchoolYear, Site, User
from programs.services import user_create

TARGET_BYTES = 60 * 1024
FLIPPED_CHILDREN = 3
# Fictitious children: every given name with every family name, in turn.
GIVEN_NAMES = (
    ("Ștefan", "M"),
    ("Ana-Maria", "F"),
    ("Ionuț", "M"),
    ("Denisa", "F"),
    ("Cătălin", "M"),
    ("Mădălina", "F"),
    ("Răzvan", "M"),
    ("Lăcrămioara", "F"),
    ("Gheorghiță", "M"),
    ("Bianca", "F"),
    ("Florin", "M"),
    ("Ileana", "F"),
    ("Costel", "M"),
    ("Petruța", "F"),
    ("Marius", "M"),
)
FAMILY_NAMES = (
    "Lăcătuș",
    "Căldăraru",
    "Rostaș",
    "Țurcanu",
    "Bălan",
    "Stănescu",
    "Dincă",
    "Mușat",
    "Pătrașcu",
    "Ciobanu",
    "Șerban",
    "Nițu",
    "Vădanu",
    "Zăvoianu",
    "Tănase",
    "Argintaru",
)
_STATUS_FIELD = re.compile(r"^(c\d+)-status$")
# url(...) and @import "..." in a stylesheet.
_CSS_REFERENCE = re.compile(r"""(?:url\(\s*|@import\s+)["']?([^"')\s;]+)""")


# --- Page weight (the test of the page's weight uses these too) ------------------


class _AssetParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and "stylesheet" in (found.get("rel") or "").lower().split():
            url = found.get("href")
        elif tag == "script":
            url = found.get("src")
        else:
            return
        if url and url not in self.urls:
            self.urls.append(url)


def page_assets(html: str) -> list[str]:
    """The URLs of the stylesheets (``<link rel=stylesheet href>``) and scripts
    (``<script src>``) a page loads, in order, each once."""
    parser = _AssetParser()
    parser.feed(html)
    parser.close()
    return parser.urls


def static_path(url: str) -> Path:
    """The file behind a static URL, found as ``collectstatic`` would find it."""
    path = urlsplit(url).path
    prefix = urlsplit(settings.STATIC_URL).path
    if urlsplit(url).netloc or not path.startswith(prefix):
        raise ValueError(f"{url} is not one of the site's static files")
    found = finders.find(path.removeprefix(prefix))
    if not found:
        raise ValueError(f"no static file {path.removeprefix(prefix)} (from {url})")
    return Path(found)


def cold_load(html: str) -> list[tuple[str, Path]]:
    """Every static file a cold load of the page fetches: its stylesheets and
    scripts, and what the stylesheets reference (``data:`` URIs aside)."""
    files: list[tuple[str, Path]] = []
    pending = page_assets(html)
    while pending:
        url = pending.pop(0)
        if any(url == seen for seen, _path in files):
            continue
        path = static_path(url)
        files.append((url, path))
        if path.suffix == ".css":
            for reference in _CSS_REFERENCE.findall(path.read_text(encoding="utf-8")):
                if not reference.startswith(("data:", "#")):
                    pending.append(urljoin(url, reference))
    return files


def gzipped_size(data: bytes) -> int:
    """Bytes after gzip at whitenoise's level (9)."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def brotli_size(data: bytes) -> int:
    """Bytes after brotli at whitenoise's quality (the default, 11)."""
    return len(brotli.compress(data))


@dataclass(frozen=True)
class Weight:
    name: str
    raw: int
    gzip: int
    brotli: int
    sent: int  # bytes this server sent for it
    sent_as: str  # its Content-Encoding, or "identity"

    @classmethod
    def of(cls, name: str, data: bytes, sent: int, sent_as: str) -> Weight:
        # whitenoise serves the original when compressing saves less than 5 %.
        return cls(
            name,
            len(data),
            min(len(data), gzipped_size(data)),
            min(len(data), brotli_size(data)),
            sent,
            sent_as,
        )


# --- Data, committed under a token and deleted afterwards -------------------------


SITE_PREFIX = "Școala de măsurători "
PROGRAM_PREFIX = "Program de măsurători "
USER_PREFIX = "masuratori-"
_TOKEN = re.compile(r"[0-9a-f]{6}")


@dataclass
class _Fixture:
    token: str
    site: Site
    group: Group
    user: User
    password: str
    session_keys: set[str] = field(default_factory=set)


def _current_school_year(today: datetime.date, user: User) -> SchoolYear:
    """A school year covering today: an existing one, or one created by ``user``
    (so that it is deleted with the rest)."""
    year = (
        SchoolYear.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .order_by("-is_current", "-starts_on")
        .first()
    )
    if year is not None:
        return year
    start = today.year if today.month >= 9 else today.year - 1
    year = SchoolYear.for_start_year(start)
    if SchoolYear.objects.filter(Q(name=year.name) | Q(starts_on=year.starts_on)).exists():
        raise CommandError(
            f"A school year {year.name} exists but does not cover today ({today}); "
            "correct its dates in the administration first."
        )
    year.is_current = not SchoolYear.objects.filter(is_current=True).exists()
    year.created_by = user
    year.save()
    return year


@transaction.atomic
def _create(today: datetime.date, children: int) -> _Fixture:
    token = secrets.token_hex(3)
    site = Site.objects.create(name=SITE_PREFIX + token, county="B", locality="București")
    password = secrets.token_urlsafe(16)
    user = user_create(
        username=USER_PREFIX + token,
        role=Role.SOCIAL_WORKER,
        sites=[site],
        first_name="Mirela",
        last_name="Sârbu",
        password=password,
    )
    year = _current_school_year(today, user)
    program = Program.objects.create(name=PROGRAM_PREFIX + token)
    program.sites.add(site)
    group = Group.objects.create(
        site=site, school_year=year, name="Grupa I–IV", meeting_days=[1, 2, 3, 4, 5, 6, 7]
    )
    group.staff.add(user)
    kids = Child.objects.bulk_create(
        Child(
            site=site,
            given_names=GIVEN_NAMES[i % len(GIVEN_NAMES)][0],
            family_name=FAMILY_NAMES[i % len(FAMILY_NAMES)],
            sex=GIVEN_NAMES[i % len(GIVEN_NAMES)][1],
            birth_date=datetime.date(today.year - 8 - i % 6, 1 + i % 12, 1 + i % 28),
            grade=i % 6,
        )
        for i in range(children)
    )
    started_on = max(year.starts_on, today - datetime.timedelta(days=30))
    Enrollment.objects.bulk_create(
        Enrollment(child=kid, program=program, site=site, group=group, started_on=started_on)
        for kid in kids
    )
    return _Fixture(token, site, group, user, password)


@transaction.atomic
def _delete(token: str, session_keys: set[str] | None = None) -> bool:
    """Everything run ``token`` created, in the order the PROTECT keys allow; its
    registers, marks and corrections too. Without ``session_keys`` (a run that was
    killed) the sessions are found by decoding them. Whether anything was left."""
    site = Site.objects.filter(name=SITE_PREFIX + token).first()
    user = User.objects.filter(username=USER_PREFIX + token).first()
    program = Program.objects.filter(name=PROGRAM_PREFIX + token).first()
    if user is not None:
        if session_keys is None:
            session_keys = {
                session.session_key
                for session in Session.objects.all()
                if session.get_decoded().get("_auth_user_id") == str(user.pk)
            }
        Session.objects.filter(session_key__in=session_keys).delete()
    if site is not None:
        Register.objects.filter(group__site=site).delete()  # marks and corrections too
        Enrollment.objects.filter(site=site).delete()
        Child.objects.filter(site=site).delete()
        Group.objects.filter(site=site).delete()
    if program is not None:
        program.delete()
    if user is not None:
        SchoolYear.objects.filter(created_by=user, groups__isnull=True).delete()
        user.delete()
    if site is not None:
        site.delete()
    return any(found is not None for found in (site, user, program))


def _leftover_tokens() -> set[str]:
    """The tokens of runs killed before they could delete their data."""
    names = [
        *(
            name.removeprefix(SITE_PREFIX)
            for name in Site.objects.filter(name__startswith=SITE_PREFIX).values_list(
                "name", flat=True
            )
        ),
        *(
            name.removeprefix(PROGRAM_PREFIX)
            for name in Program.objects.filter(name__startswith=PROGRAM_PREFIX).values_list(
                "name", flat=True
            )
        ),
        *(
            name.removeprefix(USER_PREFIX)
            for name in User.objects.filter(username__startswith=USER_PREFIX).values_list(
                "username", flat=True
            )
        ),
    ]
    return {name for name in names if _TOKEN.fullmatch(name)}


class _Stopped(Exception):
    """SIGTERM or SIGHUP: stop like Ctrl-C, deleting the data on the way out."""


def _stop(signum, frame):
    raise _Stopped(signal.Signals(signum).name)


# --- The server and the client ----------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _is_transaction_marker(sql: str) -> bool:
    """BEGIN, COMMIT and savepoints, which Django's query log lists among the SQL."""
    return sql in ("BEGIN", "COMMIT", "ROLLBACK") or sql.startswith(
        ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    )


class _CountingApp:
    """The project's WSGI application, noting the SQL each request ran:
    (statements, transaction markers). ``connection.queries`` is this thread's,
    emptied as each request starts."""

    def __init__(self, app):
        self.app = app
        self.queries: queue.Queue[tuple[int, int]] = queue.Queue()

    def __call__(self, environ, start_response):
        response = self.app(environ, start_response)
        markers = sum(_is_transaction_marker(query["sql"]) for query in connection.queries)
        self.queries.put((len(connection.queries) - markers, markers))
        return response


class _Server:
    """wsgiref on 127.0.0.1, a free port, in a thread of this process."""

    def __init__(self):
        self.app = _CountingApp(get_wsgi_application())
        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self._serve, name="bench-server", daemon=True)

    def _serve(self):
        try:
            self.httpd.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()  # this thread's connection

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.thread.join()
        self.httpd.server_close()


@dataclass
class _Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float
    queries: tuple[int, int]  # SQL statements, transaction markers

    @property
    def content(self) -> bytes:
        """The body as the server wrote it, before the compression of the wire."""
        encoding = self.headers.get("Content-Encoding", "identity")
        if encoding == "gzip":
            return gzip.decompress(self.body)
        if encoding == "br":
            return brotli.decompress(self.body)
        return self.body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


class _Browser:
    """One phone: its session and CSRF cookies (the ``messages`` cookie a save sets
    for the page it redirects to is dropped, so every register GET is the same)."""

    def __init__(self, server: _Server, fixture: _Fixture):
        self.server = server
        self.fixture = fixture
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        data: list[tuple[str, str]] | None = None,
        *,
        cookies: bool = True,
    ) -> _Reply:
        headers = {"Accept-Encoding": "gzip, br", "User-Agent": "bench-register"}
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        self._remember(response.headers.get_all("Set-Cookie") or [])
        queries = self.server.app.queries.get(timeout=60)
        return _Reply(response.status, response.headers, content, seconds, queries)

    def _remember(self, set_cookies: list[str]) -> None:
        kept = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                if name not in kept:
                    continue
                if not morsel.value or morsel["max-age"] in ("0", 0):
                    self.cookies.pop(name, None)
                    continue
                self.cookies[name] = morsel.value
                if name == settings.SESSION_COOKIE_NAME:
                    self.fixture.session_keys.add(morsel.value)


class _Form:
    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    """The fields a browser would send from each form of a page, unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.form: _Form | None = None
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self.form = _Form(found)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            kind = (found.get("type") or "text").lower()
            name = found.get("name")
            if not name or kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self.form.fields.append((name, found.get("value") or "on"))
            else:
                self.form.fields.append((name, found.get("value") or ""))
        elif tag == "select":
            self.select, self.options = found.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((found.get("value") or "", "selected" in found))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select and self.form is not None:
            chosen = [value for value, selected in self.options if selected]
            first = self.options[0][0] if self.options else ""
            self.form.fields.append((self.select, chosen[0] if chosen else first))
            self.select = None


def _form(html: str, *, having: str) -> list[tuple[str, str]]:
    """The fields of the page's first form with a field or id ``having``."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        if form.attrs.get("id") == having or any(name == having for name, _ in form.fields):
            return form.fields
    raise CommandError(f"The page has no form with {having!r}.")


def _flipped(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The register form with its first children's marks flipped: present to
    absent (sick), or back."""
    prefixes = [m.group(1) for name, _ in fields if (m := _STATUS_FIELD.match(name))]
    flipped = prefixes[:FLIPPED_CHILDREN]
    values = dict(fields)
    to_absent = values[f"{flipped[0]}-status"] == "present"
    changed = {}
    for prefix in flipped:
        changed[f"{prefix}-status"] = "absent" if to_absent else "present"
        changed[f"{prefix}-reason"] = "sick" if to_absent else ""
    return [(name, changed.get(name, value)) for name, value in fields]


# --- The command -------------------------------------------------------------------


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {value!r}")
    return int(value)


def _not_negative(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number, not {value!r}")
    return int(value)


def _expect(reply: _Reply, status: int, what: str) -> _Reply:
    if reply.status != status:
        raise CommandError(
            f"{what} answered {reply.status}, not {status}: "
            f"{reply.body[:500].decode('utf-8', 'replace')}"
        )
    return reply


_LABELS = {
    "probe": "GET  /health/, no cookie",
    "health": "GET  /health/, logged in",
    "get": "GET  register",
    "post": f"POST register (302, {FLIPPED_CHILDREN} marks flipped)",
}


def _counted(replies: list[_Reply]) -> str:
    """The requests' (statements, markers), as "5  +0", or a range if they varied."""
    found = sorted({reply.queries for reply in replies})
    statements, markers = found[0]
    if len(found) == 1:
        return f"{statements:>3}  +{markers}"
    return " ".join(f"{s}+{m}" for s, m in found)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _kb(size: int) -> str:
    return f"{size / 1024:.1f}"


class Command(BaseCommand):
    help = (
        "Time the register GET and POST of a 30-child group against /health/ on a "
        "real HTTP server, count their SQL queries and weigh the page (DEBUG only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repeat", type=_positive, default=50, help="Timed requests of each kind (50)."
        )
        parser.add_argument(
            "--warmup", type=_not_negative, default=3, help="Untimed rounds first (3)."
        )
        parser.add_argument(
            "--children", type=_positive, default=30, help="Children in the group (30)."
        )
        parser.add_argument(
            "--delete-leftovers",
            action="store_true",
            help="Only delete what killed runs left in the database (sites named "
            f"{SITE_PREFIX.strip()!r} and their groups, children, account...).",
        )

    def handle(
        self,
        *args,
        repeat: int = 50,
        warmup: int = 3,
        children: int = 30,
        delete_leftovers: bool = False,
        **options,
    ):
        if not settings.DEBUG:
            raise CommandError(
                "bench_register writes an account and a group to the database (and "
                "deletes them) and counts queries with DEBUG's query log; it runs only "
                "with DEBUG=true."
            )
        if delete_leftovers:
            tokens = sorted(_leftover_tokens())
            for token in tokens:
                _delete(token)
            self.stdout.write(f"Deleted what {len(tokens)} killed run(s) had left.")
            return
        previous = {
            signum: signal.getsignal(signum)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGHUP, _stop)
        try:
            self._run(repeat=repeat, warmup=warmup, children=children)
        except (_Stopped, KeyboardInterrupt) as stopped:
            raise CommandError(
                f"Stopped by {str(stopped) or 'Ctrl-C'}; the benchmark's data was deleted."
            ) from None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _run(self, *, repeat: int, warmup: int, children: int) -> None:
        today = timezone.localdate()
        fixture = _create(today, children)
        try:
            with _Server() as server:
                self.stdout.write(
                    f"Serving on http://127.0.0.1:{server.port}/ (wsgiref, this process); "
                    f"group of {children} children at {fixture.site.name}."
                )
                browser = _Browser(server, fixture)
                self._log_in(browser, fixture)
                url = reverse("attendance:register", args=[fixture.group.pk, today])
                timings, last_page = self._rounds(browser, url, repeat=repeat, warmup=warmup)
                weights = self._weigh(browser, last_page)
            saves = Register.objects.get(group=fixture.group)
            corrections = RegisterChange.objects.filter(register=saves).count()
        finally:
            # Not interrupted halfway (one transaction: it would be undone); the
            # signals' handlers come back when ``handle`` returns.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            try:
                _delete(fixture.token, fixture.session_keys)
            except Exception:
                self.stderr.write(
                    f"Could not delete the benchmark's data ({fixture.site.name}); "
                    "`manage.py bench_register --delete-leftovers` deletes it."
                )
                raise
        self._report(timings, repeat=repeat, warmup=warmup, children=children)
        self.stdout.write(
            f"The register was saved {saves.version} times ({corrections} corrections "
            "recorded); the benchmark's data has been deleted."
        )
        self._report_weight(weights)

    def _log_in(self, browser: _Browser, fixture: _Fixture) -> None:
        login = reverse("login")
        page = _expect(browser.request("GET", login), 200, "The login page")
        fields = dict(_form(page.text, having="username"))
        fields.update(username=fixture.user.username, password=fixture.password)
        _expect(browser.request("POST", login, list(fields.items())), 302, "Logging in")

    def _rounds(self, browser: _Browser, url: str, *, repeat: int, warmup: int):
        """Untimed: the first save (the register is then taken) and ``warmup``
        rounds. Timed: ``repeat`` rounds of health, GET, POST (a correction)."""
        health = reverse("health")
        page = _expect(browser.request("GET", url), 200, "The register")
        form = _form(page.text, having="register-form")
        _expect(browser.request("POST", url, [*form, ("action", "save")]), 302, "The first save")
        timings: dict[str, list[_Reply]] = {kind: [] for kind in _LABELS}
        for index in range(warmup + repeat):
            probe = _expect(browser.request("GET", health, cookies=False), 200, "/health/")
            checked = _expect(browser.request("GET", health), 200, "/health/")
            page = _expect(browser.request("GET", url), 200, "The register")
            data = [*_flipped(_form(page.text, having="register-form")), ("action", "save")]
            saved = _expect(browser.request("POST", url, data), 302, "Saving")
            if index >= warmup:
                timings["probe"].append(probe)
                timings["health"].append(checked)
                timings["get"].append(page)
                timings["post"].append(saved)
        return timings, page

    def _weigh(self, browser: _Browser, page: _Reply) -> list[Weight]:
        html = page.text
        weights = [
            Weight.of(
                "register page (HTML)",
                page.content,
                len(page.body),
                page.headers.get("Content-Encoding", "identity"),
            )
        ]
        try:
            files = cold_load(html)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for url, path in files:
            reply = _expect(browser.request("GET", url), 200, url)
            weights.append(
                Weight.of(
                    urlsplit(url).path,
                    path.read_bytes(),
                    len(reply.body),
                    reply.headers.get("Content-Encoding", "identity"),
                )
            )
        return weights

    def _report(self, timings, *, repeat: int, warmup: int, children: int) -> None:
        write = self.stdout.write
        write("")
        write(
            f"Register of {children} children: {repeat} timed requests of each kind, "
            f"after {warmup} untimed rounds; ms on the client's clock, connection included."
        )
        width = max(len(label) for label in _LABELS.values())
        write(f"  {'':<{width}}  {'median':>7}  {'p95':>7}  {'min':>7}  {'+probe':>7}  SQL  +tx")
        floor = statistics.median(reply.seconds for reply in timings["probe"])
        for kind, label in _LABELS.items():
            seconds = sorted(reply.seconds for reply in timings[kind])
            median = statistics.median(seconds)
            p95 = seconds[math.ceil(0.95 * len(seconds)) - 1]
            extra = "" if kind == "probe" else _ms(median - floor)
            write(
                f"  {label:<{width}}  {_ms(median):>7}  {_ms(p95):>7}  {_ms(seconds[0]):>7}"
                f"  {extra:>7}  {_counted(timings[kind])}"
            )
        write(
            "SQL: statements per request, counted in the server thread from "
            "connection.queries (DEBUG); +tx: the BEGIN/COMMIT/savepoints Django logs "
            "there too."
        )
        write(
            "+probe: median minus the cookieless /health/ (one SELECT 1). Logged in, "
            "/health/ also reads the session and the user: LoginRequiredMiddleware asks "
            "request.user.is_authenticated before it looks at @login_not_required."
        )

    def _report_weight(self, weights: list[Weight]) -> None:
        write = self.stdout.write
        write("")
        write(
            "Cold load of the register page, every stylesheet and script included "
            "(KB = 1024 bytes; gzip -9 and brotli q11, as whitenoise precompresses;"
        )
        write("'sent' is what this DEBUG server sent, with its Content-Encoding):")
        width = max(len(weight.name) for weight in weights)
        write(f"  {'':<{width}}  {'raw':>7}  {'gzip':>7}  {'brotli':>7}  {'sent':>7}")
        for w in weights:
            write(
                f"  {w.name:<{width}}  {_kb(w.raw):>7}  {_kb(w.gzip):>7}  {_kb(w.brotli):>7}"
                f"  {_kb(w.sent):>7} {w.sent_as}"
            )
        total = Weight(
            "total",
            sum(w.raw for w in weights),
            sum(w.gzip for w in weights),
            sum(w.brotli for w in weights),
            sum(w.sent for w in weights),
            "",
        )
        write(
            f"  {'total':<{width}}  {_kb(total.raw):>7}  {_kb(total.gzip):>7}"
            f"  {_kb(total.brotli):>7}  {_kb(total.sent):>7}"
        )
        verdict = "within" if total.gzip <= TARGET_BYTES else "OVER"
        style = self.style.SUCCESS if total.gzip <= TARGET_BYTES else self.style.ERROR
        write(
            style(
                f"Compressed cold load: {_kb(total.gzip)} KB gzip, {_kb(total.brotli)} KB "
                f"brotli: {verdict} the {_kb(TARGET_BYTES)} KB target (HTTP headers "
                "not counted)."
            )
        )
