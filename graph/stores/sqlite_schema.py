"""The embedded store's schema: its tables and indexes, its version, and the migrations from older versions."""

from __future__ import annotations

import sqlite3

from .sqlite_rows import read_event, read_holding, read_officer

DEFAULT_PATH = "equitygraph.db"
SCHEMA_VERSION = "7"
# Marks the file as an equitygraph store (SQLite's application_id header field): a store is never
# opened for writing unless it carries this, or is empty.
APPLICATION_ID = 0x45475250

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, aliases TEXT, reg_no TEXT,
    jurisdiction TEXT, status TEXT, founded TEXT, registered_capital REAL, paid_in_capital REAL,
    currency TEXT, industry TEXT, business_scope TEXT, disclosure_threshold REAL, listed INTEGER,
    free_float REAL, id_hash TEXT, id_number TEXT, birth_date TEXT, identity TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_reg_no ON entities (reg_no) WHERE reg_no IS NOT NULL;
CREATE INDEX IF NOT EXISTS entities_identity ON entities (identity) WHERE identity IS NOT NULL;
CREATE TABLE IF NOT EXISTS names (
    entity_id TEXT NOT NULL, name_norm TEXT NOT NULL, is_alias INTEGER NOT NULL,
    PRIMARY KEY (entity_id, name_norm)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_norm ON names (name_norm);
CREATE TABLE IF NOT EXISTS holdings (
    key TEXT PRIMARY KEY, holder_id TEXT NOT NULL, company_id TEXT NOT NULL, share_low REAL,
    share_high REAL, interest TEXT NOT NULL, since TEXT, until TEXT, source TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS holdings_holder ON holdings (holder_id);
CREATE INDEX IF NOT EXISTS holdings_company ON holdings (company_id);
CREATE TABLE IF NOT EXISTS officers (
    key TEXT PRIMARY KEY, person_id TEXT NOT NULL, company_id TEXT NOT NULL, role TEXT NOT NULL,
    since TEXT, until TEXT, title TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS officers_person ON officers (person_id);
CREATE INDEX IF NOT EXISTS officers_company ON officers (company_id);
CREATE TABLE IF NOT EXISTS links (
    src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, since TEXT, PRIMARY KEY (src, dst, kind)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_dst ON links (dst);
CREATE TABLE IF NOT EXISTS link_history (
    src TEXT NOT NULL, dst TEXT NOT NULL, kind TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,
    PRIMARY KEY (src, dst, kind, since, until)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS link_history_until ON link_history (until);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, entity_id TEXT NOT NULL, type TEXT NOT NULL, date TEXT, severity INTEGER,
    text TEXT, source TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_entity ON events (entity_id);
CREATE TABLE IF NOT EXISTS relations (
    key TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, type TEXT NOT NULL, since TEXT, until TEXT,
    source TEXT, share_low REAL, share_high REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relations_a ON relations (a);
CREATE INDEX IF NOT EXISTS relations_b ON relations (b);
CREATE TABLE IF NOT EXISTS results (
    name TEXT NOT NULL, entity_id TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (name, entity_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS results_entity ON results (entity_id);
CREATE INDEX IF NOT EXISTS results_value ON results (name, value);
CREATE TABLE IF NOT EXISTS identity_decisions (
    a TEXT NOT NULL, b TEXT NOT NULL, same INTEGER NOT NULL, decided_at TEXT NOT NULL, note TEXT,
    PRIMARY KEY (a, b)) WITHOUT ROWID;
"""

INDEXES = [line for line in SCHEMA.splitlines() if line.startswith("CREATE INDEX")]


def index_name(statement: str) -> str:
    return statement.split()[5]


ENTITY_COLUMNS = (
    "id, kind, name, aliases, reg_no, jurisdiction, status, founded, registered_capital, "
    "paid_in_capital, currency, industry, business_scope, disclosure_threshold, listed, free_float, id_hash, "
    "id_number, birth_date"
)


def _add_columns(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for column in columns:
        if column.split()[0] not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def _add_register_columns(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: what entities.csv says of the register (threshold, listing, free float)."""
    _add_columns(db, "entities", ("disclosure_threshold REAL", "listed INTEGER", "free_float REAL"))


def _escape_keys(db: sqlite3.Connection) -> None:
    """Schema 2 -> 3: keys escape ``|`` and ``\\`` in ids (``model.natural_key``), event ids likewise."""
    def touched(*columns: str) -> str:
        return " OR ".join(f"instr({c}, '|') OR instr({c}, '\\')" for c in columns)

    for row in db.execute(f"SELECT * FROM holdings WHERE {touched('holder_id', 'company_id')}").fetchall():
        db.execute("UPDATE OR REPLACE holdings SET key = ? WHERE key = ?", (read_holding(row).key, row[0]))
    for row in db.execute(f"SELECT * FROM officers WHERE {touched('person_id', 'company_id', 'role')}").fetchall():
        db.execute("UPDATE OR REPLACE officers SET key = ? WHERE key = ?", (read_officer(row).key, row[0]))
    events = "SELECT id, entity_id, type, date, severity, text, source FROM events WHERE " + " OR ".join(
        f"instr(coalesce({c}, ''), '\\') OR instr(coalesce({c}, ''), char(31))" for c in ("entity_id", "text", "source"))
    for row in db.execute(events).fetchall():
        db.execute("UPDATE OR REPLACE events SET id = ? WHERE id = ?", (read_event(row[1:]).id, row[0]))


def _add_identities_and_relations(db: sqlite3.Connection) -> None:
    """Schema 3 -> 4: persons' identity evidence, declared relations, identity decisions, result look-ups."""
    _add_columns(db, "entities", ("id_hash TEXT", "id_number TEXT", "birth_date TEXT", "identity TEXT"))
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _add_relation_shares(db: sqlite3.Connection) -> None:
    """Schema 4 -> 5: the declared stake of an indirect holder or beneficial owner (open registers)."""
    _add_columns(db, "relations", ("share_low REAL", "share_high REAL"))


def _add_link_periods(db: sqlite3.Connection) -> None:
    """Schema 5 -> 6: when a link began, and the links a register snapshot no longer shows."""
    _add_columns(db, "links", ("since TEXT",))
    for statement in SCHEMA.split(";"):
        if "link_history" in statement:
            db.execute(statement)


# How to bring a store of each older schema version one version up, in one transaction each.
def _add_officer_titles(db: sqlite3.Connection) -> None:
    """Schema 6 -> 7: the title a register wrote for an officer's standard role."""
    _add_columns(db, "officers", ("title TEXT",))


MIGRATIONS = {"1": _add_register_columns, "2": _escape_keys, "3": _add_identities_and_relations,
              "4": _add_relation_shares, "5": _add_link_periods, "6": _add_officer_titles}
