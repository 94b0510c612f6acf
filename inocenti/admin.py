"""The early-warning thresholds in the admin: one row, changed, never added or deleted."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inocenti.models import RiskThresholds


@admin.register(RiskThresholds)
class RiskThresholdsAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            _("Program attendance"),
            {
                "fields": [
                    "program_rate_watch_below",
                    "program_rate_at_risk_below",
                    "program_rate_min_sessions",
                    "consecutive_absences",
                ]
            },
        ),
        (
            _("School attendance"),
            {
                "fields": [
                    "unexcused_hours_at_risk",
                    "unexcused_hours_high_risk",
                    "unexcused_share_at_risk",
                    "school_absence_watch",
                    "school_absence_at_risk",
                    "school_absence_high_risk",
                    "class_hours_per_day_primary",
                    "class_hours_per_day_secondary",
                ]
            },
        ),
        (_("School results"), {"fields": ["average_below", "failed_subjects_at_risk"]}),
        (
            _("Behaviour and context"),
            {"fields": ["family_factors_watch", "family_factors_at_risk", "flag_transitions"]},
        ),
        (_("Level"), {"fields": ["high_risk_categories"]}),
        (_("Last change"), {"fields": ["updated_at", "updated_by"]}),
    ]
    readonly_fields = ["updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A list of one row is a click too many: straight to its form.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        RiskThresholds.objects.get_or_create(pk=1)
        return redirect(reverse("admin:inocenti_riskthresholds_change", args=[1]))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
