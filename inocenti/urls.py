from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from children import casework_views, counseling_views
from families import views as family_views
from inocenti import dashboard_views, record_views, report_views, risk_views, two_factor, views
from inocenti.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("children/<int:child_id>/", views.child_page, name="child"),
    path(
        "children/<int:child_id>/history/",
        record_views.child_history_page,
        name="child_history",
    ),
    path(
        "children/<int:child_id>/access-log/",
        record_views.child_access_log,
        name="child_access_log",
    ),
    path("children/<int:child_id>/export/", record_views.child_export_page, name="child_export"),
    path(
        "children/<int:child_id>/export.json",
        record_views.child_export_json,
        name="child_export_json",
    ),
    path(
        "children/<int:child_id>/notes/new/",
        casework_views.case_note_edit,
        name="case_note_new",
    ),
    path(
        "children/<int:child_id>/notes/<int:pk>/",
        casework_views.case_note_edit,
        name="case_note_edit",
    ),
    path(
        "children/<int:child_id>/follow-ups/new/",
        casework_views.follow_up_new,
        name="follow_up_new",
    ),
    path("follow-ups/<int:pk>/done/", casework_views.follow_up_mark_done, name="follow_up_done"),
    path(
        "children/<int:child_id>/results/new/",
        casework_views.school_result_edit,
        name="school_result_new",
    ),
    path(
        "children/<int:child_id>/results/<int:pk>/",
        casework_views.school_result_edit,
        name="school_result_edit",
    ),
    path("children/<int:child_id>/support/new/", casework_views.support_edit, name="support_new"),
    path(
        "children/<int:child_id>/support/<int:pk>/",
        casework_views.support_edit,
        name="support_edit",
    ),
    path(
        "children/<int:child_id>/mentoring/new/",
        casework_views.mentoring_session_edit,
        name="mentoring_session_new",
    ),
    path(
        "children/<int:child_id>/mentoring/<int:pk>/",
        casework_views.mentoring_session_edit,
        name="mentoring_session_edit",
    ),
    path("children-at-risk/", risk_views.children_at_risk_index, name="children_at_risk_index"),
    path(
        "children-at-risk/<int:site_id>/",
        risk_views.children_at_risk,
        name="children_at_risk",
    ),
    path(
        "children-at-risk/<int:site_id>/follow-ups/<int:child_id>/",
        risk_views.risk_follow_up,
        name="risk_follow_up",
    ),
    path("dashboards/", dashboard_views.dashboard_all, name="dashboard_all"),
    path(
        "dashboards/sites/<int:site_id>/",
        dashboard_views.dashboard_site,
        name="dashboard_site",
    ),
    path("parent-meetings/", family_views.parent_meeting_list, name="parent_meeting_list"),
    path("parent-meetings/new/", family_views.parent_meeting_edit, name="parent_meeting_new"),
    path("parent-meetings/<int:pk>/", family_views.parent_meeting_edit, name="parent_meeting_edit"),
    path("activities/", casework_views.activity_list, name="activity_list"),
    path("activities/new/", casework_views.activity_edit, name="activity_new"),
    path("activities/<int:pk>/", casework_views.activity_edit, name="activity_edit"),
    path("counseling/", counseling_views.counseling_list, name="counseling_list"),
    path("counseling/new/", counseling_views.counseling_edit, name="counseling_new"),
    path("counseling/<int:pk>/", counseling_views.counseling_edit, name="counseling_edit"),
    path(
        "counseling/<int:pk>/emergency-access/",
        counseling_views.counseling_break_glass,
        name="counseling_break_glass",
    ),
    path("reports/", report_views.funder_report_list, name="funder_report_list"),
    path("reports/projects/<int:pk>/", report_views.funder_report_page, name="funder_report"),
    path(
        "reports/projects/<int:pk>/report.csv",
        report_views.funder_report_csv,
        name="funder_report_csv",
    ),
    path(
        "reports/projects/<int:pk>/report.xlsx",
        report_views.funder_report_xlsx,
        name="funder_report_xlsx",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("account/two-step/", two_factor.two_factor, name="two_factor"),
    path("account/two-step/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-step/code/", two_factor.two_factor_verify, name="two_factor_verify"),
    # The language switch must work on the login page too.
    path("language/", login_not_required(set_language), name="set_language"),
    path("attendance/", include("attendance.urls")),
    path("admin/", admin.site.urls),
]
