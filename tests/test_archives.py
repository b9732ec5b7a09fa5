"""Compressed inputs (issue 30): a .json.gz, .jsonl.gz or .zip of the real publishers' samples in
tests/data/open (licences in its README) loads to exactly what the plain file or folder gives, its
errors name the archive and the file inside, and an archive made to harm is refused."""

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import dump, write_case
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders import archives
from equitygraph.loaders.formats import load_path
from equitygraph.queries.cli import cli

OPEN = Path(__file__).parent / "data" / "open"
BODS = OPEN / "bods" / "v0.4" / "bods-package.json"


def loaded(path: Path, db: Path, **options) -> list:
    """Every row the load wrote (the salt of ID-number hashes aside: each new store draws its own)."""
    with SQLiteStore(db) as store:
        load_path(store, path, **options)
    return [(table, [r for r in rows if "'id_salt'" not in r]) for table, rows in dump(db, skip_meta=True)]


def gzipped(source: Path, target: Path) -> Path:
    with open(source, "rb") as plain, gzip.open(target, "wb") as packed:
        shutil.copyfileobj(plain, packed)
    return target


def zipped(folder: Path, target: Path, inside: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{inside}{path.relative_to(folder).as_posix()}")
        archive.writestr("__MACOSX/._entities.csv", b"\x00\x05\x16\x07")  # what a Mac's archiver adds
    return target


def test_a_gzipped_bods_file_and_its_json_lines_load_as_the_plain_file(tmp_path):
    plain = loaded(BODS, tmp_path / "plain.db")
    assert loaded(gzipped(BODS, tmp_path / "bods-package.json.gz"), tmp_path / "gz.db") == plain
    lines = tmp_path / "statements.jsonl"
    lines.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in json.loads(BODS.read_text())),
                     encoding="utf-8")
    assert loaded(gzipped(lines, tmp_path / "statements.jsonl.gz"), tmp_path / "jsonl.db") == \
        loaded(lines, tmp_path / "lines.db")


def test_a_zip_of_the_uk_psc_folder_and_of_a_canonical_csv_folder_load_as_the_folders(tmp_path):
    assert loaded(zipped(OPEN / "uk_psc", tmp_path / "psc.zip"), tmp_path / "psc-zip.db") == \
        loaded(OPEN / "uk_psc", tmp_path / "psc.db")
    case = write_case(tmp_path / "case")
    # the folder itself inside the archive, as zipping a folder makes it
    assert loaded(zipped(case, tmp_path / "case.zip", inside="case/"), tmp_path / "csv-zip.db") == \
        loaded(case, tmp_path / "csv.db")


def test_the_report_and_the_provenance_name_the_archive(tmp_path):
    archive = gzipped(BODS, tmp_path / "bods-package.json.gz")
    result = CliRunner().invoke(cli, ["load", str(archive), "--db", str(tmp_path / "g.db"), "--report-format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["source"] == str(archive)
    with SQLiteStore(tmp_path / "g.db") as store:
        assert json.loads(store.get_meta("last_load"))["source"] == str(archive.resolve())


def test_an_error_inside_names_the_archive_and_the_file(tmp_path):
    statements = json.loads(BODS.read_text())
    statements[1]["recordType"] = "spaceship"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "statements.jsonl").write_text("".join(json.dumps(s) + "\n" for s in statements), encoding="utf-8")
    with SQLiteStore(tmp_path / "e.db") as store:
        with pytest.raises(InvalidInput) as zipped_error:
            load_path(store, zipped(bad, tmp_path / "bad.zip"))
        assert str(zipped_error.value).startswith("bad.zip: statements.jsonl:2: ")
        with pytest.raises(InvalidInput) as gzipped_error:
            load_path(store, gzipped(bad / "statements.jsonl", tmp_path / "statements.jsonl.gz"))
        assert str(gzipped_error.value).startswith("statements.jsonl.gz:2: ")
        assert store.is_empty()


def test_broken_and_harmful_archives_are_refused_in_one_line(tmp_path, monkeypatch):
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(gzipped(BODS, tmp_path / "whole.json.gz").read_bytes()[:200])
    outside = tmp_path / "outside.zip"
    with zipfile.ZipFile(outside, "w") as archive:
        archive.writestr("../evil.json", "[]")
    locked = tmp_path / "locked.zip"
    with zipfile.ZipFile(locked, "w") as archive:
        archive.writestr("statements.json", "[]")
    # marked encrypted, as a password-protected archive's members are (zipfile writes no encryption):
    # the flag's bit 0 in the local header (offset 6) and in the central directory's (offset 8)
    raw = bytearray(locked.read_bytes())
    raw[raw.find(b"PK\x03\x04") + 6] |= 0x1
    raw[raw.find(b"PK\x01\x02") + 8] |= 0x1
    locked.write_bytes(bytes(raw))
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("folder/", "")
    not_zip = tmp_path / "fake.zip"
    not_zip.write_text("PK but not really", encoding="utf-8")
    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb") as packed:
        packed.write(b" " * 200_000)
    monkeypatch.setattr(archives, "MIN_GUARDED", 0)
    monkeypatch.setattr(archives, "MAX_RATIO", 50)
    said = {}
    for path in (cut, outside, locked, empty, not_zip, bomb):
        result = CliRunner().invoke(cli, ["load", str(path), "--db", str(tmp_path / "x.db")])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        said[path.name] = result.output.strip().splitlines()[-1]
    assert said["cut.json.gz"].startswith("Error: cut.json.gz: is not a complete gzip file (EOFError")
    assert said["outside.zip"] == "Error: outside.zip: ../evil.json: would be unpacked outside its folder"
    assert said["locked.zip"] == "Error: locked.zip: statements.json: is encrypted: unpack it yourself and load the file"
    assert said["empty.zip"] == "Error: empty.zip: holds no file to load"
    assert said["fake.zip"].startswith("Error: fake.zip: is not a zip archive")
    assert said["bomb.json.gz"] == ("Error: bomb.json.gz: unpacks to more than 50 times its size: refused as an "
                                    "archive made to fill the disk")
    assert not (tmp_path / "x.db").exists() or SQLiteStore(tmp_path / "x.db").is_empty()


def test_nothing_unpacked_is_left_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    loaded(gzipped(BODS, tmp_path / "b.json.gz"), tmp_path / "b.db")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_folder_of_compressed_parts_loads_as_the_folder_of_plain_ones(tmp_path):
    """A register published as many parts, some compressed (the real UK PSC sample's files, each
    gzipped but two, and its company data zipped): the same store as the plain folder."""
    parts = tmp_path / "parts"
    parts.mkdir()
    for k, path in enumerate(sorted((OPEN / "uk_psc").iterdir())):
        if path.name.startswith("company"):
            with zipfile.ZipFile(parts / f"{path.stem}.zip", "w") as archive:
                archive.write(path, path.name)
        elif k % 7 == 0:
            shutil.copy(path, parts / path.name)
        else:
            gzipped(path, parts / f"{path.name}.gz")
    assert loaded(parts, tmp_path / "parts.db") == loaded(OPEN / "uk_psc", tmp_path / "plain.db")
    shutil.copy(OPEN / "uk_psc" / "psc-data-1.json", parts / "psc-data-1.json")  # twice now: plain and gzipped
    with pytest.raises(InvalidInput, match="^psc-data-1.json.gz: holds psc-data-1.json, which another file of the "
                                           "folder holds too$"):
        loaded(parts, tmp_path / "twice.db")
