"""A user's survey file and column map are checked before any analysis."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import read_survey, yes_no_outcome


@pytest.fixture
def survey_csv(tmp_path):
    path = tmp_path / "survey.csv"
    pd.DataFrame({"rating": [5, 4, 2], "stay": ["Yes", "No", "yes"], "staff": [5, 4, 1]}).to_csv(path, index=False)
    return path


def test_reads_csv_and_normalises_items(survey_csv):
    df, cols = read_survey(survey_csv, {"score": "rating", "outcome": "stay", "items": "staff"})
    assert len(df) == 3 and cols["items"] == ["staff"]


@pytest.mark.parametrize(
    "columns,match",
    [
        ({"score": "rating"}, "outcome"),
        ({"outcome": "stay"}, "score"),
        ({"score": "rating", "outcome": "stays"}, "stays"),
        ({"score": "rating", "outcome": "stay", "colour": "x"}, "unknown"),
    ],
)
def test_bad_column_maps_are_refused(survey_csv, columns, match):
    with pytest.raises(DataValidationError, match=match):
        read_survey(survey_csv, columns)


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(DataValidationError, match="not found"):
        read_survey(tmp_path / "nope.csv", {"score": "a", "outcome": "b"})
    bad = tmp_path / "latin.csv"
    bad.write_bytes("name,ok\nJos\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="cannot be read"):
        read_survey(bad, {"score": "name", "outcome": "ok"})
    odd = tmp_path / "survey.xlsx"
    odd.write_text("x")
    with pytest.raises(DataValidationError, match="format"):
        read_survey(odd, {"score": "a", "outcome": "b"})


def test_yes_no_is_read_one_way_for_the_whole_column():
    assert yes_no_outcome(pd.Series(["Yes", "no", "Y", "n"])).tolist() == [1, 0, 1, 0]
    mixed = pd.Series(["yes", "maybe"])
    assert yes_no_outcome(mixed).tolist() == ["yes", "maybe"]  # left for loyalty_curve to refuse
