"""The coordinators' admin site and the base class of every site-scoped admin."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from programs.models import County, Group, Site, SiteScopedQuerySet, User, sees_every_site


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
    model whose QuerySet is a ``SiteScopedQuerySet``, and to users (a follow-up's
    assignee, a session's psychologist): those of the user's sites. For list filters on such a
    relation use ``RelatedOnlyFieldListFilter``, which lists only values of the
    rows the user can see. Fields whose choices are public (a partner school a
    child attends) are listed in ``unscoped_choice_fields``.
    """

    unscoped_choice_fields: tuple[str, ...] = ()

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if db_field.name in self.unscoped_choice_fields:
            return queryset
        candidates = (
            queryset
            if queryset is not None
            else db_field.remote_field.model._default_manager.using(db).all()
        )
        if isinstance(candidates, SiteScopedQuerySet):
            return candidates.for_user(request.user)
        if candidates.model is User and not sees_every_site(request.user):
            # People too: a coordinator picks among the staff of their own sites.
            return candidates.filter(sites__in=request.user.sites.all()).distinct()
        return queryset


class SiteScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows are those of the sites the user may see.

    The model's manager must come from ``SiteScopedQuerySet``. Another site's
    object is then missing from the changelist and its change page alike, and
    its related choices are scoped too.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def response_action(self, request, queryset):
        # Django's admin turns a tampered, non-numeric selection into a 500.
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(value.isascii() and value.isdigit() for value in selected):
            raise SuspiciousOperation("Non-numeric admin action selection")
        return super().response_action(request, queryset)


def action_form_page(
    modeladmin: admin.ModelAdmin,
    request,
    queryset,
    *,
    form,
    title: str,
    submit_label: str,
):
    """The intermediate page of an admin action that needs input (a date, a reason).

    The selection and the action travel in hidden fields, as on Django's own
    delete confirmation, so the second POST comes back to the same action.
    """
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "form": form,
        "queryset": queryset,
        "submit_label": submit_label,
        "action": request.POST.get("action"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def run_action_with_form(
    modeladmin,
    request,
    queryset,
    *,
    form_class,
    title: str,
    submit: str,
    apply: Callable[[dict], int],
    done: Callable[[int], str],
    **form_kwargs,
):
    """Show ``form_class`` for the selection; when valid, ``apply(cleaned_data)``.

    ``apply`` returns how many rows it changed, reported with ``done(count)``,
    or raises ValidationError: then nothing was saved and the form shows why.
    """
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                count = apply(form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                modeladmin.message_user(request, done(count), messages.SUCCESS)
                return None
    else:
        form = form_class(**form_kwargs)
    return action_form_page(
        modeladmin, request, queryset, form=form, title=title, submit_label=submit
    )


# The read-only fields of every record a person enters (see CreatedByModel).
RECORDED = ["created_by", "created_at", "updated_at"]


class RecordedByAdminMixin:
    """Notes who entered a record, on the admin's add form."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if hasattr(instance, "created_by_id") and instance.pk is None:
                instance.created_by = request.user
        super().save_formset(request, form, formset, change)


class CurrentYearGroupFilter(admin.SimpleListFilter):
    """Filter by a group of the current school year among the user's sites.

    Django's related filters would list every group of every year and load
    each group's site and year one query at a time.
    """

    title = _("group (current school year)")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        groups = (
            Group.objects.for_user(request.user)
            .filter(school_year__is_current=True)
            .select_related("site", "school_year")
            .order_by("site__name", "name")
        )
        return [(str(group.pk), f"{group.name} · {group.site}") for group in groups]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(group_id=self.value())
        return queryset


class SharedChoicesInlineMixin:
    """Load each select's choices once per page, not once per inline row.

    Every inline form copies its fields, and a ModelChoiceField re-runs its
    query for each copy; a static list of choices is copied instead. Groups are
    labelled with their site and school year, so those come in the same query.
    """

    shared_choice_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name in self.shared_choice_fields:
            if field.queryset.model is Group:
                field.queryset = field.queryset.select_related("site", "school_year")
            field.choices = list(field.choices)
        return field


class SiteCountyFilter(admin.SimpleListFilter):
    """Filter by the county of the row's site, offering only the counties of the
    user's sites (not all 42 of Romania). Subclasses name ``county_path``."""

    title = _("county")
    parameter_name = "county"
    county_path = "site__county"

    def lookups(self, request, model_admin):
        counties = (
            Site.objects.for_user(request.user)
            .exclude(county="")
            .values_list("county", flat=True)
            .distinct()
        )
        return sorted(
            ((code, County(code).label) for code in counties), key=lambda choice: choice[1]
        )

    def queryset(self, request, queryset):
        if self.value() in County.values:
            return queryset.filter(**{self.county_path: self.value()})
        return queryset


class FamilyCountyFilter(SiteCountyFilter):
    county_path = "county"
