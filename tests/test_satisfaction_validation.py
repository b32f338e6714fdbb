"""Bad input gets a clear DataValidationError: it names the column, shows the rows and
ends with a suggestion. Never a KeyError, TypeError or ZeroDivisionError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import (
    driver_analysis,
    expectation_index,
    loyalty_curve,
    satisfaction_index,
)


@pytest.fixture
def survey():
    return pd.DataFrame(
        {
            "score": [1, 2, 3, 4, 5, 5, 4, 3, 2, 1],
            "loyal": [0, 0, 1, 1, 1, 1, 0, 1, 0, 0],
            "label": ["no", "no", "yes", "yes", "yes", "yes", "no", "yes", "no", "no"],
        }
    )


def _curve(survey, **kw):
    return loyalty_curve("score", "loyal", data=survey, n_sim=19, n_boot=0, **kw)


def _assert_clear(err: pytest.ExceptionInfo, *fragments: str) -> None:
    msg = str(err.value)
    assert "Suggestion:" in msg
    for f in fragments:
        assert f in msg, msg


def test_score_outside_scale(survey):
    survey.loc[3, "score"] = 7
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "1 score in column 'score' is outside the declared scale 1-5", "7")
    assert err.value.column == "score" and len(err.value.rows) == 1


def test_score_zero_on_a_one_to_five_scale(survey):
    survey.loc[0, "score"] = 0
    with pytest.raises(DataValidationError, match="outside the declared scale"):
        _curve(survey)


def test_non_numeric_scores(survey):
    survey["score"] = survey["score"].astype(str)
    survey.loc[2, "score"] = "very satisfied"
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "not numeric", "'very satisfied'", "pd.to_numeric")
    assert err.value.rows.tolist() == ["very satisfied"]


def test_digits_stored_as_text_are_refused_with_the_fix(survey):
    survey["score"] = survey["score"].astype(str)
    with pytest.raises(DataValidationError, match="not numeric"):
        _curve(survey)


def test_boolean_scores_are_not_ratings(survey):
    with pytest.raises(DataValidationError, match="True/False"):
        loyalty_curve(survey["loyal"].astype(bool), survey["loyal"])


def test_scores_between_levels(survey):
    survey["score"] = survey["score"].astype(float)
    survey.loc[4, "score"] = 3.5
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "between the scale's levels", "bin_index")


def test_level_with_no_respondents_is_reported(survey):
    survey = survey[survey["score"] != 3]
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "Level(s) 3", "no respondents", "empty='keep'")
    # asked to keep it: reported with n = 0 and NaN rate; no floating-point error escapes
    with np.errstate(all="raise"):
        c = _curve(survey, empty="keep")
    row = c.table.set_index("level").loc[3.0]
    assert row["n"] == 0 and np.isnan(row["rate"])


def test_missing_outcome(survey):
    survey["loyal"] = survey["loyal"].astype("float64")
    survey.loc[[1, 6], "loyal"] = np.nan
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "2 values of the loyalty outcome", "'loyal'", "are missing")
    survey.loc[1, "loyal"] = 1
    with pytest.raises(DataValidationError, match="1 value of the loyalty outcome in column 'loyal' is missing"):
        _curve(survey)
    assert list(err.value.rows.index) == [1, 6]


def test_missing_score(survey):
    survey["score"] = survey["score"].astype("float64")
    survey.loc[0, "score"] = np.nan
    with pytest.raises(DataValidationError, match="1 score in column 'score' is missing"):
        _curve(survey)


def test_outcome_not_binary(survey):
    survey.loc[0, "loyal"] = 2
    with pytest.raises(DataValidationError) as err:
        _curve(survey)
    _assert_clear(err, "must be 0/1", "1 - churn")


def test_label_outcome_needs_positive(survey):
    with pytest.raises(DataValidationError) as err:
        loyalty_curve("score", "label", data=survey, n_sim=19, n_boot=0)
    _assert_clear(err, "holds labels", "positive=")
    c = loyalty_curve("score", "label", data=survey, positive="yes", n_sim=19, n_boot=0)
    assert c.table["n_loyal"].sum() == 5


def test_positive_that_never_occurs(survey):
    with pytest.raises(DataValidationError, match="does not occur"):
        loyalty_curve("score", "label", data=survey, positive="Loyal Customer")


def test_missing_column(survey):
    with pytest.raises(DataValidationError, match="'satisfaction' not found"):
        loyalty_curve("satisfaction", "loyal", data=survey)


def test_column_name_without_data():
    with pytest.raises(DataValidationError, match="no data="):
        loyalty_curve("score", [1, 0])


def test_length_mismatch():
    with pytest.raises(DataValidationError, match="differ in length"):
        loyalty_curve([1, 2, 3], [1, 0])


def test_misaligned_indexes(survey):
    with pytest.raises(DataValidationError, match="different indexes"):
        loyalty_curve(survey["score"], survey["loyal"].reset_index(drop=True).set_axis(range(10, 20)))


def test_empty_input():
    with pytest.raises(DataValidationError, match="No respondents"):
        loyalty_curve(pd.Series([], dtype="float64"), pd.Series([], dtype="int64"))


def test_bad_scale():
    with pytest.raises(DataValidationError, match="two integers"):
        loyalty_curve([1, 2], [0, 1], scale=(5, 1))


def test_items_off_scale_missing_and_text():
    df = pd.DataFrame({"a": [1, 2, 6], "b": [1, np.nan, 3], "c": ["1", "2", "3"]})
    with pytest.raises(DataValidationError, match="'a' has 1 ratings outside the scale"):
        satisfaction_index(df, ["a"])
    with pytest.raises(DataValidationError, match="fill it with 0"):
        satisfaction_index(df, ["b"])
    with pytest.raises(DataValidationError, match="'c' is not numeric"):
        satisfaction_index(df, ["c"])
    with pytest.raises(DataValidationError, match="'zzz' not found"):
        satisfaction_index(df, ["zzz"])


def test_not_applicable_code_inside_the_scale():
    df = pd.DataFrame({"a": [0, 5, 10]})
    with pytest.raises(DataValidationError, match="also a level"):
        satisfaction_index(df, ["a"], scale=(0, 10), not_applicable=0)
    assert satisfaction_index(df, ["a"], scale=(0, 10), not_applicable=None).index.tolist() == [0, 5, 10]


def test_expectation_pairs_must_match():
    df = pd.DataFrame({"p": [1, 2], "e": [2, 2]})
    with pytest.raises(DataValidationError, match="pair up"):
        expectation_index(df, ["p"], ["e", "p"])


def test_driver_outcome_errors():
    df = pd.DataFrame({"a": [1, 2, 3, 4] * 10, "y": [0, 1] * 20})
    with pytest.raises(DataValidationError, match="not found"):
        driver_analysis(df, ["a"], "loyal")
    with pytest.raises(DataValidationError, match="same index|column name"):
        driver_analysis(df, ["a"], pd.Series([0, 1] * 20, index=range(100, 140)))
    with pytest.raises(DataValidationError, match="Control 'zzz'|'zzz' not found"):
        driver_analysis(df, ["a"], "y", controls=["zzz"])


# --- issue 8: no raw pandas/NumPy/scikit-learn errors; text is refused, not coerced ---------

from crmlib.satisfaction import (  # noqa: E402
    CURVES,
    bin_index,
    curve_zones,
    detect_knee,
    generate_survey,
    rate_ratio,
    target_scenarios,
)

_DF = pd.DataFrame({"score": [1, 2, 3, 4, 5] * 4, "loyal": [0, 0, 1, 1, 1] * 4})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: loyalty_curve("score", "loyal", data=_DF, confidence="0.9"), "confidence"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, confidence=2), "confidence"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, n_sim="99"), "n_sim"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, n_boot=-1), "n_boot"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, knee_alpha=float("nan")), "knee_alpha"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, smooth="spline"), "smooth"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, empty="drop"), "empty"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, random_state="x"), "random_state"),
        (lambda: loyalty_curve("score", "loyal", data=_DF.rename(columns={"loyal": "score"})), "duplicated column"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, n_sim=99).ratio("5", 4), "high"),
        (lambda: loyalty_curve("score", "loyal", data=_DF, n_sim=99).ratio(5, 4, n_boot="9"), "n_boot"),
        (lambda: bin_index(pd.Series([3.2, 4.1]), step="0.5"), "step"),
        (lambda: bin_index(pd.Series([3.2, np.inf])), "infinite"),
        (lambda: bin_index(pd.Series([3.2, 4.1]), method="ceil"), "method"),
        (lambda: generate_survey(10, score_probs=["a"] * 5), "score_probs"),
        (lambda: generate_survey(10, random_state="x"), "random_state"),
        (lambda: generate_survey(10, item_noise=float("inf")), "item_noise"),
        (lambda: target_scenarios(CURVES["xerox"].probs, {"a": ["x"] * 5}), "scenario 'a'"),
        (lambda: target_scenarios(CURVES["xerox"].probs, {"a": [0.2] * 5}, n_top=0.5), "n_top"),
        (lambda: rate_ratio("1", 10, 2, 10), "k_high"),
        (lambda: rate_ratio(-1, 10, 2, 10), "k_high"),
        (lambda: rate_ratio(11, 10, 2, 10), "more loyal than respondents"),
        (lambda: detect_knee([1, 2, 3], ["a", "b", "c"], [1, 2, 3]), "k must hold numbers"),
        (lambda: detect_knee([1, 2, 3], [1, 2], [1, 2, 3]), "one per level"),
        (lambda: detect_knee([1, 2, 3], [1, 5, 2], [3, 3, 3]), "0 <= k <= n"),
        (lambda: curve_zones([1, 2, 3], ["a", "b", "c"]), "fitted must hold numbers"),
        (lambda: curve_zones([1, 2, 3], [0.1, 0.5, 0.9], min_separation=0.9), "min_separation"),
    ],
)
def test_bad_parameters_are_data_validation_errors(call, match):
    with pytest.raises(DataValidationError, match=match) as info:
        call()
    assert "Suggestion:" in str(info.value)


def test_text_scores_are_refused_even_when_they_look_like_numbers():
    with pytest.raises(DataValidationError, match="not numeric") as info:
        loyalty_curve(pd.Series(["5", "4", "3", "2", "1"] * 2, name="q1"), pd.Series([1, 1, 0, 0, 0] * 2))
    assert "q1" in str(info.value) and "pd.to_numeric" in str(info.value)


def test_one_class_outcome_in_driver_analysis():
    """Was a ConvergenceError from the logistic fit (issue 8: labels with one class)."""
    df = generate_survey(300, items={"a": 1.0, "b": 0.5}, random_state=0).assign(loyal=True)
    with pytest.raises(DataValidationError, match="same outcome") as info:
        driver_analysis(df, ["a", "b"], "loyal")
    assert "driver_analysis" in str(info.value)


def test_missing_column_suggestion_names_the_function_called(survey):
    with pytest.raises(DataValidationError, match="driver_analysis") as info:
        driver_analysis(survey.assign(a=[1] * 10), ["a"], "nope")
    assert "read_transactions" not in str(info.value)
    with pytest.raises(DataValidationError, match="loyalty_curve"):
        loyalty_curve("nope", "loyal", data=survey)
