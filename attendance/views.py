"""The daily register, the coordinators' overview of registers not taken, the
monthly school absences and a child's attendance history."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from attendance.access import (
    WriteAccess,
    check_register_day,
    get_child_for_user,
    get_group_for_user,
    register_write_access,
    school_absence_write_access,
)
from attendance.forms import (
    MissingRegistersForm,
    NoSessionForm,
    OpenRegisterForm,
    RegisterSubmission,
    SchoolAbsenceForm,
)
from attendance.models import (
    EDIT_WINDOW_DAYS,
    MAX_SCHOOL_HOURS_PER_MONTH,
    AbsenceReason,
    Activity,
    ChangedField,
    MarkStatus,
    NoSessionReason,
    Register,
    SchoolAbsence,
)
from attendance.roster import (
    ABSENCE_RUN_WARNING,
    RegisterEntry,
    RosterRow,
    mark_absence_runs,
    register_token,
    register_with_previous,
    roster,
)
from attendance.services import RegisterConflict, SaveOutcome, register_save, school_absences_save
from attendance.summary import add_months, legend, month_calendar, month_end
from attendance.summary import child_attendance as child_attendance_figures
from programs.access import visible_sites
from programs.models import Enrollment, Group
from programs.search import fold

DEFAULT_ACTIVITIES = (Activity.HOMEWORK,)


def _today() -> datetime.date:
    return timezone.localdate()


# --- Today -------------------------------------------------------------------


def today_context(user) -> dict:
    """Today's registers of the user's groups, and the last days' still untaken.

    Three queries: the groups, their registers of the window, their enrollments.
    """
    today = _today()
    first = today - datetime.timedelta(days=EDIT_WINDOW_DAYS)
    groups = list(
        Group.objects.for_user(user)
        .filter(
            staff=user,
            school_year__starts_on__lte=today,
            school_year__ends_on__gte=first,
        )
        .select_related("site", "school_year")
        .order_by("site__name", "name")
    )
    registers = {
        (register.group_id, register.date): register
        for register in Register.objects.taken()
        .filter(group__in=groups, date__range=(first, today))
        .select_related("created_by", "updated_by")
    }
    enrolled = _enrolled_days(groups, first, today)
    todays, untaken = [], []
    for group in groups:
        register = registers.get((group.pk, today))
        meets = today.isoweekday() in group.meeting_days
        in_year = group.school_year.starts_on <= today <= group.school_year.ends_on
        if (register or meets) and in_year:
            todays.append({"group": group, "register": register, "day": today, "meets": meets})
        for offset in range(EDIT_WINDOW_DAYS, 0, -1):
            day = today - datetime.timedelta(days=offset)
            if (
                day.isoweekday() in group.meeting_days
                and (group.pk, day) not in registers
                and group.school_year.starts_on <= day <= group.school_year.ends_on
                and day in enrolled[group.pk]
            ):
                untaken.append({"group": group, "day": day})
    untaken.sort(key=lambda item: (item["day"], item["group"].name))
    current = [
        group
        for group in groups
        if group.school_year.starts_on <= today <= group.school_year.ends_on
    ]
    return {
        "today": today,
        "todays": todays,
        "untaken": untaken,
        "open_form": OpenRegisterForm(groups=current, today=today) if current else None,
        "my_groups": current,
    }


def _enrolled_days(groups, first, last) -> dict[int, set[datetime.date]]:
    """For each group, the days between ``first`` and ``last`` someone was enrolled."""
    days: dict[int, set[datetime.date]] = defaultdict(set)
    spans = (
        Enrollment.objects.filter(group__in=groups, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("group_id", "started_on", "ended_on")
    )
    for group_id, started_on, ended_on in spans:
        day = max(started_on, first)
        end = min(ended_on or last, last)
        while day <= end:
            days[group_id].add(day)
            day += datetime.timedelta(days=1)
    return days


@require_GET
@permission_required("attendance.view_register", raise_exception=True)
def open_register(request: HttpRequest) -> HttpResponse:
    """Today's "open another register" picker: to the register of that group and day."""
    user = request.user
    today = _today()
    groups = Group.objects.for_user(user).filter(
        school_year__starts_on__lte=today,
        school_year__ends_on__gte=today - datetime.timedelta(days=EDIT_WINDOW_DAYS),
    )
    if not user.has_perm("attendance.take_register_any_day"):
        groups = groups.filter(staff=user)
    groups = list(groups.select_related("school_year"))
    form = OpenRegisterForm(request.GET, groups=groups, today=today)
    if not form.is_valid():
        messages.error(request, _("Choose one of your groups and a day."))
        return redirect("home")
    group = next(group for group in groups if group.pk == form.cleaned_data["group"])
    day = form.cleaned_data["date"]
    if not group.school_year.starts_on <= day <= min(today, group.school_year.ends_on):
        messages.error(
            request,
            _("%(group)s has registers from %(first)s to %(last)s, not in the future.")
            % {
                "group": group.name,
                "first": group.school_year.starts_on.strftime("%d.%m.%Y"),
                "last": group.school_year.ends_on.strftime("%d.%m.%Y"),
            },
        )
        return redirect("home")
    return redirect("attendance:register", group_id=group.pk, day=day)


# --- The register --------------------------------------------------------------


def _register_page(
    request: HttpRequest,
    *,
    group: Group,
    day: datetime.date,
    register: Register | None,
    rows: list[RosterRow],
    entry: RegisterEntry,
    register_was: str,
    access: WriteAccess,
    status: int = 200,
    **extra,
) -> HttpResponse:
    shown_version = extra.pop("version", register.version if register is not None else 0)
    year = group.school_year
    previous_day, next_day = day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)
    return render(
        request,
        "attendance/register.html",
        {
            "group": group,
            "day": day,
            "today": _today(),
            "register": register,
            "rows": rows,
            "entry": entry,
            "register_was": register_was,
            "version": shown_version,
            "access": access,
            "activities": Activity.choices,
            "statuses": MarkStatus.choices,
            "reasons": AbsenceReason.choices,
            "no_session_reasons": NoSessionReason.choices,
            # Late children came: "absent" here and in the saved message is the rest.
            "absent_count": sum(row.shown.status not in MarkStatus.attended() for row in rows),
            "previous_day": previous_day if previous_day >= year.starts_on else None,
            "next_day": next_day if next_day <= min(_today(), year.ends_on) else None,
            # A "no session" record's note belongs to it, not to the session form.
            "session_note": entry.note if register is None or register.held else "",
            **extra,
        },
        status=status,
    )


@transaction.non_atomic_requests  # register_save is the transaction; one, not nested
@require_http_methods(["GET", "POST"])
@permission_required("attendance.view_register", raise_exception=True)
def register(request: HttpRequest, group_id: int, day: datetime.date) -> HttpResponse:
    group = get_group_for_user(request.user, group_id)
    check_register_day(group, day)
    today = _today()
    if day > today:
        messages.error(request, _("A register cannot be taken for a day that has not come yet."))
        return redirect("home")
    access = register_write_access(request.user, group, day, today=today)
    if request.method == "POST":
        return _save_register(request, group, day, access)

    saved, proposed = register_with_previous(group, day)
    rows = roster(group, day, saved)
    mark_absence_runs(rows, group, day)
    if saved is not None and saved.held:
        entry = RegisterEntry.of(saved)
    else:
        entry = RegisterEntry(proposed or DEFAULT_ACTIVITIES)
        if saved is not None:
            entry = RegisterEntry(entry.activities, saved.no_session_reason, saved.note)
    return _register_page(
        request,
        group=group,
        day=day,
        register=saved,
        rows=rows,
        entry=entry,
        register_was=register_token(saved),
        access=access,
    )


def _save_register(request, group: Group, day: datetime.date, access: WriteAccess):
    if not access.allowed:
        messages.error(request, access.why_not)
        return redirect("attendance:register", group_id=group.pk, day=day)
    if request.POST.get("action") == "no_session":
        form = NoSessionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("attendance:register", group_id=group.pk, day=day)
        submission = form.submission
    else:
        posted = RegisterSubmission(request.POST)
        if not posted.is_valid():
            return _invalid_register(request, group, day, access, posted)
        submission = posted.submission
    try:
        outcome = register_save(group=group, day=day, user=request.user, submission=submission)
    except RegisterConflict as clash:
        return _conflict_page(request, group, day, access, clash.outcome)
    _confirm(request, group, day, outcome)
    if request.user.has_perm("attendance.oversee_registers"):
        return redirect("attendance:missing")
    return redirect("home")


def _invalid_register(request, group, day, access, posted: RegisterSubmission):
    saved, _proposed = register_with_previous(group, day)
    rows = roster(group, day, saved)
    chosen = posted.entries()
    errors = posted.errors_by_child()
    for row in rows:
        row.shown = chosen.get(row.child_id, row.shown)
        row.errors = errors.get(row.child_id, [])
        # Keep the tokens of what the page first showed, so a save after the
        # correction still notices a colleague's change made meanwhile.
        row.was = request.POST.get(f"c{row.child_id}-was", row.was)
    register_data = posted.register_form.data
    entry = RegisterEntry(
        tuple(a for a in register_data.getlist("activities") if a in Activity.values),
        "",
        register_data.get("note", "")[:200],
    )
    messages.error(request, _("The register was not saved. Correct what is marked below."))
    return _register_page(
        request,
        group=group,
        day=day,
        register=saved,
        rows=rows,
        entry=entry,
        register_was=register_data.get("was", ""),
        access=access,
        register_errors=posted.register_errors(),
        # Keep the version the page was first loaded at, like the tokens.
        version=_posted_version(request.POST),
        rows_unsaved=True,
        status=400,
    )


def _posted_version(data) -> int:
    value = data.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _conflict_page(request, group, day, access, outcome: SaveOutcome):
    register = outcome.register
    messages.warning(
        request,
        _(
            "Someone else saved this register while you had it open. Nothing was saved: "
            "check the highlighted children (their newer marks are shown, yours beside "
            "them) and save again."
        ),
    )
    return _register_page(
        request,
        group=group,
        day=day,
        register=register if register.version else None,
        rows=outcome.rows,
        entry=outcome.shown_register,
        register_was=outcome.register_was,
        access=access,
        register_conflict=outcome.register_conflict,
        yours_register=outcome.yours_register,
        rows_unsaved=True,
        status=409,
    )


def _confirm(request, group: Group, day: datetime.date, outcome: SaveOutcome) -> None:
    register = outcome.register
    when = _("today") if day == _today() else day.strftime("%d.%m.%Y")
    if not register.held:
        messages.success(
            request,
            _("%(group)s, %(day)s: recorded as no session (%(reason)s).")
            % {
                "group": group.name,
                "day": when,
                "reason": register.get_no_session_reason_display(),
            },
        )
    else:
        absent = sum(
            1 for row in outcome.rows if row.saved and row.saved.status not in MarkStatus.attended()
        )
        messages.success(
            request,
            ngettext(
                "%(group)s, %(day)s: register saved, %(count)s child, %(absent)s absent.",
                "%(group)s, %(day)s: register saved, %(count)s children, %(absent)s absent.",
                len(outcome.rows),
            )
            % {"group": group.name, "day": when, "count": len(outcome.rows), "absent": absent},
        )
    if outcome.kept_newer:
        messages.info(
            request,
            ngettext(
                "%(count)s mark saved meanwhile by a colleague was kept.",
                "%(count)s marks saved meanwhile by a colleague were kept.",
                outcome.kept_newer,
            )
            % {"count": outcome.kept_newer},
        )
    if outcome.not_on_list:
        messages.warning(
            request,
            ngettext(
                "%(count)s child is no longer on this group's list for the day; "
                "their mark was not saved.",
                "%(count)s children are no longer on this group's list for the day; "
                "their marks were not saved.",
                outcome.not_on_list,
            )
            % {"count": outcome.not_on_list},
        )


@require_GET
@permission_required("attendance.view_register", raise_exception=True)
def register_history(request: HttpRequest, group_id: int, day: datetime.date) -> HttpResponse:
    """Who took this register, and every correction since."""
    group = get_group_for_user(request.user, group_id)
    check_register_day(group, day)
    saved = (
        Register.objects.taken()
        .filter(group=group, date=day)
        .select_related("created_by", "updated_by")
        .first()
    )
    changes = []
    if saved is not None:
        labels = {
            ChangedField.STATUS: dict(MarkStatus.choices),
            ChangedField.REASON: dict(AbsenceReason.choices),
            ChangedField.NO_SESSION_REASON: dict(NoSessionReason.choices),
            ChangedField.ACTIVITIES: dict(Activity.choices),
        }
        for change in saved.changes.select_related("child", "changed_by"):
            names = labels.get(change.field, {})
            change.before = _shown_value(change.old_value, names)
            change.after = _shown_value(change.new_value, names)
            changes.append(change)
    return render(
        request,
        "attendance/register_history.html",
        {"group": group, "day": day, "register": saved, "changes": changes},
    )


def _shown_value(value: str, labels: dict) -> str:
    if not value:
        return "—"
    return ", ".join(str(labels.get(part, part)) for part in value.split(",")) if labels else value


# --- Coordinators' overview ------------------------------------------------------


@require_GET
@permission_required("attendance.oversee_registers", raise_exception=True)
def missing_registers(request: HttpRequest) -> HttpResponse:
    """Per site and day, the groups that met (or should have) without a register."""
    today = _today()
    sites = list(visible_sites(request.user).filter(is_active=True))
    data = request.GET.copy() if request.GET else {}
    data.setdefault("start", (today - datetime.timedelta(days=EDIT_WINDOW_DAYS)).isoformat())
    data.setdefault("end", today.isoformat())
    form = MissingRegistersForm(data, sites=sites)
    report = []
    if form.is_valid():
        start, end = form.cleaned_data["start"], min(form.cleaned_data["end"], today)
        chosen = [s for s in sites if form.cleaned_data["site"] in (None, s.pk)]
        report = _missing_report(chosen, start, end)
    chosen_site = form.cleaned_data.get("site") if form.is_valid() else None
    return render(
        request,
        "attendance/missing.html",
        {
            "form": form,
            "report": report,
            "today": today,
            "site_options": [(site.pk, site.name, site.pk == chosen_site) for site in sites],
        },
    )


def _missing_report(sites, start: datetime.date, end: datetime.date) -> list[dict]:
    groups = list(
        Group.objects.filter(
            site__in=sites, school_year__starts_on__lte=end, school_year__ends_on__gte=start
        )
        .select_related("site", "school_year")
        .order_by("site__name", "name")
    )
    taken = set(
        Register.objects.taken()
        .filter(group__in=groups, date__range=(start, end))
        .values_list("group_id", "date")
    )
    enrolled = _enrolled_days(groups, start, end)
    by_site: dict[int, dict[datetime.date, list]] = defaultdict(lambda: defaultdict(list))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for group in groups:
        day = max(start, group.school_year.starts_on)
        last = min(end, group.school_year.ends_on)
        while day <= last:
            if day.isoweekday() in group.meeting_days and day in enrolled[group.pk]:
                counts[group.site_id][1] += 1
                if (group.pk, day) in taken:
                    counts[group.site_id][0] += 1
                else:
                    by_site[group.site_id][day].append(group)
            day += datetime.timedelta(days=1)
    return [
        {
            "site": site,
            "taken": counts[site.pk][0],
            "expected": counts[site.pk][1],
            "days": sorted(by_site[site.pk].items(), reverse=True),
        }
        for site in sites
    ]


# --- School absences ---------------------------------------------------------------


def _month_children(group: Group, month: datetime.date) -> list[dict]:
    """Children in the group at any time during the month, alphabetically."""
    last = month_end(month)
    children = {}
    for values in (
        Enrollment.objects.filter(group=group, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=month))
        .values("child_id", "child__given_names", "child__family_name")
    ):
        children[values["child_id"]] = {
            "child_id": values["child_id"],
            "name": f"{values['child__family_name']} {values['child__given_names']}",
            "sort": (fold(values["child__family_name"]), fold(values["child__given_names"])),
        }
    return sorted(children.values(), key=lambda row: row["sort"])


@require_http_methods(["GET", "POST"])
@permission_required("attendance.view_schoolabsence", raise_exception=True)
def school_absences(request: HttpRequest, group_id: int, month: datetime.date) -> HttpResponse:
    """A group's grid for one month. Each row carries what the page showed; a row
    someone changed meanwhile stops the save (nothing is written) and shows the
    newer figures, as the register does. Rows the page did not send are left
    as they are."""
    group = get_group_for_user(request.user, group_id)
    year = group.school_year
    today = _today()
    if not year.starts_on.replace(day=1) <= month <= year.ends_on:
        raise Http404
    if month > today:
        messages.error(request, _("School absences are entered after the month has begun."))
        return redirect("home")
    access = school_absence_write_access(request.user, group)
    rows = _month_children(group, month)
    saved = {
        absence.child_id: absence
        for absence in SchoolAbsence.objects.filter(
            child_id__in=[row["child_id"] for row in rows], month=month
        )
    }
    for row in rows:
        absence = saved.get(row["child_id"])
        row["excused"] = absence.excused_hours if absence else ""
        row["unexcused"] = absence.unexcused_hours if absence else ""
        row["was"] = _absence_token(absence)
        row["errors"] = []
    if request.method == "POST":
        if not access.allowed:
            messages.error(request, access.why_not)
            return redirect(request.path)
        if _save_school_absences(request, month, rows, saved):
            return redirect(request.path)
    previous_month, next_month = add_months(month, -1), add_months(month, 1)
    return render(
        request,
        "attendance/school_absences.html",
        {
            "group": group,
            "month": month,
            "rows": rows,
            "access": access,
            "max_hours": MAX_SCHOOL_HOURS_PER_MONTH,
            "previous_month": previous_month
            if previous_month >= year.starts_on.replace(day=1)
            else None,
            "next_month": next_month if next_month <= min(today, year.ends_on) else None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _absence_token(absence: SchoolAbsence | None) -> str:
    return f"{absence.excused_hours}:{absence.unexcused_hours}" if absence else ""


def _save_school_absences(request, month, rows, saved) -> bool:
    """Validate every row sent and save them all, or none; True when saved."""
    data = request.POST
    sent = [
        row
        for row in rows
        if f"a{row['child_id']}-excused" in data or f"a{row['child_id']}-unexcused" in data
    ]
    forms_by_child = {
        row["child_id"]: SchoolAbsenceForm(data, prefix=f"a{row['child_id']}") for row in sent
    }
    # Every form validates, so that every row's errors show at once.
    valid = [form.is_valid() for form in forms_by_child.values()]
    changed_meanwhile = False
    for row in sent:
        child_id = row["child_id"]
        form = forms_by_child[child_id]
        current = saved.get(child_id)
        if data.get(f"a{child_id}-was", "") != row["was"] and form.is_valid():
            entry = form.entry(child_id)
            if _absence_token(current) != (
                f"{entry.excused_hours}:{entry.unexcused_hours}"
                if entry.excused_hours is not None
                else ""
            ):
                changed_meanwhile = True
                row["errors"] = [
                    _(
                        "Changed by a colleague since you opened the page: the figures "
                        "shown are theirs. Check them and save again."
                    )
                ]
                continue  # the newer figures stay on the page
        row["excused"] = data.get(f"a{child_id}-excused", "")
        row["unexcused"] = data.get(f"a{child_id}-unexcused", "")
        row["errors"] = [m for errors in form.errors.values() for m in errors]
    if all(valid) and not changed_meanwhile:
        stored, _removed = school_absences_save(
            month=month,
            entries=[form.entry(child_id) for child_id, form in forms_by_child.items()],
            user=request.user,
        )
        messages.success(
            request,
            _("School absences for %(month)s saved for %(count)s children.")
            % {"month": month.strftime("%m.%Y"), "count": stored},
        )
        return True
    messages.error(request, _("Nothing was saved. Correct the highlighted rows."))
    return False


# --- A child's attendance ------------------------------------------------------------


@require_GET
@permission_required("attendance.view_mark", raise_exception=True)
def child_attendance(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_child_for_user(request.user, child_id)
    today = _today()
    month = _month_param(request.GET.get("month"), today)
    attendance = child_attendance_figures(child, today=today, since=month)
    summary, year = attendance.summary, attendance.school_year
    absences = list(
        SchoolAbsence.objects.filter(
            child=child,
            month__gte=attendance.year_starts_on,
            month__lte=year.ends_on if year else today,
        ).order_by("month")
    )
    return render(
        request,
        "attendance/child.html",
        {
            "child": child,
            "summary": summary,
            "year": year,
            "month": month,
            "weeks": month_calendar(month, attendance.marks),
            "previous_month": add_months(month, -1)
            if add_months(month, -1).year >= EARLIEST_YEAR
            else None,
            "next_month": add_months(month, 1) if add_months(month, 1) <= today else None,
            "absences": absences,
            "weekday_names": [WEEKDAYS_ABBR[day] for day in range(7)],
            "absent_lately": summary.consecutive_absences >= ABSENCE_RUN_WARNING,
            "legend": legend(),
        },
    )


# No register is older than the foundation's first program (2008).
EARLIEST_YEAR = 2008


def _month_param(value: str | None, today: datetime.date) -> datetime.date:
    try:
        month = datetime.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        month = None
    if month is None or month > today or month.year < EARLIEST_YEAR:
        return today.replace(day=1)
    return month
