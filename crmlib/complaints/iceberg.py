"""The complaint iceberg (投诉冰山) as a stated model, and the revenue at risk behind it.

The course's claim: only 2–10% of dissatisfied customers complain; the others leave
silently. Nothing in complaint data measures that share. Here it is a parameter: given
``n`` observed complaints and an assumed complaint rate ``r`` (the share of dissatisfied
customers who complain), the implied number of dissatisfied customers is ``n / r``. The
range of ``r`` (2–10% by default) gives a sensitivity band, never a single "true" figure.

The revenue at risk multiplies the implied dissatisfied customers by a value per
customer (e.g. a CLV from :func:`clv_per_customer`) and by an assumed probability that a
dissatisfied customer leaves (``churn_if_dissatisfied``). Every assumption is carried in
the result, so a chart can print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = ["COURSE_COMPLAINT_RATE", "Iceberg", "RevenueAtRisk", "clv_per_customer", "complaint_iceberg",
           "revenue_at_risk"]

#: The course's range for the share of dissatisfied customers who complain.
COURSE_COMPLAINT_RATE = (0.02, 0.10)


@dataclass(frozen=True)
class Iceberg:
    """Implied dissatisfied customers behind observed complaints, over a range of rates.

    ``n_complaints`` is the observed count; ``rate_low``/``rate_high`` the assumed range
    of the complaint rate and ``rate_central`` the rate used for a single figure.
    ``implied_low`` (at ``rate_high``), ``implied_central`` and ``implied_high`` (at
    ``rate_low``) are the implied dissatisfied customers, complainers included;
    ``grid`` tabulates ``complaint_rate``, ``implied_dissatisfied`` and ``silent``
    (dissatisfied who did not complain) across and around the range.
    """

    n_complaints: float
    rate_low: float
    rate_high: float
    rate_central: float
    grid: pd.DataFrame = field(repr=False)

    @property
    def implied_low(self) -> float:
        return self.n_complaints / self.rate_high

    @property
    def implied_high(self) -> float:
        return self.n_complaints / self.rate_low

    @property
    def implied_central(self) -> float:
        return self.n_complaints / self.rate_central

    def table(self) -> pd.DataFrame:
        """The band in three rows (highest rate, central, lowest rate)."""
        rates = [self.rate_high, self.rate_central, self.rate_low]
        return pd.DataFrame(
            {"complaint_rate": rates,
             "complaints": self.n_complaints,
             "implied_dissatisfied": [self.n_complaints / r for r in rates],
             "silent": [self.n_complaints / r - self.n_complaints for r in rates],
             "dissatisfied_per_complaint": [1 / r for r in rates]},
            index=pd.Index(["highest rate (fewest silent)", "central", "lowest rate (most silent)"],
                           name="assumption"),
        )


def complaint_iceberg(
    n_complaints: float,
    complaint_rate: tuple[float, float] = COURSE_COMPLAINT_RATE,
    *,
    central: float | None = None,
    n_grid: int = 60,
) -> Iceberg:
    """Implied dissatisfied customers behind ``n_complaints``, for an assumed complaint rate.

    Parameters
    ----------
    n_complaints : float
        Complaints observed (> 0).
    complaint_rate : (low, high), default (0.02, 0.10)
        The assumed range of the share of dissatisfied customers who complain, in (0, 1].
        Not estimated from the data: a stated assumption (the course's 2–10%).
    central : float, optional
        The rate behind the single figure; default the middle of the range.
    n_grid : int, default 60
        Points of the sensitivity grid (from half the low rate to 1.5 times the high).

    Returns
    -------
    Iceberg

    Examples
    --------
    >>> ice = complaint_iceberg(100)
    >>> round(ice.implied_low), round(ice.implied_central), round(ice.implied_high)
    (1000, 1667, 5000)
    """
    n = to_number(n_complaints, "n_complaints", low=0, low_inclusive=False, example="6623")
    try:
        low, high = complaint_rate
    except (TypeError, ValueError):
        raise DataValidationError(
            f"complaint_iceberg: complaint_rate must be a (low, high) pair, got {complaint_rate!r}.",
            suggestion="pass complaint_rate=(0.02, 0.10) for 2% to 10%.",
        ) from None
    low = to_number(low, "complaint_rate[0]", low=0, high=1, low_inclusive=False, example="0.02")
    high = to_number(high, "complaint_rate[1]", low=0, high=1, low_inclusive=False, example="0.10")
    if low > high:
        raise DataValidationError(
            f"complaint_iceberg: complaint_rate=({low}, {high}) has its low end above its high end.",
            suggestion="pass (low, high), e.g. (0.02, 0.10).",
        )
    mid = (low + high) / 2 if central is None else to_number(central, "central", low=low, high=high, example="0.06")
    n_grid = int(to_number(n_grid, "n_grid", low=2, example="60"))
    rates = np.unique(np.concatenate([np.linspace(low / 2, min(1.0, high * 1.5), n_grid), [low, mid, high]]))
    grid = pd.DataFrame({"complaint_rate": rates, "implied_dissatisfied": n / rates, "silent": n / rates - n,
                         "in_range": (rates >= low) & (rates <= high)})
    return Iceberg(float(n), float(low), float(high), float(mid), grid)


@dataclass(frozen=True)
class RevenueAtRisk:
    """Revenue at risk behind an :class:`Iceberg`, under stated assumptions.

    ``low``/``central``/``high`` follow the iceberg's band (``high`` at the lowest
    complaint rate); ``grid`` adds ``defectors`` and ``revenue_at_risk`` to the
    iceberg's grid. ``assumptions`` lists every input by name, for the chart.
    """

    iceberg: Iceberg
    value_per_customer: float
    churn_if_dissatisfied: float
    grid: pd.DataFrame = field(repr=False)
    assumptions: dict[str, Any]

    @property
    def low(self) -> float:
        return self.iceberg.implied_low * self.churn_if_dissatisfied * self.value_per_customer

    @property
    def central(self) -> float:
        return self.iceberg.implied_central * self.churn_if_dissatisfied * self.value_per_customer

    @property
    def high(self) -> float:
        return self.iceberg.implied_high * self.churn_if_dissatisfied * self.value_per_customer

    def table(self) -> pd.DataFrame:
        """The iceberg's three rows with expected defectors and revenue at risk."""
        t = self.iceberg.table()
        t["expected_defectors"] = t["implied_dissatisfied"] * self.churn_if_dissatisfied
        t["revenue_at_risk"] = t["expected_defectors"] * self.value_per_customer
        return t


def revenue_at_risk(
    iceberg: Iceberg,
    value_per_customer: float,
    churn_if_dissatisfied: float = 0.5,
    *,
    value_note: str = "",
) -> RevenueAtRisk:
    """Value that leaves with the dissatisfied customers an iceberg implies (a stated model).

    ``revenue at risk = implied dissatisfied x churn_if_dissatisfied x value_per_customer``.

    Parameters
    ----------
    iceberg : Iceberg
        From :func:`complaint_iceberg`.
    value_per_customer : float
        Value of one dissatisfied customer (>= 0), e.g. the mean CLV of active customers
        from :func:`clv_per_customer`.
    churn_if_dissatisfied : float, default 0.5
        Assumed probability that a dissatisfied customer leaves, in [0, 1]. Not estimated:
        state it.
    value_note : str
        How ``value_per_customer`` was obtained, kept in ``assumptions``.

    Returns
    -------
    RevenueAtRisk

    Examples
    --------
    >>> risk = revenue_at_risk(complaint_iceberg(100), value_per_customer=200, churn_if_dissatisfied=0.5)
    >>> round(risk.low), round(risk.high)
    (100000, 500000)
    """
    if not isinstance(iceberg, Iceberg):
        raise DataValidationError(
            f"revenue_at_risk expects an Iceberg, got {type(iceberg).__name__}.",
            suggestion="pass crmlib.complaints.complaint_iceberg(n_complaints, complaint_rate=(0.02, 0.10)).",
        )
    value = to_number(value_per_customer, "value_per_customer", low=0, example="250.0")
    churn = to_number(churn_if_dissatisfied, "churn_if_dissatisfied", low=0, high=1, example="0.5")
    grid = iceberg.grid.copy()
    grid["defectors"] = grid["implied_dissatisfied"] * churn
    grid["revenue_at_risk"] = grid["defectors"] * value
    assumptions = {
        "complaints": iceberg.n_complaints,
        "complaint_rate": (iceberg.rate_low, iceberg.rate_high),
        "churn_if_dissatisfied": churn,
        "value_per_customer": value,
        "value_note": value_note,
    }
    return RevenueAtRisk(iceberg, float(value), float(churn), grid, assumptions)


def clv_per_customer(
    transactions: pd.DataFrame,
    *,
    horizon: str = "52W",
    annual_discount_rate: float = 0.10,
    margin: float = 1.0,
    n_starts: int = 4,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """CLV per customer of a validated log: BG/NBD for purchases, Gamma-Gamma for spend.

    The summary is taken at the log's last day, in weeks, purchases merged by day.
    Customers whose repeat purchases were all worth nothing are left out (the spend
    model needs positive spend), and counted in ``attrs["n_left_out"]``.

    Parameters
    ----------
    transactions : DataFrame
        From :func:`crmlib.read_transactions` (``customer_id``, ``date``, ``amount``).
    horizon : str, default "52W"
        CLV horizon with its unit.
    annual_discount_rate : float, default 0.10
    margin : float, default 1 (revenue)
    n_starts : int, default 4
        Starting points of the BG/NBD fit (a single start can stop short on a real log).
    random_state : int, optional
        Seeds the model's starting points.

    Returns
    -------
    DataFrame
        :meth:`crmlib.clv.BetaGeo.clv`'s columns (``p_alive``, ``expected_purchases``,
        ``expected_spend``, ``clv``) per customer; ``attrs`` carry ``observation_end``,
        ``horizon`` and ``n_left_out``.
    """
    import warnings

    from crmlib.checks import check_log
    from crmlib.clv import BetaGeo, GammaGamma
    from crmlib.features import rfm_summary

    transactions = check_log(transactions, func="clv_per_customer")
    end = transactions["date"].max().normalize()
    summary = rfm_summary(transactions, freq="D", time_unit="W", observation_end=end)
    free = (summary["frequency"] > 0) & (summary["monetary_value"] <= 0)
    base = summary[~free]
    model = BetaGeo(n_starts=n_starts, random_state=random_state).fit(base)
    with warnings.catch_warnings():  # the spend-frequency correlation warning is the notebook's to show
        warnings.simplefilter("ignore")
        spend = GammaGamma().fit(base)
    out = model.clv(base, spend, horizon=horizon, annual_discount_rate=annual_discount_rate, margin=margin)
    out.attrs.update({"observation_end": end, "horizon": horizon, "n_left_out": int(free.sum())})
    return out
