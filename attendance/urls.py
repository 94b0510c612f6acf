import datetime

from django.urls import path, register_converter

from attendance import views


class DayConverter:
    """A calendar day as YYYY-MM-DD; an impossible date (30 February) is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def to_url(self, value: datetime.date | str) -> str:
        return value if isinstance(value, str) else value.isoformat()


class MonthConverter:
    """A month as YYYY-MM, read as its first day."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(f"{value}-01")

    def to_url(self, value: datetime.date | str) -> str:
        return value if isinstance(value, str) else value.strftime("%Y-%m")


register_converter(DayConverter, "day")
register_converter(MonthConverter, "month")

app_name = "attendance"
urlpatterns = [
    path("open/", views.open_register, name="open"),
    path("missing/", views.missing_registers, name="missing"),
    path("groups/<int:group_id>/<day:day>/", views.register, name="register"),
    path(
        "groups/<int:group_id>/<day:day>/history/",
        views.register_history,
        name="register_history",
    ),
    path(
        "groups/<int:group_id>/school-absences/<month:month>/",
        views.school_absences,
        name="school_absences",
    ),
    path("children/<int:child_id>/", views.child_attendance, name="child"),
]
