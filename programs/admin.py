from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from programs.access import visible_sites
from programs.admin_site import (
    RECORDED,
    CurrentYearGroupFilter,
    RecordedByAdminMixin,
    SiteCountyFilter,
    SiteScopedAdmin,
    run_action_with_form,
)
from programs.forms import AccountChangeForm, AccountCreationForm
from programs.models import (
    AccessLogEntry,
    Enrollment,
    EnrollmentStatus,
    FundedProject,
    Funder,
    Group,
    Program,
    Role,
    SchoolYear,
    Site,
    User,
    Weekday,
    sees_every_site,
)
from programs.services import enrollments_end, enrollments_move


@admin.register(Site)
class SiteAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["name", "kind", "county", "locality", "program_started_on", "is_active"]
    list_filter = ["is_active", "kind", "county"]
    search_fields = ["name__fold_contains", "locality__fold_contains"]
    readonly_fields = RECORDED


# Programs and funded projects are the organisation's, not a site's: their site
# choices are not scoped, or saving would drop the sites an editor cannot see.
@admin.register(Program)
class ProgramAdmin(RecordedByAdminMixin, admin.ModelAdmin):
    list_display = ["name", "started_on"]
    search_fields = ["name__fold_contains"]
    autocomplete_fields = ["sites"]
    readonly_fields = RECORDED


class FundedProjectInline(admin.TabularInline):
    model = FundedProject
    fields = ["name", "starts_on", "ends_on"]
    extra = 0
    show_change_link = True


@admin.register(Funder)
class FunderAdmin(RecordedByAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "partner_since"]
    list_filter = ["kind"]
    search_fields = ["name__fold_contains"]
    inlines = [FundedProjectInline]
    readonly_fields = RECORDED


@admin.register(FundedProject)
class FundedProjectAdmin(RecordedByAdminMixin, admin.ModelAdmin):
    list_display = ["name", "funder", "starts_on", "ends_on"]
    list_filter = ["funder", ("sites", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["funder"]
    search_fields = ["name__fold_contains", "funder__name__fold_contains", "reference"]
    autocomplete_fields = ["funder", "sites", "programs"]
    date_hierarchy = "starts_on"
    readonly_fields = RECORDED


@admin.register(SchoolYear)
class SchoolYearAdmin(RecordedByAdminMixin, admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "is_current"]
    search_fields = ["name"]
    readonly_fields = RECORDED


@admin.register(Group)
class GroupAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["name", "site", "school_year", "meeting_days_display", "children_now"]
    list_filter = [
        "school_year__is_current",
        "school_year",
        ("site", admin.RelatedOnlyFieldListFilter),
        SiteCountyFilter,
    ]
    list_select_related = ["site", "school_year"]
    search_fields = ["name__fold_contains", "site__name__fold_contains"]
    autocomplete_fields = ["site", "school_year"]
    filter_horizontal = ["staff"]
    readonly_fields = RECORDED

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_enrollments=Count("enrollments", filter=Q(enrollments__ended_on__isnull=True))
            )
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            # Staff come from the sites the coordinator works at.
            staff = User.objects.filter(is_active=True).exclude(role=Role.VOLUNTEER)
            if not sees_every_site(request.user):
                staff = staff.filter(sites__in=visible_sites(request.user)).distinct()
            kwargs["queryset"] = staff
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "staff" in form.base_fields:
            # Keep staff the editor cannot pick (another site's), or saving drops them.
            field = form.base_fields["staff"]
            field.queryset = User.objects.filter(
                Q(pk__in=field.queryset.values("pk")) | Q(pk__in=obj.staff.values("pk"))
            )
        return form

    def get_readonly_fields(self, request, obj=None):
        # A group keeps its site: its enrollments and registers belong there.
        return [*RECORDED, "site"] if obj is not None else RECORDED

    @admin.display(description=_("meeting days"))
    def meeting_days_display(self, group: Group) -> str:
        return ", ".join(str(Weekday(day).label) for day in sorted(group.meeting_days))

    @admin.display(description=_("children now"), ordering="open_enrollments")
    def children_now(self, group: Group) -> int:
        return group.open_enrollments


class EndEnrollmentsForm(forms.Form):
    ended_on = forms.DateField(
        label=_("End date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = forms.ChoiceField(label=_("Exit status"), choices=EnrollmentStatus.exits)
    reason = forms.CharField(label=_("Exit reason"), widget=forms.Textarea, required=False)


class MoveToGroupForm(forms.Form):
    group = forms.ModelChoiceField(label=_("New group"), queryset=Group.objects.none())
    on = forms.DateField(
        label=_("From"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day in the new group."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            Group.objects.for_user(user)
            .select_related("site", "school_year")
            .order_by("site__name", "-school_year__starts_on", "name")
        )


@admin.register(Enrollment)
class EnrollmentAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["child", "program", "site", "group", "started_on", "ended_on", "status"]
    list_filter = [
        "status",
        ("site", admin.RelatedOnlyFieldListFilter),
        SiteCountyFilter,
        "group__school_year",
        CurrentYearGroupFilter,
        "program",
    ]
    list_select_related = ["child", "program", "site", "group__site", "group__school_year"]
    search_fields = ["child__given_names__fold_contains", "child__family_name__fold_contains"]
    autocomplete_fields = ["child", "site", "group"]
    date_hierarchy = "started_on"
    readonly_fields = RECORDED
    actions = ["end_enrollments", "move_enrollments"]

    @admin.action(description=_("End selected enrollments with a reason"), permissions=["change"])
    def end_enrollments(self, request, queryset):
        return run_action_with_form(
            self,
            request,
            queryset,
            form_class=EndEnrollmentsForm,
            title=_("End enrollments"),
            submit=_("End enrollments"),
            apply=lambda data: enrollments_end(
                enrollments=queryset.select_for_update(of=("self",)), **data
            ),
            done=lambda count: (
                ngettext("Ended %(count)d enrollment.", "Ended %(count)d enrollments.", count)
                % {"count": count}
            ),
        )

    @admin.action(
        description=_("Move selected enrollments to another group"), permissions=["change"]
    )
    def move_enrollments(self, request, queryset):
        return run_action_with_form(
            self,
            request,
            queryset,
            form_class=MoveToGroupForm,
            title=_("Move to another group"),
            submit=_("Move"),
            apply=lambda data: enrollments_move(
                enrollments=queryset.select_for_update(of=("self",)), by=request.user, **data
            ),
            done=lambda count: (
                ngettext("Moved %(count)d enrollment.", "Moved %(count)d enrollments.", count)
                % {"count": count}
            ),
            user=request.user,
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are managed by superusers; roles decide permissions, so Django's
    groups and per-user permissions are not offered."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "sees_all_sites", "sites"]
    search_fields = ["username", "first_name__fold_contains", "last_name__fold_contains"]
    filter_horizontal = ["sites"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role and sites"), {"fields": ["role", "sites", "sees_all_sites"]}),
        (_("Status"), {"fields": ["is_active", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Role and sites"), {"fields": ["role", "sites", "sees_all_sites"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(SiteScopedAdmin):
    """Who read which child's sensitive records: read-only, for the directors."""

    list_display = ["at", "user", "action", "site", "child_id", "reason"]
    list_filter = ["action", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "site"]
    date_hierarchy = "at"
    fields = ["at", "user", "action", "site", "child_id", "object_type", "object_id", "reason"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# django-axes registers its own admin of login lockouts, which only superusers
# could use; this one lets a coordinator unblock the staff of their own sites.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockoutAdmin(AccessAttemptAdmin):
    """Failed logins per username and address. Deleting an attempt unblocks the account."""

    # Axes' own action cleans up every site's expired attempts; the lockouts
    # expire by themselves after 30 minutes anyway.
    actions = []

    def get_queryset(self, request):
        attempts = super().get_queryset(request)
        if sees_every_site(request.user):
            return attempts
        # The usernames of the user's sites' staff: typed usernames of nobody
        # (or of another site's staff) are not theirs to see, nor are those
        # of the directors and administrators above them.
        staff = (
            User.objects.filter(sites__in=request.user.sites.all(), is_superuser=False)
            .exclude(role=Role.DIRECTOR)
            .values("username")
        )
        return attempts.filter(username__in=staff)
