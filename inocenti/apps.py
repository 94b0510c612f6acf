from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InocentiConfig(AppConfig):
    """The top floor: pages that compose several apps, and project-wide commands."""

    name = "inocenti"
    verbose_name = _("Inocenți")
