"""Measures behind docs/scale.md: Spark throughput in local mode, and how many unique
(frequency, recency, T) rows a summary has as customers and history grow.

1. Throughput: the same analysis (validate the raw log with ``read_transactions``, then
   ``rfm_summary``) on pandas, DuckDB and Spark (``local[2]``), on one seeded synthetic
   log at the CDNOW parameters, read from the same parquet file. Spark's time includes
   the validation jobs and writes the summary to Spark's ``noop`` sink, so every row is
   processed and nothing is collected.
2. Unique-row growth: summaries of seeded logs whose sign-ups are spread over the whole
   history (a log of ``years`` years), for a grid of customers x years, at day
   resolution (``freq="D"``, recency and T in weeks) and week resolution
   (``freq="W"``); the count of unique (x, t_x, T) rows is what the driver collects
   (:func:`crmlib.spark.collapse`) and fits on.

Usage::

    python benchmarks/bench_spark.py                  # 2M-line throughput, grid to 1M customers
    python benchmarks/bench_spark.py --quick          # 500k lines, grid to 100k customers
    python benchmarks/bench_spark.py --json out.json  # also write the numbers
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

#: customers per line at the CDNOW parameters (about 2.3 lines per customer)
LINES_PER_CUSTOMER = 2.3


def make_raw(n_lines: int, path: Path, seed: int = 2024) -> dict:
    """A raw log as a data lake would hold it: integer ids, timestamps, amounts."""
    from crmlib.datasets import generate_bgnbd_transactions

    tx = generate_bgnbd_transactions(int(n_lines / LINES_PER_CUSTOMER), random_state=seed, cohort_days=84,
                                     observation_weeks=39)
    end = tx.attrs["observation_end"]
    raw = tx.rename(columns={"customer_id": "CustomerID", "date": "InvoiceDate", "amount": "Amount"})
    raw["InvoiceDate"] = raw["InvoiceDate"].astype("datetime64[us]")
    raw = raw.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # a lake is not sorted
    raw.to_parquet(path, index=False)
    return {"rows": len(raw), "customers": int(raw["CustomerID"].nunique()), "observation_end": str(pd.Timestamp(end).date())}


COLUMNS = {"customer": "CustomerID", "date": "InvoiceDate", "amount": "Amount"}


def run_pandas(path: Path, end: str, engine: str) -> float:
    import crmlib
    from crmlib.features import rfm_summary

    t0 = time.perf_counter()
    raw = pd.read_parquet(path)
    tx, _ = crmlib.read_transactions(raw, observation_end=end, **COLUMNS)
    rfm_summary(tx, observation_end=end, time_unit="W", engine=engine)
    return time.perf_counter() - t0


def run_spark(spark, path: Path, end: str) -> dict:
    import crmlib.spark as cs

    t0 = time.perf_counter()
    raw = spark.read.parquet(str(path))
    tx, report = cs.read_transactions(raw, observation_end=end, **COLUMNS)
    t1 = time.perf_counter()
    summary = cs.rfm_summary(tx, observation_end=end, time_unit="W")
    summary.frame.write.format("noop").mode("overwrite").save()
    t2 = time.perf_counter()
    exchanges = summary.frame._jdf.queryExecution().executedPlan().toString().count("Exchange hashpartitioning")
    return {"seconds": t2 - t0, "validate_seconds": t1 - t0, "rfm_seconds": t2 - t1, "rows_used": report.rows_used,
            "summary": summary, "log_shuffles": exchanges}


def run_scoring(summary) -> dict:
    """Collapse, fit BG/NBD and Gamma-Gamma on the driver, score every customer on Spark."""
    import crmlib.spark as cs
    from crmlib.clv import BetaGeo, GammaGamma

    t0 = time.perf_counter()
    rows = cs.collapse(summary)
    t1 = time.perf_counter()
    bg = BetaGeo().fit(rows)
    gg = GammaGamma().fit(cs.collapse(summary, ["frequency", "monetary_value"]))
    t2 = time.perf_counter()
    cs.score(summary, bg, horizon="52W", spend_model=gg).write.format("noop").mode("overwrite").save()
    t3 = time.perf_counter()
    return {"collapse_seconds": t1 - t0, "unique_rows": len(rows), "fit_seconds": t2 - t1,
            "score_seconds": t3 - t2, "customers": int(rows["weights"].sum())}


def unique_rows(n_customers: int, years: int, seed: int = 7) -> dict:
    """Unique (x, t_x, T) at day and week resolution for sign-ups spread over ``years``."""
    from crmlib.clv._collapse import collapse
    from crmlib.datasets import generate_bgnbd_transactions
    from crmlib.features import rfm_summary

    tx = generate_bgnbd_transactions(n_customers, random_state=seed, cohort_days=int(365 * years),
                                     observation_weeks=1.0)
    end = tx.attrs["observation_end"]
    tx["customer_id"] = tx["customer_id"].astype("str")
    out = {"customers": n_customers, "years": years, "lines": len(tx)}
    for label, freq in (("day", "D"), ("week", "W")):
        s = rfm_summary(tx, observation_end=end, freq=freq, time_unit="W")
        c = collapse({k: s[k].to_numpy() for k in ("frequency", "recency", "T")})
        out[f"unique_{label}"] = c.n_rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500k lines; grid up to 100k customers")
    ap.add_argument("--rows", type=int, default=None, help="lines of the throughput log (default 2M)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    args = ap.parse_args()
    n_lines = args.rows or (500_000 if args.quick else 2_000_000)
    grid_customers = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    grid_years = [1, 2, 5]
    results: dict = {}

    print(f"1. Throughput: read_transactions + rfm_summary, about {n_lines:,} lines", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        info = make_raw(n_lines, path)
        results["log"] = info
        end = info["observation_end"]
        rows = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows["pandas"] = run_pandas(path, end, "pandas")
            rows["duckdb"] = run_pandas(path, end, "duckdb")
            from crmlib.spark import local_session

            spark = local_session(2, shuffle_partitions=4, driver_memory="3g", app_name="crmlib-bench")
            run_spark(spark, path, end)  # warm-up: JVM code generation and JIT
            sp = run_spark(spark, path, end)
            sc = run_scoring(sp.pop("summary"))
            spark.stop()
        rows["spark"] = sp["seconds"]
        print(f"   log: {info['rows']:,} lines, {info['customers']:,} customers (shuffled, parquet)")
        for name, sec in rows.items():
            print(f"   {name:<7} {sec:7.2f} s   {info['rows'] / sec:>12,.0f} lines/s")
        print(f"   spark: validation {sp['validate_seconds']:.2f} s (counts, checks), rfm_summary "
              f"{sp['rfm_seconds']:.2f} s ({info['rows'] / sp['rfm_seconds']:,.0f} lines/s)")
        print(f"   spark plan: {sp['log_shuffles']} hash exchange(s) of the log in rfm_summary")
        print(f"   scoring: collapse {sc['collapse_seconds']:.2f} s -> {sc['unique_rows']:,} unique rows; "
              f"BG/NBD + Gamma-Gamma fit on the driver {sc['fit_seconds']:.2f} s; score() of "
              f"{sc['customers']:,} customers {sc['score_seconds']:.2f} s "
              f"({sc['customers'] / sc['score_seconds']:,.0f} customers/s, P(alive), purchases, CLV)")
        results["throughput"] = {**{k: {"seconds": v, "lines_per_second": info["rows"] / v} for k, v in rows.items()},
                                 "spark_detail": sp, "scoring": sc}

    print("2. Unique (x, t_x, T) rows; sign-ups spread over the whole history; recency and T in weeks", flush=True)
    print(f"   {'customers':>10} {'years':>5} {'lines':>11} {'unique, day':>12} {'share':>7} {'unique, week':>13} {'share':>7}")
    grid = []
    for n in grid_customers:
        for y in grid_years:
            r = unique_rows(n, y)
            grid.append(r)
            print(f"   {n:>10,} {y:>5} {r['lines']:>11,} {r['unique_day']:>12,} {r['unique_day'] / n:>7.1%} "
                  f"{r['unique_week']:>13,} {r['unique_week'] / n:>7.1%}", flush=True)
    results["unique_rows"] = grid
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print("One run of: OMP_NUM_THREADS=1 python benchmarks/bench_spark.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
