"""The house's floors: programs/ imports no other app; children/, families/ and
attendance/ stand on programs/; children/ also on families/ (a child has a
family, a family knows nothing of children); attendance/ also on children/ (marks
are a child's); inocenti/ on top composes them all."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = ["programs", "children", "families", "attendance", "inocenti"]
ALLOWED = {
    "programs": set(),
    "children": {"programs", "families"},
    "families": {"programs"},
    "attendance": {"programs", "children"},
}


def _imported_apps(app: str) -> dict[str, set[str]]:
    """{imported app: files importing it} for every Python file of ``app``."""
    found: dict[str, set[str]] = {}
    for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in APPS and top != app:
                    found.setdefault(top, set()).add(path.name)
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_the_floors_below_it(app):
    imported = _imported_apps(app)
    assert set(imported) <= ALLOWED[app], imported
