"""The rooms and the one-way flow between them (docs/architecture.md), checked on every import: plain,
from, relative, and those inside functions."""

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("graph", "loaders", "queries")
# Each room and the rooms it must not import from.
FORBIDDEN = {
    "graph/analysis": ("graph.stores", "graph.spark", "loaders", "queries"),
    # The Spark engine runs the analyses' steps elsewhere; it reads no store.
    "graph/spark": ("graph.stores", "loaders", "queries"),
    "graph/stores": ("graph.analysis", "loaders", "queries"),
    "graph": ("loaders", "queries"),
    "loaders": ("queries", "graph.analysis"),
    # A question does not depend on how it is drawn or typed.
    "queries": ("queries.cli", "queries.pages", "queries.app"),
    "queries/pages": ("queries.cli", "queries.app"),
}
# columns.py: the model's records as column tables, what a bulk load hands a store.
# roles.py: the officer roles and the titles registries write for them.
# cancel.py: the checkpoint the analyses' loops and the stores' reads share, so given-up work stops.
TOP_LEVEL_MODEL = {"model.py", "arrays.py", "names.py", "errors.py", "columns.py", "roles.py", "cancel.py", "listings.py", "texts.py",
                   "__init__.py"}
MAX_LINES = 500
# The command line, the pages and the app: shells over the questions, never imported by them.
SHELLS = ("queries/cli/", "queries/pages/", "queries/app/")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for room in ROOMS for p in files_in(room)}


def imported_modules(path: Path, known: dict[str, Path] | None = None) -> list[str]:
    """Every module of the package a file imports, as a dotted name (``graph.stores.base``):
    ``from . import x`` names module ``x`` where there is one."""
    known = known if known is not None else package_modules()
    package = list(path.relative_to(ROOT).parent.parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name[len("equitygraph."):] for a in node.names if a.name.startswith("equitygraph.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("equitygraph."):
                module = node.module[len("equitygraph."):]
            else:
                continue
            submodules = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in known]
            found += submodules or [module]
    return found


def files_in(room: str) -> list[Path]:
    return sorted(p for p in (ROOT / room).rglob("*.py") if "__pycache__" not in p.parts)


def import_graph() -> nx.DiGraph:
    known = package_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in known.items():
        for module in imported_modules(path, known):
            while module and module not in known:  # ``from .x import name``: the module x
                module = module.rpartition(".")[0]
            # A package's __init__ is not an arrow from its modules (Python runs it first anyway).
            if module and module != name and not name.startswith(module + "."):
                graph.add_edge(name, module)
    return graph


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_downstream(room):
    bad = []
    known = package_modules()
    for path in files_in(room):
        if path.relative_to(ROOT).as_posix().startswith(SHELLS) and room == "queries":
            continue  # the shells are rooms of their own, checked below
        for module in imported_modules(path, known):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[room]):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    assert bad == []


def test_no_circle_between_files():
    circles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert circles == []


def test_every_kind_of_import_is_read(tmp_path):
    """The reader sees plain imports, relative ones, ``from . import module`` and those in functions."""
    known = package_modules()
    sample = ROOT / "queries" / "_layout_probe.py"
    sample.write_text("import equitygraph.graph.model\n"
                      "from .render import iso\n"
                      "from . import i18n\n"
                      "def f():\n"
                      "    from ..loaders import csv_folder\n"
                      "    from equitygraph.queries.cli import options\n", encoding="utf-8")
    try:
        found = imported_modules(sample, known)
    finally:
        sample.unlink()
    assert found == ["graph.model", "queries.render", "queries.i18n", "loaders.csv_folder", "queries.cli.options"]


def test_a_circle_is_found():
    graph = nx.DiGraph([("queries.a", "queries.b"), ("queries.b", "queries.a")])
    assert list(nx.simple_cycles(graph))


def test_graph_top_level_holds_only_the_model():
    assert {p.name for p in (ROOT / "graph").glob("*.py")} == TOP_LEVEL_MODEL


def test_command_modules_share_only_the_options():
    cli = ROOT / "queries" / "cli"
    for path in files_in("queries/cli"):
        if path.name in ("__init__.py", "options.py"):
            continue
        if path.name == "speech.py":  # the words of help and click's messages, under everything else
            assert not [m for m in imported_modules(path) if m.startswith("queries.cli.")]
            continue
        siblings = [m for m in imported_modules(path) if m.startswith("queries.cli")]
        assert set(siblings) <= {"queries.cli.options", "queries.cli.speech"}, f"{path.name} imports {siblings}"
    assert set(m for m in imported_modules(cli / "options.py") if m.startswith("queries.cli.")) <= {"queries.cli.speech"}


def test_modules_are_short_enough_to_read_in_one_sitting():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for room in (*ROOMS, "bench", "tests")
            for p in files_in(room) if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert long == []


def test_every_module_says_what_it_holds():
    silent = [str(p.relative_to(ROOT)) for room in (*ROOMS, "bench") for p in files_in(room)
              if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert silent == []
