"""Referrals (客户推荐): churn and revenue by number of referrals, and customer referral
value (CRV, 客户推荐价值) beside lifetime value.

Kumar, Petersen & Leone ("How valuable is word of mouth?", HBR 2007; "Driving
profitability by encouraging customer referrals", Journal of Marketing 74(5), 2010)
value a customer's referrals as the discounted margin of the customers they bring who
would *not* have joined otherwise, plus the acquisition cost saved on those who would
have joined anyway, minus the referral reward paid:

``CRV = sum_t n_t / (1 + d) ** t x [s x V - reward + (1 - s) x saving]``

with n_t the referrals expected in period t, s the share of referred customers who
would not have joined otherwise, V the value (CLV) of a referred customer. Every one of
these is an assumption the caller states. Crossing CRV with CLV gives Kumar's four
groups: champions (high both), affluents (high CLV, low CRV), advocates (low CLV, high
CRV) and misers (low both).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_numeric, check_series
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.metrics import wilson_interval

__all__ = ["REFERRAL_GROUPS", "customer_referral_value", "referral_quadrant", "referral_table"]

#: Kumar et al.'s four groups, with what to do about each (English and 中文).
REFERRAL_GROUPS: dict[str, str] = {
    "champions": "high CLV, high CRV (冠军客户): keep them and ask them for referrals",
    "affluents": "high CLV, low CRV (富裕客户): keep them; invite them to refer",
    "advocates": "low CLV, high CRV (推荐者): reward referrals, grow their own spend",
    "misers": "low CLV, low CRV (低价值客户): serve at low cost",
}


def referral_table(
    customers: pd.DataFrame,
    *,
    referrals: str = "Number of Referrals",
    churn: str = "Churn Value",
    revenue: str = "Total Revenue",
    edges: tuple[int, ...] = (0, 1, 2, 3, 5, 8),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Churn (with Wilson intervals) and revenue by number of referrals.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (IBM Telco column names by default).
    referrals, churn, revenue : str
        Column names: referrals made (whole numbers >= 0), 0/1 churn flag, revenue.
    edges : tuple of int
        Lower edges of the groups: ``(0, 1, 2, 3, 5, 8)`` gives "0", "1", "2", "3-4",
        "5-7", "8+".
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Indexed by ``group``: ``customers``, ``churned``, ``churn_rate``, ``churn_low``,
        ``churn_high``, ``mean_revenue``, ``revenue_low`` and ``revenue_high`` (mean
        +- z standard errors).

    Examples
    --------
    >>> df = pd.DataFrame({"Number of Referrals": [0, 0, 1, 3], "Churn Value": [1, 0, 0, 0],
    ...                    "Total Revenue": [10.0, 20.0, 30.0, 40.0]})
    >>> referral_table(df, edges=(0, 1))[["customers", "churn_rate", "mean_revenue"]].to_numpy().tolist()
    [[2.0, 0.5, 15.0], [2.0, 0.0, 35.0]]
    """
    df = check_frame(customers, [referrals, churn, revenue], func="referral_table", what="customers table",
                     suggestion="pass a customers table such as crmlib.datasets.load_telco().")
    v = check_numeric(df, [referrals, churn, revenue], func="referral_table", integer=[referrals, churn])
    if (v[referrals] < 0).any() or not np.isin(v[churn], [0, 1]).all():
        bad = (v[referrals] < 0) | ~np.isin(v[churn], [0, 1])
        raise DataValidationError(f"referral_table: {referrals!r} must be >= 0 and {churn!r} 0/1.",
                                  rows=df.loc[bad, [referrals, churn]],
                                  suggestion="use the numeric columns 'Number of Referrals' and 'Churn Value'.")
    e = [int(x) for x in edges]
    if not e or e[0] != 0 or any(b <= a for a, b in zip(e, e[1:], strict=False)):
        raise DataValidationError(f"referral_table: edges must start at 0 and increase, got {edges!r}.",
                                  suggestion="e.g. edges=(0, 1, 2, 3, 5, 8).")
    labels = [(f"{a}" if b - a == 1 else f"{a}-{b - 1}") for a, b in zip(e, e[1:], strict=False)] + [f"{e[-1]}+"]
    group = pd.Categorical.from_codes(np.searchsorted(e, v[referrals], side="right") - 1, labels)
    frame = pd.DataFrame({"group": group, "churn": v[churn], "revenue": v[revenue]})
    g = frame.groupby("group", observed=False)
    n = g.size().astype(float)
    k = g["churn"].sum()
    lo, hi = wilson_interval(k.to_numpy(), n.to_numpy(), confidence)
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + to_number(confidence, "confidence", low=0, high=1) / 2))
    mean = g["revenue"].mean()
    se = g["revenue"].std(ddof=1) / np.sqrt(n)
    out = pd.DataFrame({
        "customers": n, "churned": k, "churn_rate": k / n, "churn_low": lo, "churn_high": hi,
        "mean_revenue": mean, "revenue_low": mean - z * se, "revenue_high": mean + z * se,
    })
    out.index = pd.Index(out.index.astype(str), name="group")
    return out


def customer_referral_value(
    referrals_per_period,
    discounted_periods,
    *,
    referred_value: float,
    share_incremental: float,
    referral_reward: float = 0.0,
    acquisition_saving: float = 0.0,
):
    """Customer referral value (CRV) after Kumar et al. (2007, 2010).

    ``CRV = rate x periods x [s x V - reward + (1 - s) x saving]``, where ``rate x
    periods`` is the discounted number of future referrals: the referrals a customer
    makes per period times the discounted number of periods they are expected to stay
    (for a contract customer, the sBG discounted expected residual lifetime).

    Parameters
    ----------
    referrals_per_period : float or array-like
        Expected referrals per period (e.g. referrals so far / tenure).
    discounted_periods : float or array-like
        Discounted expected number of future periods as a customer, sum_t S(t) / (1+d)^t.
    referred_value : float
        V: value (discounted margin) of one referred customer.
    share_incremental : float
        s in [0, 1]: share of referred customers who would not have joined otherwise.
    referral_reward : float, default 0
        Reward paid per referral.
    acquisition_saving : float, default 0
        Acquisition cost saved on a referred customer who would have joined anyway.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> # 0.1 referrals a month for 12 discounted months; a referred customer is worth 500,
    >>> # 40% would not have joined otherwise, a 50 reward, 100 saved on the others
    >>> round(float(customer_referral_value(0.1, 12.0, referred_value=500.0, share_incremental=0.4,
    ...       referral_reward=50.0, acquisition_saving=100.0)), 6)
    252.0
    """
    v = to_number(referred_value, "referred_value", example="500")
    s = to_number(share_incremental, "share_incremental", low=0, high=1, example="0.4")
    reward = to_number(referral_reward, "referral_reward", low=0, example="50")
    saving = to_number(acquisition_saving, "acquisition_saving", low=0, example="100")
    rate = np.asarray(referrals_per_period, dtype=float)
    periods = np.asarray(discounted_periods, dtype=float)
    if not (np.isfinite(rate).all() and np.isfinite(periods).all()) or (rate < 0).any() or (periods < 0).any():
        raise DataValidationError(
            "customer_referral_value: referrals_per_period and discounted_periods must be finite and >= 0.",
            suggestion="e.g. rate = referrals / tenure (tenure >= 1), periods = sBG discounted residual lifetime.",
        )
    out = rate * periods * (s * v - reward + (1 - s) * saving)
    return float(out) if out.ndim == 0 else out


def referral_quadrant(clv, crv, *, clv_cut: float | None = None, crv_cut: float | None = None) -> pd.DataFrame:
    """Kumar's four groups from CLV and CRV: champions, affluents, advocates, misers.

    "High" means strictly above the cut; the default cuts are the medians. With many
    customers who never refer, the median CRV is 0 and "high CRV" means "any referral
    value".

    Parameters
    ----------
    clv, crv : Series
        Indexed by customer.
    clv_cut, crv_cut : float, optional

    Returns
    -------
    DataFrame
        ``clv``, ``crv``, ``group``; ``attrs`` hold the cuts.

    Examples
    --------
    >>> q = referral_quadrant(pd.Series([1.0, 9.0, 1.0, 9.0]), pd.Series([0.0, 0.0, 5.0, 5.0]))
    >>> q["group"].tolist()
    ['misers', 'affluents', 'advocates', 'champions']
    """
    a = check_series(clv, "clv", func="referral_quadrant")
    b = check_series(crv, "crv", func="referral_quadrant")
    if not a.index.equals(b.index):
        raise DataValidationError("referral_quadrant: clv and crv must have the same customers, in the same order.",
                                  suggestion="align them first: crv = crv.reindex(clv.index).")
    ca = float(a.median()) if clv_cut is None else to_number(clv_cut, "clv_cut")
    cb = float(b.median()) if crv_cut is None else to_number(crv_cut, "crv_cut")
    hi_a, hi_b = a > ca, b > cb
    group = np.select([hi_a & hi_b, hi_a, hi_b], ["champions", "affluents", "advocates"], "misers")
    out = pd.DataFrame({"clv": a, "crv": b, "group": group}, index=a.index)
    out.attrs.update(clv_cut=ca, crv_cut=cb)
    return out
