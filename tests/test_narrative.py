"""Generated sentences: numbers are recorded with their source cells and checked."""

from __future__ import annotations

import json

import pandas as pd

from crmlib.export import save_table
from crmlib.narrative import Narrative, check_claims


def test_numbers_are_formatted_and_recorded(tmp_path):
    story = Narrative(tmp_path, display=False)
    assert story.number("customers", 4338) == "4,338"
    assert story.number("spend", 1234.5, decimals=1, unit="GBP") == "1,234.5 GBP"
    assert story.share("top20", 0.74681) == "74.7%"
    story.save()
    key = pd.read_csv(tmp_path / "tables" / "key_numbers.csv", encoding="utf-8-sig")
    assert key["name"].tolist() == ["customers", "spend", "top20"]
    assert key["value"].tolist() == ["4,338", "1,234.5 GBP", "74.7%"]


def test_choose_branches_on_the_result():
    assert Narrative.choose(0.7 > 0.8, "above", "below") == "below"
    assert Narrative.choose(0.9 > 0.8, "above", "below") == "above"


def test_check_claims_finds_a_number_that_disagrees_with_its_table(tmp_path):
    table = pd.DataFrame({"share": [0.75, 0.25]}, index=pd.Index(["top", "rest"], name="group"))
    save_table(table, tmp_path / "tables" / "shares")
    story = Narrative(tmp_path, display=False)
    story.share("top_share", table.loc["top", "share"], table="shares", row="top", column="share")
    story.save()
    assert check_claims(tmp_path) == []
    # a stated number that no longer matches its table is reported
    claims = json.loads((tmp_path / "claims.json").read_text(encoding="utf-8"))
    claims["claims"][0]["value"] = 0.8
    (tmp_path / "claims.json").write_text(json.dumps(claims), encoding="utf-8")
    problems = check_claims(tmp_path)
    assert len(problems) == 1 and "top_share" in problems[0]


def test_conclusion_is_bilingual(tmp_path):
    story = Narrative(tmp_path, display=False)
    story.conclude("Keep the key tier.", "Call them.", "保留关键客户。", "打电话。")
    text = story.sentences[-1]
    assert "Conclusion" in text and "结论" in text and "行动" in text
