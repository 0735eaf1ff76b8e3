"""No app imports from an app above it (docs/architecture.md).

The infrastructure apps (encryption, audit, integrity, accounts, backups) import no domain
app; the domain apps follow clients → sessions → themes → search, summaries → demo, each
importing only from apps before it. config is the root that wires them and may import any.
Every import counts, also those inside functions; migrations are left out (they name other
apps' models by label).
"""

import ast
import pathlib
import tempfile

from django.test import SimpleTestCase

REPO = pathlib.Path(__file__).resolve().parents[2]
INFRASTRUCTURE = {"encryption", "audit", "integrity", "accounts", "backups"}
# Each domain app's rank: an app may import from apps of a lower rank only.
DOMAIN = {
    "clients": 1,
    "appointments": 2,
    "sessions": 3,
    "writing": 4,
    "themes": 5,
    "search": 6,
    "measures": 6,
    "plans": 6,
    "summaries": 7,
    "demo": 8,
}


def imported_apps(path: pathlib.Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def upward_imports(root: pathlib.Path) -> list[str]:
    """Every import that runs up the dependency order, as "file:line imports app"."""
    found = []
    for app in sorted(INFRASTRUCTURE | set(DOMAIN)):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            for target, line in sorted(imported_apps(path)):
                if target == app or target not in DOMAIN:
                    continue
                if app in INFRASTRUCTURE or DOMAIN[target] >= DOMAIN[app]:
                    found.append(f"{path.relative_to(root)}:{line} imports {target}")
    return found


class DependencyOrderTests(SimpleTestCase):
    def test_no_app_imports_from_an_app_above_it(self):
        self.assertEqual(upward_imports(REPO), [])

    def test_every_app_is_placed(self):
        apps = {path.parent.name for path in REPO.glob("*/apps.py")}
        self.assertEqual(apps - INFRASTRUCTURE - set(DOMAIN), {"config"} & apps)

    def test_an_upward_import_is_found_negative_control(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            for app in ("clients", "sessions", "audit"):
                (root / app / "migrations").mkdir(parents=True)
            (root / "clients" / "views.py").write_text(
                "def page():\n    from themes.summary import theme_map\n"
            )
            (root / "sessions" / "services.py").write_text("import search.index\n")
            (root / "audit" / "services.py").write_text("from clients.models import Client\n")
            (root / "sessions" / "models.py").write_text("from clients.models import Client\n")
            (root / "clients" / "migrations" / "0009_x.py").write_text("import sessions\n")
            self.assertEqual(
                upward_imports(root),
                [
                    "audit/services.py:1 imports clients",
                    "clients/views.py:2 imports themes",
                    "sessions/services.py:1 imports search",
                ],
            )
