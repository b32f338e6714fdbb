"""Static covariates in Pareto/NBD and BG/NBD (issue 12): CLVTools' published apparel fits,
recovery of known effects on simulated data, the encoding rule and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_clv as ref
from conftest import requires_data
from sklearn.base import clone

from crmlib.clv import (
    BetaGeo,
    BetaGeoCovariates,
    ParetoNBD,
    ParetoNBDCovariates,
    lr_test,
)
from crmlib.exceptions import DataValidationError, NotFittedError

NO_COVARIATES = {"purchase_covariates": [], "dropout_covariates": []}


# ---------------------------------------------------------------- apparel (CLVTools)


@pytest.fixture(scope="module")
def apparel():
    from crmlib.datasets import APPAREL_ESTIMATION_END, load_apparel
    from crmlib.features import rfm_summary

    data = load_apparel()
    tx = data.transactions
    s = rfm_summary(
        tx[tx["date"] <= APPAREL_ESTIMATION_END],
        observation_end=APPAREL_ESTIMATION_END,
        time_unit="W",
    )
    return s, data.covariates


@pytest.fixture(scope="module")
def apparel_full(apparel):
    s, cov = apparel
    return ParetoNBDCovariates().fit(s, cov)


@pytest.fixture(scope="module")
def apparel_constrained(apparel):
    s, cov = apparel
    return ParetoNBDCovariates(
        purchase_covariates=["Channel"], dropout_covariates=["Channel"], constrained=["Gender"]
    ).fit(s, cov)


def _close(value, expected, se):
    """CLVTools' tolerance (1e-3 relative), the printed precision, or 1% of a standard error.

    The last allowance is for the dropout side of the likelihood, which is flat: CLVTools'
    optimiser stops 2e-5 log-likelihood units short of the maximum (checked in
    test_published_point_lies_on_the_plateau), which moves s, beta and the dropout effects
    by about 0.3% of a standard error."""
    tol = max(ref.APPAREL_PARAM_RTOL * abs(expected), ref.APPAREL_COV_PRINTED, 0.01 * se)
    return abs(value - expected) <= tol


@pytest.mark.realdata
@requires_data("apparel")
def test_apparel_no_covariates_matches_clvtools(apparel):
    s, cov = apparel
    m = ParetoNBDCovariates(**NO_COVARIATES).fit(s, cov)
    assert m.n_customers_ == ref.APPAREL_N_CUSTOMERS
    assert m.log_likelihood_ == pytest.approx(
        ref.APPAREL_PARETO_LOGLIK, abs=ref.APPAREL_LOGLIK_ATOL
    )
    for name, value in ref.APPAREL_PARETO_PARAMS.items():
        assert m.params_[name] == pytest.approx(value, rel=ref.APPAREL_PARAM_RTOL), name
        assert m.summary_.loc[name, "std_error"] == pytest.approx(
            ref.APPAREL_PARETO_SE[name], rel=ref.APPAREL_SE_RTOL
        ), name
    assert m.effects_.empty


@pytest.mark.realdata
@requires_data("apparel")
def test_apparel_gender_channel_matches_clvtools(apparel_full):
    m = apparel_full
    assert m.log_likelihood_ == pytest.approx(ref.APPAREL_COV_LOGLIK, abs=ref.APPAREL_LOGLIK_ATOL)
    assert list(m.params_.index) == [
        "r", "alpha", "s", "beta",
        "purchase.Gender", "purchase.Channel", "dropout.Gender", "dropout.Channel",
    ]  # fmt: skip
    for name, value in ref.APPAREL_COV_PARAMS.items():
        got, se = m.params_[name], m.summary_.loc[name, "std_error"]
        assert _close(got, value, se), (name, got, value, se)
    # every parameter and effect has a finite, positive standard error
    assert np.all(np.isfinite(m.summary_.to_numpy())) and (m.summary_["std_error"] > 0).all()
    eff = m.effects_
    assert set(eff["process"]) == {"purchase", "dropout"}
    assert eff.loc["purchase.Channel", "rate_multiplier"] == pytest.approx(np.exp(0.6241), rel=2e-3)
    assert (eff["p_value"] < 0.05).all()  # all four effects significant at 5%
    # the four start points agree
    ll = m.start_log_likelihoods_
    assert ll.max() - ll.min() < 1e-3


@pytest.mark.realdata
@requires_data("apparel")
def test_published_point_lies_on_the_plateau(apparel, apparel_full):
    """CLVTools' printed estimates, evaluated by crmlib's likelihood, are within 1e-4 of
    crmlib's maximum (and not above it): the same model, a slightly shorter optimiser stop."""
    s, cov = apparel
    published = apparel_full.with_params(pd.Series(ref.APPAREL_COV_PARAMS))
    ll_pub = published.log_likelihood(s, cov)
    assert apparel_full.log_likelihood_ - 1e-4 < ll_pub <= apparel_full.log_likelihood_ + 1e-9


@pytest.mark.realdata
@requires_data("apparel")
def test_apparel_gender_constrained_and_lr_test(apparel_full, apparel_constrained):
    m = apparel_constrained
    assert m.log_likelihood_ == pytest.approx(
        ref.APPAREL_CONSTR_LOGLIK, abs=ref.APPAREL_LOGLIK_ATOL
    )
    assert "both.Gender" in m.params_.index and len(m.params_) == 7
    test = lr_test(m, apparel_full)
    assert test.df == 1
    assert test.chi2 == pytest.approx(ref.APPAREL_CONSTR_LR_CHI2, abs=2e-3)
    assert test.p_value == pytest.approx(ref.APPAREL_CONSTR_LR_P, abs=5e-6)


@pytest.mark.realdata
@requires_data("apparel")
def test_apparel_predictions_without_covariates_equal_plain_pareto(apparel):
    """With no covariates, P(alive) and expected purchases (crmlib's own formulas with
    per-customer scales) equal ParetoNBD's (lifetimes' formulas) at the same parameters."""
    s, cov = apparel
    m = ParetoNBDCovariates(**NO_COVARIATES).fit(s, cov)
    plain = ParetoNBD.from_params(**m.params_.to_dict(), time_unit="W")
    np.testing.assert_allclose(m.p_alive(s, cov), plain.p_alive(s), rtol=1e-8)
    np.testing.assert_allclose(
        m.expected_purchases(s, cov, "52W"), plain.expected_purchases(s, "52W"), rtol=1e-8
    )
    np.testing.assert_allclose(
        m.dert(s, cov, continuous_rate_per_year=0.1),
        plain.dert(s, continuous_rate_per_year=0.1),
        rtol=1e-8,
    )


@pytest.mark.realdata
@requires_data("apparel")
def test_apparel_customer_scales_follow_the_effects(apparel, apparel_full):
    s, cov = apparel
    sc = apparel_full.customer_params(cov)
    p = apparel_full.params_
    row = cov.iloc[0]
    assert sc.iloc[0]["alpha_i"] == pytest.approx(
        p["alpha"]
        * np.exp(-(p["purchase.Gender"] * row["Gender"] + p["purchase.Channel"] * row["Channel"]))
    )
    assert sc.iloc[0]["beta_i"] == pytest.approx(
        p["beta"]
        * np.exp(-(p["dropout.Gender"] * row["Gender"] + p["dropout.Channel"] * row["Channel"]))
    )
    # each customer's DERT is the plain model's at her own scales
    plain = ParetoNBD.from_params(
        r=p["r"], alpha=sc.iloc[0]["alpha_i"], s=p["s"], beta=sc.iloc[0]["beta_i"], time_unit="W"
    )
    one = s.loc[[cov.index[0]]]
    assert apparel_full.dert(one, cov, continuous_rate_per_year=0.1).iloc[0] == pytest.approx(
        plain.dert(one, continuous_rate_per_year=0.1).iloc[0], rel=1e-9
    )
    # positive purchase effects: customers with Channel 1 are expected to buy more
    e = apparel_full.expected_purchases(s, cov, "52W")
    assert e[cov["Channel"] == 1].mean() > e[cov["Channel"] == 0].mean()


# ---------------------------------------------------------------- simulated BG/NBD


def _simulate_bgnbd(n, r, alpha, a, b, g_purchase, g_dropout, T=52.0, seed=0):
    """BG/NBD customers with one 0/1 covariate z: alpha_i = alpha exp(-g_p z),
    a_i = a exp(g_d z), b_i = b exp(g_d z) (CLVTools' parametrisation)."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 2, n).astype(float)
    lam = rng.gamma(r, 1.0 / (alpha * np.exp(-g_purchase * z)))
    p = rng.beta(a * np.exp(g_dropout * z), b * np.exp(g_dropout * z))
    freq = np.zeros(n)
    rec = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > T:
                break
            freq[i] += 1
            rec[i] = t
            if rng.random() < p[i]:
                break
    s = pd.DataFrame({"frequency": freq, "recency": rec, "T": T}, index=[f"c{i}" for i in range(n)])
    s.attrs["time_unit"] = "W"
    return s, pd.DataFrame({"z": z}, index=s.index)


@pytest.fixture(scope="module")
def bgnbd_sim():
    return _simulate_bgnbd(6000, r=0.8, alpha=6.0, a=0.8, b=2.5, g_purchase=0.6, g_dropout=-0.7)


def test_bgnbd_covariates_recover_known_effects(bgnbd_sim):
    s, z = bgnbd_sim
    m = BetaGeoCovariates().fit(s, z)
    truth = {"r": 0.8, "alpha": 6.0, "a": 0.8, "b": 2.5, "purchase.z": 0.6, "dropout.z": -0.7}
    for name, value in truth.items():
        est, se = m.params_[name], m.summary_.loc[name, "std_error"]
        assert abs(est - value) < 3 * se, (name, est, value, se)
    assert m.summary_.loc["purchase.z", "std_error"] < 0.1  # the data pin it down
    assert m.effects_.loc["purchase.z", "p_value"] < 1e-6


def test_bgnbd_without_covariates_equals_plain_betageo(cdnow_cal):
    ours = BetaGeoCovariates(**NO_COVARIATES).fit(cdnow_cal)
    plain = BetaGeo().fit(cdnow_cal)
    assert ours.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-4)
    np.testing.assert_allclose(ours.params_.to_numpy(), plain.params_.to_numpy(), rtol=2e-4)
    np.testing.assert_allclose(ours.p_alive(cdnow_cal), plain.p_alive(cdnow_cal), rtol=1e-6)
    np.testing.assert_allclose(
        ours.expected_purchases(cdnow_cal, None, "39W"),
        plain.expected_purchases(cdnow_cal, "39W"),
        rtol=1e-6,
    )


def test_zero_effects_give_the_plain_likelihood(bgnbd_sim):
    """At effects fixed to 0 the covariate likelihood is the plain BG/NBD one, customer by
    customer, whatever the covariates."""
    s, z = bgnbd_sim
    m = BetaGeoCovariates(n_starts=1).fit(s, z)
    base = m.params_.copy()
    base[["purchase.z", "dropout.z"]] = 0.0
    zero = m.with_params(base)
    plain = BetaGeo.from_params(**base[["r", "alpha", "a", "b"]].to_dict(), time_unit="W")
    assert zero.log_likelihood(s, z) == pytest.approx(plain.log_likelihood(s), rel=1e-10)


def test_unrelated_covariate_is_not_significant(bgnbd_sim):
    s, _ = bgnbd_sim
    noise = pd.DataFrame(
        {"noise": np.random.default_rng(5).integers(0, 2, len(s)).astype(float)}, index=s.index
    )
    full = BetaGeoCovariates(n_starts=1).fit(s, noise)
    plain = BetaGeoCovariates(**NO_COVARIATES, n_starts=1).fit(s)
    test = lr_test(plain, full)
    assert test.df == 2 and test.p_value > 0.01


def test_pareto_covariates_recover_a_purchase_effect():
    rng = np.random.default_rng(3)
    n, T = 4000, 52.0
    z = rng.integers(0, 2, n).astype(float)
    lam = rng.gamma(1.0, 1.0 / (8.0 * np.exp(-0.8 * z)))
    tau = rng.exponential(1.0 / rng.gamma(0.8, 1.0 / 30.0, n))
    freq, rec = np.zeros(n), np.zeros(n)
    for i in range(n):
        end = min(T, tau[i])
        times = np.cumsum(rng.exponential(1.0 / lam[i], size=200))
        times = times[times <= end]
        freq[i], rec[i] = len(times), times[-1] if len(times) else 0.0
    s = pd.DataFrame({"frequency": freq, "recency": rec, "T": T})
    s.attrs["time_unit"] = "W"
    m = ParetoNBDCovariates(dropout_covariates=[], n_starts=2).fit(s, pd.DataFrame({"z": z}))
    est, se = m.params_["purchase.z"], m.summary_.loc["purchase.z", "std_error"]
    assert abs(est - 0.8) < 3 * se and se < 0.1


# ---------------------------------------------------------------- encoding and validation


@pytest.fixture(scope="module")
def small():
    s, z = _simulate_bgnbd(
        400, r=0.8, alpha=6.0, a=0.8, b=2.5, g_purchase=0.5, g_dropout=0.0, seed=1
    )
    return s, z


def test_text_categories_are_dummies_with_the_first_sorted_level_as_reference(small):
    s, z = small
    text = pd.DataFrame({"gender": np.where(z["z"] == 1, "M", "F")}, index=s.index)
    m_text = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, text)
    m_num = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    assert list(m_text.params_.index)[-1] == "purchase.gender[M]"  # F is the reference
    assert m_text.levels_ == {"gender": ["F", "M"]}
    assert m_text.log_likelihood_ == pytest.approx(m_num.log_likelihood_, abs=1e-6)
    # a pandas Categorical follows the same (sorted) rule, whatever its declared order
    cat = text.astype(pd.CategoricalDtype(["M", "F"]))
    m_cat = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, cat)
    assert list(m_cat.params_.index)[-1] == "purchase.gender[M]"
    # three levels: two dummies
    three = pd.DataFrame(
        {"ch": np.array(["web", "shop", "app"])[np.arange(len(s)) % 3]}, index=s.index
    )
    m3 = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, three)
    assert list(m3.params_.index)[4:] == ["purchase.ch[shop]", "purchase.ch[web]"]
    # an unseen level at prediction is refused
    new = three.copy()
    new.iloc[0, 0] = "phone"
    with pytest.raises(DataValidationError, match="'phone'"):
        m3.p_alive(s, new)


def test_bool_covariate_is_zero_one(small):
    s, z = small
    b = z["z"].astype(bool).to_frame()
    m_b = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, b)
    m_n = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    assert m_b.log_likelihood_ == pytest.approx(m_n.log_likelihood_, abs=1e-6)


def test_missing_customer_is_refused(small):
    s, z = small
    with pytest.raises(DataValidationError, match="no row in the covariate table") as err:
        BetaGeoCovariates().fit(s, z.drop(index=["c3", "c7"]))
    assert "c3" in str(err.value) and "Suggestion:" in str(err.value)


def test_extra_covariate_rows_are_ignored(small):
    s, z = small
    more = pd.concat([z, pd.DataFrame({"z": [1.0]}, index=["not_in_summary"])])
    a = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, more)
    b = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    assert a.log_likelihood_ == b.log_likelihood_


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.nan, "missing or infinite"),
        (np.inf, "missing or infinite"),
    ],
)
def test_missing_numeric_value_is_refused_naming_column_and_rows(small, bad, match):
    s, z = small
    z = z.copy()
    z.iloc[4, 0] = bad
    with pytest.raises(DataValidationError, match=match) as err:
        BetaGeoCovariates().fit(s, z)
    assert err.value.column == "z" and "c4" in str(err.value)


def test_non_numeric_covariates_are_refused(small):
    s, z = small
    mixed = z.astype(object)
    mixed.iloc[2, 0] = "high"
    with pytest.raises(DataValidationError, match="mixes text") as err:
        BetaGeoCovariates().fit(s, mixed)
    assert err.value.column == "z" and "c2" in str(err.value)
    as_text = z.astype(str)
    with pytest.raises(DataValidationError, match="numbers stored as text"):
        BetaGeoCovariates().fit(s, as_text)
    text_na = pd.DataFrame({"g": ["a", "b"] * (len(s) // 2)}, index=s.index)
    text_na.iloc[1, 0] = None
    with pytest.raises(DataValidationError, match="missing values") as err:
        BetaGeoCovariates().fit(s, text_na)
    assert err.value.column == "g"
    dates = pd.DataFrame({"d": pd.Timestamp("2020-01-01")}, index=s.index)
    with pytest.raises(DataValidationError, match="neither numeric nor text"):
        BetaGeoCovariates().fit(s, dates)


def test_specification_errors(small):
    s, z = small
    z2 = z.assign(w=np.arange(len(z)) % 2)
    with pytest.raises(DataValidationError, match="constrained"):
        BetaGeoCovariates(purchase_covariates=["z"], constrained=["z"]).fit(s, z2)
    with pytest.raises(DataValidationError, match="not one string"):
        BetaGeoCovariates(purchase_covariates="z").fit(s, z2)
    with pytest.raises(DataValidationError, match="not found"):
        BetaGeoCovariates(purchase_covariates=["income"]).fit(s, z2)
    with pytest.raises(DataValidationError, match="no covariate table"):
        BetaGeoCovariates().fit(s)
    with pytest.raises(DataValidationError, match="one value for every customer"):
        BetaGeoCovariates().fit(s, z.assign(z=1.0))
    with pytest.raises(DataValidationError, match="duplicated customer ids"):
        BetaGeoCovariates().fit(s, pd.concat([z, z.iloc[:1]]))
    with pytest.raises(DataValidationError, match="DataFrame"):
        BetaGeoCovariates().fit(s, z["z"].to_numpy())


def test_estimator_contract(small):
    s, z = small
    m = BetaGeoCovariates(purchase_covariates=["z"], dropout_covariates=[], n_starts=2)
    assert "not fitted" in repr(m)
    with pytest.raises(NotFittedError):
        m.p_alive(s, z)
    assert m.fit(s, z) is m
    assert "fitted on 400 customers" in repr(m) and "purchase.z" in repr(m)
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "params_")
    assert list(m.summary_.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert m.covariance_.shape == (5, 5)
    assert m.n_params_ == 5 and m.time_unit_ == "W"
    assert len(m.start_log_likelihoods_) == 2
    # the fitted log-likelihood is the sum over customers
    half = s.index[: len(s) // 2]
    rest = s.index[len(s) // 2 :]
    total = m.log_likelihood(s.loc[half], z.loc[half]) + m.log_likelihood(s.loc[rest], z.loc[rest])
    assert total == pytest.approx(m.log_likelihood_, rel=1e-10)


def test_summary_unit_mismatch_is_refused(small):
    s, z = small
    m = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    days = s.copy()
    days.attrs["time_unit"] = "D"
    with pytest.raises(DataValidationError, match="time_unit"):
        m.p_alive(days, z)


def test_lr_test_refuses_non_nested_or_mismatched_models(small):
    s, z = small
    full = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    plain = BetaGeoCovariates(**NO_COVARIATES, n_starts=1).fit(s)
    t = lr_test(plain, full)
    assert t.df == 1 and t.chi2 > 0
    with pytest.raises(DataValidationError, match="fewer"):
        lr_test(full, plain)
    other = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s.iloc[:300], z.iloc[:300])
    with pytest.raises(DataValidationError, match="different numbers of customers"):
        lr_test(plain, other)
    with pytest.raises(DataValidationError, match="not fitted"):
        lr_test(BetaGeoCovariates(), full)
    # a plain crmlib model is a valid restricted model too
    t2 = lr_test(BetaGeo().fit(s), full)
    assert t2.chi2 == pytest.approx(t.chi2, abs=1e-3)


def test_with_params_checks_its_input(small):
    s, z = small
    m = BetaGeoCovariates(dropout_covariates=[], n_starts=1).fit(s, z)
    with pytest.raises(DataValidationError, match="expected the parameters"):
        m.with_params({"r": 1.0})
    bad = m.params_.copy()
    bad["alpha"] = -1.0
    with pytest.raises(DataValidationError, match="positive"):
        m.with_params(bad)


def test_load_apparel_says_where_to_get_missing_files(tmp_path):
    from crmlib.datasets import load_apparel
    from crmlib.exceptions import DataFileError

    with pytest.raises(DataFileError, match="CLVTools") as err:
        load_apparel(tmp_path)
    assert str(tmp_path / "apparel_transactions.csv") in str(err.value)
    (tmp_path / "apparel_transactions.csv").write_text("Id,Date,Price\n1,2005-01-02,1.0\n")
    with pytest.raises(DataFileError, match="checksum"):
        load_apparel(tmp_path)


@pytest.mark.realdata
@requires_data("apparel")
def test_load_apparel_keeps_zero_price_lines():
    from crmlib.datasets import load_apparel

    data = load_apparel()
    assert len(data.transactions) == 3187 and data.transactions["customer_id"].nunique() == 600
    assert (data.transactions["amount"] == 0).sum() == 4  # PROVENANCE.md: four zero-price lines
    assert data.covariates.shape == (600, 2) and set(data.covariates.columns) == {
        "Gender",
        "Channel",
    }
    assert data.covariates.index.equals(data.covariates.index.unique())
