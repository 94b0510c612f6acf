"""The children at risk of a site: the early warning's list, with a follow-up one click away."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from children.models import Child, FollowUp
from inocenti.risk import RiskLevel, assess_children, enrolled_children, level_counts
from inocenti.services import follow_up_from_risk
from programs.access import get_for_user, get_site_for_user, visible_sites

PAGE_SIZE = 50
# What the list shows: from the chosen level up; "watch" shows every flagged child.
SHOWN_FROM = [RiskLevel.WATCH, RiskLevel.AT_RISK, RiskLevel.HIGH]


def _shown_from(params) -> RiskLevel:
    level = params.get("level")
    return RiskLevel(level) if level in (lv.value for lv in SHOWN_FROM) else RiskLevel.WATCH


def _list_url(site, params) -> str:
    """The list again, at the level and page the user was on."""
    query = {"level": _shown_from(params).value}
    page = params.get("page", "")
    if page.isascii() and page.isdigit():
        query["page"] = page
    return f"{reverse('children_at_risk', kwargs={'site_id': site.pk})}?{urlencode(query)}"


@require_GET
@permission_required("inocenti.view_children_at_risk", raise_exception=True)
def children_at_risk_index(request: HttpRequest) -> HttpResponse:
    """Straight to the list of a user's only site, else the choice of sites."""
    sites = list(visible_sites(request.user).filter(is_active=True))
    if len(sites) == 1:
        return redirect("children_at_risk", site_id=sites[0].pk)
    return render(request, "risk/index.html", {"sites": sites})


@require_GET
@permission_required("inocenti.view_children_at_risk", raise_exception=True)
def children_at_risk(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_site_for_user(request.user, site_id)
    today = timezone.localdate()
    shown_from = _shown_from(request.GET)
    assessed = assess_children(enrolled_children(sites=[site], as_of=today), as_of=today)
    counts = level_counts(assessed)
    flagged = [risk for risk in assessed if risk.level.rank >= shown_from.rank]
    page = Paginator(flagged, PAGE_SIZE).get_page(request.GET.get("page"))
    # The site's children with open tasks (at most its children; one query even
    # when the page is empty).
    open_tasks = {
        row["child_id"]: row
        for row in FollowUp.objects.open()
        .filter(child__site=site)
        .values("child_id")
        .annotate(count=Count("pk"), due=Min("due_on"))
    }
    rows = [(risk, open_tasks.get(risk.child.pk)) for risk in page.object_list]
    return render(
        request,
        "risk/children_at_risk.html",
        {
            "site": site,
            "today": today,
            "rows": rows,
            "page": page,
            "page_query": urlencode({"level": shown_from.value}),
            "shown_from": shown_from,
            "levels": SHOWN_FROM,
            "counts": [(RiskLevel(level), counts[level]) for level in reversed(RiskLevel.values)],
            "enrolled": len(assessed),
            "can_add_follow_up": request.user.has_perm("children.add_followup"),
        },
    )


@require_POST
@permission_required("inocenti.view_children_at_risk", raise_exception=True)
def risk_follow_up(request: HttpRequest, site_id: int, child_id: int) -> HttpResponse:
    """One click: a follow-up task for the user, due in a week, with the child's reasons."""
    if not request.user.has_perm("children.add_followup"):
        raise PermissionDenied
    site = get_site_for_user(request.user, site_id)
    child = get_for_user(
        Child.objects.filter(site=site).select_related("family"), request.user, pk=child_id
    )
    today = timezone.localdate()
    back = redirect(_list_url(site, request.POST))
    if FollowUp.objects.open().filter(child=child).exists():
        # A second click, or a colleague's: one open task is enough.
        messages.info(
            request,
            _("%(child)s already has an open follow-up task.") % {"child": child.full_name},
        )
        return back
    enrolled = enrolled_children(sites=[site], as_of=today).filter(pk=child.pk)
    risks = assess_children(enrolled, as_of=today)
    if not risks or risks[0].level == RiskLevel.NONE:
        messages.info(request, _("%(child)s is no longer flagged.") % {"child": child.full_name})
        return back
    risk = risks[0]
    task = follow_up_from_risk(risk=risk, by=request.user, today=today)
    messages.success(
        request,
        _("Follow-up task added for %(child)s, due on %(due)s; it is on your home page.")
        % {"child": child.full_name, "due": task.due_on.strftime("%d.%m.%Y")},
    )
    return back
