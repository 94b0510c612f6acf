import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.subprocesses import copy_project, run_python

PO_FILE = Path(settings.BASE_DIR) / "locale" / "ro" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def test_romanian_catalogue_is_complete():
    catalogue = polib.pofile(str(PO_FILE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 50


def test_romanian_translations_keep_their_placeholders():
    for entry in polib.pofile(str(PO_FILE)).translated_entries():
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                assert set(PLACEHOLDER.findall(text)) == expected, entry.msgid
        else:
            expected = set(PLACEHOLDER.findall(entry.msgid))
            assert set(PLACEHOLDER.findall(entry.msgstr)) == expected, entry.msgid


def test_romanian_catalogue_holds_every_string_of_the_source(tmp_path):
    """`make messages` would add nothing: every marked string is in locale/ro."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext is missing; .ci/run installs it.")
        pytest.skip("GNU gettext (xgettext) is not installed; .ci/run installs it")
    copy = copy_project(tmp_path / "project")
    result = run_python(
        "manage.py",
        "makemessages",
        "--locale",
        "ro",
        "--no-obsolete",
        cwd=copy,
        DEBUG="true",
        # makemessages needs the settings, not a database.
        DATABASE_URL="postgres://unused@127.0.0.1:1/unused",
    )
    assert result.returncode == 0, result.stderr
    regenerated = polib.pofile(str(copy / "locale" / "ro" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO_FILE))
    key = "{0.msgctxt}\x04{0.msgid}".format
    missing = {key(e) for e in regenerated} - {key(e) for e in committed}
    assert missing == set()
