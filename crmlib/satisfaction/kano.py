"""The Kano model (卡诺模型 / KANO 模型): which features customers expect, value, or love.

Each feature is asked twice: *functional* ("How do you feel if the product has X?")
and *dysfunctional* ("... if it does not have X?"), each answered on the five Kano
answers :data:`KANO_ANSWERS`. The standard evaluation table (Berger et al., "Kano's
methods for understanding customer-defined quality", Center for Quality Management
Journal 2(4), 1993) turns each answer pair into a category (:data:`KANO_TABLE`):

* **A** attractive (魅力质量): delights when present, not missed when absent;
* **O** one-dimensional (一元质量): the more the better;
* **M** must-be (必备质量): taken for granted; its absence dissatisfies;
* **I** indifferent (无差异质量); **R** reverse (反向质量): present dissatisfies;
* **Q** questionable: a contradictory pair (likes both having and not having it).

A feature's category is the most frequent one among its respondents; ties are broken
by the customary order M > O > A > I > R > Q (the category that matters most for the
product first). Fong's test (1996) says whether the top category is clearly ahead of
the second. The customer satisfaction coefficients (Berger et al. 1993) are
``Better = (A + O) / (A + O + M + I)`` and ``Worse = -(O + M) / (A + O + M + I)``.

Answer labels (:func:`kano_answers`, the documented rule): numbers 1–5 in the order of
:data:`KANO_ANSWERS` (1 = like, 5 = dislike), or text matched after lower-casing and
trimming against :data:`ANSWER_LABELS` (e.g. "I like it", "Must be", "I expect it",
"Neutral", "I can live with it", "I dislike it", and 中文 喜欢 / 理所当然 / 无所谓 /
能忍受 / 不喜欢). One column is read by one rule: all numbers or all text. Any other
value is refused, naming the column and rows. A blank answer leaves that respondent out
of that feature only (counted in ``n_missing``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ANSWER_LABELS",
    "KANO_ANSWERS",
    "KANO_CATEGORIES",
    "KANO_CATEGORIES_ZH",
    "KANO_TABLE",
    "KanoResult",
    "kano_analysis",
    "kano_answers",
    "plot_better_worse",
    "read_kano_survey",
    "simulate_kano_survey",
]

#: The five answers, in the standard order (1 = like ... 5 = dislike).
KANO_ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")

#: Category codes, their names, and the tie-break order (first wins).
KANO_CATEGORIES: dict[str, str] = {
    "M": "must-be", "O": "one-dimensional", "A": "attractive", "I": "indifferent", "R": "reverse",
    "Q": "questionable",
}
#: 中文 names of the categories.
KANO_CATEGORIES_ZH = {"M": "必备", "O": "一元", "A": "魅力", "I": "无差异", "R": "反向", "Q": "可疑"}

#: The evaluation table: rows = functional answer, columns = dysfunctional answer.
KANO_TABLE = pd.DataFrame(
    [["Q", "A", "A", "A", "O"],
     ["R", "I", "I", "I", "M"],
     ["R", "I", "I", "I", "M"],
     ["R", "I", "I", "I", "M"],
     ["R", "R", "R", "R", "Q"]],
    index=pd.Index(KANO_ANSWERS, name="functional"),
    columns=pd.Index(KANO_ANSWERS, name="dysfunctional"),
)

#: Text labels accepted for each answer (lower-case, trimmed; punctuation and spaces
#: inside are normalised to single spaces before matching).
ANSWER_LABELS: dict[str, tuple[str, ...]] = {
    "like": ("like", "i like it", "like it", "i like it that way", "delighted", "喜欢", "很喜欢"),
    "must-be": ("must be", "must-be", "it must be that way", "must be that way", "i expect it", "expect it",
                "expect", "expected", "理所当然", "必须的", "应该的"),
    "neutral": ("neutral", "i am neutral", "i m neutral", "im neutral", "i don t care", "dont care", "don t care",
                "indifferent", "无所谓", "中立"),
    "live-with": ("live with", "live-with", "i can live with it", "can live with it", "i can tolerate it",
                  "tolerate", "能忍受", "可以忍受"),
    "dislike": ("dislike", "i dislike it", "dislike it", "i dislike it that way", "不喜欢", "很不喜欢"),
}
_LOOKUP = {re.sub(r"[\W_]+", " ", lab).strip(): ans for ans, labs in ANSWER_LABELS.items() for lab in labs}
_SUFFIX = re.compile(r"^(?P<feature>.+?)[\s_]*[(\[]?(?P<kind>dysfunctional|functional)[)\]]?$", re.IGNORECASE)
_ORDER = tuple(KANO_CATEGORIES)  # M, O, A, I, R, Q


def kano_answers(values: pd.Series, column: str | None = None) -> pd.Series:
    """Map a column of Kano answers to :data:`KANO_ANSWERS` by the documented rule.

    Numbers 1–5 (1 = like, 5 = dislike) or text labels (:data:`ANSWER_LABELS`); one
    rule for the whole column. Blanks stay missing.

    Raises
    ------
    DataValidationError
        A value that is neither, naming the column and showing the rows.

    Examples
    --------
    >>> kano_answers(pd.Series(["I like it", "must be", " Dislike ", None])).tolist()
    ['like', 'must-be', 'dislike', nan]
    >>> kano_answers(pd.Series([1, 5, 3])).tolist()
    ['like', 'dislike', 'neutral']
    """
    name = column or str(values.name)
    hint = ("answer with 1-5 (1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike) or the labels "
            "'like', 'must-be', 'neutral', 'live-with', 'dislike' (see crmlib.satisfaction.kano.ANSWER_LABELS).")
    present = values.notna()
    if pd.api.types.is_bool_dtype(values):
        raise DataValidationError(f"read_kano_survey: column {name!r} holds booleans, not Kano answers.",
                                  column=name, rows=values.head().to_frame(name), suggestion=hint)
    if pd.api.types.is_numeric_dtype(values):
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isin(v, [1, 2, 3, 4, 5])
        bad = present.to_numpy() & ~ok
        mapped = pd.Series([KANO_ANSWERS[int(x) - 1] if g else np.nan for x, g in zip(v, ok, strict=True)],
                           index=values.index, dtype=object)
    else:
        text = values.astype("string").str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()
        mapped = text.map(_LOOKUP).astype(object)
        # a column of digits stored as text ("1".."5") is read as numbers, the whole column alike
        if mapped[present].isna().all() and text[present].isin(["1", "2", "3", "4", "5"]).all():
            mapped = text.map({str(i + 1): a for i, a in enumerate(KANO_ANSWERS)}).astype(object)
        bad = (present & mapped.isna()).to_numpy()
        mapped = mapped.where(present, np.nan)
    if bad.any():
        rows = values[bad]
        raise DataValidationError(
            f"read_kano_survey: column {name!r} has {int(bad.sum()):,} answers that are not Kano answers "
            f"(e.g. {sorted(set(map(str, rows)))[:3]}).",
            column=name, rows=rows.to_frame(name), suggestion=hint,
        )
    return mapped


def _pairs(frame: pd.DataFrame, features: Mapping[str, tuple[str, str]] | None) -> dict[str, tuple[str, str]]:
    hint = ("pass features={'<feature>': ('<functional column>', '<dysfunctional column>'), ...}, or name the "
            "columns '<feature> (functional)' and '<feature> (dysfunctional)'.")
    if features is None:
        found: dict[str, dict[str, str]] = {}
        for col in frame.columns:
            m = _SUFFIX.match(str(col).strip())
            if m:
                found.setdefault(m["feature"].strip(" _-"), {})[m["kind"].lower()] = col
        pairs = {f: (c["functional"], c["dysfunctional"]) for f, c in found.items()
                 if "functional" in c and "dysfunctional" in c}
        lone = sorted(f for f, c in found.items() if len(c) == 1)
        if lone:
            raise DataValidationError(f"read_kano_survey: feature(s) {lone} have only one of the two questions.",
                                      suggestion=hint)
        if not pairs:
            raise DataValidationError(
                "read_kano_survey: no functional/dysfunctional column pairs found. Columns: "
                f"{list(map(str, frame.columns))[:12]}.", suggestion=hint)
        return pairs
    pairs = {}
    for f, pair in dict(features).items():
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise DataValidationError(f"read_kano_survey: features[{f!r}] must be a (functional, dysfunctional) "
                                      f"pair of columns, got {pair!r}.", suggestion=hint)
        pairs[str(f)] = (pair[0], pair[1])
    missing = [c for p in pairs.values() for c in p if c not in frame.columns]
    if missing:
        raise DataValidationError(f"read_kano_survey: column(s) {missing} not found. Available: "
                                  f"{list(map(str, frame.columns))[:12]}.", column=str(missing[0]), suggestion=hint)
    return pairs


@dataclass(frozen=True)
class KanoResult:
    """Kano classification of each feature.

    ``counts``: respondents per category (columns A, O, M, I, R, Q) per feature.
    ``table``: per feature, ``n`` (respondents with both answers), ``n_missing``,
    ``category`` (the mode; ties M > O > A > I > R > Q), ``category_name``,
    ``share`` (of the mode), ``second``, ``clear`` (Fong's test: the mode is ahead of
    the second category at the 90% level), ``better`` and ``worse``.
    """

    counts: pd.DataFrame
    table: pd.DataFrame
    features: dict[str, tuple[str, str]] = field(repr=False)

    @property
    def categories(self) -> pd.Series:
        """The category (A, O, M, I, R or Q) of each feature."""
        return self.table["category"]


def kano_analysis(survey: pd.DataFrame, features: Mapping[str, tuple[str, str]] | None = None) -> KanoResult:
    """Classify each feature with the Kano evaluation table; Better and Worse coefficients.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent, two answer columns per feature.
    features : mapping, optional
        ``{feature: (functional column, dysfunctional column)}``; default: the pairs
        named ``"<feature> (functional)"`` / ``"<feature> (dysfunctional)"`` (also
        ``_functional`` / ``_dysfunctional``).

    Returns
    -------
    KanoResult

    Examples
    --------
    >>> s = simulate_kano_survey({"Wifi": "M", "Espresso": "A"}, n_respondents=300, noise=0.2, random_state=1)
    >>> kano_analysis(s).categories.to_dict()
    {'Wifi': 'M', 'Espresso': 'A'}
    """
    if not isinstance(survey, pd.DataFrame):
        raise DataValidationError(f"kano_analysis expects a DataFrame, got {type(survey).__name__}.",
                                  suggestion="read your file with crmlib.satisfaction.read_kano_survey.")
    pairs = _pairs(survey, features)
    counts, rows = {}, {}
    for f, (fc, dc) in pairs.items():
        fa, da = kano_answers(survey[fc], str(fc)), kano_answers(survey[dc], str(dc))
        both = fa.notna() & da.notna()
        cat = KANO_TABLE.stack().reindex(pd.MultiIndex.from_arrays([fa[both], da[both]])).to_numpy()
        c = pd.Series(cat).value_counts().reindex(list("AOMIRQ"), fill_value=0).astype("int64")
        counts[f] = c
        n = int(both.sum())
        ranked = sorted(_ORDER, key=lambda k: (-c[k], _ORDER.index(k)))
        top, second = ranked[0], ranked[1]
        a, b = int(c[top]), int(c[second])
        # Fong (1996): the top two categories differ significantly when |a-b| >= 1.65 sqrt((a+b)(2n-a-b)/2n)
        clear = n > 0 and abs(a - b) >= 1.65 * np.sqrt((a + b) * (2 * n - a - b) / (2 * n))
        denom = int(c["A"] + c["O"] + c["M"] + c["I"])
        rows[f] = {
            "n": n, "n_missing": int(len(survey) - n),
            "category": top if n else "", "category_name": KANO_CATEGORIES[top] if n else "",
            "share": a / n if n else np.nan, "second": second, "clear": bool(clear),
            "better": (c["A"] + c["O"]) / denom if denom else np.nan,
            "worse": -(c["O"] + c["M"]) / denom if denom else np.nan,
        }
    counts_df = pd.DataFrame(counts).T.rename_axis("feature")
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("feature")
    return KanoResult(counts_df, table, pairs)


def read_kano_survey(source: str | os.PathLike | pd.DataFrame,
                     features: Mapping[str, tuple[str, str]] | None = None) -> KanoResult:
    """Read a user's Kano survey file (CSV or parquet) and classify its features.

    Parameters
    ----------
    source : path or DataFrame
        One row per respondent; two columns per feature.
    features : mapping, optional
        As in :func:`kano_analysis`.

    Returns
    -------
    KanoResult

    Raises
    ------
    DataValidationError
        A missing or unreadable file, missing columns, or answers outside the rule
        (naming the column and rows).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "kano.csv"
    >>> _ = p.write_text("Wifi functional,Wifi dysfunctional\\nI expect it,I dislike it\\nneutral,dislike\\n")
    >>> read_kano_survey(p).table.loc["Wifi", "category"]
    'M'
    """
    if isinstance(source, pd.DataFrame):
        return kano_analysis(source, features)
    p = Path(source)
    if not p.is_file():
        raise DataValidationError(f"read_kano_survey: file not found: {p}.", suggestion="check the path.")
    try:
        df = pd.read_parquet(p) if p.suffix.lower() in (".parquet", ".pq") else pd.read_csv(
            p, sep="\t" if p.suffix.lower() == ".tsv" else ",")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataValidationError(
            f"read_kano_survey: {p.name!r} cannot be read ({type(err).__name__}: {str(err)[:200]}).",
            suggestion="save it as UTF-8 CSV with a header row, or as parquet.",
        ) from None
    return kano_analysis(df, features)


#: For each category, the answer pairs (functional, dysfunctional) that the table maps to it.
_CELLS = {cat: [(f, d) for f in KANO_ANSWERS for d in KANO_ANSWERS if KANO_TABLE.loc[f, d] == cat]
          for cat in "AOMIRQ"}
#: The answer pair a respondent who perceives the feature as the category gives most
#: often (its "clean" pair); the others of that category's cells share the rest.
_TYPICAL = {"A": ("like", "neutral"), "O": ("like", "dislike"), "M": ("neutral", "dislike"),
            "I": ("neutral", "neutral"), "R": ("dislike", "like")}


def simulate_kano_survey(
    categories: Mapping[str, str],
    n_respondents: int = 200,
    *,
    noise: float = 0.3,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """A seeded Kano survey whose true category per feature is stated (and changeable).

    Each respondent answers each feature as its true category predicts with
    probability ``1 - noise`` (the category's typical pair half the time, another pair
    of the same category otherwise); with probability ``noise`` the two answers are
    drawn uniformly at random from the five. ``noise=1`` is pure noise.

    Parameters
    ----------
    categories : mapping
        ``{feature: "A" | "O" | "M" | "I" | "R"}``: the truth the analysis should recover.
    n_respondents : int, default 200
    noise : float, default 0.3
        In [0, 1].
    random_state : int, optional

    Returns
    -------
    DataFrame
        Columns ``"<feature> (functional)"`` and ``"<feature> (dysfunctional)"`` holding
        answer labels; ``attrs["true_categories"]`` holds ``categories``.

    Examples
    --------
    >>> s = simulate_kano_survey({"Wifi": "M"}, n_respondents=3, random_state=0)
    >>> list(s.columns)
    ['Wifi (functional)', 'Wifi (dysfunctional)']
    """
    if not isinstance(categories, Mapping) or not categories:
        raise DataValidationError("simulate_kano_survey: categories must be a non-empty {feature: category} mapping.",
                                  suggestion='e.g. categories={"Wifi": "M", "Espresso": "A"}.')
    odd = {f: c for f, c in categories.items() if c not in _TYPICAL}
    if odd:
        raise DataValidationError(f"simulate_kano_survey: unknown categories {odd}.",
                                  suggestion="use A, O, M, I or R for each feature.")
    n = int(to_number(n_respondents, "n_respondents", low=1, example="200"))
    noise = to_number(noise, "noise", low=0, high=1, example="0.3")
    rng = np.random.default_rng(random_state)
    out = {}
    for feature, cat in categories.items():
        cells = _CELLS[cat]
        typical = cells.index(_TYPICAL[cat])
        others = [i for i in range(len(cells)) if i != typical]
        pick = np.where(rng.random(n) < 0.5, typical, rng.choice(others, size=n) if others else typical)
        f = np.array([cells[i][0] for i in pick], dtype=object)
        d = np.array([cells[i][1] for i in pick], dtype=object)
        random = rng.random(n) < noise
        f[random] = rng.choice(KANO_ANSWERS, size=int(random.sum()))
        d[random] = rng.choice(KANO_ANSWERS, size=int(random.sum()))
        out[f"{feature} (functional)"] = f
        out[f"{feature} (dysfunctional)"] = d
    df = pd.DataFrame(out)
    df.attrs["true_categories"] = dict(categories)
    return df


def plot_better_worse(result: KanoResult, *, ax: Axes | None = None, title: str | None = None,
                      **kwargs: Any) -> Axes:
    """The Better–Worse chart: |Worse| across, Better up, quadrants at 0.5.

    Top left attractive (A), top right one-dimensional (O), bottom right must-be (M),
    bottom left indifferent (I). Each feature is labelled with its category.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> r = kano_analysis(simulate_kano_survey({"Wifi": "M", "Espresso": "A"}, random_state=0))
    >>> plot_better_worse(r).get_xlabel()
    'Worse: dissatisfaction if absent, |Worse|'
    """
    from crmlib.plotting import PALETTE, get_ax, percent_formatter

    ax = get_ax(ax)
    t = result.table.dropna(subset=["better", "worse"])
    x, y = -t["worse"].to_numpy(dtype=float), t["better"].to_numpy(dtype=float)
    ax.axvline(0.5, color="0.6", lw=1)
    ax.axhline(0.5, color="0.6", lw=1)
    # quadrant names at the centre, where features rarely sit (they crowd the outer corners)
    for (qx, qy, name) in ((0.49, 0.51, "Attractive (A) 魅力"), (0.51, 0.51, "One-dimensional (O) 一元"),
                           (0.51, 0.49, "Must-be (M) 必备"), (0.49, 0.49, "Indifferent (I) 无差异")):
        ax.text(qx, qy, name, ha="right" if qx < 0.5 else "left", va="bottom" if qy > 0.5 else "top",
                color="0.45", fontsize="small")
    ax.scatter(x, y, s=kwargs.pop("s", 60), color=kwargs.pop("color", PALETTE[0]), zorder=3, **kwargs)
    placed: list[tuple[float, float]] = []
    for i in np.argsort(-y, kind="stable"):  # top to bottom, so a moved label goes down
        xi, yi = float(x[i]), float(y[i])
        right = xi > 0.7  # near the right edge the label goes to the left of its point
        lx, ly = (xi - 0.015 if right else xi + 0.015), yi + 0.015
        # labels of nearby points would overlap: step this one down until it is clear
        while any(abs(ly - py) < 0.04 and abs(lx - px) < 0.25 for px, py in placed):
            ly -= 0.045
        placed.append((lx, ly))
        moved = abs(ly - (yi + 0.015)) > 1e-9
        ax.annotate(f"{t.index[i]} ({t['category'].iloc[i]})", (xi, yi), xytext=(lx, ly), textcoords="data",
                    ha="right" if right else "left", va="bottom", fontsize="small",
                    arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.6} if moved else None)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Worse: dissatisfaction if absent, |Worse|")
    ax.set_ylabel("Better: satisfaction if present")
    ax.set_title(title or "Kano Better–Worse chart (KANO 模型)")
    return ax
