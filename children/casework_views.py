"""Staff pages for the team's records about a child: case notes, follow-up
tasks, school results, support given to the family, and the volunteers'
mentoring sessions. Each starts from the child's page (or the volunteer's
home) and returns there; the child is looked up among those the user may see,
so another site's child, or for a volunteer a child they do not mentor, is a
404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.access import hidden_sites_of
from children.forms import (
    CaseNoteForm,
    CommunityActivityForm,
    FollowUpDoneForm,
    FollowUpForm,
    MentoringSessionForm,
    SchoolResultForm,
    SupportGivenForm,
)
from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    FollowUp,
    MentoringSession,
    SchoolResult,
)
from children.services import follow_up_done
from families.models import SupportGiven
from programs.access import get_for_user
from programs.forms import form_page, saved
from programs.models import Role, SchoolYear
from programs.services import record_save

PAGE_SIZE = 25


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _form_page(request, form, *, title: str, child: Child) -> HttpResponse:
    return form_page(
        request,
        form,
        title=title,
        back_href=reverse("child", args=[child.pk]),
        back_label=f"{child.family_name} {child.given_names}",
    )


@require_http_methods(["GET", "POST"])
def case_note_edit(request: HttpRequest, child_id: int, pk: int | None = None) -> HttpResponse:
    child = get_for_user(Child.objects.select_related("family"), request.user, pk=child_id)
    if pk is None:
        _require(request, "children.add_casenote")
        note = CaseNote(child=child, site_id=child.site_id, date=timezone.localdate())
    else:
        _require(request, "children.change_casenote")
        note = get_for_user(CaseNote.objects.filter(child=child), request.user, pk=pk)
        if note.created_by_id != request.user.pk:
            # A note is its author's account of what happened.
            raise PermissionDenied
    form = CaseNoteForm(
        request.POST if request.method == "POST" else None,
        instance=note,
        today=timezone.localdate(),
        family=child.family,
    )
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        form.point_at(note, child)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, lambda: record_save(record=note, by=request.user))
    ):
        messages.success(request, _("The case note was saved."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("Case note"), child=child)


@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, child_id: int) -> HttpResponse:
    _require(request, "children.add_followup")
    child = get_for_user(Child.objects.select_related("site", "family"), request.user, pk=child_id)
    task = FollowUp(child=child, site_id=child.site_id, assignee=request.user)
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        instance=task,
        site=child.site,
        family=child.family,
    )
    if request.method == "POST" and form.is_valid():
        task = form.save(commit=False)
        form.point_at(task, child)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, lambda: record_save(record=task, by=request.user))
    ):
        messages.success(request, _("The follow-up task was saved."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("New follow-up task"), child=child)


@require_POST
def follow_up_mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "children.change_followup")
    tasks = FollowUp.objects.open()
    if request.user.role != Role.COORDINATOR:
        tasks = tasks.filter(assignee=request.user)  # coordinators close anyone's
    task = get_for_user(tasks, request.user, pk=pk)
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        follow_up_done(task=task, outcome=form.cleaned_data["outcome"], by=request.user)
        messages.success(request, _("Marked as done: %(task)s") % {"task": task.task})
    return redirect("home")


@require_http_methods(["GET", "POST"])
def school_result_edit(request: HttpRequest, child_id: int, pk: int | None = None) -> HttpResponse:
    child = get_for_user(Child.objects.all(), request.user, pk=child_id)
    if pk is None:
        _require(request, "children.add_schoolresult")
        result = SchoolResult(
            child=child, grade=child.grade, school_year=SchoolYear.objects.current()
        )
    else:
        _require(request, "children.change_schoolresult")
        result = get_for_user(SchoolResult.objects.filter(child=child), request.user, pk=pk)
    form = SchoolResultForm(request.POST if request.method == "POST" else None, instance=result)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, lambda: record_save(record=form.save(commit=False), by=request.user))
    ):
        messages.success(request, _("The school result was saved."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("School result"), child=child)


@require_http_methods(["GET", "POST"])
def support_edit(request: HttpRequest, child_id: int, pk: int | None = None) -> HttpResponse:
    child = get_for_user(Child.objects.select_related("site", "family"), request.user, pk=child_id)
    if child.family is None:
        messages.error(request, _("Record the child's family first: support is given to a family."))
        return redirect("child", child_id=child.pk)
    today = timezone.localdate()
    if pk is None:
        _require(request, "families.add_supportgiven")
        support = SupportGiven(family=child.family, date=today, given_by=request.user)
    else:
        _require(request, "families.change_supportgiven")
        support = get_for_user(
            SupportGiven.objects.filter(
                Q(child=child) | Q(child__isnull=True), family=child.family, given_by=request.user
            ),
            request.user,
            pk=pk,
        )
    form = SupportGivenForm(
        request.POST if request.method == "POST" else None,
        instance=support,
        site=child.site,
        today=today,
        initial={"for_this_child": support.pk is None or support.child_id == child.pk},
    )
    if request.method == "POST" and form.is_valid():
        support = form.save(commit=False)
        support.child = child if form.cleaned_data["for_this_child"] else None
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, lambda: record_save(record=support, by=request.user))
    ):
        messages.success(request, _("The support was recorded."))
        return redirect("child", child_id=child.pk)
    return _form_page(request, form, title=_("Support given"), child=child)


@require_http_methods(["GET", "POST"])
def mentoring_session_edit(
    request: HttpRequest, child_id: int, pk: int | None = None
) -> HttpResponse:
    """A volunteer records (or corrects) a session with a child they mentor;
    other children are a 404 for them."""
    _require(request, "children.add_mentoringsession")
    if request.user.role != Role.VOLUNTEER:
        raise PermissionDenied  # coordinators keep others' sessions in the admin
    child = get_for_user(Child.objects.all(), request.user, pk=child_id)
    today = timezone.localdate()
    if pk is None:
        session = MentoringSession(child=child, date=today, volunteer=request.user)
    else:
        session = get_for_user(
            MentoringSession.objects.filter(child=child, volunteer=request.user),
            request.user,
            pk=pk,
        )
    form = MentoringSessionForm(
        request.POST if request.method == "POST" else None, instance=session, today=today
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            lambda: record_save(record=form.save(commit=False), by=request.user),
        )
    ):
        messages.success(request, _("The mentoring session was saved."))
        return redirect("home")
    return _form_page(request, form, title=_("Mentoring session"), child=child)


@require_GET
@permission_required("children.view_communityactivity", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = (
        CommunityActivity.objects.for_user(request.user)
        .annotate(participants=Count("children", distinct=True))
        .prefetch_related("sites")
        .order_by("-date", "-pk")
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "children/activity_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@permission_required("children.change_communityactivity", raise_exception=True)
def activity_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        activity = CommunityActivity(date=timezone.localdate())
    else:
        activity = get_for_user(CommunityActivity.objects.all(), request.user, pk=pk)
        if hidden_sites_of(activity, request.user):
            raise PermissionDenied  # saving would drop the other sites' part
    form = CommunityActivityForm(
        request.POST if request.method == "POST" else None, instance=activity, user=request.user
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form, lambda: record_save(record=form.save(commit=False), by=request.user, form=form)
        )
    ):
        messages.success(request, _("The activity was saved."))
        return redirect("activity_list")
    return form_page(
        request,
        form,
        title=_("Outdoor or community activity"),
        back_href=reverse("activity_list"),
        back_label=_("All activities"),
    )
