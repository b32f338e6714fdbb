"""Report-ready tables and generated sentences of a loyalty curve (moved from notebook 04):
readable rounded tables, sentences that branch on the result and cite the saved table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.export import save_table
from crmlib.narrative import Narrative, check_claims
from crmlib.satisfaction import (
    CURVE_TABLE_COLUMNS,
    curve_table,
    describe_curve,
    differences_table,
    generate_survey,
    loyalty_curve,
)

FAST = {"n_sim": 99, "n_boot": 0}


@pytest.fixture(scope="module")
def xerox_curve():
    return loyalty_curve("satisfaction", "loyal", data=generate_survey(5_000, random_state=3), **FAST)


def _curve(counts, loyal, **kw):
    """A curve from respondents per level (1..5) and loyal respondents per level."""
    s = np.repeat(np.arange(1, 6), counts)
    y = np.concatenate([np.r_[np.ones(k), np.zeros(n - k)] for n, k in zip(counts, loyal, strict=True)])
    return loyalty_curve(pd.Series(s, name="score"), pd.Series(y, name="loyal"), **FAST, **kw)


def test_curve_table_is_the_curve_rounded_with_readable_headers(xerox_curve):
    t = curve_table(xerox_curve)
    raw = xerox_curve.table
    assert tuple(t.columns) == CURVE_TABLE_COLUMNS
    assert t.index.name == "Level" and t.index.tolist() == raw["level"].tolist()
    assert t["Respondents"].tolist() == raw["n"].tolist() and t["Respondents"].dtype == "int64"
    assert t["Loyal"].tolist() == raw["n_loyal"].tolist()
    np.testing.assert_allclose(t["Share loyal"], raw["rate"].round(3))
    np.testing.assert_allclose(t["95% CI high"], raw["ci_high"].round(3))
    np.testing.assert_allclose(t["Monotone fit"], raw["isotonic"].round(3))
    assert (t["Share loyal"] * 1000).round(6).mod(1).eq(0).all()  # rounded to 3 decimals
    assert t["Zone"].tolist() == raw["zone"].tolist()


def test_curve_table_keeps_an_empty_level():
    c = _curve([40, 30, 0, 50, 60], [10, 10, 0, 30, 50], empty="keep")
    t = curve_table(c)
    assert t.loc[3.0, "Respondents"] == 0 and np.isnan(t.loc[3.0, "Share loyal"])
    assert len(t) == 5


def test_differences_table_in_points(xerox_curve):
    d = differences_table(xerox_curve, "simulated")
    raw = xerox_curve.adjacent_differences()
    assert d.index.name == "Step" and d.index[-1] == "simulated: 4 to 5"
    assert (d["Data"] == "simulated").all()
    np.testing.assert_allclose(d["Observed difference (points)"], (100 * raw["difference"]).round(1))
    np.testing.assert_allclose(d["Difference in share loyal, monotone fit (points)"],
                               (100 * raw["difference_isotonic"]).round(1))
    np.testing.assert_allclose(d["95% CI low (points)"], (100 * raw["ci_low"]).round(1))
    assert d["Respondents at lower level"].tolist() == raw["n_from"].tolist()
    # tables of two curves concatenate without clashing rows
    both = pd.concat([d, differences_table(xerox_curve, "other")])
    assert both.index.is_unique and len(both) == 8


@pytest.mark.parametrize("label", ["", "  ", None, 3])
def test_differences_table_refuses_a_bad_label(xerox_curve, label):
    with pytest.raises(DataValidationError, match="label must be a non-empty string") as info:
        differences_table(xerox_curve, label)
    assert "Suggestion:" in str(info.value)


@pytest.mark.parametrize("func", [curve_table, lambda c: differences_table(c, "x"),
                                  lambda c: describe_curve(c, Narrative(".", display=False), table_name="t",
                                                           key="k", source="s")])
def test_a_curve_is_required(func):
    with pytest.raises(DataValidationError, match="needs a LoyaltyCurve, got DataFrame") as info:
        func(pd.DataFrame({"level": [1, 2], "rate": [0.1, 0.2]}))
    assert "loyalty_curve" in str(info.value)


def _describe(curve, tmp_path, **kw):
    story = Narrative(tmp_path, display=False)
    table = curve_table(curve)
    save_table(table, tmp_path / "tables" / "curve")
    text = describe_curve(curve, story, table=table, table_name="curve", key="k", source="the test survey", **kw)
    story.save()
    return text, story


@pytest.mark.parametrize(
    "counts,loyal,expected",
    [
        ([200, 200, 200, 200, 200], [20, 40, 60, 100, 180], "clearly more loyal than the least satisfied"),
        ([200, 200, 200, 200, 200], [180, 100, 60, 40, 20], "clearly less loyal than the least satisfied"),
        ([5, 200, 200, 200, 5], [2, 100, 100, 100, 3], "intervals overlap, so they are not clearly different"),
    ],
)
def test_describe_curve_branches_on_the_ends(tmp_path, counts, loyal, expected):
    text, _ = _describe(_curve(counts, loyal), tmp_path)
    assert expected in text.sentence
    assert text.sentence.startswith("On the test survey, the share loyal is ")


def test_describe_curve_states_only_numbers_of_the_saved_table(tmp_path):
    c = _curve([1, 100, 300, 400, 199], [0, 40, 150, 280, 190])
    text, story = _describe(c, tmp_path)
    claims = {cl.name: cl for cl in story.claims}
    t = curve_table(c)
    assert claims["k_rate_top"].table == "curve" and claims["k_rate_top"].row == "5.0"
    assert claims["k_rate_top"].value == pytest.approx(t.loc[5.0, "Share loyal"])
    assert claims["k_n_lowest"].value == 1
    assert check_claims(tmp_path) == []
    assert "at level 1 (1 respondent)" in text.sentence  # singular
    assert f"({claims['k_n_top'].text})" in text.sentence
    best = c.steepest_step()
    assert f"between levels {best['from_level']:g} and {best['to_level']:g}" in text.sentence
    # 200 of 1,000 respondents at the end levels: not "fewer"
    assert claims["k_share_at_ends"].value == pytest.approx(0.2)
    assert "well populated" in text.ends


def test_describe_curve_knee_wording(tmp_path, xerox_curve):
    text, _ = _describe(xerox_curve, tmp_path)
    assert xerox_curve.knee.found
    assert text.knee == f"The knee test finds a clear bend at level {xerox_curve.knee.level:g}."
    flat, _ = _describe(_curve([200] * 5, [100] * 5), tmp_path)
    assert flat.knee.startswith("The knee test finds no sharp knee")


def test_describe_curve_sparse_ends(tmp_path):
    text, story = _describe(_curve([10, 300, 300, 300, 20], [2, 100, 150, 200, 18]), tmp_path)
    assert {c.name: c for c in story.claims}["k_share_at_ends"].value == pytest.approx(30 / 930, abs=1e-3)  # from the rounded table
    assert "rest on fewer respondents" in text.ends


def test_describe_curve_builds_the_table_when_not_given(tmp_path, xerox_curve):
    story = Narrative(tmp_path, display=False)
    text = describe_curve(xerox_curve, story, table_name="curve", key="k", source="s")
    given = describe_curve(xerox_curve, Narrative(tmp_path, display=False), table=curve_table(xerox_curve),
                           table_name="curve", key="k", source="s")
    assert text == given
