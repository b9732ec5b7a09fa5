"""Does the early warning work? Two evaluations on the store's own confirmed cases, intrinsic-only,
network-only and combined scoring side by side, and a fit of the weights to the cases (docs/risk.md).

* **hidden**: take a fraction of the confirmed cases off, score, and see where they rank (several
  random draws, averaged);
* **past**: score as of a past date with only the facts dated on or before it, and see where the
  companies that got a confirmed case after it rank. This is the honest form for a warning tool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ...graph.analysis.risk import DIMENSIONS, INDICATORS, RiskConfig
from ...graph.analysis.risk_eval import Figures, cases_after, confirmed_cases, fit_weights, hide_some, ranking_figures, without_cases
from ...graph.arrays import EVENT_CODES, KIND_CODES, OPEN_START, GraphArrays, date_of, day_number
from ...graph.errors import EquityGraphError
from ...graph.model import EntityKind, EventType, effective_day
from ...graph.stores.base import Store
from ..i18n import _
from ...graph.stores.private_files import open_private
from ..render import Result, Section
from .facts import facts_of
from .scores import Scores, score_arrays
from .config import dump_config

SCORINGS = ("intrinsic", "network", "combined")


def _by_scoring(scores: Scores) -> dict[str, np.ndarray]:
    return {"intrinsic": scores.found.intrinsic, "network": scores.network.score, "combined": scores.combined}


@dataclass
class Evaluation(Result):
    """Ranking figures per scoring, averaged over the runs (draws of hidden cases, or one past date)."""

    mode: str
    runs: dict[str, list[Figures]]  # by scoring
    k: int
    setting: str  # what was hidden or which date, in words
    notes: list[str] = field(default_factory=list)

    def mean(self, scoring: str, figure: str) -> float:
        values = [getattr(f, figure) for f in self.runs[scoring]]
        return float(np.nanmean(values)) if values and not np.all(np.isnan(values)) else float("nan")

    def records(self) -> list[dict]:
        out = []
        for scoring in SCORINGS:
            first = self.runs[scoring][0]
            out.append({"mode": self.mode, "scoring": scoring, "runs": len(self.runs[scoring]),
                        "candidates": first.candidates, "positives": first.positives,
                        "base_rate": round(self.mean(scoring, "base_rate"), 6),
                        "roc_auc": _round(self.mean(scoring, "roc_auc")), "pr_auc": _round(self.mean(scoring, "pr_auc")),
                        f"precision_at_{self.k}": _round(self.mean(scoring, "precision_at_k")),
                        f"recall_at_{self.k}": _round(self.mean(scoring, "recall_at_k"))})
        return out

    def to_dict(self) -> dict:
        return {"mode": self.mode, "setting": self.setting, "k": self.k, "figures": self.records(),
                "lift": self.lift(), "notes": self.notes}

    def lift(self) -> dict:
        """What the network adds to intrinsic-only scoring (combined against intrinsic)."""
        out = {}
        for figure in ("roc_auc", "pr_auc", "precision_at_k"):
            base, combined = self.mean("intrinsic", figure), self.mean("combined", figure)
            out[figure] = _round(combined - base)
        return out

    def sections(self) -> list[Section]:
        k = self.k
        rows = [(r["scoring"], _text(r["roc_auc"]), _text(r["pr_auc"]), _text(r[f"precision_at_{k}"]),
                 _text(r[f"recall_at_{k}"])) for r in self.records()]
        first = self.runs["combined"][0]
        note = _("{positives} positives among {candidates} candidates (base rate {rate}); {runs} run(s), figures averaged").format(
            positives=f"{first.positives:,}", candidates=f"{first.candidates:,}", rate=f"{first.base_rate:.4f}",
            runs=len(self.runs["combined"]))
        lift = self.lift()
        words = [_("the network adds {pr} PR-AUC, {roc} ROC-AUC and {precision} precision@{k} to intrinsic-only scoring")
                 .format(pr=f"{lift['pr_auc']:+.3f}", roc=f"{lift['roc_auc']:+.3f}",
                         precision=f"{lift['precision_at_k']:+.3f}", k=k)]
        if not lift["pr_auc"] > 0:
            words.append(_("no lift here: see docs/risk.md on when the network cannot help"))
        return [Section(_("Evaluation ({mode}): {setting}").format(mode=_(self.mode), setting=self.setting),
                        ["scoring", "ROC-AUC", "PR-AUC", _("precision@{k}").format(k=k), _("recall@{k}").format(k=k)],
                        [(_(r[0]), *r[1:]) for r in rows], note=note),
                Section(_("Lift"), ["", ""], [(_("network"), "; ".join(words))] + [(_("note"), n) for n in self.notes])]


def _round(value: float) -> float | None:
    return None if value != value else round(value, 4)


def _text(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


class _Scorer:
    """The arrays, company facts and control table read once, scored as often as needed."""

    def __init__(self, store: Store, config: RiskConfig):
        from ...graph.analysis.control_rules import control_table
        from ..control.answer import identity_decisions

        self.store, self.config = store, config
        self.arrays = store.export_arrays()
        self.facts = facts_of(store, self.arrays)
        self.decisions = identity_decisions(store, self.arrays)
        self._tables: dict = {}
        self._control_table = control_table
        self.company = self.arrays.kinds == KIND_CODES[EntityKind.COMPANY]

    def table(self, as_of):
        # Control does not depend on events: one table per date serves every draw of hidden cases.
        if as_of not in self._tables:
            self._tables[as_of] = self._control_table(self.arrays, as_of, decisions=self.decisions)
        return self._tables[as_of]

    def scores(self, arrays: GraphArrays, as_of, config: RiskConfig | None = None) -> Scores:
        return score_arrays(arrays, self.facts, self.table(as_of), config or self.config, as_of)

    def existing(self, as_of) -> np.ndarray:
        """Companies founded on or before the date (or with no founding date)."""
        day = day_number(effective_day(as_of), 0)
        existing = np.zeros(self.arrays.n, dtype=bool)
        existing[self.company] = (self.facts.founded <= day) | (self.facts.founded == OPEN_START)
        return existing


def evaluate_hidden(store: Store, config: RiskConfig, fraction: float = 0.5, seeds: int = 3, k: int = 50,
                    as_of: dt.date | None = None) -> Evaluation:
    """Hide ``fraction`` of the confirmed cases (``seeds`` random draws), score, and rank the hidden ones
    among the companies with no confirmed case left."""
    scorer = _Scorer(store, config)
    cases = confirmed_cases(scorer.arrays)
    cases = cases[scorer.company[cases]]
    runs: dict[str, list[Figures]] = {s: [] for s in SCORINGS}
    for seed in range(seeds):
        try:
            hidden = hide_some(cases, fraction, seed)
        except ValueError as e:
            raise EquityGraphError(str(e)) from None
        arrays = without_cases(scorer.arrays, hidden)
        scores = scorer.scores(arrays, as_of)
        positive = np.zeros(arrays.n, dtype=bool)
        positive[hidden] = True
        candidates = scorer.existing(as_of) & ~scores.found.confirmed
        for scoring, values in _by_scoring(scores).items():
            runs[scoring].append(ranking_figures(values, positive, candidates, k))
    setting = _("{fraction} of {n} confirmed cases hidden, {seeds} draw(s)").format(
        fraction=f"{fraction * 100:g} %", n=f"{len(cases):,}", seeds=seeds)
    notes = [_("a hidden case keeps its other events (complaints, news): only the confirmation is taken off")]
    return Evaluation("hidden", runs, k, setting, notes)


def default_past_date(arrays: GraphArrays) -> dt.date:
    """The median date of the first confirmed cases: half the cases before it, half after."""
    first = _first_case_days(arrays)
    if len(first) < 2:
        raise EquityGraphError(f"a past-date evaluation needs two dated confirmed cases or more, the store has {len(first)}")
    return date_of(int(np.median(first)))


def _first_case_days(arrays: GraphArrays) -> np.ndarray:
    case = (arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE]) & (arrays.event_date != OPEN_START)
    entities, days = arrays.event_entity[case], arrays.event_date[case].astype(np.int64)
    order = np.lexsort((days, entities))
    entities, days = entities[order], days[order]
    first = np.ones(len(entities), dtype=bool)
    first[1:] = entities[1:] != entities[:-1]
    return days[first]


def evaluate_past(store: Store, config: RiskConfig, day: dt.date | None = None, k: int = 50,
                  horizon_days: int | None = None) -> Evaluation:
    """Score as of ``day`` (default: the median first-case date) with only the facts dated on or before
    it; the positives are the companies whose first confirmed case came after it (within
    ``horizon_days`` when given)."""
    scorer = _Scorer(store, config)
    day = day or default_past_date(scorer.arrays)
    number = day_number(day, 0)
    scores = scorer.scores(scorer.arrays, day)
    positive = cases_after(scorer.arrays, number, number + horizon_days if horizon_days else None)
    candidates = scorer.existing(day) & ~scores.found.confirmed
    if not (positive & candidates).any():
        raise EquityGraphError(f"no company got a first confirmed case after {day.isoformat()}: nothing to find "
                               "(choose an earlier --as-of)")
    runs = {scoring: [ranking_figures(values, positive, candidates, k)] for scoring, values in _by_scoring(scores).items()}
    window = _(" within {n} days").format(n=horizon_days) if horizon_days else ""
    setting = _("scored as of {day}, cases confirmed after it{window}").format(day=day.isoformat(), window=window)
    notes = [_("only facts dated on or before {day} count; undated events count as always known").format(day=day.isoformat()),
             _("companies founded after the date are not candidates")]
    return Evaluation("past", runs, k, setting, notes)


FEATURES = [name for dim in DIMENSIONS for name in INDICATORS[dim]] + ["network"]


@dataclass
class FitResult(Result):
    """The fitted weights (as a risk.toml) and the test figures of the hand-set, the fitted weights
    and the fitted model itself, on a later period than the one fitted."""

    train: str
    test: str
    coefficients: dict[str, float]
    regularisation: float
    figures: dict[str, Figures]  # hand-set, fitted weights, fitted model
    toml: str
    k: int
    written: str | None = None

    def records(self) -> list[dict]:
        return [{"scoring": name, "roc_auc": _round(f.roc_auc), "pr_auc": _round(f.pr_auc),
                 f"precision_at_{self.k}": _round(f.precision_at_k), f"recall_at_{self.k}": _round(f.recall_at_k)}
                for name, f in self.figures.items()]

    def to_dict(self) -> dict:
        return {"train": self.train, "test": self.test, "coefficients": self.coefficients,
                "regularisation": self.regularisation, "figures": self.records(), "written": self.written}

    def sections(self) -> list[Section]:
        k = self.k
        where = (_("written to {path}").format(path=self.written) if self.written
                 else _("use --out FILE to write the fitted risk.toml"))
        return [
            Section(_("Fitted on {train}; tested on {test}").format(train=self.train, test=self.test),
                    ["scoring", "ROC-AUC", "PR-AUC", _("precision@{k}").format(k=k), _("recall@{k}").format(k=k)],
                    [(_(r["scoring"]), _text(r["roc_auc"]), _text(r["pr_auc"]), _text(r[f"precision_at_{k}"]),
                      _text(r[f"recall_at_{k}"])) for r in self.records()], note=where),
            Section(_("Coefficients (logistic regression, class-balanced, C by 5-fold cross-validation)"),
                    ["feature", "coefficient"],
                    [(name, f"{value:+.3f}") for name, value in sorted(self.coefficients.items(), key=lambda kv: -kv[1])],
                    note=_("C = {c}; negative coefficients become weight 0 in the TOML").format(c=f"{self.regularisation:.4g}")),
        ]


def fit(store: Store, config: RiskConfig, k: int = 50, out: str | None = None) -> FitResult:
    """Fit the indicator, dimension and combination weights to the confirmed cases, time-split: fit on
    the cases confirmed between the 40th and 70th percentile of first-case dates (scored as of the
    first), test on those after the 70th (scored as of it). Writes the fitted risk.toml to ``out``."""
    scorer = _Scorer(store, config)
    first = np.sort(_first_case_days(scorer.arrays))
    if len(first) < 20:
        raise EquityGraphError(f"fitting needs 20 dated confirmed cases or more, the store has {len(first)}")
    train_day, test_day = int(first[int(len(first) * 0.4)]), int(first[int(len(first) * 0.7)])
    train_date, test_date = date_of(train_day), date_of(test_day)

    def table_of(day: dt.date, number: int, until: int | None, cfg: RiskConfig):
        scores = scorer.scores(scorer.arrays, day, cfg)
        candidates = scorer.existing(day) & ~scores.found.confirmed
        positive = cases_after(scorer.arrays, number, until)
        members = scores.found.members  # the features have one row per company
        features = np.column_stack([scores.found.values[name] for name in FEATURES[:-1]] + [scores.network.score[members]])
        return scores, candidates, positive, np.clip(features, 0.0, 1.0)

    _scores, candidates, positive, features = table_of(train_date, train_day, test_day, config)
    rows = candidates[scorer.company]
    try:
        fitted = fit_weights(features[rows], positive[scorer.company][rows], FEATURES)
    except ValueError as e:
        raise EquityGraphError(f"cannot fit: {e}") from None
    tuned = fitted_config(config, fitted.coefficients)
    hand, test_candidates, test_positive, test_features = table_of(test_date, test_day, None, config)
    mine = scorer.scores(scorer.arrays, test_date, tuned)
    model = np.zeros(scorer.arrays.n)
    rows = test_candidates[scorer.company]
    model[np.flatnonzero(scorer.company)[rows]] = fitted.model.predict_proba(test_features[rows])[:, 1]
    figures = {"hand-set weights": ranking_figures(hand.combined, test_positive, test_candidates, k),
               "fitted weights (TOML)": ranking_figures(mine.combined, test_positive, test_candidates, k),
               "fitted model": ranking_figures(model, test_positive, test_candidates, k)}
    text = dump_config(tuned, f"fitted by equitygraph evaluate --fit on {train_date.isoformat()}..{test_date.isoformat()}")
    written = None
    if out:
        with open_private(out) as f:
            f.write(text)
        written = str(out)
    train = _("cases confirmed {first}..{last} (as of {first})").format(first=train_date.isoformat(),
                                                                        last=test_date.isoformat())
    test = _("cases confirmed after {day} (as of {day})").format(day=test_date.isoformat())
    return FitResult(train, test, fitted.coefficients, fitted.regularisation, figures, text, k, written)


def fitted_config(config: RiskConfig, coefficients: dict[str, float]) -> RiskConfig:
    """The configuration with the fitted weights: within a dimension, each indicator's weight is its
    coefficient over the dimension's largest; a dimension weighs its largest coefficient; intrinsic
    against network weigh the dimensions' sum against the network coefficient (negatives count 0;
    the dimension and combination weights are normalised to sum to 1)."""
    sections = {name: dict(values) for name, values in config.sections.items()}
    positive = {name: max(0.0, value) for name, value in coefficients.items()}
    for dim in DIMENSIONS:
        top = max(positive[name] for name in INDICATORS[dim])
        for name in INDICATORS[dim]:
            sections[dim][name] = round(positive[name] / top, 4) if top > 0 else 0.0
        sections["dimensions"][dim] = round(top, 4)
    intrinsic = sum(sections["dimensions"].values())
    if intrinsic > 0:
        sections["dimensions"] = {dim: round(w / intrinsic, 4) for dim, w in sections["dimensions"].items()}
    else:
        sections["dimensions"] = dict(config["dimensions"])
    total = intrinsic + positive["network"]
    if total > 0:
        sections["combine"] = {"intrinsic": round(intrinsic / total, 4), "network": round(positive["network"] / total, 4)}
    return RiskConfig(sections)
