"""Reading a CFPB-format complaint file at the door, and a seeded simulated sample.

The US Consumer Financial Protection Bureau publishes every complaint it forwards to a
company (https://www.consumerfinance.gov/data-research/consumer-complaints/). Its export
has one row per complaint; :data:`CFPB_COLUMNS` maps the columns crmlib uses to short
canonical names. :func:`read_complaints` checks them, parses the dates with one rule for
the whole column, and counts every row it leaves out by reason
(:class:`ComplaintReport`).

Two caveats of the CFPB data, carried into the results:

* ``Consumer disputed?`` was collected only until April 2017; later complaints have it
  blank. A blank means "not asked", never "did not dispute": dispute rates are computed
  over the complaints that carry an answer, and say how many those are.
* Narratives are published only where the consumer consented (``Consent provided``);
  text analysis uses those rows only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "CFPB_COLUMNS",
    "COMPLAINT_EXCLUSIONS",
    "SIMULATED_CHANNELS",
    "SIMULATED_PRODUCTS",
    "ComplaintData",
    "ComplaintReport",
    "read_complaints",
    "simulate_complaints",
]

#: Canonical name -> CFPB column. ``disputed``, ``consent`` and ``narrative`` are optional.
CFPB_COLUMNS: dict[str, str] = {
    "complaint_id": "Complaint ID",
    "date_received": "Date received",
    "product": "Product",
    "issue": "Issue",
    "company": "Company",
    "channel": "Submitted via",
    "timely": "Timely response?",
    "disputed": "Consumer disputed?",
    "consent": "Consumer consent provided?",
    "narrative": "Consumer complaint narrative",
}
_REQUIRED = ("complaint_id", "date_received", "product", "issue", "company", "channel", "timely")

#: Why a row can be left out, in the order the checks run.
COMPLAINT_EXCLUSIONS: dict[str, str] = {
    "duplicate_id": "a complaint id seen on an earlier row (the first row is kept)",
    "missing_date": "no date received",
    "missing_product": "no product",
    "missing_company": "no company",
}

#: The consent value under which the CFPB publishes a narrative.
CONSENT_PROVIDED = "Consent provided"
_YES, _NO = {"yes", "y", "true"}, {"no", "n", "false"}
_HINT = ("pass the CFPB export as downloaded (columns 'Complaint ID', 'Date received', 'Product', 'Issue', "
         "'Company', 'Submitted via', 'Timely response?'), or columns={canonical: your column} to map yours.")


@dataclass
class ComplaintReport:
    """Accounting of one :func:`read_complaints` call: rows in = rows used + rows excluded.

    ``excluded`` counts rows left out by reason (:data:`COMPLAINT_EXCLUSIONS`);
    ``dispute_answered`` is how many used rows carry a Yes/No dispute answer and
    ``narratives_consented`` how many carry a narrative published with consent;
    ``narratives_dropped`` counts narratives present without that consent (not used).
    """

    rows_in: int
    rows_used: int
    excluded: dict[str, int]
    dispute_answered: int
    narratives_consented: int
    narratives_dropped: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The accounting as a table (step, rows)."""
        rows = [("rows in", self.rows_in)]
        rows += [(f"excluded: {COMPLAINT_EXCLUSIONS[k]}", -n) for k, n in self.excluded.items()]
        rows += [("rows used", self.rows_used),
                 ("of which: dispute answered (Yes/No)", self.dispute_answered),
                 ("of which: narrative published with consent", self.narratives_consented)]
        return pd.DataFrame(rows, columns=["Step", "Rows"]).set_index("Step")

    def __str__(self) -> str:
        span = (f", received {self.first_date:%Y-%m-%d} to {self.last_date:%Y-%m-%d}"
                if self.first_date is not None else "")
        lines = [f"Complaints: {self.rows_in:,} rows in, {self.rows_used:,} used, "
                 f"{sum(self.excluded.values()):,} excluded{span}"]
        lines += [f"  - {n:>7,} excluded: {COMPLAINT_EXCLUSIONS[k]} [{k}]" for k, n in self.excluded.items()]
        lines.append(f"  dispute answered (Yes/No): {self.dispute_answered:,} of {self.rows_used:,} "
                     "(blank = not asked; the CFPB stopped asking in April 2017)")
        lines.append(f"  narratives published with consent: {self.narratives_consented:,}"
                     + (f" ({self.narratives_dropped:,} narratives without consent not used)"
                        if self.narratives_dropped else ""))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass
class ComplaintData:
    """Validated complaints in canonical columns, with the accounting of the read.

    ``frame`` has ``complaint_id``, ``date_received`` (datetime), ``product``,
    ``issue``, ``company``, ``channel`` (text), ``timely`` (bool), ``disputed``
    (nullable boolean: NA = not asked) and ``narrative`` (text only where the consumer
    consented to publication, else NA). ``label`` names the source and period.
    """

    frame: pd.DataFrame
    report: ComplaintReport
    label: str


def _yes_no(s: pd.Series, column: str, *, allow_missing: bool) -> pd.Series:
    """A Yes/No text column as nullable booleans; any other value is refused, naming rows."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    words = s.astype("string").str.strip().str.lower()
    known = words.isin(_YES | _NO)
    odd = ~known & (words.notna() if allow_missing else True)
    if odd.any():
        raise DataValidationError(
            f"read_complaints: column {column!r} must hold Yes or No; {int(odd.sum()):,} rows hold something "
            f"else (e.g. {sorted(set(s[odd].astype(str)))[:3]}).",
            column=column,
            rows=s[odd].to_frame(column),
            suggestion=f"map {column!r} to Yes/No first"
            + ("" if allow_missing else "; a complaint without a timeliness answer cannot be counted") + ".",
        )
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[words.isin(_YES).fillna(False).to_numpy()] = True
    out[words.isin(_NO).fillna(False).to_numpy()] = False
    return out


_DATE_RULES = (  # (pattern the whole column must match, format, description)
    (re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}$"), None, "year first (2019-03-29 or 2019/3/29)"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2}(\d{2})?$"), "us", "month first, the CFPB's US export (03/29/2019)"),
)


def _dates(s: pd.Series, column: str, notes: list[str]) -> pd.Series:
    """One reading for the whole column: year first, else the CFPB's month-first export."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
    text = s.astype("string").str.strip()
    text = text.str.replace(r"[T ]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$", "", regex=True)  # drop midnight times
    present = text.dropna()
    for pattern, rule, what in _DATE_RULES:
        if present.str.match(pattern).all():
            if rule is None:
                parsed = pd.to_datetime(text.str.replace("/", "-"), format="%Y-%m-%d", errors="coerce")
            else:
                year4 = present.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$").all()
                parsed = pd.to_datetime(text, format="%m/%d/%Y" if year4 else "%m/%d/%y", errors="coerce")
            bad = parsed.isna() & text.notna()
            if bad.any():
                raise DataValidationError(
                    f"read_complaints: column {column!r} has {int(bad.sum()):,} dates that are not on the calendar "
                    f"(read as {what}).",
                    column=column, rows=s[bad].to_frame(column),
                    suggestion="fix these dates in the file.",
                )
            notes.append(f"{column!r} read as {what}.")
            return parsed
    odd = text.notna() & ~text.str.match(_DATE_RULES[0][0]).fillna(False) & ~text.str.match(_DATE_RULES[1][0]).fillna(False)
    raise DataValidationError(
        f"read_complaints: column {column!r} mixes date layouts or holds text that is not a date; "
        "one rule must read the whole column.",
        column=column,
        rows=s[odd if odd.any() else text.notna()].to_frame(column),
        suggestion="write every date as 2019-03-29 (year first) or every date as 03/29/2019 (the CFPB export).",
    )


def _load(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if not isinstance(source, str | os.PathLike):
        raise DataValidationError(
            f"read_complaints expects a DataFrame or a path to a CSV/parquet file, got {type(source).__name__}.",
            suggestion=_HINT,
        )
    p = Path(source)
    if not p.is_file():
        raise DataValidationError(f"read_complaints: file not found: {p}.", suggestion="check the path.")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p, dtype=str, keep_default_na=True)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataValidationError(
            f"read_complaints: {p.name!r} cannot be read ({type(err).__name__}: {str(err)[:200]}).",
            suggestion="save it as UTF-8 CSV with a header row (as the CFPB exports it), or as parquet.",
        ) from None


def read_complaints(
    source: Any,
    *,
    columns: dict[str, str] | None = None,
    label: str | None = None,
) -> ComplaintData:
    """Validate a CFPB-format complaint table; count every excluded row by reason.

    Parameters
    ----------
    source : DataFrame or path
        The CFPB export (``crmlib.datasets.load_complaints()``), or a CSV/parquet file in
        its format.
    columns : dict, optional
        Canonical name -> your column, overriding :data:`CFPB_COLUMNS` (e.g.
        ``{"channel": "Channel"}``).
    label : str, optional
        Name of the source, used in chart subtitles; default "CFPB complaints".

    Returns
    -------
    ComplaintData

    Raises
    ------
    DataValidationError
        A required column missing, a timeliness or dispute value other than Yes/No, or
        dates that one rule cannot read.

    Examples
    --------
    >>> raw = simulate_complaints(50, random_state=0)
    >>> data = read_complaints(raw)
    >>> data.report.rows_in, data.report.rows_used
    (50, 50)
    >>> sorted(data.frame.columns)[:4]
    ['channel', 'company', 'complaint_id', 'date_received']
    """
    df = _load(source)
    mapping = dict(CFPB_COLUMNS)
    unknown = sorted(set(columns or {}) - set(mapping))
    if unknown:
        raise DataValidationError(f"read_complaints: unknown key(s) {unknown} in columns=.",
                                  suggestion=f"use keys among {list(mapping)}.")
    mapping.update(columns or {})
    check_frame(df, [mapping[k] for k in _REQUIRED], func="read_complaints", what="complaint table",
                suggestion=_HINT)
    notes: list[str] = []
    n_in = len(df)
    out = pd.DataFrame(index=df.index)
    out["complaint_id"] = df[mapping["complaint_id"]].astype("string").str.strip()
    for key in ("product", "issue", "company", "channel"):
        out[key] = df[mapping[key]].astype("string").str.strip().replace("", pd.NA)
    out["date_received"] = _dates(df[mapping["date_received"]], mapping["date_received"], notes)
    out["timely"] = _yes_no(df[mapping["timely"]], mapping["timely"], allow_missing=False)
    has = {k: mapping[k] in df.columns for k in ("disputed", "consent", "narrative")}
    out["disputed"] = (_yes_no(df[mapping["disputed"]], mapping["disputed"], allow_missing=True)
                       if has["disputed"] else pd.Series(pd.NA, index=df.index, dtype="boolean"))
    narrative = (df[mapping["narrative"]].astype("string").str.strip().replace("", pd.NA)
                 if has["narrative"] else pd.Series(pd.NA, index=df.index, dtype="string"))
    consented = (df[mapping["consent"]].astype("string").str.strip() == CONSENT_PROVIDED).fillna(False)
    if has["narrative"] and not has["consent"]:
        notes.append(f"no {mapping['consent']!r} column: narratives are not used (consent unknown).")
    out["narrative"] = narrative.where(consented.to_numpy(), pd.NA)
    n_dropped = int((narrative.notna() & ~consented).sum())

    masks = {
        "duplicate_id": out["complaint_id"].duplicated(keep="first").to_numpy() & out["complaint_id"].notna().to_numpy(),
        "missing_date": out["date_received"].isna().to_numpy(),
        "missing_product": out["product"].isna().to_numpy(),
        "missing_company": out["company"].isna().to_numpy(),
    }
    if out["complaint_id"].isna().any():
        rows = df.loc[out["complaint_id"].isna().to_numpy(), [mapping["complaint_id"]]]
        raise DataValidationError("read_complaints: some complaints have no id.", column=mapping["complaint_id"],
                                  rows=rows, suggestion="give every complaint an id (the CFPB export always does).")
    left = np.zeros(n_in, dtype=bool)
    excluded = {}
    for reason, mask in masks.items():  # each row is counted under the first reason that applies
        hit = mask & ~left
        if hit.any():
            excluded[reason] = int(hit.sum())
        left |= hit
    frame = out.loc[~left].reset_index(drop=True)
    frame["channel"] = frame["channel"].fillna("(not recorded)")
    frame["issue"] = frame["issue"].fillna("(not recorded)")
    dates = frame["date_received"]
    report = ComplaintReport(
        rows_in=n_in,
        rows_used=len(frame),
        excluded=excluded,
        dispute_answered=int(frame["disputed"].notna().sum()),
        narratives_consented=int(frame["narrative"].notna().sum()),
        narratives_dropped=n_dropped,
        first_date=dates.min() if len(frame) else None,
        last_date=dates.max() if len(frame) else None,
        notes=notes,
    )
    if not len(frame):
        raise DataValidationError("read_complaints: no complaint is left after the exclusions.\n" + str(report),
                                  suggestion="check the file's product, company and date columns.")
    name = label or "CFPB complaints"
    return ComplaintData(frame, report, f"{name}, received {report.first_date:%Y-%m-%d} to {report.last_date:%Y-%m-%d}")


#: Products, channels and their shares in the simulated sample (stated, not estimated).
SIMULATED_PRODUCTS = {"Credit reporting": 0.5, "Debt collection": 0.2, "Checking or savings account": 0.1,
                      "Credit card": 0.1, "Mortgage": 0.1}
SIMULATED_CHANNELS = {"Web": 0.75, "Referral": 0.1, "Phone": 0.08, "Postal mail": 0.05, "Fax": 0.02}
_SIM_ISSUES = {
    "Credit reporting": (["Incorrect information on your report", "Improper use of your report"],
                         "incorrect report account information belongs someone else identity theft dispute bureau"),
    "Debt collection": (["Attempts to collect debt not owed", "Written notification about debt"],
                        "debt collector calls owed validation letter collection agency paid"),
    "Checking or savings account": (["Managing an account", "Opening an account"],
                                    "account bank fee overdraft deposit branch closed funds"),
    "Credit card": (["Problem with a purchase shown on your statement", "Fees or interest"],
                    "card charge statement interest fee merchant refund limit"),
    "Mortgage": (["Trouble during payment process", "Struggling to pay mortgage"],
                 "mortgage payment escrow loan modification servicer foreclosure home"),
}
_SIM_COMMON = "the i my and to was they a have not this of on for with it that".split()


def simulate_complaints(
    n: int = 2_000,
    *,
    timely_rate: float = 0.97,
    disputed_if_timely: float = 0.20,
    disputed_if_late: float = 0.35,
    dispute_asked: float = 0.3,
    consent_rate: float = 0.25,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """A seeded, simulated complaint sample in the CFPB's columns (for offline runs and tests).

    Everything is stated: products and channels come from :data:`SIMULATED_PRODUCTS` and
    :data:`SIMULATED_CHANNELS`, timely responses at ``timely_rate``, disputes (asked of a
    share ``dispute_asked``) at ``disputed_if_timely`` / ``disputed_if_late``, and
    consented narratives built from a few product-specific words. Nothing in it describes
    real consumers.

    Parameters
    ----------
    n : int
        Complaints.
    timely_rate, disputed_if_timely, disputed_if_late, dispute_asked, consent_rate : float
        Probabilities in [0, 1].
    random_state : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    DataFrame
        The raw CFPB layout (:data:`CFPB_COLUMNS` values), dates as ``YYYY-MM-DD`` text,
        to be read by :func:`read_complaints`.

    Examples
    --------
    >>> df = simulate_complaints(10, random_state=1)
    >>> df.shape[0], "Timely response?" in df
    (10, True)
    """
    n = int(to_number(n, "n", low=1, example="2000"))
    probs = {k: to_number(v, k, low=0, high=1, example="0.2") for k, v in
             dict(timely_rate=timely_rate, disputed_if_timely=disputed_if_timely, disputed_if_late=disputed_if_late,
                  dispute_asked=dispute_asked, consent_rate=consent_rate).items()}
    rng = np.random.default_rng(random_state)
    products = rng.choice(list(SIMULATED_PRODUCTS), size=n, p=list(SIMULATED_PRODUCTS.values()))
    channels = rng.choice(list(SIMULATED_CHANNELS), size=n, p=list(SIMULATED_CHANNELS.values()))
    companies = rng.choice([f"Company {c}" for c in "ABCDEFGH"], size=n, p=[.3, .2, .15, .1, .1, .05, .05, .05])
    issues = np.array([rng.choice(_SIM_ISSUES[p][0]) for p in products])
    timely = rng.random(n) < probs["timely_rate"]
    asked = rng.random(n) < probs["dispute_asked"]
    p_dispute = np.where(timely, probs["disputed_if_timely"], probs["disputed_if_late"])
    disputed = np.where(asked, np.where(rng.random(n) < p_dispute, "Yes", "No"), None)
    consent = rng.random(n) < probs["consent_rate"]
    narratives = []
    for p, ok in zip(products, consent, strict=True):
        if not ok:
            narratives.append(None)
            continue
        words = list(rng.choice(_SIM_ISSUES[p][1].split(), size=8)) + list(rng.choice(_SIM_COMMON, size=12))
        rng.shuffle(words)
        narratives.append(" ".join(words))
    start = pd.Timestamp("2019-01-01")
    dates = start + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D")
    return pd.DataFrame({
        "Date received": dates.strftime("%Y-%m-%d"),
        "Product": products,
        "Issue": issues,
        "Consumer complaint narrative": narratives,
        "Company": companies,
        "Consumer consent provided?": np.where(consent, CONSENT_PROVIDED, "Consent not provided"),
        "Submitted via": channels,
        "Timely response?": np.where(timely, "Yes", "No"),
        "Consumer disputed?": disputed,
        "Complaint ID": np.arange(1, n + 1),
    })
