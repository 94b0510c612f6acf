"""The directors' dashboards: all the user's sites side by side, or one site."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from inocenti.dashboard_charts import panels, summary_table
from inocenti.dashboards import parse_period, quick_periods, site_dashboard
from programs.access import get_site_for_user, visible_sites
from programs.models import SchoolYear


@require_GET
@permission_required("inocenti.view_dashboard", raise_exception=True)
def dashboard_all(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, list(visible_sites(request.user).order_by("name")), site=None)


@require_GET
@permission_required("inocenti.view_dashboard", raise_exception=True)
def dashboard_site(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_site_for_user(request.user, site_id)
    return _dashboard(request, [site], site=site)


def _dashboard(request: HttpRequest, sites, *, site) -> HttpResponse:
    today = timezone.localdate()
    # A few dozen rows at most: the current year and the quick links from one query.
    years = list(SchoolYear.objects.order_by("-starts_on"))
    current = next((year for year in years if year.is_current), None)
    period, errors = parse_period(request.GET, today=today, current=current)
    dashboard = site_dashboard(sites=sites, first=period.first, last=period.last, today=today)
    quick = [
        (choice, "?" + urlencode({"from": choice.first, "to": choice.last}))
        for choice in quick_periods(today, years)
    ]
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "dashboard": dashboard,
            "site": site,
            "period": period,
            "errors": errors,
            "quick_periods": quick,
            "panels": panels(dashboard),
            "summary": summary_table(dashboard),
            "today": today,
        },
    )
