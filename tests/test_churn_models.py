"""Churn models: scikit-learn's estimator checks, the baselines' contract on valid data,
BG/NBD against the published CDNOW fit, lifetimes and simulation."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import reference_churn as ref
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from crmlib import DataValidationError, exceptions
from crmlib.churn import (
    BTYDChurnBaseline,
    RecencyRule,
    churn_features,
    make_churn_model,
    score_models,
    time_split,
)
from crmlib.datasets import generate_bgnbd_transactions

PAPER = ref.BGNBD_PARAMS


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    """Gradient boosting's OpenMP threads thrash when the test workers already fill the
    cores (a 0.3 s fit took 15 s on the shared 2-core machine)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield

# ------------------------------------------------------------ scikit-learn's checks

_PIPELINE_XFAIL = {
    # scikit-learn lists the same two for its own Pipeline (its _test_common tables)
    "check_dont_overwrite_parameters": "Pipeline fits the estimators inside its `steps` parameter "
    "(a known scikit-learn Pipeline exception).",
    "check_estimators_overwrite_params": "Pipeline fits the estimators inside its `steps` parameter "
    "(a known scikit-learn Pipeline exception).",
    "check_estimators_nan_inf": "NaN is valid input by design (one-time buyers have no purchase gap) "
    "and the pipeline handles it, but Pipeline does not pass its first step's allow_nan tag on, so "
    "the check expects an error.",
}
_RULE_XFAIL = {
    "check_classifiers_train": "predict applies the user's fixed recency threshold (the course's "
    "'bought within 3 months' rule); it is not learned, so it cannot reach the check's accuracy "
    "on arbitrary blobs.",
}
_NEEDS_3_COLUMNS = (
    "the baseline reads three given columns (frequency, active span, tenure); the check's data "
    "have only 2 features."
)
_INVALID_BGNBD = (
    "the check's random features are not BG/NBD inputs (non-integer or negative frequency, "
    "recency above T), which the baseline rejects with a DataValidationError by design; the "
    "same property is tested on valid data in this file."
)
_BTYD_XFAIL = {
    **{
        name: _NEEDS_3_COLUMNS
        for name in (
            "check_classifier_data_not_an_array",
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_estimators_fit_returns_self",
            "check_estimators_overwrite_params",
            "check_fit_check_is_fitted",
            "check_fit_idempotent",
            "check_n_features_in",
            "check_readonly_memmap_input",
        )
    },
    **{
        name: _INVALID_BGNBD
        for name in (
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_dtype_object",
            "check_estimators_dtypes",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_fit2d_predict1d",
            "check_fit_score_takes_y",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_n_features_in_after_fitting",
            "check_pipeline_consistency",
            "check_positive_only_tag_during_fit",
            "check_supervised_y_2d",
        )
    },
}


def _expected_failures(estimator) -> dict[str, str]:
    if isinstance(estimator, RecencyRule):
        return _RULE_XFAIL
    if isinstance(estimator, BTYDChurnBaseline):
        return _BTYD_XFAIL
    return _PIPELINE_XFAIL


@parametrize_with_checks(
    [
        make_churn_model("logistic"),
        make_churn_model("gbm", random_state=0, max_iter=20),
        RecencyRule(column=0),
        BTYDChurnBaseline(columns=(0, 1, 2)),
    ],
    expected_failed_checks=_expected_failures,
    xfail_strict=True,  # a check listed above that starts passing must be removed from the list
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        # scikit-learn's checks provoke convergence and data warnings on purpose
        warnings.simplefilter("ignore")
        check(estimator)


# ------------------------------------------------------------ data for the baselines


@pytest.fixture(scope="module")
def cdnow_split():
    from crmlib.datasets import load_cdnow

    return time_split(load_cdnow(sample=True), "1997-06-30", "1997-09-30", "90D")


@pytest.fixture(scope="module")
def paper_features():
    """CDNOW sample features at the end of the papers' calibration period, with every
    customer (its 8 zero-dollar purchases count, as in the papers)."""
    from crmlib.datasets import load_cdnow

    tx = load_cdnow(sample=True)
    return churn_features(tx.assign(amount=tx["amount"] + 1.0), ref.CDNOW_CALIBRATION_END)


# ------------------------------------------------------------ BG/NBD, through crmlib.clv.BetaGeo


def test_bgnbd_fit_reproduces_the_paper(paper_features):
    assert len(paper_features) == ref.CDNOW_SAMPLE_CUSTOMERS
    model = BTYDChurnBaseline().fit(paper_features)
    assert model.params_.to_dict() == pytest.approx(PAPER, abs=ref.BGNBD_PARAMS_ABS_TOL)
    assert model.log_likelihood_ == pytest.approx(ref.BGNBD_LOG_LIKELIHOOD, abs=ref.BGNBD_LOG_LIKELIHOOD_ABS_TOL)
    assert model.dropout_identified_ and model.fitted_with_ == "crmlib.clv.BetaGeo"


def test_baseline_scores_are_betageos(paper_features):
    """One home for the BG/NBD formulas: the baseline's scores are BetaGeo's own."""
    from crmlib.clv import BetaGeo

    X = paper_features
    summary = pd.DataFrame({"frequency": X["frequency"], "recency": X["active_span_days"] / 7,
                            "T": X["tenure_days"] / 7})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg = BetaGeo(time_unit="W").fit(summary)
    alive = BTYDChurnBaseline().fit(X)
    np.testing.assert_allclose(alive.predict_proba(X)[:, 1], 1 - bg.p_alive(summary).to_numpy(), rtol=1e-9)
    quiet = BTYDChurnBaseline(horizon_days=91).fit(X)
    np.testing.assert_allclose(quiet.predict_proba(X)[:, 1], bg.prob_no_purchase(summary, "13W").to_numpy(),
                               rtol=1e-9)
    # the same model in days gives the same scores
    in_days = BTYDChurnBaseline(horizon_days=91, time_unit="D").fit(X)
    np.testing.assert_allclose(in_days.predict_proba(X)[:, 1], quiet.predict_proba(X)[:, 1], atol=2e-3)
    import crmlib.churn as churn

    assert not any(hasattr(churn, n) for n in ("bgnbd_log_likelihood", "bgnbd_prob_alive", "bgnbd_prob_no_purchase"))


def test_prob_no_purchase_matches_simulated_outcomes():
    """On a log simulated from BG/NBD, the baseline's probability of no purchase in the
    next 13 weeks matches the observed share, overall and by decile."""
    tx = generate_bgnbd_transactions(20_000, cohort_days=84, observation_weeks=52, random_state=3)
    bound = pd.Timestamp("2024-01-01") + pd.Timedelta(days=84 + 39 * 7)
    X = churn_features(tx, bound - pd.Timedelta(days=1))
    later = tx[(tx["date"] >= bound) & (tx["date"] < bound + pd.Timedelta(days=91))]
    quiet = ~X.index.isin(later["customer_id"].unique())
    pred = BTYDChurnBaseline(horizon_days=91).fit(X).predict_proba(X)[:, 1]
    assert pred.mean() == pytest.approx(quiet.mean(), abs=0.01)
    deciles = pd.qcut(pd.Series(pred).rank(method="first"), 10, labels=False).to_numpy()
    by = pd.DataFrame({"pred": pred, "obs": quiet, "d": deciles}).groupby("d").mean()
    assert np.abs(by["pred"] - by["obs"]).max() < 0.04


# ------------------------------------------------------------ the BTYD baseline's contract


def test_btyd_contract_on_valid_data(cdnow_split):
    X, y = cdnow_split.X_train, cdnow_split.y_train
    base = BTYDChurnBaseline(horizon_days=90)
    with pytest.raises(exceptions.NotFittedError):
        base.predict_proba(X)
    with pytest.raises(SklearnNotFittedError):
        base.predict(X)
    params = base.get_params()
    fitted = base.fit(X, y)
    assert fitted is base and base.get_params() == params  # fit returns self, changes no parameter
    assert base.n_features_in_ == X.shape[1] and list(base.feature_names_in_) == list(X.columns)
    proba = base.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()
    # labels are not needed: the same parameters without y
    no_y = BTYDChurnBaseline(horizon_days=90).fit(X)
    pd.testing.assert_series_equal(no_y.params_, base.params_)
    # idempotent, picklable, order and subset invariant
    again = clone(base).fit(X, y)
    pd.testing.assert_series_equal(again.params_, base.params_)
    restored = pickle.loads(pickle.dumps(base))
    np.testing.assert_array_equal(restored.predict_proba(X), proba)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(base.predict_proba(X.iloc[order]), proba[order])
    np.testing.assert_allclose(base.predict_proba(X.iloc[:50]), proba[:50])
    # columns by position on a plain array give the same model
    cols = [X.columns.get_loc(c) for c in ("frequency", "active_span_days", "tenure_days")]
    arr = BTYDChurnBaseline(columns=tuple(cols), horizon_days=90).fit(X.to_numpy(), y.to_numpy())
    np.testing.assert_allclose(arr.predict_proba(X.to_numpy()), proba)
    # classes come from y; predict thresholds the score
    named = clone(base).fit(X, np.where(y == 1, "churned", "active"))
    assert list(named.classes_) == ["active", "churned"]
    assert set(named.predict(X)) <= {"active", "churned"}
    assert ((base.predict(X) == 1) == (proba[:, 1] >= 0.5)).all()


def test_btyd_scores(cdnow_split):
    X, y, X_te, y_te = cdnow_split
    p_alive = BTYDChurnBaseline().fit(X)
    no_buy = BTYDChurnBaseline(horizon_days=90).fit(X)
    s_alive = p_alive.predict_proba(X_te)[:, 1]
    s_no_buy = no_buy.predict_proba(X_te)[:, 1]
    one_timers = (X_te["frequency"] == 0).to_numpy()
    assert np.all(s_alive[one_timers] == 0)  # BG/NBD: no dropout before a repeat purchase
    assert np.all(s_no_buy >= s_alive - 1e-12)  # the dead never buy; the alive may not either
    assert roc_auc_score(y_te, s_no_buy) > 0.75


def test_btyd_rejects_invalid_inputs(cdnow_split):
    X = cdnow_split.X_train
    with pytest.raises(DataValidationError, match="whole number"):
        BTYDChurnBaseline().fit(X.assign(frequency=X["frequency"] + 0.5))
    with pytest.raises(DataValidationError, match="between 0 and"):
        BTYDChurnBaseline().fit(X.assign(active_span_days=X["tenure_days"] + 1))
    with pytest.raises(DataValidationError, match="'tenure_days' is not among X's columns"):
        BTYDChurnBaseline().fit(X.drop(columns="tenure_days"))
    for bad in ("soon", float("nan"), -5, True, 1e9):
        with pytest.raises(DataValidationError, match="horizon_days"):
            BTYDChurnBaseline(horizon_days=bad).fit(X)
    with pytest.raises(DataValidationError, match="threshold"):
        BTYDChurnBaseline(threshold=float("nan")).fit(X)
    with pytest.raises(DataValidationError, match="missing or infinite"):
        BTYDChurnBaseline().fit(X.assign(frequency=np.nan))
    with pytest.raises(DataValidationError, match="three|3"):
        BTYDChurnBaseline(columns=("frequency", "tenure_days")).fit(X)
    with pytest.raises(DataValidationError, match="No customer has a repeat purchase"):
        BTYDChurnBaseline().fit(X.assign(frequency=0.0, active_span_days=0.0))
    # NaN in columns the baseline does not use is fine (gap features of one-time buyers)
    assert X["mean_gap_days"].isna().any()
    BTYDChurnBaseline().fit(X)


def test_btyd_warns_when_the_data_show_no_dropout():
    """Simulated customers who never drop out: the likelihood peaks at no dropout, the
    baseline says so, and 1 - P(alive) is ~0 for everyone."""
    tx = generate_bgnbd_transactions(3_000, a=1.0, b=1e6, observation_weeks=39, random_state=5)
    X = churn_features(tx, tx.attrs["observation_end"])
    with pytest.warns(exceptions.ConvergenceWarning, match="no sign of customers dropping out"):
        model = BTYDChurnBaseline().fit(X)
    assert not model.dropout_identified_
    assert model.predict_proba(X)[:, 1].max() < 1e-3


# ------------------------------------------------------------ the recency rule


def test_recency_rule(cdnow_split):
    X, y, X_te, y_te = cdnow_split
    rule = RecencyRule(days=90).fit(X, y)
    # the course's rule: flagged when the last purchase is 90 or more days back
    probe = X.iloc[:3].assign(days_since_last=[89.0, 90.0, 300.0])
    assert rule.predict(probe).tolist() == [0, 1, 1]
    assert rule.decision_function(probe).tolist() == [-1.0, 0.0, 210.0]
    p = rule.predict_proba(X)[:, 1]
    assert rule.coef_ > 0  # longer since the last purchase: more churn
    assert p.mean() == pytest.approx(y.mean(), abs=0.01)  # the logistic map is calibrated in-sample
    # the ranking is recency's
    s = rule.predict_proba(X_te)[:, 1]
    assert roc_auc_score(y_te, s) == pytest.approx(roc_auc_score(y_te, X_te["days_since_last"]))
    with pytest.raises(DataValidationError, match="'recency_days' is not among X's columns"):
        RecencyRule(column="recency_days").fit(X, y)
    with pytest.raises(DataValidationError, match="no column names"):
        RecencyRule().fit(X.to_numpy(), y)
    with pytest.raises(exceptions.NotFittedError):
        RecencyRule().predict(X)
    with pytest.raises(DataValidationError, match="Only binary classification"):
        RecencyRule().fit(X, np.arange(len(X)) % 3)


# ------------------------------------------------------------ the pipelines


def test_models_fit_score_and_beat_the_recency_rule(cdnow_split):
    X, y, X_te, y_te = cdnow_split
    assert X.isna().any().any()  # gap features are NaN for one-time buyers
    models = {
        "logistic": make_churn_model("logistic"),
        "gbm": make_churn_model("gbm", random_state=0),
        "rule": RecencyRule(),
        "btyd": BTYDChurnBaseline(horizon_days=90),
    }
    scores = score_models(models, X, y, X_te)
    assert list(scores.columns) == list(models) and scores.index.equals(X_te.index)
    assert not hasattr(models["logistic"], "classes_")  # score_models fits clones
    assert scores.apply(lambda s: s.between(0, 1).all()).all()
    auc = {k: roc_auc_score(y_te, v) for k, v in scores.items()}
    assert auc["logistic"] > 0.75 and auc["gbm"] > 0.7
    assert auc["logistic"] > auc["rule"]
    # reproducible
    again = score_models({"gbm": make_churn_model("gbm", random_state=0)}, X, y, X_te)
    np.testing.assert_array_equal(again["gbm"], scores["gbm"])


def test_logistic_pipeline_steps_and_feature_names(cdnow_split):
    model = make_churn_model("logistic").fit(cdnow_split.X_train, cdnow_split.y_train)
    assert list(model.named_steps) == ["log", "impute", "scale", "model"]
    names = list(model[:-1].get_feature_names_out())
    assert names[: cdnow_split.X_train.shape[1]] == list(cdnow_split.X_train.columns)


def test_unknown_model_kind():
    with pytest.raises(DataValidationError, match="Unknown churn model kind 'svm'"):
        make_churn_model("svm")


def test_score_models_pairs_labels_by_customer(cdnow_split):
    """At HEAD, score_models checked lengths only: shuffled labels were paired with the
    wrong customers and the model learnt noise."""
    X, y, X_te, y_te = cdnow_split
    models = {"logistic": make_churn_model("logistic")}
    right = score_models(models, X, y, X_te)
    shuffled = y.sample(frac=1.0, random_state=0)
    assert not shuffled.index.equals(y.index)
    pd.testing.assert_frame_equal(score_models(models, X, shuffled, X_te), right)
    assert roc_auc_score(y_te, right["logistic"]) > 0.75


def test_score_models_refuses_other_customers_and_plain_arrays(cdnow_split):
    X, y, X_te, _ = cdnow_split
    rule = {"rule": RecencyRule()}
    with pytest.raises(DataValidationError, match="only in X_train") as err:
        score_models(rule, X, y.iloc[:-1], X_te)
    assert str(y.index[-1]) in str(err.value)
    relabelled = y.rename(index=lambda i: f"other-{i}")
    with pytest.raises(DataValidationError, match="do not hold the same customers"):
        score_models(rule, X, relabelled, X_te)
    with pytest.raises(DataValidationError, match="must be a pandas Series"):
        score_models(rule, X, y.to_numpy(), X_te)
    with pytest.raises(DataValidationError, match="column 'days_since_last' not found"):
        score_models(rule, X, y, X_te.drop(columns="days_since_last"))


@pytest.mark.parametrize("value", [0, 1])
def test_one_class_training_labels_are_a_validation_error(cdnow_split, value):
    """At HEAD, scikit-learn's own ValueError came through."""
    X, y, X_te, _ = cdnow_split
    with pytest.raises(DataValidationError, match="one class only") as err:
        score_models({"logistic": make_churn_model("logistic")}, X, y * 0 + value, X_te)
    assert "observation_end" in str(err.value) and "horizon" in str(err.value)


def test_estimators_clone_and_set_params():
    """The estimator contract: clone, get_params(deep) and set_params work."""
    for est in (RecencyRule(days=60, column="days_since_last"),
                BTYDChurnBaseline(horizon_days=90, time_unit="D", threshold=0.3),
                make_churn_model("gbm", random_state=1)):
        twin = clone(est)
        assert twin is not est and twin.get_params(deep=False).keys() == est.get_params(deep=False).keys()
        assert repr(twin) == repr(est)
        est.get_params(deep=True)
    rule = RecencyRule().set_params(days=30)
    assert rule.days == 30 and clone(rule).days == 30
    base = BTYDChurnBaseline().set_params(horizon_days=45)
    assert clone(base).get_params()["horizon_days"] == 45
