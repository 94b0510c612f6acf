"""Anonymise the children whose last enrollment ended more than RETENTION_YEARS
years ago, and their families once no child of theirs is left (see
``inocenti/retention.py`` for every field erased and kept).

The output goes to logs: it names records by number and site, never by name.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from children.models import Child
from inocenti.retention import RetentionPlan, children_anonymise, retention_apply, retention_plan
from programs.models import Enrollment


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = (
        "Anonymise children whose enrollments all ended more than N years ago "
        "(RETENTION_YEARS), and families with no child left; erase their history. "
        "One transaction; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be anonymised and change nothing.",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help="Years after the last enrollment's end (default: RETENTION_YEARS).",
        )
        parser.add_argument(
            "--child",
            type=int,
            action="append",
            dest="child_ids",
            metavar="ID",
            help=(
                "Anonymise this child now, whatever the dates (an erasure request; "
                "repeatable). Their enrollments must have ended."
            ),
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="Count the years back from this day, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args, dry_run=False, years=None, today=None, child_ids=None, **options):
        years = settings.RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        today = today or timezone.localdate()
        if child_ids:
            self._erase(child_ids, today=today, dry_run=dry_run)
            return
        if dry_run:
            plan = retention_plan(today=today, years=years)
            self._list(plan)
            self.stdout.write(
                f"Would anonymise {len(plan.children)} children, {len(plan.families)} "
                f"families and {len(plan.sessions)} counseling sessions' notes. "
                "Dry run: nothing was changed."
            )
            return
        plan, done = retention_apply(today=today, years=years)
        self._list(plan)
        self.stdout.write(
            f"Anonymised {len(done.children)} children, {len(done.families)} families and "
            f"{len(done.sessions)} counseling sessions' notes; "
            f"deleted {done.events_deleted} history rows."
        )

    def _erase(self, child_ids: list[int], *, today: datetime.date, dry_run: bool) -> None:
        children = list(Child.objects.filter(pk__in=child_ids, anonymised_on__isnull=True))
        missing = sorted(set(child_ids) - {child.pk for child in children})
        if missing:
            raise CommandError(f"No child to anonymise with id {missing} (or already anonymised).")
        enrolled = sorted(
            Enrollment.objects.current()
            .filter(child__in=children)
            .values_list("child_id", flat=True)
            .distinct()
        )
        if enrolled:
            raise CommandError(
                f"Children {enrolled} are still enrolled: end their enrollments first."
            )
        if dry_run:
            self.stdout.write(f"Would anonymise children {sorted(child_ids)}. Dry run.")
            return
        done = children_anonymise(children=children, today=today)
        self.stdout.write(
            f"Anonymised children {done.children}, families {done.families}; "
            f"deleted {done.events_deleted} history rows."
        )

    def _list(self, plan: RetentionPlan) -> None:
        self.stdout.write(
            f"Retention of {plan.years} years on {plan.today:%Y-%m-%d}: "
            f"children whose last enrollment ended before {plan.cutoff:%Y-%m-%d}."
        )
        for child in plan.children:
            self.stdout.write(
                f"child {child.id}  site: {child.site}  "
                f"last enrollment ended {child.last_ended_on:%Y-%m-%d}"
            )
        for family in plan.families:
            self.stdout.write(f"family {family.id}  site: {family.site}")
