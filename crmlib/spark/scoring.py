"""From a Spark summary to a fitted model and back: ``collapse`` and ``score``.

The models fit on the driver. A BTYD likelihood depends on a customer only through
(frequency, recency, T), so customers sharing a pattern share a term: the driver needs
the unique patterns and how many customers each holds, never the customers themselves
(``docs/scale.md`` measures how many patterns there are). Scoring goes back out to the
executors: the fitted model travels inside the ``mapInPandas`` function and every batch
of customers is scored by the model's own pandas methods, so a Spark score equals the
pandas prediction of the same customer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.spark._common import (
    _NUMERIC,
    DataFrame,
    F,
    SparkSummary,
    T,
    check_spark_frame,
    quiet,
    to_pandas,
)

__all__ = ["collapse", "score"]

_CAL = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T", "monetary_value_cal": "monetary_value"}


def _frame_attrs(summary: Any, func: str) -> tuple[DataFrame, dict]:
    if isinstance(summary, SparkSummary):
        frame, attrs = summary.frame, dict(summary.attrs)
    else:
        frame, attrs = summary, {}
    frame = check_spark_frame(frame, func=func, what="summary")
    if "frequency" not in frame.columns and "frequency_cal" in frame.columns:
        # a calibration/holdout split: its calibration columns, as crmlib.clv.calibration_summary
        frame = frame.select(*[F.col(c).alias(_CAL.get(c, c)) for c in frame.columns if not c.endswith("_holdout")])
        if "calibration_end" in attrs:
            attrs["observation_end"] = attrs["calibration_end"]
    return frame, attrs


def _require(frame: DataFrame, columns: Sequence[str], func: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{func}: column {', '.join(map(repr, missing))} not found in the summary. "
            f"Available columns: {', '.join(map(repr, frame.columns))}.",
            column=missing[0],
            suggestion="pass the result of crmlib.spark.rfm_summary or crmlib.spark.calibration_holdout_split.",
        )
    types = {f.name: f.dataType for f in frame.schema.fields}
    for c in columns:
        if not isinstance(types[c], _NUMERIC):
            raise DataValidationError(
                f"{func}: column {c!r} must be numeric, got {types[c].simpleString()}.", column=c,
                suggestion="pass the result of crmlib.spark.rfm_summary.",
            )


def collapse(
    summary: SparkSummary | DataFrame,
    columns: Sequence[str] = ("frequency", "recency", "T"),
) -> pd.DataFrame:
    """The unique rows of a Spark summary with their counts, as a pandas DataFrame.

    A CLV model fitted on the result (its ``weights`` column says how many customers a
    row stands for) reaches the same parameters as on the full summary, because the
    likelihood of identical rows is the same term counted ``weights`` times.

    Parameters
    ----------
    summary : SparkSummary or pyspark.sql.DataFrame
        From :func:`crmlib.spark.rfm_summary` or
        :func:`crmlib.spark.calibration_holdout_split` (whose ``*_cal`` columns are
        renamed, as :func:`crmlib.clv.calibration_summary` does).
    columns : sequence of str, default ("frequency", "recency", "T")
        The pattern to group on. ``("frequency", "monetary_value")`` feeds
        :class:`crmlib.clv.GammaGamma`.

    Returns
    -------
    DataFrame
        ``columns`` and ``weights`` (int64), sorted by ``columns``; ``attrs`` carry the
        summary's ``time_unit``, ``freq`` and ``observation_end``, and ``n_customers``.

    Raises
    ------
    DataValidationError
        Not a Spark summary, a missing or non-numeric column, missing values, or an
        empty summary.

    Examples
    --------
    With a Spark session ``spark``::

        rows = collapse(rfm_summary(log, observation_end="1997-09-30", time_unit="W"))
        BetaGeo().fit(rows)           # the same parameters as on the pandas summary
    """
    func = "collapse"
    frame, attrs = _frame_attrs(summary, func)
    columns = list(columns)
    _require(frame, columns, func)
    nulls = F.sum(F.greatest(*[F.col(c).isNull().cast("int") for c in columns], F.lit(0)))
    grouped = frame.groupBy(*columns).agg(F.count(F.lit(1)).alias("weights"), nulls.alias("__nulls"))
    out = to_pandas(grouped)
    if int(out["__nulls"].sum()):
        raise DataValidationError(
            f"{func}: {int(out['__nulls'].sum()):,} customers have a missing value in {columns}.",
            rows=out.loc[out["__nulls"] > 0, columns].head(),
            suggestion="pass the result of crmlib.spark.rfm_summary, which has no missing values.",
        )
    if not len(out):
        raise DataValidationError(f"{func}: the summary is empty (0 customers).",
                                  suggestion="check the log and the observation end.")
    out = out.drop(columns="__nulls").sort_values(columns, kind="stable").reset_index(drop=True)
    out["weights"] = out["weights"].astype("int64")
    out.attrs = {k: v for k, v in attrs.items() if k in ("time_unit", "freq", "observation_end", "calibration_end")}
    out.attrs["n_customers"] = int(out["weights"].sum())
    return out


def score(
    summary: SparkSummary | DataFrame,
    model: Any,
    *,
    horizon: str | pd.Timedelta = "52W",
    spend_model: Any = None,
    step: str | pd.Timedelta = "W",
    annual_discount_rate: float = 0.10,
    margin: float = 1.0,
) -> DataFrame:
    """Score every customer of a Spark summary with a fitted CLV model, on the executors.

    Each batch of customers goes through the model's own pandas methods
    (``p_alive``, ``expected_purchases`` and, with a spend model, ``clv``) inside
    ``mapInPandas``: the same numbers as the pandas predictions, computed where the data
    is. Arguments are checked on the driver first, so a wrong horizon or unit fails
    before any Spark job.

    Parameters
    ----------
    summary : SparkSummary or pyspark.sql.DataFrame
        ``customer_id``, ``frequency``, ``recency``, ``T`` (and ``monetary_value`` with a
        spend model), in the model's time unit, e.g. from :func:`crmlib.spark.rfm_summary`.
    model : fitted BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted on the driver, e.g. on :func:`collapse`'s output.
    horizon : str or Timedelta, default "52W"
        Forecast window with its unit (``"52W"``, ``"12M"``, ``"90D"``).
    spend_model : fitted GammaGamma, optional
        With it, ``expected_spend`` and ``clv`` are added (``model.clv``).
    step, annual_discount_rate, margin
        As in ``model.clv``.

    Returns
    -------
    pyspark.sql.DataFrame
        ``customer_id``, ``p_alive``, ``expected_purchases`` (over ``horizon``) and, with
        a spend model, ``expected_spend`` and ``clv``. Lazy: nothing runs until it is
        written or collected.

    Raises
    ------
    DataValidationError
        A model that is not a fitted continuous-time model, a summary in another time
        unit than the model, a bad horizon, step, rate or margin, or missing columns.

    Examples
    --------
    With a Spark session ``spark``::

        s = rfm_summary(log, observation_end="1997-09-30", time_unit="W")
        bg = BetaGeo().fit(collapse(s))
        gg = GammaGamma().fit(collapse(s, ["frequency", "monetary_value"]))
        score(s, bg, horizon="52W", spend_model=gg).write.parquet("scores/")
    """
    from crmlib.clv._continuous import ContinuousTimeModel

    func = "score"
    if not isinstance(model, ContinuousTimeModel):
        raise DataValidationError(
            f"{func}: model must be a BetaGeo, ModifiedBetaGeo or ParetoNBD, got {type(model).__name__}.",
            suggestion="fit one of crmlib.clv's continuous-time models on crmlib.spark.collapse(summary).",
        )
    model._check_fitted()
    frame, attrs = _frame_attrs(summary, func)
    needed = ["frequency", "recency", "T"] + (["monetary_value"] if spend_model is not None else [])
    _require(frame, needed, func)
    if "customer_id" not in frame.columns:
        raise DataValidationError(f"{func}: the summary has no 'customer_id' column.", column="customer_id",
                                  suggestion="pass the result of crmlib.spark.rfm_summary.")
    unit = attrs.get("time_unit")
    probe = pd.DataFrame({c: [1.0] for c in needed}).assign(frequency=[1], recency=[1.0], T=[2.0])
    probe.attrs = {"time_unit": unit} if unit is not None else {}
    # every argument is checked here, on the driver, by the model's own methods
    if spend_model is not None:
        spend_model._check_fitted()
        model.clv(probe, spend_model, horizon=horizon, step=step, annual_discount_rate=annual_discount_rate,
                  margin=margin)
        names = ["p_alive", "expected_purchases", "expected_spend", "clv"]
    else:
        model.expected_purchases(probe, horizon)
        names = ["p_alive", "expected_purchases"]
    schema = T.StructType([T.StructField("customer_id", T.StringType())]
                          + [T.StructField(n, T.DoubleType()) for n in names])
    columns = ["customer_id", *needed]

    def batches(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in frames:
            if not len(pdf):
                continue
            s = pdf.set_index("customer_id")
            s.attrs = dict(probe.attrs)
            if spend_model is not None:
                res = model.clv(s, spend_model, horizon=horizon, step=step,
                                annual_discount_rate=annual_discount_rate, margin=margin)[names]
            else:
                res = pd.DataFrame({"p_alive": model.p_alive(s),
                                    "expected_purchases": model.expected_purchases(s, horizon)})
            yield res.reset_index(names="customer_id")

    with quiet():
        return frame.select(*columns).mapInPandas(batches, schema)
