"""Measuring the risk scores against what happened: ranking figures, hiding confirmed cases, and
fitting the indicator weights to the cases on record (docs/risk.md, "Evaluation").

Arrays in, figures out; scikit-learn computes the areas under the curves and fits the weights.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from ..arrays import EVENT_CODES, GraphArrays, distinct
from ..model import EventType


@dataclass(frozen=True)
class Figures:
    """How well a score ranks the positives among the candidates."""

    candidates: int
    positives: int
    roc_auc: float  # nan when the candidates are all positive or all negative
    pr_auc: float  # average precision
    precision_at_k: float
    recall_at_k: float
    k: int

    @property
    def base_rate(self) -> float:
        return self.positives / self.candidates if self.candidates else float("nan")


def ranking_figures(score: np.ndarray, positive: np.ndarray, candidates: np.ndarray, k: int = 50) -> Figures:
    """ROC-AUC, PR-AUC (average precision), precision@k and recall@k of ``score`` over the
    ``candidates`` (a boolean mask), ``positive`` marking what should rank first.

    Ties at the k-th place are broken by entity index, the same way every time.

    Examples
    --------
    >>> import numpy as np
    >>> f = ranking_figures(np.array([0.9, 0.8, 0.1, 0.2]), np.array([True, False, False, True]),
    ...                     np.ones(4, dtype=bool), k=2)
    >>> f.precision_at_k, f.recall_at_k, f.roc_auc
    (0.5, 0.5, 0.75)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    if not (score.shape == positive.shape == candidates.shape):
        raise ValueError(f"score, positive and candidates differ in shape: {score.shape}, {positive.shape}, "
                         f"{candidates.shape}")
    if k < 1:
        raise ValueError(f"k must be 1 or more, got {k}")
    s, y = score[candidates], positive[candidates]
    total = int(y.sum())
    both = 0 < total < len(y)
    order = np.argsort(-s, kind="stable")
    found = int(y[order[:k]].sum())
    return Figures(
        candidates=len(y), positives=total,
        roc_auc=float(roc_auc_score(y, s)) if both else float("nan"),
        pr_auc=float(average_precision_score(y, s)) if both else float("nan"),
        precision_at_k=found / min(k, len(y)) if len(y) else float("nan"),
        recall_at_k=found / total if total else float("nan"),
        k=k,
    )


def confirmed_cases(arrays: GraphArrays) -> np.ndarray:
    """The entities with a confirmed case on record (any date), sorted."""
    return distinct(arrays.event_entity[arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE]])


def without_cases(arrays: GraphArrays, entities: np.ndarray) -> GraphArrays:
    """The arrays with the confirmed cases of ``entities`` taken off (their other events stay)."""
    drop = (arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE]) & np.isin(arrays.event_entity, entities)
    keep = ~drop
    return dataclasses.replace(arrays, event_entity=arrays.event_entity[keep], event_type=arrays.event_type[keep],
                               event_date=arrays.event_date[keep], event_severity=arrays.event_severity[keep])


def hide_some(cases: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A random ``fraction`` of ``cases`` (at least one, never all when there are two or more)."""
    if not 0 < fraction < 1:
        raise ValueError(f"the fraction hidden must be between 0 and 1, got {fraction}")
    if len(cases) < 2:
        raise ValueError(f"hiding needs two confirmed cases or more, the store has {len(cases)}")
    count = min(len(cases) - 1, max(1, round(len(cases) * fraction)))
    return np.sort(np.random.default_rng(seed).choice(cases, count, replace=False))


def cases_after(arrays: GraphArrays, day: int, until: int | None = None) -> np.ndarray:
    """A mask of the entities whose first confirmed case is dated after ``day`` (and on or before ``until``)."""
    case = arrays.event_type == EVENT_CODES[EventType.CONFIRMED_CASE]
    first = np.full(arrays.n, np.iinfo(np.int64).max)
    np.minimum.at(first, arrays.event_entity[case], arrays.event_date[case].astype(np.int64))
    later = (first > day) & (first < np.iinfo(np.int64).max)
    if until is not None:
        later &= first <= until
    return later


@dataclass(frozen=True)
class Fitted:
    """A logistic regression of the labels on the features: its coefficients by feature name."""

    coefficients: dict[str, float]
    intercept: float
    regularisation: float  # the C chosen by cross-validation
    model: object  # the fitted scikit-learn estimator, for predict_proba


def fit_weights(features: np.ndarray, labels: np.ndarray, names: list[str], folds: int = 5,
                seed: int = 0) -> Fitted:
    """Fit ``labels`` on ``features`` (one column per name, values 0-1) by a class-balanced logistic
    regression whose regularisation is chosen by stratified cross-validation on average precision."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    if features.shape != (len(labels), len(names)):
        raise ValueError(f"features are {features.shape}, expected ({len(labels)}, {len(names)})")
    positives = int(labels.sum())
    if positives < folds or len(labels) - positives < folds:
        raise ValueError(f"fitting needs {folds} positives and {folds} negatives or more; "
                         f"there are {positives} and {len(labels) - positives}")
    model = LogisticRegressionCV(Cs=8, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                                 class_weight="balanced", scoring="average_precision", max_iter=2000)
    with warnings.catch_warnings():  # scikit-learn's notices of changing defaults say nothing about this fit
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(features, labels)
    return Fitted(dict(zip(names, model.coef_[0].tolist())), float(model.intercept_[0]), float(model.C_[0]), model)
