"""Time the pages that read the whole history, on the benchmark's data (DEBUG only).

``make bench`` runs it on ``inocenti_bench`` after ``seed_demo --bench`` (ten
sites, ten school years, some eight million marks). For each page, logged in as
who would open it, it prints:

- **SQL**: the statements one request ran (session and user included; the
  savepoints Django wraps a request in left out);
- **p50 / p95**: the server's time over ``--repeat`` requests after ``--warmup``
  untimed ones: the project's whole middleware stack and template, through
  ``django.test.Client`` in this process (no network, no HTTP server; the
  register's HTTP round trip is ``make bench-register``'s);
- **raw SQL**: the page's SELECTs (captured with ``CaptureQueriesContext``) run
  again, as they were sent, on a plain cursor: the median of their total, and the
  page's median over it. What a page adds to its SQL is Python: the ORM, the
  forms, the template.

Targets (the issue's): dashboards p95 ≤ 250 ms and ≤ 1.5 times their raw SQL; and no
page's query count may grow with the data: ``--counts-only`` prints the counts
alone, so that ``make bench`` prints them for the small demo too.

Pages not written yet (their URL name does not resolve) are skipped with a line
that says so. Requests are real: the child's page adds an access-log entry each
time, as it does for anybody who opens it.
"""

from __future__ import annotations

import datetime
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from attendance.management.commands.bench_register import (
    _is_transaction_marker,
    _ms,
    _not_negative,
    _positive,
)
from inocenti import demo
from inocenti.demo_bench import BENCH_FUNDER
from programs.models import Enrollment, FundedProject, Group, Site, User

DASHBOARD_P95_SECONDS = 0.250
DASHBOARD_RAW_RATIO = 1.5
DIRECTOR = "director"
SOCIAL_WORKER = "asistent"
SITE = demo.SCHOOL_31


@dataclass(frozen=True)
class Page:
    label: str
    url_name: str
    username: str
    kwargs: Callable[[], dict] | None = None
    query: Callable[[], dict] | None = None
    dashboard: bool = False
    # Empty the cache before every request: the dashboards keep their risk
    # counts for minutes (``inocenti.risk.RISK_COUNTS_SECONDS``), and the first
    # director of the morning waits for them.
    cold: bool = False


def percentile(seconds: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted ``seconds`` fall (nearest rank)."""
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _site() -> Site:
    site = Site.objects.filter(name=SITE).first()
    if site is None:
        raise CommandError(f"No site {SITE}: run seed_demo first (make bench does).")
    return site


def _register_kwargs() -> dict:
    """The social worker's biggest group this year, on the latest day it met."""
    today = timezone.localdate()
    group = (
        Group.objects.filter(staff__username=SOCIAL_WORKER, school_year__is_current=True)
        .order_by("name")
        .first()
    )
    if group is None:
        raise CommandError(f"{SOCIAL_WORKER} works with no group this school year.")
    day = today
    while day.isoweekday() not in group.meeting_days:
        day -= datetime.timedelta(days=1)
    return {"group_id": group.pk, "day": day}


def _child_kwargs() -> dict:
    """A child of the site attending now, with the longest history there."""
    enrollment = (
        Enrollment.objects.filter(site=_site(), ended_on__isnull=True)
        .order_by("child__enrollments__started_on", "child_id")
        .first()
    )
    if enrollment is None:
        raise CommandError(f"No child attends {SITE}.")
    return {"child_id": enrollment.child_id}


def _project_kwargs() -> dict:
    project = (
        FundedProject.objects.filter(funder__name=BENCH_FUNDER).order_by("-starts_on").first()
        or FundedProject.objects.order_by("-starts_on").first()
    )
    if project is None:
        raise CommandError("No funded project.")
    return {"pk": project.pk}


PAGES = (
    Page("Register (a group, latest day)", "attendance:register", SOCIAL_WORKER, _register_kwargs),
    Page("Child's page", "child", DIRECTOR, _child_kwargs),
    Page(
        "Site dashboard",
        "dashboard_site",
        DIRECTOR,
        lambda: {"site_id": _site().pk},
        dashboard=True,
    ),
    Page(
        "Site dashboard, cold",
        "dashboard_site",
        DIRECTOR,
        lambda: {"site_id": _site().pk},
        cold=True,
    ),
    Page("All-sites dashboard", "dashboard_all", DIRECTOR, dashboard=True),
    Page("All-sites dashboard, cold", "dashboard_all", DIRECTOR, cold=True),
    Page("Children at risk (site)", "children_at_risk", DIRECTOR, lambda: {"site_id": _site().pk}),
    Page("Funder report", "funder_report", DIRECTOR, _project_kwargs),
)


@dataclass
class Result:
    page: Page
    queries: int
    seconds: list[float]
    raw_seconds: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 0.95)

    @property
    def raw_p50(self) -> float:
        return statistics.median(self.raw_seconds) if self.raw_seconds else 0.0


def _selects(captured: list[dict]) -> list[str]:
    """The statements of a request that read: run again, they change nothing."""
    return [
        query["sql"]
        for query in captured
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
        and not _is_transaction_marker(query["sql"])
    ]


class Command(BaseCommand):
    help = (
        "Time the register, the child's page, the dashboards, the risk list and the "
        "funder report on the current database (make bench: the benchmark's): SQL "
        "queries, p50/p95, and their raw SQL (DEBUG only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--repeat", type=_positive, default=20, help="Timed requests per page (20)."
        )
        parser.add_argument(
            "--warmup", type=_not_negative, default=3, help="Untimed requests first (3)."
        )
        parser.add_argument(
            "--counts-only",
            action="store_true",
            help="One request per page: print the SQL query counts only.",
        )

    def handle(self, *args, repeat: int, warmup: int, counts_only: bool, **options):
        if not settings.DEBUG:
            raise CommandError("bench runs only with DEBUG=true, like seed_demo.")
        database = connection.settings_dict["NAME"]
        clients: dict[str, Client] = {}
        results: list[Result] = []
        self.stdout.write(f"Database {database}:")
        for page in PAGES:
            try:
                url = reverse(page.url_name, kwargs=page.kwargs() if page.kwargs else None)
            except NoReverseMatch:
                self.stdout.write(
                    f"  {page.label}: skipped, URL {page.url_name!r} does not resolve yet."
                )
                continue
            except CommandError as exc:
                self.stdout.write(f"  {page.label}: skipped, {exc}")
                continue
            client = clients.get(page.username)
            if client is None:
                user = User.objects.filter(username=page.username).first()
                if user is None:
                    self.stdout.write(f"  {page.label}: skipped, no account {page.username!r}.")
                    continue
                client = clients[page.username] = Client(HTTP_HOST="localhost")
                client.force_login(user)
            data = page.query() if page.query else {}
            results.append(
                self._time(
                    page, client, url, data, repeat=0 if counts_only else repeat, warmup=warmup
                )
            )
        if counts_only:
            for result in results:
                self.stdout.write(f"  {result.page.label:<34} {result.queries:>4} SQL queries")
            return
        self._report(results, repeat=repeat, warmup=warmup)

    def _time(
        self, page: Page, client: Client, url: str, data: dict, *, repeat: int, warmup: int
    ) -> Result:
        def get():
            if page.cold:
                cache.clear()
            return client.get(url, data)

        if not page.cold:
            cache.clear()  # the first request is the one whose SQL is replayed: all of it
        with CaptureQueriesContext(connection) as captured:
            response = get()
        if response.status_code != 200:
            raise CommandError(f"{page.label}: {url} answered {response.status_code}, not 200.")
        queries = [q for q in captured.captured_queries if not _is_transaction_marker(q["sql"])]
        for _ in range(warmup):
            get()
        seconds = []
        for _ in range(repeat):
            started = time.perf_counter()
            get()
            seconds.append(time.perf_counter() - started)
        raw_seconds = []
        statements = _selects(queries)
        if repeat:
            with connection.cursor() as cursor:
                for _ in range(warmup):
                    self._replay(cursor, statements)
                for _ in range(repeat):
                    raw_seconds.append(self._replay(cursor, statements))
        return Result(page, len(queries), seconds, raw_seconds)

    @staticmethod
    def _replay(cursor, statements: list[str]) -> float:
        started = time.perf_counter()
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
        return time.perf_counter() - started

    def _report(self, results: list[Result], *, repeat: int, warmup: int) -> None:
        write = self.stdout.write
        write("")
        write(
            f"{repeat} timed requests per page after {warmup} untimed; ms of server time "
            "(django.test.Client: middleware, view, template; no network)."
        )
        width = max([len(r.page.label) for r in results] + [4])
        header = f"{'SQL':>4}  {'p50':>7}  {'p95':>7}  {'raw SQL':>7}  {'ratio':>5}  target"
        write(f"  {'page':<{width}}  {header}")
        for r in results:
            ratio = r.p50 / r.raw_p50 if r.raw_p50 else float("nan")
            target = ""
            if r.page.dashboard:
                ok = r.p95 <= DASHBOARD_P95_SECONDS and ratio <= DASHBOARD_RAW_RATIO
                target = (self.style.SUCCESS if ok else self.style.ERROR)(
                    f"p95 ≤ {_ms(DASHBOARD_P95_SECONDS)} ms, ≤ {DASHBOARD_RAW_RATIO} x raw: "
                    + ("met" if ok else "NOT met")
                )
            write(
                f"  {r.page.label:<{width}}  {r.queries:>4}  {_ms(r.p50):>7}  {_ms(r.p95):>7}"
                f"  {_ms(r.raw_p50):>7}  {ratio:>5.1f}  {target}"
            )
        write(
            "SQL: statements per request (session and user included, savepoints left out). "
            "raw SQL: the median of the page's SELECTs run again on a cursor; ratio: page "
            "p50 / raw SQL p50."
        )
