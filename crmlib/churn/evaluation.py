"""How good is a churn score, and how deep should a retention campaign go?

* :func:`churn_metrics`: ROC AUC, PR AUC (average precision), Brier score and top-decile
  lift for several scores on the same customers.
* :func:`calibration_table`: predicted against observed churn rate, by bins of the score.
* :func:`crmlib.metrics.lift_table` (re-exported here): the decile lift and cumulative
  gains table (提升度/累积增益).
* :func:`profit_curve`: expected (and, with outcomes, realised) profit of a retention
  campaign by targeting depth, and the depth that maximises it.

Ranking tables split tied scores evenly: a block of customers with the same score
contributes its average to each position it spans, which is the expected result of
breaking the ties at random. A two-level rule therefore gets no credit for the order in
which its customers happen to be listed.

Labels and scores are paired by customer: when both are pandas objects they are aligned
on their index (customer_id) and must hold the same customers; a plain array is taken
to be in the order of ``y_true`` (or ``p_churn``) and must have its length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.metrics import (
    align_to,
    as_labels,
    as_score_array,
    lift_table,
    top_k_sums,
    wilson_interval,
)

__all__ = [
    "ProfitCurve",
    "calibration_table",
    "churn_metrics",
    "lift_table",
    "profit_curve",
]


# ------------------------------------------------------------------ input checks


def _as_array(values, name: str, *, func: str, ref=None, ref_name: str = "y_true") -> np.ndarray:
    if ref is not None:
        values = align_to(ref, values, ref_name, name, func=func)
    return as_score_array(values, name, func=func)


def _labels(y_true, *, func: str) -> np.ndarray:
    return as_labels(y_true, func=func)


def _probabilities(p, name: str, *, func: str, ref=None, ref_name: str = "y_true") -> np.ndarray:
    arr = _as_array(p, name, func=func, ref=ref, ref_name=ref_name)
    odd = (arr < 0) | (arr > 1)
    if odd.any():
        raise DataValidationError(
            f"{func}: {name} must be probabilities in [0, 1].",
            column=name,
            rows=pd.DataFrame({name: arr[odd]}, index=np.flatnonzero(odd)),
            suggestion="pass predict_proba(X)[:, 1], not a decision function or a rank.",
        )
    return arr


def _score_table(scores, y_true, *, func: str) -> dict[str, np.ndarray]:
    if isinstance(scores, pd.DataFrame):
        scores = align_to(y_true, scores, "y_true", "scores", func=func)
        scores = {str(c): scores[c] for c in scores.columns}
    elif not isinstance(scores, Mapping):
        scores = {"score": scores}
    if not scores:
        raise DataValidationError(f"{func}: no scores given.", suggestion="pass {'model name': probabilities}.")
    return {str(k): _probabilities(v, str(k), func=func, ref=y_true) for k, v in scores.items()}


# ------------------------------------------------------------------ metrics


def churn_metrics(y_true, scores, *, top: float = 0.1) -> pd.DataFrame:
    """Discrimination and calibration of several churn scores on the same customers.

    Parameters
    ----------
    y_true : array-like of 0/1
        Observed churn.
    scores : mapping of name to probabilities, DataFrame, or one array
        P(churned) per customer, in the order of ``y_true``.
    top : float, default 0.1
        Share of customers for the top lift (0.1: top decile).

    Returns
    -------
    DataFrame
        One row per score: ``roc_auc``, ``pr_auc`` (average precision), ``brier``
        (mean squared error of the probability), ``top_lift`` (churn rate among the
        ``top`` share with the highest scores / overall churn rate), ``churn_rate`` and
        ``customers``.

    Examples
    --------
    >>> m = churn_metrics([0, 0, 1, 1], {"perfect": [0.1, 0.2, 0.8, 0.9]}, top=0.5)
    >>> m.loc["perfect", ["roc_auc", "pr_auc", "top_lift"]].tolist()
    [1.0, 1.0, 2.0]
    """
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = _labels(y_true, func="churn_metrics")
    if np.unique(y).size < 2:
        raise DataValidationError(
            "y_true has a single class, so AUCs are undefined.",
            column="y_true",
            suggestion="evaluate on a set with both churned and retained customers.",
        )
    top = to_number(top, "top", low=0, high=1, low_inclusive=False, example="0.1 for the top decile")
    table = _score_table(scores, y_true, func="churn_metrics")
    k = max(1, int(round(top * y.size)))
    rows = {}
    for name, p in table.items():
        captured = top_k_sums(y, p, np.array([k]))[0]
        rows[name] = {
            "roc_auc": roc_auc_score(y, p),
            "pr_auc": average_precision_score(y, p),
            "brier": brier_score_loss(y, p),
            "top_lift": (captured / k) / y.mean(),
            "churn_rate": y.mean(),
            "customers": y.size,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    return out


def calibration_table(y_true, p, *, n_bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
    """Mean predicted against observed churn rate by bins of the prediction.

    Parameters
    ----------
    y_true : array-like of 0/1
    p : array-like
        Predicted P(churned).
    n_bins : int, default 10
        Number of bins.
    strategy : {"quantile", "uniform"}, default "quantile"
        Bins with equal numbers of customers, or of equal width on [0, 1]. Quantile
        edges that coincide (many equal predictions) are merged.

    Returns
    -------
    DataFrame
        One row per non-empty bin: ``customers``, ``mean_predicted``, ``observed_rate``
        and its 95% Wilson interval ``observed_low``, ``observed_high``. A calibrated model
        has ``observed_rate`` close to ``mean_predicted``.

    Examples
    --------
    >>> t = calibration_table([0, 1, 0, 1], [0.2, 0.2, 0.8, 0.8], n_bins=2, strategy="uniform")
    >>> t[["customers", "mean_predicted", "observed_rate"]].to_numpy().tolist()
    [[2.0, 0.2, 0.5], [2.0, 0.8, 0.5]]
    """
    y = _labels(y_true, func="calibration_table")
    q = _probabilities(p, "p", func="calibration_table", ref=y_true)
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise DataValidationError(f"n_bins={n_bins!r} must be a positive integer.")
    if strategy == "quantile":
        edges = np.unique(np.quantile(q, np.linspace(0, 1, n_bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise DataValidationError(f"strategy={strategy!r} is unknown.", suggestion="use 'quantile' or 'uniform'.")
    # right-closed bins, the first one also closed on the left
    idx = np.clip(np.searchsorted(edges, q, side="left") - 1, 0, max(edges.size - 2, 0))
    frame = pd.DataFrame({"bin": idx, "y": y, "p": q})
    g = frame.groupby("bin")
    out = pd.DataFrame(
        {
            "customers": g.size().astype("float64"),
            "mean_predicted": g["p"].mean(),
            "observed_rate": g["y"].mean(),
        }
    )
    low, high = wilson_interval(g["y"].sum().to_numpy(), out["customers"].to_numpy())
    out["observed_low"], out["observed_high"] = low, high
    out.index = pd.RangeIndex(1, len(out) + 1, name="bin")
    return out


# ------------------------------------------------------------------ profit curve


@dataclass
class ProfitCurve:
    """A retention campaign's profit by targeting depth (from :func:`profit_curve`).

    Attributes
    ----------
    curve : DataFrame
        One row per number of customers targeted, 0 to all: ``n_targeted``, ``depth``
        (share targeted), ``expected_profit`` and, when outcomes were given,
        ``realised_profit``.
    best_n : int
        Number of customers to contact that maximises expected profit (the smallest such
        number when several tie).
    best_depth : float
        ``best_n`` as a share of all customers.
    best_expected_profit : float
    realised_at_best : float or None
        Realised profit at ``best_n``, when outcomes were given.
    best_realised_depth : float or None
        The depth that would have maximised realised profit (hindsight; for evaluation).
    contact_cost, save_rate : float
        The campaign assumptions.
    """

    curve: pd.DataFrame
    best_n: int
    best_depth: float
    best_expected_profit: float
    realised_at_best: float | None
    best_realised_depth: float | None
    contact_cost: float
    save_rate: float

    def summary(self) -> pd.Series:
        """The optimum and the assumptions, as a Series (for tables and CSV export)."""
        return pd.Series(
            {
                "customers": int(self.curve["n_targeted"].iloc[-1]),
                "best_n": self.best_n,
                "best_depth": self.best_depth,
                "best_expected_profit": self.best_expected_profit,
                "realised_at_best": self.realised_at_best,
                "best_realised_depth": self.best_realised_depth,
                "contact_cost": self.contact_cost,
                "save_rate": self.save_rate,
            }
        )


def profit_curve(
    p_churn,
    value_at_stake,
    *,
    contact_cost: float,
    save_rate: float,
    y_true=None,
    scores=None,
) -> ProfitCurve:
    """Profit of a retention campaign that contacts the top ``d`` share by churn risk.

    Contacting customer i costs ``contact_cost``; if i was going to churn, the campaign
    saves them with probability ``save_rate`` and keeps ``value_at_stake[i]``. So

    * expected profit of the top k = Σ_{i ≤ k} (p_i · save_rate · value_i − contact_cost),
      computable before acting;
    * realised profit of the top k (when ``y_true`` is known, for evaluation) =
      Σ_{i ≤ k} (y_i · save_rate · value_i − contact_cost).

    This assumes the campaign changes nothing for customers who would have stayed
    anyway (no "sleeping dog" effect) and that ``save_rate`` is the same for everyone.

    Parameters
    ----------
    p_churn : array-like
        Predicted P(churned) per customer.
    value_at_stake : array-like
        What keeping each customer is worth (CLV, or trailing margin), ≥ 0.
    contact_cost : float
        Cost of one contact (an offer, a call), ≥ 0, same currency as the value.
    save_rate : float
        Share of contacted would-be churners the campaign keeps, in [0, 1].
    y_true : array-like of 0/1, optional
        Observed churn, to add the realised profit.
    scores : array-like, optional
        Order in which to target; default ``p_churn`` (top risk first). Pass
        ``p_churn * value_at_stake`` to target by expected loss instead.

    Returns
    -------
    ProfitCurve

    Examples
    --------
    >>> pc = profit_curve([0.9, 0.5, 0.2, 0.1], [100, 100, 100, 100], contact_cost=10, save_rate=0.5)
    >>> pc.curve["expected_profit"].tolist()
    [0.0, 35.0, 50.0, 50.0, 45.0]
    >>> pc.best_n, pc.best_depth
    (2, 0.5)
    """
    func = "profit_curve"
    p = _probabilities(p_churn, "p_churn", func=func)
    n = p.size
    value = _as_array(value_at_stake, "value_at_stake", func=func, ref=p_churn, ref_name="p_churn")
    if (value < 0).any():
        raise DataValidationError(
            "value_at_stake must be >= 0.",
            column="value_at_stake",
            rows=pd.DataFrame({"value_at_stake": value[value < 0]}),
            suggestion="use CLV or trailing spend; set negative values to 0.",
        )
    contact_cost = to_number(contact_cost, "contact_cost", low=0, example="2.0 (cost of one contact)")
    save_rate = to_number(save_rate, "save_rate", low=0, high=1, example="0.3 for 30%")
    order = p if scores is None else _as_array(scores, "scores", func=func, ref=p_churn, ref_name="p_churn")
    k = np.arange(n + 1)
    expected = top_k_sums(p * save_rate * value - contact_cost, order, k)
    curve = pd.DataFrame({"n_targeted": k, "depth": k / n, "expected_profit": expected})
    best = int(np.argmax(expected))
    realised_at_best = best_realised_depth = None
    if y_true is not None:
        y = _labels(align_to(p_churn, y_true, "p_churn", "y_true", func=func), func=func)
        realised = top_k_sums(y * save_rate * value - contact_cost, order, k)
        curve["realised_profit"] = realised
        realised_at_best = float(realised[best])
        best_realised_depth = float(k[int(np.argmax(realised))] / n)
    return ProfitCurve(
        curve=curve,
        best_n=best,
        best_depth=best / n,
        best_expected_profit=float(expected[best]),
        realised_at_best=realised_at_best,
        best_realised_depth=best_realised_depth,
        contact_cost=float(contact_cost),
        save_rate=float(save_rate),
    )
