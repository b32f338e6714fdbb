"""The index page and the workbook that ``crmlib report`` writes over the notebook runs.

``index.html`` is one self-contained file: the charts are embedded as base64 data URIs
and the styles are inline, so it can be mailed or opened offline; the links next to each
chart and table point at the files under the report folder. ``tables.xlsx`` has one
sheet per CSV table, a ``key_numbers`` sheet and a ``contents`` sheet.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from crmlib.export import KEY_NUMBERS_FILE
from crmlib.reports import NotebookRun

__all__ = ["chart_info", "conclusion", "key_numbers", "write_index", "write_profiles", "write_workbook"]

# Excel's own limits: rows per sheet, characters per sheet name
_EXCEL_ROWS = 1_048_576
_SHEET_CHARS = 31
# a notebook's key numbers are shown unfolded up to this many
_OPEN_KEY_NUMBERS = 15

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;
margin:0 auto;max-width:1100px;padding:1.5rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2.5rem}
.meta{color:#555}pre{background:#f5f5f5;padding:.8rem;overflow-x:auto;font-size:.85rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#eef3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.2rem 0 2rem;border:1px solid #e2e2e2;padding:.8rem;border-radius:4px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
summary{cursor:pointer;margin:.3rem 0}figcaption{margin-top:.5rem}.takeaway{font-size:1.05rem}.files{color:#555;font-size:.85rem}
.failed{color:#b00020;font-weight:600}nav a{margin-right:.8rem}
.conclusion{background:#f3f8fc;border-left:4px solid #0072B2;padding:.6rem .9rem}
"""


# The page's own words in each language of ``crmlib report --lang``. The notebooks' analysis
# prose is English; each notebook's conclusion and action exist in both languages.
_WORDS = {
    "en": {
        "title": "crmlib report", "generated": "generated", "with": "with crmlib",
        "data": "The data", "key_numbers": "Key numbers", "workbook": "All tables in one workbook (tables.xlsx)",
        "no_numbers": "No notebook saved key numbers.", "numbers": "numbers", "number": "number",
        "value": "value", "note": "note", "tables": "Tables (CSV)", "failed": "failed",
        "ran": "ran in {s:.1f} s, {c} charts, {t} tables", "html": "notebook (HTML)",
        "ipynb": "notebook (.ipynb)", "conclusion": "Conclusion", "action": "Action",
        "source": "Source", "no_png": "no PNG saved for",
        "profiles": "360° view of the top key customers (profiles.html)", "stop": ".",
    },
    "zh": {
        "title": "crmlib 报告", "generated": "生成于", "with": "crmlib 版本",
        "data": "数据", "key_numbers": "关键数字", "workbook": "全部表格（一个工作簿 tables.xlsx）",
        "no_numbers": "没有笔记本保存关键数字。", "numbers": "个数字", "number": "名称",
        "value": "数值", "note": "说明", "tables": "表格（CSV）", "failed": "运行失败",
        "ran": "用时 {s:.1f} 秒，{c} 张图，{t} 个表", "html": "笔记本（HTML）",
        "ipynb": "笔记本（.ipynb）", "conclusion": "结论", "action": "行动",
        "source": "来源", "no_png": "未保存 PNG：",
        "profiles": "关键客户的360度视图（profiles.html）", "stop": "：",
    },
}


def conclusion(run: NotebookRun) -> dict | None:
    """The notebook's closing conclusion and action (English and 中文), from ``claims.json``."""
    path = run.output_dir / "claims.json"
    if not path.exists():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("conclusion")
    except (ValueError, OSError):
        return None
    return found if isinstance(found, dict) else None


def chart_info(run: NotebookRun, stem: str) -> dict:
    """Title, takeaway, subtitle and source of one chart, from its sidecar ``.json``."""
    sidecar = run.output_dir / "figures" / f"{stem}.json"
    info = {"title": "", "takeaway": "", "subtitle": "", "source": ""}
    if sidecar.exists():
        try:
            info.update({k: str(v) for k, v in json.loads(sidecar.read_text(encoding="utf-8")).items()})
        except (ValueError, OSError):
            pass  # a damaged sidecar only loses the caption; the chart is still shown
    return info


def key_numbers(runs: Sequence[NotebookRun]) -> pd.DataFrame:
    """Every notebook's ``tables/key_numbers.csv``, stacked, with a ``notebook`` column."""
    frames = []
    for run in runs:
        path = run.output_dir / KEY_NUMBERS_FILE
        if path.exists():
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
            frames.append(frame.assign(notebook=run.notebook.stem)[["notebook", "name", "value", "note"]])
    if not frames:
        return pd.DataFrame(columns=["notebook", "name", "value", "note"])
    return pd.concat(frames, ignore_index=True)


def _rel(path: Path, out: Path) -> str:
    try:
        return path.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def _link(path: Path | None, out: Path, text: str) -> str:
    if path is None or not path.exists():
        return ""
    return f'<a href="{html.escape(_rel(path, out), quote=True)}">{html.escape(text)}</a>'


def _data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def _key_table(numbers: pd.DataFrame, words: dict[str, str] = _WORDS["en"]) -> str:
    """One table per notebook; a long list starts folded so the charts stay in reach."""
    if numbers.empty:
        return f"<p>{words['no_numbers']}</p>"
    blocks = []
    for notebook, group in numbers.groupby("notebook", sort=False):
        rows = []
        for r in group.itertuples(index=False):
            num = re.fullmatch(r"-?[\d.,]+(e[-+]?\d+)?%?", r.value or "") is not None
            rows.append(
                f"<tr><td>{html.escape(r.name)}</td><td class=\"{'num' if num else ''}\">"
                f"{html.escape(r.value)}</td><td>{html.escape(r.note)}</td></tr>"
            )
        blocks.append(
            f"<details{' open' if len(group) <= _OPEN_KEY_NUMBERS else ''}><summary>"
            f"{html.escape(notebook)}: {len(group)} {words['numbers']}</summary>"
            f"<table><thead><tr><th>{words['number']}</th><th>{words['value']}</th><th>{words['note']}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>"
        )
    return "\n".join(blocks)


def _inline_markdown(text: str) -> str:
    """Escaped text with Markdown's **bold** kept (takeaways are written for notebooks too).

    Examples
    --------
    >>> _inline_markdown("**Business** travel <b>")
    '<strong>Business</strong> travel &lt;b&gt;'
    """
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text))


def _section(run: NotebookRun, out: Path, lang: str = "en") -> str:
    words = _WORDS[lang]
    stem = run.notebook.stem
    parts = [f'<section id="{html.escape(stem)}"><h2>{html.escape(stem)}</h2>']
    links = " · ".join(
        x for x in (_link(run.html, out, words["html"]), _link(run.executed, out, words["ipynb"])) if x
    )
    status = (
        f'<span class="failed">{words["failed"]}: {html.escape(run.error or "")}</span>'
        if not run.ok
        else words["ran"].format(s=run.seconds, c=len(run.charts), t=len(run.tables))
    )
    parts.append(f'<p class="meta">{status}. {links}</p>')
    closing = conclusion(run) if run.ok else None
    if closing:
        suffix = "_zh" if lang == "zh" else ""
        parts.append(
            f'<p class="conclusion"><strong>{words["conclusion"]}{words["stop"]}</strong> '
            f"{_inline_markdown(closing.get('conclusion' + suffix, ''))}<br>"
            f'<strong>{words["action"]}{words["stop"]}</strong> {_inline_markdown(closing.get("action" + suffix, ""))}</p>'
        )
    if run.tables:
        items = "".join(f"<li>{_link(t, out, t.name)}</li>" for t in run.tables)
        parts.append(f"<details><summary>{words['tables']}</summary><ul>{items}</ul></details>")
    for chart in run.charts:
        png = run.output_dir / "figures" / f"{chart}.png"
        info = chart_info(run, chart)
        caption = info["takeaway"] or info["title"] or chart
        files = " · ".join(
            x for x in (_link(run.output_dir / "figures" / f"{chart}.{ext}", out, ext.upper())
                        for ext in ("png", "svg", "pdf")) if x
        )
        image = (
            f'<img src="{_data_uri(png)}" alt="{html.escape(info["title"] or chart, quote=True)}">'
            if png.exists()
            else f"<p>({words['no_png']} {html.escape(chart)})</p>"
        )
        detail = " · ".join(html.escape(x) for x in (info["subtitle"], info["source"] and f"{words['source']}: {info['source']}") if x)
        parts.append(
            f"<figure>{image}<figcaption><div class=\"takeaway\">{_inline_markdown(caption)}</div>"
            f'<div class="files">{html.escape(chart)}{" · " + detail if detail else ""} — {files}</div></figcaption></figure>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def write_index(
    out: str | Path,
    runs: Sequence[NotebookRun],
    *,
    data_label: str,
    accounting: str,
    workbook: Path | None = None,
    profiles: Path | None = None,
    lang: str = "en",
) -> Path:
    """Write ``<out>/index.html``: accounting, key numbers, conclusions, charts with takeaways, links.

    Parameters
    ----------
    out : path
        The report folder (the notebooks' outputs are under ``<out>/<notebook>/``).
    runs : sequence of NotebookRun
        What :func:`crmlib.reports.run_all` returned.
    data_label : str
        Data set and period, shown as the page's subtitle.
    accounting : str
        The validation report (rows in, used, excluded by reason), shown verbatim.
    workbook : Path, optional
        ``tables.xlsx``, linked from the page.
    profiles : Path, optional
        ``profiles.html`` (:func:`write_profiles`), linked from the page.
    lang : {"en", "zh"}, default "en"
        Language of the page's own words and of each notebook's conclusion and action.

    Returns
    -------
    Path
    """
    import crmlib

    if lang not in _WORDS:
        from crmlib.exceptions import DataValidationError

        raise DataValidationError(f"lang must be one of {sorted(_WORDS)}, got {lang!r}.",
                                  suggestion="call write_index(..., lang='en') or lang='zh'.")
    words = _WORDS[lang]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nav = "".join(f'<a href="#{html.escape(r.notebook.stem)}">{html.escape(r.notebook.stem)}</a>' for r in runs)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # a page with no favicon makes the browser request /favicon.ico and log an error
        '<link rel="icon" href="data:,">',
        f"<title>{words['title']}: {html.escape(data_label)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{words['title']}</h1><p class=\"meta\">{html.escape(data_label)} · {words['generated']} {stamp} "
        f"· {words['with']} {html.escape(crmlib.__version__)}</p>",
        f"<nav>{nav}</nav>",
        f"<h2 id=\"data\">{words['data']}</h2>",
        f"<pre>{html.escape(accounting)}</pre>",
        f"<h2 id=\"key-numbers\">{words['key_numbers']}</h2>",
        _key_table(key_numbers(runs), words),
        f"<p>{_link(workbook, out, words['workbook'])}</p>" if workbook else "",
        f"<p>{_link(profiles, out, words['profiles'])}</p>" if profiles else "",
    ]
    body += [_section(run, out, lang) for run in runs]
    body.append("</body></html>")
    path = out / "index.html"
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def _sheet_name(notebook: str, table: str, used: set[str]) -> str:
    """A unique Excel sheet name: notebook number + table name, 31 characters at most."""
    prefix = notebook.split("_", 1)[0]
    base = re.sub(r"[\[\]:*?/\\]", "_", f"{prefix}_{table}")[:_SHEET_CHARS]
    name, i = base, 2
    while name.lower() in used:
        suffix = f"~{i}"
        name, i = base[: _SHEET_CHARS - len(suffix)] + suffix, i + 1
    used.add(name.lower())
    return name


def _as_number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def write_workbook(out: str | Path, runs: Sequence[NotebookRun]) -> Path:
    """Write ``<out>/tables.xlsx``: ``contents``, ``key_numbers``, then one sheet per CSV table.

    Tables longer than an Excel sheet are listed in ``contents`` as left out (their CSV
    has every row), never cut silently.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tables.xlsx"
    used = {"contents", "key_numbers"}
    contents = []
    sheets: list[tuple[str, pd.DataFrame]] = []
    for run in runs:
        for table in run.tables:
            if table.name == KEY_NUMBERS_FILE.name:
                continue
            frame = pd.read_csv(table, encoding="utf-8-sig")
            if len(frame) + 1 > _EXCEL_ROWS:
                contents.append((run.notebook.stem, table.name, "", len(frame), "too long for a sheet: see the CSV"))
                continue
            name = _sheet_name(run.notebook.stem, table.stem, used)
            sheets.append((name, frame))
            contents.append((run.notebook.stem, table.name, name, len(frame), ""))
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame(contents, columns=["notebook", "table", "sheet", "rows", "note"]).to_excel(
            writer, sheet_name="contents", index=False
        )
        numbers = key_numbers(runs)
        # the CSVs hold text; a spreadsheet should get numbers it can compute with
        numbers["value"] = numbers["value"].map(_as_number)
        numbers.to_excel(writer, sheet_name="key_numbers", index=False)
        for name, frame in sheets:
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def write_profiles(
    out: str | Path,
    book,
    *,
    n: int = 5,
    data_label: str = "",
    lang: str = "en",
) -> Path:
    """Write ``<out>/profiles.html``: the 360° view of the top key customers, one page each.

    The customers are the ``n`` key-tier customers (:func:`crmlib.segment.value_tiers`)
    with the highest spend to date; each gets the chart of
    :func:`crmlib.profile.plot_customer_profile` (saved as ``profiles/<id>.png``, embedded
    in the page) and its headline figures, every one read from the area's own result.

    Parameters
    ----------
    out : path
        The report folder.
    book : crmlib.profile.CustomerBook
        From :func:`crmlib.profile.build_book` on the report's validated log.
    n : int, default 5
        How many customers.
    data_label : str
        Data set and period, shown under the title.
    lang : {"en", "zh"}, default "en"

    Returns
    -------
    Path
    """
    import matplotlib.pyplot as plt

    from crmlib.plotting import house_style
    from crmlib.profile import customer_profile, plot_customer_profile

    words = _WORDS[lang]
    out = Path(out)
    folder = out / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    tiers = book.tiers["tier"].astype(str)
    spend = book.summary["total_spend"]
    top = spend[tiers.reindex(spend.index) == "key"].sort_values(ascending=False).head(n).index
    title = "客户360度视图：关键客户" if lang == "zh" else "360° view of the top key customers (客户360度视图)"
    body = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p class=\"meta\">{html.escape(data_label)} · "
        f"<a href=\"index.html\">{words['title']}</a></p>",
    ]
    if not len(top):
        body.append("<p>No key customer in this log.</p>")
    for cid in top:
        profile = customer_profile(cid, book)
        png = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', str(cid))}.png"
        with house_style():  # the 中文 labels need the CJK font
            fig = plot_customer_profile(profile)
            fig.savefig(png, dpi=110)
        plt.close(fig)
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v if not isinstance(v, float) else round(v, 4)))}</td>"
            f"<td>{html.escape(profile.definitions.get(k, ''))}</td></tr>"
            for k, v in profile.figures.items()
        )
        body.append(
            f'<section id="c{html.escape(str(cid))}"><h2>{html.escape(str(cid))}</h2>'
            f'<figure><img src="{_data_uri(png)}" alt="profile of customer {html.escape(str(cid), quote=True)}">'
            f"<figcaption class=\"files\">{_link(png, out, 'PNG')}</figcaption></figure>"
            f"<details><summary>{words['number']} / {words['value']}</summary><table><tbody>{rows}</tbody></table>"
            "</details></section>"
        )
    body.append("</body></html>")
    path = out / "profiles.html"
    path.write_text("\n".join(body), encoding="utf-8")
    return path
