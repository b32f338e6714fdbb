"""The Kano model: the evaluation table, recovery of a generator's stated categories (and
failure to recover them from pure noise), Better/Worse, the answer rule and the reader."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import (
    KANO_TABLE,
    kano_analysis,
    plot_better_worse,
    read_kano_survey,
    simulate_kano_survey,
)
from crmlib.satisfaction.kano import kano_answers

TRUTH = {"Wifi": "M", "Espresso bar": "A", "Fast checkout": "O", "Logo colour": "I", "Auto-play ads": "R",
         "Clean rooms": "M", "Free upgrade": "A"}


def test_evaluation_table_is_berger_et_al():
    # Berger et al. (1993), Table 2: the four corners and the centre
    assert KANO_TABLE.loc["like", "dislike"] == "O"
    assert KANO_TABLE.loc["like", "like"] == KANO_TABLE.loc["dislike", "dislike"] == "Q"
    assert KANO_TABLE.loc["dislike", "like"] == "R"
    assert KANO_TABLE.loc["neutral", "neutral"] == "I"
    assert (KANO_TABLE.loc["like", ["must-be", "neutral", "live-with"]] == "A").all()
    assert (KANO_TABLE.loc[["must-be", "neutral", "live-with"], "dislike"] == "M").all()
    counts = KANO_TABLE.stack().value_counts().to_dict()
    assert counts == {"I": 9, "R": 7, "A": 3, "M": 3, "Q": 2, "O": 1}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_the_generator_categories(seed):
    survey = simulate_kano_survey(TRUTH, n_respondents=150, noise=0.4, random_state=seed)
    result = kano_analysis(survey)
    assert result.categories.to_dict() == TRUTH
    assert result.table["clear"].all()


def test_fails_to_recover_from_pure_noise():
    # with answers drawn at random, the table's own cell counts decide (I has 9 of 25 cells):
    # every feature comes out indifferent, so only the truly indifferent one "matches"
    survey = simulate_kano_survey(TRUTH, n_respondents=400, noise=1.0, random_state=0)
    got = kano_analysis(survey).categories
    matches = sum(got[f] == c for f, c in TRUTH.items())
    assert matches <= sum(c == "I" for c in TRUTH.values())
    assert set(got) == {"I"}


def test_recovery_degrades_with_noise():
    hits = []
    for noise in (0.2, 0.95):
        got = kano_analysis(simulate_kano_survey(TRUTH, n_respondents=60, noise=noise, random_state=4)).categories
        hits.append(sum(got[f] == c for f, c in TRUTH.items()))
    assert hits[0] == len(TRUTH) > hits[1]


def test_better_worse_from_counts():
    survey = pd.DataFrame({
        "X (functional)": ["like", "like", "neutral", "neutral", "like", "dislike"],
        "X (dysfunctional)": ["neutral", "dislike", "dislike", "neutral", "like", "like"],
    })  # A, O, M, I, Q, R
    r = kano_analysis(survey)
    assert r.counts.loc["X"].to_dict() == {"A": 1, "O": 1, "M": 1, "I": 1, "R": 1, "Q": 1}
    assert r.table.loc["X", "better"] == pytest.approx(2 / 4)
    assert r.table.loc["X", "worse"] == pytest.approx(-2 / 4)
    # a six-way tie goes to the customary order M > O > A > I
    assert r.table.loc["X", "category"] == "M" and not r.table.loc["X", "clear"]


def test_stated_categories_land_in_their_quadrants():
    r = kano_analysis(simulate_kano_survey({"a": "A", "o": "O", "m": "M", "i": "I"}, 300, noise=0.1, random_state=3))
    t = r.table
    assert t.loc["a", "better"] > 0.5 > -t.loc["a", "worse"]
    assert t.loc["o", "better"] > 0.5 and -t.loc["o", "worse"] > 0.5
    assert t.loc["m", "better"] < 0.5 < -t.loc["m", "worse"]
    assert t.loc["i", "better"] < 0.5 and -t.loc["i", "worse"] < 0.5


def test_answer_rule():
    assert kano_answers(pd.Series(["I like it", "It must be that way", "I am neutral", "I can live with it",
                                   "I dislike it"])).tolist() == ["like", "must-be", "neutral", "live-with", "dislike"]
    assert kano_answers(pd.Series(["喜欢", "理所当然", "无所谓", "能忍受", "不喜欢"])).tolist()[-1] == "dislike"
    assert kano_answers(pd.Series([1, 2, None, 5])).tolist()[:2] == ["like", "must-be"]
    assert kano_answers(pd.Series(["1", "5"])).tolist() == ["like", "dislike"]


@pytest.mark.parametrize("values", [["like", "love it", "dislike"], [1, 6, 3], [True, False, True]])
def test_bad_answers_name_column_and_rows(values):
    survey = pd.DataFrame({"Wifi (functional)": values, "Wifi (dysfunctional)": ["dislike"] * 3})
    with pytest.raises(DataValidationError, match=r"Wifi \(functional\)") as info:
        kano_analysis(survey)
    assert "Suggestion:" in str(info.value)
    if values[0] != True:  # noqa: E712 - booleans are refused as a whole column
        assert list(info.value.rows.index) == [1]


def test_blank_answers_leave_out_that_feature_only():
    survey = simulate_kano_survey({"Wifi": "M", "Bar": "A"}, 50, noise=0.1, random_state=0)
    survey.loc[[0, 1, 2], "Wifi (dysfunctional)"] = None
    t = kano_analysis(survey).table
    assert (t.loc["Wifi", "n"], t.loc["Wifi", "n_missing"]) == (47, 3)
    assert t.loc["Bar", "n"] == 50


def test_reader_with_own_columns_and_file(tmp_path):
    survey = simulate_kano_survey({"Wifi": "M", "Bar": "A"}, 80, noise=0.2, random_state=1)
    mine = pd.DataFrame({
        "Q1a": survey["Wifi (functional)"].map({"like": 1, "must-be": 2, "neutral": 3, "live-with": 4, "dislike": 5}),
        "Q1b": survey["Wifi (dysfunctional)"].str.replace("-", " ").str.upper(),
        "Q2a": survey["Bar (functional)"], "Q2b": survey["Bar (dysfunctional)"],
    })
    path = tmp_path / "kano.csv"
    mine.to_csv(path, index=False)
    r = read_kano_survey(path, features={"Wifi": ("Q1a", "Q1b"), "Bar": ("Q2a", "Q2b")})
    assert r.categories.to_dict() == {"Wifi": "M", "Bar": "A"}
    with pytest.raises(DataValidationError, match="Q9"):
        read_kano_survey(path, features={"Wifi": ("Q1a", "Q9")})
    with pytest.raises(DataValidationError, match="no functional/dysfunctional"):
        read_kano_survey(path)
    with pytest.raises(DataValidationError, match="not found"):
        read_kano_survey(tmp_path / "missing.csv")


def test_reader_refuses_a_lone_question():
    with pytest.raises(DataValidationError, match="only one of the two"):
        kano_analysis(pd.DataFrame({"Wifi functional": ["like"], "Bar functional": ["like"],
                                    "Bar dysfunctional": ["neutral"]}))


def test_generator_is_seeded_and_states_its_truth():
    a = simulate_kano_survey(TRUTH, 30, random_state=9)
    pd.testing.assert_frame_equal(a, simulate_kano_survey(TRUTH, 30, random_state=9))
    assert a.attrs["true_categories"] == TRUTH
    with pytest.raises(DataValidationError, match="unknown categories"):
        simulate_kano_survey({"Wifi": "Z"})
    with pytest.raises(DataValidationError, match="noise"):
        simulate_kano_survey({"Wifi": "M"}, noise=2)


def test_better_worse_chart():
    r = kano_analysis(simulate_kano_survey(TRUTH, 100, noise=0.3, random_state=0))
    ax = plot_better_worse(r)
    labels = [t.get_text() for t in ax.texts]
    assert "Wifi (M)" in labels and "Espresso bar (A)" in labels
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)
