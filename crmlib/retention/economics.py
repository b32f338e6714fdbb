"""What a change in retention is worth: survival curves, their value, and break-even.

Reichheld & Sasser (HBR 1990) report that a 5-point rise in retention lifts profit by
25-95%; the course quotes it as "a 5% rise in retention lifts profit 25-95%". Here the
claim is a question for a model: given a retention curve (observed, or a fitted
shifted-beta-geometric model, :class:`crmlib.clv.ShiftedBetaGeometric`), a margin per
period and the costs of acquiring and retaining a customer, what does a stated change
in retention do to the value of a customer?

Conventions (one rule each):

* ``survival`` is S(0), S(1), ..., S(T) with S(0) = 1: the share of a cohort still a
  customer at the start of period t. The customer pays at the start of each period
  alive, the first payment undiscounted: value = sum_t S(t) (margin - retention cost) /
  (1 + d) ** t - acquisition cost (the sBG "discounted expected lifetime" convention,
  Fader & Hardie 2010).
* A change in retention acts on every period's retention rate r(t) = S(t) / S(t - 1):
  ``kind="points"`` adds percentage points, r + change (capped at 1);
  ``kind="churn"`` cuts churn by a fraction, r -> 1 - (1 - r) (1 - change);
  ``rate_periods=12`` applies either to the yearly rate of a monthly curve.
* A curve is valued up to its last period T: a change that takes retention to 100%
  keeps every customer to T, so pass a long curve (e.g. 600 months).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import hyp2f1

from crmlib.checks import check_frame, check_numeric
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "RetentionCurveFit",
    "btyd_scheme_value",
    "scheme_net_gain",
    "break_even_change",
    "fit_retention_curve",
    "lift_dropout",
    "lifted_survival",
    "new_customer_value_btyd",
    "retention_change_value",
    "survival_value",
    "tenure_curve",
]

_KINDS = ("points", "churn")


def _survival(survival, func: str) -> np.ndarray:
    s = np.asarray(survival, dtype=float).ravel()
    if len(s) < 2 or not np.isfinite(s).all() or abs(s[0] - 1) > 1e-9 or (np.diff(s) > 1e-12).any() or (s < 0).any():
        raise DataValidationError(
            f"{func}: survival must be S(0) = 1, S(1), ... non-increasing in [0, 1], at least two periods.",
            suggestion="pass model.survival(np.arange(61)) of a fitted ShiftedBetaGeometric, or "
            "tenure_curve(customers)['survival'].",
        )
    return s


def _kind(kind: str, func: str) -> str:
    if kind not in _KINDS:
        raise DataValidationError(
            f"{func}: kind must be 'points' (add to the retention rate) or 'churn' (cut churn by a "
            f"fraction), got {kind!r}.",
            suggestion="kind='points' with change=0.05 is 'retention up 5 points' (80% -> 85%).",
        )
    return kind


def lifted_survival(survival, change: float, *, kind: str = "points", rate_periods: int = 1) -> np.ndarray:
    """The survival curve after a change in every period's retention rate.

    Parameters
    ----------
    survival : array-like
        S(0) = 1, S(1), ..., S(T).
    change : float
        ``kind="points"``: added to each retention rate (0.05 = five points, capped at
        1; negative values lower retention). ``kind="churn"``: the fraction of each
        period's churn removed, in [0, 1].
    kind : {"points", "churn"}
    rate_periods : int, default 1
        How many periods the retention rate in ``change`` refers to. Retention figures
        are usually yearly ("retention up from 80% to 85% a year"); with monthly
        periods pass ``rate_periods=12``: each month's rate r becomes
        (r ** 12 + change) ** (1 / 12) for ``kind="points"``, and the yearly churn
        1 - r ** 12 is cut by ``change`` for ``kind="churn"``.

    Returns
    -------
    ndarray
        The new S(0..T).

    Examples
    --------
    >>> lifted_survival([1.0, 0.8, 0.64], 0.05).round(4).tolist()
    [1.0, 0.85, 0.7225]
    >>> lifted_survival([1.0, 0.8, 0.64], 0.5, kind="churn").round(4).tolist()
    [1.0, 0.9, 0.81]
    >>> # monthly retention 0.98 is 0.785 a year; five points more a year is 0.835
    >>> round(float(lifted_survival([1.0, 0.98], 0.05, rate_periods=12)[1] ** 12), 4)
    0.8347
    """
    s = _survival(survival, "lifted_survival")
    kind = _kind(kind, "lifted_survival")
    if kind == "points":
        c = to_number(change, "change", low=-1, high=1, example="0.05 for five points")
    else:
        c = to_number(change, "change", low=0, high=1, example="0.2 to remove a fifth of churn")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(s[:-1] > 0, s[1:] / s[:-1], 0.0)
    k = int(to_number(rate_periods, "rate_periods", low=1, high=1000, integer=True, example="12 for monthly periods"))
    r_k = r**k  # the retention rate over rate_periods periods
    r_k = np.clip(r_k + c, 0.0, 1.0) if kind == "points" else 1.0 - (1.0 - r_k) * (1.0 - c)
    return np.r_[1.0, np.cumprod(r_k ** (1.0 / k))]


def survival_value(
    survival,
    margin_per_period: float,
    *,
    discount_per_period: float,
    retention_cost_per_period: float = 0.0,
    acquisition_cost: float = 0.0,
) -> float:
    """Discounted value of a new customer with this survival curve.

    ``sum_t S(t) (margin - retention cost) / (1 + d) ** t - acquisition cost``, t = 0..T.

    Examples
    --------
    >>> round(survival_value([1.0, 0.5], 10.0, discount_per_period=0.0, acquisition_cost=3.0), 6)
    12.0
    """
    s = _survival(survival, "survival_value")
    m = to_number(margin_per_period, "margin_per_period", example="20 (margin per month)")
    d = to_number(discount_per_period, "discount_per_period", low=0, high=1, example="0.008 (10% a year, monthly)")
    c = to_number(retention_cost_per_period, "retention_cost_per_period", low=0, example="2")
    a = to_number(acquisition_cost, "acquisition_cost", low=0, example="100")
    factors = (1.0 + d) ** -np.arange(len(s))
    return float(np.sum(s * (m - c) * factors) - a)


def retention_change_value(
    survival,
    margin_per_period: float,
    change: float,
    *,
    kind: str = "points",
    rate_periods: int = 1,
    discount_per_period: float,
    acquisition_cost: float = 0.0,
    retention_cost_per_period: float = 0.0,
    extra_cost_per_period: float = 0.0,
) -> pd.Series:
    """Value of a new customer before and after a change in retention.

    Parameters
    ----------
    survival : array-like
        S(0) = 1, ..., S(T): the baseline curve.
    margin_per_period : float
        Contribution margin a customer brings each period alive.
    change, kind, rate_periods
        The change in retention (see :func:`lifted_survival`).
    discount_per_period : float
        Discount rate per period (e.g. ``per_period_rate(0.10, "M")``).
    acquisition_cost : float
        Cost of acquiring the customer, paid once at t = 0 (a stated assumption).
    retention_cost_per_period : float
        What keeping a customer costs each period alive, before the change.
    extra_cost_per_period : float
        What the change costs each period alive (the price of the higher retention).

    Returns
    -------
    Series
        ``retention_1`` and ``retention_1_new`` (the first renewal rate), ``lifetime``
        and ``lifetime_new`` (expected periods, undiscounted, to T), ``value`` and
        ``value_new`` (per new customer, after acquisition cost), ``value_change`` and
        ``value_change_pct`` (the change as a share of ``value``; NaN when ``value`` <= 0).

    Examples
    --------
    >>> r = retention_change_value([1.0, 0.5], 10.0, 0.1, discount_per_period=0.0, acquisition_cost=3.0)
    >>> r[["value", "value_new", "value_change_pct"]].round(4).tolist()
    [12.0, 13.0, 0.0833]
    """
    base = _survival(survival, "retention_change_value")
    new = lifted_survival(base, change, kind=kind, rate_periods=rate_periods)
    extra = to_number(extra_cost_per_period, "extra_cost_per_period", low=0, example="1.5")
    ret = to_number(retention_cost_per_period, "retention_cost_per_period", low=0, example="2")
    kw = {"discount_per_period": discount_per_period, "acquisition_cost": acquisition_cost}
    v0 = survival_value(base, margin_per_period, retention_cost_per_period=ret, **kw)
    v1 = survival_value(new, margin_per_period, retention_cost_per_period=ret + extra, **kw)
    return pd.Series({
        "retention_1": base[1],
        "retention_1_new": new[1],
        "lifetime": float(base.sum()),
        "lifetime_new": float(new.sum()),
        "value": v0,
        "value_new": v1,
        "value_change": v1 - v0,
        "value_change_pct": (v1 - v0) / v0 if v0 > 0 else np.nan,
    }, name="retention_change_value")


def break_even_change(gain: Callable[[float], float], *, high: float = 1.0, low: float = 0.0) -> float:
    """The smallest change in ``[low, high]`` at which ``gain(change)`` reaches zero.

    ``gain`` is net value after the change minus value before it (rising with the
    change). Returns ``low`` when the scheme pays even with no change, and NaN when it
    does not pay even at ``high`` (say so: no retention gain pays for it).

    Examples
    --------
    >>> round(break_even_change(lambda k: 100 * k - 25), 6)
    0.25
    """
    lo = to_number(low, "low", example="0")
    hi = to_number(high, "high", low=lo, low_inclusive=False, example="1")
    g_lo, g_hi = float(gain(lo)), float(gain(hi))
    if g_lo >= 0:
        return lo
    if g_hi < 0:
        return float("nan")
    return float(brentq(gain, lo, hi, xtol=1e-10))


def tenure_curve(
    customers: pd.DataFrame,
    *,
    tenure: str = "Tenure in Months",
    churn: str = "Churn Value",
    window: int | None = None,
    max_period: int | None = None,
) -> pd.DataFrame:
    """A retention curve from a snapshot of tenures (a life table, 生存曲线).

    Each churned customer left after ``tenure`` periods; each other customer is still
    there after ``tenure`` periods (censored). At period t the hazard is
    churned(t) / at_risk(t) and S(t) = prod (1 - hazard). ``active`` scales S to the
    group's size and rounds it, the input :meth:`crmlib.clv.ShiftedBetaGeometric.fit`
    takes.

    Who is at risk depends on how long churn was recorded:

    * ``window=None`` (every churn since the first customer joined is recorded, as
      when a cohort is followed from the start): at_risk(t) = customers whose tenure
      is >= t (Kaplan-Meier);
    * ``window=w`` (churn recorded only in the last w periods, e.g. ``window=3`` for
      IBM Telco, whose churn flag covers one quarter): only customers who passed
      through tenure t during the window could have been seen leaving at t, so
      at_risk(t) = customers whose tenure is in [t, t + w - 1]. Counting everyone with
      tenure >= t would add years of exposure in which nobody's churn was recorded
      and make early churn look far rarer than it is.

    Parameters
    ----------
    customers : DataFrame
        One row per customer: ``tenure`` (whole periods >= 0) and ``churn`` (0/1).
    tenure, churn : str
        Column names (IBM Telco's by default).
    window : int, optional
        Periods over which churn was recorded (see above); default: all of them.
    max_period : int, optional
        Last period kept; default the largest tenure.

    Returns
    -------
    DataFrame
        Indexed by ``period`` 0..T: ``at_risk``, ``churned``, ``hazard``, ``survival``,
        ``active``. Churners with tenure 0 never paid; they are left out of the curve
        and counted in ``attrs["churned_at_tenure_0"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"Tenure in Months": [1, 1, 2, 2], "Churn Value": [1, 0, 1, 0]})
    >>> tenure_curve(df)[["at_risk", "churned", "survival"]].to_numpy().tolist()
    [[4.0, 0.0, 1.0], [4.0, 1.0, 0.75], [2.0, 1.0, 0.375]]
    >>> tenure_curve(df, window=1)["at_risk"].tolist()
    [4.0, 2.0, 2.0]
    """
    df = check_frame(customers, [tenure, churn], func="tenure_curve", what="customers table",
                     suggestion="pass one row per customer with its tenure and 0/1 churn flag.")
    v = check_numeric(df, [tenure, churn], func="tenure_curve", allow_negative=False, integer=[tenure, churn])
    if not np.isin(v[churn], [0, 1]).all():
        raise DataValidationError(f"tenure_curve: column {churn!r} must hold 0/1.", column=churn,
                                  rows=df.loc[~np.isin(v[churn], [0, 1]), [tenure, churn]],
                                  suggestion="use the numeric churn flag (e.g. 'Churn Value').")
    t = v[tenure].astype(int)
    c = v[churn].astype(int)
    last = int(t.max()) if max_period is None else int(to_number(max_period, "max_period", low=1, integer=True))
    periods = np.arange(last + 1)
    if window is None:
        at_risk = np.array([(t >= p).sum() for p in periods], dtype=float)
    else:
        w = int(to_number(window, "window", low=1, integer=True, example="3 (one quarter of monthly tenures)"))
        at_risk = np.array([((t >= p) & (t <= p + w - 1)).sum() if p > 0 else 0 for p in periods], dtype=float)
        at_risk[0] = len(t)
    churned = np.bincount(t[c == 1], minlength=last + 1)[: last + 1].astype(float)
    at_zero = int(churned[0])
    churned[0] = 0.0  # a churn at tenure 0 left before the first period: never a paying customer
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, churned / at_risk, 0.0)
    survival = np.cumprod(1.0 - hazard)
    out = pd.DataFrame(
        {"at_risk": at_risk, "churned": churned, "hazard": hazard, "survival": survival,
         "active": np.round(len(t) * survival)},
        index=pd.Index(periods, name="period"),
    )
    out.attrs["churned_at_tenure_0"] = at_zero  # counted, not silently lost
    return out


class RetentionCurveFit:
    """A retention model fitted to one curve: sBG, or its constant-churn limit.

    Attributes
    ----------
    model : str
        ``"sBG"`` or ``"geometric"``.
    params : Series
        sBG: ``alpha``, ``beta``; geometric: ``theta`` (churn per period).
    note : str
        Why the geometric model stands in, when it does.
    sbg : ShiftedBetaGeometric or None
        The fitted sBG model, when it converged.
    """

    def __init__(self, model: str, params: pd.Series, note: str = "", sbg=None) -> None:
        self.model = model
        self.params = params
        self.note = note
        self.sbg = sbg

    def survival(self, t) -> np.ndarray:
        """S(t) for whole periods t >= 0, as a 1-d array (a scalar t gives one value)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        if self.sbg is not None:
            return self.sbg.survival(t)
        return (1.0 - float(self.params["theta"])) ** t

    def discounted_lifetime(self, discount_per_period: float) -> float:
        """DEL: sum_t S(t) / (1 + d) ** t of a new customer, t = 0, 1, ... (first payment undiscounted)."""
        d = to_number(discount_per_period, "discount_per_period", low=0, high=1, low_inclusive=False, example="0.008")
        if self.sbg is not None:
            a, b = float(self.params["alpha"]), float(self.params["beta"])
            return float(hyp2f1(1.0, b, a + b, 1.0 / (1.0 + d)))
        q = 1.0 - float(self.params["theta"])
        return 1.0 / (1.0 - q / (1.0 + d))

    def discounted_residual_lifetime(self, n_renewals, discount_per_period: float) -> np.ndarray:
        """DERL of customers who have renewed ``n_renewals`` times: the payments still to
        come, the next one (if they renew) undiscounted (Fader & Hardie 2010).

        sBG: (b + n) / (a + b + n) x 2F1(1, b + n + 1; a + b + n + 1; 1 / (1 + d));
        geometric: (1 - theta) / (1 - (1 - theta) / (1 + d)), the same for every n.
        """
        d = to_number(discount_per_period, "discount_per_period", low=0, high=1, low_inclusive=False, example="0.008")
        n = np.asarray(n_renewals, dtype=float)
        if not np.isfinite(n).all() or (n < 0).any():
            raise DataValidationError("discounted_residual_lifetime: n_renewals must be whole numbers >= 0.",
                                      suggestion="for a monthly customer with tenure m months, n_renewals = m - 1.")
        if self.sbg is not None:
            a, b = float(self.params["alpha"]), float(self.params["beta"])
            return (b + n) / (a + b + n) * hyp2f1(1.0, b + n + 1, a + b + n + 1, 1.0 / (1.0 + d))
        q = 1.0 - float(self.params["theta"])
        return np.full(n.shape, q / (1.0 - q / (1.0 + d)))

    def __repr__(self) -> str:
        return f"RetentionCurveFit(model={self.model!r}, params={self.params.round(4).to_dict()})"


def fit_retention_curve(active, *, time_unit: str = "M") -> RetentionCurveFit:
    """Fit the shifted-beta-geometric model to a retention curve; say so when it cannot.

    sBG explains a rising retention rate by customers who differ in their churn
    probability theta ~ Beta(alpha, beta). When a curve shows no such sorting (churn
    is flat or rises with tenure) the likelihood is largest as alpha and beta grow
    without bound at a fixed ratio: the sBG then *is* a geometric model with one churn
    probability theta, and the optimiser cannot converge. That limit is fitted
    directly (theta = customers lost / customer-periods at risk) and the result says
    so in ``model`` and ``note``, instead of returning an unconverged sBG.

    Parameters
    ----------
    active : array-like
        Customers still active at the start of periods 0..T (``tenure_curve(...)["active"]``).
    time_unit : str, default "M"

    Returns
    -------
    RetentionCurveFit

    Examples
    --------
    >>> fit_retention_curve([1000, 631, 468, 382, 326, 289, 262, 241], time_unit="Y").model
    'sBG'
    >>> f = fit_retention_curve([1000, 900, 810, 729, 656])
    >>> f.model, round(float(f.params["theta"]), 3)
    ('geometric', 0.1)
    """
    import warnings

    from crmlib.clv import ShiftedBetaGeometric
    from crmlib.exceptions import ConvergenceError, ConvergenceWarning

    values = np.asarray(active, dtype=float)
    reason = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            sbg = ShiftedBetaGeometric(time_unit=time_unit).fit(values)
        a, b = float(sbg.params_["alpha"]), float(sbg.params_["beta"])
        if a > 1e4 or b > 1e4 or a < 1e-4:
            reason = f"the sBG estimates run off to a boundary (alpha = {a:.3g}, beta = {b:.3g})"
        else:
            return RetentionCurveFit("sBG", sbg.params_.copy(), sbg=sbg)
    except (ConvergenceError, ConvergenceWarning) as exc:
        reason = f"the sBG fit did not converge ({str(exc).splitlines()[0][:120]})"
    lost = float(values[0] - values[-1])
    exposure = float(values[:-1].sum())
    if exposure <= 0:
        raise DataValidationError("fit_retention_curve: the curve has no customer-periods at risk.",
                                  suggestion="pass tenure_curve(customers)['active'] with at least two periods.")
    theta = lost / exposure
    note = (f"{reason}: the curve shows no customers sorting themselves by churn risk, so its constant-churn "
            f"limit (geometric, churn {theta:.2%} a period) is used")
    return RetentionCurveFit("geometric", pd.Series({"theta": theta}), note=note)


# --------------------------------------------------------------------------- BTYD


def lift_dropout(model, change: float, *, kind: str = "points"):
    """A copy of a fitted BG/NBD model whose dropout after each purchase is lower.

    In BG/NBD a customer drops out after each purchase with probability p ~ Beta(a, b).
    "Retention" is read as 1 - E[p], the chance of staying after a purchase. The copy
    keeps ``a`` (the spread) and moves ``b`` so that the mean dropout becomes
    E[p] - change (``kind="points"``) or E[p] (1 - change) (``kind="churn"``).

    Examples
    --------
    >>> from crmlib.clv import BetaGeo
    >>> m = BetaGeo(); m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> p = lift_dropout(m, 0.05).params_
    >>> round(float(p["a"] / (p["a"] + p["b"])), 4), round(0.793 / (0.793 + 2.426) - 0.05, 4)
    (0.1963, 0.1963)
    """
    kind = _kind(kind, "lift_dropout")
    params = getattr(model, "params_", None)
    if params is None or not {"a", "b"} <= set(params.index):
        raise DataValidationError("lift_dropout needs a fitted BG/NBD model (parameters a and b).",
                                  suggestion="fit crmlib.clv.BetaGeo on an rfm_summary first.")
    a, b = float(params["a"]), float(params["b"])
    mean = a / (a + b)
    if kind == "points":
        c = to_number(change, "change", low=-1, high=1, example="0.05 for five points")
        new_mean = mean - c
    else:
        c = to_number(change, "change", low=0, high=1, example="0.2")
        new_mean = mean * (1 - c)
    if not 0 < new_mean < 1:
        raise DataValidationError(
            f"lift_dropout: the mean dropout {mean:.3f} changed by {c} leaves {new_mean:.3f}, outside (0, 1).",
            suggestion="use a smaller change, or kind='churn' with a fraction in [0, 1).",
        )
    out = copy.deepcopy(model)
    out.params_ = params.copy()
    out.params_["b"] = a * (1 - new_mean) / new_mean
    return out


def new_customer_value_btyd(
    model,
    mean_spend: float,
    *,
    margin: float,
    n_periods: int,
    discount_per_period: float,
    acquisition_cost: float = 0.0,
) -> float:
    """Discounted margin of a new customer under a BTYD model, over ``n_periods`` periods.

    Purchases expected in period k, E[X(k)] - E[X(k - 1)] (``expected_purchases_new_customer``,
    in the model's time unit), valued at ``mean_spend x margin`` and discounted to the
    end of the period; minus the acquisition cost.

    Examples
    --------
    >>> from crmlib.clv import BetaGeo
    >>> m = BetaGeo(time_unit="W"); m.time_unit_ = "W"
    >>> m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> x = m.expected_purchases_new_customer([1, 2])
    >>> v = new_customer_value_btyd(m, 10.0, margin=1.0, n_periods=2, discount_per_period=0.0)
    >>> bool(abs(v - 10 * x[1]) < 1e-9)
    True
    """
    spend = to_number(mean_spend, "mean_spend", low=0, example="35")
    m = to_number(margin, "margin", low=0, high=1, example="0.3")
    n = int(to_number(n_periods, "n_periods", low=1, high=100_000, integer=True, example="52"))
    d = to_number(discount_per_period, "discount_per_period", low=0, high=1, example="0.0018 (10% a year, weekly)")
    a = to_number(acquisition_cost, "acquisition_cost", low=0, example="20")
    cum = np.r_[0.0, np.asarray(model.expected_purchases_new_customer(np.arange(1, n + 1)), dtype=float)]
    factors = (1.0 + d) ** -np.arange(1, n + 1)
    return float(spend * m * np.sum(np.diff(cum) * factors) - a)


# ------------------------------------------------------------------ a points scheme


def scheme_net_gain(
    survival,
    margin_per_period: float,
    scheme_cost_per_period: float,
    churn_cut: float,
    *,
    discount_per_period: float,
) -> float:
    """Gain per new customer from a scheme that costs ``scheme_cost_per_period`` each
    period alive and removes the fraction ``churn_cut`` of churn: value with the scheme
    minus value without it (:func:`survival_value` on the lifted and the base curve).

    Examples
    --------
    >>> round(scheme_net_gain([1.0, 0.5], 10.0, 1.0, 0.0, discount_per_period=0.0), 6)
    -1.5
    """
    base = survival_value(survival, margin_per_period, discount_per_period=discount_per_period)
    new = lifted_survival(survival, churn_cut, kind="churn")
    cost = to_number(scheme_cost_per_period, "scheme_cost_per_period", low=0, example="1.2")
    return survival_value(new, margin_per_period - cost, discount_per_period=discount_per_period) - base


def btyd_scheme_value(
    model,
    spend_model,
    summary: pd.DataFrame,
    churn_cut: float,
    *,
    rules,
    point_value: float,
    redemption_rate: float,
    margin: float,
    horizon="52W",
    annual_discount_rate: float = 0.10,
) -> pd.Series:
    """A points scheme on a BTYD customer base: margin gained against points paid out.

    The scheme is assumed to cut each customer's dropout probability by ``churn_cut``
    (:func:`lift_dropout`, ``kind="churn"``). Over ``horizon`` the base's discounted
    revenue comes from ``model.clv(..., margin=1)``; the scheme pays
    ``redemption_rate x point_value`` per point: 1 point per ``rules.currency_per_point``
    of that revenue, and ``rules.points_per_month`` for each month the customer is
    alive, counted as P(alive now) x months in the horizon (an upper bound: it assumes
    no one still alive drops out during the horizon, so it overstates the cost).

    Returns
    -------
    Series
        ``customers``, ``margin_without`` (discounted margin of the base, no scheme),
        ``margin_with``, ``scheme_cost``, ``net_gain`` (margin_with - scheme_cost -
        margin_without).
    """
    from crmlib.conventions import to_duration

    cut = to_number(churn_cut, "churn_cut", low=0, high=1, low_inclusive=True, high_inclusive=False, example="0.1")
    value = to_number(point_value, "point_value", low=0, example="0.05")
    rate = to_number(redemption_rate, "redemption_rate", low=0, high=1, example="0.6")
    m = to_number(margin, "margin", low=0, high=1, example="0.3")
    months = to_duration(horizon, "horizon") / pd.Timedelta(days=365.25 / 12)
    kw = {"horizon": horizon, "annual_discount_rate": annual_discount_rate, "margin": 1.0}
    base = model.clv(summary, spend_model, **kw)
    lifted = model if cut == 0 else lift_dropout(model, cut, kind="churn")
    new = lifted.clv(summary, spend_model, **kw)
    points = new["clv"].to_numpy() / rules.currency_per_point + new["p_alive"].to_numpy() * months * rules.points_per_month
    cost = float(points.sum() * value * rate)
    without, with_ = float(m * base["clv"].sum()), float(m * new["clv"].sum())
    return pd.Series({"customers": float(len(summary)), "margin_without": without, "margin_with": with_,
                      "scheme_cost": cost, "net_gain": with_ - cost - without}, name="btyd_scheme_value")
