"""The coordinators' admin site and the base class of every site-scoped admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from programs.models import SiteScopedQuerySet


class InocentiAdminSite(admin.AdminSite):
    """Entry follows the role (``programs.use_admin``), not Django's ``is_staff``
    flag, so that the access layer is the only gate."""

    site_header = _("Inocenți — administration")
    site_title = _("Inocenți")
    index_title = _("Coordination")

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("programs.use_admin")

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # Everyone logs in on the site's own login page.
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next", request.path), settings.LOGIN_URL)
        if self.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to the user's sites.

    Without it, a coordinator's dropdown of sites or groups would list every
    site's, and could put a child into another site. Applies to any related
    model whose QuerySet is a ``SiteScopedQuerySet``. For list filters on such a
    relation use ``RelatedOnlyFieldListFilter``, which lists only values of the
    rows the user can see.
    """

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        candidates = (
            queryset
            if queryset is not None
            else db_field.remote_field.model._default_manager.using(db).all()
        )
        if isinstance(candidates, SiteScopedQuerySet):
            return candidates.for_user(request.user)
        return queryset


class SiteScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows are those of the sites the user may see.

    The model's manager must come from ``SiteScopedQuerySet``. Another site's
    object is then missing from the changelist and its change page alike, and
    its related choices are scoped too.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)
