"""Registers and school absences in the coordinators' admin: to find and read.

They are written only through the register and school-absence pages, which log
every correction and check the days a person may change; so the admin offers
no add, change or delete, and "View on site" opens the register itself.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from attendance.models import Mark, Register, RegisterChange, SchoolAbsence
from programs.admin_site import SiteScopedAdmin


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MarkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Mark
    fields = ["child", "status", "reason", "note"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("child")


class RegisterChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RegisterChange
    fields = ["changed_at", "changed_by", "child", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("child", "changed_by")


@admin.register(Register)
class RegisterAdmin(ReadOnlyAdminMixin, SiteScopedAdmin):
    list_display = ["date", "group", "site", "held", "created_by", "updated_at", "version"]
    list_filter = [
        ("group__site", admin.RelatedOnlyFieldListFilter),
        "no_session_reason",
        "group__school_year",
    ]
    date_hierarchy = "date"
    list_select_related = ["group__site", "group__school_year", "created_by"]
    search_fields = ["group__name__fold_contains"]
    fields = [
        "group",
        "date",
        "activities",
        "no_session_reason",
        "note",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "version",
    ]
    readonly_fields = fields
    inlines = [MarkInline, RegisterChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).taken()

    @admin.display(description=_("site"), ordering="group__site__name")
    def site(self, register: Register):
        return register.group.site

    @admin.display(description=_("held"), boolean=True)
    def held(self, register: Register) -> bool:
        return register.held

    def view_on_site(self, register: Register) -> str:
        return reverse("attendance:register", args=[register.group_id, register.date])


@admin.register(SchoolAbsence)
class SchoolAbsenceAdmin(ReadOnlyAdminMixin, SiteScopedAdmin):
    list_display = ["child", "month", "excused_hours", "unexcused_hours", "updated_by"]
    list_filter = [("child__site", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "month"
    list_select_related = ["child", "updated_by"]
    search_fields = ["child__family_name__fold_contains", "child__given_names__fold_contains"]
    fields = [
        "child",
        "month",
        "excused_hours",
        "unexcused_hours",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    ]
    readonly_fields = fields
