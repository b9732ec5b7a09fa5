"""Every Cypher statement the Neo4j store runs, in one place.

Values only ever travel as parameters. The few names put into statement text (node labels and
relationship types) come from the fixed tables below, never from data.
"""

from __future__ import annotations

from ..model import EntityKind, LinkKind

LABELS = {
    EntityKind.COMPANY: "Company",
    EntityKind.PERSON: "Person",
    EntityKind.ORGANIZATION: "Organization",
    EntityKind.ADDRESS: "Address",
    EntityKind.CONTACT: "Contact",
}
LINK_TYPES = {LinkKind.LOCATED_AT: "LOCATED_AT", LinkKind.HAS_CONTACT: "HAS_CONTACT"}
EDGE_TYPES = "HOLDS|OFFICER_OF|LOCATED_AT|HAS_CONTACT|RELATED"

# Only what the store's own queries look things up by (the full-text index for Browser and Bloom
# is the user's to make: docs/related.md). The indexes are made in one transaction, so
# the server fills them all in one pass over the nodes, in the background while each constraint
# (which waits for its own index) is made: after a bulk import of a million companies this took 44 s
# where one index at a time took 89 s (bench/neo4j_load.py).
INDEXES = (
    "CREATE INDEX entity_reg_no IF NOT EXISTS FOR (n:Entity) ON (n.reg_no)",
    # A text index serves CONTAINS, which is how names, aliases and parts of them are searched.
    "CREATE TEXT INDEX entity_search IF NOT EXISTS FOR (n:Entity) ON (n.search_text)",
    "CREATE INDEX entity_identity IF NOT EXISTS FOR (n:Entity) ON (n.identity)",
    # The results other questions look entities up by (who a controller controls, a group, a cluster).
    *(f"CREATE INDEX entity_result_{name} IF NOT EXISTS FOR (n:Entity) ON (n.result_{name})"
      for name in ("controller", "controller_partner", "direct_controller", "direct_partner", "cluster", "risk_rank",
                   "cluster_rank")),
)
CONSTRAINTS = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT event_id IF NOT EXISTS FOR (e:Event) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:EquityGraphMeta) REQUIRE m.key IS UNIQUE",
    "CREATE CONSTRAINT holds_key IF NOT EXISTS FOR ()-[r:HOLDS]-() REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT officer_key IF NOT EXISTS FOR ()-[r:OFFICER_OF]-() REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT located_key IF NOT EXISTS FOR ()-[r:LOCATED_AT]-() REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT contact_key IF NOT EXISTS FOR ()-[r:HAS_CONTACT]-() REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT related_key IF NOT EXISTS FOR ()-[r:RELATED]-() REQUIRE r.key IS UNIQUE",
)
AWAIT_INDEXES = "CALL db.awaitIndexes(300)"


def merge_entities(label: str) -> str:
    return (
        "UNWIND $rows AS row MERGE (n:Entity {id: row.id}) "
        f"SET n += row.props, n:{label} RETURN count(n) AS written"
    )


MERGE_HOLDINGS = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.src}) MATCH (b:Entity {id: row.dst}) "
    "MERGE (a)-[r:HOLDS {key: row.key}]->(b) SET r += row.props RETURN count(r) AS written"
)
MERGE_OFFICERS = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.src}) MATCH (b:Entity {id: row.dst}) "
    "MERGE (a)-[r:OFFICER_OF {key: row.key}]->(b) SET r += row.props RETURN count(r) AS written"
)


def merge_links(rel_type: str) -> str:
    return (
        "UNWIND $rows AS row MATCH (a:Entity {id: row.src}) MATCH (b:Entity {id: row.dst}) "
        f"MERGE (a)-[r:{rel_type} {{key: row.key}}]->(b) ON CREATE SET r.since = row.since RETURN count(r) AS written"
    )


def end_links(rel_type: str) -> str:
    """An ended link kept as LINK_HISTORY (which no question about today reads) and gone from the links in force."""
    return (
        "UNWIND $rows AS row MATCH (a:Entity {id: row.src}) MATCH (b:Entity {id: row.dst}) "
        "MERGE (a)-[h:LINK_HISTORY {key: row.key}]->(b) SET h.kind = row.kind, h.since = row.since, h.until = row.until "
        f"WITH a, b, row, h OPTIONAL MATCH (a)-[r:{rel_type} {{key: row.current}}]->(b) DELETE r "
        "RETURN count(h) AS written"
    )


LINK_CHANGES = (
    "MATCH (a:Entity)-[r:LOCATED_AT|HAS_CONTACT]->(b:Entity) WHERE r.since >= $first AND r.since <= $last "
    "RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props "
    "UNION ALL MATCH (a:Entity)-[r:LINK_HISTORY]->(b:Entity) "
    "WHERE (r.until >= $first AND r.until <= $last) OR (r.since >= $first AND r.since <= $last) "
    "RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props"
)


MERGE_RELATIONS = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.src}) MATCH (b:Entity {id: row.dst}) "
    "MERGE (a)-[r:RELATED {key: row.key}]->(b) SET r += row.props RETURN count(r) AS written"
)
MERGE_EVENTS = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.entity_id}) MERGE (e:Event {id: row.id}) SET e += row.props "
    "MERGE (a)-[:HAS_EVENT]->(e) RETURN count(e) AS written"
)

GET_MANY = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN properties(n) AS n"
SEARCH_REG_NO = "MATCH (n:Entity) WHERE n.reg_no = $reg_no RETURN properties(n) AS n"
SEARCH_CONTAINS = (
    "MATCH (n:Entity) WHERE n.search_text CONTAINS $needle "
    "RETURN properties(n) AS n ORDER BY size(n.name), n.id LIMIT $limit"
)
# The first matches the text index gives, unsorted: it stops at the limit instead of sorting every
# match (a common needle holds hundreds of thousands). For suggestions, ranked afterwards.
SEARCH_CONTAINS_FIRST = "MATCH (n:Entity) WHERE n.search_text CONTAINS $needle RETURN properties(n) AS n LIMIT $limit"


def search_at_once(needles: int, probes: int) -> str:
    """The registration number, ``needles`` needles (up to ``$limit`` first matches each) and ``probes``
    fuzzy probes (up to ``$fuzzy`` each) in one round trip: each a branch of its own with its own
    limit, each row with the branch it came from (``tier``: -1 the number, then needles, then probes)."""
    branches = ["MATCH (n:Entity) WHERE n.reg_no = $reg_no RETURN n, -1 AS tier"]
    branches += [f"MATCH (n:Entity) WHERE n.search_text CONTAINS $needle{k} RETURN n, {k} AS tier LIMIT $limit"
                 for k in range(needles)]
    branches += [f"MATCH (n:Entity) WHERE n.search_text CONTAINS $probe{k} RETURN n, {needles + k} AS tier LIMIT $fuzzy"
                 for k in range(probes)]
    return "CALL () { " + " UNION ALL ".join(branches) + " } RETURN properties(n) AS n, tier"

EDGES_TOUCHING = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id})-[r:" + EDGE_TYPES + "]-(:Entity) "
    "RETURN DISTINCT type(r) AS type, startNode(r).id AS src, endNode(r).id AS dst, properties(r) AS props"
)
# What a walk up the holdings reads (Store.edges_upward): a holder's own holdings (thousands for a
# nominee) are left on the server.
EDGES_UPWARD = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id}) "
    "CALL (n) { MATCH (n)<-[r:HOLDS]-(:Entity) RETURN r UNION MATCH (n)-[r:OFFICER_OF|RELATED]-(:Entity) RETURN r } "
    "RETURN DISTINCT type(r) AS type, startNode(r).id AS src, endNode(r).id AS dst, properties(r) AS props"
)
EDGES_AMONG = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id})-[r:" + EDGE_TYPES + "]-(m:Entity) WHERE m.id IN $ids "
    "RETURN DISTINCT type(r) AS type, startNode(r).id AS src, endNode(r).id AS dst, properties(r) AS props"
)
# One company's upstream region in one round trip (see Neo4jStore.around): the company, its holders
# up to 8 levels (at most $max) and the parties declared tied to them; for each of those with at most
# $cap ties, every tie with the other party's properties, and its events.
AROUND = (
    "MATCH (c:Entity {id: $id}) "
    "CALL (c) { MATCH (c)<-[:HOLDS*0..8]-(u:Entity) RETURN DISTINCT u LIMIT $max } "
    "WITH collect(u) AS up "
    "CALL (up) { UNWIND up AS u MATCH (u)-[:RELATED]-(m:Entity) RETURN collect(DISTINCT m) AS tied } "
    "UNWIND up + tied AS n "
    "WITH DISTINCT n WHERE COUNT { (n)-[:" + EDGE_TYPES + "]-() } <= $cap "
    "CALL (n) { MATCH (n)-[r:" + EDGE_TYPES + "]-(m:Entity) "
    "  RETURN collect({type: type(r), src: startNode(r).id, dst: endNode(r).id, props: properties(r), "
    "                  other: properties(m)}) AS rels } "
    "CALL (n) { MATCH (n)-[:HAS_EVENT]->(e:Event) RETURN collect(properties(e)) AS events } "
    "RETURN properties(n) AS node, rels, events"
)
HOLDING_COUNTS = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN id, COUNT { (n)-[:HOLDS]->() } AS n"
EVENTS_OF = (
    "UNWIND $ids AS id MATCH (:Entity {id: id})-[:HAS_EVENT]->(e:Event) "
    "RETURN DISTINCT id AS entity_id, properties(e) AS e"
)
# One hop of a neighbourhood, bounded per node: the hub's neighbours with the largest stakes first,
# at most $cap of them, and how many distinct neighbours it has in all.
EXPAND = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id}) "
    "CALL (n) { MATCH (n)-[r:" + EDGE_TYPES + "]-(m:Entity) RETURN count(DISTINCT m) AS degree } "
    "CALL (n) { MATCH (n)-[r:" + EDGE_TYPES + "]-(m:Entity) "
    "  WITH m, collect(r) AS rels, "
    "       max(CASE WHEN type(r) = 'HOLDS' THEN coalesce(r.share_high, 0.0) ELSE 0.0 END) AS weight "
    "  ORDER BY weight DESC, m.id LIMIT $cap "
    "  RETURN collect({id: m.id, rels: [x IN rels | {type: type(x), src: startNode(x).id, dst: endNode(x).id, "
    "                                              props: properties(x)}]}) AS picks } "
    "RETURN id, degree, picks"
)

# The whole graph a page at a time, each page in key order from an index, in the columns (and the
# names) of the tables the arrays are made from (arrays_tables.py): dates as ISO text.
PAGE_ENTITIES = (
    "MATCH (n:Entity) WHERE n.id > $after RETURN n.id AS id, n.kind AS kind, "
    "n.disclosure_threshold AS disclosure_threshold, n.listed AS listed, n.free_float AS free_float, "
    "n.identity AS identity ORDER BY n.id LIMIT $limit"
)
PAGE_HOLDINGS = (
    "MATCH (a:Entity)-[r:HOLDS]->(b:Entity) WHERE r.key > $after "
    "RETURN r.key AS key, a.id AS holder_id, b.id AS company_id, r.share_low AS share_low, r.share_high AS share_high, "
    "r.interest AS interest, toString(r.since) AS since, toString(r.until) AS until ORDER BY r.key LIMIT $limit"
)
PAGE_OFFICERS = (
    "MATCH (a:Entity)-[r:OFFICER_OF]->(b:Entity) WHERE r.key > $after "
    "RETURN r.key AS key, a.id AS person_id, b.id AS company_id, r.role AS role, toString(r.since) AS since, "
    "toString(r.until) AS until ORDER BY r.key LIMIT $limit"
)
# A page is read from one relationship type's index; over several types at once the server merged
# every remaining key of each to sort them, on every page (quadratic in the pages).
PAGE_LINKS = tuple(
    f"MATCH (a:Entity)-[r:{name}]->(b:Entity) WHERE r.key > $after "
    f"RETURN r.key AS key, a.id AS src, b.id AS dst, '{kind.value}' AS kind ORDER BY r.key LIMIT $limit"
    for kind, name in sorted(LINK_TYPES.items(), key=lambda item: item[0].value)
)
PAGE_RELATIONS = (
    "MATCH (a:Entity)-[r:RELATED]->(b:Entity) WHERE r.key > $after "
    "RETURN r.key AS key, a.id AS src, b.id AS dst, r.type AS type, toString(r.since) AS since, "
    "toString(r.until) AS until ORDER BY r.key LIMIT $limit"
)
PAGE_COMPANY_FACTS = (  # by the ids' index (on Entity); by the label, every page scanned and sorted every company
    "MATCH (n:Entity) WHERE n.id > $after AND n:Company RETURN n.id AS id, n.name AS name, n.business_scope AS scope, "
    "n.registered_capital AS registered, n.paid_in_capital AS paid_in, toString(n.founded) AS founded "
    "ORDER BY n.id LIMIT $limit"
)
PAGE_PARTY_FACTS = (
    "MATCH (n:Entity) WHERE n.id > $after AND n.kind IN ['company', 'person', 'organization'] WITH n ORDER BY n.id "
    "LIMIT $limit RETURN n.id AS id, n.kind AS kind, n.name AS name, n.aliases AS aliases, n.reg_no AS reg_no, "
    "n.jurisdiction AS jurisdiction, n.birth_date AS born, n.id_number AS id_number, "
    "COLLECT {MATCH (n)-[:LOCATED_AT]->(a:Entity) RETURN a.name} AS places"
)
DROP_EVENTS = "MATCH (e:Event) WHERE e.id IN $ids DETACH DELETE e"
PAGE_EVENTS = (
    "MATCH (a:Entity)-[:HAS_EVENT]->(e:Event) WHERE e.id > $after "
    "RETURN e.id AS id, a.id AS entity, e.type AS type, toString(e.date) AS date, e.severity AS severity "
    "ORDER BY e.id LIMIT $limit"
)

ALL_ENTITIES = "MATCH (n:Entity) WHERE n.id > $after RETURN n.id AS id, properties(n) AS n ORDER BY n.id LIMIT $limit"
ALL_RELATIONSHIPS = tuple(  # a type at a time, as PAGE_LINKS
    f"MATCH (a:Entity)-[r:{kind}]->(b:Entity) WHERE r.key > $after "
    "RETURN r.key AS key, type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props ORDER BY r.key LIMIT $limit"
    for kind in EDGE_TYPES.split("|")
)
IDS_OF_KINDS = "MATCH (n:Entity) WHERE n.kind IN $kinds RETURN n.id AS id"
OPEN_FACTS = (
    "MATCH (a:Entity)-[r:HOLDS|OFFICER_OF|RELATED|LOCATED_AT|HAS_CONTACT]->(b:Entity) "
    "WHERE r.until IS NULL OR r.until >= $day "
    "RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props"
)
RELATIONS_OF = (
    "MATCH (a:Entity)-[r:RELATED]->(b:Entity) WHERE r.type IN $types "
    "RETURN a.id AS src, b.id AS dst, properties(r) AS props"
)
ALL_EVENTS = (
    "MATCH (a:Entity)-[:HAS_EVENT]->(e:Event) WHERE e.id > $after "
    "RETURN e.id AS id, a.id AS entity_id, properties(e) AS e ORDER BY e.id LIMIT $limit"
)

COUNT_KINDS = "MATCH (n:Entity) RETURN n.kind AS kind, count(*) AS n"
COUNT_RELS = {
    "holdings": "MATCH ()-[r:HOLDS]->() RETURN count(r) AS n",
    "officers": "MATCH ()-[r:OFFICER_OF]->() RETURN count(r) AS n",
    "links": "MATCH ()-[r:LOCATED_AT|HAS_CONTACT]->() RETURN count(r) AS n",
    "events": "MATCH (e:Event) RETURN count(e) AS n",
    "relations": "MATCH ()-[r:RELATED]->() RETURN count(r) AS n",
}

CLEAR_RESULT = "MATCH (n:Entity) WHERE n[$prop] IS NOT NULL OR n[$json_prop] IS NOT NULL SET n += $nulls"
WRITE_RESULT = "UNWIND $rows AS row MATCH (n:Entity {id: row.id}) SET n += row.props"
READ_RESULT = (
    "MATCH (n:Entity) WHERE n[$prop] IS NOT NULL OR n[$json_prop] IS NOT NULL "
    "RETURN n.id AS id, n[$prop] AS value, n[$json_prop] AS json"
)
RESULTS_OF = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id, n[$prop] AS value, n[$json_prop] AS json"
)
ENTITY_PROPERTIES = "MATCH (n:Entity {id: $id}) RETURN properties(n) AS n"


def with_result(prop: str) -> str:
    """Entities whose result property ``prop`` (a checked result name: letters, digits, _) equals
    $value; named in the query, not passed as ``n[$prop]``, so that its index serves the look-up."""
    return f"MATCH (n:Entity) WHERE n.`{_checked(prop)}` = $value RETURN n.id AS id ORDER BY n.id"


def in_order_of(prop: str, limited: bool) -> str:
    """The ids with result property ``prop``, lowest value first, ties by id, $count of them
    (``limited``) after the first $start: a ranking's page, sorted in the server (the top $start +
    $count only, where limited)."""
    return (f"MATCH (n:Entity) WHERE n.`{_checked(prop)}` IS NOT NULL RETURN n.id AS id "
            f"ORDER BY n.`{prop}`, n.id SKIP $start" + (" LIMIT $count" if limited else ""))


def value_counts(prop: str) -> str:
    """Each value of result property ``prop`` with how many entities hold it."""
    return f"MATCH (n:Entity) WHERE n.`{_checked(prop)}` IS NOT NULL RETURN n.`{prop}` AS value, count(*) AS n"


def copy_results(pairs: list[tuple[str, str]], per_transaction: int) -> str:
    """Each result property of ``pairs`` copied to its pair's second (removed where the first has no value),
    on every entity holding either, committed every ``per_transaction`` entities."""
    held = " OR ".join(f"n.`{_checked(a)}` IS NOT NULL OR n.`{_checked(b)}` IS NOT NULL" for a, b in pairs)
    copies = ", ".join(f"n.`{b}` = n.`{a}`" for a, b in pairs)
    return f"MATCH (n:Entity) WHERE {held} CALL (n) {{ SET {copies} }} IN TRANSACTIONS OF {int(per_transaction)} ROWS"


def clear_stale(families: int, per_transaction: int) -> str:
    """In one pass over the nodes, the result properties of each of ``families`` families, ``k``'s
    named in $props_k, removed ($nulls_k: each of them to null) from every entity holding one whose id is not in
    $kept_k (a list; null: none kept). A node's keys are read once, and a family's properties looked
    for only where its id is not kept: a property looked up at a time, each of some sixty, made the pass
    half as slow again."""
    stale = [f"(NOT coalesce(n.id IN $kept_{k}, false) AND any(key IN held WHERE key IN $props_{k}))"
             for k in range(families)]
    clears = " ".join(f"FOREACH (_ IN CASE WHEN {condition} THEN [1] ELSE [] END | SET n += $nulls_{k})"
                      for k, condition in enumerate(stale))
    return (f"MATCH (n:Entity) WITH n, keys(n) AS held WHERE any(key IN held WHERE key STARTS WITH 'result_') "
            f"AND ({' OR '.join(stale)}) CALL (n, held) {{ {clears} }} IN TRANSACTIONS OF {int(per_transaction)} ROWS")


def set_results(assigned: list[tuple[str, str | None]]) -> str:
    """Each result property of ``assigned`` set, entity by entity of $ids, to its place in the list
    parameter named beside it (null: no value; no parameter: null for every entity)."""
    sets = ", ".join(f"n.`{_checked(prop)}` = " + (f"${_checked(param)}[i]" if param else "null")
                     for prop, param in assigned)
    return f"UNWIND range(0, size($ids) - 1) AS i MATCH (n:Entity {{id: $ids[i]}}) SET {sets}"


def _checked(prop: str) -> str:
    if not prop.replace("_", "").isalnum() or not prop.isascii():
        raise ValueError(f"not a result property: {prop!r}")
    return prop
DECIDE_IDENTITY = (
    "MATCH (a:Entity {id: $a}) MATCH (b:Entity {id: $b}) "
    "OPTIONAL MATCH (a)-[old:SAME_AS|NOT_SAME_AS]->(b) DELETE old "
    "WITH a, b CALL (a, b) { WITH a, b WHERE $same MERGE (a)-[r:SAME_AS]->(b) SET r.decided_at = $at, r.note = $note } "
    "CALL (a, b) { WITH a, b WHERE NOT $same MERGE (a)-[r:NOT_SAME_AS]->(b) SET r.decided_at = $at, r.note = $note }"
)
IDENTITY_DECISIONS = (
    "MATCH (a:Entity)-[r:SAME_AS|NOT_SAME_AS]->(b:Entity) "
    "RETURN a.id AS a, b.id AS b, type(r) = 'SAME_AS' AS same ORDER BY a, b"
)

SET_META = "MERGE (m:EquityGraphMeta {key: $key}) SET m.value = $value"
GET_META = "MATCH (m:EquityGraphMeta {key: $key}) RETURN m.value AS value"
DELETE_ALL = "MATCH (n) WHERE n:Entity OR n:Event OR n:EquityGraphMeta CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

# Keys written before they escaped "|" and "\\": recomputed in place (model.natural_key).
_ESC = "replace(replace({0}, '\\\\', '\\\\\\\\'), '|', '\\\\|')"
ESCAPE_KEYS = tuple(
    f"MATCH (a:Entity)-[r:{rel_type}]->(b:Entity) WHERE a.id CONTAINS '|' OR a.id CONTAINS '\\\\' "
    f"OR b.id CONTAINS '|' OR b.id CONTAINS '\\\\' {extra_where}"
    f"SET r.key = {_ESC.format('a.id')} + '|' + {_ESC.format('b.id')} + '|' + {tail}"
    for rel_type, extra_where, tail in (
        ("HOLDS", "", "r.interest + '|' + coalesce(toString(r.since), '')"),
        ("OFFICER_OF", "OR r.role CONTAINS '|' OR r.role CONTAINS '\\\\' ",
         f"{_ESC.format('r.role')} + '|' + coalesce(toString(r.since), '')"),
        ("LOCATED_AT", "", "'located_at'"),
        ("HAS_CONTACT", "", "'has_contact'"),
    ))
EVENTS_TO_REHASH = (
    "MATCH (a:Entity)-[:HAS_EVENT]->(e:Event) WHERE a.id CONTAINS '\\\\' OR e.text CONTAINS '\\\\' "
    "OR e.source CONTAINS '\\\\' OR a.id CONTAINS $sep OR e.text CONTAINS $sep OR e.source CONTAINS $sep "
    "RETURN a.id AS entity_id, properties(e) AS e"
)
SET_EVENT_ID = "MATCH (e:Event {id: $old}) SET e.id = $new"
