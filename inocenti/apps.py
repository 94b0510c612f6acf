from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InocentiConfig(AppConfig):
    """The top floor: pages that compose several apps, and project-wide commands."""

    name = "inocenti"
    verbose_name = _("Inocenți")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from inocenti import two_factor
        from inocenti.middleware import start_idle_clock

        # Login is Django's event, not ours: these hooks are how a new session
        # learns that it needs a second factor and starts its idle clock.
        user_logged_in.connect(two_factor.on_login, dispatch_uid="inocenti.two_factor")
        user_logged_in.connect(start_idle_clock, dispatch_uid="inocenti.idle_clock")
