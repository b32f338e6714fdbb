"""The index page of `crmlib report`: each notebook's conclusion, in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmlib.exceptions import DataValidationError
from crmlib.narrative import Narrative
from crmlib.report_page import conclusion, write_index
from crmlib.reports import NotebookRun


def _run(tmp_path: Path, lang: str) -> NotebookRun:
    out = tmp_path / "02_segment_customers"
    story = Narrative(out, display=False, lang=lang)
    story.conclude("Key customers bring most revenue.", "Give them account managers.",
                   "关键客户贡献了大部分收入。", "为他们配备客户经理。")
    story.save()
    executed = out / "02_segment_customers.ipynb"
    executed.write_text("{}", encoding="utf-8")
    return NotebookRun(notebook=Path("notebooks/02_segment_customers.ipynb"), output_dir=out, seconds=1.0,
                       executed=executed, html=None)


def test_conclusion_is_read_from_the_claims(tmp_path):
    run = _run(tmp_path, "en")
    assert conclusion(run)["action_zh"] == "为他们配备客户经理。"


@pytest.mark.parametrize("lang,shown,hidden", [
    ("en", ["Conclusion.", "Key customers bring most revenue.", "Key numbers"], ["关键客户贡献了大部分收入。", "关键数字"]),
    ("zh", ["结论：", "关键客户贡献了大部分收入。", "为他们配备客户经理。", "关键数字"], ["Give them account managers.", "Key numbers"]),
])
def test_index_page_speaks_the_chosen_language(tmp_path, lang, shown, hidden):
    page = write_index(tmp_path, [_run(tmp_path, lang)], data_label="CDNOW, 1997-01-01 to 1998-06-30",
                       accounting="rows in: 10", lang=lang).read_text(encoding="utf-8")
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def test_zh_notebook_shows_chinese_first(tmp_path):
    story = Narrative(tmp_path, display=False, lang="zh")
    story.say("English only")
    story.say("In English", zh="中文")
    story.conclude("c", "a", "结", "行")
    assert story.sentences[:2] == ["English only", "中文"]
    assert story.sentences[-1].startswith("**结论。** 结")
    assert "**Conclusion.** c" in story.sentences[-1]


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(DataValidationError, match="LANG"):
        Narrative(tmp_path, lang="fr")
    with pytest.raises(DataValidationError, match="lang"):
        write_index(tmp_path, [], data_label="x", accounting="", lang="de")


def test_profiles_page_shows_the_top_key_customers(tmp_path):
    from crmlib import datasets
    from crmlib.profile import build_book
    from crmlib.report_page import write_profiles

    book = build_book(datasets.load_cdnow_transactions(sample=True), currency="$")
    path = write_profiles(tmp_path, book, n=3, data_label="CDNOW sample")
    page = path.read_text(encoding="utf-8")
    key = book.summary.loc[book.tiers["tier"].astype(str) == "key", "total_spend"].sort_values(ascending=False)
    for cid in key.index[:3]:
        assert f'id="c{cid}"' in page
        assert (tmp_path / "profiles" / f"{cid}.png").stat().st_size > 10_000
    assert page.count("<img ") == 3
    index = write_index(tmp_path, [], data_label="x", accounting="", profiles=path).read_text(encoding="utf-8")
    assert 'href="profiles.html"' in index
