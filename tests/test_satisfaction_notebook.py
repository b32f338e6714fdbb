"""Notebook 04 runs on a user's own survey file (``SURVEY`` / ``SURVEY_COLUMNS``), states
only numbers that agree with its saved tables, and refuses a bad column map clearly."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from crmlib.narrative import check_claims
from crmlib.reports import NOTEBOOK_DIR, run_notebook
from crmlib.satisfaction import DEFAULT_ITEMS, generate_survey

NOTEBOOK = NOTEBOOK_DIR / "04_satisfaction_to_loyalty.ipynb"
pytestmark = pytest.mark.notebook


def _user_survey(path: Path) -> dict:
    """A survey file as an analyst would have it: own column names, a yes/no outcome."""
    raw = generate_survey(3_000, items=DEFAULT_ITEMS, not_applicable_rate=0.03, random_state=7)
    items = {name: f"Q{i + 1} {name.lower()}" for i, name in enumerate(DEFAULT_ITEMS)}
    df = raw.rename(columns={"satisfaction": "Overall rating", **items})
    df["Renewed?"] = df.pop("loyal").map({True: "Yes", False: "No"})
    df = df.drop(columns=["p_loyal"])  # the generator's truth is not in a real file
    df.to_csv(path, index=False)
    return {"score": "Overall rating", "outcome": "Renewed?", "items": list(items.values())}


def _outputs(executed: Path) -> tuple[list[str], int]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    markdown, images = [], 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out.get("evalue")
            data = out.get("data", {})
            images += "image/png" in data
            if "text/markdown" in data:
                markdown.append("".join(data["text/markdown"]))
    return markdown, images


def test_runs_on_a_user_survey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # the kernel inherits the environment: without MPLBACKEND=Agg it draws inline, as in Jupyter
    monkeypatch.delenv("MPLBACKEND", raising=False)
    columns = _user_survey(tmp_path / "my_survey.csv")
    empty = tmp_path / "empty_data_dir"
    empty.mkdir()
    run = run_notebook(
        NOTEBOOK, tmp_path / "out", html=False,
        parameters={"SURVEY": str(tmp_path / "my_survey.csv"), "SURVEY_COLUMNS": columns,
                    "SMALL": True, "DATA_DIR": str(empty)},
    )
    markdown, images = _outputs(run.executed)
    assert check_claims(run.output_dir) == []
    claims = {c["name"]: c for c in json.loads((run.output_dir / "claims.json").read_text())["claims"]}
    # the survey sections ran on the user's file, the default data sets' did not
    assert {"survey_rate_top", "survey_step_fit", "driver_top_importance"} <= set(claims)
    assert claims["survey_rate_top"]["table"] == "survey_loyalty_curve"
    assert not any(k.startswith(("airline_", "telco_")) for k in claims)
    pngs = {p.stem for p in run.figures if p.suffix == ".png"}
    assert {"survey_loyalty_curve", "importance_performance_map", "satisfaction_index_distribution"} <= pngs
    assert not any(s.startswith(("airline", "telco")) for s in pngs)
    assert images == len(pngs), "one inline image per saved figure"
    assert any("Your survey" in m and "my_survey.csv" in m for m in markdown)
    # the yes/no outcome was read as loyal = "Yes": the generator's Xerox-like curve shows
    curve = (run.output_dir / "tables" / "survey_loyalty_curve.csv").read_text(encoding="utf-8-sig")
    assert curve.startswith("Level,Respondents,Loyal,Share loyal")
    assert any("**结论。**" in m and "**Conclusion.**" in m for m in markdown)
    meta = json.loads((run.output_dir / "figures" / "survey_loyalty_curve.json").read_text(encoding="utf-8"))
    assert "my_survey.csv" in meta["subtitle"] and meta["takeaway"]


def test_a_wrong_column_map_is_refused(tmp_path: Path):
    columns = _user_survey(tmp_path / "my_survey.csv")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_notebook(
            NOTEBOOK, tmp_path / "out", html=False,
            parameters={"SURVEY": str(tmp_path / "my_survey.csv"),
                        "SURVEY_COLUMNS": {**columns, "outcome": "Renewed"},
                        "SMALL": True, "DATA_DIR": str(tmp_path)},
        )
    assert info.value.ename == "DataValidationError"
    assert "'Renewed' not found" in info.value.evalue and "SURVEY_COLUMNS" in info.value.evalue
