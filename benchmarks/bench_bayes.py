"""What the `bayes` extra costs: import time, and an MCMC BG/NBD fit next to the
maximum-likelihood fit plus the parametric bootstrap, on the CDNOW calibration sample.

    OMP_NUM_THREADS=1 python benchmarks/bench_bayes.py

Install size is measured outside Python: ``python -m venv /tmp/b && /tmp/b/bin/pip install
pymc-marketing && du -sh /tmp/b``. Skips with a message when the extra is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import time
import warnings


def main() -> int:
    try:
        import pymc_marketing  # noqa: F401
    except ImportError:
        print("the bayes extra is not installed: pip install -e '.[bayes]'")
        return 0
    # import time in a fresh process: the cost a user pays once per session
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pymc_marketing.clv"], check=True)
    print(f"import pymc_marketing.clv (fresh process): {time.perf_counter() - t:.1f} s")

    from crmlib import datasets
    from crmlib.clv import BetaGeo, parameter_intervals
    from crmlib.clv.bayes import BayesBetaGeo
    from crmlib.features import calibration_holdout_split

    split = calibration_holdout_split(datasets.load_cdnow(sample=True), calibration_end=datasets.CDNOW_CALIBRATION_END,
                                      observation_end=datasets.CDNOW_OBSERVATION_END, freq="D", time_unit="W")
    from crmlib.clv import calibration_summary

    cal = calibration_summary(split)
    t = time.perf_counter()
    ml = BetaGeo().fit(cal)
    res = parameter_intervals(ml, cal, horizon="39W", n_draws=500, random_state=0)
    ml_s = time.perf_counter() - t
    print(f"maximum likelihood + 500-draw bootstrap: {ml_s:.2f} s; params {ml.params_.round(3).to_dict()}")
    print(f"  total expected purchases, 39 weeks: {res.total.iloc[0].round(1).to_dict()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        bayes = BayesBetaGeo(draws=500, tune=500, chains=2).fit(cal)
        b_s = time.perf_counter() - t
        t = time.perf_counter()
        bres = bayes.intervals(cal, horizon="39W")
        bi_s = time.perf_counter() - t
    print(f"NUTS 2 chains x (500 tune + 500 draws), flat priors: {b_s:.1f} s "
          f"({b_s / ml_s:.0f}x the maximum-likelihood route); posterior medians {bayes.params_.round(3).to_dict()}")
    print(f"  intervals from the posterior: {bi_s:.1f} s; total {bres.total.iloc[0].round(1).to_dict()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
