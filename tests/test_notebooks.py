"""Every notebook runs top to bottom, tells its case before its code, uses the public API only, names
where its data comes from and holds nothing private; git holds them without outputs."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
#: The notebooks started from data someone outside the project wrote, and the files they read.
REAL_DATA = {"01-quick-start.ipynb": "tw-gcis-22099131", "02-hidden-control-case-study.ipynb": "'bods' / 'v0.4'",
             "03-neo4j-walkthrough.ipynb": "'gleif'", "06-screening.ipynb": "eu_fsf-excerpt.ftm.json"}


def code_of(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def test_the_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-quick-start.ipynb", "02-hidden-control-case-study.ipynb",
                                           "03-neo4j-walkthrough.ipynb", "04-related-parties-case-research.ipynb",
                                           "05-early-warning-risk.ipynb", "06-screening.ipynb",
                                           "07-beyond-one-machine.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_uses_the_public_api_only(path):
    code = code_of(path)
    assert not re.search(r"\._[a-z]", code)  # no private methods or attributes
    assert "__name__" not in code and "iter_records" not in code  # records found by the library, not by type name
    assert not re.search(r"from equitygraph\.\S*\._", code)  # no private module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_tells_its_case_first_and_holds_nothing_private(path):
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert sum(len(c.source.split()) for c in notebook.cells if c.cell_type == "markdown") >= 100, "a story, not a stub"
    text = "\n".join(c.source for c in notebook.cells)
    assert not re.search(r"\b\d{17}[\dXx]\b", text)  # no resident ID numbers


@pytest.mark.parametrize("name, data", sorted(REAL_DATA.items()))
def test_the_real_cases_read_real_extracts_and_say_whose(name, data):
    path = next(p for p in NOTEBOOKS if p.name == name)
    assert data in code_of(path)
    intro = nbformat.read(path, as_version=4).cells[0].source
    assert re.search(r"[Ll]icen[cs]e", intro) and "README.md" in intro


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, neo4j_lib, monkeypatch, tmp_path):
    monkeypatch.setenv("EQUITYGRAPH_NEO4J_LIB", str(neo4j_lib))
    scratch = tmp_path / "tmp"  # where the notebook's temporary folders go: a run leaves nothing there
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "outputs in git"
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # result objects render as tables
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr" and "Warning" in o.text]
    assert not list(scratch.iterdir())  # the walkthrough's case (half a gigabyte with a Neo4j server) is removed
