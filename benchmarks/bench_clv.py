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
  there are many more distinct rows: collapsing helps less, reported as it is;
* 730 cohorts (issue 11, "real histories"): customers sign up every day for two years
  (``--spread-days``), observed 39 weeks beyond: 1,000,000 customers leave 438,840 unique
  rows, so the speed has to come from the likelihood itself, not from collapsing.

Sizes (``--quick`` in brackets; ``--bgnbd-customers`` / ``--pareto-customers`` override):
BG/NBD 1,000,000 customers [100,000]; Pareto/NBD 100,000 [5,000]. ``--quick`` also skips
the 84-day cases. lifetimes' plain
Pareto/NBD fit on 100,000 two-year customers takes one to two minutes.

crmlib's Pareto/NBD fits from its default four starting points (``n_starts=4``:
lifetimes' fixed start, a moment-based start and two spread starts), so its time includes
four optimisations; lifetimes' Pareto/NBD fit starts once, from crmlib's first start (its
own is random). Both fits' log-likelihoods (through the same likelihood) and parameters
are printed; "param diff" is the largest relative difference over the four parameters
and "LL gap" is crmlib's log-likelihood minus lifetimes' (>= 0: crmlib's optimum is at
least as good). Thread pools are pinned to one thread (``OMP_NUM_THREADS=1`` unless set),
the same for both libraries.

Usage::

    python benchmarks/bench_clv.py            # full sizes (about 6-10 minutes)
    python benchmarks/bench_clv.py --quick    # small sizes (about a minute)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

# one BLAS/OpenMP thread for both libraries (set before NumPy loads): on a shared machine
# a thread pool per dot product only adds noise
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure  # noqa: E402

SIZES = {
    "full": {"BG/NBD": 1_000_000, "Pareto/NBD": 100_000},
    "quick": {"BG/NBD": 100_000, "Pareto/NBD": 5_000},
}
SPREAD_DAYS = 730  # issue 11: sign-ups every day for two years
TARGETS = {
    ("BG/NBD", "single cohort"): 50.0,
    ("Pareto/NBD", "single cohort"): 15.0,
    ("BG/NBD", "spread"): 20.0,
    ("Pareto/NBD", "spread"): 10.0,
}
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


def run_case(model: str, cohorts: int, n: int, repeat: int, spread_days: int = SPREAD_DAYS) -> dict:
    t0 = time.perf_counter()
    s = make_summary(n, cohorts)
    made = time.perf_counter() - t0
    label = "single cohort" if cohorts == 1 else f"signups over {cohorts} days"
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
    ll_theirs = float(fitted._loglik(theirs_p, col.columns, col.weights))
    ll_gap = fitted.log_likelihood_ - ll_theirs
    names = list(fitted.params_.index)
    print(
        f"  log-likelihood  crmlib {fitted.log_likelihood_:,.4f}  lifetimes {ll_theirs:,.4f}  "
        f"(gap {ll_gap:+.2g})",
        flush=True,
    )
    print("  params crmlib    " + "  ".join(f"{k}={v:.6g}" for k, v in zip(names, ours_p, strict=True)))
    print("  params lifetimes " + "  ".join(f"{k}={v:.6g}" for k, v in zip(names, theirs_p, strict=True)))
    if hasattr(fitted, "start_log_likelihoods_") and len(fitted.start_log_likelihoods_) > 1:
        starts = ", ".join(f"{k} {v:,.3f}" for k, v in fitted.start_log_likelihoods_.items())
        print(f"  crmlib's starts: {starts}", flush=True)
    print(f"  ratio: {lifetimes_s / ours['seconds']:.1f}x", flush=True)
    target_key = (model, "spread" if cohorts == spread_days else label)
    return {
        "model": model,
        "data": label,
        "customers": n,
        "unique_rows": fitted.n_unique_rows_,
        "crmlib_s": ours["seconds"],
        "lifetimes_s": lifetimes_s,
        "speedup": lifetimes_s / ours["seconds"],
        "target": TARGETS.get(target_key, np.nan),
        "param_diff": float(np.max(np.abs(ours_p / theirs_p - 1))),
        "LL_crmlib": float(fitted.log_likelihood_),
        "LL_lifetimes": ll_theirs,
        "LL_gap": float(ll_gap),
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
    parser.add_argument("--bgnbd-customers", type=int, help="BG/NBD customers per case")
    parser.add_argument("--pareto-customers", type=int, help="Pareto/NBD customers per case")
    parser.add_argument(
        "--spread-days", type=int, default=SPREAD_DAYS, help="signup window of the spread case"
    )
    parser.add_argument(
        "--only-spread", action="store_true", help="run only the spread-signup cases"
    )
    args = parser.parse_args(argv)
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.bgnbd_customers:
        sizes["BG/NBD"] = args.bgnbd_customers
    if args.pareto_customers:
        sizes["Pareto/NBD"] = args.pareto_customers
    print("CLV fits: crmlib (collapsed + weights) vs lifetimes' plain fit; wall time, same process")
    rows = []
    # --quick skips the 84-day cases (kept in the full run for the README's history)
    if args.only_spread:
        cohort_cases = (args.spread_days,)
    elif args.quick:
        cohort_cases = (1, args.spread_days)
    else:
        cohort_cases = (1, 84, args.spread_days)
    for cohorts in cohort_cases:
        for model in ("BG/NBD", "Pareto/NBD"):
            rows.append(run_case(model, cohorts, sizes[model], args.repeat, args.spread_days))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n" + table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print(
        "\nTargets (full sizes): single cohort BG/NBD >= 50x at 1M, Pareto/NBD >= 15x at 100k; "
        f"signups over {args.spread_days} days BG/NBD >= 20x at 1M, Pareto/NBD (4 starts) >= 10x at 100k."
    )
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
