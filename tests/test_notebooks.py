"""Every notebook runs top to bottom on a generated case, and git holds them without outputs."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_five_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-quick-start.ipynb", "02-hidden-control-case-study.ipynb",
                                           "03-neo4j-walkthrough.ipynb", "04-related-parties-case-research.ipynb",
                                           "05-early-warning-risk.ipynb"]


def test_notebooks_use_the_public_api_only():
    for path in NOTEBOOKS:
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert not re.search(r"\._[a-z]", code), path.name  # no private methods or attributes


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, neo4j_lib, monkeypatch, tmp_path):
    monkeypatch.setenv("EQUITYGRAPH_NEO4J_LIB", str(neo4j_lib))
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "outputs in git"
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # result objects render as tables
