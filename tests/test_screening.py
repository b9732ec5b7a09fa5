"""Screening against sanctions, PEP and wanted lists: the names across scripts (on real list data),
the list reader, the blocking against a brute-force oracle, and the whole way from a match to a
decision, a risk event, the reports and the alerts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from screening_pairs import DATA, cn_pairs, eu_pairs, labelled_pairs, namesake_pairs, putin_pairs

from conftest import run_cli
from equitygraph.graph.analysis.screening import THRESHOLD, Feature, ListIndex, score_pair
from equitygraph.graph.analysis.screening_names import SAME_SOUND, name_form, name_keys, name_similarity
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.listings import ORGANISATION, PERSON, Listing, Party
from equitygraph.graph.model import Entity, EntityKind, EventType, Holding, Link, LinkKind, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.watchlists import read_lists

EU = DATA / "eu_fsf-excerpt.ftm.json"
KUZMENKO, INTER_TOBACCO, ZHURAVLEVA = "NK-2Ka3UvopqbpZmVDFjWd4LA", "NK-2GdmHtZTeNXjNVrBGEXZNj", "NK-2KeUB68qUJtykm3BuAcazG"


# -- names on real data ---------------------------------------------------------------------------
def test_chinese_names_found_by_their_romanisation_where_it_is_pinyin_or_wade_giles():
    matched = {p.names[0] for p, e, same, _ in cn_pairs() if same and score_pair(p, e).score >= THRESHOLD}
    # Pinyin (余茂春 Yu Maochun) and Wade-Giles (王定宇 Wang Ting-yu); not Taiwan's own spellings (Koo,
    # Ker, Jiau for 椒 jiao, Hsiao Bi-khim: a syllable is matched only by itself, as peng is not ping)
    # nor Western names written in characters (鲁比欧 is Rubio).
    assert matched == {"余茂春", "王定宇", "蔡其昌", "林飞帆"}


def test_no_false_match_in_the_labelled_pairs_and_recall_per_source():
    found = {}
    for party, entry, same, source in labelled_pairs():
        hit = score_pair(party, entry).score >= THRESHOLD
        assert not (hit and not same), (party.names, entry.names)
        if same:
            found.setdefault(source, []).append(hit)
    assert {s: (sum(v), len(v)) for s, v in found.items()} == {"cn": (4, 28), "eu": (32, 35), "putin": (73, 81)}


def test_the_namesakes_are_hard_negatives():
    """A surname or a given name shared with the entry: more than half score something, none a match."""
    scores = [score_pair(p, e).score for p, e, _, _ in namesake_pairs()]
    assert len(scores) == 132 and max(scores) < THRESHOLD and sum(s > 0 for s in scores) > 66


def test_a_birth_date_decides_between_namesakes():
    entry = Listing("x", PERSON, ("ZHANG Wei",), "ZHANG Wei", "l", ("sanctioned",), birth_dates=("1970-05-01",))
    same = score_pair(Party("a", PERSON, ("张伟",), "1970-05-01"), entry)
    year = score_pair(Party("b", PERSON, ("张伟",), "1970"), entry)
    other = score_pair(Party("c", PERSON, ("张伟",), "1985-01-01"), entry)
    unknown = score_pair(Party("d", PERSON, ("张伟",)), entry)
    assert (same.score, year.score, other.score, unknown.score) == pytest.approx((1.0, 0.95, 0.5, SAME_SOUND))
    assert [(f.name, f.detail) for f in other.features] == [("name_sound", "张伟 ~ ZHANG Wei"),
                                                            ("other_birth_year", "1985-01-01 ≠ 1970-05-01")]


def test_identifiers_support_and_contradict():
    lei, other_lei = "001GPB6A9XPE8XJICC14", "00TR8NKAEL48RGTZEW89"
    entry = Listing("x", ORGANISATION, ("Acme Trading Ltd",), "Acme", "l", ("sanctioned",), identifiers=frozenset({"lei:" + lei}))
    assert score_pair(Party("a", ORGANISATION, ("Zenith Holdings",), identifiers=frozenset({"lei:" + lei})), entry).score == 0.4
    found = score_pair(Party("b", ORGANISATION, ("ACME TRADING LIMITED",), identifiers=frozenset({"lei:" + other_lei})), entry)
    assert found.score == pytest.approx(0.85) and found.features[1] == Feature(
        "other_identifier", -0.15, f"lei:{other_lei} ≠ lei:{lei}")


def test_an_address_supports_and_never_contradicts():
    entry = Listing("x", ORGANISATION, ("Inter Tobacco",), "x", "l", ("sanctioned",),
                    addresses=("Minsk Free Economic Zone, Belarus",))
    here = score_pair(Party("a", ORGANISATION, ("Inter Tobacco LLC",), addresses=("BELARUS, MINSK, Free Economic Zone",)),
                      entry)
    elsewhere = score_pair(Party("b", ORGANISATION, ("Inter Tobacco LLC",), addresses=("5 Main Street, Riga",)), entry)
    assert here.features[-1] == Feature("address", 0.1, "BELARUS, MINSK, Free Economic Zone ~ Minsk Free Economic Zone, Belarus")
    assert [f.name for f in elsewhere.features] == ["name_spelling"]


def test_an_address_needs_three_shared_words_and_half_of_the_shorter():
    entry = Listing("x", ORGANISATION, ("Acme Trading",), "x", "l", ("sanctioned",),
                    addresses=("Minsk Free Zone Belarus Road",))
    three = score_pair(Party("a", ORGANISATION, ("Acme Trading",), addresses=("Minsk Free Zone",)), entry)
    two = score_pair(Party("b", ORGANISATION, ("Acme Trading",), addresses=("Minsk Free",)), entry)
    long_entry = Listing("y", ORGANISATION, ("Acme Trading",), "y", "l", ("sanctioned",),
                         addresses=("Minsk Free Zone Belarus Road Gomel Oblast Sector",))
    few = score_pair(Party("c", ORGANISATION, ("Acme Trading",), addresses=(
        "Minsk Free Zone Brest Grodno Mogilev Vitebsk",)), long_entry)  # 3 shared: under half of the shorter's 7
    assert [f.name for f in three.features] == ["name_spelling", "address"]
    assert [f.name for f in two.features] == [f.name for f in few.features] == ["name_spelling"]


def test_registration_numbers_of_other_registers_contradict_nothing():
    """Only an LEI or a unified social credit code is one a party: two other numbers may be of two registers."""
    entry = Listing("x", ORGANISATION, ("Acme Trading",), "x", "l", ("sanctioned",), identifiers=frozenset({"reg:808000714"}))
    other = score_pair(Party("a", ORGANISATION, ("Acme Trading",), identifiers=frozenset({"reg:12345678"})), entry)
    assert [f.name for f in other.features] == ["name_spelling"]


def test_list_addresses_are_read_from_their_entities(tmp_path):
    path = tmp_path / "l.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in [
        {"id": "o1", "schema": "Company", "properties": {"name": ["Acme"], "addressEntity": ["ad1", "gone"],
                                                         "address": ["PO Box 1, Minsk"]}},
        {"id": "ad1", "schema": "Address", "properties": {"full": ["Minsk Free Economic Zone, Belarus"]}}]),
        encoding="utf-8")
    assert read_lists([path])[0].addresses == ("PO Box 1, Minsk", "Minsk Free Economic Zone, Belarus")


# -- properties -------------------------------------------------------------------------------------
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高", "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"
chinese_names = st.tuples(st.sampled_from(SURNAMES), st.text(GIVEN, min_size=1, max_size=2)).map("".join)


@settings(max_examples=300, deadline=None)
@given(chinese_names, st.booleans(), st.booleans())
def test_a_chinese_name_meets_its_pinyin_in_any_order_and_case(name, surname_first, upper):
    from equitygraph.graph.names import pinyin_words

    syllables = pinyin_words(name).split()
    surname, given_name = syllables[0], "".join(syllables[1:])
    written = f"{surname.upper() if upper else surname.title()} {given_name.title()}"
    if not surname_first:
        written = f"{given_name.title()} {surname.upper() if upper else surname.title()}"
    a, b = name_form(name, person=True), name_form(written, person=True)
    assert name_similarity(a, b) == (SAME_SOUND, "sound")
    assert name_keys(a) & name_keys(b)  # blocking brings them together


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["vladimir", "putin", "tatiana", "maria", "ali", "hassan", "john", "smith"]),
                min_size=2, max_size=4, unique=True), st.randoms())
def test_word_order_and_case_change_nothing(words, rnd):
    shuffled = words[:]
    rnd.shuffle(shuffled)
    a, b = name_form(" ".join(words)), name_form(" ".join(shuffled).upper())
    assert name_similarity(a, b) == (1.0, "spelling") and name_keys(a) == name_keys(b)


def test_blocking_finds_what_comparing_every_pair_finds_on_the_labelled_pairs():
    """The oracle: every party against every entry (no blocking) gives the same matches (a quarter
    of the 81 spellings of Putin's name: each entry holds the other 80, and every pair is compared)."""
    putin = [pair for pair in putin_pairs() if int(pair[0].id.split("-")[1]) % 4 == 0]
    pairs = cn_pairs() + eu_pairs() + putin + namesake_pairs()
    parties = {p.id: p for p, _, _, _ in pairs}
    listings = {}
    for _, e, _, _ in pairs:
        listings.setdefault((e.id, e.names), e)
    entries = [Listing(f"{i}", e.kind, e.names, e.caption, e.dataset, e.categories, e.birth_dates, e.countries,
                       e.identifiers) for i, e in enumerate(listings.values())]
    index = ListIndex(entries)
    for party in parties.values():
        forms = [(n, name_form(n, party.kind == ORGANISATION, party.kind == PERSON)) for n in party.names]
        brute = {e.id for e in entries if (m := score_pair(party, e, forms, index.forms.get(
            (e.id, party.kind == ORGANISATION)))) is not None and m.score >= THRESHOLD}
        assert {m.listing for m in index.screen(party)} == brute, party.names


# -- the list reader --------------------------------------------------------------------------------
def test_the_eu_excerpt_reads_as_the_data_says():
    entries = {e.id: e for e in read_lists([EU])}
    assert len(entries) == 6  # the address is no party (and no target)
    kuzmenko = entries[KUZMENKO]
    assert (kuzmenko.kind, kuzmenko.dataset, kuzmenko.categories, kuzmenko.birth_dates, kuzmenko.listed) == (
        PERSON, "eu_fsf", ("sanctioned",), ("1971-01-22",), "2024-02-26")
    assert kuzmenko.identifiers == {"id:366510784303"} and kuzmenko.countries == {"ru"}
    assert entries[INTER_TOBACCO].identifiers == {"reg:808000714"} and entries[INTER_TOBACCO].kind == ORGANISATION
    assert len(entries[INTER_TOBACCO].names) == 12


def sanctions_list(tmp_path, *extra: dict) -> str:
    """The China counter-sanctions rows with Chinese names written as an FtM list: each row a
    target with its Latin names, and a Sanction entity with the body, the list and the date."""
    from screening_pairs import cn_rows

    lines = []
    for i, row in enumerate(r for r in cn_rows() if r["Chinese name"]):
        schema = row["Type"] if row["Type"] != "Company" else "Company"
        lines.append({"id": f"cn-{i}", "schema": schema, "properties": {
            "name": [row["Name"]], "country": [row["Country"].lower()] if len(row["Country"]) == 2 else [],
            "topics": [row["Topics"]]}, "datasets": ["cn_sanctions"]})
        day, month, year = row["Date"].split(".")
        year = year if len(year) == 4 else "20" + year
        lines.append({"id": f"cn-{i}-sanction", "schema": "Sanction", "properties": {
            "entity": [f"cn-{i}"], "authority": [row["Body"]], "program": [row["List"]] if row["List"] else [],
            "startDate": [f"{year}-{int(month):02d}-{int(day):02d}"]}})
    lines.extend(extra)
    path = tmp_path / "cn_sanctions.ftm.json"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    return str(path)


def test_sanctions_give_the_program_and_date_and_no_target_is_left_out(tmp_path):
    extra = {"id": "rel-1", "schema": "Person", "properties": {"name": ["王定宇"]}, "target": False}
    entries = {e.id: e for e in read_lists([sanctions_list(tmp_path, extra)])}
    wang = next(e for e in entries.values() if e.caption == "Wang Ting-yu")
    assert (wang.categories, wang.programs, wang.listed, wang.dataset) == (
        ("sanctioned",), ("Taiwan Affairs Office of the State Council",), "2022-08-16", "cn_sanctions")
    assert "rel-1" not in entries
    assert next(e for e in entries.values() if e.caption.startswith("IHI")).categories == ("listed",)  # export control


def test_a_bad_list_line_is_named(tmp_path):
    bad = tmp_path / "bad.ftm.json"
    bad.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as e:
        read_lists([bad])
    assert str(e.value) == "bad.ftm.json:2: schema: is not the name of a FollowTheMoney schema"
    small_register(tmp_path / "x.db")
    result = run_cli("screen", bad, "--db", tmp_path / "x.db")
    assert result.exit_code == 1 and "bad.ftm.json:2: schema: is not the name of a FollowTheMoney schema" in result.output


# -- the whole way ----------------------------------------------------------------------------------
def small_register(db) -> None:
    with SQLiteStore(db) as store, store.writer() as w:
        w.add_many([
            Entity("p-wang", EntityKind.PERSON, "王定宇"),
            Entity("p-kuz", EntityKind.PERSON, "Vitaly Kuzmenko", birth_date=dt.date(1971, 1, 22)),
            Entity("p-zhu", EntityKind.PERSON, "Tatiana Zhuravleva", birth_date=dt.date(1980, 2, 2)),
            Entity("c-star", EntityKind.COMPANY, "深圳市星河贸易有限公司"),
            Entity("c-armor", EntityKind.COMPANY, "Armor Repair Service LLC"),
            Entity("c-tob", EntityKind.COMPANY, "Inter Tobacco LLC", reg_no="808000714"),
            Holding("p-wang", "c-star", Share.exact(0.6)), Holding("p-kuz", "c-armor", Share.exact(1.0)),
            Holding("p-zhu", "c-star", Share.exact(0.4)), Holding("c-armor", "c-tob", Share.exact(0.3)),
        ])


def test_screen_decide_and_take_back(tmp_path):
    db = tmp_path / "case.db"
    small_register(db)
    before = json.loads(run_cli("risk", "c-armor", "--db", db, "--format", "json").output)
    result = run_cli("screen", EU, sanctions_list(tmp_path), "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["lists"] == {"eu_fsf": 6, "cn_sanctions": 28} and report["parties"] == 6
    found = {(m["party"], m["caption"]) for m in report["matches"]}
    assert found == {("p-kuz", "Vitaly Yurievich KUZMENKO"), ("c-tob", "RAB „Inter Tobacco“"), ("p-wang", "Wang Ting-yu")}
    kuz = next(m for m in report["matches"] if m["party"] == "p-kuz")
    # by hand: kuzmenko pairs whole (8); Vitaly / Vitalij by Jaro-Winkler 0.9095 - 0.05 over their 6.5
    # letters (5.587); 13.587 / 14 x (0.8 + 0.2 x 13.587 / 15) = 0.9522
    assert kuz["features"] == [["name_spelling", 0.9522, "Vitaly Kuzmenko ~ Vitalij Kuzmenko"],
                               ["birth_date", 0.15, "1971-01-22"]]
    tob = next(m for m in report["matches"] if m["party"] == "c-tob")
    assert ["identifier", 0.4, "reg:808000714"] in tob["features"]

    decided = run_cli("same", "p-kuz", f"list:{KUZMENKO}", "--db", db, "--format", "json")
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.output)["events"] == [
        {"type": "sanctioned", "date": "2024-02-26", "text": "Vitaly Yurievich KUZMENKO (eu_fsf)"}]
    with SQLiteStore(db) as store:
        events = [e for e in store.edges_touching(["p-kuz"]).events]
        assert [(e.type, e.source) for e in events] == [(EventType.SANCTIONED, f"list:{KUZMENKO}")]
    after = json.loads(run_cli("risk", "c-armor", "--db", db, "--format", "json").output)
    assert after["network"] > before["network"] + 0.3  # a sanctioned holder is a confirmed source
    assert any("from sanctioned party Vitaly Kuzmenko" in p["words"] for p in after["parts"])
    related = json.loads(run_cli("related", "c-armor", "--db", db, "--format", "json").output)
    assert related["notes"][0] == ("controlled by a sanctioned party: Vitaly Kuzmenko (p-kuz), "
                                   "Vitaly Yurievich KUZMENKO (eu_fsf)")
    company = json.loads(run_cli("company", "c-armor", "--db", db, "--format", "json").output)
    assert [(o["party"], o["status"], o["relation"]) for o in company["listed"]] == [("p-kuz", "confirmed", "actual controller")]

    again = json.loads(run_cli("screen", EU, "--db", db, "--format", "json").output)
    assert {m["party"]: m["decision"] for m in again["matches"]} == {"p-kuz": "same", "c-tob": None}

    taken = run_cli("not-same", "p-kuz", f"list:{KUZMENKO}", "--db", db)
    assert taken.exit_code == 0, taken.output
    with SQLiteStore(db) as store:
        assert store.edges_touching(["p-kuz"]).events == []
    back = json.loads(run_cli("risk", "c-armor", "--db", db, "--format", "json").output)
    assert back["network"] == pytest.approx(before["network"])
    hidden = json.loads(run_cli("screen", EU, "--db", db, "--format", "json").output)
    assert hidden["rejected_before"] == 1 and {m["party"] for m in hidden["matches"]} == {"c-tob"}


def test_a_match_is_needed_to_decide(tmp_path):
    db = tmp_path / "case.db"
    small_register(db)
    result = run_cli("same", "p-zhu", f"list:{ZHURAVLEVA}", "--db", db)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: Tatiana Zhuravleva (p-zhu) has no screening match with list:{ZHURAVLEVA}; "
                                     "its matches: none")


def test_a_watched_company_alerts_on_a_new_possible_listing(tmp_path):
    db = tmp_path / "case.db"
    small_register(db)
    assert run_cli("watch", "add", "c-armor", "--db", db).exit_code == 0
    assert run_cli("screen", EU, "--db", db).exit_code == 0
    today = dt.date.today()
    alerts = json.loads(run_cli("alerts", "--since", today, "--db", db, "--format", "json").output)
    rows = [r for r in alerts["alerts"] if r["change"] == "possible_listing"]
    # Kuzmenko holds the company, which holds Inter Tobacco: both a hop away.
    assert sorted((r["company_id"], r["severity"], r["hops"]) for r in rows) == [("c-tob", 4, 1), ("p-kuz", 4, 1)]
    assert f"list:{KUZMENKO}" in next(r["after"] for r in rows if r["company_id"] == "p-kuz")


def test_party_facts_and_dropped_events_on_both_stores(any_store):
    from equitygraph.graph.model import RiskEvent

    with any_store.writer() as w:
        w.add_many([Entity("p1", EntityKind.PERSON, "王伟", aliases=("Wang Wei",), birth_date=dt.date(1970, 5, 1)),
                    Entity("c1", EntityKind.COMPANY, "Acme", reg_no="914403001922038216", jurisdiction="CN"),
                    Entity("a1", EntityKind.ADDRESS, "1 Road"), Entity("a2", EntityKind.ADDRESS, "2 Lane"),
                    Link("p1", "a2", LinkKind.LOCATED_AT), Link("p1", "a1", LinkKind.LOCATED_AT),
                    RiskEvent("p1", EventType.SANCTIONED, dt.date(2024, 1, 1), 5, "x", "list:1"),
                    RiskEvent("p1", EventType.PEP, None, 3, "y", "list:2")])
    assert list(any_store.party_facts()) == [
        ("c1", "company", "Acme", (), "914403001922038216", "CN", None, None, ()),
        ("p1", "person", "王伟", ("Wang Wei",), None, None, dt.date(1970, 5, 1), None, ("1 Road", "2 Lane"))]
    sanctioned = [e.id for e in any_store.edges_touching(["p1"]).events if e.type is EventType.SANCTIONED]
    any_store.drop_events(sanctioned)
    assert [e.type for e in any_store.edges_touching(["p1"]).events] == [EventType.PEP]


def test_screening_on_neo4j_keeps_matches_and_decisions(neo4j_store):
    from equitygraph.queries.screen import decide_listing, screen, screening_of

    with neo4j_store.writer() as w:
        w.add_many([Entity("p-kuz", EntityKind.PERSON, "Vitaly Kuzmenko", birth_date=dt.date(1971, 1, 22)),
                    Entity("c-armor", EntityKind.COMPANY, "Armor Repair Service LLC"),
                    Holding("p-kuz", "c-armor", Share.exact(1.0))])
    report = screen(neo4j_store, read_lists([EU]), progress=False)
    assert [(m["party"], m["listing"]) for m in report.matches] == [("p-kuz", KUZMENKO)]
    decision = decide_listing(neo4j_store, "p-kuz", f"list:{KUZMENKO}", True)
    assert [e.type for e in decision.events] == [EventType.SANCTIONED]
    assert [e.source for e in neo4j_store.edges_touching(["p-kuz"]).events] == [f"list:{KUZMENKO}"]
    assert screening_of(neo4j_store, "p-kuz")[0]["decision"] == "same"
    decide_listing(neo4j_store, "p-kuz", f"list:{KUZMENKO}", False)
    assert neo4j_store.edges_touching(["p-kuz"]).events == [] and screening_of(neo4j_store, "p-kuz") == []


def test_top_shows_the_best_and_keeps_all(tmp_path):
    db = tmp_path / "case.db"
    small_register(db)
    result = run_cli("screen", EU, sanctions_list(tmp_path), "--top", 1, "--db", db)
    assert result.exit_code == 0, result.output
    assert "the best 1 of 3 matches shown, all kept in the store" in result.output
    with SQLiteStore(db) as store:
        assert sorted(store.read_results("screening")) == ["c-tob", "p-kuz", "p-wang"]


def test_the_explorer_shows_who_is_on_a_list(tmp_path, page, shots):
    from conftest import serving
    from test_explorer import open_page

    db = tmp_path / "case.db"
    small_register(db)
    assert run_cli("screen", EU, "--db", db).exit_code == 0
    assert run_cli("same", "p-kuz", f"list:{KUZMENKO}", "--db", db).exit_code == 0
    with serving(db) as served:
        open_page(page, served, "c-armor")
        details = page.inner_text("#details")
        page.screenshot(path=str(shots / "explorer-on-lists.png"))
    assert "on lists\tVitaly Kuzmenko (p-kuz) sanctioned, confirmed" in details  # at a glance
    assert "On sanctions, PEP and wanted lists" in details
    row = next(line for line in details.splitlines() if "Vitaly Yurievich KUZMENKO" in line)
    assert "confirmed" in row and "sanctioned" in row and f"list:{KUZMENKO}" in row
    assert page.problems == []


def test_a_decision_writes_one_party_s_matches_and_keeps_the_others(any_store):
    """write_results(whole=False): a decision on one party's match rewrites that party's results only."""
    with any_store.writer() as w:
        w.add_many([Entity("p1", EntityKind.PERSON, "A"), Entity("c1", EntityKind.COMPANY, "B"),
                    Entity("c2", EntityKind.COMPANY, "C")])
    any_store.write_results("screening", {"p1": [{"listing": "x"}], "c1": [{"listing": "y"}]})
    any_store.write_results("screening", {"p1": [{"listing": "z"}], "gone": [1]}, whole=False)
    assert any_store.read_results("screening") == {"c1": [{"listing": "y"}], "p1": [{"listing": "z"}]}
    any_store.write_analysis({"group_size": {"c1": 2, "c2": 3}})  # a column of an analysis table
    any_store.write_results("group_size", {"c2": 5}, whole=False)
    assert any_store.read_results("group_size") == {"c1": 2, "c2": 5}
    any_store.write_results("screening", {"c2": [1]})
    assert any_store.read_results("screening") == {"c2": [1]}
