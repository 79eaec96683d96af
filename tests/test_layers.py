"""The layers depend one way: api → service → matcher → graph_schema → models.

Every module's imports (at the top or inside functions) are read from its source; a module may
import from its own package and the packages below it, never above. The ways in (``api``) use
the application only through ``service`` (and the shared ``models``), so no route or command
reaches a store or a snapshot by itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("api", "service", "matcher", "graph_schema", "models")
ALLOWED = {
    "api": {"api", "service", "models"},
    "service": {"service", "matcher", "graph_schema", "models"},
    "matcher": {"matcher", "graph_schema", "models"},
    "graph_schema": {"graph_schema", "models"},
    "models": {"models"},
}


def _imported(path: Path) -> set[str]:
    """The project packages a module imports from."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in LAYERS)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_itself_and_the_layers_below(layer: str) -> None:
    modules = sorted((ROOT / layer).rglob("*.py"))
    assert modules
    wrong = {str(m.relative_to(ROOT)): sorted(_imported(m) - ALLOWED[layer]) for m in modules}
    assert {module: above for module, above in wrong.items() if above} == {}


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from service.community import LiveCommunity\n"
                      "import graph_schema.store as s\nimport numpy\n")
    assert _imported(module) == {"service", "graph_schema"}
