from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from attendance.views import today_context
from children.models import Child, ChildStatus, CounselingSession, FollowUp, MentoringSession
from inocenti.child_page import child_story
from inocenti.forms import PasswordChangeForm
from programs.access import get_for_user, visible_sites
from programs.models import AccessAction, Enrollment, Role
from programs.services import access_log_record

# Each role's home. Placeholders say on the page which feature will fill them.
HOME_TEMPLATES = {
    Role.SOCIAL_WORKER: "home/social_worker.html",
    Role.PSYCHOLOGIST: "home/psychologist.html",
    Role.COORDINATOR: "home/coordinator.html",
    Role.DIRECTOR: "home/director.html",
    Role.VOLUNTEER: "home/volunteer.html",
}


# The nearest tasks; the rest wait their turn (or the admin's list).
FOLLOW_UPS_ON_HOME = 20


@require_GET
def home(request):
    user = request.user
    template = HOME_TEMPLATES.get(user.role)
    if template is None:
        # A superuser without a role works in the admin.
        return redirect("admin:index")
    sites = visible_sites(user)
    context = {"sites": sites}
    if user.role == Role.COORDINATOR:
        context["sites"] = _with_counts(sites)
    if user.has_perm("children.view_followup"):
        tasks = list(
            FollowUp.objects.for_user(user)
            .open()
            .filter(assignee=user)
            .select_related("child", "family")[:FOLLOW_UPS_ON_HOME]
        )
        for task in tasks:
            task.overdue = task.due_on < timezone.localdate()
        context["my_follow_ups"] = tasks
    if user.role == Role.SOCIAL_WORKER:
        context.update(today_context(user))
    if user.role == Role.VOLUNTEER:
        context["mentored"] = list(
            Child.objects.for_user(user).select_related("site").order_by("family_name")
        )
        context["recent_mentoring"] = (
            MentoringSession.objects.filter(volunteer=user, child__in=context["mentored"])
            .select_related("child")
            .order_by("-date", "-pk")[:10]
        )
    if user.role == Role.PSYCHOLOGIST:
        context["recent_sessions"] = (
            CounselingSession.objects.for_user(user)
            .select_related("psychologist", "site")
            .prefetch_related("children")
            .order_by("-date", "-pk")[:10]
        )
    return render(request, template, context)


def _with_counts(sites):
    """Each site with its active children and open enrollments, in one query."""
    active_children = (
        Child.objects.filter(site=OuterRef("pk"), status=ChildStatus.ACTIVE)
        .values("site")
        .annotate(n=Count("pk"))
        .values("n")
    )
    open_enrollments = (
        Enrollment.objects.current()
        .filter(site=OuterRef("pk"))
        .values("site")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return sites.annotate(
        active_children=Coalesce(Subquery(active_children), 0),
        open_enrollments=Coalesce(Subquery(open_enrollments), 0),
    )


@require_GET
@permission_required("children.view_child", raise_exception=True)
def child_page(request, child_id: int):
    """One child's whole story, for the parts the user's role may see."""
    child = get_for_user(
        Child.objects.select_related("site", "family", "school_site").with_consent(),
        request.user,
        pk=child_id,
    )
    story = child_story(request.user, child, today=timezone.localdate())
    access_log_record(
        user=request.user, action=AccessAction.VIEW_CHILD, site=child.site, child_ids=[child.pk]
    )
    return render(request, "inocenti/child.html", {"story": story, "child": child})


@login_not_required
@transaction.non_atomic_requests
@never_cache
@require_GET
def health(request):
    """200 when the database answers, 503 when it does not; nothing else is said."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class LogoutView(auth_views.LogoutView):
    """Logs out and says so, which matters on a phone shared by the team."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have logged out."))
        return response
