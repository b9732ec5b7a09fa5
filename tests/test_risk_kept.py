"""After analyze, one company's risk and its reasons are a read (issue 31): the scores the analysis kept
beside the store (queries/risk/kept.py) are exactly the scores computed again, ``risk NAME`` answers
from them without scoring every company, and they are set aside wherever they no longer describe the
store (records loaded since, another identity decision, another configuration, a date, a damaged file)."""

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import analysed_case, copy_store
from equitygraph.graph.model import Entity, EntityKind
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries import memo
from equitygraph.queries.analyze import analyze
from equitygraph.queries.cli import cli
from equitygraph.queries.risk import kept as risk_kept
from equitygraph.queries.risk import scores as risk_scores
from equitygraph.queries.risk.config import load_config


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    return analysed_case(tmp_path_factory.mktemp("kept") / "case.db", companies=300, seed=5)


@pytest.fixture(autouse=True)
def nothing_remembered():
    memo.forget()
    yield
    memo.forget()


def _same_scores(a, b) -> None:
    assert np.array_equal(a.combined, b.combined) and np.array_equal(a.found.intrinsic, b.found.intrinsic)
    assert np.array_equal(a.found.confirmed, b.found.confirmed) and np.array_equal(a.found.members, b.found.members)
    for family in ("values", "dimension", "counts"):
        one, other = getattr(a.found, family), getattr(b.found, family)
        assert one.keys() == other.keys() and all(np.array_equal(one[k], other[k]) for k in one)
        assert all(one[k].dtype == other[k].dtype for k in one)
    assert a.found.words == b.found.words
    for name in ("score", "received", "seeds", "walked"):
        assert np.array_equal(getattr(a.network, name), getattr(b.network, name))
    assert (a.network.spread != b.network.spread).nnz == 0 and a.network.method == b.network.method


def test_the_scores_kept_are_the_scores_computed(analysed):
    config = load_config()
    with SQLiteStore(analysed, readonly=True) as store:
        assert risk_kept.kept_path(store).is_file()
        read = risk_scores.kept_scores(store, config)
        computed = risk_scores.score_all(store, config)
    assert read is not None and read.found.words  # the case has fundraising words: they come back too
    _same_scores(read, computed)


def _companies(store, scores):
    """A company of each kind of answer: the top of the warning list, one below it with a network part
    only, one with nothing on record around it, and a confirmed case."""
    ids, combined, found = scores.arrays.ids, scores.combined, scores.found
    members = found.members
    warned = members[~found.confirmed[members] & (combined[members] > 0)]
    top = warned[np.argmax(combined[warned])]
    quiet = warned[(found.intrinsic[warned] == 0)]
    nothing = members[combined[members] == 0]
    confirmed = members[found.confirmed[members]]
    picked = [top, quiet[len(quiet) // 2], nothing[0], confirmed[0]]
    return [ids[j] for j in picked]


def test_risk_of_a_company_is_read_not_computed(analysed, monkeypatch):
    config = load_config()
    with SQLiteStore(analysed, readonly=True) as store:
        computed = risk_scores.score_all(store, config)
        ids = _companies(store, computed)
        expected = [risk_scores.risk_of(store, i, config, scores=computed).to_dict() for i in ids]
        monkeypatch.setattr(risk_scores, "score_all", lambda *a, **k: pytest.fail("scores computed again"))
        assert [risk_scores.risk_of(store, i, config).to_dict() for i in ids] == expected
    assert expected[0]["parts"] and not expected[2]["parts"] and expected[3]["confirmed_case"]


def test_the_command_answers_the_same_from_the_kept_scores(analysed, tmp_path):
    copy = tmp_path / "copy.db"
    copy_store(analysed, copy)  # without the kept scores: computed
    shutil.copy(f"{analysed}.arrays.npz", f"{copy}.arrays.npz")
    with SQLiteStore(analysed, readonly=True) as store:
        [name] = [store.get(i).name for i in _companies(store, risk_scores.score_all(store, load_config()))[:1]]
    answers = [CliRunner().invoke(cli, ["risk", name, "--db", str(db), "--format", "json"]) for db in (analysed, copy)]
    assert [a.exit_code for a in answers] == [0, 0] and answers[0].output == answers[1].output
    assert not risk_kept.kept_path(SQLiteStore(copy, readonly=True)).exists()


def _computes(monkeypatch) -> list:
    calls = []
    real = risk_scores.score_all
    monkeypatch.setattr(risk_scores, "score_all", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_the_kept_scores_are_set_aside_where_they_no_longer_describe_the_store(analysed, tmp_path, monkeypatch):
    copy = tmp_path / "copy.db"
    copy_store(analysed, copy)
    for suffix in (".arrays.npz", ".risk.npz"):
        shutil.copy(f"{analysed}{suffix}", f"{copy}{suffix}")
    config = load_config()
    calls = _computes(monkeypatch)
    with SQLiteStore(copy) as store:
        assert risk_scores.kept_scores(store, config) is not None
        other = load_config()
        other.sections["tiers"]["yellow"] = 0.2
        assert risk_scores.kept_scores(store, other) is None
        a, b = [e.id for e in store.iter_records() if getattr(e, "kind", None) is EntityKind.PERSON][:2]
        store.decide_identity(a, b, same=False)
        assert risk_scores.kept_scores(store, config) is None  # another decision: another control, other scores
        analyze(store)
        assert risk_scores.kept_scores(store, config) is not None
        with store.writer() as w:
            w.add(Entity("co:new", EntityKind.COMPANY, "新来有限公司"))
        assert risk_scores.kept_scores(store, config) is None  # a record loaded since
        analyze(store)
        read = risk_scores.kept_scores(store, config)
        assert read is not None and "co:new" in read.arrays.ids
        memo.forget()
        calls.clear()
        risk_scores.remembered_scores(store, config)
        assert calls == []
        risk_scores.remembered_scores(store, config, as_of=__import__("datetime").date(2020, 1, 1))
        assert calls == [1]  # another date: computed
    path = risk_kept.kept_path(SQLiteStore(copy, readonly=True))
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    with SQLiteStore(copy, readonly=True) as store:
        assert risk_scores.kept_scores(store, config) is None


def test_an_analysis_as_of_a_date_keeps_nothing_and_memory_stores_keep_nothing(tmp_path):
    import datetime as dt

    from equitygraph.loaders.synthetic import generate_case
    from equitygraph.loaders.csv_folder import load_folder

    generate_case(tmp_path / "case", companies=60, seed=3)
    with SQLiteStore(tmp_path / "dated.db") as store:
        load_folder(store, tmp_path / "case")
        analyze(store, as_of=dt.date(2023, 6, 30))
        assert not risk_kept.kept_path(store).exists()
    with SQLiteStore(":memory:") as store:
        load_folder(store, tmp_path / "case")
        analyze(store)
        assert risk_kept.kept_path(store) is None


def test_the_kept_scores_are_readable_by_their_owner_only_and_a_failed_write_leaves_the_last(analysed, monkeypatch):
    path = analysed.with_name(analysed.name + ".risk.npz")
    with SQLiteStore(analysed) as store:
        scores = risk_scores.score_all(store, load_config())
        assert risk_kept.keep(store, scores) is True
        assert path.stat().st_mode & 0o777 == 0o600
        before = path.read_bytes()

        def failing(archive, name, array):
            raise OSError("disk full")

        monkeypatch.setattr(risk_kept, "_put", failing)
        assert risk_kept.keep(store, scores) is False
    assert path.read_bytes() == before  # the file in place is whole, and no temporary is left beside it
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(("." + path.name, path.name))) == [path.name]
