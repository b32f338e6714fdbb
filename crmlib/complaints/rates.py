"""Breakdowns of complaints, and timely-response and dispute rates with Wilson intervals.

Rates use :func:`crmlib.metrics.wilson_interval`; the difference of two rates uses
Newcombe's hybrid score interval (:func:`crmlib.satisfaction.newcombe_difference`). The
dispute rate is computed only over complaints that carry a Yes/No answer (the CFPB asked
until April 2017); its denominator is stated with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.metrics import wilson_interval

__all__ = ["BREAKDOWNS", "TimelyDisputes", "complaint_breakdown", "response_rates", "timely_vs_disputed"]

#: Dimensions a breakdown can use (canonical columns of :func:`read_complaints`).
BREAKDOWNS = ("product", "issue", "channel", "company")


def _frame(data: Any, required: tuple[str, ...], func: str) -> pd.DataFrame:
    frame = getattr(data, "frame", data)
    return check_frame(frame, list(required), func=func, what="complaint table",
                       suggestion="pass the result of crmlib.complaints.read_complaints (or its .frame).")


def complaint_breakdown(data: Any, by: str, *, n_top: int | None = 10) -> pd.DataFrame:
    """Complaints per product, issue, channel or company, largest first.

    Parameters
    ----------
    data : ComplaintData or DataFrame
        From :func:`~crmlib.complaints.read_complaints`.
    by : {"product", "issue", "channel", "company"}
    n_top : int or None, default 10
        Keep the ``n_top`` largest groups and sum the rest into one "Other (k groups)"
        row (None: every group).

    Returns
    -------
    DataFrame
        Indexed by group: ``complaints``, ``share`` (of all complaints) and
        ``timely_rate``. The rows add up to all complaints.

    Examples
    --------
    >>> from crmlib.complaints import read_complaints, simulate_complaints
    >>> t = complaint_breakdown(read_complaints(simulate_complaints(200)), "channel", n_top=2)
    >>> int(t["complaints"].sum()), len(t)
    (200, 3)
    """
    if by not in BREAKDOWNS:
        raise DataValidationError(f"complaint_breakdown: by={by!r} is not a breakdown.",
                                  suggestion=f"use one of {list(BREAKDOWNS)}.")
    frame = _frame(data, (by, "timely"), "complaint_breakdown")
    if n_top is not None:
        n_top = int(to_number(n_top, "n_top", low=1, example="10"))
    g = frame.groupby(by, sort=False, observed=True)["timely"]
    t = pd.DataFrame({"complaints": g.size(), "timely": g.sum()}).sort_values(
        ["complaints"], ascending=False, kind="stable")
    if n_top is not None and len(t) > n_top:
        rest = t.iloc[n_top:]
        t = pd.concat([t.iloc[:n_top], pd.DataFrame(rest.sum().to_dict(), index=[f"Other ({len(rest)} groups)"])])
    t.index.name = by
    total = t["complaints"].sum()
    return pd.DataFrame({
        "complaints": t["complaints"].astype("int64"),
        "share": t["complaints"] / total,
        "timely_rate": t["timely"] / t["complaints"],
    })


def response_rates(data: Any, *, by: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Timely-response rate and dispute rate, each with its Wilson interval.

    Parameters
    ----------
    data : ComplaintData or DataFrame
    by : str, optional
        A breakdown (e.g. "product") for one pair of rates per group.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row per (group,) measure: ``measure`` ("timely response" or "disputed"),
        ``k`` (yes answers), ``n`` (complaints with an answer: all complaints for
        timeliness, only those asked for disputes), ``rate``, ``ci_low``, ``ci_high``.
        ``n`` of 0 gives NaN rates.

    Examples
    --------
    >>> from crmlib.complaints import read_complaints, simulate_complaints
    >>> r = response_rates(read_complaints(simulate_complaints(500)))
    >>> r.index.tolist()
    ['timely response', 'disputed']
    >>> bool((r["ci_low"] <= r["rate"]).all() and (r["rate"] <= r["ci_high"]).all())
    True
    """
    frame = _frame(data, ("timely", "disputed") + ((by,) if by else ()), "response_rates")
    if by is not None and by not in BREAKDOWNS:
        raise DataValidationError(f"response_rates: by={by!r} is not a breakdown.",
                                  suggestion=f"use one of {list(BREAKDOWNS)}, or by=None.")
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=True, observed=True))
    rows = []
    for name, part in groups:
        disputed = part["disputed"].dropna()
        for measure, k, n in (("timely response", int(part["timely"].sum()), len(part)),
                              ("disputed", int(disputed.sum()), len(disputed))):
            lo, hi = wilson_interval(k, n, confidence)
            rows.append({by or "group": name, "measure": measure, "k": k, "n": n,
                         "rate": k / n if n else np.nan, "ci_low": float(lo), "ci_high": float(hi)})
    out = pd.DataFrame(rows)
    if by is None:
        return out.drop(columns="group").set_index("measure")
    return out.set_index([by, "measure"])


@dataclass(frozen=True)
class TimelyDisputes:
    """Dispute rates of timely and late responses: an observational comparison.

    ``table`` is the 2x2 count table (rows: timely "Yes"/"No"; columns: disputed
    "Yes"/"No"), ``rates`` the dispute rate per row with Wilson intervals, and
    ``difference`` (late minus timely) with Newcombe's interval (``ci_low``,
    ``ci_high``). Only complaints that carry a dispute answer are counted
    (``n_answered`` of ``n_complaints``). Complaints answered late differ from timely
    ones in product, company and year, so the difference is an association, not the
    effect of answering on time.
    """

    table: pd.DataFrame
    rates: pd.DataFrame
    difference: float
    ci_low: float
    ci_high: float
    n_answered: int
    n_complaints: int
    confidence: float

    @property
    def clear(self) -> bool:
        """Whether the interval of the difference excludes zero."""
        return bool(self.ci_low > 0 or self.ci_high < 0)


def timely_vs_disputed(data: Any, *, confidence: float = 0.95) -> TimelyDisputes:
    """Do timely responses go with fewer disputes? The 2x2 table, rates and difference.

    Parameters
    ----------
    data : ComplaintData or DataFrame
    confidence : float, default 0.95

    Returns
    -------
    TimelyDisputes

    Raises
    ------
    DataValidationError
        When no complaint carries a dispute answer.

    Examples
    --------
    >>> from crmlib.complaints import read_complaints, simulate_complaints
    >>> r = timely_vs_disputed(read_complaints(simulate_complaints(3000, disputed_if_late=0.6)))
    >>> bool(r.table.to_numpy().sum() == r.n_answered)
    True
    """
    from crmlib.satisfaction.fits import newcombe_difference

    frame = _frame(data, ("timely", "disputed"), "timely_vs_disputed")
    answered = frame[frame["disputed"].notna()]
    if answered.empty:
        raise DataValidationError(
            "timely_vs_disputed: no complaint carries a dispute answer (Consumer disputed? is blank everywhere).",
            column="disputed",
            suggestion="the CFPB asked consumers whether they disputed the response only until April 2017; "
            "use complaints received before then.",
        )
    timely = answered["timely"].astype(bool).map({True: "Yes", False: "No"})
    disputed = answered["disputed"].astype(bool).map({True: "Yes", False: "No"})
    table = pd.crosstab(timely, disputed).reindex(index=["Yes", "No"], columns=["Yes", "No"], fill_value=0)
    table.index.name, table.columns.name = "timely response", "disputed"
    k, n = table["Yes"].to_numpy(), table.sum(axis=1).to_numpy()
    lo, hi = wilson_interval(k, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    rates = pd.DataFrame({"disputed": k, "answered": n, "rate": rate, "ci_low": lo, "ci_high": hi},
                         index=pd.Index(["timely", "late"], name="response"))
    d, dlo, dhi = newcombe_difference([k[1]], [n[1]], [k[0]], [n[0]], confidence)
    return TimelyDisputes(table=table, rates=rates, difference=float(d[0]), ci_low=float(dlo[0]),
                          ci_high=float(dhi[0]), n_answered=len(answered), n_complaints=len(frame),
                          confidence=float(confidence))
