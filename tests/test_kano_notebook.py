"""Notebook 04's Kano section: on the simulated survey it recovers the stated categories
and says so; with KANO set it classifies the user's own file instead."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crmlib.narrative import check_claims
from crmlib.reports import NOTEBOOK_DIR, run_notebook
from crmlib.satisfaction import simulate_kano_survey

NOTEBOOK = NOTEBOOK_DIR / "04_satisfaction_to_loyalty.ipynb"
pytestmark = pytest.mark.notebook


def test_kano_section_on_a_user_file(tmp_path: Path):
    truth = {"Wifi": "M", "Lounge": "A", "Legroom": "O"}
    sim = simulate_kano_survey(truth, 120, noise=0.2, random_state=5)
    mine = pd.DataFrame({f"Q{i} {kind}": sim[f"{f} ({kind})"] for i, f in enumerate(truth, 1)
                         for kind in ("functional", "dysfunctional")})
    path = tmp_path / "my_kano.csv"
    mine.to_csv(path, index=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    features = {f: [f"Q{i} functional", f"Q{i} dysfunctional"] for i, f in enumerate(truth, 1)}  # lists: papermill passes no tuples
    run = run_notebook(NOTEBOOK, tmp_path / "out", html=False,
                       parameters={"KANO": str(path), "KANO_FEATURES": features, "SMALL": True, "DATA_DIR": str(empty)})
    assert check_claims(run.output_dir) == []
    table = pd.read_csv(run.output_dir / "tables" / "kano_features.csv", index_col=0, encoding="utf-8-sig")
    assert table["Category"].to_dict() == truth
    assert "Stated category" not in table  # a user's file has no stated truth
    pngs = {p.stem for p in run.figures if p.suffix == ".png"}
    assert "kano_better_worse" in pngs and "kano_better_worse_simulated" not in pngs
    meta = json.loads((run.output_dir / "figures" / "kano_better_worse.json").read_text(encoding="utf-8"))
    assert "my_kano.csv" in meta["subtitle"] and "simulated" not in meta["title"]
