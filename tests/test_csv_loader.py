"""The canonical CSV loader: every bad input named by file, line and field; nothing written on error."""

import datetime as dt

import pytest

from conftest import ENTITIES, HOLDINGS, dump, write_case
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.model import EntityKind, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.csv_folder import load_folder

BAD_INPUTS = [
    pytest.param(
        {"holdings": HOLDINGS + "P9,C1,10,,,,\n"},
        "holdings.csv:6: holder_id: unknown id 'P9' (not in entities.csv nor in the store)",
        id="unknown-holder",
    ),
    pytest.param(
        {"holdings": HOLDINGS + "P1,C9,10,,,,\n"},
        "holdings.csv:6: company_id: unknown id 'C9' (not in entities.csv nor in the store)",
        id="unknown-company",
    ),
    pytest.param(
        {"entities": ENTITIES + "C1,company,重复公司,,,,\n"},
        "entities.csv:6: id: duplicate id 'C1' (first on line 4)",
        id="duplicate-id",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("P1,C1,60%", "P1,C1,150%")},
        "holdings.csv:2: share: '150%' is outside 0-100 %",
        id="share-above-100",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("P1,C1,60%", "P1,C1,-3")},
        "holdings.csv:2: share: '-3' is outside 0-100 %",
        id="share-negative",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("P1,C1,60%", "P1,C1,sixty")},
        "holdings.csv:2: share: 'sixty' is not a percentage, a range like 50-75, or blank",
        id="share-unparseable",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("2015-01-01,,registry", "2015-13-01,,registry", 1)},
        "holdings.csv:2: since: '2015-13-01' is not a valid date (month must be in 1..12)",
        id="bad-date",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("2015-01-01,,registry", "2015-01-01,2014-01-01,registry", 1)},
        "holdings.csv:2: until: 2014-01-01 is before since 2015-01-01",
        id="until-before-since",
    ),
    pytest.param(
        {"entities": ENTITIES.replace("id,kind,name,aliases,reg_no,address,phone",
                                      "id,kind,name,aliases,reg_no,address,phone,registered_capital")
         .replace("01088886666", "01088886666,lots")},
        "entities.csv:5: registered_capital: 'lots' is not an amount of money",
        id="bad-number",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("holder_id,company_id,share", "holder_id,company_id,percent")},
        "holdings.csv:1: share: required column is missing",
        id="missing-column",
    ),
    pytest.param(
        {"entities": ENTITIES.replace("id,kind,name", "id,type,name")},
        "entities.csv:1: kind: required column is missing",
        id="missing-kind-column",
    ),
    pytest.param({"entities": ""}, "entities.csv: the file is empty (a header line is required)", id="empty-file"),
    pytest.param({"holdings": "\n\n"}, "holdings.csv: the file is empty (a header line is required)", id="blank-file"),
    pytest.param({"holdings": None}, "holdings.csv: required file is missing", id="missing-file"),
    pytest.param(
        {"entities": ENTITIES + "X1,firm,某某,,,,\n"},
        "entities.csv:6: kind: 'firm' is not one of company, person, organization",
        id="bad-kind",
    ),
    pytest.param(
        {"entities": ENTITIES + "X1,company,,,,,\n"},
        "entities.csv:6: name: is empty",
        id="empty-name",
    ),
    pytest.param(
        {"holdings": HOLDINGS + "C1,P1,10,,,,\n"},
        "holdings.csv:6: company_id: 'P1' is a person; only companies and organizations have holders",
        id="person-cannot-be-held",
    ),
    pytest.param(
        {"holdings": HOLDINGS.replace("P1,C1,60%,shareholding", "P1,C1,60%,ownership")},
        "holdings.csv:2: interest: 'ownership' is not one of shareholding, voting, other, board",
        id="bad-interest",
    ),
    pytest.param(
        {"events": "entity_id,type,date,severity,text\nC1,rumour,2024-01-01,3,x\n"},
        "events.csv:2: type: 'rumour' is not one of confirmed_case, complaint, negative_news, court_case, penalty, "
        "abnormal_operation, sanctioned, pep, wanted, listed",
        id="bad-event-type",
    ),
    pytest.param(
        {"events": "entity_id,type,date,severity,text\nC1,complaint,2024-01-01,9,x\n"},
        "events.csv:2: severity: '9' is not a whole number from 1 to 5",
        id="bad-severity",
    ),
    pytest.param(
        {"officers": "person_id,company_id,role\nP7,C1,董事\n"},
        "officers.csv:2: person_id: unknown id 'P7' (not in entities.csv nor in the store)",
        id="unknown-officer",
    ),
    pytest.param(
        {"holdings": HOLDINGS + "P1,C2,10,,,,,extra\n"},
        "holdings.csv:6: the line has 8 fields, the header has 7",
        id="too-many-fields",
    ),
    pytest.param(
        {"holdings": HOLDINGS + 'P1,C2,"10\n'},
        "holdings.csv:6: malformed CSV: unexpected end of data",
        id="unclosed-quote",
    ),
]


@pytest.mark.parametrize("files,message", BAD_INPUTS)
def test_bad_input_is_named_and_nothing_is_written(tmp_path, files, message):
    db = tmp_path / "kept.db"
    with SQLiteStore(db) as store:
        load_folder(store, write_case(tmp_path / "good"))
    before = dump(db)
    with SQLiteStore(db) as store:
        with pytest.raises(InvalidInput) as e:
            load_folder(store, write_case(tmp_path / "bad", **files))
    assert str(e.value) == message
    assert dump(db) == before


def test_a_bad_line_deep_in_a_big_file_rolls_back_every_earlier_row(tmp_path):
    rows = "".join(f"X{i},company,公司{i},,,,\n" for i in range(20000))
    folder = write_case(tmp_path / "big", entities=ENTITIES + rows + "Y,person,,,,,\n")
    db = tmp_path / "empty.db"
    SQLiteStore(db).close()
    before = dump(db)
    with SQLiteStore(db) as store:
        with pytest.raises(InvalidInput, match=r"entities.csv:20006: name: is empty"):
            load_folder(store, folder)
        assert store.counts()["company"] == 0
    assert dump(db) == before


def test_not_a_folder(tmp_path):
    with SQLiteStore(":memory:") as store, pytest.raises(InvalidInput) as e:
        load_folder(store, tmp_path / "nowhere")
    assert str(e.value) == "nowhere: is not a folder (expected a folder holding entities.csv and holdings.csv)"


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b"")])
def test_chinese_names_round_trip_in_every_encoding(tmp_path, encoding, bom):
    names = ["华信投资（深圳）有限公司", "張三丰", "中國石油化工股份有限公司", "Acme \"Quoted\" Ltd"]
    if encoding != "gbk":
        names.append("Ölfabrik Müller GmbH")  # GBK has no Ö
    if encoding == "gb18030":
        names.append("𠀀家族控股有限公司")  # outside the BMP and outside GBK: only GB18030 can write it
    entities = "id,kind,name\n" + "".join(f'C{i},company,"{n.replace(chr(34), chr(34) * 2)}"\n' for i, n in enumerate(names))
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "entities.csv").write_bytes(bom + entities.encode(encoding))
    (folder / "holdings.csv").write_bytes("holder_id,company_id,share\nC0,C1,10\n".encode(encoding))
    with SQLiteStore(tmp_path / "x.db") as store:
        report = load_folder(store, folder)
        assert [store.get(f"C{i}").name for i in range(len(names))] == names
        assert store.search(names[0])[0].entity.id == "C0"
    expected = "utf-8-sig" if bom else ("utf-8" if encoding == "utf-8" else "gb18030")
    assert report.encodings["entities.csv"] == expected


def test_forced_encoding_wins_and_a_wrong_one_names_the_line(tmp_path):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "entities.csv").write_bytes("id,kind,name\nC1,company,华信\nC2,company,恒泰\n".encode("gbk"))
    (folder / "holdings.csv").write_bytes(b"holder_id,company_id,share\nC1,C2,10\n")
    with SQLiteStore(":memory:") as store:
        with pytest.raises(InvalidInput) as e:
            load_folder(store, folder, encoding="utf-8")
        assert str(e.value) == ("entities.csv:2: cannot be decoded as utf-8; pass the file's encoding "
                                "(for example --encoding gb18030)")
        load_folder(store, folder, encoding="gbk")
        assert store.get("C2").name == "恒泰"
        with pytest.raises(InvalidInput, match="entities.csv: unknown encoding 'klingon'"):
            load_folder(store, folder, encoding="klingon")


def test_gbk_bytes_after_the_detection_sample_are_caught_on_their_line(tmp_path):
    filler = "".join(f"C{i},company,Company {i}\n" for i in range(60000))  # > 1 MiB of ASCII
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "entities.csv").write_bytes(("id,kind,name\n" + filler).encode() + "Z,company,华信\n".encode("gbk"))
    (folder / "holdings.csv").write_bytes(b"holder_id,company_id,share\n")
    with SQLiteStore(":memory:") as store, pytest.raises(InvalidInput) as e:
        load_folder(store, folder)
    assert str(e.value).startswith("entities.csv:60002: cannot be decoded as utf-8")


def test_reloading_the_same_folder_is_idempotent(case, tmp_path):
    with SQLiteStore(tmp_path / "reload.db") as store:
        load_folder(store, case)
        first = store.counts()
        before = dump(tmp_path / "reload.db", skip_meta=True)
        load_folder(store, case)
        load_folder(store, case)
        assert dump(tmp_path / "reload.db", skip_meta=True) == before  # every row of every table, not only counts
    assert first == {"company": 2, "person": 2, "organization": 0, "address": 1, "contact": 1, "holdings": 4,
                     "officers": 0, "links": 4, "events": 0, "relations": 0}


def test_reload_with_events_and_officers_is_idempotent(tmp_path, store):
    folder = write_case(
        tmp_path / "case",
        officers="person_id,company_id,role,since\nP1,C1,法定代表人,2015-01-01\nP2,C1,director,\n",
        events="entity_id,type,date,severity,text,source\nC1,complaint,2024-03-01,3,\"投资人投诉\"\"到期不兑付\"\"\",12315\n",
    )
    load_folder(store, folder)
    once = sorted(map(repr, store.iter_records()))
    load_folder(store, folder)
    assert sorted(map(repr, store.iter_records())) == once
    counts = store.counts()
    assert (counts["officers"], counts["events"]) == (2, 1)
    roles = sorted(o.role for o in store.edges_touching(["C1"]).officers)
    assert roles == ["director", "legal_representative"]
    assert store.edges_touching(["C1"]).events[0].text == '投资人投诉"到期不兑付"'


def test_values_are_parsed_into_the_model(case, store):
    load_folder(store, case)
    c1 = store.get("C1")
    assert c1.kind is EntityKind.COMPANY and c1.aliases == ("Huaxin Investment",)
    holders = {h.holder_id: h for h in store.holders_of("C1")}
    assert holders["P1"].share == Share.exact(0.6) and holders["P2"].share == Share.exact(0.4)
    assert holders["P1"].since == dt.date(2015, 1, 1) and holders["P1"].source == "registry"
    held = {h.holder_id: h.share for h in store.holders_of("C2")}
    assert held == {"C1": Share(0.5, 0.75), "P2": Share.unknown()}


def test_same_address_and_phone_written_differently_become_one_node(case, store):
    load_folder(store, case)
    links = store.edges_touching(["P1"]).links
    shared = {link.dst for link in links}
    assert {link.src for link in store.edges_touching(list(shared)).links} == {"P1", "C1", "C2"}


def test_warnings_do_not_stop_the_load(tmp_path, store):
    folder = write_case(
        tmp_path / "case",
        holdings=HOLDINGS.replace("P2,C1,40", "P2,C1,45").replace("source", "source,notes") + "P1,C1,5,,2015-01-01,,,\n",
    )
    report = load_folder(store, folder)
    assert report.warnings == [
        "entities.csv:4: reg_no: '91110000MA01ABCD1X' fails the unified social credit code checksum",
        "holdings.csv: column 'notes' is not part of the format and was ignored",
        "holdings.csv:6: the holding of 'P1' in 'C1' repeats line 2; the later line wins",
        "holdings.csv: company 'C1': current shareholdings sum to 110.00 % (above 100 %)",
    ]
    assert store.counts()["holdings"] == 4


def test_a_folder_may_refer_to_entities_loaded_earlier(tmp_path, case, store):
    load_folder(store, case)
    later = write_case(tmp_path / "later", entities="id,kind,name\nP3,person,王五\n",
                       holdings="holder_id,company_id,share\nP3,C2,5\n")
    load_folder(store, later)
    assert {h.holder_id for h in store.holders_of("C2")} == {"C1", "P2", "P3"}


def test_kind_and_role_words_in_chinese(tmp_path, store):
    folder = write_case(
        tmp_path / "case",
        entities="id,kind,name\n甲,自然人,张三\n乙,企业,某公司\n丙,机构,某基金\n",
        holdings="holder_id,company_id,share\n甲,乙,100%\n丙,乙,\n",
        officers="person_id,company_id,role\n甲,乙,执行董事\n甲,乙,副总裁\n甲,乙,园长\n",
    )
    load_folder(store, folder)
    assert [store.get(i).kind.value for i in ("甲", "乙", "丙")] == ["person", "company", "organization"]
    # 副总裁 is a deputy general manager (graph/roles.py); a title no role knows is kept as written
    assert sorted(o.role for o in store.edges_touching(["乙"]).officers) == ["deputy_general_manager", "executive_director", "园长"]


def test_a_title_survives_the_canonical_export_and_both_readers(tmp_path):
    """Titles as registries write them in officers.csv: the standard role and the title as written, read alike by the row
    reader and the columnar one, written back by the canonical export and read again the same."""
    from equitygraph.graph.model import Officer
    from equitygraph.queries.io.export import export_graph

    folder = write_case(tmp_path / "case", entities="id,kind,name\nP,person,王伟\nQ,person,李娜\nC,company,甲\n",
                        holdings="holder_id,company_id,share\nP,C,100\n",
                        officers="person_id,company_id,role\nP,C,董事長\nQ,C,独立非执行董事\nQ,C,director\n")

    def officers(path):
        with SQLiteStore(path) as store:
            return sorted((o.person_id, o.role, o.title) for o in store.iter_records() if isinstance(o, Officer))

    expected = [("P", "C", "chairman", "董事長"), ("Q", "C", "director", None), ("Q", "C", "independent_director", "独立非执行董事")]
    expected = [(p, r, t) for p, _, r, t in expected]
    with SQLiteStore(tmp_path / "columns.db") as store:
        load_folder(store, folder)
    with SQLiteStore(tmp_path / "rows.db") as store:
        load_folder(store, folder, columnar=False)
        export_graph(store, "csv", tmp_path / "out")
    with SQLiteStore(tmp_path / "again.db") as store:
        load_folder(store, tmp_path / "out")
    assert officers(tmp_path / "columns.db") == officers(tmp_path / "rows.db") == officers(tmp_path / "again.db") == expected
