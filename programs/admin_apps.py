from django.contrib.admin.apps import AdminConfig


class InocentiAdminConfig(AdminConfig):
    """Django's admin app, with ``InocentiAdminSite`` as ``admin.site``.

    Kept apart from ``admin_site`` because an app config module may not import
    models.
    """

    default_site = "programs.admin_site.InocentiAdminSite"
