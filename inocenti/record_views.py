"""Pages about a child's record itself: its history, who opened it, and its export."""

import json

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from children.models import Child
from inocenti.export import as_json, child_export
from inocenti.history import child_history
from programs.access import get_for_user
from programs.models import AccessAction, AccessLogEntry
from programs.services import access_log_record

PAGE_SIZE = 50


def _child(request, child_id: int, *, read_as: AccessAction | None = None) -> Child:
    """The child, if the user may see them; the reading logged as ``read_as``."""
    child = get_for_user(Child.objects.select_related("site"), request.user, pk=child_id)
    if read_as is not None:
        access_log_record(user=request.user, action=read_as, site=child.site, child_ids=[child.pk])
    return child


@require_GET
@permission_required("children.view_child_history", raise_exception=True)
def child_history_page(request, child_id: int):
    child = _child(request, child_id, read_as=AccessAction.VIEW_HISTORY)
    page = Paginator(child_history(child), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inocenti/child_history.html", {"child": child, "page": page})


@require_GET
@permission_required("programs.view_accesslogentry", raise_exception=True)
def child_access_log(request, child_id: int):
    child = _child(request, child_id)
    entries = AccessLogEntry.objects.filter(child_id=child.pk).select_related("user")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inocenti/child_access_log.html", {"child": child, "page": page})


@require_GET
@permission_required("children.export_child_data", raise_exception=True)
def child_export_page(request, child_id: int):
    child = _child(request, child_id, read_as=AccessAction.EXPORT)
    context = {
        "child": child,
        "sections": child_export(child, user=request.user),
        "now": timezone.now(),
    }
    return render(request, "inocenti/child_export.html", context)


@require_GET
@permission_required("children.export_child_data", raise_exception=True)
def child_export_json(request, child_id: int):
    child = _child(request, child_id, read_as=AccessAction.EXPORT)
    data = as_json(child, child_export(child, user=request.user))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    # The file is named by number: a name would end up in download folders' listings.
    filename = f"copil-{child.pk}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
