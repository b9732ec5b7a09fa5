"""Hostile data (issue 17): names, addresses and texts written by the people under investigation
cannot reach a terminal, a spreadsheet or a regex; odd encodings are read right or refused."""

import csv
import json
import time
import xml.etree.ElementTree as ElementTree

import pytest
from click.testing import CliRunner

from conftest import write_case
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder
from equitygraph.queries.cli import cli

# A name that retitles the window (OSC), moves the cursor back over the line (CR), rewrites it
# in red (CSI), and reverses what follows (RLO); and cells a spreadsheet would run.
HOSTILE = "华信\x1b]0;pwned\x07\r\x1b[31mactual controller: 假\u202e公司"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "'=already quoted"]
STEERING = ("\x1b", "\x07", "\r", "\u202e", "\x9b")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITYGRAPH_DB", str(tmp_path / "h.db"))
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args])


@pytest.fixture
def hostile_case(tmp_path):
    rows = [["id", "kind", "name", "address"], ["P", "person", HOSTILE, FORMULAS[0]], ["C", "company", "长城公司", ""]]
    rows += [[f"F{i}", "company", name, ""] for i, name in enumerate(FORMULAS)]
    text = "".join(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n" for row in rows)
    return write_case(tmp_path / "hostile", entities=text, holdings="holder_id,company_id,share\nP,C,60\n")


def test_no_steering_character_reaches_the_terminal(run, hostile_case):
    assert run("load", hostile_case).exit_code == 0
    for command in (["company", "C"], ["control", "C"], ["search", "华信"], ["company", "P"]):
        out = run(*command).output
        assert not any(ch in out for ch in STEERING), command
        assert "\\x1b]0;pwned\\x07\\r\\x1b[31mactual controller" in out, command
    missing = run("company", "华信\x1b[2J")  # the closest-names message quotes what was typed, and names
    assert missing.exit_code == 1 and not any(ch in missing.output for ch in STEERING)
    for fmt in ("json", "jsonl"):
        out = run("company", "C", "--format", fmt).output
        assert not any(ch in out for ch in STEERING), fmt
        assert "\\u001b]0;pwned\\u0007\\r" in out  # JSON escapes, and the value is exact when parsed


def test_json_keeps_the_exact_value(run, hostile_case):
    run("load", hostile_case)
    data = json.loads(run("company", "P", "--format", "json").output)
    assert data["entity"]["name"] == HOSTILE


def test_csv_for_people_neutralises_formulas(run, hostile_case):
    run("load", hostile_case)
    out = run("search", "公司", "--format", "csv").output + run("company", "C", "--format", "csv").output
    cells = [cell for row in csv.reader(out.splitlines()) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_the_canonical_export_is_safe_to_open_and_loads_back_identically(run, hostile_case, tmp_path):
    run("load", hostile_case)
    assert run("export", "--format", "csv", "-o", tmp_path / "out").exit_code == 0
    with open(tmp_path / "out" / "entities.csv", encoding="utf-8", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    # A leading ' before a formula character is the format's escape: "'=already quoted" was read as
    # "=already quoted" (docs/csv-format.md), and is written escaped again.
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells and "'=already quoted" in cells
    assert run("load", tmp_path / "out", "--db", tmp_path / "again.db").exit_code == 0
    with SQLiteStore(tmp_path / "h.db") as a, SQLiteStore(tmp_path / "again.db") as b:
        assert list(a.iter_records()) == list(b.iter_records())
        assert (a.get("F0").name, b.get("F4").name) == (FORMULAS[0], "=already quoted")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_exports_are_well_formed_xml_whatever_the_names(run, hostile_case, tmp_path, fmt):
    run("load", hostile_case)
    assert run("export", "--format", fmt, "-o", tmp_path / f"g.{fmt}").exit_code == 0
    text = ElementTree.parse(tmp_path / f"g.{fmt}").getroot()
    values = [v for e in text.iter() for v in (*e.attrib.values(), e.text or "")]
    assert any("\\x1b]0;pwned\\x07" in v for v in values)


def test_a_pathological_share_cell_is_refused_at_once(tmp_path):
    """A share of "1", 32,000 spaces and "x" took 13 s in the old pattern; every pattern now runs in linear time."""
    rows = "".join(f"P,C{i},1{' ' * 32_000}x\n" for i in range(20))
    entities = "id,kind,name\nP,person,张\n" + "".join(f"C{i},company,公司{i}\n" for i in range(20))
    folder = write_case(tmp_path / "slow", entities=entities, holdings="holder_id,company_id,share\n" + rows)
    started = time.perf_counter()
    with SQLiteStore(tmp_path / "slow.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert time.perf_counter() - started < 1.0
    assert str(error.value) == "holdings.csv:2: share: '1                                       '... (32,002 characters) " \
                               "is too long to be a share"


def test_a_huge_capital_is_an_error_not_infinity(tmp_path):
    folder = write_case(tmp_path / "huge", entities="id,kind,name,registered_capital\nC,company,甲," + "9" * 60 + "\n",
                        holdings="holder_id,company_id,share\n")
    with SQLiteStore(tmp_path / "huge.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert str(error.value).endswith("is larger than any registered capital (above 10^18)")


def test_a_line_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    from equitygraph.loaders import textfile

    monkeypatch.setattr(textfile, "MAX_LINE_BYTES", 1 << 16)
    folder = write_case(tmp_path / "long", entities="id,kind,name\nC,company," + "长" * 40_000 + "\n")
    with SQLiteStore(tmp_path / "long.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert str(error.value) == "entities.csv:2: the line is longer than 0 MiB".replace("0 MiB", f"{(1 << 16) >> 20} MiB")


def test_latin1_is_read_as_latin1_and_said_so(tmp_path):
    """Latin-1 used to be stored as wrong Chinese (Müller as M黮ler)."""
    folder = write_case(tmp_path / "latin", encoding="latin-1",
                        entities="id,kind,name\nP,person,Jürgen Müller\nQ,person,Renée Groß\nC,company,Société Générale\n",
                        holdings="holder_id,company_id,share\nP,C,60\n")
    with SQLiteStore(tmp_path / "latin.db") as store:
        report = load_folder(store, folder)
        assert store.get("P").name == "Jürgen Müller" and store.get("C").name == "Société Générale"
    assert report.encodings["entities.csv"] in ("cp1252", "latin-1")


def test_utf16_reads_detected_and_forced(tmp_path):
    for forced in (None, "utf-16"):
        folder = write_case(tmp_path / f"u16-{forced}", encoding="utf-16", holdings="holder_id,company_id,share\n")
        with SQLiteStore(tmp_path / f"u16-{forced}.db") as store:
            report = load_folder(store, folder, encoding=forced)
            assert store.get("C1").name == "华信投资有限公司"
        assert report.encodings["entities.csv"] == "utf-16"


def test_what_cannot_be_decoded_confidently_is_refused_with_a_hint(tmp_path):
    folder = write_case(tmp_path / "noise", holdings="holder_id,company_id,share\n")
    (folder / "entities.csv").write_bytes(b"id,kind,name\n" + bytes(range(128, 256)) * 40 + b"\n")
    with SQLiteStore(tmp_path / "noise.db") as store, pytest.raises(InvalidInput) as error:
        load_folder(store, folder)
    assert str(error.value).startswith("entities.csv: is not UTF-8, and no other encoding")
    assert "--encoding" in str(error.value)


@pytest.mark.parametrize("name, message", [
    ("no-such-encoding", "entities.csv: unknown encoding 'no-such-encoding'"),
    ("hex", "entities.csv: 'hex' is not a text encoding"),
])
def test_bad_encoding_names_are_one_line_errors(run, case, name, message):
    result = run("load", case, "--encoding", name)
    assert (result.exit_code, result.output.strip()) == (1, f"Error: {message}")


def test_a_wrong_forced_encoding_names_the_line(run, tmp_path):
    folder = write_case(tmp_path / "ascii")
    result = run("load", folder, "--encoding", "ascii")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: entities.csv:2: cannot be decoded as ascii")


def test_reports_and_exports_are_private_and_name_only_the_folder(run, case, tmp_path):
    import os

    run("load", case)
    assert run("report", "C1", "-o", tmp_path / "r.html").exit_code == 0
    assert run("export", "--format", "jsonl", "-o", tmp_path / "e.jsonl").exit_code == 0
    for name in ("r.html", "e.jsonl", "h.db"):
        assert (tmp_path / name).stat().st_mode & 0o077 == 0, name
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert str(case.parent) not in html and ">case<" in html
    del os
