"""Everything ``src/syncmld`` imports is installed by ``pip install .`` alone (what ``./scripts/serve``
does), not only by the test extras."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normal(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]) for requirement in project["dependencies"]}


def _imported_roots() -> set[str]:
    roots: set[str] = set()
    for path in (ROOT / "src" / "syncmld").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
    return {root for root in roots if root not in sys.stdlib_module_names and root != "syncmld"}


def test_every_third_party_import_of_the_server_is_a_runtime_dependency() -> None:
    distributions = packages_distributions()
    required = _runtime_requirements()
    missing = {
        root: sorted(distributions.get(root, [root]))
        for root in _imported_roots()
        if not any(_normal(dist) in required for dist in distributions.get(root, [root]))
    }
    assert not missing, f"imported by src/syncmld but not in [project] dependencies: {missing}"
