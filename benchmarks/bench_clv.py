"""CLV model fits: crmlib (validation + collapsing identical rows into weights + fit +
standard errors) vs lifetimes' plain fit on every row, side by side in the same run.

Data: seeded synthetic transaction logs at the published CDNOW BG/NBD parameters
(``crmlib.datasets.generate_bgnbd_transactions``), summarised at day resolution with
recency and T in weeks (``crmlib.features.rfm_summary(freq="D", time_unit="W")``). Both
methods get the same summary; building it is not timed here (see bench_rfm.py).

Cases:

* single cohort: every customer signs up on the same day and T = 39 weeks exactly, so
  customers differ only in (frequency, recency): few distinct rows, collapsing pays most;
* 84 cohorts: signups spread over 12 weeks as in the CDNOW master, so T varies by day and
  there are many more distinct rows: collapsing helps less, reported as it is.

Sizes (``--quick`` in brackets): BG/NBD 1,000,000 customers [100,000]; Pareto/NBD 100,000
[10,000]. lifetimes' plain Pareto/NBD fit on 100,000 customers takes about a minute.

crmlib fits from its default four starting points (``n_starts=4``: lifetimes' fixed start,
a moment-based start and two spread starts), so its time includes four optimisations;
lifetimes' Pareto/NBD fit starts once, from crmlib's first start (its own is random).
Parameter agreement is the largest relative difference over the four parameters; the
log-likelihood gap is crmlib's log-likelihood at its estimates minus that at lifetimes'
(>= 0 means crmlib's optimum is at least as good).

Usage::

    python benchmarks/bench_clv.py            # full sizes (about 3-4 minutes)
    python benchmarks/bench_clv.py --quick    # small sizes (well under a minute)
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure  # noqa: E402

SIZES = {
    "full": {"BG/NBD": 1_000_000, "Pareto/NBD": 100_000},
    "quick": {"BG/NBD": 100_000, "Pareto/NBD": 10_000},
}
TARGETS = {("BG/NBD", "single cohort"): 50.0, ("Pareto/NBD", "single cohort"): 15.0}
SEED = 2024


def make_summary(n_customers: int, cohorts: int, seed: int = SEED) -> pd.DataFrame:
    """Synthetic CDNOW-like customers; with one cohort, T = 39 weeks for everybody."""
    from crmlib.datasets import generate_bgnbd_transactions
    from crmlib.features import rfm_summary

    # the generator's window ends `observation_weeks` after the end of the signup window;
    # one signup day and 39 weeks less a day make T exactly 273 days = 39 weeks
    weeks = 39 - 1 / 7 if cohorts == 1 else 39.0
    tx = generate_bgnbd_transactions(
        n_customers, cohort_days=cohorts, observation_weeks=weeks, random_state=seed
    )
    s = rfm_summary(tx, observation_end=tx.attrs["observation_end"], freq="D", time_unit="W")
    out = s[["frequency", "recency", "T"]]
    out.attrs["time_unit"] = "W"  # the models read the summary's unit
    return out


def lifetimes_plain(model: str, s: pd.DataFrame) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

        f, r, t = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
        if model == "BG/NBD":
            fitter = lifetimes.BetaGeoFitter().fit(f, r, t)
            return fitter.params_[["r", "alpha", "a", "b"]]
        # crmlib's fixed start (r = s = 1, alpha = beta = max T) in lifetimes' scaled units
        fitter = lifetimes.ParetoNBDFitter().fit(f, r, t, initial_params=np.ones(4))
        return fitter.params_[["r", "alpha", "s", "beta"]]


def crmlib_fit(model: str, s: pd.DataFrame):
    from crmlib.clv import BetaGeo, ParetoNBD

    return (BetaGeo if model == "BG/NBD" else ParetoNBD)().fit(s)


def run_case(model: str, cohorts: int, n: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    s = make_summary(n, cohorts)
    made = time.perf_counter() - t0
    label = "single cohort" if cohorts == 1 else f"{cohorts} cohorts"
    print(f"\n{model}, {label}: {n:,} customers (data made in {made:.1f} s)", flush=True)

    fitted = crmlib_fit(model, s)  # warm-up (imports) and the fitted model for the checks
    ours = measure(crmlib_fit, model, s, repeat=repeat)
    print(
        f"  crmlib     {ours['seconds']:8.3f} s  ({fitted.n_unique_rows_:,} unique rows)",
        flush=True,
    )
    lifetimes_plain(model, s.iloc[:2000])  # warm-up of lifetimes' imports, not timed
    t0 = time.perf_counter()
    plain_params = lifetimes_plain(model, s)
    lifetimes_s = time.perf_counter() - t0
    print(f"  lifetimes  {lifetimes_s:8.3f} s  (plain fit on every row)", flush=True)

    ours_p = fitted.params_.to_numpy()
    theirs_p = plain_params.to_numpy(dtype=float)
    # log-likelihood of the same data at lifetimes' estimates, through the same likelihood
    from crmlib.clv._collapse import collapse

    col = collapse({c: s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")})
    ll_gap = fitted.log_likelihood_ - fitted._loglik(theirs_p, col.columns, col.weights)
    return {
        "model": model,
        "data": label,
        "customers": n,
        "unique_rows": fitted.n_unique_rows_,
        "crmlib_s": ours["seconds"],
        "lifetimes_s": lifetimes_s,
        "speedup": lifetimes_s / ours["seconds"],
        "target": TARGETS.get((model, label), np.nan),
        "max_rel_param_diff": float(np.max(np.abs(ours_p / theirs_p - 1))),
        "loglik_gap": float(ll_gap),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument(
        "--repeat", type=int, default=3, help="crmlib runs per case (median reported)"
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parent / "results" / "bench_clv.csv")
    )
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    print("CLV fits: crmlib (collapsed + weights) vs lifetimes' plain fit; wall time, same process")
    rows = []
    for cohorts in (1, 84):
        for model in ("BG/NBD", "Pareto/NBD"):
            rows.append(run_case(model, cohorts, sizes[model], args.repeat))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n" + table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print("\nTargets (single cohort, full sizes): BG/NBD >= 50x at 1M, Pareto/NBD >= 15x at 100k.")
    for _, r in table[table["target"].notna()].iterrows():
        if args.quick:
            verdict = "not judged at --quick sizes; run without --quick"
        else:
            verdict = "met" if r["speedup"] >= r["target"] else "NOT met"
        print(f"  {r['model']:10s} {r['speedup']:6.1f}x vs target {r['target']:.0f}x: {verdict}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
