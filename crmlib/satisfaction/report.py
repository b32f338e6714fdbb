"""Report-ready tables and generated sentences for a loyalty curve.

The notebook ``04_satisfaction_to_loyalty`` (and ``crmlib report``) show a
:class:`~crmlib.satisfaction.LoyaltyCurve` as a rounded table with headers a person can
read, and describe it in sentences whose every number is recorded by a
:class:`~crmlib.narrative.Narrative` and cites the saved table, so
:func:`~crmlib.narrative.check_claims` can verify it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.curve import LoyaltyCurve

if TYPE_CHECKING:
    from crmlib.narrative import Narrative

__all__ = ["CURVE_TABLE_COLUMNS", "CurveDescription", "curve_table", "describe_curve", "differences_table"]

#: Headers of :func:`curve_table`, in order.
CURVE_TABLE_COLUMNS = (
    "Respondents", "Loyal", "Share loyal", "95% CI low", "95% CI high", "Monotone fit", "Zone", "Share of respondents",
)


def _check_curve(curve: object, func: str) -> LoyaltyCurve:
    if not isinstance(curve, LoyaltyCurve):
        raise DataValidationError(
            f"{func} needs a LoyaltyCurve, got {type(curve).__name__}.",
            suggestion=f"build the curve with crmlib.satisfaction.loyalty_curve(scores, outcome) and pass it to {func}.",
        )
    return curve


def curve_table(curve: LoyaltyCurve) -> pd.DataFrame:
    """A loyalty curve's table, rounded, with headers a person can read.

    Parameters
    ----------
    curve : LoyaltyCurve
        From :func:`~crmlib.satisfaction.loyalty_curve`.

    Returns
    -------
    DataFrame
        Indexed by ``Level`` (float), one row per level of the scale (empty levels
        included, with 0 respondents and NaN shares), columns
        :data:`CURVE_TABLE_COLUMNS`: counts as integers, shares rounded to 3 decimals
        (fractions, not percentages).

    Raises
    ------
    DataValidationError
        ``curve`` is not a :class:`~crmlib.satisfaction.LoyaltyCurve`.

    Examples
    --------
    >>> from crmlib.satisfaction import generate_survey, loyalty_curve
    >>> curve = loyalty_curve("satisfaction", "loyal", data=generate_survey(2_000, random_state=0),
    ...                       n_sim=19, n_boot=0)
    >>> t = curve_table(curve)
    >>> t.index.name, list(t.index)
    ('Level', [1.0, 2.0, 3.0, 4.0, 5.0])
    >>> list(t.columns[:3])
    ['Respondents', 'Loyal', 'Share loyal']
    >>> int(t["Respondents"].sum())
    2000
    """
    t = _check_curve(curve, "curve_table").table
    return pd.DataFrame(
        {
            "Respondents": t["n"].astype("int64").to_numpy(),
            "Loyal": t["n_loyal"].astype("int64").to_numpy(),
            "Share loyal": t["rate"].round(3).to_numpy(),
            "95% CI low": t["ci_low"].round(3).to_numpy(),
            "95% CI high": t["ci_high"].round(3).to_numpy(),
            "Monotone fit": t["isotonic"].round(3).to_numpy(),
            "Zone": t["zone"].to_numpy(),
            "Share of respondents": t["share"].round(3).to_numpy(),
        },
        index=pd.Index(t["level"].astype("float64").to_numpy(), name="Level"),
    )


def differences_table(curve: LoyaltyCurve, label: str) -> pd.DataFrame:
    """Loyalty difference between adjacent levels, rounded, one row per step.

    The differences compare respondents at different levels (an association, not the
    effect of raising anyone's satisfaction); see
    :meth:`~crmlib.satisfaction.LoyaltyCurve.adjacent_differences`.

    Parameters
    ----------
    curve : LoyaltyCurve
    label : str
        Names the data (e.g. ``"the airline survey"``): put in a ``Data`` column and in
        each row's key, so tables of several curves can be concatenated.

    Returns
    -------
    DataFrame
        Indexed by ``Step`` (``"<label>: 4 to 5"``); differences in percentage points
        rounded to 1 decimal (on the monotone fit, observed, and the observed
        difference's Newcombe interval) and the respondents at each end.

    Raises
    ------
    DataValidationError
        ``curve`` is not a LoyaltyCurve, or ``label`` is not a non-empty string.

    Examples
    --------
    >>> from crmlib.satisfaction import generate_survey, loyalty_curve
    >>> curve = loyalty_curve("satisfaction", "loyal", data=generate_survey(2_000, random_state=0),
    ...                       n_sim=19, n_boot=0)
    >>> d = differences_table(curve, "simulated")
    >>> list(d.index)
    ['simulated: 1 to 2', 'simulated: 2 to 3', 'simulated: 3 to 4', 'simulated: 4 to 5']
    >>> bool(d.loc["simulated: 4 to 5", "Respondents at upper level"] == curve.table["n"].iloc[-1])
    True
    """
    curve = _check_curve(curve, "differences_table")
    if not isinstance(label, str) or not label.strip():
        raise DataValidationError(
            f"label must be a non-empty string naming the data, got {label!r}.",
            suggestion='pass e.g. differences_table(curve, "the airline survey").',
        )
    d = curve.adjacent_differences()
    return pd.DataFrame(
        {
            "Data": label,
            "From level": d["from_level"].to_numpy(),
            "To level": d["to_level"].to_numpy(),
            "Difference in share loyal, monotone fit (points)": (100 * d["difference_isotonic"]).round(1).to_numpy(),
            "Observed difference (points)": (100 * d["difference"]).round(1).to_numpy(),
            "95% CI low (points)": (100 * d["ci_low"]).round(1).to_numpy(),
            "95% CI high (points)": (100 * d["ci_high"]).round(1).to_numpy(),
            "Respondents at lower level": d["n_from"].astype("int64").to_numpy(),
            "Respondents at upper level": d["n_to"].astype("int64").to_numpy(),
        },
        index=pd.Index([f"{label}: {a:g} to {b:g}" for a, b in zip(d["from_level"], d["to_level"], strict=True)],
                       name="Step"),
    )


class CurveDescription(NamedTuple):
    """Generated sentences about one loyalty curve (see :func:`describe_curve`)."""

    sentence: str
    """Loyalty at the lowest and top levels, whether they clearly differ, the steepest step."""
    knee: str
    """Whether the knee test finds a clear bend."""
    ends: str
    """How many respondents sit at the end levels."""


def describe_curve(
    curve: LoyaltyCurve,
    story: Narrative,
    *,
    table_name: str,
    key: str,
    source: str,
    table: pd.DataFrame | None = None,
) -> CurveDescription:
    """Sentences about a loyalty curve, every number recorded by ``story``.

    The rates and counts cite ``table`` (saved by the caller as
    ``tables/<table_name>.csv``), so :func:`~crmlib.narrative.check_claims` can check
    them. The comparison of the two ends branches on their intervals: clearly more
    loyal, clearly less loyal, or not clearly different.

    Parameters
    ----------
    curve : LoyaltyCurve
    story : Narrative
        Records each stated number.
    table_name : str
        File stem of the saved curve table (under ``tables/``).
    key : str
        Prefix of the recorded numbers' names (``"<key>_rate_top"``, ...).
    source : str
        Names the data in the sentence ("the airline survey").
    table : DataFrame, optional
        The saved :func:`curve_table` of ``curve``; built from ``curve`` when omitted
        (then save that same table under ``table_name``).

    Returns
    -------
    CurveDescription
        ``(sentence, knee, ends)``.

    Raises
    ------
    DataValidationError
        ``curve`` is not a LoyaltyCurve, or it has no respondents.

    Examples
    --------
    >>> import tempfile
    >>> from crmlib.narrative import Narrative
    >>> from crmlib.satisfaction import generate_survey, loyalty_curve
    >>> story = Narrative(tempfile.mkdtemp(), display=False)
    >>> curve = loyalty_curve("satisfaction", "loyal", data=generate_survey(5_000, random_state=0),
    ...                       n_sim=99, n_boot=0)
    >>> text = describe_curve(curve, story, table_name="curve", key="sim", source="a simulated survey")
    >>> "clearly more loyal than the least satisfied" in text.sentence
    True
    >>> text.knee
    'The knee test finds a clear bend at level 4.'
    >>> [c.name for c in story.claims][:2]
    ['sim_rate_lowest', 'sim_rate_top']
    """
    curve = _check_curve(curve, "describe_curve")
    table = curve_table(curve) if table is None else table
    t = table[table["Respondents"] > 0]
    if t.empty:
        raise DataValidationError(
            f"The curve of {source} has no respondents at any level: there is nothing to describe.",
            suggestion="check the scores and the scale passed to loyalty_curve.",
        )
    lo, hi = float(t.index[0]), float(t.index[-1])
    kw = {"table": table_name}
    lo_rate = story.share(f"{key}_rate_lowest", t.loc[lo, "Share loyal"], row=lo, column="Share loyal", **kw)
    hi_rate = story.share(f"{key}_rate_top", t.loc[hi, "Share loyal"], row=hi, column="Share loyal", **kw)
    n_lo = story.number(f"{key}_n_lowest", t.loc[lo, "Respondents"], row=lo, column="Respondents", **kw)
    n_hi = story.number(f"{key}_n_top", t.loc[hi, "Respondents"], row=hi, column="Respondents", **kw)
    if t.loc[hi, "95% CI low"] > t.loc[lo, "95% CI high"]:
        ends_cmp = "the most satisfied are clearly more loyal than the least satisfied"
    elif t.loc[hi, "95% CI high"] < t.loc[lo, "95% CI low"]:
        ends_cmp = "the most satisfied are clearly less loyal than the least satisfied"
    else:
        ends_cmp = "the two ends' 95% intervals overlap, so they are not clearly different"
    best = curve.steepest_step()
    a, b = float(best["from_level"]), float(best["to_level"])
    step = story.number(f"{key}_steepest_step_points", 100 * best["difference_isotonic"], decimals=1, unit="points")
    if curve.knee.found:
        knee_text = f"The knee test finds a clear bend at level {curve.knee.level:g}."
    else:
        knee_text = "The knee test finds no sharp knee: a bend is either not statistically clear or not clearly large."
    ends = float(t["Share of respondents"].iloc[[0, -1]].sum()) if len(t) > 1 else 1.0
    ends_text = (
        f"{story.share(f'{key}_share_at_ends', ends)} of respondents sit at the end levels {lo:g} and {hi:g}, "
        + story.choose(ends < 0.2, "so those levels rest on fewer respondents and get wider intervals.",
                       "so the end levels are well populated.")
    )
    plural = "" if t.loc[lo, "Respondents"] == 1 else "s"
    sentence = (
        f"On {source}, the share loyal is {lo_rate} at level {lo:g} ({n_lo} respondent{plural}) and {hi_rate} at "
        f"level {hi:g} ({n_hi}): {ends_cmp}. On the monotone fit, loyalty differs most between levels {a:g} and "
        f"{b:g} ({step})."
    )
    return CurveDescription(sentence, knee_text, ends_text)
