"""The whole graph as integer-indexed numpy arrays, the input of whole-graph algorithms.

Entity ``i`` is ``ids[i]``. Shares are fractions with ``nan`` for unknown; dates are days since
1970-01-01 with :data:`OPEN_START` / :data:`OPEN_END` for a missing start / end, so "valid on day d"
is ``(since <= d) & (d <= until)`` on whole columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .model import EntityKind, EventType, Interest, LinkKind

KIND_CODES = {kind: code for code, kind in enumerate(EntityKind)}
INTEREST_CODES = {interest: code for code, interest in enumerate(Interest)}
LINK_CODES = {kind: code for code, kind in enumerate(LinkKind)}
EVENT_CODES = {kind: code for code, kind in enumerate(EventType)}
# The same codes keyed by the text a store keeps for each value, as stores read them back.
KIND_CODES_BY_VALUE = {kind.value: code for kind, code in KIND_CODES.items()}
INTEREST_CODES_BY_VALUE = {interest.value: code for interest, code in INTEREST_CODES.items()}
LINK_CODES_BY_VALUE = {kind.value: code for kind, code in LINK_CODES.items()}
EVENT_CODES_BY_VALUE = {kind.value: code for kind, code in EVENT_CODES.items()}

OPEN_START = np.iinfo(np.int32).min
OPEN_END = np.iinfo(np.int32).max
_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date | None, open_value: int) -> int:
    """Days since 1970-01-01, or ``open_value`` for a missing date.

    Examples
    --------
    >>> day_number(dt.date(1970, 1, 2), OPEN_START)
    1
    >>> day_number(None, OPEN_END) == OPEN_END
    True
    """
    return open_value if day is None else (day - _EPOCH).days


@dataclass
class GraphArrays:
    ids: list[str]
    kinds: np.ndarray  # int8, codes of KIND_CODES
    holding_holder: np.ndarray  # int32 index of the holder
    holding_company: np.ndarray  # int32 index of the company held
    share_low: np.ndarray  # float64 fraction, nan = unknown
    share_high: np.ndarray
    holding_interest: np.ndarray  # int8, codes of INTEREST_CODES
    holding_since: np.ndarray  # int32 day numbers
    holding_until: np.ndarray
    officer_person: np.ndarray
    officer_company: np.ndarray
    officer_role: np.ndarray  # int16 index into officer_roles
    officer_roles: list[str]
    officer_since: np.ndarray
    officer_until: np.ndarray
    link_src: np.ndarray
    link_dst: np.ndarray
    link_kind: np.ndarray  # int8, codes of LINK_CODES
    event_entity: np.ndarray
    event_type: np.ndarray  # int8, codes of EVENT_CODES
    event_date: np.ndarray  # int32 day numbers, OPEN_START when undated
    event_severity: np.ndarray  # int8, 0 when not given
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    def index_of(self, entity_id: str) -> int:
        if self._index is None:
            self._index = {entity_id: i for i, entity_id in enumerate(self.ids)}
        return self._index[entity_id]

    def holdings_valid_on(self, day: dt.date) -> np.ndarray:
        """A boolean mask of the holdings in force on ``day``."""
        d = day_number(day, 0)
        return (self.holding_since <= d) & (d <= self.holding_until)

    def officers_valid_on(self, day: dt.date) -> np.ndarray:
        d = day_number(day, 0)
        return (self.officer_since <= d) & (d <= self.officer_until)

    def holdings_in_force(self, as_of: dt.date | None) -> np.ndarray:
        """The holdings in force on ``as_of``; with None, the current ones (those without an end date)."""
        return self.holding_until == OPEN_END if as_of is None else self.holdings_valid_on(as_of)

    def officers_in_force(self, as_of: dt.date | None) -> np.ndarray:
        """The officer roles in force on ``as_of``; with None, the current ones (those without an end date)."""
        return self.officer_until == OPEN_END if as_of is None else self.officers_valid_on(as_of)
