"""Association rules ("beer and diapers", 啤酒与尿布) mined with mlxtend's FP-growth.

mlxtend finds the frequent itemsets and candidate rules; crmlib then recounts every rule
in whole baskets, so confidence is ``baskets with A and C / baskets with A`` computed
from integers. mlxtend, with its default ``num_itemsets=1``, divides two supports that
were each divided by the number of baskets, and 16 of 20 baskets comes out as
0.7999999999999999: on Groceries four arules reference rules (confidence exactly 0.8)
fall below ``min_confidence=0.8`` that way. Recounting, and keeping one consequent item
as arules' ``apriori`` does, gives arules' 410 rules (tests/test_basket_reference.py).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.basket.baskets import basket_matrix
from crmlib.checks import check_frame, check_log
from crmlib.conventions import end_bound, purchase_mask, to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "RULE_COLUMNS",
    "co_occurrence",
    "mine_rules",
    "next_products",
    "prune_redundant",
    "remeasure_rules",
    "rule_report",
    "rule_stability",
]

#: Columns of a rule table, in order.
RULE_COLUMNS = [
    "rule", "antecedent", "consequent", "n_baskets", "antecedent_baskets", "consequent_baskets",
    "support", "confidence", "lift", "leverage", "conviction",
]
_JOIN = " + "


def _check_matrix(baskets: pd.DataFrame, func: str) -> pd.DataFrame:
    check_frame(
        baskets, (), func=func, what="basket matrix",
        suggestion="build it with crmlib.basket.basket_matrix(log) (one row per basket, one True/False "
        "column per item).",
    )
    bad = [c for c in baskets.columns if not (
        pd.api.types.is_bool_dtype(baskets[c].dtype)
        or (isinstance(baskets[c].dtype, pd.SparseDtype) and baskets[c].dtype.subtype == np.bool_)
    )]
    if bad:
        raise DataValidationError(
            f"{func}: the basket matrix must be True/False per item; column {bad[0]!r} is {baskets[bad[0]].dtype}.",
            column=str(bad[0]),
            rows=baskets[[bad[0]]].head(),
            suggestion="build it with crmlib.basket.basket_matrix(log), or convert a 0/1 table with .astype(bool).",
        )
    if baskets.shape[1] == 0:
        raise DataValidationError(
            f"{func}: the basket matrix has no item column (no item reached the minimum support).",
            suggestion="lower min_support in basket_matrix, or check the item column.",
        )
    return baskets


def _text(items: Sequence[str]) -> str:
    return _JOIN.join(sorted(map(str, items)))


def _empty_rules() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="str" if c in ("rule", "antecedent", "consequent") else "float64")
                        for c in RULE_COLUMNS})
    out["antecedent_items"] = pd.Series(dtype=object)
    out["consequent_items"] = pd.Series(dtype=object)
    return out


def _metrics(n_ac: np.ndarray, n_a: np.ndarray, n_c: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Rule measures from whole-basket counts (exact ratios, no rounded supports)."""
    n_ac, n_a, n_c = (np.asarray(x, dtype="float64") for x in (n_ac, n_a, n_c))
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = n_ac / n_a
        lift = n_ac * n / (n_a * n_c)
        leverage = n_ac / n - (n_a / n) * (n_c / n)
        # conviction is infinite for a rule that never fails (confidence 1)
        conviction = np.where(confidence >= 1, np.inf, (1 - n_c / n) / (1 - confidence))
    return {"support": n_ac / n, "confidence": confidence, "lift": lift, "leverage": leverage,
            "conviction": conviction}


def mine_rules(
    baskets: pd.DataFrame,
    *,
    min_support: float,
    min_confidence: float = 0.5,
    min_lift: float | None = None,
    max_len: int | None = None,
    single_consequent: bool = True,
) -> pd.DataFrame:
    """Association rules A ⇒ C from a basket matrix, as a table a merchandiser can act on.

    Frequent itemsets come from mlxtend's FP-growth (Han, Pei & Yin 2000) and candidate
    rules from ``mlxtend.frequent_patterns.association_rules``; every rule's counts are
    then taken in whole baskets, and the thresholds applied to exact ratios.

    Parameters
    ----------
    baskets : DataFrame
        From :func:`crmlib.basket.basket_matrix` (True where a basket holds an item).
    min_support : float
        Smallest share of baskets holding all of a rule's items, in (0, 1]. It becomes a
        whole number of baskets, ``ceil(min_support * n_baskets)``.
    min_confidence : float, default 0.5
        Smallest share of baskets with A that also hold C.
    min_lift : float, optional
        Keep only rules with at least this lift (e.g. 1.0: items that go together more
        often than chance would have them).
    max_len : int, optional
        Most items in a rule (antecedent plus consequent).
    single_consequent : bool, default True
        One item on the right-hand side, as R's arules ``apriori`` and a "customers who
        bought A also bought C" offer have it. False keeps mlxtend's multi-item
        consequents too.

    Returns
    -------
    DataFrame
        One row per rule, sorted by lift, then confidence, support and text (best first):
        ``rule`` ("A + B → C"), ``antecedent`` and ``consequent`` (items joined by " + "),
        ``n_baskets`` (baskets holding A and C), ``antecedent_baskets``,
        ``consequent_baskets``, ``support``, ``confidence``, ``lift``, ``leverage``,
        ``conviction`` (inf when the rule never fails), and the items as tuples
        (``antecedent_items``, ``consequent_items``). ``attrs``: ``n_baskets``,
        ``min_support``, ``min_count``, ``min_confidence``, ``n_itemsets``, ``seconds``.

    Notes
    -----
    Lift above 1 says the items occur together more often than if they were bought
    independently; it says nothing about one purchase causing the other.

    Examples
    --------
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "diapers", "chips"], ["beer"], ["milk"]])
    >>> rules = mine_rules(m, min_support=0.5, min_confidence=0.9)
    >>> rules[["rule", "n_baskets", "confidence", "lift"]].to_dict("records")
    [{'rule': 'diapers → beer', 'n_baskets': 2, 'confidence': 1.0, 'lift': 1.3333333333333333}]
    """
    func = "mine_rules"
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    _check_matrix(baskets, func)
    min_support = to_number(min_support, "min_support", low=0.0, high=1.0, low_inclusive=False)
    min_confidence = to_number(min_confidence, "min_confidence", low=0.0, high=1.0)
    if min_lift is not None:
        min_lift = to_number(min_lift, "min_lift", low=0.0)
    if max_len is not None:
        max_len = int(to_number(max_len, "max_len", low=2, integer=True))
    n = len(baskets)
    min_count = max(1, math.ceil(min_support * n - 1e-9))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # mlxtend warns that sparse input is slower than dense; the memory saved is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        itemsets = fpgrowth(baskets, min_support=min_count / n, use_colnames=True, max_len=max_len)
    empty = _empty_rules()
    if len(itemsets) == 0 or itemsets["itemsets"].map(len).max() < 2:
        empty.attrs.update(n_baskets=n, min_support=min_support, min_count=min_count,
                           min_confidence=min_confidence, n_itemsets=len(itemsets),
                           seconds=time.perf_counter() - t0)
        return empty
    # a little below the threshold: mlxtend's float confidence can miss exact ties (16/20)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = association_rules(itemsets, num_itemsets=n, metric="confidence",
                                min_threshold=max(min_confidence - 1e-6, 0.0))
    if single_consequent:
        raw = raw[raw["consequents"].map(len) == 1]
    counts = {k: np.rint(raw[col].to_numpy(dtype="float64") * n).astype(np.int64)
              for k, col in (("ac", "support"), ("a", "antecedent support"), ("c", "consequent support"))}
    m = _metrics(counts["ac"], counts["a"], counts["c"], n)
    out = pd.DataFrame({
        "antecedent": raw["antecedents"].map(_text).to_numpy(),
        "consequent": raw["consequents"].map(_text).to_numpy(),
        "n_baskets": counts["ac"],
        "antecedent_baskets": counts["a"],
        "consequent_baskets": counts["c"],
        **m,
        "antecedent_items": raw["antecedents"].map(lambda s: tuple(sorted(map(str, s)))).to_numpy(),
        "consequent_items": raw["consequents"].map(lambda s: tuple(sorted(map(str, s)))).to_numpy(),
    })
    out.insert(0, "rule", out["antecedent"] + " → " + out["consequent"])
    keep = out["confidence"] >= min_confidence
    if min_lift is not None:
        keep &= out["lift"] >= min_lift
    out = out[keep].sort_values(["lift", "confidence", "support", "rule"],
                                ascending=[False, False, False, True], kind="stable").reset_index(drop=True)
    out.attrs.update(n_baskets=n, min_support=min_support, min_count=min_count, min_confidence=min_confidence,
                     n_itemsets=len(itemsets), seconds=time.perf_counter() - t0)
    return out


def prune_redundant(rules: pd.DataFrame) -> pd.DataFrame:
    """Drop rules that a simpler rule already says: arules' ``is.redundant``.

    A rule A ⇒ C is redundant when a rule B ⇒ C with B a proper subset of A has at least
    the same confidence: the extra items of A add nothing (Bayardo, Agrawal & Gunopulos
    2000, "improvement"). Online Retail's product ranges (herb markers, a tea set's
    colours) otherwise fill the top of the table with the same rule many times.

    Parameters
    ----------
    rules : DataFrame
        From :func:`mine_rules` (or :func:`rule_stability`).

    Returns
    -------
    DataFrame
        The non-redundant rules, in their order. ``attrs["n_redundant"]`` counts the
        rules dropped.

    Examples
    --------
    >>> m = basket_matrix([["a", "b", "c"]] * 3 + [["a", "c"], ["b"], ["d"]])
    >>> rules = mine_rules(m, min_support=0.3, min_confidence=0.9)
    >>> rules["rule"].tolist()
    ['a → c', 'c → a', 'a + b → c', 'b + c → a']
    >>> prune_redundant(rules)["rule"].tolist()
    ['a → c', 'c → a']
    """
    _check_rules(rules, "prune_redundant")
    conf = rules["confidence"].to_numpy()
    ante = [frozenset(a) for a in rules["antecedent_items"]]
    redundant = np.zeros(len(rules), bool)
    for _, idx in rules.groupby(rules["consequent_items"].map(tuple), sort=False).indices.items():
        for i in idx:
            redundant[i] = any(ante[j] < ante[i] and conf[j] >= conf[i] for j in idx)
    out = rules[~redundant].reset_index(drop=True)
    out.attrs = {**rules.attrs, "n_redundant": int(redundant.sum())}
    return out


def _check_rules(rules: pd.DataFrame, func: str) -> pd.DataFrame:
    return check_frame(
        rules, ("rule", "antecedent_items", "consequent_items"), func=func, what="rule table",
        suggestion="pass the table returned by crmlib.basket.mine_rules.", allow_empty=True,
    )


def _item_rows(baskets: pd.DataFrame) -> dict[str, np.ndarray]:
    """Row numbers of the baskets holding each item."""
    if len(baskets.columns) and all(isinstance(t, pd.SparseDtype) for t in baskets.dtypes):
        csc = baskets.sparse.to_coo().tocsc()
        csc.sum_duplicates()
        data = csc.data.astype(bool)
        return {str(c): csc.indices[csc.indptr[j]:csc.indptr[j + 1]][data[csc.indptr[j]:csc.indptr[j + 1]]]
                for j, c in enumerate(baskets.columns)}
    return {str(c): np.flatnonzero(baskets[c].to_numpy(dtype=bool)) for c in baskets.columns}


def _holding(rows: dict[str, np.ndarray], items: Sequence[str]) -> np.ndarray:
    """Row numbers of the baskets holding every one of ``items``."""
    found = [rows.get(i, np.empty(0, np.int64)) for i in items]
    out = found[0]
    for r in found[1:]:
        out = np.intersect1d(out, r, assume_unique=True)
    return out


def remeasure_rules(rules: pd.DataFrame, baskets: pd.DataFrame) -> pd.DataFrame:
    """The same rules counted again in other baskets (a later window, another store).

    Parameters
    ----------
    rules : DataFrame
        From :func:`mine_rules`.
    baskets : DataFrame
        The other baskets, from :func:`crmlib.basket.basket_matrix` (build it without a
        support cap, so that no rule item is missing from it).

    Returns
    -------
    DataFrame
        ``rules`` with ``later_n_baskets``, ``later_antecedent_baskets``,
        ``later_support``, ``later_confidence`` and ``later_lift`` (NaN when the
        antecedent or the consequent never occurs in ``baskets``). ``attrs["later_baskets"]``
        is the number of baskets counted.

    Examples
    --------
    >>> early = basket_matrix([["beer", "diapers"], ["beer", "diapers"], ["milk"]])
    >>> rules = mine_rules(early, min_support=0.5, min_confidence=0.5)
    >>> later = basket_matrix([["beer", "diapers"], ["beer"], ["diapers", "milk"], ["milk"]])
    >>> remeasure_rules(rules, later)[["rule", "later_confidence", "later_lift"]].to_dict("records")
    [{'rule': 'beer → diapers', 'later_confidence': 0.5, 'later_lift': 1.0}, {'rule': 'diapers → beer', 'later_confidence': 0.5, 'later_lift': 1.0}]
    """
    func = "remeasure_rules"
    _check_rules(rules, func)
    _check_matrix(baskets, func)
    rows = _item_rows(baskets)
    n = len(baskets)
    n_ac, n_a, n_c = [], [], []
    for a, c in zip(rules["antecedent_items"], rules["consequent_items"], strict=True):
        has_a = _holding(rows, a)
        n_a.append(len(has_a))
        n_c.append(len(_holding(rows, c)))
        n_ac.append(len(_holding(rows, (*a, *c))))
    m = _metrics(np.array(n_ac), np.array(n_a), np.array(n_c), n)
    out = rules.copy()
    out["later_n_baskets"] = np.array(n_ac, dtype=np.int64)
    out["later_antecedent_baskets"] = np.array(n_a, dtype=np.int64)
    out["later_support"] = m["support"]
    out["later_confidence"] = m["confidence"]
    lift = m["lift"]
    out["later_lift"] = np.where(np.isfinite(lift), lift, np.nan)
    out.attrs = {**rules.attrs, "later_baskets": n}
    return out


def rule_stability(
    transactions: pd.DataFrame,
    *,
    calibration_end,
    min_support: float,
    min_confidence: float = 0.5,
    min_lift: float = 1.0,
    exclude_items: Sequence[str] = (),
    max_len: int | None = None,
) -> pd.DataFrame:
    """Rules mined on the first part of a log, checked on the later window.

    A rule found once may be chance: with thousands of item pairs some co-occur by luck.
    Before a rule becomes an offer, count it again in orders it was not found in.

    Parameters
    ----------
    transactions : DataFrame
        Validated log with ``order_id`` and ``item`` (``read_transactions(...,
        order=..., item=...)``).
    calibration_end : date-like
        Last day (inclusive) of the part the rules are mined on; the later window is
        every order after it.
    min_support, min_confidence, max_len : see :func:`mine_rules`
    min_lift : float, default 1.0
        A rule *holds* when its lift in the later window is above this.
    exclude_items : sequence of str
        Non-product items (postage, fees), see :func:`basket_matrix`.

    Returns
    -------
    DataFrame
        :func:`remeasure_rules`'s table plus ``holds`` (later lift above ``min_lift``)
        and ``still_confident`` (later confidence at least ``min_confidence``).
        ``attrs``: ``calibration_end``, ``early_baskets``, ``later_baskets``,
        ``share_holding``, ``share_still_confident``.

    Raises
    ------
    DataValidationError
        Missing ``order_id`` / ``item`` columns, or no order on one side of
        ``calibration_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": list("aabbccdd"), "order_id": ["1", "1", "2", "2", "3", "3", "4", "4"],
    ...     "date": pd.to_datetime(["2024-01-02"] * 4 + ["2024-02-02"] * 4),
    ...     "amount": [1.0] * 8, "item": ["beer", "diapers"] * 3 + ["beer", "milk"]})
    >>> out = rule_stability(tx, calibration_end="2024-01-31", min_support=0.5, min_confidence=0.5)
    >>> out[["rule", "later_confidence", "holds"]].to_dict("records")
    [{'rule': 'beer → diapers', 'later_confidence': 0.5, 'holds': False}, {'rule': 'diapers → beer', 'later_confidence': 1.0, 'holds': False}]
    """
    func = "rule_stability"
    tx = check_log(transactions, func=func)
    check_frame(tx, ("order_id", "item"), func=func, what="transaction log",
                suggestion="read the log with crmlib.read_transactions(..., order=COL, item=COL).")
    end = end_bound(calibration_end, "calibration_end")
    early_tx, later_tx = tx[tx["date"] < end], tx[tx["date"] >= end]
    for name, part in (("before", early_tx), ("after", later_tx)):
        if not purchase_mask(part["amount"]).any():
            raise DataValidationError(
                f"{func}: no purchase {name} calibration_end={calibration_end!s} "
                f"(the log runs from {tx['date'].min():%Y-%m-%d} to {tx['date'].max():%Y-%m-%d}).",
                suggestion="choose a calibration_end inside the log, e.g. two thirds of the way through.",
            )
    early = basket_matrix(early_tx, min_support=min_support, exclude_items=exclude_items)
    rules = mine_rules(early, min_support=min_support, min_confidence=min_confidence, max_len=max_len)
    later = basket_matrix(later_tx, exclude_items=exclude_items)
    out = remeasure_rules(rules, later)
    out["holds"] = (out["later_lift"] > min_lift).fillna(False).astype(bool)
    out["still_confident"] = (out["later_confidence"] >= min_confidence).fillna(False).astype(bool)
    out.attrs.update(
        calibration_end=end - pd.Timedelta(1, "ns"),
        early_baskets=early.attrs["n_baskets"],
        later_baskets=later.attrs["n_baskets"],
        share_holding=float(out["holds"].mean()) if len(out) else float("nan"),
        share_still_confident=float(out["still_confident"].mean()) if len(out) else float("nan"),
    )
    return out


def next_products(
    rules: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    n_top: int = 3,
    exclude_items: Sequence[str] = (),
) -> pd.DataFrame:
    """"Next product" suggestions per customer: items they have not bought, best rule first.

    A customer qualifies for a rule when they have bought every antecedent item (in any
    order, over their whole history) and none of the consequent items. Rules are taken
    in the order of ``rules`` (lift first, as :func:`mine_rules` sorts them); an item
    suggested by several rules keeps its best one.

    Parameters
    ----------
    rules : DataFrame
        From :func:`mine_rules` (ideally only those that :func:`rule_stability` says hold).
    transactions : DataFrame
        Validated log with ``item`` (purchases only count).
    n_top : int, default 3
        Suggestions per customer at most.
    exclude_items : sequence of str
        Non-product items, as in :func:`basket_matrix`.

    Returns
    -------
    DataFrame
        ``customer_id``, ``rank`` (1 = best), ``suggestion`` (consequent), ``because``
        (the antecedent they bought), ``confidence``, ``lift``, ``rule``; customers
        without a suggestion are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "diapers"], ["milk"]])
    >>> rules = mine_rules(m, min_support=0.5, min_confidence=0.5)
    >>> tx = pd.DataFrame({"customer_id": ["x", "y", "y"], "date": pd.to_datetime(["2024-01-01"] * 3),
    ...                    "amount": [1.0, 1.0, 1.0], "item": ["beer", "beer", "diapers"]})
    >>> next_products(rules, tx)[["customer_id", "suggestion", "because"]].to_dict("records")
    [{'customer_id': 'x', 'suggestion': 'diapers', 'because': 'beer'}]
    """
    func = "next_products"
    _check_rules(rules, func)
    tx = check_log(transactions, func=func)
    check_frame(tx, ("item",), func=func, what="transaction log",
                suggestion="read the log with crmlib.read_transactions(..., item=COL).")
    n_top = int(to_number(n_top, "n_top", low=1, integer=True))
    columns = ["customer_id", "rank", "suggestion", "because", "confidence", "lift", "rule"]
    if len(rules) == 0:
        return pd.DataFrame(columns=columns)
    owned = basket_matrix(tx, basket="customer_id", exclude_items=exclude_items)
    rows = _item_rows(owned)
    picks = []
    for order, (a, c) in enumerate(zip(rules["antecedent_items"], rules["consequent_items"], strict=True)):
        has_a = _holding(rows, a)
        has_any_c = np.unique(np.concatenate([rows.get(i, np.empty(0, np.int64)) for i in c]))
        who = np.setdiff1d(has_a, has_any_c, assume_unique=True)
        if len(who):
            picks.append(pd.DataFrame({"row": who, "order": order}))
    if not picks:
        return pd.DataFrame(columns=columns)
    got = pd.concat(picks, ignore_index=True)
    r = rules.reset_index(drop=True)
    got["suggestion"] = r["consequent"].to_numpy()[got["order"]]
    got = got.sort_values(["row", "order"], kind="stable").drop_duplicates(["row", "suggestion"])
    got = got.groupby("row", sort=False).head(n_top)
    got["rank"] = got.groupby("row").cumcount() + 1
    out = pd.DataFrame({
        "customer_id": owned.index.to_numpy()[got["row"]],
        "rank": got["rank"].to_numpy(),
        "suggestion": got["suggestion"].to_numpy(),
        "because": r["antecedent"].to_numpy()[got["order"]],
        "confidence": r["confidence"].to_numpy()[got["order"]],
        "lift": r["lift"].to_numpy()[got["order"]],
        "rule": r["rule"].to_numpy()[got["order"]],
    })
    return out.sort_values(["customer_id", "rank"], kind="stable").reset_index(drop=True)


def co_occurrence(baskets: pd.DataFrame, left: Sequence[str], right: Sequence[str]) -> pd.Series:
    """How often baskets holding any of ``left`` also hold any of ``right``, against chance.

    For a named pair such as the course's beer and diapers (啤酒与尿布), whether or not it
    reaches a rule threshold.

    Parameters
    ----------
    baskets : DataFrame
        From :func:`crmlib.basket.basket_matrix` (built without a support cap, so rare
        items are still there).
    left, right : sequence of str
        Item names; a basket counts when it holds at least one of them.

    Returns
    -------
    Series
        ``n_baskets``, ``n_left``, ``n_right``, ``n_both``, ``support`` (share of baskets
        with both), ``confidence_left_right`` (share of left baskets holding right),
        ``confidence_right_left`` and ``lift`` (NaN when a side never occurs).

    Examples
    --------
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "diapers"], ["beer"], ["milk"]])
    >>> co_occurrence(m, ["diapers"], ["beer"])[["n_both", "confidence_left_right", "lift"]].tolist()
    [2.0, 1.0, 1.3333333333333333]
    """
    func = "co_occurrence"
    _check_matrix(baskets, func)
    for name, side in (("left", left), ("right", right)):
        if isinstance(side, str) or not isinstance(side, Sequence) or not len(side):
            raise DataValidationError(
                f"{func}: {name} must be a non-empty list of item names, got {side!r}.",
                suggestion=f"pass e.g. {name}=['bottled beer', 'canned beer'].",
            )
    rows = _item_rows(baskets)
    none = np.empty(0, np.int64)
    has_l = np.unique(np.concatenate([rows.get(str(i), none) for i in left]))
    has_r = np.unique(np.concatenate([rows.get(str(i), none) for i in right]))
    n_both = len(np.intersect1d(has_l, has_r, assume_unique=True))
    n = len(baskets)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "n_baskets": n, "n_left": len(has_l), "n_right": len(has_r), "n_both": n_both,
            "support": n_both / n,
            "confidence_left_right": n_both / len(has_l) if len(has_l) else np.nan,
            "confidence_right_left": n_both / len(has_r) if len(has_r) else np.nan,
            "lift": n_both * n / (len(has_l) * len(has_r)) if len(has_l) and len(has_r) else np.nan,
        }
    return pd.Series(out, dtype="float64")


#: Readable headers of :func:`rule_report`.
_REPORT_COLUMNS = {
    "n_baskets": "Baskets with A and C",
    "support": "Support (%)",
    "confidence": "Confidence (%)",
    "lift": "Lift",
    "leverage": "Leverage (pp)",
    "conviction": "Conviction",
    "later_n_baskets": "Later baskets with A and C",
    "later_confidence": "Later confidence (%)",
    "later_lift": "Later lift",
    "holds": "Holds later (lift > 1)",
}


def rule_report(rules: pd.DataFrame, *, n_top: int | None = None) -> pd.DataFrame:
    """A rule table for a merchandiser: readable headers, rounded, indexed by the rule.

    Percentages (support, confidence, leverage in percentage points) are rounded to one
    decimal, lift and conviction to two.

    Parameters
    ----------
    rules : DataFrame
        From :func:`mine_rules` or :func:`rule_stability`.
    n_top : int, optional
        Only the first ``n_top`` rules.

    Returns
    -------
    DataFrame
        Indexed by "Rule" (A + B → C).

    Examples
    --------
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "diapers"], ["beer"], ["milk"]])
    >>> rule_report(mine_rules(m, min_support=0.5, min_confidence=0.9)).loc["diapers → beer"].to_dict()
    {'Baskets with A and C': 2.0, 'Support (%)': 50.0, 'Confidence (%)': 100.0, 'Lift': 1.33, 'Leverage (pp)': 12.5, 'Conviction': inf}
    """
    _check_rules(rules, "rule_report")
    top = rules if n_top is None else rules.head(int(to_number(n_top, "n_top", low=1, integer=True)))
    cols = [c for c in _REPORT_COLUMNS if c in top.columns]
    out = top.set_index("rule")[cols].copy()
    for c in ("support", "confidence", "leverage", "later_confidence"):
        if c in out:
            out[c] = (100 * out[c]).round(1)
    for c in ("lift", "conviction", "later_lift"):
        if c in out:
            out[c] = out[c].round(2)
    out.index.name = "Rule"
    return out.rename(columns=_REPORT_COLUMNS)
