"""What each company's register of holders covers on one day, and the most one holder missing
from it could hold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..arrays import GraphArrays
from ..model import Interest
from .control_terms import ControlRules, Rows
from .ownership import direct_shares
from .votes import votes_of

@dataclass
class Registers:
    """What each company's register of holders covers on one day.

    The arrays are per row (see :attr:`rows`); the methods take entity indices. ``on_record_low``
    and ``on_record_high`` bound the part of the shares the in-force shareholdings cover (an
    unknown share counts 0 to what the other holders leave); the rest is not on record.
    ``hidden_max`` is the most of the votes one holder not on record could hold, given the
    disclosure threshold, listing and free float. Entities nobody holds on record (persons,
    organizations without holders) have nothing unrecorded; a company without any holder on record
    has all of it unrecorded.
    """

    rows: Rows
    holders: np.ndarray
    on_record_low: np.ndarray
    on_record_high: np.ndarray
    hidden_max: np.ndarray
    _unrecorded_shares: np.ndarray
    _arrays: GraphArrays
    _rules: ControlRules

    def _row(self, j: int) -> int:
        return int(self.rows.of[j])

    def not_on_record(self, j: int) -> tuple[float, float]:
        """The part of entity ``j``'s shares not on record, as ``(low, high)``."""
        r = self._row(j)
        if r < 0:
            return 0.0, 0.0
        return max(0.0, 1.0 - float(self.on_record_high[r])), max(0.0, 1.0 - float(self.on_record_low[r]))

    def on_record(self, j: int) -> tuple[float, float]:
        r = self._row(j)
        return (0.0, 0.0) if r < 0 else (float(self.on_record_low[r]), float(self.on_record_high[r]))

    def holders_of(self, j: int) -> int:
        r = self._row(j)
        return 0 if r < 0 else int(self.holders[r])

    def largest_hidden(self, j: int) -> float:
        """The most of entity ``j``'s votes one holder missing from its register could hold."""
        r = self._row(j)
        return 0.0 if r < 0 else float(self.hidden_max[r])

    def largest_hidden_share(self, j: int) -> float:
        """The most of entity ``j``'s shares one holder missing from its register could hold."""
        r = self._row(j)
        if r < 0:
            return 0.0
        at = self.rows.entity[r:r + 1]
        return float(largest_hidden(self._unrecorded_shares[r:r + 1], self._arrays, at, self._rules)[0])


def registers(arrays: GraphArrays, as_of: dt.date | None = None, rules: ControlRules = ControlRules()) -> Registers:
    """The coverage of every company's register on ``as_of`` (today when None).

    Examples
    --------
    >>> from equitygraph.graph.arrays import arrays_from_records
    >>> from equitygraph.graph.model import Entity, EntityKind, Holding, Share
    >>> people = [Entity("P", EntityKind.PERSON, "P"), Entity("C", EntityKind.COMPANY, "C", disclosure_threshold=0.25)]
    >>> r = registers(arrays_from_records(people, [Holding("P", "C", Share.exact(0.45))]))
    >>> r.not_on_record(0), r.largest_hidden(0), r.not_on_record(1)
    ((0.55, 0.55), 0.25, (0.0, 0.0))
    """
    rows = Rows(arrays)
    held = direct_shares(arrays, as_of, (Interest.SHAREHOLDING,))
    voting = direct_shares(arrays, as_of, (Interest.VOTING,))
    _, vote_company, vote_low, _ = votes_of(held, voting, arrays.n)
    return build_registers(arrays, rows, held, rows.of[vote_company], vote_low, rules)


def build_registers(arrays: GraphArrays, rows: Rows, held, vote_row: np.ndarray, vote_low: np.ndarray,
               rules: ControlRules) -> Registers:
    m = len(rows)
    held_row = rows.of[held.company]
    holders = np.bincount(held_row, minlength=m).astype(np.int32)
    on_low = np.minimum(np.bincount(held_row, weights=held.low, minlength=m), 1.0)
    on_high = np.minimum(np.bincount(held_row, weights=held.high, minlength=m), 1.0)
    votes_low = np.minimum(np.bincount(vote_row, weights=vote_low, minlength=m), 1.0)
    has_votes = np.bincount(vote_row, minlength=m) > 0
    # What can be unrecorded: a company's every holder may be; an organization (a state body, a
    # fund) with no holder on record is taken to have none.
    can_hide = rows.is_company | (holders > 0) | has_votes
    hidden = largest_hidden(np.where(can_hide, 1.0 - votes_low, 0.0), arrays, rows.entity, rules)
    return Registers(rows, holders, on_low, on_high, hidden, np.where(can_hide, 1.0 - on_low, 0.0), arrays, rules)


def largest_hidden(missing: np.ndarray, arrays: GraphArrays, entity: np.ndarray, rules: ControlRules) -> np.ndarray:
    """The most one holder of the ``missing`` part (of the entities ``entity``) can hold: the part
    itself, below the disclosure threshold where one is given; a free float (all of the missing
    part, for a listed company that declares none) is dispersed among holders below the threshold,
    or below 5 %."""
    missing = np.clip(missing, 0.0, 1.0)
    threshold = arrays.disclosure_threshold[entity]
    free_float = arrays.free_float[entity]
    has_threshold = ~np.isnan(threshold)
    float_part = np.where(np.isnan(free_float), np.where(arrays.listed[entity], missing, 0.0), free_float)
    float_part = np.minimum(float_part, missing)
    one_holder = np.minimum(missing - float_part, np.where(has_threshold, threshold, 1.0))
    public_holder = np.minimum(float_part, np.where(has_threshold, threshold, rules.listed_threshold))
    return np.maximum(one_holder, public_holder)
