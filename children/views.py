"""Children's pages. For now: importing a spreadsheet, in the administration pages.

``ChildAdmin.get_urls()`` serves these through ``admin_site.admin_view``, which
already requires a login and ``programs.use_admin``; importing needs
``children.import_children`` on top.
"""

from __future__ import annotations

import base64
import datetime
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from children import importing
from children.forms import ChildImportForm
from programs.models import Program, Site

EXAMPLE_FILE = settings.BASE_DIR / "docs" / "import" / "copii-exemplu.csv"
# Between the preview and the confirmation the upload waits in the session (in
# the database, never in a file on disk), one per session, for this long.
SESSION_KEY = "children_import"
UPLOAD_LIFETIME = datetime.timedelta(hours=1)


def _require_import_permission(request: HttpRequest) -> None:
    if not request.user.has_perm("children.import_children"):
        raise PermissionDenied


def _admin_context(request: HttpRequest, model_admin, **context) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import children from a spreadsheet"),
        **context,
    }


def _keep_upload(
    request: HttpRequest, *, content: bytes, file_name: str, site: Site, program: Program | None
) -> str:
    """Keep the upload for the confirmation; answer the token that names it."""
    token = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {
        "token": token,
        "file_name": file_name,
        "content": base64.b64encode(content).decode("ascii"),
        "site": site.pk,
        "program": program.pk if program else None,
        "stored_at": timezone.now().isoformat(),
    }
    return token


def _kept_upload(request: HttpRequest, token: str) -> dict | None:
    """The upload ``token`` names, if it is still there and not too old."""
    kept = request.session.get(SESSION_KEY)
    if not kept or not secrets.compare_digest(kept["token"].encode(), token.encode()):
        return None
    if timezone.now() - datetime.datetime.fromisoformat(kept["stored_at"]) > UPLOAD_LIFETIME:
        del request.session[SESSION_KEY]
        return None
    return kept


@require_http_methods(["GET", "POST"])
def child_import(request: HttpRequest, *, model_admin) -> HttpResponse:
    """Upload a spreadsheet of children, see what would be imported, then confirm."""
    _require_import_permission(request)
    if request.method == "POST" and "token" in request.POST:
        return _confirm_or_cancel(request, model_admin)
    form = ChildImportForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "admin/children/child/import.html",
            _admin_context(request, model_admin, form=form),
        )
    upload, site, program = (form.cleaned_data[name] for name in ("file", "site", "program"))
    content = upload.read()
    preview = importing.preview_import(
        content=content, file_name=upload.name, site=site, program=program
    )
    # A new upload replaces an earlier one; a file with errors is not kept at all.
    request.session.pop(SESSION_KEY, None)
    token = None
    if not preview.has_errors:
        token = _keep_upload(
            request, content=content, file_name=upload.name, site=site, program=program
        )
    return _render_preview(request, model_admin, preview, token)


def _render_preview(request, model_admin, preview: importing.ImportPreview, token: str | None):
    return render(
        request,
        "admin/children/child/import_preview.html",
        _admin_context(request, model_admin, preview=preview, token=token),
    )


def _confirm_or_cancel(request: HttpRequest, model_admin) -> HttpResponse:
    kept = _kept_upload(request, request.POST["token"])
    if request.POST.get("action") == "cancel":
        if kept is not None:
            del request.session[SESSION_KEY]
        messages.info(request, _("The import was cancelled; nothing was saved."))
        return redirect("admin:children_child_changelist")
    site = Site.objects.filter(pk=kept["site"]).first() if kept else None
    program = (
        Program.objects.filter(pk=kept["program"]).first() if kept and kept["program"] else None
    )
    if site is None or (kept["program"] and program is None):
        messages.error(request, _("The upload expired; upload the file again."))
        return redirect("admin:children_child_import")
    del request.session[SESSION_KEY]
    try:
        # children_import checks again that the user may import into this site.
        result = importing.children_import(
            content=base64.b64decode(kept["content"]),
            file_name=kept["file_name"],
            site=site,
            program=program,
            by=request.user,
        )
    except importing.ImportRefused as refused:
        # The database changed since the preview (a child registered meanwhile).
        messages.error(request, importing.REFUSED_MESSAGE)
        return _render_preview(request, model_admin, refused.preview, token=None)
    messages.success(
        request,
        _(
            "Import done. Children: %(children)s; new families: %(families)s; "
            "new guardians: %(guardians)s; enrollments: %(enrollments)s."
        )
        % {
            "children": result.children,
            "families": result.families,
            "guardians": result.guardians,
            "enrollments": result.enrollments,
        },
    )
    return redirect("admin:children_child_changelist")


@require_GET
def child_import_example(request: HttpRequest, *, model_admin) -> HttpResponse:
    """The example spreadsheet, to download and fill in."""
    _require_import_permission(request)
    return FileResponse(
        EXAMPLE_FILE.open("rb"),
        as_attachment=True,
        filename=EXAMPLE_FILE.name,
        content_type="text/csv; charset=utf-8",
    )
