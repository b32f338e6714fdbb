"""customer_profile: one customer, every area, the same numbers as the area's own functions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import datasets
from crmlib.churn import churn_features, churn_labels, make_churn_model
from crmlib.clv import BetaGeo, GammaGamma
from crmlib.exceptions import DataValidationError
from crmlib.features import rfm_summary
from crmlib.identify import lifecycle_states
from crmlib.profile import build_book, customer_profile, plot_customer_profile
from crmlib.segment import assign_segments, rfm_scores, value_tiers


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return datasets.load_cdnow_transactions(sample=True)


@pytest.fixture(scope="module")
def book(log):
    return build_book(log, currency="$")


def _pick(book, log):
    """A champion, a lapsing key customer and a one-time buyer."""
    seg, tiers, life = book.segments, book.tiers, book.lifecycle
    champion = seg.index[seg["segment"] == "Champions"][0]
    lapsing = [c for c in tiers.index[tiers["tier"] == "key"] if life.loc[c, "state"] in ("at_risk", "churned")][0]
    one_time = book.summary.index[book.summary["frequency"] == 0][0]
    return [champion, lapsing, one_time]


def test_every_figure_equals_the_areas_own_result(book, log):
    end = log["date"].max().normalize()
    summary = rfm_summary(log, observation_end=end, time_unit="W")
    segments = assign_segments(rfm_scores(summary, observation_end=end))
    tiers = value_tiers(summary["total_spend"].clip(lower=0))
    life = lifecycle_states(log, end)
    bg = BetaGeo().fit(summary)
    gg = GammaGamma().fit(summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)])
    clv = bg.clv(summary, gg, horizon="52W")
    train_end = end - pd.Timedelta("90D")
    X_tr = churn_features(log, train_end)
    y_tr = churn_labels(log, train_end, "90D", log_end=end).reindex(X_tr.index)
    risk = make_churn_model("logistic", random_state=0).fit(X_tr, y_tr).predict_proba(
        churn_features(log, end).reindex(summary.index))[:, 1]
    risk = pd.Series(risk, index=summary.index)
    for cid in _pick(book, log):
        f = customer_profile(cid, book).figures
        assert f["segment"] == segments.loc[cid, "segment"]
        assert f["value_tier"] == str(tiers.loc[cid, "tier"])
        assert f["lifecycle_state"] == life.loc[cid, "state"]
        assert f["recency_days"] == segments.loc[cid, "recency_days"]
        assert f["total_spend"] == pytest.approx(summary.loc[cid, "total_spend"])
        assert f["p_alive"] == pytest.approx(clv.loc[cid, "p_alive"], rel=1e-6)
        assert f["p_alive"] == pytest.approx(bg.p_alive(summary.loc[[cid]]).iloc[0], rel=1e-6)
        assert f["expected_purchases"] == pytest.approx(clv.loc[cid, "expected_purchases"], rel=1e-6)
        assert f["clv"] == pytest.approx(clv.loc[cid, "clv"], rel=1e-6)
        assert f["churn_risk"] == pytest.approx(risk.loc[cid], rel=1e-6)


def test_history_and_p_alive_over_time_belong_to_the_customer(book, log):
    cid = _pick(book, log)[0]
    p = customer_profile(cid, book)
    assert (p.history["customer_id"] == cid).all()
    assert len(p.history) == int((log["customer_id"] == cid).sum())
    # the last P(alive) of the history is today's P(alive)
    assert p.p_alive_history["p_alive"].iloc[-1] == pytest.approx(p.figures["p_alive"], rel=1e-6)
    assert p.p_alive_history["purchase"].sum() == p.figures["purchase_days"]


def test_one_time_buyer_is_explained(book, log):
    p = customer_profile(_pick(book, log)[2], book)
    assert p.figures["p_alive"] == pytest.approx(1.0)
    assert "by construction" in p.definitions["p_alive"]


def test_lapsing_key_customer_gets_the_winback_action(book, log):
    p = customer_profile(_pick(book, log)[1], book)
    assert p.action.startswith("win-back: ")
    assert "tier key" in p.action_source


def test_reasons_are_features_where_similar_customers_churned_more():
    # hand-built: the long-gap customers churned, the recent ones did not
    from crmlib.profile import _reasons

    X = pd.DataFrame({"days_since_last": [5, 10, 15, 200, 250, 300], "noise": [1, 2, 1, 2, 1, 2]},
                     index=list("abcdef"))
    y = pd.Series([0, 0, 0, 1, 1, 1], index=X.index)
    r = _reasons(X, y, X, n_bins=2)
    assert r.loc["f", "days_since_last"] == pytest.approx(0.5)  # bin rate 1.0 - base 0.5
    assert r.loc["a", "days_since_last"] == pytest.approx(-0.5)
    assert np.allclose(r["noise"].abs(), 1 / 6)


def test_unknown_customer_is_refused_with_examples(book):
    with pytest.raises(DataValidationError, match="no purchase up to"):
        customer_profile("no-such-customer", book)


def test_profile_from_a_log_builds_the_book(log):
    cid = log["customer_id"].iloc[0]
    assert customer_profile(cid, log).customer_id == str(cid)


def test_page_has_history_p_alive_and_card(book, log):
    import matplotlib.pyplot as plt

    p = customer_profile(_pick(book, log)[1], book)
    fig = plot_customer_profile(p)
    try:
        assert len(fig.axes) == 3
        texts = " ".join(t.get_text() for t in fig.axes[2].texts)
        assert "Recommended action" in texts and p.figures["segment"] in texts
        assert p.customer_id in fig._suptitle.get_text()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("kw,match", [
    ({"churn_horizon": 90}, "no unit"),
    ({"horizon": "52"}, "no unit"),
    ({"observation_end": "03/04/1997"}, "ambiguous"),
    ({"margin": 1.5}, "out of range"),
])
def test_bad_settings_are_refused_before_any_fit(log, kw, match):
    with pytest.raises(DataValidationError, match=match):
        build_book(log, **kw)


def test_next_products_come_from_the_basket_suggestions(log):
    cid = str(log["customer_id"].iloc[0])
    suggestions = pd.DataFrame({"customer_id": [cid, cid, "other"], "rank": [1, 2, 1],
                                "suggestion": ["tea", "milk", "beer"]})
    book = build_book(log, next_products=suggestions)
    assert customer_profile(cid, book).next_products == ["tea", "milk"]
    assert customer_profile(cid, book, n_products=1).next_products == ["tea"]


def test_clv_interval_is_the_bootstrap_of_that_customer(book, log):
    from crmlib.clv import parameter_intervals

    for cid in _pick(book, log):
        f = customer_profile(cid, book).figures
        res = parameter_intervals(book.model, book.summary.loc[[cid]], book.spend_model, horizon="52W",
                                  n_draws=200, random_state=0)
        row = res.customers.iloc[0]
        assert f["clv_lower_95_param"] == pytest.approx(row["clv_lower_95_param"])
        assert f["clv_upper_95_param"] == pytest.approx(row["clv_upper_95_param"])
        assert f["clv_lower_95_param"] <= f["clv"] <= f["clv_upper_95_param"]
