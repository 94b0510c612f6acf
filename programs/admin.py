from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from programs.admin_site import SiteScopedAdmin
from programs.forms import AccountChangeForm, AccountCreationForm
from programs.models import Site, User


@admin.register(Site)
class SiteAdmin(SiteScopedAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are managed by superusers; roles decide permissions, so Django's
    groups and per-user permissions are not offered."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "sees_all_sites", "sites"]
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
