"""Seeded synthetic transaction logs from the BG/NBD and Gamma-Gamma models.

The generative story (Fader, Hardie & Lee 2005, section 2; Fader, Hardie & Lee 2005, JMR,
for spend):

* each customer makes a first purchase on a signup day drawn uniformly from the cohort
  window;
* while alive, purchases follow a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
  per week;
* after each *repeat* purchase the customer drops out with probability
  ``p ~ Beta(a, b)`` (no dropout at the first purchase, as in the BG/NBD likelihood);
* each transaction's value is ``Gamma(p_spend, nu)`` with ``nu ~ Gamma(q, gamma)`` per
  customer.

The defaults are the published CDNOW estimates, so a synthetic log "looks like" CDNOW.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["generate_bgnbd_transactions", "CDNOW_BGNBD_PARAMS", "CDNOW_GAMMAGAMMA_PARAMS"]

#: Fader, Hardie & Lee (2005), Marketing Science 24(2): BG/NBD on the CDNOW sample, weeks.
CDNOW_BGNBD_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
#: Fader, Hardie & Lee (2005), JMR; Hardie's gamma-gamma note: spend on the CDNOW sample.
CDNOW_GAMMAGAMMA_PARAMS = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def generate_bgnbd_transactions(
    n_customers: int = 10_000,
    *,
    r: float = CDNOW_BGNBD_PARAMS["r"],
    alpha: float = CDNOW_BGNBD_PARAMS["alpha"],
    a: float = CDNOW_BGNBD_PARAMS["a"],
    b: float = CDNOW_BGNBD_PARAMS["b"],
    spend: dict[str, float] | None = None,
    start: str | pd.Timestamp = "2024-01-01",
    cohort_days: int = 84,
    observation_weeks: float = 39.0,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Simulate a transaction log from BG/NBD purchasing and Gamma-Gamma spend.

    Parameters
    ----------
    n_customers : int, default 10,000
        Number of customers; each makes a first purchase.
    r, alpha, a, b : float
        BG/NBD parameters, with time in weeks. Defaults: the published CDNOW fit.
    spend : dict, optional
        Gamma-Gamma parameters ``{"p", "q", "gamma"}``; default the CDNOW fit. Pass
        ``{}`` to use the defaults explicitly.
    start : str or Timestamp, default "2024-01-01"
        First day of the signup (cohort) window.
    cohort_days : int, default 84
        Signup days are uniform on ``start + [0, cohort_days)`` days. ``1`` gives a single
        cohort with a common T; CDNOW's master spreads signups over 12 weeks (84 days).
    observation_weeks : float, default 39
        Length of the observation window, counted from the *end* of the cohort window, in
        weeks. The observation end is returned in ``df.attrs["observation_end"]``.
    random_state : int, numpy Generator or None, default 0
        Seed (or generator) for ``numpy.random.default_rng``; the same seed gives the
        same log.

    Returns
    -------
    DataFrame
        Columns ``customer_id`` (int64), ``date`` (datetime64[s], to the second),
        ``amount`` (float64), sorted by customer and date. ``attrs["observation_end"]``
        holds the observation end as ISO text and ``attrs["params"]`` the parameters.

    Examples
    --------
    >>> tx = generate_bgnbd_transactions(1_000, random_state=1)
    >>> tx["customer_id"].nunique()
    1000
    """
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, got {n_customers}.")
    if min(r, alpha, a, b) <= 0:
        raise ValueError("BG/NBD parameters r, alpha, a, b must all be positive.")
    spend = {**CDNOW_GAMMAGAMMA_PARAMS, **(spend or {})}
    rng = np.random.default_rng(random_state)
    start = pd.Timestamp(start)
    cohort_days = max(int(cohort_days), 1)

    signup_day = rng.integers(0, cohort_days, size=n_customers)
    # Time of the first purchase within its day, so same-day repeats are possible.
    first_offset_s = signup_day * 86_400 + rng.integers(0, 86_400, size=n_customers)
    end_s = cohort_days * 86_400 + observation_weeks * 7 * 86_400
    T_weeks = (end_s - first_offset_s) / (7 * 86_400)

    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n_customers)
    p = rng.beta(a, b, size=n_customers)
    n_events = rng.poisson(lam * T_weeks)  # purchases the Poisson process would make in T
    death_after = rng.geometric(p)  # dies right after this repeat purchase
    n_repeat = np.minimum(n_events, death_after)

    # Given n events of a Poisson process on [0, T], their times are sorted uniforms.
    owner = np.repeat(np.arange(n_customers), n_events)
    u = rng.random(owner.size)
    order = np.lexsort((u, owner))
    owner, u = owner[order], u[order]
    starts = np.cumsum(n_events) - n_events
    rank = np.arange(owner.size) - np.repeat(starts, n_events)
    keep = rank < n_repeat[owner]
    owner, u = owner[keep], u[keep]
    repeat_s = first_offset_s[owner] + np.floor(u * T_weeks[owner] * 7 * 86_400).astype(np.int64)

    cust = np.concatenate([np.arange(n_customers), owner])
    secs = np.concatenate([first_offset_s, repeat_s])
    nu = rng.gamma(shape=spend["q"], scale=1.0 / spend["gamma"], size=n_customers)
    amount = rng.gamma(shape=spend["p"], scale=1.0 / nu[cust])

    order = np.lexsort((secs, cust))
    base = np.datetime64(start.to_datetime64(), "s")
    df = pd.DataFrame(
        {
            "customer_id": cust[order].astype(np.int64),
            "date": base + secs[order].astype("timedelta64[s]"),
            "amount": np.round(amount[order], 2),
        }
    )
    # ISO text, not a Timestamp, so the frame still saves to parquet (attrs go to JSON)
    df.attrs["observation_end"] = f"{pd.Timestamp(base + np.timedelta64(int(end_s), 's')):%Y-%m-%d}"
    df.attrs["params"] = {"r": r, "alpha": alpha, "a": a, "b": b, **spend}
    return df
