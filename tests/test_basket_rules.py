"""Basket matrix, rule mining, later-window checks, next-product suggestions, rule chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError, read_transactions
from crmlib.basket import (
    basket_accounting,
    basket_matrix,
    generate_baskets,
    mine_rules,
    next_products,
    plot_rules,
    remeasure_rules,
    rule_stability,
)


def _log(rows):
    """A canonical log from (customer, order, day, item, amount) tuples."""
    df = pd.DataFrame(rows, columns=["cust", "order", "day", "item", "amount"])
    return read_transactions(df, customer="cust", date="day", amount="amount", order="order", item="item",
                             policy={"return": "keep", "negative_amount": "keep"}).transactions


# ------------------------------------------------------------------------------ baskets


def test_basket_matrix_from_a_validated_log_counts_what_it_drops():
    tx = _log([
        ("a", "1", "2024-01-01", "beer", 5.0),
        ("a", "1", "2024-01-01", "diapers", 9.0),
        ("a", "1", "2024-01-01", "beer", 4.0),  # the same item again in one order (not a duplicate line)
        ("b", "2", "2024-01-02", "beer", -5.0),  # a refund: not in a basket
        ("b", "3", "2024-01-03", None, 2.0),  # no item
        ("c", "4", "2024-01-04", "POSTAGE", 3.0),
        ("c", "4", "2024-01-04", "milk", 1.0),
    ])
    m = basket_matrix(tx, exclude_items=["POSTAGE"], sparse=False)
    assert m.index.tolist() == ["1", "3", "4"], "order 3 had a purchase (without an item): still a basket"
    assert m.columns.tolist() == ["beer", "diapers", "milk"]
    assert m.loc["1"].tolist() == [True, True, False] and not m.loc["3"].any()
    assert m.attrs["excluded"] == {"not_purchase": 1, "missing_item": 1, "excluded_item": 1, "repeat_line": 1}
    table = basket_accounting(m)
    assert table.loc["lines in", "value"] == 7 and table.loc["baskets", "value"] == 3


def test_support_cap_keeps_every_basket_in_the_denominator():
    baskets = [["beer", "diapers"], ["beer"], ["milk"], ["bread"]]
    m = basket_matrix(baskets, min_support=0.5)
    assert m.columns.tolist() == ["beer"] and m.attrs["n_baskets"] == 4 and len(m) == 4
    assert m.attrs["n_items"] == 4 and m.attrs["n_items_kept"] == 1 and m.attrs["min_count"] == 2
    # sparse and dense give the same table
    dense = basket_matrix(baskets, min_support=0.5, sparse=False)
    assert (m.sparse.to_dense().to_numpy() == dense.to_numpy()).all()


@pytest.mark.parametrize(
    "data,kw,match",
    [
        ("beer,diapers", {}, "DataFrame or a list of baskets"),
        ([["beer"], "diapers"], {}, "one list of items per basket"),
        ([], {}, "empty"),
        (pd.DataFrame({"order_id": ["1"], "product": ["beer"]}), {}, "column 'item' not found"),
        ([["beer"]], {"min_support": 1.5}, "min_support"),
        (pd.DataFrame({"order_id": ["1"], "item": ["beer"], "amount": [-1.0]}), {}, "no basket left"),
        (pd.DataFrame({"order_id": ["1", None], "item": ["beer", "milk"]}), {}, "no basket id"),
    ],
)
def test_basket_matrix_refuses_bad_input(data, kw, match):
    with pytest.raises(DataValidationError, match=match) as err:
        basket_matrix(data, **kw)
    assert "Suggestion:" in str(err.value)


# -------------------------------------------------------------------------------- rules


def test_rule_measures_follow_their_definitions():
    baskets = [["beer", "diapers"], ["beer", "diapers"], ["beer", "diapers", "chips"], ["beer"],
               ["diapers", "milk"], ["milk"], ["chips"], ["milk", "chips"]]
    rules = mine_rules(basket_matrix(baskets), min_support=0.25, min_confidence=0.6)
    r = rules.set_index("rule").loc["beer → diapers"]
    n, n_ac, n_a, n_c = 8, 3, 4, 4
    assert (r["n_baskets"], r["antecedent_baskets"], r["consequent_baskets"]) == (n_ac, n_a, n_c)
    assert r["support"] == n_ac / n and r["confidence"] == n_ac / n_a
    assert r["lift"] == pytest.approx((n_ac / n_a) / (n_c / n))
    assert r["leverage"] == pytest.approx(n_ac / n - (n_a / n) * (n_c / n))
    assert r["conviction"] == pytest.approx((1 - n_c / n) / (1 - n_ac / n_a))
    assert rules["lift"].is_monotonic_decreasing
    assert list(rules.columns[:11]) == ["rule", "antecedent", "consequent", "n_baskets", "antecedent_baskets",
                                        "consequent_baskets", "support", "confidence", "lift", "leverage",
                                        "conviction"]


def test_a_rule_that_never_fails_has_infinite_conviction():
    rules = mine_rules(basket_matrix([["a", "b"], ["a", "b"], ["c"]]), min_support=0.5, min_confidence=1.0)
    assert len(rules) == 2 and np.isinf(rules["conviction"]).all()


def test_confidence_ties_are_kept_where_mlxtends_float_division_drops_them():
    # 4 of 5 baskets with "a" also hold "b": confidence exactly 0.8. Among 9,835 baskets,
    # (4/9835) / (5/9835) is 0.7999999999999999 in floating point, and mlxtend's default
    # association_rules (num_itemsets=1) drops the rule at min_threshold=0.8.
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    baskets = [["a", "b"]] * 4 + [["a"]] + [["b"]] * 6 + [["c"]] * 9824
    m = basket_matrix(baskets)
    assert len(m) == 9835
    raw = association_rules(fpgrowth(m.sparse.to_dense(), min_support=0.0004, use_colnames=True),
                            metric="confidence", min_threshold=0.8)
    assert not ((raw["antecedents"] == frozenset({"a"})) & (raw["consequents"] == frozenset({"b"}))).any()
    rules = mine_rules(m, min_support=0.0004, min_confidence=0.8)
    assert rules["rule"].tolist() == ["a → b"] and rules.loc[0, "confidence"] == 0.8


def test_single_consequent_and_min_lift_settings():
    baskets = [["a", "b", "c"]] * 3 + [["a"], ["d"]]
    m = basket_matrix(baskets)
    one = mine_rules(m, min_support=0.5, min_confidence=0.9)
    many = mine_rules(m, min_support=0.5, min_confidence=0.9, single_consequent=False)
    assert (one["consequent_items"].map(len) == 1).all()
    assert (many["consequent_items"].map(len) > 1).any() and set(one["rule"]) < set(many["rule"])
    assert len(mine_rules(m, min_support=0.5, min_confidence=0.9, min_lift=1.5)) < len(one)


def test_no_frequent_pair_gives_an_empty_rule_table_with_the_columns():
    rules = mine_rules(basket_matrix([["a"], ["b"], ["c"]]), min_support=0.3)
    assert len(rules) == 0 and "lift" in rules.columns and rules.attrs["n_baskets"] == 3


@pytest.mark.parametrize(
    "baskets,kw,match",
    [
        (pd.DataFrame({"beer": [1, 0]}), {"min_support": 0.1}, "True/False"),
        (pd.DataFrame(index=[0, 1]), {"min_support": 0.1}, "no item column"),
        ("baskets", {"min_support": 0.1}, "DataFrame"),
        (pd.DataFrame({"beer": [True, False]}), {"min_support": 0.0}, "min_support"),
        (pd.DataFrame({"beer": [True, False]}), {"min_support": 0.5, "min_confidence": 2}, "min_confidence"),
    ],
)
def test_mine_rules_refuses_bad_input(baskets, kw, match):
    with pytest.raises(DataValidationError, match=match):
        mine_rules(baskets, **kw)


def test_planted_beer_and_diapers_rule_is_recovered():
    tx = generate_baskets(1500, random_state=3)
    rules = mine_rules(basket_matrix(tx, min_support=0.005), min_support=0.005, min_confidence=0.3)
    found = rules.set_index("rule")
    for ante, cons, p in tx.attrs["planted"]:
        key = " + ".join(sorted(ante)) + " → " + cons
        assert key in found.index, key
        assert found.loc[key, "lift"] > 2
        # confidence is the planted probability plus the consequent's own background chance
        assert found.loc[key, "confidence"] >= p - 0.1


# -------------------------------------------------------------------- later window


def test_remeasure_counts_rules_in_other_baskets():
    early = basket_matrix([["beer", "diapers"], ["beer", "diapers"], ["milk"]])
    rules = mine_rules(early, min_support=0.5, min_confidence=0.5)
    later = basket_matrix([["beer", "diapers"], ["beer"], ["beer"], ["diapers"], ["milk"]])
    out = remeasure_rules(rules, later).set_index("rule")
    assert out.loc["beer → diapers", "later_n_baskets"] == 1
    assert out.loc["beer → diapers", "later_antecedent_baskets"] == 3
    assert out.loc["beer → diapers", "later_confidence"] == pytest.approx(1 / 3)
    assert out.loc["beer → diapers", "later_lift"] == pytest.approx((1 / 3) / (2 / 5))
    # an item the later window never sells: no lift, not NaN confidence pretending to be 0
    gone = remeasure_rules(rules, basket_matrix([["milk"], ["bread"]]))
    assert gone["later_n_baskets"].eq(0).all() and gone["later_lift"].isna().all()


def test_rule_stability_splits_at_an_inclusive_end_and_flags_rules_that_hold():
    tx = generate_baskets(1200, random_state=5)
    out = rule_stability(tx, calibration_end="2024-08-31", min_support=0.01, min_confidence=0.3)
    early = tx[tx["date"] < "2024-09-01"]["order_id"].nunique()
    assert out.attrs["early_baskets"] == early
    assert out.attrs["later_baskets"] == tx["order_id"].nunique() - early
    assert out["holds"].tolist() == (out["later_lift"] > 1).tolist()
    diapers = out.set_index("rule").loc["diapers → beer"]
    assert diapers["holds"] and diapers["later_lift"] > 2


def test_rule_stability_refuses_an_end_outside_the_log():
    tx = generate_baskets(50, random_state=1)
    with pytest.raises(DataValidationError, match="no purchase after") as err:
        rule_stability(tx, calibration_end="2030-01-01", min_support=0.05)
    assert "calibration_end" in str(err.value)
    with pytest.raises(DataValidationError, match="'item'"):
        rule_stability(tx.drop(columns="item"), calibration_end="2024-06-30", min_support=0.05)


# ---------------------------------------------------------------------- next product


def test_next_products_suggest_only_items_not_bought_best_rule_first():
    m = basket_matrix([["beer", "diapers", "chips"]] * 3 + [["beer", "diapers"]] * 3 + [["wine"]] * 4)
    rules = mine_rules(m, min_support=0.2, min_confidence=0.5)
    tx = pd.DataFrame({
        "customer_id": ["x", "y", "y", "z", "z", "z"],
        "date": pd.to_datetime(["2024-01-01"] * 6),
        "amount": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "item": ["beer", "beer", "diapers", "beer", "diapers", "chips"],
    })
    out = next_products(rules, tx)
    bought = tx.groupby("customer_id")["item"].agg(set)
    assert all(s not in bought[c] for c, s in zip(out["customer_id"], out["suggestion"], strict=True))
    assert "z" not in set(out["customer_id"]), "z bought everything the rules could suggest"
    x = out[out["customer_id"] == "x"]
    assert x["rank"].tolist() == list(range(1, len(x) + 1))
    # best rule first: the order of the rule table (highest lift)
    order = {r: i for i, r in enumerate(rules["rule"])}
    assert [order[r] for r in x["rule"]] == sorted(order[r] for r in x["rule"])
    assert set(x["suggestion"]) == {"diapers", "chips"}
    assert len(next_products(rules, tx, n_top=1).query("customer_id == 'x'")) == 1


def test_next_products_ignore_returns():
    m = basket_matrix([["beer", "diapers"]] * 4 + [["wine"]])
    rules = mine_rules(m, min_support=0.2, min_confidence=0.5)
    tx = pd.DataFrame({"customer_id": ["x", "x"], "date": pd.to_datetime(["2024-01-01"] * 2),
                       "amount": [2.0, -3.0], "item": ["beer", "diapers"]})
    out = next_products(rules, tx)
    assert out["suggestion"].tolist() == ["diapers"], "a returned item counts as not bought"


# ------------------------------------------------------------------------------ chart


def test_plot_rules_draws_one_cell_per_rule_with_readable_labels():
    import matplotlib.pyplot as plt

    long = "A VERY LONG PRODUCT DESCRIPTION OF A SET OF SIX PINK PAPER CUPS WITH SPOTS"
    m = basket_matrix([["beer", "diapers", long]] * 3 + [["beer", "chips"]] * 2 + [["milk"]])
    rules = mine_rules(m, min_support=0.3, min_confidence=0.5)
    fig, ax = plt.subplots()
    out = plot_rules(rules, n_top=4, ax=ax)
    assert out is ax
    cells = [t for t in ax.texts if "×" in t.get_text()]
    assert len(cells) == 4
    top = rules.iloc[0]
    assert any(t.get_text() == f"{top['lift']:.1f}× · {top['confidence']:.0%}" for t in cells)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(lab.count("\n") <= 1 for lab in labels)
    # cut at 36 characters a line, unless cutting makes two rules look the same: then 72
    assert len(set(labels)) == len(labels), "two rules must not look the same"
    assert all(len(line) <= 72 for lab in labels for line in lab.split("\n"))
    plt.close(fig)
    long_rule = rules[rules["antecedent"].str.len() > 60].head(1)
    ax = plot_rules(long_rule)
    (label,) = [t.get_text() for t in ax.get_yticklabels()]
    assert all(len(line) <= 36 for line in label.split("\n")) and label.endswith("…")
    plt.close(ax.figure)


def test_plot_rules_writes_shared_leading_words_once():
    import matplotlib.pyplot as plt

    names = [f"HERB MARKER {h}" for h in ("BASIL", "MINT", "THYME", "CHIVES")]
    m = basket_matrix([names] * 4 + [["milk"]])
    rules = mine_rules(m, min_support=0.5, min_confidence=0.9, max_len=4)
    ax = plot_rules(rules, n_top=40, label_width=60)
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert "HERB MARKER: BASIL + MINT + THYME" in labels
    assert len(set(labels)) == len(labels)
    plt.close(ax.figure)


def test_plot_rules_refuses_a_table_that_is_not_rules():
    with pytest.raises(DataValidationError, match="antecedent"):
        plot_rules(pd.DataFrame({"x": [1]}))


def test_prune_redundant_drops_rules_a_simpler_rule_already_says():
    from crmlib.basket import prune_redundant

    baskets = [["a", "b", "c"]] * 3 + [["a", "b"]] * 2 + [["a", "d", "c"]] * 3 + [["a", "c"]] * 2 + [["x"]] * 2
    rules = mine_rules(basket_matrix(baskets), min_support=0.2, min_confidence=0.6)
    conf = rules.set_index("rule")["confidence"]
    # b adds nothing to a (0.6 < 0.8); a adds nothing to d (both 1.0): both longer rules go
    assert conf["a + b → c"] < conf["a → c"] and conf["a + d → c"] == conf["d → c"] == 1.0
    pruned = prune_redundant(rules)
    kept = set(pruned["rule"])
    assert not {"a + b → c", "a + d → c", "b + c → a", "c + d → a"} & kept
    assert {"a → c", "d → c", "b → c", "c → a"} <= kept
    assert pruned.attrs["n_redundant"] == len(rules) - len(pruned) == 4
    assert pruned["lift"].is_monotonic_decreasing
