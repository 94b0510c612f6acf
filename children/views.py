# Placeholder so the admin's URLs resolve; the import views replace it.
from django.http import Http404


def child_import(request, *, model_admin):
    raise Http404


def child_import_example(request, *, model_admin):
    raise Http404
