"""Exporting the whole graph: GraphML and GEXF (Gephi, yEd), JSON lines, and the canonical CSV
folder (spreadsheets, and loadable again). Every exporter takes a store and writes one path."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from ...graph.errors import EquityGraphError
from ...graph.model import Entity, EntityKind, Holding, Link, LinkKind, Officer, Relation, RiskEvent
from ...graph.stores.base import Store
from ...loaders.csv_rows import ENTITY_COLUMNS, EVENT_COLUMNS, HOLDING_COLUMNS, OFFICER_COLUMNS, RELATION_COLUMNS
from ...loaders.textfile import escape_cell
from . import export_open
from .exporter import Exporter, pct
from ..i18n import _
from ...graph.stores.private_files import open_private
from ..render import Result, Section


def _record_type(record) -> str:
    return {Entity: "entity", Holding: "holding", Officer: "officer", Link: "link", RiskEvent: "event",
            Relation: "relation"}[type(record)]


def _plain(record) -> dict:
    data = {}
    for key, value in record.__dict__.items():
        if hasattr(value, "value"):
            value = value.value
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        if key == "share":
            data["share_low"], data["share_high"] = value.low, value.high
            continue
        data[key] = value
    if isinstance(record, RiskEvent):
        data["id"] = record.id
    return data


class JsonLinesExporter(Exporter):
    """One JSON object per line, ``{"type": "entity" | "holding" | "officer" | "link" | "event", ...}``."""

    def write(self, store: Store) -> Counter:
        counts = Counter()
        with open_private(self.path, "w", encoding="utf-8") as f:
            for record in store.iter_records():
                kind = _record_type(record)
                counts[kind] += 1
                f.write(json.dumps({"type": kind, **_plain(record)}, ensure_ascii=False) + "\n")
        return counts


class CanonicalCsvExporter(Exporter):
    """A folder in the canonical CSV format (docs/csv-format.md), which ``equitygraph load`` reads
    back: addresses and contacts go back into the entities' address, phone and email columns."""

    def write(self, store: Store) -> Counter:
        if self.path.is_symlink():
            raise EquityGraphError(f"{self.path} is a symbolic link: a folder is not written through one")
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        texts: dict[str, str] = {}
        columns: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for r in store.iter_records():  # entities come first, so every address is known before its links
            if isinstance(r, Entity) and r.kind in (EntityKind.ADDRESS, EntityKind.CONTACT):
                texts[r.id] = r.name
            elif isinstance(r, Link) and r.dst in texts:
                text = texts[r.dst]
                column = "address" if r.kind is LinkKind.LOCATED_AT else ("email" if "@" in text else "phone")
                columns[r.src][column].append(text)
        counts = Counter()
        files = {name: open_private(self.path / f"{name}.csv", "w", encoding="utf-8", newline="")
                 for name in ("entities", "holdings", "officers", "events", "relations")}
        done = False
        try:
            # CRLF line ends (RFC 4180) make the writer quote a value holding a bare carriage return too.
            writers = {name: _EscapingWriter(csv.writer(f, lineterminator="\r\n")) for name, f in files.items()}
            for name, header in (("entities", ENTITY_COLUMNS), ("holdings", HOLDING_COLUMNS),
                                 ("officers", OFFICER_COLUMNS), ("events", EVENT_COLUMNS),
                                 ("relations", RELATION_COLUMNS)):
                writers[name].writerow(header)
            for r in store.iter_records():
                if isinstance(r, Entity) and r.id not in texts:
                    extra = columns.get(r.id, {})
                    row = {**{k: v for k, v in _plain(r).items() if k in ENTITY_COLUMNS},
                           "aliases": "|".join(r.aliases), "address": "|".join(extra.get("address", [])),
                           "phone": "|".join(extra.get("phone", [])), "email": "|".join(extra.get("email", [])),
                           "disclosure_threshold": _pct_or_blank(r.disclosure_threshold),
                           "listed": "yes" if r.listed else "", "free_float": _pct_or_blank(r.free_float),
                           "birth_date": _iso(r.birth_date)}
                    writers["entities"].writerow(["" if row.get(c) is None else row[c] for c in ENTITY_COLUMNS])
                    counts["entities"] += 1
                elif isinstance(r, Holding):
                    writers["holdings"].writerow([r.holder_id, r.company_id, _share_text(r), r.interest.value,
                                                  _iso(r.since), _iso(r.until), r.source or ""])
                    counts["holdings"] += 1
                elif isinstance(r, Officer):
                    writers["officers"].writerow([r.person_id, r.company_id, r.role, _iso(r.since), _iso(r.until),
                                                  r.title or ""])
                    counts["officers"] += 1
                elif isinstance(r, Relation):
                    writers["relations"].writerow([r.a, r.b, r.type.value, _iso(r.since), _iso(r.until), r.source or "",
                                                   _share_text(r)])
                    counts["relations"] += 1
                elif isinstance(r, RiskEvent):
                    writers["events"].writerow([r.entity_id, r.type.value, _iso(r.date),
                                                "" if r.severity is None else r.severity, r.text or "", r.source or ""])
                    counts["events"] += 1
            done = True
        finally:
            for f in files.values():
                f.close() if done else f.discard()
        return counts


class _EscapingWriter:
    """Rows of the canonical folder, each text cell escaped against spreadsheet formulas
    (``loaders.textfile.escape_cell``; the loader takes the escape off again)."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row) -> None:
        self._writer.writerow([escape_cell(cell) if isinstance(cell, str) else cell for cell in row])


class NetworkxExporter(Exporter):
    """GraphML or GEXF through networkx: parties and addresses as nodes, facts as edges."""

    def __init__(self, path: str | Path, fmt: str):
        super().__init__(path)
        self.fmt = fmt

    def write(self, store: Store) -> Counter:
        import networkx as nx

        graph = nx.MultiDiGraph()
        counts = Counter()
        for r in store.iter_records():
            kind = _record_type(r)
            counts[kind] += 1
            data = {k: _xml_safe(v) for k, v in _plain(r).items() if v is not None and not isinstance(v, list)}
            if isinstance(r, Entity):
                node = _xml_safe(r.id)
                graph.add_node(node, label=_xml_safe(r.name), **{k: v for k, v in data.items() if k not in ("id", "name")})
                if r.aliases:
                    graph.nodes[node]["aliases"] = _xml_safe("|".join(r.aliases))
            elif isinstance(r, Holding):
                graph.add_edge(_xml_safe(r.holder_id), _xml_safe(r.company_id), key=_xml_safe(r.key), type="holding",
                               **{k: v for k, v in data.items() if k not in ("holder_id", "company_id")})
            elif isinstance(r, Officer):
                graph.add_edge(_xml_safe(r.person_id), _xml_safe(r.company_id), key=_xml_safe(r.key), type="officer",
                               **{k: v for k, v in data.items() if k not in ("person_id", "company_id")})
            elif isinstance(r, Link):
                graph.add_edge(_xml_safe(r.src), _xml_safe(r.dst), key=_xml_safe(r.key), type=r.kind.value)
            elif isinstance(r, Relation):
                graph.add_edge(_xml_safe(r.a), _xml_safe(r.b), key=_xml_safe(r.key), type=r.type.value,
                               **{k: v for k, v in data.items() if k not in ("a", "b", "type")})
            else:  # events are attributes of a node in a graph file: counted, kept as the latest event type
                node = graph.nodes[_xml_safe(r.entity_id)]
                node["risk_events"] = node.get("risk_events", 0) + 1
        with open_private(self.path, "wb") as f:
            (nx.write_graphml if self.fmt == "graphml" else nx.write_gexf)(graph, f)
        return counts


# Characters XML 1.0 cannot hold at all, not even escaped: shown as \xNN text instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value):
    if not isinstance(value, str):
        return value
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        value)


def _share_text(h: Holding | Relation) -> str:
    s = h.share
    if not s.is_known:
        return ""
    low, high = pct(s.low), pct(s.high)
    return low if s.is_exact else f"{low}-{high}"


def _pct_or_blank(fraction: float | None) -> str:
    return "" if fraction is None else pct(fraction)


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _open_standard(fmt: str):
    def make(path):
        return {"ftm": export_open.FtmExporter, "bods": export_open.BodsExporter}[fmt](path)
    return make


def _parquet(path):
    from .export_parquet import ParquetExporter

    return ParquetExporter(path)


EXPORTERS = {"graphml": lambda p: NetworkxExporter(p, "graphml"), "gexf": lambda p: NetworkxExporter(p, "gexf"),
             "jsonl": JsonLinesExporter, "csv": CanonicalCsvExporter, "ftm": _open_standard("ftm"),
             "bods": _open_standard("bods"), "parquet": _parquet}


class ExportResult(Result):
    def __init__(self, fmt: str, path: Path, counts: Counter):
        self.fmt, self.path, self.counts = fmt, path, counts

    def to_dict(self) -> dict:
        return {"format": self.fmt, "path": str(self.path), "written": dict(sorted(self.counts.items()))}

    def sections(self) -> list[Section]:
        return [Section(_("Exported {fmt} to {path}").format(fmt=self.fmt, path=self.path), ["what", "count"],
                        [(_(k), n) for k, n in sorted(self.counts.items())])]


def export_graph(store: Store, fmt: str, path: str | Path) -> ExportResult:
    if fmt not in EXPORTERS:
        raise EquityGraphError(f"cannot export {fmt!r}; choose one of {', '.join(EXPORTERS)}")
    exporter = EXPORTERS[fmt](path)
    return ExportResult(fmt, exporter.path, exporter.write(store))
