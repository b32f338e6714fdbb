"""The real data sets: the airline survey (satisfaction index against the loyal label)
and IBM Telco (Satisfaction Score against churn)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import requires_data
from reference_satisfaction import (
    AIRLINE_ITEMS,
    AIRLINE_LOYAL,
    AIRLINE_NOT_APPLICABLE,
    AIRLINE_RESPONDENTS,
    TELCO_CHURN_BY_SCORE,
    TELCO_CUSTOMERS,
)

from crmlib import datasets
from crmlib.satisfaction import bin_index, driver_analysis, loyalty_curve, satisfaction_index

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def airline():
    return datasets.load_airline_survey()


@pytest.fixture(scope="module")
def airline_items(airline):
    # the 14 service items are the integer columns rated 0-5
    items = [c for c in airline.columns[7:21]]
    assert all(airline[c].between(0, 5).all() for c in items)
    return items


@requires_data("airline_survey")
def test_airline_index_leaves_out_not_applicable(airline, airline_items):
    assert len(airline) == AIRLINE_RESPONDENTS and len(airline_items) == AIRLINE_ITEMS
    si = satisfaction_index(airline, airline_items)
    for item, zeros in AIRLINE_NOT_APPLICABLE.items():
        assert si.items.loc[item, "n_not_applicable"] == zeros
    # the mean over rated items only is higher than a mean with zeros averaged in
    naive = airline[airline_items].mean(axis=1)
    assert (si.index >= naive - 1e-12).all() and (si.index > naive).sum() == (airline[airline_items] == 0).any(axis=1).sum()
    assert si.index.between(1, 5).all() and si.n_missing == 0


@requires_data("airline_survey")
def test_airline_curve(airline, airline_items):
    si = satisfaction_index(airline, airline_items)
    c = loyalty_curve(bin_index(si.index), airline["Customer Type"], positive="Loyal Customer", n_sim=199, n_boot=0)
    t = c.table
    assert t["n"].sum() == AIRLINE_RESPONDENTS and t["n_loyal"].sum() == AIRLINE_LOYAL
    # loyalty rises from the middle of the index to the top, and the fit is monotone
    assert t.loc[t["level"] == 5, "rate"].item() > t.loc[t["level"] == 4, "rate"].item() > t.loc[t["level"] == 3, "rate"].item()
    assert np.all(np.diff(t["isotonic"]) >= 0)
    # a gentle curve: 5s are nowhere near six times as loyal as 4s
    r = c.ratio(5, 4, n_boot=300)
    assert 1.0 < r.ci_low and r.ci_high < 1.2


@requires_data("airline_survey")
def test_airline_drivers_run_on_the_full_survey(airline, airline_items):
    da = driver_analysis(airline, airline_items, "Customer Type", positive="Loyal Customer",
                         controls=["Type of Travel", "Class"])
    assert len(da.table) == AIRLINE_ITEMS and da.n == AIRLINE_RESPONDENTS
    assert np.isfinite(da.table[["importance", "ci_low", "ci_high"]].to_numpy()).all()
    # travel type dominates the loyal label: personal travellers are almost all "loyal"
    assert da.control_effects.loc["Type of Travel = Personal Travel", "coef"] > 3


@requires_data("telco")
def test_telco_curve_is_nearly_a_step():
    tel = datasets.load_telco()
    assert len(tel) == TELCO_CUSTOMERS
    c = loyalty_curve(tel["Satisfaction Score"], (1 - tel["Churn Value"]).rename("stayed"), n_sim=199, n_boot=0)
    churn = 1 - c.table.set_index("level")["rate"]
    for score, expected in TELCO_CHURN_BY_SCORE.items():
        assert churn.loc[float(score)] == pytest.approx(expected, abs=0.005)
    assert c.knee.found
    # the knee is at the step between 2 and 3, not at 4
    assert c.knee.level == 2.0 and (c.knee.step_from, c.knee.step_to) == (2.0, 3.0)
    # level 3 (84% stay) is near the top of a curve that reaches 100%: affection
    assert c.zones["levels"].tolist() == ["1, 2", "3, 4, 5"]
    assert c.table.set_index("level").loc[3.0, "zone"] == "affection"
    e = c.extremes()
    assert e.loc["terrorists", "count"] == (tel["Satisfaction Score"] == 1).sum()  # every 1 churned
    assert e.loc["apostles", "count"] == (tel["Satisfaction Score"] == 5).sum()  # every 5 stayed


@requires_data("telco")
def test_telco_ratio_with_an_all_loyal_level():
    tel = datasets.load_telco()
    c = loyalty_curve(tel["Satisfaction Score"], 1 - tel["Churn Value"], n_sim=19, n_boot=0)
    r = c.ratio(5, 4, n_boot=200)
    assert r.ratio == 1.0 and r.ci_low == r.ci_high == 1.0  # both levels 100% stayed
    assert np.isinf(c.ratio(3, 2, n_boot=200).ratio)  # nobody at 2 stayed
