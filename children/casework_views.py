"""Staff pages for the team's records about a child: case notes and follow-up
tasks. Each starts from the child's page and returns to it; the child is
looked up among those the user may see (another site's is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from children.forms import CaseNoteForm, FollowUpDoneForm, FollowUpForm
from children.models import CaseNote, Child, FollowUp
from children.services import case_note_save, follow_up_done, follow_up_save
from programs.access import get_for_user


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _form_page(request, form, *, title: str, child: Child) -> HttpResponse:
    return render(
        request,
        "children/record_form.html",
        {"form": form, "title": title, "child": child},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def case_note_edit(request: HttpRequest, child_id: int, pk: int | None = None) -> HttpResponse:
    child = get_for_user(Child.objects.all(), request.user, pk=child_id)
    if pk is None:
        _require(request, "children.add_casenote")
        note = CaseNote(child=child, site_id=child.site_id, date=timezone.localdate())
    else:
        _require(request, "children.change_casenote")
        note = get_for_user(CaseNote.objects.filter(child=child), request.user, pk=pk)
        if note.created_by_id != request.user.pk:
            # A note is its author's account of what happened.
            raise PermissionDenied
    form = CaseNoteForm(request.POST or None, instance=note, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        case_note_save(note=form.save(commit=False), by=request.user)
        messages.success(request, _("The case note was saved."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("Case note"), child=child)


@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, child_id: int) -> HttpResponse:
    _require(request, "children.add_followup")
    child = get_for_user(Child.objects.select_related("site"), request.user, pk=child_id)
    task = FollowUp(child=child, site_id=child.site_id, assignee=request.user)
    form = FollowUpForm(request.POST or None, instance=task, site=child.site)
    if request.method == "POST" and form.is_valid():
        follow_up_save(task=form.save(commit=False), by=request.user)
        messages.success(request, _("The follow-up task was saved."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("New follow-up task"), child=child)


@require_POST
def follow_up_mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "children.change_followup")
    task = get_for_user(FollowUp.objects.open(), request.user, pk=pk)
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        follow_up_done(task=task, outcome=form.cleaned_data["outcome"], by=request.user)
        messages.success(request, _("Marked as done: %(task)s") % {"task": task.task})
    return redirect("home")
