"""The look-alike model: features from the first purchase only, an honest time split
that does not leak later information, lift over random, and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError
from crmlib.exceptions import NotFittedError
from crmlib.identify import LookalikeModel, first_purchase_features, horizon_labels, lift_table

H = 60
TRAIN_END = pd.Timestamp("2023-06-30")  # inclusive: training rows are dated up to this day
BOUND = TRAIN_END + pd.Timedelta(days=1)


def synthetic_log(n: int = 2500, seed: int = 0) -> pd.DataFrame:
    """Customers acquired through 2023; big first baskets come back more often (planted)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    first = start + pd.to_timedelta(rng.integers(0, 365, n), unit="D") + pd.to_timedelta(
        rng.integers(8, 20, n), unit="h")
    value = rng.lognormal(3.0, 1.0, n)
    country = rng.choice(["UK", "FR", "DE"], n, p=[0.8, 0.1, 0.1])
    p_repeat = 1 / (1 + np.exp(-(-0.8 + 1.6 * (np.log(value) - 3.0))))
    repeat = rng.random(n) < p_repeat
    rows = []
    for i in range(n):
        cid = f"c{i:05d}"
        lines = rng.integers(1, 4)
        for j in range(lines):  # the first basket, several lines (some a few minutes apart)
            rows.append((cid, first[i] + pd.Timedelta(minutes=5 * j), value[i] / lines, int(rng.integers(1, 6)),
                         f"P{rng.integers(0, 50)}", country[i]))
        if repeat[i]:
            rows.append((cid, first[i] + pd.Timedelta(days=int(rng.integers(1, H + 1))), float(rng.lognormal(3, 1)),
                         1, "P1", country[i]))
        if rng.random() < 0.3:  # a purchase long after the horizon: must not count
            rows.append((cid, first[i] + pd.Timedelta(days=int(rng.integers(H + 5, 400))), 20.0, 1, "P2", country[i]))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "quantity", "StockCode", "Country"])
    return tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return synthetic_log()


# ------------------------------------------------------------------------- features


def test_features_use_only_the_first_purchase_day(log):
    feats = first_purchase_features(log)
    first_day = log.groupby("customer_id")["date"].transform("min").dt.normalize()
    after = log["date"].dt.normalize() > first_day
    assert after.sum() > 1000
    # change every later row, drop a third of them, and add new later rows
    mutated = log.copy()
    mutated.loc[after, "amount"] *= 100
    mutated.loc[after, "quantity"] += 50
    mutated.loc[after, "StockCode"] = "ZZZ"
    mutated.loc[after, "Country"] = "Narnia"
    drop = after & (np.arange(len(log)) % 3 == 0)
    mutated = mutated.loc[~drop]
    extra = log.loc[~after].groupby("customer_id").head(1).copy()
    extra["date"] = extra["date"] + pd.Timedelta(days=3)
    extra["amount"] = 1e6
    mutated = pd.concat([mutated, extra], ignore_index=True).sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(first_purchase_features(mutated), feats, check_like=False)


def test_feature_values_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2024-03-04 10:00", "2024-03-04 15:00", "2024-03-05 09:00",
                                    "2024-03-10 12:00"]),
            "amount": [10.0, 30.0, 500.0, 8.0],
            "quantity": [1, 3, 50, 2],
            "order_id": ["o1", "o2", "o3", "o4"],
            "StockCode": ["x", "y", "z", "x"],
            "Country": ["UK", "UK", "UK", "FR"],
        }
    )
    f = first_purchase_features(tx)
    a = f.loc["a"]
    assert (a["first_value"], a["n_lines"], a["items"], a["distinct_products"], a["n_orders"]) == (40.0, 2, 4.0, 2, 2)
    assert a["mean_item_price"] == 10.0 and a["country"] == "UK"
    assert (a["weekday"], a["hour"], a["month"], a["cohort_week"]) == (0, 10, 3, 0)
    assert f.loc["b", "cohort_week"] == 0 and f.loc["b", "weekday"] == 6
    assert set(f.attrs["categorical"]) == {"country", "weekday", "hour", "month"}


def test_horizon_labels_window():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
                       "date": pd.to_datetime(["2024-01-01 09:00", "2024-01-31 18:00", "2024-01-01 00:00",
                                               "2024-02-01 00:00", "2024-01-01 00:00"]),
                       "amount": [5.0, 7.0, 3.0, 4.0, 9.0]})
    f = first_purchase_features(tx)
    lab = horizon_labels(tx, f["first_day"], horizon_days=30)
    assert lab["repeat"].to_dict() == {"a": 1, "b": 0, "c": 0}  # b's second purchase is day 31
    assert lab.loc["a", "spend_in_horizon"] == 12.0 and lab.loc["a", "spend_after_first"] == 7.0


# ------------------------------------------------------------------- the time split


@pytest.mark.parametrize("target", ["repeat", "high_value"])
def test_fit_ignores_everything_after_train_end(log, target):
    model = LookalikeModel(horizon_days=H, train_end=TRAIN_END, target=target).fit(log)
    later = log["date"] >= BOUND
    mutated = log.copy()
    mutated.loc[later, "amount"] *= 37
    mutated.loc[later, "Country"] = "Atlantis"
    mutated = mutated.loc[~(later & (np.arange(len(log)) % 2 == 0))]
    again = LookalikeModel(horizon_days=H, train_end=TRAIN_END, target=target).fit(mutated)
    pd.testing.assert_frame_equal(again.train_features_, model.train_features_)
    pd.testing.assert_series_equal(again.train_labels_, model.train_labels_)
    pd.testing.assert_series_equal(again.coefficients(), model.coefficients())
    assert again.value_threshold_ == model.value_threshold_
    # and fitting on the past alone gives the same model
    past_only = LookalikeModel(horizon_days=H, train_end=TRAIN_END, target=target,
                               observation_end="2023-12-31").fit(log.loc[~later])
    pd.testing.assert_series_equal(past_only.coefficients(), model.coefficients())


def test_training_labels_are_observed_before_the_cutoff(log):
    model = LookalikeModel(horizon_days=H, train_end=TRAIN_END).fit(log)
    first = model.train_features_["first_day"]
    # every training label window ends by train_end (inclusive)
    assert (first + pd.Timedelta(days=H) <= TRAIN_END).all()
    assert model.train_cohort_end_ == TRAIN_END - pd.Timedelta(days=H)
    # customers acquired in (train_end - H, train_end] would need later data: excluded
    all_first = first_purchase_features(log)["first_day"]
    gap = all_first[(all_first > TRAIN_END - pd.Timedelta(days=H)) & (all_first <= TRAIN_END)]
    assert len(gap) > 50 and not set(gap.index) & set(first.index)
    # labels equal those computed from the rows up to the cutoff only
    past = log[log["date"] < BOUND]
    expected = horizon_labels(past, first, horizon_days=H)["repeat"]
    assert (model.train_labels_.to_numpy() == expected.to_numpy()).all()


def test_evaluation_on_the_later_cohort_beats_random(log):
    model = LookalikeModel(horizon_days=H, train_end=TRAIN_END).fit(log)
    ev = model.evaluate(log)
    scored = ev.scores
    assert (scored["first_day"] > TRAIN_END).all()
    assert not set(scored.index) & set(model.train_labels_.index)
    assert (scored["first_day"] <= ev.dates["observation_end"] - pd.Timedelta(days=H)).all()
    assert ev.auc > 0.7
    assert ev.top_decile_lift > 1.5
    assert ev.lift["customers"].sum() == ev.n_test
    assert ev.lift["cum_share_positives"].iloc[-1] == pytest.approx(1.0)
    assert "AUC" in str(ev) and ev.summary().shape[1] == 1
    # predict_proba takes a log, like fit: every customer of it, scored from their first purchase
    proba = model.predict_proba(log)
    assert proba.between(0, 1).all() and set(proba.index) == set(log["customer_id"])
    np.testing.assert_allclose(proba.loc[scored.index].to_numpy(), scored["score"].to_numpy())


def test_default_split_balances_cohorts_and_is_honest(log):
    model = LookalikeModel(horizon_days=H)
    d = model.split_dates(log)
    assert d["train_cohort_end"] == d["train_end"] - pd.Timedelta(days=H)
    assert d["cohort_start"] <= d["train_cohort_end"] < d["train_end"] < d["test_cohort_end"]
    model.fit(log)
    ev = model.evaluate(log)
    share = ev.n_train / (ev.n_train + ev.n_test)
    assert 0.5 < share < 0.7


def test_custom_estimator_and_features(log):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = LookalikeModel(horizon_days=H, train_end=TRAIN_END, features=["first_value", "country"],
                           estimator=HistGradientBoostingClassifier(max_iter=50, random_state=0)).fit(log)
    assert model.features_ == ["first_value", "country"]
    assert model.evaluate(log).auc > 0.65
    with pytest.raises(DataValidationError, match="no coefficients"):
        model.coefficients()


def test_lift_table_known_answer():
    t = lift_table([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], np.linspace(1, 0, 10), n_bins=5)
    assert t["lift"].tolist() == [5.0, 0.0, 0.0, 0.0, 0.0]
    assert t["cum_share_positives"].tolist() == [1.0] * 5
    rnd = lift_table(np.tile([1, 0, 0, 0], 250), np.zeros(1000))  # constant scores: no lift
    assert rnd["lift"].tolist() == pytest.approx([1.0] * 10)
    with pytest.raises(DataValidationError, match="no positive outcome"):
        lift_table(np.zeros(20), np.arange(20.0))
    with pytest.raises(DataValidationError, match="0/1"):
        lift_table(np.full(20, 2.0), np.arange(20.0))


def test_errors(log):
    with pytest.raises(NotFittedError):
        LookalikeModel().predict_proba(log)
    with pytest.raises(DataValidationError, match="no room for a test cohort"):
        LookalikeModel(horizon_days=H, train_end="2023-12-01", observation_end="2023-12-31").fit(log)
    with pytest.raises(DataValidationError, match="no room for a training cohort"):
        LookalikeModel(horizon_days=H, train_end="2023-02-01").fit(log)
    with pytest.raises(DataValidationError, match="target="):
        LookalikeModel(target="loyal").fit(log)
    with pytest.raises(DataValidationError, match="horizon_days"):
        LookalikeModel(horizon_days=0).fit(log)
    with pytest.raises(DataValidationError, match="Unknown or unavailable feature"):
        LookalikeModel(horizon_days=H, train_end=TRAIN_END, features=["first_value", "zodiac"]).fit(log)
    with pytest.raises(DataValidationError, match="empty"):
        LookalikeModel().fit(log.iloc[:0])
    one = log[log["customer_id"] == "c00000"]
    with pytest.raises(DataValidationError):
        LookalikeModel(horizon_days=H).fit(one)
    for bad in ({"horizon_days": "90"}, {"train_share": float("nan")}, {"high_value_share": True}):
        with pytest.raises(DataValidationError, match=next(iter(bad))):
            LookalikeModel(**bad).fit(log)
    for bad_date in ("2023-06-31", "02/03/2023", 20230630):
        with pytest.raises(DataValidationError, match="train_end"):
            LookalikeModel(horizon_days=H, train_end=bad_date).fit(log)


def test_scikit_learn_estimator_contract(log):
    from sklearn.base import BaseEstimator, clone
    from sklearn.exceptions import NotFittedError as SkNotFitted
    from sklearn.linear_model import LogisticRegression

    model = LookalikeModel(horizon_days=H, train_end=TRAIN_END, estimator=LogisticRegression(C=0.5),
                           random_state=3)
    assert isinstance(model, BaseEstimator)
    params = model.get_params(deep=True)
    assert params["random_state"] == 3 and params["estimator__C"] == 0.5 and "seed" not in params
    copy = clone(model)
    assert copy.get_params()["train_end"] == TRAIN_END and copy.estimator is not model.estimator
    copy.set_params(estimator__C=2.0, horizon_days=30)
    assert copy.estimator.C == 2.0 and copy.horizon_days == 30 and model.horizon_days == H
    fitted = model.fit(log)
    assert fitted is model and not hasattr(clone(model), "pipeline_")
    with pytest.raises(SkNotFitted):
        clone(model).predict_proba(log)


def test_one_class_training_labels_are_a_validation_error(log):
    # nobody comes back within the horizon: refused before scikit-learn sees one class, whatever the estimator
    first_only = log.loc[log["date"].dt.normalize() == log.groupby("customer_id")["date"].transform("min").dt.normalize()]
    from sklearn.ensemble import HistGradientBoostingClassifier

    for est in (None, HistGradientBoostingClassifier(max_iter=5)):
        with pytest.raises(DataValidationError, match="same outcome"):
            LookalikeModel(horizon_days=H, train_end=TRAIN_END, estimator=est).fit(first_only)


def test_returns_are_not_first_purchases():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-05"]),
                       "amount": [-20.0, 15.0]})
    f = first_purchase_features(tx)
    assert f.loc["a", "first_day"] == pd.Timestamp("2024-01-05") and f.loc["a", "first_value"] == 15.0


# ------------------------------------------------------------------------- real data


def test_cdnow_master_lookalike(cdnow_master):
    # CDNOW acquired customers only in Q1 1997: a 28-day horizon leaves room for a later cohort
    model = LookalikeModel(horizon_days=28).fit(cdnow_master)
    ev = model.evaluate(cdnow_master)
    assert ev.dates["test_first"] > model.train_end_
    assert ev.n_train > 5000 and ev.n_test > 4000
    assert set(model.features_) == {"first_value", "n_lines", "items", "mean_item_price", "weekday"}
    assert ev.auc > 0.53  # weak but real signal; the standard error here is about 0.01
    assert ev.top_decile_lift > 1.2


@requires_data("online_retail")
def test_online_retail_lookalike():
    from crmlib import datasets, read_transactions
    from crmlib.datasets import ONLINE_RETAIL_COLUMNS

    tx, _ = read_transactions(datasets.load_online_retail(), **ONLINE_RETAIL_COLUMNS)
    model = LookalikeModel(horizon_days=90, cohort_start="2011-01-01", target="high_value").fit(tx)
    ev = model.evaluate(tx)
    assert ev.dates["train_last"] <= model.train_end_ - pd.Timedelta(days=90)
    assert {"country", "distinct_products", "hour"} <= set(model.features_)
    assert ev.auc > 0.58
