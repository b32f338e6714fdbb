"""RFM summary at 1M and 10M transactions: crmlib vs lifetimes vs a plain pandas groupby.

All three compute the same thing (daily periods, frequency/recency/T in days, monetary
value as the mean spend of repeat days) on the same seeded synthetic log, each in its own
fresh process. The log is in crmlib's canonical form: text customer ids, sorted by
customer and date, as ``read_transactions`` returns it; a shuffled copy shows the
unsorted case.

Usage::

    python benchmarks/bench_rfm.py            # 1M and 10M transactions
    python benchmarks/bench_rfm.py --quick    # 1M only, for a fast look
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure, run_case  # noqa: E402

# customers giving about 1M / 10M transactions at the CDNOW parameters (2.3 lines each)
SIZES = {"1M": 432_000, "10M": 4_320_000}
END = None  # taken from the generated log


def make_log(n_customers: int, path: Path, seed: int = 2024) -> str:
    from crmlib.datasets import generate_bgnbd_transactions

    tx = generate_bgnbd_transactions(n_customers, random_state=seed, cohort_days=84, observation_weeks=39)
    end = tx.attrs["observation_end"]
    tx["customer_id"] = ("C" + tx["customer_id"].astype("str").str.zfill(8)).astype("str")
    tx = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    tx.to_parquet(path / "sorted.parquet")
    tx.sample(frac=1, random_state=seed).reset_index(drop=True).to_parquet(path / "shuffled.parquet")
    return end


# ------------------------------------------------------------------ the three methods


def crmlib_summary(tx, end, engine="auto"):
    from crmlib.features import rfm_summary

    return rfm_summary(tx, observation_end=end, freq="D", engine=engine)


def lifetimes_summary(tx, end):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data

        return summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end, freq="D"
        )


def plain_groupby(tx, end):
    """What a pandas user would write for the same summary."""
    d = tx.assign(day=tx["date"].dt.floor("D"))
    per_day = d.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    g = per_day.groupby("customer_id")
    out = g.agg(first=("day", "min"), last=("day", "max"), n=("day", "size"), total=("amount", "sum"))
    first_amount = g["amount"].first()  # per_day is sorted by customer, day
    out["frequency"] = out["n"] - 1
    out["recency"] = (out["last"] - out["first"]).dt.days.astype(float)
    out["T"] = (pd.Timestamp(end) - out["first"]).dt.days.astype(float)
    repeat = out["total"] - first_amount
    out["monetary_value"] = (repeat / out["frequency"]).where(out["frequency"] > 0, 0.0)
    return out[["frequency", "recency", "T", "monetary_value"]]


def duckdb_sql(tx, end):
    """A DuckDB query a user would write by hand for the same summary, over the DataFrame.

    Sorted by customer id and returned as pandas, like crmlib's result.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.register("tx", tx)
        return con.sql(
            f"""
            WITH days AS (
                SELECT customer_id, CAST(date AS DATE) AS day, sum(amount) AS amount
                FROM tx GROUP BY customer_id, day
            )
            SELECT customer_id,
                   count(*) - 1 AS frequency,
                   date_diff('day', min(day), max(day))::DOUBLE AS recency,
                   date_diff('day', min(day), DATE '{pd.Timestamp(end):%Y-%m-%d}')::DOUBLE AS T,
                   CASE WHEN count(*) > 1 THEN (sum(amount) - arg_min(amount, day)) / (count(*) - 1)
                        ELSE 0 END AS monetary_value
            FROM days GROUP BY customer_id ORDER BY customer_id
            """
        ).df().set_index("customer_id")
    finally:
        con.close()


METHODS = {
    "crmlib": lambda tx, end: crmlib_summary(tx, end),
    "crmlib[pandas]": lambda tx, end: crmlib_summary(tx, end, "pandas"),
    "crmlib[duckdb]": lambda tx, end: crmlib_summary(tx, end, "duckdb"),
    # the file straight into DuckDB: pandas never holds the rows (input "loaded" = nothing)
    "crmlib[parquet file]": lambda path, end: crmlib_summary(path, end),
    "lifetimes": lifetimes_summary,
    "plain groupby": plain_groupby,
    "duckdb SQL by hand": duckdb_sql,
}
ENGINES = ("crmlib[pandas]", "crmlib[duckdb]")


# ------------------------------------------------------------------ RFMClusters

CLUSTER_CUSTOMERS = 10_000
CHOSEN = {}


def cluster_scores(n_customers: int = CLUSTER_CUSTOMERS, seed: int = 7):
    from crmlib.datasets import generate_bgnbd_transactions
    from crmlib.segment import rfm_scores

    tx = generate_bgnbd_transactions(n_customers, random_state=seed)
    return rfm_scores(crmlib_summary(tx, tx.attrs["observation_end"]))


def fit_clusters(scores, sample):
    from crmlib.segment import RFMClusters

    model = RFMClusters(silhouette_sample=sample).fit(scores)
    CHOSEN["k"] = int(model.n_clusters_)
    return model


CLUSTER_METHODS = {
    # k chosen on a seeded sample of 2,000 customers (3 restarts per candidate), then the
    # chosen k fitted on everyone (10 restarts)
    "RFMClusters": lambda scores: fit_clusters(scores, 2000),
    # the old way: every candidate k fitted on everyone, silhouette over all pairs
    "RFMClusters, full silhouette": lambda scores: fit_clusters(scores, None),
}


def child(case: str, path: str, end: str, repeat: int) -> None:
    method, variant = case.split("@")
    if method in CLUSTER_METHODS:
        scores = cluster_scores()
        stats = measure(CLUSTER_METHODS[method], scores, repeat=repeat)
        print(json.dumps({**stats, "k": CHOSEN["k"], "customers": len(scores)}))
        return
    if method == "crmlib[parquet file]":
        stats = measure(METHODS[method], str(Path(path) / f"{variant}.parquet"), end, repeat=repeat)
        print(json.dumps(stats))
        return
    tx = pd.read_parquet(Path(path) / f"{variant}.parquet")
    # hand back the parquet reader's scratch memory, so "whole process" means the log
    # itself plus what the method needs
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    stats = measure(METHODS[method], tx, end, repeat=repeat)
    print(json.dumps(stats))


def check_agreement(path: Path, end: str) -> dict:
    tx = pd.read_parquet(path / "sorted.parquet")
    ours = crmlib_summary(tx, end)[["frequency", "recency", "T", "monetary_value"]]
    diffs = {}
    for name, fn in (("lifetimes", lifetimes_summary), ("plain groupby", plain_groupby), ("duckdb SQL by hand", duckdb_sql)):
        theirs = fn(tx, end).loc[ours.index, ours.columns]
        diffs[name] = float(np.nanmax(np.abs(ours.to_numpy(float) - theirs.to_numpy(float))))
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1M transactions only")
    parser.add_argument("--case")
    parser.add_argument("--path")
    parser.add_argument("--end")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.case:
        child(args.case, args.path, args.end, args.repeat)
        return 0

    sizes = ["1M"] if args.quick else ["1M", "10M"]
    print("RFM summary benchmark: wall time (median) and peak memory, each case in a fresh process")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            folder = Path(tmp) / size
            folder.mkdir()
            t0 = time.perf_counter()
            end = make_log(SIZES[size], folder)
            n_rows = len(pd.read_parquet(folder / "sorted.parquet", columns=["amount"]))
            print(f"\n{size}: {n_rows:,} transactions of {SIZES[size]:,} customers (generated in {time.perf_counter() - t0:.0f} s)")
            if size == "1M":
                print("  max |difference| vs crmlib:", {k: f"{v:.1e}" for k, v in check_agreement(folder, end).items()})
            repeat = 3  # median of 3 for every method: the first call pays warm-up costs
            for variant in ("sorted", "shuffled"):
                for method in METHODS:
                    if variant == "shuffled" and method == "lifetimes":
                        continue  # lifetimes sorts internally; order changes nothing for it
                    stats = run_case(__file__, f"{method}@{variant}", "--path", str(folder), "--end", end,
                                     "--repeat", str(repeat))
                    rows.append({"size": size, "input": variant, "method": method, **stats})
                    print(f"  {variant:8s} {method:20s} {stats['seconds']:7.2f} s   peak {stats['peak_bytes'] / 2**30:5.2f} GiB"
                          f"  (+{stats['extra_bytes'] / 2**30:.2f} GiB over the loaded log)", flush=True)
    print(f"\nRFMClusters on {CLUSTER_CUSTOMERS:,} customers (k in 2..8, median of 3, fresh process each):")
    got = {}
    for method in CLUSTER_METHODS:
        got[method] = run_case(__file__, f"{method}@{CLUSTER_CUSTOMERS}", "--repeat", "3")
        rows.append({"size": f"{CLUSTER_CUSTOMERS // 1000}k customers", "input": "scores", "method": method,
                     **{k: v for k, v in got[method].items() if k in ("seconds", "peak_bytes", "input_bytes", "extra_bytes")}})
        print(f"  {method:30s} {got[method]['seconds']:7.2f} s   k = {got[method]['k']}", flush=True)
    new, old = got["RFMClusters"], got["RFMClusters, full silhouette"]
    print(f"  target <= 0.5 s: {new['seconds']:.2f} s; {old['seconds'] / new['seconds']:.1f}x faster than the full "
          f"silhouette; same k: {new['k'] == old['k']}")
    table = pd.DataFrame(rows)
    print("\nRatios (time of the alternative / time of crmlib's default engine choice):")
    for (size, variant), grp in table[table["input"] != "scores"].groupby(["size", "input"], sort=False):
        t = grp.set_index("method")["seconds"]
        parts = [f"vs {m}: {t[m] / t['crmlib']:.1f}x" for m in ("lifetimes", "plain groupby", "duckdb SQL by hand") if m in t]
        print(f"  {size} {variant:8s} " + "; ".join(parts))
    for size in table.loc[table["input"] == "shuffled", "size"].unique():
        shuf = table[(table["size"] == size) & (table["input"] == "shuffled")].set_index("method")
        best = shuf.loc[list(ENGINES), "seconds"].idxmin()
        print(f"\nTargets at {size} (shuffled log; auto never slower than the best engine, at least as fast as "
              "DuckDB SQL by hand):")
        print(f"  auto vs best engine ({best}): {shuf.loc[best, 'seconds'] / shuf.loc['crmlib', 'seconds']:.2f}x "
              f"({shuf.loc['crmlib', 'seconds']:.2f} s vs {shuf.loc[best, 'seconds']:.2f} s)")
        print(f"  auto vs DuckDB SQL by hand:  {shuf.loc['duckdb SQL by hand', 'seconds'] / shuf.loc['crmlib', 'seconds']:.2f}x "
              f"({shuf.loc['duckdb SQL by hand', 'seconds']:.2f} s)")
        print(f"  peak memory <= 1.5 GB:       {shuf.loc['crmlib', 'peak_bytes'] / 1e9:.2f} GB whole process "
              f"({shuf.loc['crmlib', 'extra_bytes'] / 1e9:.2f} GB over the loaded log)")
    if "10M" in set(table["size"]):
        big = table[(table["size"] == "10M") & (table["input"] == "sorted")].set_index("method")
        print("\nTargets at 10M (sorted canonical log):")
        print(f"  >= 8x faster than lifetimes:     {big.loc['lifetimes', 'seconds'] / big.loc['crmlib', 'seconds']:.1f}x")
        print(f"  >= 3x faster than plain groupby: {big.loc['plain groupby', 'seconds'] / big.loc['crmlib', 'seconds']:.1f}x")
        print(f"  peak memory <= 1.5 GB:           {big.loc['crmlib', 'peak_bytes'] / 1e9:.2f} GB whole process "
              f"({big.loc['crmlib', 'extra_bytes'] / 1e9:.2f} GB over the loaded log)")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    table.to_csv(out / "bench_rfm.csv", index=False)
    print(f"\nwritten: {out / 'bench_rfm.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
