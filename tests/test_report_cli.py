"""`crmlib report` and its parts: save_figure's files, key numbers, the notebook runner
(inline charts, declared parameters only), the index page, the workbook, and the
command line's exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.export import save_key_numbers
from crmlib.plotting import save_figure
from crmlib.reports import declared_parameters, embedded_images, notebooks, run_notebook

ROOT = Path(__file__).resolve().parent.parent


def _crmlib(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """`python -m crmlib ARGS` in a fresh process, as a user runs it (MPLBACKEND=Agg inherited)."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "crmlib", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# ----------------------------------------------------------------------------- save_figure


def test_save_figure_writes_png_svg_with_text_pdf_and_sidecar(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 2])
    ax.set_title("Spend by month")
    before = matplotlib.rcParams["svg.fonttype"]
    paths = save_figure(fig, tmp_path / "figures" / "spend.png", takeaway="Spend doubled.",
                        subtitle="CDNOW, 1997-01-01 to 1998-06-30", source="lifetimes")
    assert [p.name for p in paths] == ["spend.png", "spend.svg", "spend.pdf"]
    assert all(p.stat().st_size > 0 for p in paths)
    svg = (tmp_path / "figures" / "spend.svg").read_text(encoding="utf-8")
    # editable text: the title is a <text> element, not glyph paths
    assert re.search(r"<text[^>]*>[^<]*Spend by month", svg)
    assert matplotlib.rcParams["svg.fonttype"] == before, "rcParams changed outside the call"
    assert (tmp_path / "figures" / "spend.pdf").read_bytes().startswith(b"%PDF")
    meta = json.loads((tmp_path / "figures" / "spend.json").read_text(encoding="utf-8"))
    assert meta == {"title": "Spend by month", "takeaway": "Spend doubled.",
                    "subtitle": "CDNOW, 1997-01-01 to 1998-06-30", "source": "lifetimes"}
    # saving again (another name, same figure) does not draw the caption twice
    n_texts = len(fig.texts)
    save_figure(fig, tmp_path / "figures" / "spend_again", subtitle="CDNOW, 1997-01-01 to 1998-06-30")
    assert len(fig.texts) == n_texts == 1
    assert plt.fignum_exists(fig.number), "the figure must stay open for the inline backend"
    plt.close(fig)


def test_save_figure_refuses_a_takeaway_that_is_not_text(tmp_path):
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(DataValidationError, match="takeaway must be text"):
        save_figure(fig, tmp_path / "x", takeaway=0.25)
    plt.close(fig)
    assert not list(tmp_path.iterdir()), "nothing written for refused input"


# ----------------------------------------------------------------------------- key numbers


def test_save_key_numbers_rewrites_or_appends(tmp_path):
    import numpy as np

    path = save_key_numbers({"Customers": np.int64(4338), "AUC": np.float64(0.73812), "Stale": 1}, tmp_path,
                            notes={"AUC": "holdout"})
    assert path == tmp_path / "tables" / "key_numbers.csv"
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert table.to_dict("records") == [
        {"name": "Customers", "value": "4338", "note": ""},
        {"name": "AUC", "value": "0.7381", "note": "holdout"},
        {"name": "Stale", "value": "1", "note": ""},
    ]
    save_key_numbers({"Customers": 10}, tmp_path)  # rewrite: the old numbers go
    assert pd.read_csv(path, encoding="utf-8-sig")["name"].tolist() == ["Customers"]
    save_key_numbers({"Customers": 11, "Gini": 0.5}, tmp_path, append=True)
    save_key_numbers({"Gini": 0.6}, tmp_path, append=True)
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert dict(zip(table["name"], table["value"], strict=True)) == {"Customers": 11, "Gini": 0.6}


@pytest.mark.parametrize(
    "numbers,notes,match",
    [
        ({"Top customers": [1, 2]}, None, "'Top customers' must be one number"),
        ({"Table": pd.DataFrame({"a": [1]})}, None, "must be one number"),
        ({3: 1.0}, None, "every name must be non-empty text"),
        ({"AUC": 0.7}, {"auc": "typo"}, "notes for names that are not among"),
    ],
)
def test_save_key_numbers_refuses(tmp_path, numbers, notes, match):
    with pytest.raises(DataValidationError, match=match) as err:
        save_key_numbers(numbers, tmp_path, notes=notes)
    assert "Suggestion:" in str(err.value)
    assert not (tmp_path / "tables").exists()


# ----------------------------------------------------------------------------- the runner


def _tiny_notebook(path: Path) -> Path:
    """A notebook that declares X, saves one chart and shows it, and prints X."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('OUTPUT_DIR = "."\nDATA_DIR = None\nSMALL = False\nX = 1')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "import matplotlib, matplotlib.pyplot as plt\n"
            "from crmlib.plotting import save_figure\n"
            "fig, ax = plt.subplots()\n_ = ax.plot([0, 1], [1, 0])\n"
            'save_figure(fig, f"{OUTPUT_DIR}/figures/line", takeaway="Down.")\n'
            'print("backend", matplotlib.get_backend(), "X", X)'
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.notebook
def test_runner_shows_charts_inline_and_passes_only_declared_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as under `make test`: the kernel must not inherit it
    nb = _tiny_notebook(tmp_path / "tiny.ipynb")
    assert declared_parameters(nb) == {"OUTPUT_DIR", "DATA_DIR", "SMALL", "X"}
    run = run_notebook(nb, tmp_path / "out", parameters={"X": 2, "TRANSACTIONS": "/nowhere.csv"})
    assert run.ok and run.passed["X"] == 2 and run.ignored == ["TRANSACTIONS"]
    assert run.charts == ["line"]
    assert embedded_images(run.executed) == 1, "the saved chart is shown inline exactly once"
    text = run.executed.read_text(encoding="utf-8")
    assert "backend inline" in text.replace("module://matplotlib_inline.backend_inline", "inline")
    assert "X 2" in text and "TRANSACTIONS" not in text
    assert run.html is not None and "data:image/png;base64," in run.html.read_text(encoding="utf-8")
    assert os.environ["MPLBACKEND"] == "Agg", "the runner's own environment is left alone"


# ----------------------------------------------------------------------------- the command


def _renamed_dayfirst_cdnow(path: Path) -> Path:
    """The CDNOW sample as an analyst's export: other column names, dd/mm/yyyy dates."""
    from crmlib.datasets import load_cdnow

    log = load_cdnow(sample=True)
    out = pd.DataFrame({
        "Kunde": "K" + log["customer_id"].astype(str),
        "Datum": log["date"].dt.strftime("%d/%m/%Y"),
        "Umsatz": log["amount"],
        "Stueck": log["quantity"],
    })
    out.to_csv(path, index=False)
    return path


def test_console_script_is_declared():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["scripts"]["crmlib"] == "crmlib.cli:main"
    assert any(d.startswith("openpyxl") for d in meta["dependencies"])


def test_bad_input_exits_2_with_the_validation_message(tmp_path):
    csv = tmp_path / "orders.csv"
    csv.write_text("cust,day,value\nA,2020-01-05,10\nB,2020-01-06,ten pounds\n", encoding="utf-8")
    res = _crmlib("report", str(csv), "--customer", "cust", "--date", "day", "--amount", "value",
                  "--out", str(tmp_path / "rep"), cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "DataValidationError" in res.stderr and "value" in res.stderr and "Suggestion:" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert "[1/" not in res.stdout, "no notebook runs on refused data"
    assert not (tmp_path / "rep" / "index.html").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--customer", "c", "--date", "d", "--out", "x"], "needs --amount COL, or --quantity COL and --price COL"),
        (["--customer", "c", "--date", "d", "--amount", "a", "--price", "p", "--out", "x"], "not both"),
        (["--date", "d", "--amount", "a", "--out", "x"], "needs --customer COL and --date COL"),
    ],
)
def test_incomplete_column_maps_are_refused(tmp_path, capsys, args, message):
    from crmlib.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["report", str(tmp_path / "orders.csv"), *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--customer", "c", "--out", "x"], "--customer describe a TRANSACTIONS file"),
        (["--survey", "s.csv", "--score", "sat", "--out", "x"], "--survey needs --outcome COL"),
        (["--outcome", "stay", "--out", "x"], "describe a --survey FILE"),
        (["--lang", "fr", "--out", "x"], "invalid choice: 'fr'"),
        (["--small"], "the following arguments are required: --out"),
        (["--only", "02_segments", "--out", "x"], "--only: no notebook named 02_segments; choose among 00_data_tour"),
    ],
)
def test_inconsistent_flags_are_refused(capsys, args, message):
    from crmlib.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["report", *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path):
    res = _crmlib("report", str(tmp_path / "nope.csv"), "--customer", "c", "--date", "d", "--amount", "a",
                  "--out", str(tmp_path / "rep"), cwd=tmp_path)
    assert res.returncode == 2 and "nope.csv" in res.stderr and "Traceback" not in res.stderr


def _transactions_notebooks() -> list[str]:
    return [nb.stem for nb in notebooks() if "TRANSACTIONS" in declared_parameters(nb)]


def test_transaction_notebooks_declare_the_column_map():
    taking = _transactions_notebooks()
    assert taking, "no notebook takes TRANSACTIONS: crmlib report cannot run on a user's data"
    for stem in taking:
        declared = declared_parameters(ROOT / "notebooks" / f"{stem}.ipynb")
        assert {"COLUMNS", "CURRENCY"} <= declared, stem


@pytest.mark.notebook
@pytest.mark.slow
def test_report_on_renamed_dayfirst_cdnow_csv(tmp_path):
    csv = _renamed_dayfirst_cdnow(tmp_path / "my_orders.csv")
    only = _transactions_notebooks()[:1]
    out = tmp_path / "report"
    res = _crmlib("report", str(csv), "--customer", "Kunde", "--date", "Datum", "--amount", "Umsatz",
                  "--quantity", "Stueck", "--dayfirst", "--currency", "USD", "--small",
                  "--only", *only, "--out", str(out), cwd=tmp_path)
    assert res.returncode == 2, "--amount with --quantity is ambiguous"
    res = _crmlib("report", str(csv), "--customer", "Kunde", "--date", "Datum", "--amount", "Umsatz",
                  "--dayfirst", "--currency", "USD", "--small", "--only", *only, "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    lines = res.stdout.splitlines()
    # the accounting comes first, then one progress line per notebook
    assert lines[0] == "Data: my_orders.csv, 1997-01-01 to 1998-06-30"
    from crmlib import read_transactions

    expected = read_transactions(csv, customer="Kunde", date="Datum", amount="Umsatz", dayfirst=True).report
    assert lines[1] == str(expected).splitlines()[0]
    assert lines[1].startswith("Transactions: 6,919 rows in, ")
    progress = [ln for ln in lines if re.match(r"\[\d+/\d+\] ", ln)]
    assert len(progress) == len(only) and all(re.search(r"\d+\.\d s, \d+ charts$", p) for p in progress)
    assert lines.index(progress[0]) > 1

    index = (out / "index.html").read_text(encoding="utf-8")
    nb_dir = out / only[0]
    charts = sorted({p.stem for p in (nb_dir / "figures").glob("*.png")})
    assert charts, "the notebook saved no chart"
    assert index.count('<img src="data:image/png;base64,') == len(charts)
    assert "<script" not in index and 'rel="stylesheet"' not in index, "self-contained"
    assert all(src.startswith("data:") for src in re.findall(r'<img src="([^"]+)"', index))
    for chart in charts:
        for ext in ("png", "svg", "pdf"):
            assert f'href="{only[0]}/figures/{chart}.{ext}"' in index
    assert f'href="{only[0]}/{only[0]}.html"' in index and f'href="{only[0]}/{only[0]}.ipynb"' in index
    assert "6,919 rows in" in index and 'href="tables.xlsx"' in index
    # the notebook read the user's file, not CDNOW from lifetimes
    executed = (nb_dir / f"{only[0]}.ipynb").read_text(encoding="utf-8")
    assert str(csv) in executed
    assert embedded_images(nb_dir / f"{only[0]}.ipynb") == len(charts)

    book = pd.read_excel(out / "tables.xlsx", sheet_name=None)
    assert {"contents", "key_numbers"} <= set(book)
    tables = sorted(p.name for p in (nb_dir / "tables").glob("*.csv") if p.name != "key_numbers.csv")
    assert sorted(book["contents"]["table"]) == tables
    assert set(book["contents"]["sheet"]) <= set(book)
    if (nb_dir / "tables" / "key_numbers.csv").exists():
        assert len(book["key_numbers"]) == len(pd.read_csv(nb_dir / "tables" / "key_numbers.csv"))


# ----------------------------------------------------------------------------- the page


def _fake_run(out: Path, stem: str, charts: dict[str, str | None], tables: dict[str, pd.DataFrame]):
    """A NotebookRun over files written here: charts (name -> takeaway) and CSV tables."""
    import matplotlib.pyplot as plt

    from crmlib.export import save_table
    from crmlib.reports import NotebookRun

    nb_out = out / stem
    for name, takeaway in charts.items():
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.set_title(f"Title of {name}")
        save_figure(fig, nb_out / "figures" / name, takeaway=takeaway)
        plt.close(fig)
    paths = [save_table(t, nb_out / "tables" / f"{n}.csv", index=False) for n, t in tables.items()]
    (nb_out / f"{stem}.ipynb").write_text("{}", encoding="utf-8")
    figures = sorted(p for p in (nb_out / "figures").glob("*") if p.suffix != ".json")
    return NotebookRun(notebook=Path(f"/nb/{stem}.ipynb"), output_dir=nb_out, seconds=1.0,
                       executed=nb_out / f"{stem}.ipynb", html=None, figures=figures, tables=sorted(paths))


def test_index_page_and_workbook(tmp_path):
    from crmlib.report_page import write_index, write_workbook

    long = "customers_by_segment_and_recency_quintile"
    run = _fake_run(
        tmp_path, "02_segment_customers",
        {"tiers": "**Key** customers hold 80% of spend <script>alert(1)</script>.", "lorenz": None},
        {f"{long}_a": pd.DataFrame({"x": [1]}), f"{long}_b": pd.DataFrame({"x": [2, 3]})},
    )
    save_key_numbers({"Customers": 4338, "Gini": 0.61}, run.output_dir, notes={"Gini": "of spend"})
    run.tables = sorted((run.output_dir / "tables").glob("*.csv"))
    workbook = write_workbook(tmp_path, [run])
    index = write_index(tmp_path, [run], data_label="Test data, 2020-01-01 to 2020-12-31",
                        accounting="Transactions: 10 rows in <all>", workbook=workbook).read_text(encoding="utf-8")
    assert index.count('<img src="data:image/png;base64,') == 2
    assert "<script>" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index, "text is escaped"
    assert "<strong>Key</strong> customers" in index, "Markdown bold in a takeaway"
    assert "Title of lorenz" in index, "no takeaway: the chart's title stands in"
    assert "Transactions: 10 rows in &lt;all&gt;" in index
    assert re.search(r"<td>Gini</td><td class=\"num\">0.61</td><td>of spend</td>", index)

    book = pd.read_excel(workbook, sheet_name=None)
    sheets = [s for s in book if s not in {"contents", "key_numbers"}]
    assert len(sheets) == 2 and len({s.lower() for s in sheets}) == 2
    assert all(len(s) <= 31 for s in sheets)
    numbers = book["key_numbers"]
    assert numbers[["notebook", "name", "value"]].values.tolist() == [
        ["02_segment_customers", "Customers", 4338], ["02_segment_customers", "Gini", 0.61]
    ]
    assert numbers["note"].fillna("").tolist() == ["", "of spend"]
    contents = book["contents"].set_index("table")
    assert book[contents.loc[f"{long}_b.csv", "sheet"]]["x"].tolist() == [2, 3]
    assert contents.loc[f"{long}_b.csv", "rows"] == 2


# ----------------------------------------------------------------- basket analysis (issue 10)


def _basket_csv(path: Path, *, with_item: bool = True) -> Path:
    """A small own log with order and item columns (simulated baskets, renamed columns)."""
    from crmlib.basket import generate_baskets

    tx = generate_baskets(300, random_state=2).drop(columns="planted_segment")
    tx = tx.rename(columns={"customer_id": "Kunde", "date": "Zeit", "amount": "Betrag", "order_id": "Beleg",
                            "item": "Artikel"})
    if not with_item:
        tx = tx.drop(columns="Artikel")
    tx.to_csv(path, index=False)
    return path


def test_item_flag_becomes_read_transactions_item(tmp_path):
    from crmlib.cli import _columns, build_parser

    parser = build_parser()
    args = parser.parse_args(["report", "orders.csv", "--customer", "c", "--date", "d", "--amount", "a",
                              "--order", "o", "--item", "sku", "--out", "x"])
    columns = _columns(args, parser)
    assert columns["item"] == "sku" and "extra_columns" not in columns


def test_basket_notebook_is_skipped_with_a_reason_when_the_log_has_no_item(tmp_path):
    from crmlib.reports import notebooks_to_skip

    assert "06_cross_selling" in {nb.stem for nb in notebooks()}
    assert notebooks_to_skip(None) == {}, "the default data has order ids and items"
    assert notebooks_to_skip({"customer": "c", "date": "d", "amount": "a", "order": "o", "item": "i"}) == {}
    csv = _basket_csv(tmp_path / "orders.csv", with_item=False)
    out = tmp_path / "rep"
    res = _crmlib("report", str(csv), "--customer", "Kunde", "--date", "Zeit", "--amount", "Betrag",
                  "--order", "Beleg", "--only", "06_cross_selling", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    progress = [ln for ln in res.stdout.splitlines() if ln.startswith("[1/1] 06_cross_selling")]
    assert progress == ["[1/1] 06_cross_selling ... skipped (your log has no item column: basket analysis needs "
                        "--item COL (the product code or description))"]
    assert not (out / "06_cross_selling").exists(), "not run on the default data behind the user's back"


@pytest.mark.notebook
@pytest.mark.slow
def test_report_runs_the_basket_analysis_on_an_own_log_with_order_and_item(tmp_path):
    csv = _basket_csv(tmp_path / "my_baskets.csv")
    out = tmp_path / "report"
    res = _crmlib("report", str(csv), "--customer", "Kunde", "--date", "Zeit", "--amount", "Betrag",
                  "--order", "Beleg", "--item", "Artikel", "--small", "--data-dir", str(tmp_path / "empty"),
                  "--only", "06_cross_selling", "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert re.search(r"\[1/1\] 06_cross_selling \.\.\. \d+\.\d s, \d+ charts", res.stdout)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="06_cross_selling/06_cross_selling.html"' in index
    charts = sorted({p.stem for p in (out / "06_cross_selling" / "figures").glob("*.png")})
    assert {"rule_stability", "rules_that_held", "orders_by_hour"} <= set(charts)
    assert index.count('<img src="data:image/png;base64,') == len(charts)
    executed = (out / "06_cross_selling" / "06_cross_selling.ipynb").read_text(encoding="utf-8")
    assert str(csv) in executed and "my_baskets.csv" in index
    # the rules came from the user's orders: the planted beer-and-diapers rule is found
    rules = pd.read_csv(out / "06_cross_selling" / "tables" / "rules_checked.csv", encoding="utf-8-sig")
    assert rules["Rule"].str.contains("diapers → beer").any() or rules["Rule"].str.contains("→ parmesan").any()
    assert (out / "06_cross_selling" / "tables" / "list_next_products.csv").exists()


@pytest.mark.slow
@pytest.mark.notebook
def test_report_takes_a_kano_file_writes_profiles_and_speaks_chinese(tmp_path):
    from crmlib.satisfaction.kano import simulate_kano_survey

    csv = _renamed_dayfirst_cdnow(tmp_path / "my_orders.csv")
    kano = tmp_path / "my_kano.csv"
    simulate_kano_survey({"Wifi": "M", "Espresso": "A"}, n_respondents=80, noise=0.2, random_state=1).to_csv(
        kano, index=False)
    out = tmp_path / "report"
    res = _crmlib("report", str(csv), "--customer", "Kunde", "--date", "Datum", "--amount", "Umsatz",
                  "--dayfirst", "--currency", "USD", "--small", "--kano", str(kano), "--profiles", "2",
                  "--lang", "zh", "--only", "04_satisfaction_to_loyalty", "--data-dir", str(tmp_path / "none"),
                  "--out", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Kano survey (my_kano.csv): 2 features" in res.stdout
    # the Kano section classified the user's file, not the simulated survey
    executed = (out / "04_satisfaction_to_loyalty" / "04_satisfaction_to_loyalty.ipynb").read_text(encoding="utf-8")
    assert "my_kano.csv" in executed and "Espresso" in executed
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index and "关键数字" in index and "结论：" in index
    profiles = (out / "profiles.html").read_text(encoding="utf-8")
    assert profiles.count("<img ") == 2 and 'href="profiles.html"' in index


def test_negative_profile_count_is_refused(tmp_path, capsys):
    from crmlib.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["report", "--profiles", "-1", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "--profiles N" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.notebook
def test_late_first_purchases_do_not_break_the_lookalike_split(tmp_path):
    """A cohort log with two stragglers whose first purchase comes a year later (as when a
    customer's earlier lines were excluded): notebook 01 derives its look-alike horizon from
    the bulk of first purchases and runs, instead of failing on a two-customer test cohort."""
    csv = _renamed_dayfirst_cdnow(tmp_path / "orders.csv")
    frame = pd.read_csv(csv, dtype={"Kunde": str})
    late = pd.DataFrame({"Kunde": ["LATE1", "LATE1", "LATE2"], "Datum": ["02/03/1998", "20/04/1998", "15/04/1998"],
                         "Umsatz": [20.0, 15.0, 30.0], "Stueck": [1, 1, 2]})
    pd.concat([frame, late]).to_csv(csv, index=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    nb = next(p for p in notebooks() if p.stem == "01_identify_customers")
    run = run_notebook(nb, tmp_path / "out", html=False, parameters={
        "SMALL": True, "DATA_DIR": str(empty), "TRANSACTIONS": str(csv),
        "COLUMNS": {"customer": "Kunde", "date": "Datum", "amount": "Umsatz", "dayfirst": True}})
    assert run.ok, run.error
    dates = pd.read_csv(run.output_dir / "tables" / "derived_dates.csv", index_col=0, encoding="utf-8-sig")
    assert int(dates.loc["look-alike horizon (days)", "value"]) < 90


def test_bad_kano_file_exits_2_naming_its_reader(tmp_path):
    bad = tmp_path / "kano.csv"
    bad.write_text("Wifi (functional),Wifi (dysfunctional)\nlike,dislike\nmaybe,neutral\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    res = _crmlib("report", "--kano", str(bad), "--only", "04_satisfaction_to_loyalty", "--data-dir", str(empty),
                  "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert res.returncode == 2
    assert "read_kano_survey" in res.stderr and "maybe" in res.stderr
    assert "Traceback" not in res.stderr
    # the flag hint is about read_transactions' keywords, not the Kano reader's
    assert "--date-format" not in res.stderr
