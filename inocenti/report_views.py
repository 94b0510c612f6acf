"""Funder reports: the list of projects, a project's report, and its downloads.

The figures come from ``inocenti.funder_reports``; these views only choose the
project (among those with a site the user sees), the period and the format.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inocenti.funder_reports import RATE, RON, Cell, FunderReport, funder_report
from inocenti.report_forms import report_period
from programs.access import visible_sites
from programs.models import FundedProject

PERMISSION = "inocenti.view_funder_report"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _projects(user):
    """The projects with at least one site ``user`` sees, each with those sites."""
    sites = visible_sites(user)
    return (
        FundedProject.objects.filter(sites__in=sites)
        .distinct()
        .select_related("funder")
        .prefetch_related(Prefetch("sites", queryset=sites, to_attr="visible_sites"))
    )


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def funder_report_list(request):
    projects = _projects(request.user).order_by("-starts_on", "funder__name", "name")
    return render(request, "reports/project_list.html", {"projects": projects})


def _report(request, pk: int) -> tuple[FunderReport, dict]:
    project = get_object_or_404(_projects(request.user), pk=pk)
    first, last, form, errors = report_period(
        request.GET, starts_on=project.starts_on, ends_on=project.ends_on
    )
    report = funder_report(project=project, first=first, last=last, sites=project.visible_sites)
    return report, {"form": form, "errors": errors, "first": first, "last": last}


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def funder_report_page(request, pk: int):
    report, context = _report(request, pk)
    project_sites = report.project.sites.count()
    query = f"?from={report.first:%Y-%m-%d}&to={report.last:%Y-%m-%d}" if report.first else ""
    context |= {
        "report": report,
        "project": report.project,
        "sections": report.sections(),
        "partial": len(report.site_names) < project_sites,
        "project_sites": project_sites,
        "download_query": query,
        "now": timezone.localtime(),
    }
    return render(request, "reports/funder_report.html", context)


def _filename(report: FunderReport, extension: str) -> str:
    """ASCII only (``slugify`` drops the diacritics): every browser and mail
    client keeps it as it is."""
    name = slugify(report.project.name)[:60].strip("-") or f"proiect-{report.project.pk}"
    period = f"{report.first:%Y-%m-%d}_{report.last:%Y-%m-%d}" if report.first else "fara-perioada"
    return f"raport-{name}-{period}.{extension}"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _heading(report: FunderReport) -> list[list[str]]:
    """What the file is about; the project, never a person."""
    project = report.project
    period = f"{report.first:%d.%m.%Y}–{report.last:%d.%m.%Y}" if report.first else _("no period")
    return [
        [_("Funder"), project.funder.name],
        [_("Project"), project.name],
        [_("Contract or grant number"), project.reference],
        [_("Period reported"), period],
        [_("Sites"), ", ".join(report.site_names)],
        [_("Programs"), ", ".join(report.program_names) or _("All programs")],
    ]


# A spreadsheet runs a cell that starts with one of these as a formula; names
# typed by users (projects, sites, funders) must stay text (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    """``value``, and a text that a spreadsheet would run as a formula quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if cell.kind == RON:
        return formats.number_format(cell.value, decimal_pos=2)
    if cell.kind == RATE:
        return formats.number_format(cell.value, decimal_pos=1)
    return _inert(str(cell.value))


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def funder_report_csv(request, pk: int):
    report, _context = _report(request, pk)
    out = io.StringIO()
    # Semicolons: Excel with Romanian regional settings (decimal comma) splits
    # CSV columns on ";", and opens a comma-separated file as one column. The
    # decimals follow the page's language, as Excel expects them.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([_inert(str(label)), _inert(str(value))] for label, value in _heading(report))
    for section in report.sections():
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.columns)
        for row in section.rows:
            writer.writerow([_inert(row.label), *(_text(cell) for cell in row.cells)])
        if section.note:
            writer.writerow([section.note])
    # The byte order mark makes Excel on Windows read the file as UTF-8.
    content = "\ufeff" + out.getvalue()
    return _download(content.encode("utf-8"), "text/csv; charset=utf-8", _filename(report, "csv"))


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def funder_report_xlsx(request, pk: int):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    report, _context = _report(request, pk)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Report")[:31]  # Excel allows 31 characters
    bold = Font(bold=True)
    for label, value in _heading(report):
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    for section in report.sections():
        sheet.append([])
        sheet.append([section.title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13)
        sheet.append(section.columns)
        for column in range(1, len(section.columns) + 1):
            sheet.cell(row=sheet.max_row, column=column).font = bold
        for row in section.rows:
            sheet.append([row.label, *(_xlsx_value(cell) for cell in row.cells)])
            for column, cell in enumerate(row.cells, start=2):
                target = sheet.cell(row=sheet.max_row, column=column)
                if cell.kind == RON:
                    target.number_format = "#,##0.00"
                elif cell.kind == RATE:
                    target.number_format = "0.0"
                if row.total:
                    target.font = bold
            if row.total:
                sheet.cell(row=sheet.max_row, column=1).font = bold
        if section.note:
            sheet.append([section.note])
    sheet.column_dimensions["A"].width = 55
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 22
    # openpyxl makes a formula of any text starting with "="; names typed by
    # users stay text.
    for cells in sheet.iter_rows():
        for target in cells:
            if target.data_type == "f":
                target.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return _download(out.getvalue(), XLSX_TYPE, _filename(report, "xlsx"))


def _xlsx_value(cell: Cell):
    """Numbers as numbers: openpyxl writes a Decimal (RON, rates) as a number
    cell, which its number format shows with its decimals."""
    return cell.value
