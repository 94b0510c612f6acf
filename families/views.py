"""Parent meetings: the list of the user's sites, and the form that records one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from families.forms import ParentMeetingForm
from families.models import ParentMeeting
from programs.access import get_for_user
from programs.forms import form_page, saved
from programs.services import record_save

PAGE_SIZE = 25


@require_GET
@permission_required("families.view_parentmeeting", raise_exception=True)
def parent_meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = (
        ParentMeeting.objects.for_user(request.user)
        .select_related("site", "facilitator")
        .prefetch_related("attendees")
        .order_by("-date", "-pk")
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "families/parent_meeting_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@permission_required("families.change_parentmeeting", raise_exception=True)
def parent_meeting_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        meeting = ParentMeeting(date=timezone.localdate(), facilitator=request.user)
    else:
        meeting = get_for_user(ParentMeeting.objects.all(), request.user, pk=pk)
    form = ParentMeetingForm(
        request.POST if request.method == "POST" else None,
        instance=meeting,
        user=request.user,
        today=timezone.localdate(),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda: record_save(record=form.save(commit=False), by=request.user, form=form)
        )
    ):
        messages.success(request, _("The parent meeting was saved."))
        return redirect("parent_meeting_list")
    return form_page(
        request,
        form,
        title=_("Parent meeting"),
        back_href=reverse("parent_meeting_list"),
        back_label=_("All parent meetings"),
    )
