"""The words of control in the codes the arrays use (rules, verdicts, reasons), the rules'
thresholds, and the table every control decision is written to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import KIND_CODES, GraphArrays
from ..model import EntityKind

RULES = ("majority", "board", "relative", "largest", "agreement")
AGREEMENT = 4
# Verdict kinds, in the codes the arrays use: ``none`` is no single controller, proven (dispersed ownership);
# ``unknown`` nothing on record to decide on. LOOP is only ever a final verdict (after the climb).
VERDICTS = ("single", "joint", "none", "uncertain", "unknown", "loop")
SINGLE, JOINT, DISPERSED, UNCERTAIN, UNKNOWN, LOOP = range(6)
# Why a verdict is what it is, where it is not plain: in the codes the arrays use.
REASONS = ("", "ranges", "unrecorded_majority", "unrecorded_larger", "holders_uncertain", "controller_uncertain",
           "controller_unrecorded", "circular")
(NO_REASON, RANGES, UNRECORDED_MAJORITY, UNRECORDED_LARGER, HOLDERS_UNCERTAIN, CONTROLLER_UNCERTAIN,
 CONTROLLER_UNRECORDED, CIRCULAR) = range(8)
EPS = 1e-9


@dataclass(frozen=True)
class ControlRules:
    """Thresholds of the control rules (fractions of the votes).

    ``listed_threshold`` is the most one public holder of a listed company's unrecorded shares
    (or of a declared free float) is taken to hold when no disclosure threshold is given: 5 %, the
    substantial-holder disclosure line of the Chinese and Hong Kong listing rules.
    """

    majority: float = 0.5
    relative: float = 0.3
    margin: float = 0.10
    floor: float = 0.20
    board: bool = True
    min_board: int = 3  # a sole executive director is no board to hold a majority of
    listed_threshold: float = 0.05

    def __post_init__(self):
        for name in ("majority", "relative", "margin", "floor", "listed_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction between 0 and 1, got {value}")


class Rows:
    """The entities control is decided for (companies and organizations), numbered 0..m-1: the
    whole-graph arrays are n long, and most entities (persons, addresses, phones) are never held."""

    def __init__(self, arrays: GraphArrays):
        kinds = arrays.kinds
        holdable = (kinds == KIND_CODES[EntityKind.COMPANY]) | (kinds == KIND_CODES[EntityKind.ORGANIZATION])
        self.entity = np.flatnonzero(holdable).astype(np.int32)  # row -> entity index
        self.of = np.full(arrays.n, -1, dtype=np.int32)  # entity index -> row, -1 if none
        self.of[self.entity] = np.arange(len(self.entity), dtype=np.int32)
        self.is_company = kinds[self.entity] == KIND_CODES[EntityKind.COMPANY]
        self.n = arrays.n

    def __len__(self) -> int:
        return len(self.entity)

    def spread(self, values: np.ndarray, fill) -> np.ndarray:
        """Per-row values as an array over all entities, ``fill`` where an entity has no row."""
        out = np.full(self.n, fill, dtype=values.dtype)
        out[self.entity] = values
        return out


ROW_FIELDS = {  # per-row decision arrays, and what an entity without a row gets
    "verdict": UNKNOWN, "controller": -1, "joint_partner": -1, "rule": -1, "reason": NO_REASON, "votes_low": 0.0,
    "votes_high": 0.0, "partner_low": 0.0, "partner_high": 0.0, "final": UNKNOWN, "final_reason": NO_REASON,
    "ultimate": -1, "ultimate_joint": -1, "hops": 0,
}


class ControlTable:
    """Direct and actual control of every entity, as arrays indexed like ``GraphArrays.ids``.

    Direct control: ``verdict[j]`` (a code of ``VERDICTS``), ``controller[j]`` (-1 if none; for
    joint control the first, ``joint_partner[j]`` the second), ``rule[j]`` (an index of ``RULES``,
    -1 if none), ``reason[j]`` (an index of ``REASONS``), and the pooled votes of the controller
    and partner (``votes_low``/``votes_high``, ``partner_low``/``partner_high``).

    Actual control, after climbing: ``final[j]`` (a code of ``VERDICTS``), ``final_reason[j]``,
    ``ultimate[j]`` / ``ultimate_joint[j]`` (the last controller(s) reached, -1 if none),
    ``hops[j]`` (steps climbed). Only ``final`` SINGLE or JOINT names an actual controller.

    The decisions are kept per company or organization (``row``); each array over all entities is
    built on first use.
    """

    def __init__(self, ids: list[str], rows: Rows, values: dict[str, np.ndarray], registers,
                 rules: ControlRules):
        self.ids = ids
        self.rows = rows
        self.by_row = values
        self.registers = registers
        self.rules = rules
        self._spread: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> np.ndarray:
        if name in ROW_FIELDS:
            if name not in self._spread:
                self._spread[name] = self.rows.spread(self.by_row[name], ROW_FIELDS[name])
            return self._spread[name]
        raise AttributeError(name)

    def of(self, j: int, name: str):
        """One entity's value of one field, without building the array over all entities."""
        r = self.rows.of[j]
        return ROW_FIELDS[name] if r < 0 else self.by_row[name][r]

    @property
    def loop(self) -> np.ndarray:
        return self.final == LOOP

    def stopped_at_parent(self, rows: np.ndarray) -> np.ndarray:
        """For company rows ``rows``: whether the climb stopped at a controller whose own control is
        not proven (nobody on record holds it, or who does is uncertain). That controller (``ultimate``,
        with ``ultimate_joint`` for joint control) certainly controls the row: its controlling parent."""
        by_row = self.by_row
        return ((by_row["final"][rows] == UNCERTAIN) & (by_row["ultimate"][rows] >= 0)
                & np.isin(by_row["final_reason"][rows], (CONTROLLER_UNRECORDED, CONTROLLER_UNCERTAIN)))

    def controlling_parent(self, j: int) -> tuple[str, ...]:
        """The highest entity (both, for joint control) whose control of entity ``j`` the records
        prove: the actual controller where that is certain; where the climb stopped at a controller
        whose own control is not proven (nobody on record holds it, or who does is uncertain), that
        controller. Empty where nothing controls ``j`` for certain."""
        if self.of(j, "final") in (SINGLE, JOINT):
            return self.actual_controller(j)
        row = self.rows.of[j]
        if row < 0 or not self.stopped_at_parent(np.array([row]))[0]:
            return ()
        top, other = self.of(j, "ultimate"), self.of(j, "ultimate_joint")
        return tuple(sorted({self.ids[top], *([self.ids[other]] if other >= 0 else [])}))

    def actual_controller(self, j: int) -> tuple[str, ...]:
        """The ids of the actual controller(s) of entity ``j``; empty unless that is certain."""
        final = self.of(j, "final")
        if final == SINGLE:
            return (self.ids[self.of(j, "ultimate")],)
        if final == JOINT:
            return tuple(sorted((self.ids[self.of(j, "ultimate")], self.ids[self.of(j, "ultimate_joint")])))
        return ()
