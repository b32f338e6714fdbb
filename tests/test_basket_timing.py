"""When customers buy (7-Eleven): dayparts, timing segments, basket size and mix by hour."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.basket import (
    DAYPARTS,
    basket_by_hour,
    generate_baskets,
    has_time_of_day,
    mix_by_hour,
    timing_actions,
    timing_segments,
    timing_shares,
)
from crmlib.basket.plotting import plot_basket_by_hour


@pytest.fixture(scope="module")
def simulated():
    return generate_baskets(800, orders_per_customer=6, random_state=11)


def _tx(dates, **cols):
    n = len(dates)
    base = {"customer_id": cols.pop("customer_id", ["a"] * n), "date": pd.to_datetime(dates),
            "amount": cols.pop("amount", [1.0] * n)}
    return pd.DataFrame({**base, **cols})


def test_a_log_of_dates_without_times_is_recognised_and_refused_with_a_note(cdnow_sample):
    assert not has_time_of_day(cdnow_sample)
    for func in (timing_shares, timing_segments, basket_by_hour, mix_by_hour):
        with pytest.raises(DataValidationError, match="dates without times") as err:
            func(cdnow_sample)
        assert "has_time_of_day" in str(err.value)
    assert has_time_of_day(_tx(["2024-01-01 00:00", "2024-01-02 09:15"]))


def test_shares_are_per_order_and_sum_to_one():
    tx = _tx(["2024-01-01 08:00", "2024-01-01 08:00", "2024-01-06 12:30", "2024-01-07 22:00"],
             order_id=["1", "1", "2", "3"])
    s = timing_shares(tx).loc["a"]
    assert s["n_orders"] == 3, "two lines of one order are one order"
    parts = [f"share_{name}" for name, _, _ in DAYPARTS]
    assert s[parts].sum() == pytest.approx(1.0)
    assert s["share_morning"] == pytest.approx(1 / 3) and s["share_night"] == pytest.approx(1 / 3)
    assert s["share_weekend"] == pytest.approx(2 / 3)


def test_returns_do_not_count_as_orders():
    tx = _tx(["2024-01-01 08:00", "2024-01-02 19:00"], amount=[5.0, -5.0])
    assert timing_shares(tx).loc["a", "n_orders"] == 1


def test_segments_recover_the_planted_buying_times(simulated):
    seg = timing_segments(simulated, min_orders=3)
    planted = simulated.groupby("customer_id")["planted_segment"].first()
    expected = planted.map({"morning commuters": "morning", "lunchtime office workers": "lunchtime",
                            "evening shoppers": "evening"})
    named = seg[~seg["segment"].isin(["too few orders", "weekend", "any time"])]
    agree = (named["segment"] == expected.reindex(named.index)).mean()
    assert agree > 0.95
    assert set(named["segment"]) == {"morning", "lunchtime", "evening"}
    assert (seg.loc[seg["n_orders"] < 3, "segment"] == "too few orders").all()


def test_segment_rule_order_and_threshold():
    tx = _tx(["2024-01-06 08:00", "2024-01-07 08:30", "2024-01-08 15:00"],
             customer_id=["w", "w", "w"])
    assert timing_segments(tx)["segment"].tolist() == ["weekend"], "2 of 3 orders on a weekend"
    assert timing_segments(tx, threshold=0.7)["segment"].tolist() == ["any time"]
    with pytest.raises(DataValidationError, match="threshold"):
        timing_segments(tx, threshold=0.3)


def test_dayparts_must_cover_each_hour_once():
    tx = _tx(["2024-01-01 08:00"])
    with pytest.raises(DataValidationError, match="in both"):
        timing_shares(tx, dayparts=[("day", 0, 12), ("also day", 10, 24)])
    with pytest.raises(DataValidationError, match="in no daypart"):
        timing_shares(tx, dayparts=[("day", 6, 18)])


def test_basket_size_and_value_by_hour():
    tx = _tx(["2024-01-01 08:10"] * 3 + ["2024-01-01 08:40", "2024-01-02 19:00"],
             customer_id=["a", "a", "a", "b", "c"], order_id=["1", "1", "1", "2", "3"],
             item=["tea", "milk", "tea", "tea", "beer"], amount=[1.0, 2.0, 1.0, 4.0, 6.0])
    out = basket_by_hour(tx)
    assert out.index.tolist() == [8, 19]
    assert out.loc[8, "orders"] == 2 and out.loc[8, "share_of_orders"] == pytest.approx(2 / 3)
    assert out.loc[8, "lines_per_order"] == 1.5, "distinct items: order 1 holds tea and milk"
    assert out.loc[8, "value_per_order"] == 4.0 and out.loc[19, "value_per_order"] == 6.0
    assert out["share_of_value"].sum() == pytest.approx(1.0)


def test_mix_by_hour_finds_the_planted_morning_coffee(simulated):
    mix = mix_by_hour(simulated, n_top=40)
    morning = mix.loc[mix.index < 11, "coffee"].mean()
    evening = mix.loc[mix.index >= 17, "coffee"].mean()
    assert morning > evening + 0.2
    assert mix.attrs["overall"]["coffee"] == pytest.approx(
        simulated.loc[simulated["item"] == "coffee", "order_id"].nunique() / simulated["order_id"].nunique())
    with pytest.raises(DataValidationError, match="'item'"):
        mix_by_hour(simulated.drop(columns="item"))


def test_actions_are_generated_from_the_results(simulated):
    by_hour = basket_by_hour(simulated)
    mix = mix_by_hour(simulated, n_top=40)
    actions = timing_actions(by_hour, timing_segments(simulated), mix)
    peak = int(by_hour["share_of_orders"].idxmax())
    assert actions[0].startswith(f"Orders peak at {peak:02d}:00")
    assert f"{by_hour.loc[peak, 'share_of_orders']:.0%} of orders" in actions[0]
    index = mix.div(mix.attrs["overall"], axis=1).stack().idxmax()
    assert any(a.startswith(f"{index[1]} is in") for a in actions)
    assert any("timing segment" in a for a in actions)
    with pytest.raises(DataValidationError, match="basket_by_hour"):
        timing_actions(pd.DataFrame({"x": [1]}))


def test_plot_basket_by_hour(simulated):
    import matplotlib.pyplot as plt

    by_hour = basket_by_hour(simulated)
    ax = plot_basket_by_hour(by_hour)
    assert len(ax.patches) == len(by_hour)
    assert [p.get_height() for p in ax.patches] == pytest.approx(by_hour["share_of_orders"].tolist())
    plt.close(ax.figure)
