"""Sentences generated from results: every number a notebook states is computed.

A notebook builds its prose with a :class:`Narrative`. Each number goes through
:meth:`Narrative.number` or :meth:`Narrative.share`, which formats it, records it as a key
number and, when the number was read from a saved table, remembers which cell. Claims
that can go either way are written with :meth:`Narrative.choose`, so the text branches on
the result. :meth:`Narrative.save` writes ``tables/key_numbers.csv`` and ``claims.json``;
:func:`check_claims` then re-reads every cited table and confirms each stated number
matches it (the notebook tests run it on every data set).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Claim", "Narrative", "check_claims"]


@dataclass
class Claim:
    """One stated number: its name, value, how it was printed, and its source cell."""

    name: str
    value: float | str
    text: str
    note: str = ""
    table: str | None = None
    row: str | None = None
    column: str | None = None


class Narrative:
    """Collect a notebook's stated numbers and generated sentences.

    Parameters
    ----------
    output_dir : path
        The notebook's ``OUTPUT_DIR``; ``tables/key_numbers.csv`` and ``claims.json``
        are written there by :meth:`save`.
    display : bool, default True
        Render :meth:`say` as Markdown in a notebook (False: only record it).
    lang : {"en", "zh"}, default "en"
        The reader's language: :meth:`say` shows the 中文 text when one is given, and
        :meth:`conclude` puts that language first (both languages are always shown there).

    Examples
    --------
    >>> import tempfile
    >>> story = Narrative(tempfile.mkdtemp(), display=False)
    >>> story.share("top20", 0.7468)
    '74.7%'
    >>> story.choose(0.7468 > 0.8, "more than", "less than")
    'less than'
    """

    def __init__(self, output_dir: str | os.PathLike, *, display: bool = True, lang: str = "en") -> None:
        if lang not in ("en", "zh"):
            from crmlib.exceptions import DataValidationError

            raise DataValidationError(f"LANG must be 'en' or 'zh', got {lang!r}.",
                                      suggestion="set LANG = 'en' or LANG = 'zh' in the parameters cell.")
        self.output_dir = Path(output_dir)
        self.display = display
        self.lang = lang
        self.claims: list[Claim] = []
        self.sentences: list[str] = []
        self.conclusion: dict[str, str] | None = None

    # --------------------------------------------------------------------- numbers

    def number(
        self,
        name: str,
        value: Any,
        *,
        decimals: int = 0,
        unit: str = "",
        note: str = "",
        table: str | None = None,
        row: Any = None,
        column: str | None = None,
    ) -> str:
        """Format ``value`` with thousands separators, record it, and return the text.

        Parameters
        ----------
        name : str
            Key of the number (a short snake_case name).
        value : number or str
        decimals : int, default 0
        unit : str
            Appended after a space (e.g. ``"GBP"``, ``"weeks"``).
        note : str
            What the number means; shown in the key-numbers table.
        table, row, column : optional
            The saved table (file stem under ``tables/``) and the cell the number was read
            from, checked later by :func:`check_claims`.
        """
        if isinstance(value, str):
            text = value
        else:
            text = f"{float(value):,.{decimals}f}"
        text = f"{text} {unit}".strip()
        stored = value if isinstance(value, str) else float(value)
        self._record(Claim(name, stored, text, note, table, None if row is None else str(row), column))
        return text

    def share(
        self,
        name: str,
        value: float,
        *,
        decimals: int = 1,
        note: str = "",
        table: str | None = None,
        row: Any = None,
        column: str | None = None,
    ) -> str:
        """Format a fraction as a percentage (0.747 -> "74.7%"), record it, return the text."""
        text = f"{100 * float(value):.{decimals}f}%"
        self._record(Claim(name, float(value), text, note, table, None if row is None else str(row), column))
        return text

    def cite(
        self,
        name: str,
        frame: pd.DataFrame,
        table: str,
        row: Any,
        column: str,
        *,
        share: bool = False,
        **kw: Any,
    ) -> str:
        """State one cell of a table saved as ``tables/<table>.csv``, and record where it came from.

        :func:`check_claims` re-reads that table to confirm the stated number. ``share=True``
        formats the cell as a percentage (:meth:`share`), otherwise as a number
        (:meth:`number`; ``**kw`` passes ``decimals``, ``unit``, ``note``).

        Examples
        --------
        >>> import tempfile
        >>> story = Narrative(tempfile.mkdtemp(), display=False)
        >>> rates = pd.DataFrame({"churn": [0.25]}, index=["key"])
        >>> story.cite("key_churn", rates, "rates", "key", "churn", share=True)
        '25.0%'
        >>> story.claims[-1].table, story.claims[-1].row, story.claims[-1].column
        ('rates', 'key', 'churn')
        """
        value = frame.loc[row, column]
        where = {"table": table, "row": row, "column": column}
        return self.share(name, value, **where, **kw) if share else self.number(name, value, **where, **kw)

    @staticmethod
    def choose(condition: bool, if_true: str, if_false: str) -> str:
        """The wording that matches the result: ``if_true`` when ``condition`` holds."""
        return if_true if bool(condition) else if_false

    def _record(self, claim: Claim) -> None:
        self.claims = [c for c in self.claims if c.name != claim.name] + [claim]

    # ------------------------------------------------------------------- sentences

    def say(self, markdown: str, zh: str | None = None) -> None:
        """Show a generated paragraph as Markdown (and keep it for the report).

        ``zh`` is the same paragraph in 中文; it is shown instead when ``lang="zh"``.
        """
        if zh is not None and self.lang == "zh":
            markdown = zh
        self.sentences.append(markdown)
        if self.display:
            from IPython.display import Markdown, display

            display(Markdown(markdown))

    def conclude(self, conclusion: str, action: str, conclusion_zh: str, action_zh: str) -> None:
        """The closing paragraph in English and 中文: conclusion and action (结论 / 行动).

        Both languages are shown, the reader's ``lang`` first; ``crmlib report`` puts the
        conclusion at the top of the notebook's section of its index page.
        """
        self.conclusion = {"conclusion": conclusion, "action": action,
                           "conclusion_zh": conclusion_zh, "action_zh": action_zh}
        en = f"**Conclusion.** {conclusion}\n\n**Action.** {action}"
        zh = f"**结论。** {conclusion_zh}\n\n**行动。** {action_zh}"
        self.say(f"{zh}\n\n{en}" if self.lang == "zh" else f"{en}\n\n{zh}")

    # ------------------------------------------------------------------------ save

    def save(self) -> Path:
        """Write ``tables/key_numbers.csv`` and ``claims.json``; return the claims path."""
        tables = self.output_dir / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        key = pd.DataFrame(
            [{"name": c.name, "value": c.text, "note": c.note} for c in self.claims],
            columns=["name", "value", "note"],
        )
        key.to_csv(tables / "key_numbers.csv", index=False, encoding="utf-8-sig")
        path = self.output_dir / "claims.json"
        path.write_text(
            json.dumps({"claims": [asdict(c) for c in self.claims], "sentences": self.sentences,
                        "conclusion": self.conclusion, "lang": self.lang},
                       ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        return path


def check_claims(output_dir: str | os.PathLike, *, rel_tol: float = 1e-6) -> list[str]:
    """Compare every stated number that cites a table cell with that cell.

    Parameters
    ----------
    output_dir : path
        A notebook's output folder holding ``claims.json`` and ``tables/``.
    rel_tol : float
        Relative tolerance (the table may hold more digits than the text).

    Returns
    -------
    list of str
        One message per mismatch; empty when every claim agrees with its table.
    """
    out = Path(output_dir)
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))["claims"]
    problems = []
    for c in claims:
        if not c.get("table"):
            continue
        path = out / "tables" / f"{c['table']}.csv"
        if not path.exists():
            problems.append(f"{c['name']}: table {c['table']!r} was not saved")
            continue
        table = pd.read_csv(path, index_col=0, encoding="utf-8-sig")
        table.index = table.index.astype(str)
        try:
            cell = table.loc[c["row"], c["column"]]
        except KeyError:
            problems.append(f"{c['name']}: no cell ({c['row']!r}, {c['column']!r}) in {c['table']}")
            continue
        if isinstance(c["value"], str):
            ok = str(cell) == c["value"]
        else:
            ok = math.isclose(float(cell), float(c["value"]), rel_tol=rel_tol, abs_tol=1e-12)
        if not ok:
            problems.append(f"{c['name']}: stated {c['value']!r} but {c['table']} has {cell!r}")
    return problems
