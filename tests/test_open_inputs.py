"""The open standards in: BODS 0.2-0.4, the UK PSC snapshot, GLEIF and FollowTheMoney, on the
public sample files of tests/data/open (licences in its README), in both stores."""

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import dump
from equitygraph.graph.errors import InvalidInput
from equitygraph.graph.model import EntityKind, Holding, Interest, Officer, Relation, RelationType, Share
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.loaders.formats import detect_format, load_path
from equitygraph.queries.cli import cli
from equitygraph.queries.control.discrepancies import discrepancies

OPEN = Path(__file__).parent / "data" / "open"
BODS = OPEN / "bods"


def records(store, kind):
    return [r for r in store.iter_records() if isinstance(r, kind)]


def by_name(store):
    return {e.name: e for e in store.iter_records() if hasattr(e, "kind") and hasattr(e, "name")}


@pytest.fixture
def db(tmp_path):
    with SQLiteStore(tmp_path / "open.db") as s:
        yield s


# -- BODS ---------------------------------------------------------------------------------------

def test_bods_04_indirect_ownership_direct_edges_and_the_declared_indirect_share(db):
    report = load_path(db, BODS / "v0.4" / "indirect-ownership.json")
    assert report.fmt == "bods"
    assert (report.counts["company"], report.counts["person"], report.counts["holdings"]) == (2, 1, 2)
    names = by_name(db)
    a, b, person = names["Company A"], names["Company B"], names["Person 1"]
    assert (a.reg_no, a.jurisdiction) == ("XE9999", "GB")
    holdings = {(h.holder_id, h.company_id): h for h in records(db, Holding)}
    assert holdings[b.id, a.id].share == Share.exact(0.6)
    assert holdings[b.id, a.id].since == dt.date(2017, 11, 1)
    assert holdings[person.id, b.id].share == Share.unknown()  # level unknown, no share: a stake of unknown size
    declared = {(r.type, r.a, r.b): r for r in records(db, Relation)}
    assert declared[RelationType.INDIRECT_HOLDER, person.id, a.id].share == Share.exact(0.3)
    assert declared[RelationType.BENEFICIAL_OWNER, person.id, a.id].share == Share.exact(0.3)
    # The indirect statement is not an edge: Person 1's holders-of-record edge into A does not exist.
    assert (person.id, a.id) not in holdings
    # 30 % declared lies inside the computed 0-60 % (60 % of B's unknown share): it agrees.
    checked = discrepancies(db, include_agreements=True)
    assert {(d.declared, d.verdict) for d in checked.items} == {("indirect_holder", "agrees"),
                                                                 ("beneficial_owner", "agrees")}


def test_bods_04_updates_are_applied_in_order_and_closed_records_end(db):
    report = load_path(db, BODS / "v0.4" / "fermcat.json")
    assert report.counts["statements"] == 23 and report.counts["superseded statements"] == 16
    names = by_name(db)
    fermcat = names["Fermcat Ltd"]
    assert (fermcat.reg_no, fermcat.jurisdiction, fermcat.founded) == ("434151", "IE", dt.date(2019, 9, 11))
    shares = sorted((db.get(h.holder_id).name, h.share.describe(), h.since, h.until)
                    for h in records(db, Holding) if h.company_id == fermcat.id)
    assert shares == [
        ("Declan Byrne-Amin", "50 %", dt.date(2021, 4, 3), dt.date(2022, 1, 21)),
        ("Patrick O'Donohue", "100 %", dt.date(2019, 9, 11), None),
        ("Riyadh Byrne-Amin", "50 %", dt.date(2019, 9, 11), dt.date(2021, 4, 3)),
    ]
    roles = sorted((db.get(o.person_id).name, o.role) for o in records(db, Officer))
    assert roles == [("Patrick O'Donohue", "director"), ("Riyadh Byrne-Amin", "director")]
    # One declared beneficial owner per interest start, with its shareholding's stake.
    owners = sorted((db.get(r.a).name, r.share.describe()) for r in records(db, Relation)
                    if r.type is RelationType.BENEFICIAL_OWNER)
    assert owners == [("Declan Byrne-Amin", "50 %"), ("Patrick O'Donohue", "100 %"), ("Riyadh Byrne-Amin", "50 %")]


def test_bods_unspecified_parties_are_explicit_unknowns_and_nominees_are_tied(db, tmp_path):
    load_path(db, BODS / "v0.4" / "listed-company-exempt-from-disclosure.json")
    listed = by_name(db)["Listed Company OS-17"]
    assert listed.listed
    holders = [db.get(h.holder_id) for h in records(db, Holding)]
    assert [(e.status, e.name) for e in holders] == [
        ("unknown", "unspecified interested party (subjectExemptFromDisclosure: Exempt from disclosure as a company "
                    "listed on a recognised stock exchange)")]
    load_path(db, BODS / "v0.4" / "nomination.json")
    names = by_name(db)
    ties = [(db.get(r.a).name, db.get(r.b).name) for r in records(db, Relation) if r.type is RelationType.NOMINEE]
    assert ties == [("Vanessa Rivero", "Silvia Teixeira Perez")]
    assert [(db.get(o.person_id).name, o.role) for o in records(db, Officer)] == [("Perez-Rivero nomination", "director")]
    assert names["Perez-Rivero nomination"].kind is EntityKind.ORGANIZATION


def test_bods_02_statements_and_their_references(db):
    report = load_path(db, BODS / "v0.2" / "os-03-dr-03.json")
    assert report.fmt == "bods" and report.counts["holdings"] == 2
    holdings = {(db.get(h.holder_id).name, db.get(h.company_id).name): h.share for h in records(db, Holding)}
    assert holdings == {("Company B", "Company A"): Share.unknown(), ("Person 1", "Company B"): Share.unknown()}
    declared = sorted((r.type.value, db.get(r.a).name, db.get(r.b).name, r.share.describe()) for r in records(db, Relation))
    assert declared == [("beneficial_owner", "Person 1", "Company A", "30 %"),
                        ("beneficial_owner", "Person 1", "Company B", "unknown"),
                        ("indirect_holder", "Person 1", "Company A", "30 %")]
    load_path(db, BODS / "v0.2" / "sc7-bp-unknown-beneficial-owner.json")
    unknown = [db.get(h.holder_id) for h in records(db, Holding) if db.get(h.holder_id).status == "unknown"]
    assert [e.name for e in unknown] == [
        "unspecified interested party (subject-unable-to-confirm-or-identify-beneficial-owner)"]


def test_bods_every_v04_example_loads_and_reloads_without_change(tmp_path):
    path = tmp_path / "all.db"
    for example in sorted((BODS / "v0.4").glob("*.json")):
        with SQLiteStore(path) as s:
            load_path(s, example)
    before = dump(path, skip_meta=True)
    with SQLiteStore(path) as s:
        for example in sorted((BODS / "v0.4").glob("*.json")):
            load_path(s, example)
    assert dump(path, skip_meta=True) == before


def test_bods_bad_statements_name_file_and_field(db, tmp_path):
    statements = json.loads((BODS / "v0.4" / "indirect-ownership.json").read_text())
    statements[3]["recordDetails"]["interests"][0]["share"] = {"exact": 160}
    lines = tmp_path / "bad.jsonl"
    lines.write_text("\n".join(json.dumps(s) for s in statements))
    before = dump(db.path)
    with pytest.raises(InvalidInput) as error:
        load_path(db, lines)
    assert str(error.value) == "bad.jsonl:4: interests[0].share.exact: 160 is not a percentage from 0 to 100"
    assert dump(db.path) == before



def test_bods_statements_named_but_not_held_become_placeholders_said_in_one_warning(db, tmp_path):
    """Real extracts name statements they do not hold: the load goes on, each missing one a placeholder
    party, all of them in one warning with the count and the first few."""
    statements = json.loads((BODS / "v0.4" / "indirect-ownership.json").read_text())
    relationships = [s for s in statements if s["recordType"] == "relationship"]
    for k, statement in enumerate(relationships):
        statement["recordDetails"]["interestedParty"] = f"gone-{k}"
    relationships[0]["recordDetails"]["subject"] = "gone-subject"
    array = tmp_path / "extract.json"
    array.write_text(json.dumps(statements))
    report = load_path(db, array)
    names = [f"gone-{k}" for k in range(len(relationships))] + ["gone-subject"]
    placeholders = {e.id: e for e in db.iter_records() if hasattr(e, "status") and e.status == "not in the input"}
    assert set(placeholders) == {f"bods:{n}" for n in names}
    assert placeholders["bods:gone-subject"].kind is EntityKind.COMPANY and placeholders["bods:gone-0"].name == "BODS record gone-0"
    assert report.counts["placeholders"] == len(names)
    [warning] = [w for w in report.warnings if "neither in the input" in w]
    assert warning.startswith(f"{len(names)} statements named are neither in the input nor in the store; each is kept as "
                              "a placeholder party \"not in the input\": gone-subject (named in extract.json#")
    holdings = {(h.holder_id, h.company_id) for h in records(db, Holding)}
    assert ("bods:gone-0", "bods:gone-subject") in holdings
    before = dump(db.path, skip_meta=True)
    again = load_path(db, array)  # loading again adds nothing, and finds the placeholders on record
    assert dump(db.path, skip_meta=True) == before and again.counts["placeholders"] == 0


def test_bods_ranges_and_exclusive_bounds(db, tmp_path):
    base = json.loads((BODS / "v0.4" / "bods-package-entity-owning-entity.json").read_text())
    relationship = next(s for s in base if s["recordType"] == "relationship")
    relationship["recordDetails"]["interests"] = [
        {"type": "shareholding", "directOrIndirect": "direct", "share": {"minimum": 25, "exclusiveMaximum": 50}},
        {"type": "votingRights", "directOrIndirect": "direct", "share": {"exclusiveMinimum": 75}},
        {"type": "appointmentOfBoard", "directOrIndirect": "direct"},
        {"type": "otherInfluenceOrControl", "directOrIndirect": "direct"}]
    (tmp_path / "ranges.json").write_text(json.dumps(base))
    load_path(db, tmp_path / "ranges.json")
    got = sorted((h.interest.value, h.share.describe()) for h in records(db, Holding))
    assert got == [("board", "unknown"), ("other", "unknown"), ("shareholding", "25-50 %"), ("voting", "75-100 %")]


# -- UK PSC -------------------------------------------------------------------------------------

def psc_folder(tmp_path, with_company_csv=True):
    folder = tmp_path / "psc"
    folder.mkdir()
    for f in (OPEN / "uk_psc").glob("psc-data-*.json"):
        shutil.copy(f, folder)
    if with_company_csv:  # the company data CSV as Companies House publishes it, made from the JSON sample
        rows = json.loads((OPEN / "uk_psc" / "company-data-1.json").read_text())
        with open(folder / "BasicCompanyData.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=[" " + k if k == "CompanyNumber" else k for k in rows[0]])
            writer.writeheader()
            writer.writerows({(" " + k if k == "CompanyNumber" else k): v for k, v in row.items()} for row in rows)
    return folder


def test_psc_snapshot_bands_board_control_corporate_links_and_unknowns(db, tmp_path):
    folder = psc_folder(tmp_path)
    assert detect_format(folder) == "psc"
    report = load_path(db, folder)
    assert report.counts["psc lines"] == 19 and report.counts["company rows"] == 2
    company = db.get("gb:08209948")
    assert (company.name, company.status, company.founded, company.disclosure_threshold) == (
        "! LTD", "Active", dt.date(2012, 9, 11), 0.25)
    holders = {(h.holder_id, h.interest): h for h in records(db, Holding) if h.company_id == "gb:08209948"}
    feldman = holders["psc:FReSTxwXcJbAHBrerDpmTylkW48", Interest.SHAREHOLDING]
    assert (feldman.share, feldman.since, feldman.until) == (Share(0.75, 1.0), dt.date(2021, 12, 13), None)
    statement = next(h for (i, _), h in holders.items() if i.startswith("psc:unknown:"))
    assert (db.get(statement.holder_id).status, statement.interest, statement.until) == (
        "unknown", Interest.OTHER, dt.date(2021, 12, 13))
    # A corporate PSC registered at Companies House is the company of that number.
    clientlogic = {(h.interest, h.share) for h in records(db, Holding)
                   if h.holder_id == "gb:03530981" and h.company_id == "gb:04120481"}
    assert clientlogic == {(Interest.SHAREHOLDING, Share(0.75, 1.0)), (Interest.VOTING, Share(0.75, 1.0)),
                           (Interest.BOARD, Share.unknown())}
    assert db.get("gb:03530981").name == "Clientlogic Holding Limited"
    secure = next(e for e in by_name(db).values() if e.name == "unknown: super secure persons with significant control")
    assert secure.kind is EntityKind.PERSON and secure.status == "unknown"
    overseas = {h.share for h in records(db, Holding) if h.company_id == "gb:OE031044"}
    assert overseas == {Share(0.25, 1.0)}


def test_psc_reload_changes_nothing_and_a_bad_line_changes_nothing(tmp_path):
    folder = psc_folder(tmp_path)
    path = tmp_path / "psc.db"
    with SQLiteStore(path) as s:
        load_path(s, folder)
    before = dump(path, skip_meta=True)
    with SQLiteStore(path) as s:
        load_path(s, folder)
        assert dump(path, skip_meta=True) == before
        bad = tmp_path / "bad.jsonl"
        good = (OPEN / "uk_psc" / "psc-data-1.json").read_text().splitlines()[1].rstrip(",")
        bad.write_text(good + "\n" + good.replace('"notified_on":"2021-12-13"', '"notified_on":"2021-13-45"') + "\n")
        with pytest.raises(InvalidInput) as error:
            load_path(s, bad, fmt="psc")
    assert str(error.value) == "bad.jsonl:2: data.notified_on: '2021-13-45' is not a valid date (month must be in 1..12)"
    assert dump(path, skip_meta=True) == before


# -- GLEIF --------------------------------------------------------------------------------------

def test_gleif_entities_parents_and_the_declared_ultimate_parent_walked(db, tmp_path):
    folder = tmp_path / "gleif"
    folder.mkdir()
    for name in ("lei-updates-data2.json", "rr-updates-data2.json", "rr-data.json"):
        shutil.copy(OPEN / "gleif" / name, folder)
    report = load_path(db, folder)
    assert report.fmt == "gleif" and report.counts["relations"] == 21
    fx = db.get("lei:98450051BS9C610A8T78")
    assert (fx.name, fx.jurisdiction, fx.reg_no) == ("MONOOVA FX PTY LTD", "AU", "98450051BS9C610A8T78")
    assert "360FX PTY LTD" in fx.aliases
    ties = {(r.a, r.b, r.type) for r in records(db, Relation)}
    assert ("lei:2138002YAB7Z9KO21397", "lei:98450051BS9C610A8T78", RelationType.ACCOUNTING_PARENT) in ties
    # Control follows the direct parents: MONOOVA FX <- MONOOVA GLOBAL PAYMENTS <- MONEYTECH GROUP.
    from equitygraph.queries.control.report import control_report

    hops = [h.controller for h in control_report(db, fx.id).hops]
    assert hops == ["lei:2138002YAB7Z9KO21397", "lei:984500501A1B1045PB30"]
    checked = {d.company: d for d in discrepancies(db, include_agreements=True).items}
    assert checked[fx.id].verdict == "agrees"  # the declared ultimate parent is where the direct parents lead
    gap = checked["lei:010CMKZ3VON21WF2ZD45"]  # its direct parent's own parent is not in the files
    assert gap.verdict == "incomplete" and gap.party == "lei:3C7474T6CDKPR9K6YT90"
    assert "stop at LEI ZZG38T0MDR3QY1ETUA76" in gap.computed
    assert [d.verdict for d in discrepancies(db).items] == ["incomplete"]


def test_gleif_xml_reads_as_the_json_does(tmp_path):
    got = {}
    for name in ("rr-data.json", "rr-data.xml"):
        with SQLiteStore(tmp_path / f"{name}.db") as s:
            load_path(s, OPEN / "gleif" / name)
            got[name] = sorted((r.a, r.b, r.type, r.since, r.until) for r in records(s, Relation))
    assert got["rr-data.json"] == got["rr-data.xml"] and len(got["rr-data.xml"]) == 10


def test_gleif_reporting_exceptions_are_unknown_parents_with_their_reason(db):
    load_path(db, OPEN / "gleif" / "lei-data.json")
    load_path(db, OPEN / "gleif" / "repex-data.json")
    fund = db.get("lei:001GPB6A9XPE8XJICC14")
    assert fund.name == "Fidelity Advisor Leveraged Company Stock Fund" and fund.kind is EntityKind.ORGANIZATION
    parents = [(db.get(h.holder_id).name, h.interest) for h in records(db, Holding) if h.company_id == fund.id]
    assert parents == [("unknown direct parent (no known person)", Interest.OTHER)]


# -- FollowTheMoney ----------------------------------------------------------------------------

FTM_LINES = [
    {"id": "c1", "schema": "Company", "properties": {"name": ["Acme Holdings Ltd"], "registrationNumber": ["12345"],
                                                     "jurisdiction": ["gb"], "addressEntity": ["a1"]}},
    {"id": "c2", "schema": "Company", "properties": {"name": ["Acme Trading Ltd"]}},
    {"id": "p1", "schema": "Person", "properties": {"name": ["Jane Roe"], "birthDate": ["1970-02-03"]}},
    {"id": "a1", "schema": "Address", "properties": {"full": ["1 High St, London"]}},
    {"id": "o1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["c1"], "percentage": ["60"],
                                                       "startDate": ["2019-01-01"]}},
    {"id": "o2", "schema": "Ownership", "properties": {"owner": ["c1"], "asset": ["c2"], "percentage": ["100%"]}},
    {"id": "d1", "schema": "Directorship", "properties": {"director": ["p1"], "organization": ["c2"],
                                                          "role": ["Director"]}},
]


def test_ftm_entities_and_their_facts(db, tmp_path):
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(line) for line in FTM_LINES))
    assert detect_format(path) == "ftm"
    load_path(db, path)
    assert db.get("ftm:c1").reg_no == "12345" and db.get("ftm:p1").birth_date == dt.date(1970, 2, 3)
    assert sorted((h.holder_id, h.company_id, h.share.describe()) for h in records(db, Holding)) == [
        ("ftm:c1", "ftm:c2", "100 %"), ("ftm:p1", "ftm:c1", "60 %")]
    assert [(o.person_id, o.role) for o in records(db, Officer)] == [("ftm:p1", "director")]
    from equitygraph.queries.control.report import control_report

    assert control_report(db, "ftm:c2").actual_controllers == ("ftm:p1",)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(FTM_LINES[0]) + "\n" + json.dumps({"id": "x", "schema": "Nonsense", "properties": {}}))
    with pytest.raises(InvalidInput, match=r"^bad.json:2: schema: is not a FollowTheMoney entity"):
        load_path(db, bad, fmt="ftm")


def test_ftm_records_of_one_stake_over_time_keep_their_periods_and_say_which_is_used(db, tmp_path):
    """Three Ownership records of one owner and asset start the same day with 48, 50 and 51 % (they
    collapsed into one, silently, whichever came last): the one in force longest is used and the
    warning lists all three; a later record from 2022 ends the earlier one then, so that the stake is
    never counted twice, and control as of each year rests on the share of that year."""
    def ownership(number, share, since, until=None):
        return {"id": f"o{number}", "schema": "Ownership",
                "properties": {"owner": ["p1"], "asset": ["c2"], "percentage": [share], "startDate": [since],
                               **({"endDate": [until]} if until else {})}}

    lines = FTM_LINES[:4] + [ownership(1, "48", "2019-01-01", "2020-12-31"), ownership(2, "50", "2019-01-01", "2021-06-30"),
                             ownership(3, "51", "2019-01-01", "2021-06-30"), ownership(4, "30", "2021-01-01")]
    path = tmp_path / "history.ftm.json"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    report = load_path(db, path)
    stakes = sorted((h.since.isoformat(), h.until and h.until.isoformat(), h.share.describe(), h.source)
                    for h in records(db, Holding) if h.company_id == "ftm:c2")
    assert stakes == [("2019-01-01", "2021-01-01", "51 %", "history.ftm.json:7"),
                      ("2021-01-01", None, "30 %", "history.ftm.json:8")]
    assert report.warnings == [
        "Jane Roe (ftm:p1) holds Acme Trading Ltd (ftm:c2) from 2019-01-01 in 3 records (48 % at history.ftm.json:5, "
        "50 % at history.ftm.json:6, 51 % at history.ftm.json:7): the one at history.ftm.json:7 is used",
        "Jane Roe (ftm:p1) holds Acme Trading Ltd (ftm:c2) at history.ftm.json:7 until 2021-01-01, when the record at "
        "history.ftm.json:8 starts (it gave 2021-06-30)"]
    from equitygraph.queries.control.report import control_report

    assert control_report(db, "ftm:c2", as_of=dt.date(2020, 6, 1)).actual_controllers == ("ftm:p1",)  # 51 %
    assert control_report(db, "ftm:c2", as_of=dt.date(2021, 6, 1)).actual_controllers == ()  # 30 %, not 81 %


# -- both stores, and the command line ------------------------------------------------------------

def test_open_inputs_load_the_same_into_neo4j(neo4j_store, tmp_path):
    with SQLiteStore(tmp_path / "same.db") as embedded:
        from test_tabular import workbook

        book = workbook(tmp_path / "case.xlsx")
        for path in (BODS / "v0.4" / "fermcat.json", OPEN / "gleif" / "rr-updates-data2.json", psc_folder(tmp_path), book):
            load_path(embedded, path)
            load_path(neo4j_store, path)
        assert sorted(map(repr, neo4j_store.iter_records())) == sorted(map(repr, embedded.iter_records()))
        assert neo4j_store.relations_of([RelationType.ULTIMATE_PARENT]) == embedded.relations_of([RelationType.ULTIMATE_PARENT])


def test_cli_load_names_the_format_and_reports_in_json(tmp_path):
    runner = CliRunner()
    db = tmp_path / "cli.db"
    result = runner.invoke(cli, ["load", str(BODS / "v0.4" / "fermcat.json"), "--db", str(db), "--report-format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "bods"
    result = runner.invoke(cli, ["load", str(BODS / "v0.4" / "fermcat.json"), "--db", str(db), "--format", "psc"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: fermcat.json")
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    result = runner.invoke(cli, ["load", str(unknown), "--db", str(db)])
    assert (result.exit_code, result.stderr.strip()) == (
        1, "Error: notes.txt: the format cannot be told from the content; pass --format "
           "(csv / mapping / bods / psc / gleif / ftm / parquet)")
    result = runner.invoke(cli, ["discrepancies", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["checked"] == 1  # the one beneficial owner in force today


def test_gleif_golden_copy_csv(db, tmp_path):
    path = tmp_path / "rr-golden-copy.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType",
                         "Relationship.RelationshipStatus", "Relationship.Period1.startDate",
                         "Relationship.Period1.endDate", "Relationship.Period1.periodType"])
        writer.writerow(["98450051BS9C610A8T78", "2138002YAB7Z9KO21397", "IS_DIRECTLY_CONSOLIDATED_BY", "ACTIVE",
                         "2018-06-30T00:00:00Z", "", "RELATIONSHIP_PERIOD"])
        writer.writerow(["2138002YAB7Z9KO21397", "984500501A1B1045PB30", "IS_DIRECTLY_CONSOLIDATED_BY", "INACTIVE",
                         "2019-06-30T00:00:00Z", "2023-01-31T00:00:00Z", "RELATIONSHIP_PERIOD"])
    assert detect_format(path) == "gleif"
    load_path(db, path)
    ties = sorted((r.a, r.b, r.type, r.since, r.until) for r in records(db, Relation))
    assert ties == [
        ("lei:2138002YAB7Z9KO21397", "lei:98450051BS9C610A8T78", RelationType.ACCOUNTING_PARENT, dt.date(2018, 6, 30), None),
        ("lei:984500501A1B1045PB30", "lei:2138002YAB7Z9KO21397", RelationType.ACCOUNTING_PARENT, dt.date(2019, 6, 30),
         dt.date(2023, 1, 31)),
    ]
    assert db.get("lei:984500501A1B1045PB30").status == "not in the input"
    with pytest.raises(InvalidInput, match=r"^rr-golden-copy.csv:2: Relationship.StartNode.NodeID: .XYZ. is not an LEI"):
        path.write_text(path.read_text().replace("98450051BS9C610A8T78", "XYZ"))
        load_path(db, path)


def test_a_real_ftm_export_loads_whole_saying_what_it_leaves_out(db):
    """Party donations as OpenSanctions' yente keeps them for its tests (tests/data/open/ftm, licence in
    the README): an `.ijson` file (it was "the format cannot be told"), payments counted as skipped, and
    the address references the excerpt does not hold said in one warning (they were dropped silently)."""
    report = load_path(db, OPEN / "ftm" / "donations-excerpt.ijson")
    assert (report.counts["organization"], report.counts["person"], report.counts["company"]) == (6, 2, 1)
    assert report.counts["skipped Payment"] == 6 and report.counts["links"] == 5
    assert report.warnings == ["3 address references (addressEntity) name addresses the input does not hold, left "
                               "out: 5ecdd47d32a5a1934ec9493657ddd614ac368263, 63a681d9501df9417522f0007eec512c1261ca5c, "
                               "f5cb2c9152ced393100dd3b15d1621fa58048223"]  # in the order of their ids
    daimler = db.get("ftm:66ce9f62af8c7d329506da41cb7c36ba058b3d28")
    assert (daimler.name, daimler.kind, daimler.jurisdiction) == ("Daimler AG", EntityKind.COMPANY, "DE")
    located = {link.dst for link in db.edges_touching([daimler.id]).links}
    assert [db.get(a).name for a in located] == [", 70546 Stuttgart"]
