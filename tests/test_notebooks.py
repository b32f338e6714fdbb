"""Every notebook runs end to end on a clean kernel, with small parameters, on the real
data from the data directory and on a fresh offline machine's empty data directory."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from crmlib import datasets
from crmlib.narrative import check_claims
from crmlib.reports import embedded_images, notebooks, run_notebook

NOTEBOOKS = notebooks()
# notebooks that read only the bundled CDNOW data: one run is enough
NO_DATA_DIR = {"03_customer_lifetime_value"}


def test_there_are_notebooks():
    assert [p.stem for p in NOTEBOOKS][:1] == ["00_data_tour"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_clean(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), "first code cell tagged 'parameters'"
    params = "".join(code[0]["source"])
    for name in ("OUTPUT_DIR", "DATA_DIR", "SMALL"):
        assert name in params
    assert "version" in "".join(code[-1]["source"]).lower(), "last cell prints versions"
    # `crmlib report --lang zh` reaches every notebook's prose through its Narrative
    source = "".join("".join(c["source"]) for c in code)
    assert "LANG" in params, "the parameters cell declares LANG"
    if "Narrative(" in source:
        assert "Narrative(OUTPUT_DIR, lang=LANG)" in source, "the Narrative follows LANG"


def _cases():
    for p in NOTEBOOKS:
        yield pytest.param(p, "data_dir", id=f"{p.stem}-data_dir", marks=pytest.mark.notebook)
        if p.stem not in NO_DATA_DIR:
            yield pytest.param(p, "offline", id=f"{p.stem}-offline", marks=pytest.mark.notebook)


@pytest.mark.parametrize("path,mode", list(_cases()))
def test_notebook_runs(path: Path, mode: str, tmp_path: Path):
    if mode == "data_dir":
        if not any(datasets.available(n) for n in datasets.DATASETS):
            if os.environ.get("CI"):
                pytest.fail(f"CI=true but the data directory {datasets.data_dir()} has no data set")
            pytest.skip(f"no real data in {datasets.data_dir()}")
        data_dir = str(datasets.data_dir())
    else:
        data_dir = str(tmp_path / "empty_data_dir")
        Path(data_dir).mkdir()
    run = run_notebook(path, tmp_path / "out", parameters={"SMALL": True, "DATA_DIR": data_dir}, html=False)
    pngs = [f for f in run.figures if f.suffix == ".png"]
    svgs = [f for f in run.figures if f.suffix == ".svg"]
    assert pngs, "the notebook saved no chart"
    assert {f.stem for f in pngs} == {f.stem for f in svgs}, "every chart as PNG and SVG"
    assert run.tables, "the notebook exported no table"
    nb = json.loads(run.executed.read_text(encoding="utf-8"))
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # another library's warning printed under a cell (pandas deprecations and the like) is a
    # bug to fix; crmlib's own warnings (convergence, assumptions) are messages to the reader
    ours = ("ConvergenceWarning", "AssumptionWarning", "CrmlibWarning")
    warned = [line for c in nb["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "stream" and o.get("name") == "stderr"
              for line in "".join(o.get("text", "")).splitlines()
              if re.search(r"\b\w*Warning: ", line) and not any(w in line for w in ours)]
    assert not warned, warned[:3]
    # Charts inline: the kernel runs without MPLBACKEND, so every saved chart is also shown
    # in the notebook (and its HTML). One image/png output per distinct saved figure.
    assert embedded_images(run.executed) == len({f.stem for f in pngs}), (
        f"{embedded_images(run.executed)} images shown inline, {len(pngs)} charts saved "
        f"({sorted(f.stem for f in pngs)}): show each saved figure exactly once"
    )
    # Every number the prose states agrees with the table it cites.
    if (run.output_dir / "claims.json").exists():
        assert check_claims(run.output_dir) == []
