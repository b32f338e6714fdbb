"""RFM quintile scores, rule tables and named segments: hand-made customers with known
answers, rule validation, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError
from crmlib.features import rfm_summary
from crmlib.segment import (
    assign_segments,
    default_segment_actions,
    default_segment_rules,
    direct_mail_eligible,
    eight_class_rules,
    quintile_scores,
    resource_allocation,
    rfm_scores,
    rfm_table,
    rule_coverage,
    segment_profile,
    validate_rules,
)

# ---------------------------------------------------------------------------- quintiles


def test_quintiles_known_answer():
    s = pd.Series(np.arange(1, 11, dtype=float), index=[f"c{i:02d}" for i in range(10)])
    assert quintile_scores(s).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(s, higher_is_better=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_quintiles_equal_bins_with_ties_and_row_order_irrelevant():
    rng = np.random.default_rng(1)
    ids = [f"c{i:04d}" for i in range(1000)]
    # heavy ties, as in purchase counts: most customers bought once
    values = pd.Series(rng.choice([1, 1, 1, 2, 2, 3, 5, 8], size=1000).astype(float), index=ids)
    scores = quintile_scores(values)
    assert scores.value_counts().sort_index().tolist() == [200] * 5
    shuffled = values.sample(frac=1.0, random_state=3)
    again = quintile_scores(shuffled)
    pd.testing.assert_series_equal(again.loc[scores.index], scores)
    # higher value never gets a lower score
    order = np.argsort(values.to_numpy(), kind="stable")
    assert np.all(np.diff(scores.to_numpy()[order]) >= 0)


def test_quintile_ties_broken_by_customer_id():
    s = pd.Series([7.0] * 5 + [1.0] * 5, index=["e", "d", "c", "b", "a", "j", "i", "h", "g", "f"])
    sc = quintile_scores(s)
    # among the five 7s, ids sort a<b<c<d<e, so a and b share score 3, c: 4, d and e: 5
    assert sc[["a", "b", "c", "d", "e"]].tolist() == [3, 4, 4, 5, 5]
    avg = quintile_scores(s, ties="average")
    assert avg[["a", "b", "c", "d", "e"]].nunique() == 1  # tied values share one score


@pytest.mark.parametrize("values", [[5.0] * 10, [0.0] * 6])
def test_all_identical_values_collapse_error(values):
    s = pd.Series(values, index=[str(i) for i in range(len(values))], name="purchases")
    with pytest.raises(DataValidationError, match="quintiles collapse") as err:
        quintile_scores(s)
    assert "purchases" in str(err.value) and "Suggestion:" in str(err.value)


def test_single_customer_and_too_few_customers():
    with pytest.raises(DataValidationError, match="at least 5 customers; got 1"):
        quintile_scores(pd.Series([3.0], index=["a"]))
    with pytest.raises(DataValidationError, match="got 0"):
        quintile_scores(pd.Series([], dtype=float))


def test_missing_values_rejected():
    s = pd.Series([1.0, np.nan, 3.0, 4.0, 5.0, 6.0], index=list("abcdef"))
    with pytest.raises(DataValidationError, match="missing or infinite"):
        quintile_scores(s)


# ------------------------------------------------------------------------- rfm table


def _summary() -> pd.DataFrame:
    last = pd.to_datetime(["2024-03-30", "2024-03-01", "2024-01-01", "2024-03-31", "2023-12-01",
                           "2024-02-15", "2024-03-20", "2024-01-20", "2024-03-25", "2024-02-01"])
    return pd.DataFrame(
        {
            "first_purchase": last - pd.to_timedelta([300, 100, 0, 400, 0, 50, 80, 20, 0, 200], unit="D"),
            "last_purchase": last,
            "frequency": [9, 4, 0, 12, 0, 2, 5, 1, 0, 3],
            "total_spend": [900.0, 300.0, 20.0, 2000.0, 15.0, 150.0, 500.0, 60.0, 40.0, 200.0],
        },
        index=pd.Index([f"c{i}" for i in range(10)], name="customer_id"),
    )


def test_rfm_table_and_scores_directions():
    t = rfm_table(_summary(), observation_end="2024-03-31")
    assert t.loc["c3", "recency_days"] == 0 and t.loc["c4", "recency_days"] == 121
    assert t.loc["c0", "purchases"] == 10
    s = rfm_scores(_summary(), observation_end="2024-03-31")
    assert s.loc["c3", ["R", "F", "M"]].tolist() == [5, 5, 5]  # most recent, most frequent, top spender
    assert s.loc["c4", ["R", "F", "M"]].tolist() == [1, 1, 1]
    assert s.loc["c3", "FM"] == 5 and s.loc["c3", "rfm_cell"] == "555"
    assert set(s["FM"]) <= set(range(1, 6))


def test_fm_rounds_half_up():
    s = rfm_scores(_summary(), observation_end="2024-03-31")
    expected = np.floor((s["F"] + s["M"]) / 2 + 0.5).astype("int64")
    assert (s["FM"] == expected).all()


def test_rfm_table_bad_input():
    with pytest.raises(DataValidationError, match="empty"):
        rfm_table(_summary().iloc[:0])
    with pytest.raises(DataValidationError, match="'total_spend' not found"):
        rfm_table(_summary().drop(columns="total_spend"))
    with pytest.raises(DataValidationError, match="bought after observation_end"):
        rfm_table(_summary(), observation_end="2024-01-01")
    with pytest.raises(DataValidationError, match="expects a pandas DataFrame"):
        rfm_scores([1, 2, 3])


def test_everyone_bought_once_for_the_same_amount():
    summary = _summary().assign(frequency=0, total_spend=25.0)
    with pytest.raises(DataValidationError, match="same 'purchases'.*quintiles collapse"):
        rfm_scores(summary, observation_end="2024-03-31")


def test_single_customer_summary_is_a_clear_error():
    with pytest.raises(DataValidationError, match="at least 5 customers; got 1"):
        rfm_scores(_summary().iloc[:1])


# ------------------------------------------------------------------------------ rules


def test_default_rules_cover_all_125_combinations_exactly_once():
    rules = default_segment_rules()
    assert len(rules) == 11
    assert rules["segment_zh"].str.len().gt(0).all()
    cov = rule_coverage(rules)
    assert len(cov) == 250  # 125 score combinations, for customers who are new and who are not
    assert cov.groupby("new").size().tolist() == [125, 125]
    assert not (cov["segment"] == "Unassigned").any()
    # all 11 segments are reachable
    assert set(cov["segment"]) == set(rules["segment"])
    names = {"Champions", "Loyal", "Potential loyalist", "New", "Promising", "Need attention",
             "About to sleep", "At risk", "Can't lose", "Hibernating", "Lost"}
    assert set(rules["segment"]) == names


def _cells(rfm_triples, new=False):
    out = pd.DataFrame(rfm_triples, columns=["R", "F", "M"], index=[f"x{i}" for i in range(len(rfm_triples))])
    out["new"] = new
    return out


@pytest.mark.parametrize(
    "r,f,m,segment",
    [
        (5, 5, 5, "Champions"),
        (5, 4, 3, "Champions"),  # FM = 3.5 -> 4
        (4, 5, 5, "Loyal"),
        (3, 4, 4, "Loyal"),
        (5, 2, 3, "Potential loyalist"),  # FM = 2.5 -> 3
        (5, 1, 1, "Promising"),  # recent and low, but not new: New needs a recent first purchase
        (4, 1, 1, "Promising"),
        (3, 3, 3, "Need attention"),
        (3, 1, 2, "About to sleep"),
        (2, 5, 5, "Can't lose"),
        (1, 4, 3, "At risk"),
        (1, 1, 1, "Lost"),
        (1, 2, 2, "Hibernating"),
        (2, 1, 1, "Hibernating"),
    ],
)
def test_hand_made_customers_get_the_known_segment(r, f, m, segment):
    out = assign_segments(_cells([(r, f, m)]))
    assert out["segment"].iloc[0] == segment
    assert out["segment_label"].iloc[0].startswith(segment + " ")


def test_every_score_combination_gets_exactly_one_segment():
    triples = list(itertools.product(range(1, 6), repeat=3))
    out = assign_segments(_cells(triples))
    assert out["segment"].notna().all() and len(out) == 125
    assert out["segment_zh"].str.len().gt(0).all()
    assert "New" not in set(out["segment"])
    new = assign_segments(_cells(triples, new=True))
    assert set(new["segment"]) == {"Champions", "Loyal", "New"}


def test_rules_are_data_first_match_wins():
    rules = default_segment_rules()
    # a user promotes everyone with R = 5 and M = 5 into a VIP segment placed first
    vip = pd.DataFrame([{"segment": "VIP", "segment_zh": "贵宾", "r_min": 5, "m_min": 5}])
    custom = pd.concat([vip, rules], ignore_index=True)
    out = assign_segments(_cells([(5, 5, 5), (5, 1, 5), (4, 5, 5)]), custom)
    assert out["segment"].tolist() == ["VIP", "VIP", "Loyal"]
    assert out["segment_label"].iloc[0] == "VIP 贵宾"


def test_list_of_dicts_rules_and_catch_all():
    rules = [{"segment": "Top", "r_min": 4, "fm_min": 4}, {"segment": "Rest"}]
    out = assign_segments(_cells([(5, 5, 5), (1, 1, 1)]), rules)
    assert out["segment"].tolist() == ["Top", "Rest"]


def test_unknown_rule_column_is_a_clear_error():
    rules = default_segment_rules().rename(columns={"r_min": "recency_min"})
    with pytest.raises(DataValidationError, match="Unknown column.*'recency_min'") as err:
        validate_rules(rules)
    assert "Suggestion:" in str(err.value)


@pytest.mark.parametrize(
    "rule,match",
    [
        ({"segment": "A", "r_min": 0}, "whole scores from 1 to 5"),
        ({"segment": "A", "r_min": 2.5}, "whole scores from 1 to 5"),
        ({"segment": "A", "f_min": "high"}, "whole scores from 1 to 5"),
        ({"segment": "A", "r_min": 4, "r_max": 2}, "r_min is above r_max"),
        ({"r_min": 1}, "have no name"),
    ],
)
def test_bad_rule_values(rule, match):
    with pytest.raises(DataValidationError, match=match):
        validate_rules([rule, {"segment": "Other"}])


def test_rules_without_a_segment_column():
    with pytest.raises(DataValidationError, match="no 'segment' column"):
        validate_rules([{"r_min": 1}])


def test_duplicate_and_shadowed_rules():
    with pytest.raises(DataValidationError, match="unique.*'A'"):
        validate_rules([{"segment": "A", "r_min": 5}, {"segment": "A", "r_max": 4}])
    with pytest.raises(DataValidationError, match="'Never' never apply"):
        validate_rules([{"segment": "All"}, {"segment": "Never", "r_min": 5}])
    with pytest.raises(DataValidationError, match="empty"):
        validate_rules([])


def test_uncovered_combinations_raise_or_are_labelled():
    rules = [{"segment": "Recent", "segment_zh": "近期", "r_min": 4}]
    cells = _cells([(5, 3, 3), (1, 2, 2), (2, 5, 1)])
    with pytest.raises(DataValidationError, match="2 customers fall in score combinations no rule covers"):
        assign_segments(cells, rules)
    out = assign_segments(cells, rules, unassigned="label")
    assert out["segment"].tolist() == ["Recent", "Unassigned", "Unassigned"]
    assert out["segment_zh"].tolist()[1] == "未分配"
    cov = rule_coverage(rules)
    assert int((cov["segment"] == "Unassigned").sum()) == 75


def test_scores_out_of_range_rejected():
    with pytest.raises(DataValidationError, match="outside 1..5"):
        assign_segments(_cells([(6, 1, 1)]))
    with pytest.raises(DataValidationError, match="'R' not found"):
        assign_segments(pd.DataFrame({"F": [1], "M": [1]}))
    with pytest.raises(DataValidationError, match="empty"):
        assign_segments(_cells([]))


def test_eight_class_rules_partition_the_grid():
    rules = eight_class_rules()
    assert len(rules) == 8 and rules["segment_zh"].iloc[0] == "重要价值客户"
    cov = rule_coverage(rules)
    assert not (cov["segment"] == "Unassigned").any()
    assert cov["segment"].value_counts().sum() == 125
    out = assign_segments(_cells([(5, 5, 5), (1, 1, 5), (1, 1, 1)]), rules)
    assert out["segment_zh"].tolist() == ["重要价值客户", "重要挽留客户", "一般挽留客户"]


# ---------------------------------------------------------------------------- profile


def _segmented() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 500
    last = pd.Timestamp("2024-06-30") - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    summary = pd.DataFrame(
        {
            "first_purchase": last - pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "last_purchase": last,
            "frequency": rng.poisson(2, n),
            "total_spend": rng.lognormal(4, 1, n).round(2),
        },
        index=pd.Index([f"c{i:03d}" for i in range(n)], name="customer_id"),
    )
    return assign_segments(rfm_scores(summary, observation_end="2024-06-30"))


def test_segment_profile_shares_add_up():
    seg = _segmented()
    prof = segment_profile(seg)
    assert list(prof.index) == list(default_segment_rules()["segment"])
    assert prof["customers"].sum() == len(seg)
    assert prof["share_customers"].sum() == pytest.approx(1.0)
    assert prof["share_revenue"].sum() == pytest.approx(1.0)
    champions = seg[seg["segment"] == "Champions"]
    assert prof.loc["Champions", "revenue"] == pytest.approx(champions["spend"].sum())
    assert prof.loc["Champions", "mean_R"] == pytest.approx(5.0)
    assert prof.loc["Champions", "label"] == "Champions 冠军客户"


def test_profile_order_and_unknown_names():
    seg = _segmented()
    prof = segment_profile(seg, order=["Lost", "Champions"])
    assert list(prof.index) == ["Lost", "Champions"]
    with pytest.raises(DataValidationError, match="Unknown segment name.*'Champion'"):
        segment_profile(seg, order=["Champion"])


def test_resource_allocation_and_direct_mail_rule():
    seg = _segmented()
    table = resource_allocation(seg, within_days=90)
    assert table["dm_eligible"].sum() == int((seg["recency_days"] <= 90).sum())
    assert table.attrs["dm_eligible_total"] == int(direct_mail_eligible(seg, within_days=90).sum())
    assert (table["dm_eligible"] <= table["customers"]).all()
    assert table.loc["Champions", "action"] == default_segment_actions().loc["Champions", "action"]


def test_actions_naming_unknown_segments_are_rejected():
    seg = _segmented()
    actions = default_segment_actions()
    actions.loc["Sleepers"] = ["wake them", "email", "low"]
    with pytest.raises(DataValidationError, match="Unknown segment name.*'Sleepers'"):
        resource_allocation(seg, actions)
    partial = {"Champions": {"action": "call them", "channel": "phone"}}
    table = resource_allocation(seg, partial)
    assert table.loc["Champions", "action"] == "call them" and table.loc["Lost", "action"] == ""


# --------------------------------------------------------------------------- real data


def test_cdnow_master_segments(cdnow_master):
    summary = rfm_summary(cdnow_master, observation_end="1998-06-30")
    seg = assign_segments(rfm_scores(summary, observation_end="1998-06-30"))
    assert len(seg) == 23_570
    assert seg["R"].value_counts().tolist() == [4714] * 5
    prof = segment_profile(seg)
    assert prof["customers"].sum() == 23_570
    # recency decides: Champions bought within the last fifth of recencies
    assert prof.loc["Champions", "mean_recency_days"] < prof.loc["Lost", "mean_recency_days"]


@requires_data("online_retail")
def test_online_retail_segments():
    from crmlib import datasets, read_transactions
    from crmlib.datasets import ONLINE_RETAIL_COLUMNS

    tx, _ = read_transactions(datasets.load_online_retail(), **ONLINE_RETAIL_COLUMNS)
    summary = rfm_summary(tx, observation_end="2011-12-09")
    seg = assign_segments(rfm_scores(summary, observation_end="2011-12-09"))
    prof = segment_profile(seg)
    assert prof["customers"].sum() == 4_338
    # every segment but Promising occurs on real data. Promising (R 4-5, FM 1, not new) is
    # empty here: a recent single-purchase customer's first purchase is recent too, so New
    # takes them; New itself holds only customers first seen in the last 90 days
    assert (prof.drop(index="Promising")["customers"] > 0).all()
    assert (seg.loc[seg["segment"] == "New", "tenure_days"] < 90).all()
    # Champions and Loyal bring most of the revenue
    assert prof.loc[["Champions", "Loyal"], "share_revenue"].sum() > 0.6


# ------------------------------------------------------- issue 8: silent wrong results


def test_duplicated_customer_ids_are_refused():
    summary = pd.concat([_summary(), _summary().iloc[:2]])
    with pytest.raises(DataValidationError, match="rfm_scores: the RFM summary has 2 duplicated customer ids"):
        rfm_scores(summary, observation_end="2024-03-31")
    table = rfm_table(_summary(), observation_end="2024-03-31")
    with pytest.raises(DataValidationError, match="rfm_scores: the RFM table has 1 duplicated"):
        rfm_scores(pd.concat([table, table.iloc[:1]]))
    with pytest.raises(DataValidationError, match="duplicated customer ids"):
        quintile_scores(pd.Series([1.0, 2, 3, 4, 5, 6], index=list("aabcde")))


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_quintile_scores_refuse_infinite_and_missing_values(bad):
    s = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, bad], index=[f"c{i}" for i in range(10)], name="spend")
    with pytest.raises(DataValidationError, match="quintile_scores: column 'spend' has 1 missing or infinite") as err:
        quintile_scores(s)
    assert "Suggestion:" in str(err.value)


def test_text_values_and_text_scores_are_refused():
    s = pd.Series([str(i) for i in range(10)], index=[f"c{i}" for i in range(10)], name="spend")
    with pytest.raises(DataValidationError, match="must be numeric"):
        quintile_scores(s)
    cells = _cells([(5, 5, 5), (1, 1, 1)]).astype({"R": str})
    with pytest.raises(DataValidationError, match="assign_segments: score column 'R' must hold whole numbers"):
        assign_segments(cells)


def test_invalid_calendar_date_and_inclusive_end():
    with pytest.raises(DataValidationError, match="observation_end='2025-06-31' is not a valid date"):
        rfm_table(_summary(), observation_end="2025-06-31")
    with pytest.raises(DataValidationError, match="is a number, not a date"):
        rfm_scores(_summary(), observation_end=20240331)
    # the end is inclusive: a purchase on the end day itself is allowed, recency 0
    t = rfm_table(_summary(), observation_end="2024-03-31")
    assert t.loc["c3", "recency_days"] == 0
    with pytest.raises(DataValidationError, match="bought after observation_end=2024-03-30"):
        rfm_table(_summary(), observation_end="2024-03-30")


def test_bad_summary_columns_are_refused():
    tz = _summary()
    tz["last_purchase"] = tz["last_purchase"].dt.tz_localize("Europe/London")
    with pytest.raises(DataValidationError, match="rfm_table: column 'last_purchase' must hold naive dates"):
        rfm_table(tz, observation_end="2024-03-31")
    nan = _summary().astype({"frequency": float})
    nan.iloc[0, nan.columns.get_loc("frequency")] = np.nan
    with pytest.raises(DataValidationError, match="rfm_scores: column 'frequency' has 1 missing"):
        rfm_scores(nan, observation_end="2024-03-31")
    dup_cols = pd.concat([_summary(), _summary()[["frequency"]]], axis=1)
    with pytest.raises(DataValidationError, match="duplicated column names"):
        rfm_table(dup_cols)


def test_new_means_a_recent_first_purchase():
    """HEAD put long-standing customers with many orders in "New" (R = 5, FM = 1)."""
    end = pd.Timestamp("2024-06-30")
    rng = np.random.default_rng(1)
    n = 200
    last = end - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    first = last - pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    summary = pd.DataFrame(
        {"first_purchase": first, "last_purchase": last, "frequency": rng.poisson(3, n),
         "total_spend": rng.lognormal(4, 1, n)},
        index=pd.Index([f"c{i:03d}" for i in range(n)], name="customer_id"),
    )
    # veterans: first seen years ago, 5-14 orders, but the lowest spend and a purchase today
    vets = [f"c{i:03d}" for i in range(5)]
    summary.loc[vets, "first_purchase"] = end - pd.Timedelta(days=1500)
    summary.loc[vets, "last_purchase"] = end
    summary.loc[vets, "frequency"] = [4, 6, 8, 10, 13]
    summary.loc[vets, "total_spend"] = 0.5
    # true newcomers: a single small purchase in the last 60 days
    fresh = [f"c{i:03d}" for i in range(5, 25)]
    summary.loc[fresh, "last_purchase"] = end - pd.to_timedelta(rng.integers(0, 60, 20), unit="D")
    summary.loc[fresh, "first_purchase"] = summary.loc[fresh, "last_purchase"]
    summary.loc[fresh, "frequency"] = 0
    summary.loc[fresh, "total_spend"] = 5.0
    scores = rfm_scores(summary, observation_end=end)
    seg = assign_segments(scores)
    new = seg["segment"] == "New"
    assert new.loc[fresh].all()
    assert new.any()
    assert (seg.loc[new, "tenure_days"] < 90).all()  # first purchase within 90 days of the end
    assert not new.loc[vets].any()
    expected = summary["first_purchase"] >= end + pd.Timedelta(days=1) - pd.Timedelta(days=90)
    pd.testing.assert_series_equal(scores["new"], expected, check_names=False)
    # a wider window makes more customers new; the window is a duration
    wider = rfm_scores(summary, observation_end=end, new_within="26W")
    assert wider["new"].sum() > scores["new"].sum() and wider.attrs["new_within"] == pd.Timedelta(weeks=26)
    with pytest.raises(DataValidationError, match="new_within"):
        rfm_scores(summary, observation_end=end, new_within="90")


def test_rules_need_the_new_flag_when_they_use_it():
    cells = _cells([(5, 1, 1)]).drop(columns="new")
    with pytest.raises(DataValidationError, match="'New' need the 'new' flag"):
        assign_segments(cells)
    # rules that ignore the flag work without it
    assert assign_segments(cells, eight_class_rules())["segment"].tolist() == ["General development"]
    with pytest.raises(DataValidationError, match="Rule column 'new' must hold True"):
        validate_rules([{"segment": "A", "new": "yes"}, {"segment": "B"}])
