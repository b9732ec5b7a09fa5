"""Addresses, phones and e-mails of a canonical folder read by columns: the nodes and the links to
them in the row reader's order, with the column helpers the columnar reader shares."""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..graph.columns import ENTITY_SCHEMA, LINK_SCHEMA
from ..graph.model import EntityKind, LinkKind, contact_id
from . import csv_rows as rows


def contacts(csv, ids: pa.Array, report, seen: "SeenNodes | None" = None) -> tuple[pa.Table, pa.Table]:
    """Address and contact nodes (each with the text it was first written as) and the links to them,
    in the row reader's order: row by row, address then phone then e-mail, parts left to right. The
    nodes ``seen`` in earlier pieces of the file are not made again."""
    parts_rows, parts_order, node_ids, texts, link_kinds = [], [], [], [], []
    for order, (column, make_ids, link_kind) in enumerate((
        ("address", address_ids, LinkKind.LOCATED_AT), ("phone", contact_ids, LinkKind.HAS_CONTACT),
        ("email", contact_ids, LinkKind.HAS_CONTACT),
    )):
        cells = csv.column(column)
        filled = np.flatnonzero(pc.not_equal(cells, "").to_numpy(zero_copy_only=False))
        if not len(filled):
            continue
        encoded = cells.take(pa.array(filled)).dictionary_encode()
        codes = encoded.indices.to_numpy()
        distinct = encoded.dictionary.to_pylist()
        several = pc.or_(pc.or_(pc.match_substring(encoded.dictionary, "|"), pc.match_substring(encoded.dictionary, ";")),
                         pc.match_substring(encoded.dictionary, "；"))
        if not pc.any(several).as_py():  # one value per cell: whole columns
            made = pa.array(make_ids(distinct), pa.string())
            flat_ids = made.take(encoded.indices)
            flat_texts = encoded.dictionary.take(encoded.indices)
            parts_rows.append(filled)
            parts_order.append(np.full(len(filled), order * 1000, dtype=np.int64))
        else:
            several = several.to_numpy(zero_copy_only=False)
            split = [rows.split_multi(text) if many else [text] for text, many in zip(distinct, several)]
            made = [make_ids(parts) for parts in split]
            rows_of, order_of, flat_ids, flat_texts = [], [], [], []
            for row, code in zip(filled.tolist(), codes.tolist()):
                for part, (node, text) in enumerate(zip(made[code], split[code])):
                    rows_of.append(row)
                    order_of.append(order * 1000 + part)
                    flat_ids.append(node)
                    flat_texts.append(text)
            parts_rows.append(np.array(rows_of, dtype=np.int64))
            parts_order.append(np.array(order_of, dtype=np.int64))
            flat_ids, flat_texts = pa.array(flat_ids, pa.string()), pa.array(flat_texts, pa.string())
        node_ids.append(flat_ids)
        texts.append(flat_texts)
        link_kinds.append(pa.repeat(pa.scalar(link_kind.value), len(flat_ids)))
    if not node_ids:
        return empty_table(ENTITY_SCHEMA), empty_table(LINK_SCHEMA)
    row_of = np.concatenate(parts_rows)
    order = pa.array(np.lexsort((np.concatenate(parts_order), row_of)))
    dst = pa.concat_arrays(node_ids).take(order)
    text = pa.concat_arrays(texts).take(order)
    kind = pa.concat_arrays(link_kinds).take(order)
    links = pa.table({"src": ids.take(pa.array(row_of).take(order)), "dst": dst, "kind": kind}, schema=LINK_SCHEMA)
    if links.num_rows:  # as the row reader counts: a count only for what was found
        report.counts["links"] += links.num_rows
    first = first_rows(dst.dictionary_encode().indices.to_numpy())
    node_kind = pc.if_else(pc.equal(kind.take(first), LinkKind.LOCATED_AT.value), EntityKind.ADDRESS.value,
                           EntityKind.CONTACT.value)
    if seen is not None:
        new = pa.array(seen.new(dst.take(first), pc.equal(node_kind, EntityKind.ADDRESS.value)))
        first, node_kind = first.filter(new), node_kind.filter(new)
    count_kinds(node_kind, report)
    nodes = {name: pa.nulls(len(first), ENTITY_SCHEMA.field(name).type) for name in ENTITY_SCHEMA.names}
    nodes.update(id=dst.take(first), kind=node_kind, name=text.take(first))
    # A link repeats only within one row and kind (a phone also given as the e-mail, a part written twice).
    located = pc.equal(kind, LinkKind.LOCATED_AT.value).to_numpy(zero_copy_only=False)
    rows_in_order = row_of[order.to_numpy()]
    if any(np.bincount(rows_in_order[located == side]).max(initial=0) > 1 for side in (True, False)):
        pairs = pc.binary_join_element_wise(links.column("src"), dst, kind, "\x00")
        links = links.take(pa.array(np.sort(first_rows(pairs.combine_chunks().dictionary_encode().indices.to_numpy())
                                            .to_numpy())))
    return pa.Table.from_pydict(nodes, schema=ENTITY_SCHEMA), links


class SeenNodes:
    """The address and contact nodes made by earlier pieces of a file, kept as the 64-bit digests their
    ids end in (:func:`address_ids`, :func:`contact_ids`: a prefix and 16 hex digits, so the digest and
    the node's kind are the id): a few bytes a node, however many millions there are."""

    _HEX = np.zeros(256, dtype=np.uint64)
    _HEX[np.frombuffer(b"0123456789abcdef", np.uint8)] = np.arange(16, dtype=np.uint64)
    _SHIFTS = np.arange(60, -4, -4, dtype=np.uint64)

    def __init__(self):
        self.pieces = 0
        self._seen: dict[bool, list[np.ndarray]] = {True: [], False: []}  # address?: sorted digests, a piece each

    def new(self, node_ids: pa.Array, addresses: pa.Array) -> np.ndarray:
        """Which of ``node_ids`` (distinct; ``addresses`` says which are addresses) no earlier piece
        made; they are remembered as made."""
        self.pieces += 1
        digests = self._digests(node_ids)
        is_address = addresses.to_numpy(zero_copy_only=False)
        fresh = np.ones(len(digests), dtype=bool)
        for kind in (True, False):
            where = np.flatnonzero(is_address == kind)
            mine = digests[where]
            for earlier in self._seen[kind]:
                if len(earlier):
                    at = np.minimum(np.searchsorted(earlier, mine), len(earlier) - 1)
                    fresh[where[earlier[at] == mine]] = False
            self._seen[kind].append(np.sort(digests[where[fresh[where]]]))
        return fresh

    def _digests(self, node_ids: pa.Array) -> np.ndarray:
        tails = pc.utf8_slice_codeunits(node_ids, -16, 2 ** 31 - 1).combine_chunks() \
            if isinstance(node_ids, pa.ChunkedArray) else pc.utf8_slice_codeunits(node_ids, -16, 2 ** 31 - 1)
        if not len(tails):
            return np.zeros(0, dtype=np.uint64)
        offsets = np.frombuffer(tails.buffers()[1], dtype=np.int32)[tails.offset:tails.offset + len(tails) + 1]
        text = np.frombuffer(tails.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
        if len(text) != 16 * len(tails):
            raise ValueError("a node id does not end in 16 hex digits")
        return np.bitwise_or.reduce(self._HEX[text].reshape(-1, 16) << self._SHIFTS, axis=1)


def groups_of(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in order of their codes (stable: rows of one code in row order), and where each code's
    rows start in that order."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.concatenate(([True], sorted_codes[1:] != sorted_codes[:-1])) if len(codes) else np.zeros(0, bool)
    return order, starts


def first_rows(codes: np.ndarray) -> pa.Array:
    """The first row of each distinct code, in code order."""
    order, starts = groups_of(codes)
    return pa.array(order[starts])


def count_kinds(kinds: pa.Array, report) -> None:
    for entry in pc.value_counts(kinds).to_pylist():
        report.counts[entry["values"]] += entry["counts"]


def address_ids(texts: list[str]) -> list[str]:
    """:func:`model.address_id` of each text, inlined: millions of addresses."""
    sha1, nfkc = hashlib.sha1, unicodedata.normalize
    return ["addr:" + sha1("".join(nfkc("NFKC", t).casefold().split()).encode()).hexdigest()[:16] for t in texts]


def contact_ids(texts: list[str]) -> list[str]:
    """:func:`model.contact_id` of each text; a phone of ASCII digits alone is its own normal form."""
    sha1 = hashlib.sha1
    return [("contact:" + sha1(t.encode()).hexdigest()[:16]) if t.isascii() and t.isdigit() else contact_id(t)
            for t in texts]


def empty_table(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()
