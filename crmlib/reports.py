"""Execute the notebooks and collect their outputs: what ``make run`` calls.

Each notebook in ``notebooks/`` has a cell tagged ``parameters`` (papermill's
convention) that defines at least::

    OUTPUT_DIR = "../reports/<notebook>"   # figures/ and tables/ are written here
    DATA_DIR = None                        # None: $CRMLIB_DATA or the per-user cache
    SMALL = False                          # True: small, fast settings for the tests

The runner injects overrides after that cell, executes the notebook on a clean kernel,
and writes under ``<out>/<notebook>/``: the executed ``.ipynb``, an ``.html`` copy, and
whatever the notebook saved to ``figures/`` (PNG and SVG) and ``tables/`` (CSV).

Usage::

    python -m crmlib.reports [--out reports] [--small] [--only 00_data_tour] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NotebookRun", "run_notebook", "run_all", "main"]

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass
class NotebookRun:
    """What one notebook run produced."""

    notebook: Path
    output_dir: Path
    seconds: float
    executed: Path
    html: Path | None
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)


def run_notebook(
    notebook: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    parameters: dict | None = None,
    html: bool = True,
    timeout: int = 1800,
    kernel_name: str = "python3",
) -> NotebookRun:
    """Execute one notebook with papermill and export it.

    Parameters
    ----------
    notebook : path
        The ``.ipynb`` file.
    output_dir : path
        Folder for this notebook's outputs; passed to the notebook as ``OUTPUT_DIR``.
    parameters : dict, optional
        Extra parameters injected after the ``parameters`` cell (e.g. ``SMALL=True``).
    html : bool, default True
        Also write an HTML copy of the executed notebook.
    timeout : int, default 1800
        Seconds allowed for one cell.
    kernel_name : str, default "python3"
        Jupyter kernel to run it on (the environment's own Python).

    Returns
    -------
    NotebookRun
    """
    import papermill

    nb_path = Path(notebook).resolve()
    out = Path(output_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    params = {"OUTPUT_DIR": str(out), **(parameters or {})}
    executed = out / nb_path.name
    t0 = time.perf_counter()
    papermill.execute_notebook(
        str(nb_path),
        str(executed),
        parameters=params,
        kernel_name=kernel_name,
        cwd=str(nb_path.parent),
        execution_timeout=timeout,
        progress_bar=False,
        log_output=False,
    )
    seconds = time.perf_counter() - t0
    html_path = _export_html(executed) if html else None
    return NotebookRun(
        notebook=nb_path,
        output_dir=out,
        seconds=seconds,
        executed=executed,
        html=html_path,
        figures=sorted((out / "figures").glob("*.*")) if (out / "figures").exists() else [],
        tables=sorted((out / "tables").glob("*.csv")) if (out / "tables").exists() else [],
    )


def _export_html(executed: Path) -> Path:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = executed.with_suffix(".html")
    path.write_text(body, encoding="utf-8")
    return path


def notebooks(folder: str | os.PathLike = NOTEBOOK_DIR) -> list[Path]:
    """The notebooks ``make run`` executes, in IDIC order (their file names sort that way)."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("_"))


def run_all(
    out: str | os.PathLike = "reports",
    *,
    only: Iterable[str] | None = None,
    parameters: dict | None = None,
    folder: str | os.PathLike = NOTEBOOK_DIR,
) -> list[NotebookRun]:
    """Run every notebook (or those whose stem is in ``only``) into ``out/<stem>/``."""
    wanted = set(only or [])
    runs = []
    for nb in notebooks(folder):
        if wanted and nb.stem not in wanted:
            continue
        print(f"running {nb.name} ...", flush=True)
        run = run_notebook(nb, Path(out) / nb.stem, parameters=parameters)
        print(
            f"  done in {run.seconds:.0f} s: {len(run.figures)} chart files, "
            f"{len(run.tables)} tables",
            flush=True,
        )
        runs.append(run)
    return runs


def _summary(runs: Sequence[NotebookRun], out: Path) -> str:
    lines = [f"\nEverything is under {out.resolve()}:"]
    for r in runs:
        rel = r.output_dir
        lines.append(f"  {r.notebook.stem}  ({r.seconds:.0f} s)")
        lines.append(f"    notebook: {r.executed}")
        if r.html:
            lines.append(f"    html:     {r.html}")
        if r.figures:
            lines.append(f"    charts:   {rel / 'figures'}/ ({len(r.figures)} files: PNG + SVG)")
        if r.tables:
            lines.append(f"    tables:   {rel / 'tables'}/ ({len(r.tables)} CSV)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crmlib.reports", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="reports", help="output folder (default: reports)")
    parser.add_argument("--only", nargs="*", help="notebook stems to run, e.g. 00_data_tour")
    parser.add_argument("--small", action="store_true", help="small, fast parameters")
    parser.add_argument("--data-dir", help="data directory (default: $CRMLIB_DATA or the cache)")
    args = parser.parse_args(argv)
    params: dict = {"SMALL": bool(args.small)}
    if args.data_dir:
        params["DATA_DIR"] = str(Path(args.data_dir).resolve())
    out = Path(args.out)
    runs = run_all(out, only=args.only, parameters=params)
    if not runs:
        print("no notebooks matched", file=sys.stderr)
        return 1
    print(_summary(runs, out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
