"""The dashboards' charts and tables, laid out in Python for templates to display.

Charts are inline SVG drawn on the server: no JavaScript, nothing the Content
Security Policy would refuse (colours are SVG ``fill``/``stroke`` attributes,
sizes the ``viewBox``; CSS scales the drawing to the screen). Each chart is
followed on the page by a ``Table`` holding the same numbers, for screen readers
and print.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from inocenti.dashboards import EXIT_STATUSES, Dashboard, Figures
from inocenti.risk import RiskLevel
from programs.models import EnrollmentStatus

# A narrow drawing, so that its text stays legible once scaled to a phone.
WIDTH = 480
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 30
FONT = 12
# At most this many labels under the columns; the others are left out.
MAX_X_LABELS = 8

PRIMARY = "#1d5c8c"
EXIT_COLOURS = {
    EnrollmentStatus.COMPLETED: "#198754",
    EnrollmentStatus.WITHDRAWN: "#fd7e14",
    EnrollmentStatus.TRANSFERRED: "#6c757d",
    EnrollmentStatus.DROPPED_OUT: "#dc3545",
}
RISK_COLOURS = {"none": "#198754", "watch": "#ffc107", "at_risk": "#fd7e14", "high": "#dc3545"}
EXCUSED, UNEXCUSED = "#6c9bc4", "#c0392b"
# One colour per site on the history's lines (repeated after ten sites).
SITE_COLOURS = (
    "#1d5c8c", "#c0392b", "#198754", "#fd7e14", "#6f42c1",
    "#20c997", "#6c757d", "#d63384", "#0dcaf0", "#856404",
)  # fmt: skip


def risk_labels() -> dict[str, str]:
    return {level: str(label) for level, label in RiskLevel.choices}


def exit_labels() -> dict[str, str]:
    return {status: str(EnrollmentStatus(status).label) for status in EXIT_STATUSES}


# --- Geometry -----------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: Sequence[float | int | None]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str  # read out on hover and by some screen readers

    def __post_init__(self):
        # A tenth of a unit is finer than any screen; shorter numbers, lighter page.
        for name in ("x", "y", "width", "height"):
            object.__setattr__(self, name, round(getattr(self, name), 1))


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"

    def __post_init__(self):
        object.__setattr__(self, "x", round(self.x, 1))
        object.__setattr__(self, "y", round(self.y, 1))


@dataclass(frozen=True)
class GridLine:
    y: float
    label: str

    def __post_init__(self):
        object.__setattr__(self, "y", round(self.y, 1))


@dataclass(frozen=True)
class Line:
    points: str
    colour: str
    dots: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class LegendItem:
    name: str
    colour: str


@dataclass
class Chart:
    title: str
    height: int
    width: int = WIDTH
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    grid: list[GridLine] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    empty: bool = False

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _scale_max(values: Sequence[float], fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    top = max(values, default=0)
    if top <= 0:
        return 1
    # A round top for the axis: 1, 2 or 5 times a power of ten.
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return step * magnitude
    return top


def _grid(top: float, plot_height: float, unit: str) -> list[GridLine]:
    return [
        GridLine(TOP + plot_height * (1 - share), f"{_number(top * share)}{unit}")
        for share in (0, 0.25, 0.5, 0.75, 1)
    ]


def column_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    maximum: float | None = None,
    unit: str = "",
) -> Chart:
    """Vertical columns, one per label, the series stacked in each."""
    chart = Chart(title=title, height=HEIGHT, legend=_legend(series))
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    chart.empty = not any(totals)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _scale_max(totals, maximum)
    chart.grid = _grid(top, plot_height, unit)
    slot = plot_width / max(len(labels), 1)
    gap = min(slot * 0.2, 6)
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    for i, label in enumerate(labels):
        x = LEFT + i * slot
        base = TOP + plot_height
        for s in series:
            value = s.values[i]
            if not value:
                continue
            height = plot_height * min(value, top) / top
            base -= height
            chart.rects.append(
                Rect(x + gap / 2, base, slot - gap, height, s.colour, _tip(label, s, value, unit))
            )
        if i % every == 0:
            chart.texts.append(Text(x + slot / 2, HEIGHT - BOTTOM + FONT + 4, label))
    return chart


def bar_rows_chart(
    title: str, rows: Sequence[str], series: Sequence[Series], *, unit: str = ""
) -> Chart:
    """Horizontal bars, one per row, the series stacked along it; each row's
    label above its bar, so long site names fit a phone."""
    row_height = 40
    chart = Chart(title=title, height=TOP + row_height * max(len(rows), 1), legend=_legend(series))
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(rows))]
    chart.empty = not any(totals)
    top = _scale_max(totals, None)
    plot_width = WIDTH - 8 - RIGHT - 60
    for i, label in enumerate(rows):
        y = TOP + i * row_height
        chart.texts.append(Text(8, y + FONT, label, anchor="start"))
        x = 8
        for s in series:
            value = s.values[i]
            if not value:
                continue
            width = plot_width * value / top
            chart.rects.append(Rect(x, y + 16, width, 18, s.colour, _tip(label, s, value, unit)))
            x += width
        chart.texts.append(Text(x + 4, y + 30, f"{_number(totals[i])}{unit}", anchor="start"))
    return chart


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> Chart:
    chart = Chart(title=title, height=HEIGHT, legend=_legend(series))
    values = [v for s in series for v in s.values if v is not None]
    chart.empty = not any(values)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _scale_max(values, None)
    chart.grid = _grid(top, plot_height, "")
    step = plot_width / max(len(labels) - 1, 1)
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            chart.texts.append(Text(LEFT + i * step, HEIGHT - BOTTOM + FONT + 4, label))
    for s in series:
        points = [
            (round(LEFT + i * step, 1), round(TOP + plot_height * (1 - v / top), 1), label, v)
            for i, (v, label) in enumerate(zip(s.values, labels, strict=True))
            if v is not None
        ]
        chart.lines.append(
            Line(
                points=" ".join(f"{x},{y}" for x, y, _label, _v in points),
                colour=s.colour,
                dots=tuple((x, y, _tip(label, s, v, "")) for x, y, label, v in points),
            )
        )
    return chart


def _tip(label: str, series: Series, value, unit: str) -> str:
    return f"{label} · {series.name}: {_number(value)}{unit}"


def _legend(series: Sequence[Series]) -> list[LegendItem]:
    return [LegendItem(s.name, s.colour) for s in series] if len(series) > 1 else []


# --- Tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: object  # a number, text, or None for "no data"
    suffix: str = ""
    highlight: bool = False


@dataclass
class Table:
    caption: str
    headers: list[str]  # the first names the row headings
    rows: list[tuple[str, list[Cell]]]
    testid: str = ""


@dataclass
class Panel:
    """A chart and its table, under one heading."""

    heading: str
    chart: Chart | None
    table: Table
    testid: str


def _percent(rate) -> Cell:
    return Cell(rate.percent, " %" if rate.percent is not None else "")


def _week_label(monday: datetime.date) -> str:
    return _("W%(week)s") % {"week": monday.isocalendar().week}


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "M Y")


# --- The dashboard's panels -----------------------------------------------------------


def panels(dashboard: Dashboard) -> dict[str, Panel]:
    """Every chart of ``dashboard`` with its table, by name."""
    result = {
        "attendance_weekly": _attendance_weekly(dashboard),
        "attendance_monthly": _attendance_monthly(dashboard),
        "school_absences": _school_absences(dashboard),
        "exits": _exits(dashboard),
        "risk": _risk(dashboard),
    }
    if dashboard.history:
        result["history"] = _history(dashboard)
    return result


def _attendance_weekly(dashboard: Dashboard) -> Panel:
    weeks = list(dashboard.weekly)
    labels = [_week_label(week) for week in weeks]
    heading = _("Program attendance by week")
    chart = column_chart(
        heading,
        labels,
        [Series(_("Attendance"), PRIMARY, [r.percent for r in dashboard.weekly.values()])],
        maximum=100,
        unit=" %",
    )
    table = Table(
        caption=heading,
        headers=[_("Week"), _("Attendance"), _("Sessions"), _("Marks")],
        rows=[
            (
                _("%(week)s, from %(monday)s")
                % {"week": label, "monday": formats.date_format(week, "SHORT_DATE_FORMAT")},
                [_percent(rate), Cell(rate.sessions), Cell(rate.marked)],
            )
            for week, label, rate in zip(weeks, labels, dashboard.weekly.values(), strict=True)
        ],
        testid="attendance-weekly-table",
    )
    return Panel(heading, chart, table, "attendance-weekly")


def _attendance_monthly(dashboard: Dashboard) -> Panel:
    months = list(dashboard.monthly)
    labels = [_month_label(month) for month in months]
    heading = _("Program attendance by month")
    chart = column_chart(
        heading,
        labels,
        [Series(_("Attendance"), PRIMARY, [r.percent for r in dashboard.monthly.values()])],
        maximum=100,
        unit=" %",
    )
    if dashboard.several_sites:
        # The sites side by side: one column each, the total last.
        headers = [_("Month")] + [site.name for site in dashboard.sites] + [_("All sites")]
        rows = [
            (
                label,
                [_percent(dashboard.monthly_by_site[site.pk][month]) for site in dashboard.sites]
                + [_percent(dashboard.monthly[month])],
            )
            for month, label in zip(months, labels, strict=True)
        ]
    else:
        headers = [_("Month"), _("Attendance"), _("Sessions"), _("Marks")]
        rows = [
            (label, [_percent(rate), Cell(rate.sessions), Cell(rate.marked)])
            for label, rate in zip(labels, dashboard.monthly.values(), strict=True)
        ]
    table = Table(heading, headers, rows, testid="attendance-monthly-table")
    return Panel(heading, chart, table, "attendance-monthly")


def _school_absences(dashboard: Dashboard) -> Panel:
    months = list(dashboard.absences_by_month)
    labels = [_month_label(month) for month in months]
    values = list(dashboard.absences_by_month.values())
    heading = _("School absences by month (class hours)")
    chart = column_chart(
        heading,
        labels,
        [
            Series(_("Unexcused"), UNEXCUSED, [a.unexcused for a in values]),
            Series(_("Excused"), EXCUSED, [a.excused for a in values]),
        ],
    )
    if dashboard.several_sites:
        heading_table = _("School absences by month: class hours (of which unexcused)")
        headers = [_("Month")] + [site.name for site in dashboard.sites] + [_("All sites")]
        rows = [
            (
                label,
                [
                    Cell(_hours(dashboard.absences_by_month_by_site[site.pk][month]))
                    for site in dashboard.sites
                ]
                + [Cell(_hours(dashboard.absences_by_month[month]))],
            )
            for month, label in zip(months, labels, strict=True)
        ]
    else:
        heading_table = heading
        headers = [_("Month"), _("Unexcused"), _("Excused"), _("Children reported")]
        rows = [
            (label, [Cell(a.unexcused), Cell(a.excused), Cell(a.children)])
            for label, a in zip(labels, values, strict=True)
        ]
    table = Table(heading_table, headers, rows, "school-absences-table")
    return Panel(heading, chart, table, "absences")


def _hours(absences) -> str:
    """ "12 (3)": all hours, and the unexcused among them."""
    return f"{_number(absences.total)} ({_number(absences.unexcused)})"


def _exits(dashboard: Dashboard) -> Panel:
    labels = exit_labels()
    owners: list[Figures] = dashboard.by_site + (
        [dashboard.total] if dashboard.several_sites else []
    )
    names = [f.site.name if f.site else _("All sites") for f in owners]
    heading = _("Exits by reason")
    chart = bar_rows_chart(
        heading,
        names,
        [
            Series(labels[status], EXIT_COLOURS[status], [f.exits[status] for f in owners])
            for status in EXIT_STATUSES
        ],
    )
    table = Table(
        caption=heading,
        headers=[_("Reason"), *names],
        rows=[
            (
                labels[status],
                [
                    Cell(f.exits[status], highlight=status == EnrollmentStatus.DROPPED_OUT)
                    for f in owners
                ],
            )
            for status in EXIT_STATUSES
        ]
        + [(_("Total"), [Cell(f.exits_total) for f in owners])],
        testid="exits-table",
    )
    return Panel(heading, chart, table, "exits")


def _risk(dashboard: Dashboard) -> Panel:
    labels = risk_labels()
    heading = _("Children by risk level")
    caption = _("Children by risk level on %(day)s") % {
        "day": formats.date_format(dashboard.as_of, "SHORT_DATE_FORMAT")
    }
    levels = RiskLevel.values
    chart = bar_rows_chart(
        caption,
        [labels[level] for level in levels],
        [
            Series(
                labels[level],
                RISK_COLOURS[level],
                [dashboard.risk_levels[level] if other == level else 0 for other in levels],
            )
            for level in levels
        ],
    )
    chart.legend = []
    table = Table(
        caption=caption,
        headers=[_("Risk level"), _("Children")],
        rows=[
            (labels[level], [Cell(dashboard.risk_levels[level], highlight=level == "high")])
            for level in levels
        ],
        testid="risk-table",
    )
    return Panel(heading, chart, table, "risk")


def _history(dashboard: Dashboard) -> Panel:
    heading = _("Children reached since the program began")
    years = [row.label for row in dashboard.history[0].years]
    names = [h.site.name if h.site else _("All sites") for h in dashboard.history]
    chart = line_chart(
        heading,
        years,
        [
            Series(name, SITE_COLOURS[i % len(SITE_COLOURS)], [r.cumulative for r in h.years])
            for i, (name, h) in enumerate(zip(names, dashboard.history, strict=True))
        ],
    )
    table = Table(
        caption=_("Children reached since the program began (cumulative; new that year)"),
        headers=[_("School year"), *names],
        rows=[
            (
                year,
                [
                    Cell(
                        _("%(total)s (+%(new)s)")
                        % {
                            "total": _number(h.years[i].cumulative),
                            "new": _number(h.years[i].new),
                        }
                    )
                    for h in dashboard.history
                ],
            )
            for i, year in enumerate(years)
        ],
        testid="history-table",
    )
    return Panel(heading, chart, table, "history")


def summary_table(dashboard: Dashboard) -> Table:
    """The period's figures, one column per site and the total last."""
    owners: list[Figures] = dashboard.by_site + (
        [dashboard.total] if dashboard.several_sites else []
    )
    names = [f.site.name if f.site else _("All sites") for f in owners]

    def row(label: str, value, **cell) -> tuple[str, list[Cell]]:
        return label, [Cell(value(f), **cell) for f in owners]

    return Table(
        caption=_("Figures of the period"),
        headers=[_("Figure"), *names],
        rows=[
            row(_("Active children"), lambda f: f.active_children),
            row(_("New enrollments"), lambda f: f.new_enrollments),
            row(_("Exits"), lambda f: f.exits_total),
            row(_("Dropped out of school"), lambda f: f.dropouts, highlight=True),
            (_("Program attendance"), [_percent(f.attendance) for f in owners]),
            row(_("School absences (class hours)"), lambda f: f.school_absences.total),
            row(
                _("Unexcused school absences (class hours)"),
                lambda f: f.school_absences.unexcused,
            ),
            row(_("Counseling sessions"), lambda f: f.counseling_sessions),
            row(_("Children counselled"), lambda f: f.children_counselled),
            row(_("Parent meetings"), lambda f: f.parent_meetings),
            row(_("Parents' attendances at meetings"), lambda f: f.meeting_attendances),
            row(_("Parents who came"), lambda f: f.guardians_reached),
            row(_("Support given"), lambda f: f.support_count),
            row(_("Support given (RON)"), lambda f: f.support_ron.quantize(Decimal("0.01"))),
            row(_("Mentoring hours"), lambda f: f.mentoring_hours),
            row(_("Registers not taken"), lambda f: f.registers_missing),
        ],
        testid="summary-table",
    )
