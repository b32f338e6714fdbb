"""Driver analysis: which rated items move loyalty most, and the importance-performance map.

Importance is *derived*, not stated: a logistic regression of loyalty on all items
together (plus optional controls such as travel type), reported as the average
marginal effect of one more rating point on the probability of being loyal. Because
the items are fitted together, each importance is "holding the other items fixed":
strongly correlated items (seat comfort, cleanliness, entertainment) share credit and
get wide intervals, which is the honest answer. The simple correlation of each item
with loyalty is reported next to it.

"Not applicable" ratings (0) are not treated as a rating: the item's value is set to
its mean among respondents who rated it, and an indicator column ``<item> [n/a]``
absorbs any difference of those respondents. Performance is the item's mean rating
among respondents who rated it.

The map follows Martilla & James (1977), "Importance-performance analysis", Journal of
Marketing 41(1), with data-centred cross-hairs (the mean importance and mean
performance over the items).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib.checks import check_frame
from crmlib.exceptions import DataValidationError
from crmlib.satisfaction._logit import fit_logit
from crmlib.satisfaction.validation import (
    check_choice,
    check_count,
    check_fraction,
    check_items,
    check_outcome,
    check_random_state,
    resolve_levels,
    simulated_label,
)

__all__ = ["QUADRANTS", "DriverAnalysis", "driver_analysis"]

QUADRANTS = {
    (True, False): "concentrate here 重点改进",
    (True, True): "keep up the good work 继续保持",
    (False, False): "low priority 次要",
    (False, True): "possible overkill 过度投入",
}


@dataclass(frozen=True)
class DriverAnalysis:
    """Result of :func:`driver_analysis`.

    Attributes
    ----------
    table : DataFrame
        Indexed by item, sorted by importance: ``importance`` (percentage points of
        loyalty per rating point, as a fraction: 0.02 = 2 points), ``ci_low``,
        ``ci_high``, ``coef`` (log-odds per point), ``se``, ``p_value``,
        ``performance`` (mean rating), ``n_rated``, ``n_not_applicable``,
        ``correlation`` (with loyalty, rated respondents only), ``quadrant``.
    importance_cut, performance_cut : float
        The map's cross-hairs.
    n : int
        Respondents used.
    loyal_rate : float
    controls : list of str
    ci : str
        ``"wald"`` or ``"bootstrap"``.
    confidence : float
    control_effects : DataFrame
        Coefficients of the control columns (log-odds), for reference.
    simulated : str or None
        The label of a simulated survey (charts say "simulated"); None for real data.

    Notes
    -----
    ``importance`` is the difference in the probability of being loyal associated with
    one more rating point, the other items and the controls held fixed, in
    cross-sectional data: an association, not the effect of improving the item.
    """

    table: pd.DataFrame
    importance_cut: float
    performance_cut: float
    n: int
    loyal_rate: float
    controls: list[str]
    ci: str
    confidence: float
    control_effects: pd.DataFrame = field(repr=False)
    simulated: str | None = None

    def summary(self) -> str:
        """Plain sentences: the top driver and the items to concentrate on."""
        t = self.table
        top = t.index[0]
        focus = t.index[t["quadrant"].str.startswith("concentrate")].tolist()
        return (
            f"Driver analysis on {self.n:,} respondents ({self.loyal_rate:.1%} loyal"
            f"{', controlling for ' + ', '.join(self.controls) if self.controls else ''}). "
            f"Strongest driver: {top} (+{t.loc[top, 'importance']:.1%} loyalty per rating point, "
            f"{self.confidence:.0%} CI {t.loc[top, 'ci_low']:.1%} to {t.loc[top, 'ci_high']:.1%}). "
            f"Important but under-performing: {', '.join(focus) if focus else 'none'}."
        )


MIN_NOT_APPLICABLE = 30


def _design(values: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Items with "not applicable" set to the item mean, plus n/a indicators.

    An indicator is added only when at least ``MIN_NOT_APPLICABLE`` respondents (and
    not all but that many) skipped the item: a column with a handful of ones would
    separate those few respondents perfectly. Identical indicators (the same
    respondents skip several items) are merged into one.
    """
    cols: dict[str, pd.Series] = {}
    na_cols: list[str] = []
    seen: dict[bytes, str] = {}
    n = len(values)
    for c in values.columns:
        v = values[c]
        na = v.isna()
        cols[c] = v.fillna(v.mean()) if na.any() else v
        k = int(na.sum())
        if MIN_NOT_APPLICABLE <= k <= n - MIN_NOT_APPLICABLE:
            key = np.packbits(na.to_numpy()).tobytes()
            if key in seen:
                old = seen[key]
                new = old[: -len(" [n/a]")] + f" & {c} [n/a]"
                cols[new] = cols.pop(old)
                na_cols[na_cols.index(old)] = new
                seen[key] = new
                continue
            name = f"{c} [n/a]"
            cols[name] = na.astype("float64")
            na_cols.append(name)
            seen[key] = name
    return pd.DataFrame(cols, index=values.index), na_cols


def _drop_dependent(X: pd.DataFrame, keep: Sequence[str]) -> pd.DataFrame:
    """Drop indicator or control columns that are linear combinations of others.

    Items (``keep``) are never dropped; if an item itself is redundant (two items with
    identical ratings) the error says so.
    """
    Z = X.to_numpy(dtype="float64")
    Z = Z - np.where(np.arange(Z.shape[1]) == 0, 0.0, Z.mean(axis=0))
    norm = np.sqrt((Z**2).sum(axis=0))
    norm[norm == 0] = 1.0
    G = (Z / norm).T @ (Z / norm)
    # greedy in this order, so the optional columns are the ones dropped
    order = [0] + [X.columns.get_loc(c) for c in keep] + [
        i for i, c in enumerate(X.columns) if i != 0 and c not in keep
    ]
    kept: list[int] = []
    dropped: list[str] = []
    for j in order:
        if kept:
            g = G[np.ix_(kept, [j])]
            resid = G[j, j] - float((g.T @ np.linalg.solve(G[np.ix_(kept, kept)], g)).item())
        else:
            resid = G[j, j]
        if resid > 1e-9:
            kept.append(j)
        else:
            dropped.append(X.columns[j])
    bad_items = [c for c in dropped if c in keep]
    if bad_items:
        raise DataValidationError(
            f"Item(s) {bad_items} are exact linear combinations of other items or constant, so their "
            "effect cannot be separated.",
            suggestion="drop the duplicated or constant item from items=[...].",
        )
    return X.drop(columns=dropped)


def _controls(data: pd.DataFrame, controls: Sequence[str]) -> pd.DataFrame:
    check_frame(data, list(controls), func="driver_analysis", what="survey (controls)",
                suggestion="pass controls=[...] naming columns of the survey, e.g. controls=['Type of Travel'].")
    parts = []
    for c in controls:
        s = data[c]
        if s.isna().any():
            raise DataValidationError(
                f"Control {c!r} has {int(s.isna().sum()):,} missing values.",
                column=c,
                rows=s[s.isna()],
                suggestion="fill or drop them before the driver analysis.",
            )
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            parts.append(s.astype("float64").rename(c).to_frame())
        else:
            parts.append(pd.get_dummies(s.astype("str"), prefix=c, prefix_sep=" = ", drop_first=True, dtype="float64"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=data.index)


def driver_analysis(
    data: pd.DataFrame,
    items: Sequence[str],
    outcome: str | pd.Series,
    *,
    positive: Any = None,
    controls: Sequence[str] | None = None,
    scale: tuple[float, float] = (1, 5),
    not_applicable: float | None = 0,
    confidence: float = 0.95,
    ci: str = "wald",
    n_boot: int = 200,
    random_state: int | None = 0,
) -> DriverAnalysis:
    """Which items move loyalty most: logistic-regression importance with intervals,
    against each item's performance.

    Parameters
    ----------
    data : DataFrame
        The survey, one row per respondent.
    items : list of str
        Rated item columns.
    outcome : str or Series
        Loyalty (column name or Series aligned with ``data``); labels need ``positive``.
    positive : scalar, optional
        The outcome value meaning loyal.
    controls : list of str, optional
        Columns held fixed (categorical ones are dummy-coded), e.g. travel type.
    scale, not_applicable
        The items' scale and "not applicable" code.
    confidence : float, default 0.95
    ci : {"wald", "bootstrap"}, default "wald"
        ``"wald"``: from the inverse information matrix (the coefficient's interval,
        scaled to the probability scale by the mean of ``p (1 - p)``).
        ``"bootstrap"``: percentile interval over ``n_boot`` refits on resampled
        respondents (slower; also covers the scaling).
    n_boot : int, default 200
    random_state : int or None, default 0

    Returns
    -------
    DriverAnalysis

    Examples
    --------
    >>> from crmlib.satisfaction import generate_survey, DEFAULT_ITEMS
    >>> survey = generate_survey(4000, items=DEFAULT_ITEMS, random_state=0)
    >>> da = driver_analysis(survey, list(DEFAULT_ITEMS), "loyal")
    >>> da.table.index[0]
    'Staff courtesy'
    """
    func = "driver_analysis"
    check_choice(ci, "ci", ("wald", "bootstrap"), func=func)
    confidence = check_fraction(confidence, "confidence")
    n_boot = check_count(n_boot, "n_boot", low=1)
    random_state = check_random_state(random_state, func=func)
    lv = resolve_levels(scale)
    values = check_items(data, items, lv, not_applicable=not_applicable, func=func)
    items = list(items)
    if isinstance(outcome, str):
        check_frame(data, [outcome], func=func, what="survey (outcome)",
                    suggestion="pass outcome=<column name>, e.g. outcome='Customer Type' with positive='Loyal Customer'.")
        y_raw = data[outcome]
    elif isinstance(outcome, pd.Series) and outcome.index.equals(data.index):
        y_raw = outcome
    else:
        raise DataValidationError(
            "outcome must be a column name of data or a Series with data's index.",
            suggestion="pass e.g. outcome='Customer Type' with positive='Loyal Customer'.",
        )
    y = check_outcome(y_raw, positive=positive).to_numpy(dtype="float64")
    if y.min() == y.max():
        # a logistic regression cannot be fitted: every coefficient would run off to infinity
        raise DataValidationError(
            f"{func}: every respondent has the same outcome ({'loyal' if y[0] == 1 else 'not loyal'}), so "
            "nothing can separate the loyal from the rest.",
            column=str(y_raw.name) if y_raw.name is not None else None,
            rows=y_raw.head(),
            suggestion="check the outcome coding (positive=...) and the filter; both outcomes must occur.",
        )
    controls = list(controls or [])
    X_items, _ = _design(values)
    X_ctrl = _controls(data, controls)
    X = pd.concat([pd.DataFrame({"intercept": 1.0}, index=data.index), X_items, X_ctrl], axis=1)
    X = _drop_dependent(X, items)
    Xv = X.to_numpy(dtype="float64")
    beta, cov, p = fit_logit(Xv, y)
    se = np.sqrt(np.diag(cov))
    scale_pp = float(np.mean(p * (1 - p)))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    pos = [X.columns.get_loc(c) for c in items]
    coef = beta[pos]
    ame = coef * scale_pp
    if ci == "wald":
        lo, hi = (coef - z * se[pos]) * scale_pp, (coef + z * se[pos]) * scale_pp
    else:
        rng = np.random.default_rng(random_state)
        draws = np.empty((n_boot, len(items)))
        for b in range(n_boot):
            ix = rng.integers(0, len(y), len(y))
            bb, _, pb = fit_logit(Xv[ix], y[ix])
            draws[b] = bb[pos] * np.mean(pb * (1 - pb))
        a = (1 - confidence) / 2
        lo, hi = np.quantile(draws, a, axis=0), np.quantile(draws, 1 - a, axis=0)
    yv = pd.Series(y, index=data.index)
    corr = [float(values[c].corr(yv)) if values[c].notna().sum() > 2 else np.nan for c in items]
    table = pd.DataFrame(
        {
            "importance": ame,
            "ci_low": lo,
            "ci_high": hi,
            "coef": coef,
            "se": se[pos],
            "p_value": 2 * stats.norm.sf(np.abs(coef / se[pos])),
            "performance": values.mean().to_numpy(),
            "n_rated": values.notna().sum().to_numpy(),
            "n_not_applicable": values.isna().sum().to_numpy(),
            "correlation": corr,
        },
        index=pd.Index(items, name="item"),
    )
    imp_cut = float(table["importance"].mean())
    perf_cut = float(table["performance"].mean())
    table["quadrant"] = [
        QUADRANTS[(bool(i >= imp_cut), bool(q >= perf_cut))]
        for i, q in zip(table["importance"], table["performance"], strict=True)
    ]
    table = table.sort_values("importance", ascending=False)
    ctrl_cols = [c for c in X.columns if c not in items and c != "intercept"]
    cpos = [X.columns.get_loc(c) for c in ctrl_cols]
    control_effects = pd.DataFrame(
        {"coef": beta[cpos], "se": se[cpos], "odds_ratio": np.exp(beta[cpos])}, index=pd.Index(ctrl_cols, name="term")
    )
    return DriverAnalysis(
        table, imp_cut, perf_cut, len(y), float(y.mean()), controls, ci, confidence, control_effects,
        simulated_label(data, y_raw),
    )
