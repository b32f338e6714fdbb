"""Contribution scores (客户贡献值), their overlap with value tiers, and the customer ladder
(客户阶梯), on hand-built customers whose every number is worked out here by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.segment import (
    DEFAULT_WEIGHTS,
    contribution_scores,
    customer_ladder,
    ladder_positions,
    plot_customer_ladder,
    plot_tier_overlap,
    tier_overlap,
)

END = "2024-06-30"


def _log(rows):
    cust, date, amount = zip(*rows, strict=True)
    return pd.DataFrame({"customer_id": pd.array(cust, dtype="str"), "date": pd.to_datetime(date),
                         "amount": np.array(amount, dtype=float)})


THREE = _log([
    ("a", "2024-01-05", 100.0), ("a", "2024-05-01", 120.0), ("a", "2024-06-20", 150.0),  # growing, long tenure
    ("b", "2024-03-01", 300.0), ("b", "2024-03-09", -150.0),  # returned half, nothing recent
    ("c", "2024-06-25", 40.0),  # new
])


def test_scores_by_hand():
    s = contribution_scores(THREE, observation_end=END, window="90D", tier_shares=(0.34, 0.67))
    # criteria: revenue, margin = 0.3 x (spend - returns), growth = spend_trend, returns share, tenure days
    assert s["revenue"].to_dict() == {"a": 370.0, "b": 300.0, "c": 40.0}
    assert s["margin"].to_dict() == pytest.approx({"a": 111.0, "b": 45.0, "c": 12.0})
    # a: recent window (Apr 1, Jun 30] holds 270, the previous one 100: (270 - 100) / 370
    assert s["growth"].to_dict() == pytest.approx({"a": 170 / 370, "b": -1.0, "c": 1.0})
    assert s["returns"].to_dict() == {"a": 0.0, "b": 0.5, "c": 0.0}
    assert s["tenure"].to_dict() == {"a": 177, "b": 121, "c": 5}
    # points = percentile rank x 100 (returns reversed; a and c tie on 0 returns: ranks 2 and 3 -> 2.5)
    third = 100 / 3
    assert s["points_returns"].to_dict() == pytest.approx({"a": 2.5 * third, "b": third, "c": 2.5 * third})
    w = DEFAULT_WEIGHTS
    hand = {
        "a": w["revenue"] * 100 + w["margin"] * 100 + w["growth"] * 2 * third + w["returns"] * 2.5 * third + w["tenure"] * 100,
        "b": (w["revenue"] + w["margin"] + w["tenure"]) * 2 * third + (w["growth"] + w["returns"]) * third,
        "c": (w["revenue"] + w["margin"] + w["tenure"]) * third + w["growth"] * 100 + w["returns"] * 2.5 * third,
    }
    assert s["score"].to_dict() == pytest.approx(hand)
    assert s["rank"].to_dict() == {"a": 1, "b": 2, "c": 3}
    assert s["tier"].astype(str).tolist() == ["key", "normal", "small"]
    assert s["tier_zh"].tolist() == ["关键客户", "普通客户", "小客户"]
    assert s.attrs["weights"] == DEFAULT_WEIGHTS and s.attrs["customers_without_purchase"] == 0


def test_weights_change_the_order_and_a_margin_series_is_used():
    growth_only = dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"growth": 1.0}
    s = contribution_scores(THREE, observation_end=END, window="90D", weights=growth_only, tier_shares=(0.34, 0.67))
    assert s["rank"].to_dict() == {"c": 1, "a": 2, "b": 3}
    rates = pd.Series({"a": 0.1, "b": 0.5, "c": 0.2})
    m = contribution_scores(THREE, observation_end=END, window="90D", margin=rates, order_cost=2.0)
    # margin = rate x (spend - returns) - 2 per purchase line (a: 3 lines, b: 1, c: 1)
    assert m["margin"].to_dict() == pytest.approx({"a": 37.0 - 6, "b": 75.0 - 2, "c": 8.0 - 2})


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (DEFAULT_WEIGHTS | {"returns": -0.1, "revenue": 0.5}, "must not be negative"),
        (DEFAULT_WEIGHTS | {"revenue": 0.5}, "sum to 1.2"),
        ({k: v for k, v in DEFAULT_WEIGHTS.items() if k != "tenure"}, "missing \\['tenure'\\]"),
        (DEFAULT_WEIGHTS | {"loyalty": 0.0}, "unknown \\['loyalty'\\]"),
        (DEFAULT_WEIGHTS | {"revenue": True}, "revenue"),
        ([0.2] * 5, "mapping"),
    ],
)
def test_bad_weights_are_refused_with_the_fix(weights, match):
    with pytest.raises(DataValidationError, match=match) as err:
        contribution_scores(THREE, weights=weights)
    assert "Suggestion:" in str(err.value)


def test_bad_margin_and_tier_shares_are_refused():
    with pytest.raises(DataValidationError, match="margin"):
        contribution_scores(THREE, margin=30)
    with pytest.raises(DataValidationError, match="no rate for 1"):
        contribution_scores(THREE, margin=pd.Series({"a": 0.1, "b": 0.2}))
    with pytest.raises(DataValidationError, match="tier_shares"):
        contribution_scores(THREE, tier_shares=(0.5, 0.2))


def test_overlap_with_value_tiers_by_hand():
    s = contribution_scores(THREE, observation_end=END, window="90D", tier_shares=(0.34, 0.67))
    # value tiers of spend (cuts 0.8, 0.95): a (370 of 710) and b (cum 670/710 = 0.94 > 0.8 before? no:
    # before b the share covered is 370/710 = 0.52 < 0.8, so b is key too); c: covered 0.94 < 0.95 -> normal
    table = tier_overlap(s, s["revenue"])
    assert table.loc["contribution: key"].tolist() == [1, 0, 0]
    assert table.loc["contribution: normal"].tolist() == [1, 0, 0]
    assert table.loc["contribution: small"].tolist() == [0, 1, 0]
    assert table.to_numpy().sum() == 3
    clv = pd.Series({"a": 10.0, "b": 500.0, "c": 20.0, "z": 1.0})  # extra customers are ignored
    assert tier_overlap(s, clv).loc["contribution: key", "value: key"] == 0
    with pytest.raises(DataValidationError, match="missing for 1 scored"):
        tier_overlap(s, clv.drop("c"))


LADDER_LOG = _log([
    ("p", "2024-02-01", -20.0),  # only a return: a prospect
    ("z", "2024-02-02", 0.0),  # a zero line kept by policy is a purchase (purchase_mask): first-time
    ("f", "2024-03-01", 10.0), ("f", "2024-03-01", 15.0),  # two lines on one day: first-time buyer
    ("r", "2024-01-01", 10.0), ("r", "2024-04-01", 10.0), ("r", "2024-04-02", -10.0),  # repeat buyer
    *[("cl", f"2024-0{m}-10", 30.0) for m in range(1, 6)],  # 5 days, last within a year: client
    *[("old", f"2022-0{m}-10", 30.0) for m in range(1, 6)],  # 5 days, all over a year ago: repeat buyer
    *[("m", f"2024-0{m}-11", 30.0) for m in range(1, 6)],  # a client on the members list
])


def test_ladder_counts_by_hand():
    pos = ladder_positions(LADDER_LOG, observation_end=END, prospects=["L9", "f"], members=["m", "r"])
    assert pos.astype(str).to_dict() == {
        "p": "prospect", "z": "first-time buyer", "f": "first-time buyer", "r": "repeat buyer", "cl": "client",
        "old": "repeat buyer", "m": "member", "L9": "prospect"}  # r is a member but not a client
    ladder = customer_ladder(LADDER_LOG, observation_end=END, prospects=["L9"], members=["m"], suspects=1000)
    c = ladder["customers"]
    assert c["suspect"] == 1000 and c["prospect"] == 2 and c["first-time buyer"] == 2
    assert c["repeat buyer"] == 2 and c["client"] == 1 and c["member"] == 1
    assert np.isnan(c["advocate"]) and np.isnan(c["partner"])  # no list: not in the data, never 0
    assert ladder["measured"].tolist() == [True] * 6 + [False] * 2
    assert ladder.loc["repeat buyer", "reached"] == 4 and ladder.loc["prospect", "reached"] == 8
    assert ladder["share"].drop(["suspect", "advocate", "partner"]).sum() == pytest.approx(1.0)
    no_lists = customer_ladder(LADDER_LOG, observation_end=END)
    assert np.isnan(no_lists.loc["suspect", "customers"]) and no_lists.loc["client", "customers"] == 2
    assert no_lists.attrs["customers"] == 7


def test_ladder_thresholds_and_refusals():
    loose = customer_ladder(LADDER_LOG, observation_end=END, client_min_days=2, active_window="1000D")
    assert loose.loc["client", "customers"] == 4  # r, cl, old, m
    with pytest.raises(DataValidationError, match="client_min_days"):
        customer_ladder(LADDER_LOG, client_min_days=1)
    with pytest.raises(DataValidationError, match="members must be a list"):
        customer_ladder(LADDER_LOG, members="m")
    with pytest.raises(DataValidationError, match="after observation_end"):
        customer_ladder(LADDER_LOG, observation_end="2024-03-01")


def test_plots_label_what_they_show():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ladder = customer_ladder(LADDER_LOG, observation_end=END, members=["m"])
    ax = plot_customer_ladder(ladder)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("not in the data") == 3  # suspect, advocate, partner
    assert "1 (14.3%)" in texts and "2 (28.6%)" in texts  # prospects 1 of 7, first-time buyers 2
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "suspect 可能客户" and ticks[-1] == "partner 合作伙伴"  # climbing upwards
    s = contribution_scores(THREE, observation_end=END, window="90D", tier_shares=(0.34, 0.67))
    ax2 = plot_tier_overlap(tier_overlap(s, s["revenue"]))
    assert "1 (100%)" in [t.get_text() for t in ax2.texts]
    plt.close("all")
