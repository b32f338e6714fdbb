"""A seeded, simulated subscriber table in IBM Telco's column names, for a machine
without the Telco files. Every number in it comes from the assumptions stated here."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from crmlib.conventions import to_number

__all__ = ["SIMULATED_CONTRACTS", "Subscribers", "load_subscribers", "simulate_subscribers"]

#: Stated assumptions per contract: share of customers, sBG (alpha, beta) of monthly
#: churn, monthly charge range, referral rate per month of tenure among referrers.
SIMULATED_CONTRACTS: dict[str, dict[str, object]] = {
    "Month-to-Month": {"share": 0.5, "alpha": 0.6, "beta": 3.0, "charge": (20.0, 110.0)},
    "One Year": {"share": 0.25, "alpha": 0.5, "beta": 12.0, "charge": (20.0, 110.0)},
    "Two Year": {"share": 0.25, "alpha": 0.4, "beta": 30.0, "charge": (20.0, 110.0)},
}


def simulate_subscribers(n_customers: int = 3000, *, max_tenure: int = 72, referrer_share: float = 0.45,
                         referral_rate: float = 0.08, random_state: int = 0) -> pd.DataFrame:
    """Simulated subscribers: contract, tenure, churn, charges and referrals.

    Each customer joined a uniform 1..``max_tenure`` months ago; their monthly churn
    probability is drawn from their contract's Beta(alpha, beta)
    (:data:`SIMULATED_CONTRACTS`), so tenures follow a shifted-beta-geometric model.
    Churned customers have ``Tenure in Months`` = the month they left, the others their
    age. A share ``referrer_share`` of customers refer at ``referral_rate`` a month
    (Poisson); nobody else refers. ``Total Revenue`` = tenure x monthly charge.

    Examples
    --------
    >>> df = simulate_subscribers(200, random_state=1)
    >>> sorted(df["Contract"].unique())
    ['Month-to-Month', 'One Year', 'Two Year']
    """
    n = int(to_number(n_customers, "n_customers", low=10, integer=True, example="3000"))
    rng = np.random.default_rng(random_state)
    names = list(SIMULATED_CONTRACTS)
    shares = np.array([SIMULATED_CONTRACTS[c]["share"] for c in names], dtype=float)
    contract = rng.choice(names, size=n, p=shares / shares.sum())
    alpha = np.array([SIMULATED_CONTRACTS[c]["alpha"] for c in contract], dtype=float)
    beta = np.array([SIMULATED_CONTRACTS[c]["beta"] for c in contract], dtype=float)
    theta = rng.beta(alpha, beta)
    life = rng.geometric(np.clip(theta, 1e-9, 1.0))  # months until churn, >= 1
    age = rng.integers(1, max_tenure + 1, size=n)
    churned = life <= age
    tenure = np.where(churned, life, age)
    charge = np.round(rng.uniform(20.0, 110.0, size=n), 2)
    refers = rng.random(n) < referrer_share
    referrals = np.where(refers, rng.poisson(referral_rate * tenure), 0)
    return pd.DataFrame({
        "Customer ID": [f"SIM-{i:05d}" for i in range(n)],
        "Contract": contract,
        "Tenure in Months": tenure.astype("int64"),
        "Churn Value": churned.astype("int64"),
        "Monthly Charge": charge,
        "Total Revenue": np.round(charge * tenure, 2),
        "Referred a Friend": np.where(referrals > 0, "Yes", "No"),
        "Number of Referrals": referrals.astype("int64"),
    })


class Subscribers(NamedTuple):
    """A subscriber table and where it came from."""

    table: pd.DataFrame
    label: str  # for chart subtitles
    is_simulated: bool


def load_subscribers(data_dir=None, *, small: bool = False, random_state: int = 0,
                     n_small: int = 2000) -> Subscribers:
    """IBM Telco (a fictional company) from the data directory, else simulated subscribers.

    Parameters
    ----------
    data_dir : path, optional
    small : bool, default False
        Keep a seeded random ``n_small`` customers (fast test runs).
    random_state : int
    n_small : int

    Returns
    -------
    Subscribers
        ``(table, label, is_simulated)``.

    Examples
    --------
    >>> import tempfile
    >>> subs = load_subscribers(tempfile.mkdtemp(), small=True)
    >>> subs.is_simulated, len(subs.table)
    (True, 2000)
    """
    from crmlib import datasets

    if datasets.available("telco", data_dir):
        table = datasets.load_telco(data_dir)
        if small and len(table) > n_small:
            table = table.sample(n=n_small, random_state=random_state).reset_index(drop=True)
        return Subscribers(table, f"IBM Telco sample (a fictional company), {len(table):,} customers, one quarter (Q3)",
                           False)
    table = simulate_subscribers(n_small if small else 6000, random_state=random_state)
    return Subscribers(table, f"Simulated subscribers (stated sBG assumptions), {len(table):,} customers", True)
