"""What to do with each segment: an action table (data) and the resource-allocation view.

Resources follow value: each segment gets an action and a channel, and the table shows
what share of customers and revenue the action touches. The course's direct-mail case is
a recency rule: mail only members who bought within the last 3 months (90 days), so the
table also counts, per segment, the customers such a rule would reach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.segment.rfm_scores import check_segment_names, segment_profile

__all__ = ["default_segment_actions", "direct_mail_eligible", "resource_allocation"]

_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Champions", "reward them, ask for reviews and referrals, early access to new products",
     "account manager or VIP programme; direct mail", "high"),
    ("Loyal", "upsell higher-value products; loyalty programme benefits", "email and direct mail", "high"),
    ("Potential loyalist", "membership or loyalty offer; recommend related products", "email", "medium"),
    ("New", "onboarding: welcome series, make the second purchase easy", "email", "medium"),
    ("Promising", "build awareness of the range; small first-repeat incentive", "email", "medium"),
    ("Need attention", "limited-time, personalised offer based on past purchases", "email", "medium"),
    ("About to sleep", "reactivation: popular products, modest discount", "email", "low"),
    ("Can't lose", "win them back personally: call, survey why they stopped, strong offer", "phone or personal email", "high"),
    ("At risk", "personalised win-back campaign, renewal offers", "email and direct mail", "high"),
    ("Hibernating", "low-cost reactivation; otherwise let go", "email only", "low"),
    ("Lost", "do not spend on them; include only in broad low-cost campaigns", "none (mass email at most)", "none"),
)


def default_segment_actions() -> pd.DataFrame:
    """Suggested action, channel and priority for each of the 11 default segments.

    Returns
    -------
    DataFrame
        Indexed by ``segment``: ``action``, ``channel``, ``priority``. A fresh copy; edit
        it to suit the business.

    Examples
    --------
    >>> default_segment_actions().loc["Lost", "priority"]
    'none'
    """
    return pd.DataFrame(list(_ACTIONS), columns=["segment", "action", "channel", "priority"]).set_index("segment")


def direct_mail_eligible(segmented: pd.DataFrame, *, within_days: int = 90) -> pd.Series:
    """Whether each customer bought within the last ``within_days`` days (the DM rule).

    Parameters
    ----------
    segmented : DataFrame
        A table with ``recency_days`` (e.g. from :func:`~crmlib.segment.rfm_scores`).
    within_days : int, default 90
        The recency window: the course's case mails only members who bought within
        3 months.

    Returns
    -------
    Series of bool
    """
    return _eligible(segmented, within_days, "direct_mail_eligible")


def _eligible(segmented: pd.DataFrame, within_days: float, func: str) -> pd.Series:
    segmented = check_frame(segmented, ("recency_days",), func=func, what="customer table",
                            suggestion="pass crmlib.segment.rfm_scores(...).")
    within_days = to_number(within_days, "within_days", low=0, low_inclusive=False, example="90")
    recency = segmented["recency_days"]
    if not pd.api.types.is_numeric_dtype(recency) or pd.api.types.is_bool_dtype(recency) or recency.isna().any():
        raise DataValidationError(
            f"{func}: column 'recency_days' must hold a number of days for every customer, got {recency.dtype}.",
            column="recency_days", rows=segmented[["recency_days"]].head(),
            suggestion="pass crmlib.segment.rfm_scores(...).",
        )
    return (recency <= within_days).rename("direct_mail")


def resource_allocation(
    segmented: pd.DataFrame,
    actions: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
    *,
    within_days: int = 90,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Segment by segment: share of customers and revenue, action, channel, DM reach.

    Parameters
    ----------
    segmented : DataFrame
        Output of :func:`~crmlib.segment.assign_segments`.
    actions : DataFrame or dict, optional
        Indexed (or keyed) by segment name, with at least ``action`` and ``channel``;
        default :func:`default_segment_actions`. Segments without an entry get empty
        action cells; names that are not segments raise an error.
    within_days : int, default 90
        Recency window of the direct-mail rule.
    order : sequence of str, optional
        Row order (segment names); default the rule order.

    Returns
    -------
    DataFrame
        Indexed by segment: ``label``, ``customers``, ``share_customers``,
        ``share_revenue``, ``revenue_per_customer``, the action columns, then
        ``dm_eligible`` (customers who bought within ``within_days``) and
        ``dm_eligible_share`` (of the segment).

    Raises
    ------
    DataValidationError
        When ``actions`` names a segment that does not exist.
    """
    prof = segment_profile(segmented, order=order)
    if actions is None:
        acts = default_segment_actions()
    elif isinstance(actions, pd.DataFrame):
        acts = actions.set_index("segment") if "segment" in actions.columns else actions
    else:
        acts = pd.DataFrame.from_dict(dict(actions), orient="index")
    check_segment_names(list(acts.index), list(prof.index), "the action table")
    for col in ("action", "channel"):
        if col not in acts.columns:
            raise DataValidationError(
                f"The action table has no {col!r} column.", column=col,
                suggestion="give each segment an 'action' and a 'channel' (see default_segment_actions()).",
            )
    dm = _eligible(segmented, within_days, "resource_allocation")
    seg = segmented["segment"].astype("str")
    reach = dm.groupby(seg).sum().reindex(prof.index, fill_value=0).astype("int64")
    out = prof[["label", "customers", "share_customers", "share_revenue", "revenue_per_customer"]].copy()
    out = out.join(acts.reindex(prof.index).fillna(""))
    out["dm_eligible"] = reach
    out["dm_eligible_share"] = reach / out["customers"].where(out["customers"] > 0)
    out.attrs["within_days"] = within_days
    out.attrs["dm_eligible_total"] = int(dm.sum())
    out.attrs["dm_eligible_share_total"] = float(np.mean(dm))
    return out
