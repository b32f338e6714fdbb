"""A points scheme (积分计划) as data: rules, who earns what, and the points liability.

The telecom case in the course: 1 point per month of tenure, plus 1 point per 10 yuan of
monthly spend, uncapped; the points total sets next month's discount; points reset to
zero when a bill is not paid on time. :class:`PointsRules` holds these rules as editable
parameters, :func:`points_ledger` applies them bill by bill, and
:func:`points_liability` values the outstanding points at a stated redemption value and
redemption rate (the share of points that will ever be redeemed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_log, check_numeric
from crmlib.conventions import end_bound, purchase_mask, to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "PointsRules",
    "bills_from_log",
    "points_ledger",
    "points_liability",
    "points_summary",
    "snapshot_points",
]


@dataclass(frozen=True)
class PointsRules:
    """The rules of a points scheme; every one is a parameter to edit.

    Parameters
    ----------
    points_per_month : float, default 1
        Points for each billed month of tenure (paid on time).
    currency_per_point : float, default 10
        Spend that earns one point (1 point per 10 units spent), counted per bill and
        rounded down, so a bill of 59 earns 5 spend points.
    reset_on_unpaid : bool, default True
        An unpaid bill sets the balance back to zero (and earns nothing). With False an
        unpaid bill only earns nothing.

    Examples
    --------
    >>> float(PointsRules().bill_points(59.0))
    6.0
    >>> float(PointsRules(points_per_month=0, currency_per_point=20).bill_points(59.0))
    2.0
    """

    points_per_month: float = 1.0
    currency_per_point: float = 10.0
    reset_on_unpaid: bool = True

    def __post_init__(self) -> None:
        to_number(self.points_per_month, "points_per_month", low=0, example="1")
        to_number(self.currency_per_point, "currency_per_point", low=0, low_inclusive=False, example="10")
        if not isinstance(self.reset_on_unpaid, bool | np.bool_):
            raise DataValidationError(
                f"reset_on_unpaid must be True or False, got {self.reset_on_unpaid!r}.",
                suggestion="PointsRules(reset_on_unpaid=True) resets the balance when a bill goes unpaid.",
            )

    def bill_points(self, amount):
        """Points one paid bill of ``amount`` earns: the month's points plus the spend points."""
        return self.points_per_month + np.floor(np.asarray(amount, dtype=float) / self.currency_per_point)


_BILLS_HINT = (
    "pass one row per customer and billing month, e.g. pd.DataFrame({'customer_id': ['A', 'A'], "
    "'period': [1, 2], 'amount': [59.0, 61.0], 'paid': [True, False]}), or bills_from_log(transactions)."
)


def points_ledger(
    bills: pd.DataFrame,
    rules: PointsRules | None = None,
    *,
    customer: str = "customer_id",
    period: str = "period",
    amount: str = "amount",
    paid: str | None = "paid",
) -> pd.DataFrame:
    """Apply the rules bill by bill: what each bill earned and the balance after it.

    Parameters
    ----------
    bills : DataFrame
        One row per customer and billing period: ``customer``, ``period`` (anything that
        sorts: 1, 2, ... or month starts), ``amount`` (the bill, >= 0) and, optionally,
        ``paid`` (True/False; when the default column ``"paid"`` is absent or
        ``paid=None`` every bill counts as paid, and the result says so in
        ``attrs["paid_assumed"]``; a column named otherwise must exist).
    rules : PointsRules, optional
        Default ``PointsRules()``: 1 point a month, 1 per 10 spent, reset when unpaid.
    customer, period, amount, paid : str
        Column names.

    Returns
    -------
    DataFrame
        The bills sorted by customer and period, with ``earned`` (points this bill),
        ``reset`` (True where an unpaid bill wiped the balance) and ``balance`` (after the
        bill).

    Examples
    --------
    >>> bills = pd.DataFrame({"customer_id": ["A"] * 3, "period": [1, 2, 3],
    ...                       "amount": [59.0, 60.0, 20.0], "paid": [True, False, True]})
    >>> points_ledger(bills)[["earned", "reset", "balance"]].to_numpy().tolist()
    [[6.0, False, 6.0], [0.0, True, 0.0], [3.0, False, 3.0]]
    """
    rules = PointsRules() if rules is None else rules
    if not isinstance(rules, PointsRules):
        raise DataValidationError(
            f"points_ledger: rules must be a PointsRules, got {type(rules).__name__}.",
            suggestion="pass rules=PointsRules(points_per_month=1, currency_per_point=10).",
        )
    # the default column may be absent (every bill then counts as paid, and the result
    # says so); a column the caller named must exist
    has_paid = paid is not None and (paid != "paid" or (isinstance(bills, pd.DataFrame) and paid in bills.columns))
    df = check_frame(bills, [customer, period, amount] + ([paid] if has_paid else []), func="points_ledger",
                     what="bills table", suggestion=_BILLS_HINT)
    check_numeric(df, [amount], func="points_ledger", allow_negative=False, show=[customer, period])
    dup = df.duplicated([customer, period], keep=False)
    if dup.any():
        raise DataValidationError(
            f"points_ledger: {int(dup.sum())} bills share a customer and period; one bill per period is expected.",
            column=period,
            rows=df.loc[dup, [customer, period, amount]],
            suggestion="sum the bills of each period first: bills.groupby([customer, period], as_index=False)[amount].sum().",
        )
    out = df.sort_values([customer, period], kind="stable").reset_index(drop=True)
    if has_paid:
        flag = out[paid]
        if not (pd.api.types.is_bool_dtype(flag) or flag.isin([0, 1]).all()) or flag.isna().any():
            raise DataValidationError(
                f"points_ledger: column {paid!r} must hold True/False (paid on time or not).",
                column=paid,
                rows=out.loc[~flag.isin([True, False, 0, 1]), [customer, period, paid]],
                suggestion=f"map it first, e.g. bills[{paid!r}] = bills[{paid!r}].eq('Yes').",
            )
        ok = flag.astype(bool).to_numpy()
    else:
        ok = np.ones(len(out), dtype=bool)
    earned = np.where(ok, rules.bill_points(out[amount].to_numpy(dtype=float)), 0.0)
    reset = (~ok) & rules.reset_on_unpaid
    # the balance restarts after the last reset: a cumulative sum within (customer, reset block)
    block = pd.Series(reset, index=out.index).groupby(out[customer]).cumsum()
    balance = pd.Series(earned, index=out.index).groupby([out[customer], block]).cumsum()
    out["earned"] = earned
    out["reset"] = reset
    out["balance"] = balance.to_numpy(dtype=float)
    out.attrs["paid_assumed"] = not has_paid
    out.attrs["rules"] = rules
    return out


def points_summary(ledger: pd.DataFrame, *, customer: str = "customer_id") -> pd.DataFrame:
    """One row per customer from :func:`points_ledger`: bills, points earned, resets, balance.

    Returns
    -------
    DataFrame
        Indexed by customer: ``bills``, ``earned`` (all points ever earned), ``resets``,
        ``lost_to_resets`` (earned but wiped out) and ``balance`` (outstanding now).

    Examples
    --------
    >>> bills = pd.DataFrame({"customer_id": ["A"] * 3, "period": [1, 2, 3],
    ...                       "amount": [59.0, 60.0, 20.0], "paid": [True, False, True]})
    >>> points_summary(points_ledger(bills)).loc["A"].tolist()
    [3.0, 9.0, 1.0, 6.0, 3.0]
    """
    check_frame(ledger, [customer, "earned", "reset", "balance"], func="points_summary", what="ledger",
                suggestion="pass the table points_ledger(bills) returns.")
    g = ledger.groupby(customer, sort=True)
    out = pd.DataFrame({
        "bills": g.size().astype("int64"),
        "earned": g["earned"].sum().astype(float),
        "resets": g["reset"].sum().astype("int64"),
        "balance": g["balance"].last().astype(float),
    })
    out.insert(3, "lost_to_resets", out["earned"] - out["balance"])
    return out


def snapshot_points(tenure, monthly_charge, rules: PointsRules | None = None) -> np.ndarray:
    """Balance of a customer billed ``monthly_charge`` for ``tenure`` months, every bill paid.

    The closed form of :func:`points_ledger` for a snapshot table (such as IBM Telco,
    which records tenure and the current monthly charge but no bill history): it assumes
    the charge was the same every month and no bill went unpaid.

    Examples
    --------
    >>> snapshot_points([12, 1], [59.0, 20.0]).tolist()
    [72.0, 3.0]
    """
    rules = PointsRules() if rules is None else rules
    t = np.asarray(tenure, dtype=float)
    m = np.asarray(monthly_charge, dtype=float)
    if t.shape != m.shape or (t < 0).any() or (m < 0).any() or not (np.isfinite(t).all() and np.isfinite(m).all()):
        raise DataValidationError(
            "snapshot_points: tenure and monthly_charge must be finite, >= 0 and of the same length.",
            suggestion="pass two columns of one customers table, e.g. telco['Tenure in Months'], telco['Monthly Charge'].",
        )
    return t * rules.bill_points(m)


def bills_from_log(transactions: pd.DataFrame, *, observation_end=None) -> pd.DataFrame:
    """Monthly "bills" from a transaction log: one row per customer and calendar month.

    Every month from a customer's first purchase to the month of ``observation_end``
    counts as a month of tenure (its amount is 0 when nothing was bought), and the
    amount is the month's purchases (returns and zero lines are not spend, by
    :func:`crmlib.conventions.purchase_mask`). A log records no unpaid bills, so the
    result has no ``paid`` column: :func:`points_ledger` then treats every bill as paid.

    Parameters
    ----------
    transactions : DataFrame
        A validated log (``customer_id``, ``date``, ``amount``).
    observation_end : date, optional
        Last day counted, inclusive; default the log's last day.

    Returns
    -------
    DataFrame
        ``customer_id``, ``period`` (month start), ``amount``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1], "amount": [25.0, -5.0, 30.0],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02"])})
    >>> bills_from_log(tx)["amount"].tolist()
    [25.0, 0.0, 30.0]
    """
    tx = check_log(transactions, func="bills_from_log")
    end = tx["date"].max() if observation_end is None else end_bound(observation_end, "observation_end") - pd.Timedelta(1)
    tx = tx.loc[tx["date"] <= end]
    if len(tx) == 0:
        raise DataValidationError("bills_from_log: no rows on or before observation_end.",
                                  suggestion="choose an observation_end inside the log's dates.")
    buy = tx.loc[purchase_mask(tx["amount"])]
    month = buy["date"].dt.to_period("M")
    spend = buy.groupby([buy["customer_id"], month])["amount"].sum()
    first = month.groupby(buy["customer_id"]).min()
    last = end.to_period("M")
    ids = np.repeat(first.index.to_numpy(), [(last - f).n + 1 for f in first])
    periods = np.concatenate([pd.period_range(f, last, freq="M").to_numpy() for f in first]) if len(first) else []
    out = pd.DataFrame({"customer_id": ids, "period": periods})
    key = pd.MultiIndex.from_arrays([out["customer_id"], out["period"]])
    out["amount"] = spend.reindex(key).fillna(0.0).to_numpy(dtype=float)
    out["period"] = pd.PeriodIndex(out["period"], freq="M").to_timestamp()
    # customers with only returns or zero lines have no purchase, hence no tenure: counted
    out.attrs["customers_without_purchase"] = int(tx["customer_id"].nunique() - len(first))
    return out


def points_liability(balances, *, point_value: float, redemption_rate: float) -> pd.Series:
    """What the outstanding points are expected to cost: points x value x redemption rate.

    Parameters
    ----------
    balances : array-like or Series
        Outstanding points per customer (``points_summary(...)["balance"]``).
    point_value : float
        Currency value of one point when redeemed (a stated assumption).
    redemption_rate : float
        Share of outstanding points that will ever be redeemed, in [0, 1] (breakage is
        the rest).

    Returns
    -------
    Series
        ``customers``, ``points``, ``points_per_customer``, ``face_value`` (points x
        value) and ``liability`` (face value x redemption rate).

    Examples
    --------
    >>> points_liability([100, 50, 0], point_value=0.1, redemption_rate=0.6).round(2).to_dict()
    {'customers': 3.0, 'points': 150.0, 'points_per_customer': 50.0, 'face_value': 15.0, 'liability': 9.0}
    """
    value = to_number(point_value, "point_value", low=0, example="0.1 (a point is worth 0.1)")
    rate = to_number(redemption_rate, "redemption_rate", low=0, high=1, example="0.6 for 60%")
    b = np.asarray(balances, dtype=float).ravel()
    if len(b) == 0 or not np.isfinite(b).all() or (b < 0).any():
        raise DataValidationError("points_liability: balances must be a non-empty list of finite points >= 0.",
                                  suggestion="pass points_summary(ledger)['balance'].")
    points = float(b.sum())
    return pd.Series({
        "customers": float(len(b)),
        "points": points,
        "points_per_customer": points / len(b),
        "face_value": points * value,
        "liability": points * value * rate,
    }, name="points_liability")
