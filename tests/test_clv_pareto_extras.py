"""Pareto/NBD's conditional probability of n purchases, DERT for Pareto/NBD and BG/NBD,
checked against lifetimes and against independent numerical integrations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_clv as ref
from scipy import integrate, stats

from crmlib.clv import BetaGeo, ParetoNBD
from crmlib.exceptions import DataValidationError

CUSTOMERS = pd.DataFrame(
    {
        "frequency": [0, 2, 7, 20, 1, 3],
        "recency": [0.0, 30.43, 38.86, 35.0, 2.0, 10.0],
        "T": [38.86, 38.86, 38.86, 38.86, 20.0, 60.0],
    },
    index=list("abcdef"),
)
RATE = np.log(1.15)  # 15% a year, continuously compounded (FHL 2005's example rate)


@pytest.fixture(scope="module")
def pareto():
    return ParetoNBD.from_params(**ref.PARETO_PARAMS, time_unit="W")


@pytest.fixture(scope="module")
def bgnbd():
    return BetaGeo.from_params(**ref.BGNBD_PARAMS, time_unit="W")


def test_prob_n_purchases_is_a_distribution_with_the_right_mean(pareto):
    p = pareto.prob_n_purchases(CUSTOMERS, "39W", max_n=300)
    assert p.index.equals(CUSTOMERS.index) and p.columns[0] == 0 and p.columns.name == "n"
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)
    assert (p.to_numpy() >= 0).all()
    mean = (p.to_numpy() * np.arange(300)).sum(axis=1)
    np.testing.assert_allclose(mean, pareto.expected_purchases(CUSTOMERS, "39W"), rtol=1e-8)


def test_prob_n_purchases_matches_lifetimes(pareto):
    """lifetimes' ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time
    (Hardie's closed form with hypergeometric terms) against crmlib's quadrature."""
    p = pareto.prob_n_purchases(CUSTOMERS, "13W", max_n=6)
    f = pareto._fitter()
    for i, (_, row) in enumerate(CUSTOMERS.iterrows()):
        for n in range(6):
            lt = float(
                f.conditional_probability_of_n_purchases_up_to_time(
                    n, 13.0, row["frequency"], row["recency"], row["T"]
                )
            )
            assert p.iloc[i, n] == pytest.approx(lt, rel=1e-6, abs=1e-12), (i, n)


def test_prob_n_purchases_by_hand_for_a_dead_looking_customer(pareto):
    """By hand: P(0) = 1 - P(alive) + P(alive) * P_new(0), and for a customer alive at T
    P_new(0) = E[exp(-lambda min(tau, t))], here by Monte Carlo from the posterior."""
    one = CUSTOMERS.loc[["e"]]
    pa = pareto.p_alive(one).iloc[0]
    r, alpha, s, beta = pareto.params_.to_numpy()
    x, T, t = 1, 20.0, 26.0
    rng = np.random.default_rng(0)
    lam = rng.gamma(r + x, 1.0 / (alpha + T), 400_000)
    mu = rng.gamma(s, 1.0 / (beta + T), 400_000)
    tau = rng.exponential(1.0 / mu)
    p0_new = np.mean(np.exp(-lam * np.minimum(tau, t)))
    got = pareto.prob_no_purchase(one, "26W").iloc[0]
    assert got == pytest.approx(1 - pa + pa * p0_new, abs=2e-3)
    assert got == pytest.approx(pareto.prob_n_purchases(one, "26W").iloc[0, 0])


def test_prob_n_purchases_edge_cases(pareto):
    p = pareto.prob_n_purchases(CUSTOMERS, "1D", max_n=3)
    assert (p[0] > 0.9).all() and (p[0] < 1).all()  # a day ahead: most likely nothing
    with pytest.raises(DataValidationError, match="horizon"):
        pareto.prob_n_purchases(CUSTOMERS, 39, max_n=3)  # a bare number says no unit
    with pytest.raises(DataValidationError, match="max_n"):
        pareto.prob_n_purchases(CUSTOMERS, "39W", max_n=0)


def _dert_by_integration(model, row, delta):
    """delta * integral_0^inf exp(-delta t) E[X(T, T + t)] dt, from the model's (lifetimes')
    conditional expectation; integration by parts of the definition of DERT."""
    f = model._fitter()

    def e(t):
        return float(
            f.conditional_expected_number_of_purchases_up_to_time(
                t, row["frequency"], row["recency"], row["T"]
            )
        )

    return integrate.quad(lambda t: delta * np.exp(-delta * t) * e(t), 0, np.inf, limit=400)[0]


def test_pareto_dert_closed_form_against_two_integrations(pareto):
    delta = RATE * 7 / 365.25
    d = pareto.dert(CUSTOMERS, continuous_rate_per_year=RATE)
    assert d.name == "dert" and d.index.equals(CUSTOMERS.index)
    pa = pareto.p_alive(CUSTOMERS)
    r, alpha, s, beta = pareto.params_.to_numpy()
    for key, row in CUSTOMERS.iterrows():
        assert d[key] == pytest.approx(_dert_by_integration(pareto, row, delta), rel=1e-6)
        # DERT = P(alive) E[lambda] E[1 / (mu + delta)] under the posterior given alive
        rate = beta + row["T"]
        e_inv = integrate.quad(
            lambda m, rate=rate: stats.gamma.pdf(m, s, scale=1 / rate) / (m + delta), 0, np.inf
        )[0]
        assert d[key] == pytest.approx(
            pa[key] * (r + row["frequency"]) / (alpha + row["T"]) * e_inv, rel=1e-6
        )


def test_bgnbd_dert_against_integration(bgnbd):
    delta = RATE * 7 / 365.25
    d = bgnbd.dert(CUSTOMERS, continuous_rate_per_year=RATE)
    for key, row in CUSTOMERS.iterrows():
        assert d[key] == pytest.approx(_dert_by_integration(bgnbd, row, delta), rel=1e-4), key


def test_dert_does_not_depend_on_the_time_unit(pareto, bgnbd):
    """The rate is per year: the same customers and model in days give the same DERT."""
    days = CUSTOMERS.assign(recency=CUSTOMERS["recency"] * 7, T=CUSTOMERS["T"] * 7)
    p = ref.PARETO_PARAMS
    pd_ = ParetoNBD.from_params(
        r=p["r"], alpha=p["alpha"] * 7, s=p["s"], beta=p["beta"] * 7, time_unit="D"
    )
    np.testing.assert_allclose(
        pd_.dert(days, continuous_rate_per_year=RATE),
        pareto.dert(CUSTOMERS, continuous_rate_per_year=RATE),
        rtol=1e-9,
    )
    b = ref.BGNBD_PARAMS
    bd = BetaGeo.from_params(r=b["r"], alpha=b["alpha"] * 7, a=b["a"], b=b["b"], time_unit="D")
    np.testing.assert_allclose(
        bd.dert(days, continuous_rate_per_year=RATE),
        bgnbd.dert(CUSTOMERS, continuous_rate_per_year=RATE),
        rtol=1e-6,
    )


def test_dert_falls_with_the_rate_and_refuses_bad_rates(pareto, bgnbd):
    for m in (pareto, bgnbd):
        lo = m.dert(CUSTOMERS, continuous_rate_per_year=0.05)
        hi = m.dert(CUSTOMERS, continuous_rate_per_year=0.20)
        assert (lo > hi).all()
        with pytest.raises(DataValidationError, match="continuous_rate_per_year"):
            m.dert(CUSTOMERS, continuous_rate_per_year=0.0)
        with pytest.raises(DataValidationError, match="continuous_rate_per_year"):
            m.dert(CUSTOMERS, continuous_rate_per_year="10%")
