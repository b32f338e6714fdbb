"""Notebook 07 runs on a user's own CFPB-format complaint file: it states the course's
2–10% claim next to what the data and the stated model say, labels the model's charts
as assumed, and every stated number agrees with its saved table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmlib.complaints import simulate_complaints
from crmlib.narrative import check_claims
from crmlib.reports import NOTEBOOK_DIR, embedded_images, run_notebook

NOTEBOOK = NOTEBOOK_DIR / "07_complaints.ipynb"
pytestmark = pytest.mark.notebook


def test_runs_on_a_user_complaint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # inline charts, as in Jupyter
    raw = simulate_complaints(600, timely_rate=0.9, dispute_asked=1.0, consent_rate=0.5, random_state=4)
    raw["Date received"] = raw["Date received"].str.replace("-", "/")  # the CFPB's 2019/3/29 layout
    path = tmp_path / "my_complaints.csv"
    raw.to_csv(path, index=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_notebook(NOTEBOOK, tmp_path / "out", html=False,
                       parameters={"COMPLAINTS": str(path), "SMALL": True, "DATA_DIR": str(empty),
                                   "COMPLAINTS_RECEIVED": 250, "CHURN_IF_DISSATISFIED": 0.3})
    assert check_claims(run.output_dir) == []
    nb = json.loads(run.executed.read_text(encoding="utf-8"))
    markdown = ["".join(o["data"]["text/markdown"]) for c in nb["cells"] for o in c.get("outputs", [])
                if "text/markdown" in o.get("data", {})]
    text = "\n".join(markdown)
    assert "Your complaints" in text and "my_complaints.csv" in text and "simulated" not in text.lower()
    # the course's figure, and what the data + stated model make of it
    assert "2–10% of dissatisfied customers complain" in text
    assert "600 complaints stand for 6,000 to 30,000 dissatisfied customers" in text
    assert "250 complaints (assumed)" in text and "30% of the dissatisfied leaving (assumed)" in text
    assert "**结论。**" in text and "**Conclusion.**" in text
    pngs = {p.stem for p in run.figures if p.suffix == ".png"}
    assert {"complaint_iceberg", "revenue_at_risk", "response_rates", "timely_vs_disputed",
            "top_terms_by_product"} <= pngs
    assert embedded_images(run.executed) == len(pngs)
    titles = {s: json.loads((run.output_dir / "figures" / f"{s}.json").read_text(encoding="utf-8"))["title"]
              for s in pngs}
    assert "assumed" in titles["complaint_iceberg"] and "model" in titles["complaint_iceberg"]
    assert "assumed" in titles["revenue_at_risk"] and "observational" in titles["timely_vs_disputed"]
    rates = (run.output_dir / "tables" / "response_rates.csv").read_text(encoding="utf-8-sig")
    assert rates.startswith("Measure,Yes answers,Answered,Rate (%),95% CI low (%),95% CI high (%)")
