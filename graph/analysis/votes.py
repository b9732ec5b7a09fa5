"""Who votes how much in each company (a voting interest replacing the shareholding), and whom each
holder appoints to its board; with the sorted-array helpers the control rules share."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..arrays import GraphArrays
from ..model import Interest
from ..roles import BOARD_ROLES
from .ownership import direct_shares

def votes_of(held, voting, n: int):
    """Per (holder, company) pair in force: vote bounds, a voting interest replacing the shareholding."""
    n = np.int64(n)
    # Voting records first, so that after a stable sort by pair they lead their pair. Keyed company
    # first: the stores hand holdings over grouped by company, so the sort finds them nearly in order.
    key = np.concatenate([voting.company * n + voting.holder, held.company * n + held.holder])
    low = np.concatenate([voting.low, held.low])
    high = np.concatenate([voting.high, held.high])
    is_voting = np.concatenate([np.ones(len(voting.low), bool), np.zeros(len(held.low), bool)])
    # Per pair: voting records win; several records of one kind add up.
    if len(key) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    order = np.argsort(key, kind="stable")
    key, low, high, is_voting = key[order], low[order], high[order], is_voting[order]
    first_of_pair = np.r_[True, key[1:] != key[:-1]]
    pair = np.cumsum(first_of_pair) - 1
    keep = is_voting == is_voting[first_of_pair][pair]
    n_pairs = pair[-1] + 1 if len(pair) else 0
    low_sum = np.bincount(pair[keep], weights=low[keep], minlength=n_pairs)
    high_sum = np.minimum(np.bincount(pair[keep], weights=high[keep], minlength=n_pairs), 1.0)
    pair_key = key[first_of_pair]
    return (pair_key % n).astype(np.int32), (pair_key // n).astype(np.int32), np.minimum(low_sum, 1.0), high_sum


def votes(arrays: GraphArrays, as_of: dt.date | None = None):
    """Per (holder, company) pair in force: vote bounds, a voting interest replacing the shareholding."""
    return votes_of(direct_shares(arrays, as_of, (Interest.SHAREHOLDING,)),
                  direct_shares(arrays, as_of, (Interest.VOTING,)), arrays.n)


def board_appointments(arrays: GraphArrays, holder: np.ndarray, company: np.ndarray, as_of: dt.date | None = None,
                       min_board: int = 1):
    """For each (holder, company) pair: how many of the company's board members the holder
    appoints (they are the holder, or hold an office in it), and each company's board size.
    Only companies with boards of at least ``min_board`` are joined; the others get 0."""
    in_force = arrays.officers_in_force(as_of)
    board_codes = [i for i, role in enumerate(arrays.officer_roles) if role in BOARD_ROLES]
    on_board = in_force & np.isin(arrays.officer_role, board_codes)
    n = np.int64(arrays.n)
    seat_key = unique(arrays.officer_person[on_board].astype(np.int64) * n + arrays.officer_company[on_board])
    seat_person, seat_company = seat_key // n, seat_key % n
    board_size = np.bincount(seat_company, minlength=arrays.n)
    appoints = np.zeros(len(company), dtype=np.int64)
    big_board = board_size >= min_board
    if not big_board.any():
        return appoints, board_size
    wanted = np.flatnonzero(big_board[company])
    holder, company = holder[wanted], company[wanted]
    office_key = unique(arrays.officer_person[in_force].astype(np.int64) * n + arrays.officer_company[in_force])
    # Join pairs with the seats of their company: seats are sorted by person, so sort by company.
    by_company = np.argsort(seat_company, kind="stable")
    seat_person, seat_company = seat_person[by_company], seat_company[by_company]
    start = np.searchsorted(seat_company, company, side="left")
    stop = np.searchsorted(seat_company, company, side="right")
    count = stop - start
    pair_index = np.repeat(np.arange(len(company)), count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    member = seat_person[np.repeat(start, count) + offsets]
    member_holder = holder[pair_index]
    appointed = (member == member_holder) | contains(office_key, member * n + member_holder)
    appoints[wanted] = np.bincount(pair_index[appointed], minlength=len(company))
    return appoints, board_size


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sorting beats hashing here)."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def contains(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_values, queries), max(len(sorted_values) - 1, 0))
    return (sorted_values[at] == queries) if len(sorted_values) else np.zeros(len(queries), dtype=bool)


def key_groups(keys: np.ndarray):
    """Distinct keys, each key's group number, and the group sizes."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    group_of_sorted = np.cumsum(first) - 1
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group_of_sorted
    return ordered[first], inverse, np.bincount(group_of_sorted) if len(keys) else np.zeros(0, dtype=np.int64)
