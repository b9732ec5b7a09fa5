"""Beneficial owners (受益所有人) under the PBoC rules of 2024 (《受益所有人信息管理办法》).

A natural person is a beneficial owner who owns, directly or indirectly, at least 25 % of the
company (the rule counts 25 % itself; other thresholds are selectable, inclusive or not). Where
nobody meets the threshold, the rules fall back to the person who actually controls the company,
and where there is none, to its senior manager. Companies with registered capital of at most
CNY 10 million whose holders are all natural persons may commit to being exempt from filing, which
is flagged so an analyst sees why such a company may have filed no beneficial owner.
"""

from __future__ import annotations

from dataclasses import dataclass

EXEMPTION_CAPITAL_CNY = 10_000_000
SENIOR_MANAGER_ROLES = ("legal_representative", "general_manager", "manager", "executive_director", "chairman")


@dataclass(frozen=True)
class BeneficialOwner:
    person: str
    basis: str  # "ownership", "possible ownership" (unknown or range shares), "control", "senior manager"
    low: float | None = None  # integrated ownership bounds, where ownership is the basis
    high: float | None = None


@dataclass(frozen=True)
class BeneficialOwnership:
    owners: tuple[BeneficialOwner, ...]
    threshold: float
    inclusive: bool
    exempt_small_company: bool
    unrecorded: float | None = None  # the most a holder missing from the registers could own, where it meets the threshold


def beneficial_owners(integrated: dict[str, tuple[float, float]], persons: set[str], *,
                      controllers: tuple[str, ...] = (), senior_managers: tuple[str, ...] = (),
                      threshold: float = 0.25, inclusive: bool = True,
                      registered_capital_cny: float | None = None, direct_holders_all_persons: bool = False,
                      unrecorded: float = 0.0) -> BeneficialOwnership:
    """The beneficial owners of one company.

    Parameters
    ----------
    integrated : holder id -> (low, high) integrated ownership of the company
    persons : which ids are natural persons
    controllers : the actual controller(s), for the fallback
    senior_managers : the legal representative and managers, for the last fallback
    threshold, inclusive : 0.25 and True for the PBoC rule; 0.10, or 0.25 exclusive (> 25 %) elsewhere
    unrecorded : the most of the company a holder missing from the registers could own (integrated)

    Examples
    --------
    >>> bo = beneficial_owners({"P": (0.25, 0.25), "Q": (0.2, 0.3), "R": (0.1, 0.1)}, {"P", "Q", "R"})
    >>> [(o.person, o.basis) for o in bo.owners]
    [('P', 'ownership'), ('Q', 'possible ownership')]
    >>> [o.person for o in beneficial_owners({"P": (0.25, 0.25)}, {"P"}, inclusive=False,
    ...                                       controllers=("X",), senior_managers=("M",)).owners]
    ['M']
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be a fraction in (0, 1], got {threshold}")

    def meets(value: float) -> bool:
        return value >= threshold - 1e-9 if inclusive else value > threshold + 1e-9

    owners = [BeneficialOwner(p, "ownership", lo, hi) for p, (lo, hi) in integrated.items() if p in persons and meets(lo)]
    owners.sort(key=lambda o: (-o.low, o.person))
    possible = [BeneficialOwner(p, "possible ownership", lo, hi) for p, (lo, hi) in integrated.items()
                if p in persons and not meets(lo) and meets(hi)]
    possible.sort(key=lambda o: (-o.high, o.person))
    chosen = owners + possible
    if not owners:
        natural_controllers = [c for c in controllers if c in persons]
        if natural_controllers:
            chosen = [BeneficialOwner(c, "control") for c in natural_controllers] + possible
        elif not possible:
            chosen = [BeneficialOwner(m, "senior manager") for m in dict.fromkeys(senior_managers)][:1]
    exempt = (registered_capital_cny is not None and registered_capital_cny <= EXEMPTION_CAPITAL_CNY
              and direct_holders_all_persons)
    return BeneficialOwnership(tuple(chosen), threshold, inclusive, exempt, unrecorded if meets(unrecorded) else None)
