from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from children import cnp as cnp_codes
from children import views
from children.access import hidden_sites_of
from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    Consent,
    CounselingSession,
    FollowUp,
    MentorAssignment,
    MentoringSession,
    SchoolResult,
)
from children.services import children_move_to_group
from families.admin import FamilyAdmin
from families.models import Family, Guardian
from programs.admin import MoveToGroupForm
from programs.admin_site import (
    RECORDED,
    CurrentYearGroupFilter,
    RecordedByAdminMixin,
    ScopedChoicesMixin,
    SharedChoicesInlineMixin,
    SiteCountyFilter,
    SiteScopedAdmin,
    run_action_with_form,
)
from programs.models import AccessAction, Enrollment
from programs.services import access_log_record


class OneOpenEnrollmentPerProgramFormSet(BaseInlineFormSet):
    """The database allows one open enrollment per child and program; rows added
    together are checked here, before it refuses."""

    def clean(self):
        super().clean()
        open_programs = [
            form.cleaned_data.get("program")
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and not form.cleaned_data.get("ended_on")
        ]
        if len(open_programs) != len(set(open_programs)):
            raise ValidationError(_("This child already has an open enrollment in this program."))


class EnrollmentInline(SharedChoicesInlineMixin, ScopedChoicesMixin, admin.TabularInline):
    model = Enrollment
    formset = OneOpenEnrollmentPerProgramFormSet
    fields = ["program", "site", "group", "started_on", "ended_on", "status", "exit_reason"]
    shared_choice_fields = ("program", "site", "group")
    # One line for the exit reason keeps each enrollment a single table row.
    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 30})}}
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        # Past enrollments at another site (before a transfer) are not shown.
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .select_related("child", "program", "site", "group__site", "group__school_year")
        )


class ConsentForm(forms.ModelForm):
    """A consent, once recorded, keeps what was agreed, by whom and when; later
    only its withdrawal (once) and the note change."""

    class Meta:
        model = Consent
        fields = ["kind", "given_by", "given_on", "withdrawn_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name in ("kind", "given_by", "given_on"):
            self.fields[name].disabled = True
        # Its own guardian only: they may no longer be among the family's
        # choices (the child moved family), and a disabled field is still checked.
        guardian = self.fields["given_by"]
        guardian.queryset = Guardian.objects.filter(pk=self.instance.given_by_id)
        guardian.choices = [(self.instance.given_by_id, str(self.instance.given_by))]
        if self.instance.withdrawn_on:
            self.fields["withdrawn_on"].disabled = True


class OneActiveConsentPerKindFormSet(BaseInlineFormSet):
    """The database allows one active consent per child and kind; rows saved
    together are checked here, before it refuses."""

    def clean(self):
        super().clean()
        active_kinds = [
            form.cleaned_data.get("kind")
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and not form.cleaned_data.get("withdrawn_on")
        ]
        if len(active_kinds) != len(set(active_kinds)):
            raise ValidationError(
                _("This child already has this consent; record its withdrawal first.")
            )


class ConsentInline(ScopedChoicesMixin, admin.TabularInline):
    """A child's consents. Withdrawing one is giving it a withdrawal date; the
    row stays, with who recorded it (``ChildAdmin.save_formset``)."""

    model = Consent
    form = ConsentForm
    formset = OneActiveConsentPerKindFormSet
    fields = ["kind", "given_by", "given_on", "withdrawn_on", "withdrawn_by", "note"]
    readonly_fields = ["withdrawn_by"]
    extra = 0

    def has_delete_permission(self, request, obj=None) -> bool:
        # A withdrawal is recorded, not erased; only a superuser removes a
        # consent entered by mistake.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("given_by", "withdrawn_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            # Only the guardians of the child's family may give its consent;
            # listed once for the page, not once per row (see SharedChoicesInlineMixin).
            guardian = formset.form.base_fields["given_by"]
            guardian.queryset = guardian.queryset.filter(family_id=obj.family_id)
            guardian.choices = list(guardian.iterator(guardian))
        return formset


class ChildCurrentGroupFilter(CurrentYearGroupFilter):
    title = _("current group")

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            # Exists, not a join: a child in the group under two programs is one row.
            in_group = Enrollment.objects.current().filter(
                child=OuterRef("pk"), group_id=self.value()
            )
            return queryset.filter(Exists(in_group))
        return queryset


class ConsentFilter(admin.SimpleListFilter):
    """Children with or without an active consent of each kind: who to ask."""

    title = _("consent")
    parameter_name = "consent"
    CHOICES = {
        "no_data": ("has_data_consent", False),
        "data": ("has_data_consent", True),
        "no_photos": ("has_photo_consent", False),
        "photos": ("has_photo_consent", True),
    }

    def lookups(self, request, model_admin):
        return [
            ("no_data", _("No data processing consent")),
            ("data", _("Data processing consent given")),
            ("no_photos", _("No photo consent")),
            ("photos", _("Photo consent given")),
        ]

    def queryset(self, request, queryset):
        if self.value() in self.CHOICES:
            annotation, value = self.CHOICES[self.value()]
            return queryset.filter(**{annotation: value})
        return queryset


class ReadLoggedAdminMixin:
    """Opening a record's form in the admin is logged, as opening it on the site is."""

    read_action: AccessAction

    def read_children(self, obj) -> list[int]:
        return list(obj.children.values_list("pk", flat=True))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            record = response.context_data["original"]
            access_log_record(
                user=request.user,
                action=self.read_action,
                site=record.site,
                child_ids=self.read_children(record),
                record=record,
            )
        return response


@admin.register(Child)
class ChildAdmin(ReadLoggedAdminMixin, RecordedByAdminMixin, SiteScopedAdmin):
    def view_on_site(self, obj: Child) -> str:
        """The admin's "View on site" button opens the child's page."""
        return reverse("child", args=[obj.pk])

    list_display = [
        "family_name",
        "given_names",
        "birth_date",
        "grade",
        "site",
        "current_groups",
        "has_cnp",
        "data_consent",
        "photo_consent",
        "status",
    ]
    list_display_links = ["family_name", "given_names"]
    list_filter = [
        "status",
        ("site", admin.RelatedOnlyFieldListFilter),
        SiteCountyFilter,
        ChildCurrentGroupFilter,
        "enrollments__group__school_year",
        "grade",
        "sex",
        "special_educational_needs",
        ConsentFilter,
    ]
    list_select_related = ["site"]
    # Names ignore diacritics and case. A CNP is looked up by POST (find_by_cnp),
    # so it never travels in a URL, a log line or the browser's history.
    search_fields = ["given_names__fold_contains", "family_name__fold_contains"]
    search_help_text = _("Search by name, with or without diacritics.")
    autocomplete_fields = ["family"]
    # Any partner school may be the one a child attends.
    unscoped_choice_fields = ("school_site",)
    readonly_fields = RECORDED
    inlines = [ConsentInline, EnrollmentInline]
    actions = ["move_to_group"]
    fieldsets = [
        (
            _("Identity"),
            {"fields": ["given_names", "family_name", "birth_date", "sex", "cnp"]},
        ),
        (
            _("Site and school"),
            {
                "fields": [
                    "site",
                    "school_site",
                    "school_name",
                    "grade",
                    "special_educational_needs",
                ]
            },
        ),
        (_("Family"), {"fields": ["family"]}),
        (_("Status and notes"), {"fields": ["status", "notes"]}),
        (_("Record"), {"fields": RECORDED, "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        open_enrollments = Enrollment.objects.current().select_related("group")
        return (
            super()
            .get_queryset(request)
            .with_consent()
            .prefetch_related(Prefetch("enrollments", open_enrollments, to_attr="open_enrollments"))
        )

    def get_inline_instances(self, request, obj=None):
        # A consent comes from a guardian of the child's family, known once the
        # child is saved with it: the add page offers no consents yet.
        inlines = super().get_inline_instances(request, obj)
        if obj is None or obj._state.adding:
            inlines = [inline for inline in inlines if not isinstance(inline, ConsentInline)]
        return inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is Consent:
            for consent_form in formset.forms:
                consent = consent_form.instance
                if consent.withdrawn_on and "withdrawn_on" in consent_form.changed_data:
                    # Who recorded the withdrawal, beside when it was given.
                    consent.withdrawn_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("data processing consent"), boolean=True)
    def data_consent(self, child: Child) -> bool:
        return child.has_data_consent

    @admin.display(description=_("photo consent"), boolean=True)
    def photo_consent(self, child: Child) -> bool:
        return child.has_photo_consent

    @admin.display(description=_("current group"))
    def current_groups(self, child: Child) -> str:
        return ", ".join(
            enrollment.group.name for enrollment in child.open_enrollments if enrollment.group
        )

    @admin.display(description=_("CNP"), boolean=True)
    def has_cnp(self, child: Child) -> bool:
        # The list shows whether a CNP is recorded, never the number itself.
        return bool(child.cnp)

    @admin.display(description=_("CNP"))
    def masked_cnp(self, child: Child) -> str:
        return cnp_codes.mask(child.cnp) or "—"

    def get_fieldsets(self, request, obj=None):
        """The full CNP only for those who may correct it; readers see it masked."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [_masked(f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "masked_cnp"]

    read_action = AccessAction.VIEW_CHILD_ADMIN

    def read_children(self, child: Child) -> list[int]:
        return [child.pk]

    def history_view(self, request, object_id, extra_context=None):
        """The admin's "History" is the audit trail's, on the child's history page."""
        child = self.get_object(request, object_id)
        if child is None or not request.user.has_perm("children.view_child_history"):
            raise PermissionDenied
        return redirect("child_history", child.pk)

    @admin.action(description=_("Move selected children to another group"), permissions=["change"])
    def move_to_group(self, request, queryset):
        return run_action_with_form(
            self,
            request,
            queryset,
            form_class=MoveToGroupForm,
            title=_("Move to another group"),
            submit=_("Move"),
            apply=lambda data: children_move_to_group(children=queryset, by=request.user, **data),
            done=lambda count: (
                ngettext("Moved %(count)d child.", "Moved %(count)d children.", count)
                % {"count": count}
            ),
            user=request.user,
        )

    def find_by_cnp(self, request):
        """Open the child with the CNP typed, among the user's sites."""
        if request.method != "POST":
            return redirect("admin:children_child_changelist")
        code = "".join(request.POST.get("cnp", "").split())
        child = (
            self.get_queryset(request).filter(cnp=code).first()
            if code.isascii() and code.isdigit() and len(code) == 13
            else None
        )
        if child is None:
            self.message_user(
                request, _("None of your sites' children has this CNP."), messages.WARNING
            )
            return redirect("admin:children_child_changelist")
        return redirect("admin:children_child_change", child.pk)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("find-by-cnp/", wrap(self.find_by_cnp), name="children_child_find_by_cnp"),
            path(
                "import/",
                wrap(partial(views.child_import, model_admin=self)),
                name="children_child_import",
            ),
            path(
                "import/example/",
                wrap(partial(views.child_import_example, model_admin=self)),
                name="children_child_import_example",
            ),
            *super().get_urls(),
        ]


class ChildInFamilyInline(admin.TabularInline):
    """The family's children, read-only, each a link to its own page."""

    model = Child
    fields = ["given_names", "family_name", "birth_date", "grade", "status"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("children in this family")

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)


# The family page lists its children. Registered from here because a child
# knows its family, and families/ knows nothing of children.
admin.site.unregister(Family)


@admin.register(Family)
class FamilyWithChildrenAdmin(FamilyAdmin):
    inlines = [*FamilyAdmin.inlines, ChildInFamilyInline]


# --- Casework ---------------------------------------------------------------------
# Confidential counseling notes have no admin at all: only psychologists read
# them, on their own pages, and superusers browsing the admin must not.


@admin.register(CounselingSession)
class CounselingSessionAdmin(ReadLoggedAdminMixin, RecordedByAdminMixin, SiteScopedAdmin):
    read_action = AccessAction.VIEW_COUNSELING
    list_display = ["date", "kind", "psychologist", "site", "duration_minutes", "follow_up_on"]
    list_filter = ["kind", ("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["psychologist", "site"]
    date_hierarchy = "date"
    autocomplete_fields = ["children", "guardians"]
    fields = [
        "site",
        "psychologist",
        "date",
        "duration_minutes",
        "kind",
        "children",
        "guardians",
        "summary",
        "follow_up_on",
        *RECORDED,
    ]
    readonly_fields = RECORDED


class CaseRecordAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_filter = [("site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["child", "family", "site"]
    autocomplete_fields = ["child", "family"]
    search_fields = ["child__family_name__fold_contains", "family__name__fold_contains"]
    readonly_fields = RECORDED


@admin.register(CaseNote)
class CaseNoteAdmin(CaseRecordAdmin):
    list_display = ["date", "kind", "child", "family", "site", "created_by"]
    list_filter = ["kind", *CaseRecordAdmin.list_filter]
    list_select_related = [*CaseRecordAdmin.list_select_related, "created_by"]
    date_hierarchy = "date"
    fields = ["site", "child", "family", "date", "kind", "text", *RECORDED]


@admin.register(FollowUp)
class FollowUpAdmin(CaseRecordAdmin):
    list_display = ["task", "assignee", "due_on", "done_on", "child", "family", "site"]
    list_filter = [("done_on", admin.EmptyFieldListFilter), *CaseRecordAdmin.list_filter]
    list_select_related = [*CaseRecordAdmin.list_select_related, "assignee"]
    fields = [
        "site",
        "child",
        "family",
        "task",
        "assignee",
        "due_on",
        "done_on",
        "outcome",
        *RECORDED,
    ]


@admin.register(SchoolResult)
class SchoolResultAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = [
        "child",
        "school_year",
        "period",
        "grade",
        "general_average",
        "qualifier",
        "failed_subjects_count",
        "outcome",
    ]
    list_filter = [
        "school_year",
        "period",
        "outcome",
        ("child__site", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["child", "school_year"]
    search_fields = ["child__family_name__fold_contains", "child__given_names__fold_contains"]
    autocomplete_fields = ["child"]
    readonly_fields = RECORDED


@admin.register(MentorAssignment)
class MentorAssignmentAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["volunteer", "child", "started_on", "ended_on"]
    list_filter = [("child__site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["volunteer", "child"]
    autocomplete_fields = ["child"]
    readonly_fields = RECORDED


@admin.register(MentoringSession)
class MentoringSessionAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    list_display = ["date", "kind", "volunteer", "child", "duration_minutes", "topic"]
    list_filter = ["kind", ("child__site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["volunteer", "child"]
    date_hierarchy = "date"
    autocomplete_fields = ["child"]
    readonly_fields = RECORDED


@admin.register(CommunityActivity)
class CommunityActivityAdmin(RecordedByAdminMixin, SiteScopedAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        # An activity shared with a site the user cannot see would lose that
        # site and its children on saving: it is read-only for them.
        return super().has_change_permission(request, obj) and (
            obj is None or not hidden_sites_of(obj, request.user)
        )

    list_display = ["date", "title", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["title__fold_contains"]
    autocomplete_fields = ["children"]
    filter_horizontal = ["sites", "volunteers"]
    readonly_fields = RECORDED


def _masked(field_name: str) -> str:
    return "masked_cnp" if field_name == "cnp" else field_name
