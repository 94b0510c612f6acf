"""The psychologists' pages: their sessions, and the form that records one with
its confidential notes. Only psychologists use them (the notes are on the form);
coordinators keep the sessions, without the notes, in the administration pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from children.access import may_break_glass, may_read_confidential_notes
from children.forms import BreakGlassForm, CounselingSessionForm
from children.models import Child, ConfidentialNote, CounselingSession
from children.services import counseling_session_save
from programs.access import get_for_user
from programs.forms import form_page, saved
from programs.models import AccessAction
from programs.services import access_log_record

PAGE_SIZE = 25


def _require_psychologist(request: HttpRequest) -> None:
    if not (
        may_read_confidential_notes(request.user)
        and request.user.has_perm("children.change_counselingsession")
    ):
        raise PermissionDenied


@require_GET
def counseling_list(request: HttpRequest) -> HttpResponse:
    _require_psychologist(request)
    sessions = (
        CounselingSession.objects.for_user(request.user)
        .select_related("psychologist", "site")
        .prefetch_related("children")
        .order_by("-date", "-pk")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "children/counseling_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def counseling_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_psychologist(request)
    if pk is None:
        session = CounselingSession()
        initial = {"date": timezone.localdate(), "duration_minutes": 50}
        child_id = request.GET.get("child", "")
        if child_id.isascii() and child_id.isdigit():
            initial["children"] = [get_for_user(Child.objects.all(), request.user, pk=child_id)]
    else:
        session = get_for_user(
            CounselingSession.objects.select_related("confidential_note"), request.user, pk=pk
        )
        if session.psychologist_id != request.user.pk:
            # A psychologist's notes are theirs: colleagues read them, do not rewrite them.
            raise PermissionDenied
        initial = {}
        if request.method == "GET":
            access_log_record(
                user=request.user,
                action=AccessAction.VIEW_COUNSELING,
                site=session.site,
                child_ids=session.children.values_list("pk", flat=True),
                record=session,
            )
    form = CounselingSessionForm(
        request.POST if request.method == "POST" else None,
        instance=session,
        initial=initial,
        user=request.user,
        today=timezone.localdate(),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: counseling_session_save(
                session=form.save(commit=False),
                site_id=form.site_id,
                children=form.cleaned_data["children"],
                guardians=form.cleaned_data["guardians"],
                confidential_notes=form.cleaned_data["confidential_notes"],
                by=request.user,
            ),
        )
    ):
        messages.success(request, _("The counseling session was saved."))
        children = list(form.cleaned_data["children"])
        if len(children) == 1:
            return redirect("child", child_id=children[0].pk)
        return redirect("counseling_list")
    return form_page(
        request,
        form,
        title=_("Counseling session") if session.pk else _("New counseling session"),
        back_href=reverse("counseling_list"),
        back_label=_("All sessions"),
        testid="counseling-form",
    )


@require_http_methods(["GET", "POST"])
def counseling_break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    """Emergency access: a director reads a session's confidential notes after giving a reason.

    The reason is logged for each child of the session before the notes are
    shown, and the notes are shown on this answer only, never kept on a page
    the director could come back to.
    """
    if not may_break_glass(request.user):
        raise PermissionDenied
    session = get_for_user(
        CounselingSession.objects.select_related("psychologist", "site"), request.user, pk=pk
    )
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access_log_record(
            user=request.user,
            action=AccessAction.BREAK_GLASS,
            site=session.site,
            child_ids=session.children.values_list("pk", flat=True),
            record=session,
            reason=form.cleaned_data["reason"],
        )
        note = ConfidentialNote.objects.filter(session=session).first()
        context = {"session": session, "note": note, "children": session.children.all()}
        return render(request, "children/break_glass_notes.html", context)
    return render(request, "children/break_glass.html", {"form": form, "session": session})
