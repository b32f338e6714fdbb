"""The subscription case: churn is observed, with customer attributes and stated reasons.

In a contractual business (telecom, software, insurance) a customer who leaves cancels,
so churn needs no definition, and an exit survey can record why. Two questions then
matter: *why* do customers leave, and which of those reasons could the firm have done
something about (find the cause first, then act: 找到流失原因, 对症下药)?

The preventability mapping is data, not code: :data:`PREVENTABILITY_BY_CATEGORY` and
:data:`PREVENTABILITY_BY_REASON` state it, and a user passes their own to change it.
The defaults follow the IBM Telco sample (``crmlib.datasets.load_telco``); its columns
are the defaults of the functions below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.exceptions import DataValidationError

__all__ = [
    "PREVENTABILITY_BY_CATEGORY",
    "PREVENTABILITY_BY_REASON",
    "TELCO_LEAKAGE_COLUMNS",
    "TELCO_NOT_FEATURES",
    "attribute_matrix",
    "churn_reasons_table",
    "preventability_summary",
]

#: Churn categories the firm could act on, and those it could not. Applied when a
#: reason has no entry in :data:`PREVENTABILITY_BY_REASON`.
PREVENTABILITY_BY_CATEGORY: dict[str, str] = {
    "Competitor": "preventable",  # better devices, offers, data, speed: match or beat them
    "Attitude": "preventable",  # staff behaviour: training and service standards
    "Dissatisfaction": "preventable",  # product, network, support quality
    "Price": "preventable",  # pricing and plan design
    "Other": "not preventable",
}
#: Reason-level exceptions, checked first: the "Other" category mixes life events the
#: firm cannot change with a service failure and unknowns.
PREVENTABILITY_BY_REASON: dict[str, str] = {
    "Moved": "not preventable",
    "Deceased": "not preventable",
    "Don't know": "unknown",
    "Poor expertise of online support": "preventable",
}

#: IBM Telco columns that must not be model inputs, and why (leakage: 数据泄漏).
TELCO_LEAKAGE_COLUMNS: dict[str, str] = {
    "Churn Value": "the target (1 = churned this quarter)",
    "Churn Label": "the target again, as Yes/No",
    "Customer Status": "Churned / Stayed / Joined: the outcome itself",
    "Churn Category": "recorded only for churners, at or after leaving",
    "Churn Reason": "recorded only for churners, at or after leaving",
    "Churn Score": "IBM's own churn prediction (a model output; alone it ranks churners almost perfectly)",
    "Satisfaction Score": (
        "in this fictional data it nearly fixes the outcome (scores 1-2: all churned, 4-5: none), "
        "the mark of a score made from or after the outcome rather than measured before it"
    ),
}
#: Columns that are not leaks but are not customer attributes either.
TELCO_NOT_FEATURES: dict[str, str] = {
    "Customer ID": "an identifier",
    "Count": "always 1",
    "Quarter": "always Q3",
    "CLTV": "IBM's lifetime-value estimate: used as the value at stake, not as a predictor",
}


_TELCO_HINT = "pass a customers table such as crmlib.datasets.load_telco(), with the named columns."


def churn_reasons_table(
    customers: pd.DataFrame,
    *,
    category_col: str = "Churn Category",
    reason_col: str = "Churn Reason",
    churn_col: str = "Churn Value",
    by_category: Mapping[str, str] | None = None,
    by_reason: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Count churners by category and reason, with each reason's preventability.

    Parameters
    ----------
    customers : DataFrame
        One row per customer; churners have ``churn_col == 1`` and a category and reason.
    category_col, reason_col, churn_col : str
        Column names; defaults are IBM Telco's.
    by_category, by_reason : mapping, optional
        Preventability per category, and reason-level exceptions (checked first).
        Default :data:`PREVENTABILITY_BY_CATEGORY` and :data:`PREVENTABILITY_BY_REASON`.
        Reasons matched by neither are "unknown".

    Returns
    -------
    DataFrame
        One row per (category, reason), most frequent first: ``category``, ``reason``,
        ``churners``, ``share_of_churners``, ``share_of_category`` and
        ``preventability``. Churners without a recorded reason appear as
        "(not recorded)".

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Churn Value": [1, 1, 1, 0],
    ...                    "Churn Category": ["Price", "Price", "Other", None],
    ...                    "Churn Reason": ["Price too high", "Price too high", "Moved", None]})
    >>> churn_reasons_table(df)[["reason", "churners", "preventability"]].to_numpy().tolist()
    [['Price too high', 2, 'preventable'], ['Moved', 1, 'not preventable']]
    """
    df = check_frame(customers, [category_col, reason_col, churn_col], func="churn_reasons_table", what="customers table", suggestion=_TELCO_HINT)
    flag = df[churn_col]
    if not flag.isin([0, 1]).all():
        raise DataValidationError(
            f"Column {churn_col!r} must hold 0/1 churn flags.",
            column=churn_col,
            rows=df.loc[~flag.isin([0, 1]), [churn_col]],
            suggestion="use the numeric churn column (e.g. 'Churn Value'), not the Yes/No label.",
        )
    churners = df.loc[flag == 1, [category_col, reason_col]].astype("object")
    if len(churners) == 0:
        raise DataValidationError("No churners in the table.", column=churn_col)
    churners = churners.fillna("(not recorded)")
    cat_map = dict(PREVENTABILITY_BY_CATEGORY if by_category is None else by_category)
    reason_map = dict(PREVENTABILITY_BY_REASON if by_reason is None else by_reason)
    table = churners.groupby([category_col, reason_col]).size().rename("churners").reset_index()
    table.columns = ["category", "reason", "churners"]
    table["churners"] = table["churners"].astype("int64")
    table["share_of_churners"] = table["churners"] / table["churners"].sum()
    table["share_of_category"] = table["churners"] / table.groupby("category")["churners"].transform("sum")
    table["preventability"] = [
        reason_map.get(r, cat_map.get(c, "unknown")) for c, r in zip(table["category"], table["reason"], strict=True)
    ]
    table = table.sort_values(["churners", "category", "reason"], ascending=[False, True, True], kind="stable")
    for c in ("category", "reason", "preventability"):
        table[c] = table[c].astype("str")
    return table.reset_index(drop=True)


def preventability_summary(reasons: pd.DataFrame) -> pd.DataFrame:
    """Churners and their share by preventability class (from :func:`churn_reasons_table`).

    Returns
    -------
    DataFrame
        Indexed by ``preventability``: ``churners``, ``share_of_churners``, ordered
        preventable, not preventable, unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"churners": [3, 1], "preventability": ["preventable", "unknown"]})
    >>> preventability_summary(r)["share_of_churners"].tolist()
    [0.75, 0.25]
    """
    check_frame(reasons, ["churners", "preventability"], func="preventability_summary", what="reasons table", suggestion="pass the table churn_reasons_table(...) returns.")
    out = reasons.groupby("preventability")["churners"].sum().to_frame()
    out["share_of_churners"] = out["churners"] / out["churners"].sum()
    first = [k for k in ("preventable", "not preventable", "unknown") if k in out.index]
    return out.loc[first + [k for k in out.index if k not in first]]


_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


def attribute_matrix(
    customers: pd.DataFrame,
    *,
    target: str = "Churn Value",
    drop: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """A numeric model matrix from a customer-attribute table, and the 0/1 target.

    Numeric columns are kept; Yes/No columns become 0/1; other text columns are one-hot
    encoded as ``"column=value"`` (a missing value, such as "no offer" or "no internet",
    is all zeros). Leakage columns are dropped first.

    Parameters
    ----------
    customers : DataFrame
        One row per customer.
    target : str, default "Churn Value"
        The 0/1 churn column.
    drop : iterable of str, optional
        Columns that must not be inputs. Default: every key of
        :data:`TELCO_LEAKAGE_COLUMNS` and :data:`TELCO_NOT_FEATURES` present in the table.

    Returns
    -------
    X : DataFrame of float64
    y : Series of int64, named after ``target``

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"Churn Value": [1, 0], "Contract": ["Month-to-Month", "Two Year"],
    ...                    "Paperless Billing": ["Yes", "No"], "Monthly Charge": [70.0, 20.0]})
    >>> X, y = attribute_matrix(df)
    >>> list(X.columns)
    ['Paperless Billing', 'Monthly Charge', 'Contract=Month-to-Month', 'Contract=Two Year']
    """
    df = check_frame(customers, [target], func="attribute_matrix", what="customers table", suggestion=_TELCO_HINT)
    flag = df[target]
    if not flag.isin([0, 1]).all():
        raise DataValidationError(
            f"Column {target!r} must hold 0/1 churn flags.",
            column=target,
            rows=df.loc[~flag.isin([0, 1]), [target]],
            suggestion="use the numeric churn column (e.g. 'Churn Value').",
        )
    excluded = set(drop) if drop is not None else set(TELCO_LEAKAGE_COLUMNS) | set(TELCO_NOT_FEATURES)
    excluded.add(target)
    inputs = df[[c for c in df.columns if c not in excluded]]
    if inputs.shape[1] == 0:
        raise DataValidationError("No input columns left after dropping the excluded ones.")
    numeric, binary, categorical = [], {}, []
    for col in inputs.columns:
        s = inputs[col]
        if pd.api.types.is_bool_dtype(s):
            binary[col] = s.astype("float64")
        elif pd.api.types.is_numeric_dtype(s):
            numeric.append(col)
        else:
            low = s.dropna().astype("str").str.strip().str.lower()
            if len(low) and low.isin(_YES | _NO).all() and s.notna().all():
                binary[col] = low.isin(_YES).astype("float64").reindex(s.index)
            else:
                categorical.append(col)
    parts = []
    for col in inputs.columns:
        if col in binary:
            parts.append(binary[col].rename(col))
        elif col in numeric:
            parts.append(inputs[col].astype("float64"))
    cat = (
        pd.get_dummies(inputs[categorical].astype("object"), prefix_sep="=", dtype="float64")
        if categorical
        else pd.DataFrame(index=inputs.index)
    )
    X = pd.concat([*parts, cat], axis=1)
    if X.isna().any().any():
        gaps = X.columns[X.isna().any()].tolist()
        raise DataValidationError(
            f"Numeric input columns have missing values: {gaps[:5]}.",
            column=str(gaps[0]),
            suggestion="fill them, or drop the columns with drop=[...].",
        )
    return X, flag.astype(np.int64).rename(target)
