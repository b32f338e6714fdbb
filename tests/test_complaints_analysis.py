"""Breakdowns, rates, the timely-vs-disputed comparison, the iceberg model, revenue at
risk, TF-IDF terms and the charts, on seeded simulated complaints with stated truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.complaints import (
    clv_per_customer,
    complaint_breakdown,
    complaint_iceberg,
    read_complaints,
    response_rates,
    revenue_at_risk,
    simulate_complaints,
    timely_vs_disputed,
    top_terms,
)
from crmlib.complaints import plotting as cplot
from crmlib.exceptions import DataValidationError


@pytest.fixture(scope="module")
def data():
    return read_complaints(simulate_complaints(4000, timely_rate=0.8, disputed_if_timely=0.1,
                                               disputed_if_late=0.4, dispute_asked=0.5, consent_rate=0.3,
                                               random_state=11))


def test_breakdown_adds_up_and_groups_the_tail(data):
    full = complaint_breakdown(data, "company", n_top=None)
    top = complaint_breakdown(data, "company", n_top=3)
    assert full["complaints"].sum() == top["complaints"].sum() == len(data.frame)
    assert len(top) == 4 and top.index[-1] == f"Other ({len(full) - 3} groups)"
    assert top["share"].sum() == pytest.approx(1.0)
    assert (full["complaints"].diff().dropna() <= 0).all()
    with pytest.raises(DataValidationError, match="by='state'"):
        complaint_breakdown(data, "state")


def test_rates_recover_the_stated_rates(data):
    r = response_rates(data)
    assert r.loc["timely response", "ci_low"] < 0.8 < r.loc["timely response", "ci_high"]
    # stated dispute rate among the asked: 0.8*0.1 + 0.2*0.4 = 0.16
    assert r.loc["disputed", "ci_low"] < 0.16 < r.loc["disputed", "ci_high"]
    by = response_rates(data, by="product")
    assert by.xs("timely response", level="measure")["n"].sum() == len(data.frame)


def test_timely_vs_disputed_finds_a_stated_gap(data):
    r = timely_vs_disputed(data)
    assert r.difference == pytest.approx(r.rates.loc["late", "rate"] - r.rates.loc["timely", "rate"])
    assert r.ci_low < 0.3 < r.ci_high and r.clear  # stated: 0.4 - 0.1
    assert r.n_answered == r.table.to_numpy().sum() < r.n_complaints


def test_timely_vs_disputed_sees_no_gap_where_none_is_stated():
    d = read_complaints(simulate_complaints(3000, timely_rate=0.7, disputed_if_timely=0.2, disputed_if_late=0.2,
                                            dispute_asked=1.0, random_state=2))
    r = timely_vs_disputed(d)
    assert r.ci_low < 0 < r.ci_high and not r.clear


def test_timely_vs_disputed_refuses_without_answers(data):
    frame = data.frame.assign(disputed=pd.array([pd.NA] * len(data.frame), dtype="boolean"))
    with pytest.raises(DataValidationError, match="April 2017"):
        timely_vs_disputed(frame)


def test_iceberg_is_complaints_over_rate():
    ice = complaint_iceberg(500, complaint_rate=(0.02, 0.10))
    assert ice.implied_low == pytest.approx(5_000) and ice.implied_high == pytest.approx(25_000)
    assert ice.implied_central == pytest.approx(500 / 0.06)
    g = ice.grid
    assert np.allclose(g["implied_dissatisfied"] * g["complaint_rate"], 500)
    assert g.loc[g["in_range"], "complaint_rate"].between(0.02, 0.10).all()
    t = ice.table()
    assert (t["silent"] == t["implied_dissatisfied"] - 500).all()
    # the band is what the rate assumption says: a narrower range, a narrower band
    narrow = complaint_iceberg(500, complaint_rate=(0.04, 0.06))
    assert narrow.implied_high - narrow.implied_low < ice.implied_high - ice.implied_low


@pytest.mark.parametrize("kwargs,match", [
    ({"n_complaints": 0}, "n_complaints"),
    ({"n_complaints": 10, "complaint_rate": (0.10, 0.02)}, "low end"),
    ({"n_complaints": 10, "complaint_rate": (0, 0.1)}, "complaint_rate"),
    ({"n_complaints": 10, "complaint_rate": 0.05}, "pair"),
    ({"n_complaints": True}, "n_complaints"),
])
def test_iceberg_refuses_bad_parameters(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        complaint_iceberg(**kwargs)


def test_revenue_at_risk_carries_its_assumptions():
    ice = complaint_iceberg(200)
    risk = revenue_at_risk(ice, value_per_customer=150.0, churn_if_dissatisfied=0.4, value_note="mean CLV")
    assert risk.central == pytest.approx(200 / 0.06 * 0.4 * 150)
    assert risk.low < risk.central < risk.high
    assert risk.assumptions["churn_if_dissatisfied"] == 0.4 and risk.assumptions["value_note"] == "mean CLV"
    assert np.allclose(risk.grid["revenue_at_risk"], risk.grid["implied_dissatisfied"] * 0.4 * 150)
    assert risk.table()["revenue_at_risk"].iloc[-1] == pytest.approx(risk.high)
    with pytest.raises(DataValidationError, match="churn_if_dissatisfied"):
        revenue_at_risk(ice, 100, churn_if_dissatisfied=1.5)
    with pytest.raises(DataValidationError, match="Iceberg"):
        revenue_at_risk(200, 100)


def test_clv_per_customer_on_cdnow(cdnow_sample):
    from crmlib import read_transactions

    log = read_transactions(cdnow_sample, customer="customer_id", date="date", amount="amount").transactions
    clv = clv_per_customer(log, horizon="26W")
    assert clv.index.is_unique and len(clv) == log["customer_id"].nunique() - clv.attrs["n_left_out"]
    assert (clv["clv"] >= 0).all() and clv["p_alive"].between(0, 1).all()
    longer = clv_per_customer(log, horizon="52W")
    assert longer["clv"].sum() > clv["clv"].sum()


def test_top_terms_find_the_planted_words(data):
    terms = top_terms(data, n_terms=5)
    planted = {"Mortgage": "mortgage payment escrow loan modification servicer foreclosure home",
               "Debt collection": "debt collector calls owed validation letter collection agency paid"}
    for product, words in planted.items():
        assert set(terms.loc[product, "term"]) <= set(words.split())
    assert terms.attrs["n_narratives"] == int(data.frame["narrative"].notna().sum())
    assert (terms["documents"] <= terms["narratives"]).all()


def test_top_terms_skip_small_groups_and_refuse_no_text(data):
    terms = top_terms(data, min_documents=10_000)
    assert terms.empty and len(terms.attrs["skipped"]) == data.frame["product"].nunique()
    with pytest.raises(DataValidationError, match="consent"):
        top_terms(data.frame.assign(narrative=pd.NA))


def test_charts_return_axes_and_show_the_numbers(data):
    ax = cplot.plot_breakdown(complaint_breakdown(data, "product"))
    assert len(ax.patches) == data.frame["product"].nunique()
    ax = cplot.plot_rates(response_rates(data))
    assert any("of 4,000" in t.get_text() for t in ax.texts)
    ax = cplot.plot_timely_vs_disputed(timely_vs_disputed(data))
    assert "observational" in ax.get_title()
    ice = complaint_iceberg(len(data.frame))
    ax = cplot.plot_iceberg(ice)
    assert "assumed" in ax.get_title() and ax.get_ylim()[1] >= ice.implied_high
    ax = cplot.plot_revenue_at_risk(revenue_at_risk(ice, 120.0, 0.5), currency="GBP")
    box = " ".join(t.get_text() for t in ax.texts)
    assert "P(leave | dissatisfied): 50%" in box and "£120" in box and "2% to 10%" in box
    terms = top_terms(data, n_terms=4)
    ax = cplot.plot_top_terms(terms, "Mortgage")
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == terms.loc["Mortgage", "term"].tolist()
