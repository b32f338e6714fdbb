"""Execute the notebooks and collect their outputs: the runner behind ``crmlib report``.

Each notebook in ``notebooks/`` has a cell tagged ``parameters`` (papermill's
convention) that defines at least::

    OUTPUT_DIR = "../reports/<notebook>"   # figures/ and tables/ are written here
    DATA_DIR = None                        # None: $CRMLIB_DATA or the per-user cache
    SMALL = False                          # True: small, fast settings for the tests

and, to run on a reader's own data, any of ``TRANSACTIONS``, ``COLUMNS``, ``CURRENCY``,
``ITEM``, ``SURVEY``, ``SURVEY_COLUMNS``, ``LANG`` (see :data:`REPORT_PARAMETERS`). The
runner passes a notebook only the parameters its ``parameters`` cell declares, injects
them after that cell, executes the notebook on a clean kernel and writes under
``<out>/<notebook>/``: the executed ``.ipynb``, an ``.html`` copy with the charts
embedded, and whatever the notebook saved to ``figures/`` (PNG, SVG, PDF and a ``.json``
sidecar per chart) and ``tables/`` (CSV, ``key_numbers.csv``).

The kernel is started without ``MPLBACKEND``, so it uses Jupyter's inline backend and the
executed notebook carries its charts, even when the runner itself runs under
``MPLBACKEND=Agg`` (as the tests do).

Usage: ``crmlib report --out DIR`` (see :mod:`crmlib.cli`); ``python -m crmlib.reports``
is kept as a shorthand for ``crmlib report`` on the default data, with ``--out reports``.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "NOTEBOOK_NEEDS",
    "REPORT_PARAMETERS",
    "NotebookRun",
    "declared_parameters",
    "embedded_images",
    "notebooks",
    "notebooks_to_skip",
    "run_all",
    "run_notebook",
    "main",
]

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"

#: Every parameter ``crmlib report`` can pass, and what it means. A notebook declares the
#: ones it uses in its ``parameters`` cell; the others are not passed to it.
REPORT_PARAMETERS: dict[str, str] = {
    "OUTPUT_DIR": "folder for figures/ and tables/ (always passed)",
    "DATA_DIR": "data directory of the bundled real data sets",
    "SMALL": "True: small, fast settings (tests)",
    "TRANSACTIONS": "absolute path of the user's transaction log, or None for the default data",
    "COLUMNS": "dict of crmlib.read_transactions keyword arguments for TRANSACTIONS",
    "CURRENCY": "currency label of the log ('GBP', '$'), or None",
    "ITEM": "column of TRANSACTIONS naming the product, or None",
    "SURVEY": "absolute path of the user's survey file, or None for the default surveys",
    "SURVEY_COLUMNS": "dict: score, outcome, items (list) of the survey file",
    "KANO": "absolute path of the user's Kano survey, or None for the simulated one",
    "COMPLAINTS": "absolute path of the user's complaints (CFPB format), or None for the CFPB sample",
    "LANG": "'en' or 'zh'",
}


#: Columns of the user's log a notebook needs (``read_transactions`` argument -> flag).
#: Without them it is skipped, with a progress line saying why, rather than run on the
#: default data behind the user's back.
NOTEBOOK_NEEDS: dict[str, dict[str, str]] = {
    "06_cross_selling": {"order": "--order COL (the order or invoice id)",
                         "item": "--item COL (the product code or description)"},
}


def notebooks_to_skip(columns: Mapping[str, object] | None) -> dict[str, str]:
    """Notebooks that cannot run on the user's log, with the reason (one line each).

    ``columns`` is the user's ``read_transactions`` column map; None (the default data)
    skips nothing.

    Examples
    --------
    >>> notebooks_to_skip({"customer": "c", "date": "d", "amount": "a", "order": "o"})
    {'06_cross_selling': 'your log has no item column: basket analysis needs --item COL (the product code or description)'}
    >>> notebooks_to_skip(None)
    {}
    """
    if columns is None:
        return {}
    out = {}
    for stem, needs in NOTEBOOK_NEEDS.items():
        missing = [k for k in needs if not columns.get(k)]
        if missing:
            what = " and ".join({"order": "order id", "item": "item"}.get(k, k) for k in missing)
            out[stem] = (f"your log has no {what} column: basket analysis needs "
                         + " and ".join(needs[k] for k in missing))
    return out


@dataclass
class NotebookRun:
    """What one notebook run produced.

    ``figures`` lists every chart file (PNG, SVG, PDF); ``charts`` the distinct chart
    names (one per saved figure); ``error`` is the failure's one-line summary, or None.
    """

    notebook: Path
    output_dir: Path
    seconds: float
    executed: Path
    html: Path | None
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    passed: dict = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def charts(self) -> list[str]:
        """Names (stems) of the charts saved, in file-name order."""
        return sorted({f.stem for f in self.figures})

    @property
    def ok(self) -> bool:
        return self.error is None


def declared_parameters(notebook: str | os.PathLike) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``.

    Examples
    --------
    >>> {"OUTPUT_DIR", "DATA_DIR", "SMALL"} <= declared_parameters(notebooks()[0])
    True
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def embedded_images(executed: str | os.PathLike) -> int:
    """How many PNG images the outputs of an executed notebook carry."""
    nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.get("cells", [])
        for out in cell.get("outputs", [])
    )


def _kernel_manager_class():
    """A kernel manager that starts kernels without ``MPLBACKEND``.

    ipykernel selects the inline backend only when ``MPLBACKEND`` is unset; a kernel that
    inherits ``MPLBACKEND=Agg`` draws every chart to nowhere (the executed notebooks then
    carried no image at all).
    """
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class InlineKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):  # type: ignore[override]
            env = dict(kw.pop("env", None) or os.environ)
            env.pop("MPLBACKEND", None)
            kw["env"] = env
            if os.name == "posix":
                # Unix sockets in a folder of this kernel's own. TCP ports are picked free and
                # then bound later; kernels started at the same moment (test workers, parallel
                # runs) could take the same port and fail with "Invalid Signature".
                self._socket_dir = tempfile.mkdtemp(prefix="crmlib-kernel-")
                self.transport = "ipc"
                self.ip = os.path.join(self._socket_dir, "kernel")
            return await super().start_kernel(**kw)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and getattr(self, "_socket_dir", None):
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    return InlineKernelManager


def run_notebook(
    notebook: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    parameters: Mapping[str, object] | None = None,
    html: bool = True,
    timeout: int = 1800,
    kernel_name: str = "python3",
    raise_on_error: bool = True,
) -> NotebookRun:
    """Execute one notebook with papermill on an inline-backend kernel and export it.

    Parameters
    ----------
    notebook : path
        The ``.ipynb`` file.
    output_dir : path
        Folder for this notebook's outputs; passed to the notebook as ``OUTPUT_DIR``.
    parameters : mapping, optional
        Parameters to inject after the ``parameters`` cell (e.g. ``{"SMALL": True}``).
        Only those the notebook declares are passed; the others are listed in
        ``NotebookRun.ignored``.
    html : bool, default True
        Also write an HTML copy of the executed notebook (charts embedded).
    timeout : int, default 1800
        Seconds allowed for one cell.
    kernel_name : str, default "python3"
        Jupyter kernel to run it on (the environment's own Python).
    raise_on_error : bool, default True
        Re-raise a failing cell's error; with False the run is returned with ``error``
        set (the executed notebook, and its HTML, still show the traceback).

    Returns
    -------
    NotebookRun
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb_path = Path(notebook).resolve()
    out = Path(output_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    declared = declared_parameters(nb_path)
    given = dict(parameters or {})
    passed = {"OUTPUT_DIR": str(out), **{k: v for k, v in given.items() if k in declared}}
    ignored = sorted(k for k in given if k not in declared and k != "OUTPUT_DIR")
    executed = out / nb_path.name
    error = None
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(nb_path),
            str(executed),
            parameters=passed,
            kernel_name=kernel_name,
            kernel_manager_class=_kernel_manager_class(),
            # ipykernel 7 warns on every start that local TCP is unencrypted; that line
            # would break the one-line-per-notebook progress output. Errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            cwd=str(nb_path.parent),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        if raise_on_error:
            raise
        # the first line only: a progress line, not the whole message (the HTML has it)
        first = (str(exc.evalue).strip().splitlines() or [""])[0]
        error = f"cell {exc.exec_count}: {exc.ename}: {first}"
    seconds = time.perf_counter() - t0
    html_path = _export_html(executed) if html and executed.exists() else None
    figures_dir, tables_dir = out / "figures", out / "tables"
    return NotebookRun(
        notebook=nb_path,
        output_dir=out,
        seconds=seconds,
        executed=executed,
        html=html_path,
        figures=sorted(p for p in figures_dir.glob("*.*") if p.suffix.lower() in {".png", ".svg", ".pdf"})
        if figures_dir.exists()
        else [],
        tables=sorted(tables_dir.glob("*.csv")) if tables_dir.exists() else [],
        passed=passed,
        ignored=ignored,
        error=error,
    )


def _export_html(executed: Path) -> Path:
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    # PNG outputs are embedded as data URIs by nbconvert. The lab template also loads
    # require.js, MathJax and mermaid from a CDN: offline that is a broken page with console
    # errors, and the notebooks use none of them, so the page is made self-contained.
    offline = DictLoader({"crmlib_offline.html.j2": (
        "{%- extends 'lab/index.html.j2' -%}"
        "{%- block html_head_js -%}{%- endblock html_head_js -%}"
        "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}"
        "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}"
    )})
    exporter = HTMLExporter(extra_loaders=[offline], template_file="crmlib_offline.html.j2")
    body, _ = exporter.from_notebook_node(nb)
    path = executed.with_suffix(".html")
    path.write_text(body, encoding="utf-8")
    return path


def notebooks(folder: str | os.PathLike = NOTEBOOK_DIR) -> list[Path]:
    """The notebooks ``crmlib report`` executes, in IDIC order (their file names sort that way)."""
    return sorted(p for p in Path(folder).glob("*.ipynb") if not p.name.startswith("_"))


def run_all(
    out: str | os.PathLike = "reports",
    *,
    only: Iterable[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    folder: str | os.PathLike = NOTEBOOK_DIR,
    html: bool = True,
    user_set: Iterable[str] = (),
    skip: Mapping[str, str] | None = None,
    echo: Callable[..., None] = print,
) -> list[NotebookRun]:
    """Run every notebook (or those whose stem is in ``only``) into ``out/<stem>/``.

    Prints one progress line per notebook (``[3/6] 02_segment_customers ... 14.2 s,
    9 charts``), and a note when a notebook does not declare a parameter named in
    ``user_set`` (the user's data would not reach it). A notebook named in ``skip``
    (stem -> reason, see :func:`notebooks_to_skip`) is not run; its line says why. A
    failing notebook is reported and the others still run; check ``NotebookRun.ok``.
    """
    wanted = list(only or [])
    chosen = [nb for nb in notebooks(folder) if not wanted or nb.stem in wanted]
    missing = sorted(set(wanted) - {nb.stem for nb in chosen})
    if missing:
        from crmlib.exceptions import DataValidationError

        raise DataValidationError(
            f"No notebook named {missing} in {Path(folder)}.",
            suggestion=f"choose among {[nb.stem for nb in notebooks(folder)]}.",
        )
    runs = []
    skip = dict(skip or {})
    for i, nb in enumerate(chosen, start=1):
        echo(f"[{i}/{len(chosen)}] {nb.stem} ...", end=" ", flush=True)
        if nb.stem in skip:
            echo(f"skipped ({skip[nb.stem]})", flush=True)
            continue
        run = run_notebook(nb, Path(out) / nb.stem, parameters=parameters, html=html, raise_on_error=False)
        status = f"{run.seconds:.1f} s, {len(run.charts)} charts"
        if not run.ok:
            status = f"FAILED after {run.seconds:.1f} s ({run.error}); see {run.html or run.executed}"
        echo(status, flush=True)
        declared = declared_parameters(nb)
        not_taken = _not_taken(declared, run.ignored, user_set)
        if not_taken:
            # a notebook that took the user's file but not, say, ITEM still ran on their data
            own = not ({"TRANSACTIONS", "SURVEY"} & declared & set(run.passed))
            echo(f"      note: this notebook does not take {', '.join(not_taken)}"
                 + ("; it ran on its own data" if own else ""))
        runs.append(run)
    return runs


_TRANSACTION_PARAMETERS = ("TRANSACTIONS", "COLUMNS", "CURRENCY", "ITEM")
_SURVEY_PARAMETERS = ("SURVEY", "SURVEY_COLUMNS")


def _not_taken(declared: set[str], ignored: Sequence[str], user_set: Iterable[str]) -> list[str]:
    """The user's data parameters a notebook ignores, worth a note.

    A survey notebook (declares SURVEY) is not expected to take a transaction log, nor a
    transaction notebook a survey: only the data a notebook could have used is named.

    Examples
    --------
    >>> _not_taken({"OUTPUT_DIR", "SURVEY"}, ["TRANSACTIONS", "COLUMNS"], ["TRANSACTIONS", "COLUMNS"])
    []
    >>> _not_taken({"OUTPUT_DIR"}, ["TRANSACTIONS", "COLUMNS"], ["TRANSACTIONS", "COLUMNS"])
    ['TRANSACTIONS', 'COLUMNS']
    """
    # files of one notebook's own (a Kano survey, complaints) are no news to the others
    skip: set[str] = {"KANO", "COMPLAINTS"} - declared
    if "SURVEY" in declared:
        skip.update(_TRANSACTION_PARAMETERS)
    if "TRANSACTIONS" in declared:
        skip.update(_SURVEY_PARAMETERS)
    wanted = set(user_set)
    return [k for k in ignored if k in wanted and k not in skip]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crmlib.reports [ARGS]``: ``crmlib report [ARGS]``, ``--out reports`` by default."""
    from crmlib.cli import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a == "--out" or a.startswith("--out=") for a in args):
        args += ["--out", "reports"]
    return cli_main(["report", *args])


if __name__ == "__main__":
    raise SystemExit(main())
