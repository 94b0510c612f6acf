"""The navigation bar, decided per user in Python so templates only display it."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def nav_items(request) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    entries = [(_("Home"), reverse("home"))]
    # Feature issues add their pages here, each behind the permission its view checks.
    if user.has_perm("inocenti.view_children_at_risk") and user.role:
        entries.append((_("Children at risk"), reverse("children_at_risk_index")))
    if user.has_perm("families.view_parentmeeting") and user.role:
        entries.append((_("Parent meetings"), reverse("parent_meeting_list")))
    if user.has_perm("children.view_communityactivity") and user.role:
        entries.append((_("Activities"), reverse("activity_list")))
    if user.has_perm("inocenti.view_dashboard"):
        entries.append((_("Dashboards"), reverse("dashboard_all")))
    if user.has_perm("inocenti.view_funder_report"):
        entries.append((_("Funder reports"), reverse("funder_report_list")))
    if user.has_perm("attendance.oversee_registers"):
        entries.append((_("Registers not taken"), reverse("attendance:missing")))
    if user.has_perm("programs.use_admin"):
        entries.append((_("Administration"), reverse("admin:index")))
    return [
        NavItem(label=str(label), url=url, active=_is_active(request.path, url))
        for label, url in entries
    ]


def _is_active(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
