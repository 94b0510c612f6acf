"""Compile the translation catalogues without starting Django.

``python -m inocenti.i18n compile`` writes ``django.mo`` beside every
``locale/*/LC_MESSAGES/django.po``. GNU gettext's ``msgfmt --check`` is used when
installed (it also checks placeholders); otherwise polib, so that a machine with
only Python can still run the site. Django's ``compilemessages`` would need the
settings, and so a database, for what is a file conversion.
"""

import shutil
import subprocess
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_catalogue(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run(  # noqa: S603 - msgfmt found on PATH, paths are ours
            [msgfmt, "--check", "--output-file", str(mo_path), str(po_path)], check=True
        )
    else:
        import polib

        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(argv: list[str]) -> int:
    if argv != ["compile"]:
        print("usage: python -m inocenti.i18n compile", file=sys.stderr)
        return 2
    for po_path in catalogues():
        compile_catalogue(po_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
