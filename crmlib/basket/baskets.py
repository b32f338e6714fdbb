"""Baskets: one row per order (or shopping trip), one boolean column per item."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import purchase_mask, to_number
from crmlib.exceptions import DataValidationError

__all__ = ["basket_matrix", "basket_accounting"]

#: Why a line did not go into a basket (the log's own exclusions are in its report).
BASKET_EXCLUSIONS: dict[str, str] = {
    "not_purchase": "not a purchase (amount <= 0: returns, refunds, zero lines)",
    "missing_item": "item is missing or blank",
    "excluded_item": "item in exclude_items (e.g. postage, fees)",
    "repeat_line": "the same item again in the same basket (a basket holds an item once)",
}


def _long_table(data: Any, basket: str, item: str, func: str) -> pd.DataFrame:
    """A long (basket, item) table from a log, a long table, or a list of baskets."""
    if isinstance(data, pd.DataFrame):
        return check_frame(
            data, (basket, item), func=func, what="basket data",
            suggestion=f"pass a validated log from crmlib.read_transactions(..., order=..., item=...) "
            f"(columns 'order_id' and 'item'), or a long table with one row per ({basket!r}, {item!r}) "
            f"and name the columns with basket= and item=.",
        )
    if isinstance(data, Sequence) and not isinstance(data, str):
        bad = [i for i, b in enumerate(data) if isinstance(b, str) or not isinstance(b, (Sequence, set, frozenset))]
        if bad:
            raise DataValidationError(
                f"{func}: a list of baskets must hold one list of items per basket; basket {bad[0]} is "
                f"{data[bad[0]]!r}.",
                suggestion="pass e.g. [['milk', 'bread'], ['beer']], or a long table with basket and item columns.",
            )
        rows = [(i, x) for i, b in enumerate(data) for x in b]
        out = pd.DataFrame(rows, columns=[basket, item])
        if not len(data):
            raise DataValidationError(f"{func}: the list of baskets is empty.", suggestion="pass at least one basket.")
        out.attrs["n_baskets"] = len(data)  # empty baskets still count as baskets
        return out
    raise DataValidationError(
        f"{func} expects a DataFrame or a list of baskets, got {type(data).__name__}.",
        suggestion="pass a validated log with 'order_id' and 'item' columns, or a list of item lists.",
    )


def basket_matrix(
    data: pd.DataFrame | Sequence[Sequence[str]],
    *,
    basket: str = "order_id",
    item: str = "item",
    min_support: float = 0.0,
    exclude_items: Sequence[str] = (),
    sparse: bool = True,
) -> pd.DataFrame:
    """One-hot baskets: rows are baskets, columns items, True where the basket holds the item.

    Parameters
    ----------
    data : DataFrame or list of lists
        A validated log from :func:`crmlib.read_transactions` read with ``order=`` and
        ``item=`` (columns ``order_id`` and ``item``); a long table with one row per
        (basket, item), e.g. :func:`crmlib.datasets.load_groceries` with
        ``basket="basket_id"``; or a list of baskets, each a list of items. When the
        table has an ``amount`` column only purchases count
        (:func:`crmlib.conventions.purchase_mask`): returns and refunds are not in a basket.
    basket, item : str
        Columns naming the basket (order id) and the item.
    min_support : float, default 0.0
        Keep only items in at least this share of baskets. Mining with the same (or a
        higher) minimum support loses nothing: an itemset is never more frequent than
        its rarest item. Baskets left without an item stay in the matrix, so supports
        are still shares of ALL baskets.
    exclude_items : sequence of str
        Items that are not products (postage, fees, manual adjustments); their lines are
        dropped and counted.
    sparse : bool, default True
        Sparse boolean columns (memory grows with the lines, not baskets x items).

    Returns
    -------
    DataFrame
        Boolean, indexed by basket id, one column per kept item (sorted). ``attrs``
        carries the accounting: ``n_baskets``, ``n_lines``, ``n_items`` (before the
        support cap), ``n_items_kept``, ``min_count`` (baskets an item needs) and
        ``excluded`` (lines dropped, by reason; see :func:`basket_accounting`).

    Raises
    ------
    DataValidationError
        Not a DataFrame or list of baskets, missing columns, no basket left, or a
        ``min_support`` outside [0, 1].

    Examples
    --------
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "chips"], ["milk"]])
    >>> m.attrs["n_baskets"], list(m.columns)
    (3, ['beer', 'chips', 'diapers', 'milk'])
    >>> int(m["beer"].sum())
    2
    >>> basket_matrix([["beer", "diapers"], ["beer"], ["milk"]], min_support=0.5).columns.tolist()
    ['beer']
    """
    func = "basket_matrix"
    min_support = to_number(min_support, "min_support", low=0.0, high=1.0)
    long = _long_table(data, basket, item, func)
    n_given = long.attrs.get("n_baskets")
    excluded: dict[str, int] = {}
    lines = long[[basket, item]].copy()
    missing_basket = lines[basket].isna()
    if missing_basket.any():
        raise DataValidationError(
            f"{func}: {int(missing_basket.sum()):,} lines have no basket id (column {basket!r}).",
            column=basket,
            rows=long.loc[missing_basket].head(),
            suggestion="read the log with read_transactions(..., order=COL) so every line has its order id, "
            "or drop these lines first.",
        )
    keep = np.ones(len(lines), bool)
    if "amount" in long.columns:
        is_purchase = purchase_mask(long["amount"])
        excluded["not_purchase"] = int((~is_purchase).sum())
        keep &= is_purchase
    all_baskets = pd.Index(lines.loc[keep, basket].unique()) if n_given is None else None
    # items as text, surrounding spaces stripped, blanks missing: the same for every row
    names = lines[item].astype("str").str.strip().where(lines[item].notna())
    names = names.mask(names == "")
    blank = names.isna().to_numpy() & keep
    excluded["missing_item"] = int(blank.sum())
    keep &= ~blank
    drop_items = {str(x).strip() for x in exclude_items}
    not_product = names.isin(drop_items).to_numpy() & keep
    excluded["excluded_item"] = int(not_product.sum())
    keep &= ~not_product
    lines = pd.DataFrame({"basket": lines[basket].to_numpy()[keep], "item": names.to_numpy()[keep]})
    repeat = lines.duplicated().to_numpy()
    excluded["repeat_line"] = int(repeat.sum())
    lines = lines.loc[~repeat]
    excluded = {k: v for k, v in excluded.items() if v}

    if n_given is not None:
        basket_ids = pd.RangeIndex(n_given, name=basket)
    else:
        basket_ids = pd.Index(all_baskets, name=basket)
    n_baskets = len(basket_ids)
    if n_baskets == 0 or len(lines) == 0:
        raise DataValidationError(
            f"{func}: no basket left to analyse ({len(long):,} lines in; dropped: "
            f"{', '.join(f'{k}={v:,}' for k, v in excluded.items()) or 'none'}).",
            suggestion="check that the log has purchases (amount > 0) with an item, and the item column mapping.",
        )
    counts = lines["item"].value_counts()
    # an item must be in at least ceil(min_support * n) baskets (the tiny tolerance keeps
    # 0.001 * 10000 = 10 baskets from becoming 11 through binary rounding)
    min_count = max(1, math.ceil(min_support * n_baskets - 1e-9))
    kept_items = sorted(counts.index[counts >= min_count])
    lines = lines[lines["item"].isin(kept_items)]
    rows = basket_ids.get_indexer(lines["basket"])
    cols = pd.Index(kept_items).get_indexer(lines["item"])
    if sparse:
        from scipy import sparse as sp

        mat = sp.csc_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n_baskets, len(kept_items)))
        out = pd.DataFrame.sparse.from_spmatrix(mat, index=basket_ids, columns=pd.Index(kept_items, name="item"))
        out = out.astype(pd.SparseDtype(bool, False))
    else:
        dense = np.zeros((n_baskets, len(kept_items)), bool)
        dense[rows, cols] = True
        out = pd.DataFrame(dense, index=basket_ids, columns=pd.Index(kept_items, name="item"))
    out.attrs.update(
        n_baskets=n_baskets,
        n_lines=int(len(long)),
        n_items=int(len(counts)),
        n_items_kept=len(kept_items),
        min_count=int(min_count),
        excluded=excluded,
    )
    return out


def basket_accounting(matrix: pd.DataFrame) -> pd.DataFrame:
    """The accounting of :func:`basket_matrix` as a readable table.

    Examples
    --------
    >>> m = basket_matrix(pd.DataFrame({"order_id": ["1", "1", "2"], "item": ["tea", None, "tea"],
    ...                                 "amount": [2.0, 1.0, -2.0]}))
    >>> basket_accounting(m)["value"].tolist()
    [3, 1, 1, 1, 1, 1]
    """
    a = matrix.attrs
    if "n_baskets" not in a:
        raise DataValidationError(
            "basket_accounting: this table carries no basket accounting.",
            suggestion="pass the result of crmlib.basket.basket_matrix.",
        )
    rows = [("lines in", a["n_lines"], "")]
    rows += [(f"lines dropped: {k}", v, BASKET_EXCLUSIONS[k]) for k, v in a["excluded"].items()]
    rows += [
        ("baskets", a["n_baskets"], "orders (baskets) with at least one purchase line"),
        ("items", a["n_items"], "distinct items bought"),
        ("items kept", a["n_items_kept"], f"items in at least {a['min_count']:,} baskets (the minimum support)"),
    ]
    return pd.DataFrame(rows, columns=["step", "value", "meaning"]).set_index("step")
