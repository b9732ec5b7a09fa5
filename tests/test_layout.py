"""The rooms and the one-way flow between them (docs/architecture.md): checked on the import lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each room and the rooms it must not import from (at module level or inside functions).
FORBIDDEN = {
    "graph/analysis": ("graph.stores", "loaders", "queries"),
    "graph/stores": ("graph.analysis", "loaders", "queries"),
    "graph": ("loaders", "queries"),
    "loaders": ("queries", "graph.analysis"),
}
# columns.py: the model's records as column tables, what a bulk load hands a store.
TOP_LEVEL_MODEL = {"model.py", "arrays.py", "names.py", "errors.py", "columns.py", "__init__.py"}


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, as a dotted name inside the package (``graph.stores.base``)."""
    package = list(path.relative_to(ROOT).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module and node.module.startswith("equitygraph."):
                found.append(node.module[len("equitygraph."):])
    return found


def files_in(room: str) -> list[Path]:
    return sorted(p for p in (ROOT / room).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_downstream(room):
    bad = []
    for path in files_in(room):
        for module in imported_modules(path):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[room]):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    assert bad == []


def test_graph_top_level_holds_only_the_model():
    assert {p.name for p in (ROOT / "graph").glob("*.py")} == TOP_LEVEL_MODEL


def test_command_modules_share_only_the_options():
    cli = ROOT / "queries" / "cli"
    for path in files_in("queries/cli"):
        if path.name in ("__init__.py", "options.py"):
            continue
        siblings = [m for m in imported_modules(path) if m.startswith("queries.cli")]
        assert siblings in ([], ["queries.cli.options"]), f"{path.name} imports {siblings}"
    assert not [m for m in imported_modules(cli / "options.py") if m.startswith("queries.cli.")]
