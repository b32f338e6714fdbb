"""How good is a churn score, and how deep should a retention campaign go?

* :func:`churn_metrics`: ROC AUC, PR AUC (average precision), Brier score and top-decile
  lift for several scores on the same customers.
* :func:`calibration_table`: predicted against observed churn rate, by bins of the score.
* :func:`lift_table`: the decile lift and cumulative gains table (提升度/累积增益).
* :func:`profit_curve`: expected (and, with outcomes, realised) profit of a retention
  campaign by targeting depth, and the depth that maximises it.

Ranking tables split tied scores evenly: a block of customers with the same score
contributes its average to each position it spans, which is the expected result of
breaking the ties at random. A two-level rule therefore gets no credit for the order in
which its customers happen to be listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError

__all__ = [
    "ProfitCurve",
    "calibration_table",
    "churn_metrics",
    "lift_table",
    "profit_curve",
]


# ------------------------------------------------------------------ input checks


def _as_array(values, name: str, n: int | None = None, ref: str = "y_true") -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    try:
        arr = np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as err:
        raise DataValidationError(f"{name} must be numeric.", column=name) from err
    if arr.ndim != 1:
        raise DataValidationError(
            f"{name} must be one-dimensional, got shape {arr.shape}.",
            column=name,
            suggestion="pass one value per customer, e.g. model.predict_proba(X)[:, 1].",
        )
    if n is not None and arr.size != n:
        raise DataValidationError(
            f"{name} has {arr.size:,} values but {ref} has {n:,}.",
            column=name,
            suggestion="score and label the same customers, in the same order.",
        )
    if arr.size == 0:
        raise DataValidationError(f"{name} is empty.", column=name)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataValidationError(
            f"{name} has {int(bad.sum()):,} missing or infinite values.",
            column=name,
            rows=pd.DataFrame({name: arr[bad]}, index=np.flatnonzero(bad)),
            suggestion="score every customer; drop customers without a score from all inputs.",
        )
    return arr


def _labels(y_true) -> np.ndarray:
    y = _as_array(y_true, "y_true")
    odd = ~np.isin(y, (0.0, 1.0))
    if odd.any():
        raise DataValidationError(
            "y_true must hold 0 (stayed) and 1 (churned) only.",
            column="y_true",
            rows=pd.DataFrame({"y_true": y[odd]}, index=np.flatnonzero(odd)),
            suggestion="pass churn labels from crmlib.churn.churn_labels.",
        )
    return y


def _probabilities(p, name: str, n: int | None) -> np.ndarray:
    arr = _as_array(p, name, n)
    odd = (arr < 0) | (arr > 1)
    if odd.any():
        raise DataValidationError(
            f"{name} must be probabilities in [0, 1].",
            column=name,
            rows=pd.DataFrame({name: arr[odd]}, index=np.flatnonzero(odd)),
            suggestion="pass predict_proba(X)[:, 1], not a decision function or a rank.",
        )
    return arr


def _score_table(scores, n: int) -> dict[str, np.ndarray]:
    if isinstance(scores, pd.DataFrame):
        scores = {str(c): scores[c] for c in scores.columns}
    elif not isinstance(scores, Mapping):
        scores = {"score": scores}
    if not scores:
        raise DataValidationError("No scores given.", suggestion="pass {'model name': probabilities}.")
    return {str(k): _probabilities(v, str(k), n) for k, v in scores.items()}


# ---------------------------------------------------------- tie-aware cumulative sums


def _top_k_sums(values: np.ndarray, scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Expected sum of ``values`` over the ``k`` highest scores, ties broken at random."""
    order = np.argsort(-scores, kind="stable")
    s, v = scores[order], values[order]
    new_block = np.r_[True, s[1:] != s[:-1]]
    block = np.cumsum(new_block) - 1
    start = np.flatnonzero(new_block)
    size = np.diff(np.r_[start, s.size])
    total = np.bincount(block, weights=v)
    before = np.r_[0.0, np.cumsum(total)[:-1]]
    k = np.asarray(k, dtype=np.int64)
    out = np.zeros(k.shape)
    pos = k > 0
    b = block[k[pos] - 1]  # block holding the k-th customer
    out[pos] = before[b] + (k[pos] - start[b]) * total[b] / size[b]
    return out


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

    y = _labels(y_true)
    if np.unique(y).size < 2:
        raise DataValidationError(
            "y_true has a single class, so AUCs are undefined.",
            column="y_true",
            suggestion="evaluate on a set with both churned and retained customers.",
        )
    if not 0 < top <= 1:
        raise DataValidationError(f"top={top!r} must be in (0, 1].", suggestion="e.g. top=0.1.")
    table = _score_table(scores, y.size)
    k = max(1, int(round(top * y.size)))
    rows = {}
    for name, p in table.items():
        captured = _top_k_sums(y, p, np.array([k]))[0]
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
    y = _labels(y_true)
    q = _probabilities(p, "p", y.size)
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
    low, high = _wilson(out["observed_rate"].to_numpy(), out["customers"].to_numpy())
    out["observed_low"], out["observed_high"] = low, high
    out.index = pd.RangeIndex(1, len(out) + 1, name="bin")
    return out


def _wilson(rate: np.ndarray, n: np.ndarray, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    centre = (rate + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def lift_table(y_true, scores, *, n_bins: int = 10) -> pd.DataFrame:
    """Decile lift and cumulative gains of a churn score.

    Customers are sorted by score, highest risk first, and cut into ``n_bins`` groups of
    (almost) equal size. Tied scores are shared evenly between the groups they straddle
    (the expected result of breaking ties at random), so churner counts can be fractional.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : array-like
        Churn score; only its order matters.
    n_bins : int, default 10

    Returns
    -------
    DataFrame
        Indexed by ``decile`` (1 = highest scores): ``customers``, ``churners``,
        ``churn_rate``, ``lift`` (churn rate / overall churn rate), ``cum_share_targeted``,
        ``cum_share_of_churners`` (the gains curve) and ``cum_lift``.

    Examples
    --------
    >>> t = lift_table([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1], n_bins=2)
    >>> t[["churners", "lift", "cum_share_of_churners"]].to_numpy().tolist()
    [[2.0, 2.0, 1.0], [0.0, 0.0, 1.0]]
    """
    y = _labels(y_true)
    s = _as_array(scores, "scores", y.size)
    if not isinstance(n_bins, (int, np.integer)) or not 1 <= n_bins <= y.size:
        raise DataValidationError(
            f"n_bins={n_bins!r} must be an integer between 1 and the number of customers ({y.size:,})."
        )
    if y.sum() == 0:
        raise DataValidationError(
            "y_true has no churner, so lift is undefined.",
            column="y_true",
            suggestion="evaluate on a set with churned customers.",
        )
    k = np.round(np.linspace(0, y.size, n_bins + 1)).astype(np.int64)
    cum = _top_k_sums(y, s, k)
    customers = np.diff(k).astype("float64")
    churners = np.diff(cum)
    base = y.mean()
    out = pd.DataFrame(
        {
            "customers": customers,
            "churners": churners,
            "churn_rate": churners / customers,
            "lift": churners / customers / base,
            "cum_share_targeted": k[1:] / y.size,
            "cum_share_of_churners": cum[1:] / y.sum(),
        },
        index=pd.RangeIndex(1, n_bins + 1, name="decile"),
    )
    out["cum_lift"] = out["cum_share_of_churners"] / out["cum_share_targeted"]
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
    p = _probabilities(p_churn, "p_churn", None)
    n = p.size
    value = _as_array(value_at_stake, "value_at_stake", n, ref="p_churn")
    if (value < 0).any():
        raise DataValidationError(
            "value_at_stake must be >= 0.",
            column="value_at_stake",
            rows=pd.DataFrame({"value_at_stake": value[value < 0]}),
            suggestion="use CLV or trailing spend; set negative values to 0.",
        )
    if not (np.isfinite(contact_cost) and contact_cost >= 0):
        raise DataValidationError(f"contact_cost={contact_cost!r} must be a number >= 0.")
    if not (np.isfinite(save_rate) and 0 <= save_rate <= 1):
        raise DataValidationError(f"save_rate={save_rate!r} must be in [0, 1].")
    order = p if scores is None else _as_array(scores, "scores", n, ref="p_churn")
    k = np.arange(n + 1)
    expected = _top_k_sums(p * save_rate * value - contact_cost, order, k)
    curve = pd.DataFrame({"n_targeted": k, "depth": k / n, "expected_profit": expected})
    best = int(np.argmax(expected))
    realised_at_best = best_realised_depth = None
    if y_true is not None:
        y = _labels(y_true)
        if y.size != n:
            raise DataValidationError(
                f"y_true has {y.size:,} values but p_churn has {n:,}.",
                column="y_true",
                suggestion="score and label the same customers, in the same order.",
            )
        realised = _top_k_sums(y * save_rate * value - contact_cost, order, k)
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
