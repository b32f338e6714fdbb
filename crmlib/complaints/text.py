"""Top terms per product in consented complaint narratives (scikit-learn TF-IDF).

Only narratives the consumer consented to publish are used (:func:`read_complaints`
blanks the others). The CFPB masks personal details as ``XXXX`` and amounts as
``{$100.00}``; both are removed before counting. No language model: a bag of words,
weighted by TF-IDF, averaged over each product's narratives.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = ["top_terms"]

_MASKS = re.compile(r"\bx{2,}\b|\{\$[\d,.]*\}|\d+", flags=re.IGNORECASE)


def _clean(text: str) -> str:
    return _MASKS.sub(" ", text.lower())


def top_terms(
    data: Any,
    *,
    by: str = "product",
    n_terms: int = 10,
    min_documents: int = 20,
    max_df: float = 0.5,
    ngram_range: tuple[int, int] = (1, 1),
) -> pd.DataFrame:
    """The highest-weighted TF-IDF terms of each group's consented narratives.

    Parameters
    ----------
    data : ComplaintData or DataFrame
        From :func:`~crmlib.complaints.read_complaints` (``narrative`` holds consented
        text only).
    by : str, default "product"
    n_terms : int, default 10
        Terms per group.
    min_documents : int, default 20
        Groups with fewer narratives are left out (listed in ``attrs["skipped"]``).
    max_df : float, default 0.5
        Terms in more than this share of all narratives are dropped (words every
        complaint uses, such as "account" in a bank's complaints, say nothing about
        a product).
    ngram_range : (int, int), default (1, 1)
        Word n-grams, as in scikit-learn.

    Returns
    -------
    DataFrame
        One row per (group, rank): ``term``, ``weight`` (mean TF-IDF over the group's
        narratives), ``documents`` (the group's narratives that use the term) and
        ``narratives`` (the group's narratives). ``attrs["n_narratives"]`` is the total.

    Examples
    --------
    >>> from crmlib.complaints import read_complaints, simulate_complaints
    >>> t = top_terms(read_complaints(simulate_complaints(800, consent_rate=0.5)), n_terms=3)
    >>> bool(t.loc["Mortgage"]["term"].isin(["mortgage", "payment", "escrow", "loan", "modification",
    ...                                      "servicer", "foreclosure", "home"]).all())
    True
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    frame = getattr(data, "frame", data)
    frame = check_frame(frame, [by, "narrative"], func="top_terms", what="complaint table",
                        suggestion="pass the result of crmlib.complaints.read_complaints.")
    n_terms = int(to_number(n_terms, "n_terms", low=1, example="10"))
    min_documents = int(to_number(min_documents, "min_documents", low=1, example="20"))
    max_df = to_number(max_df, "max_df", low=0, high=1, low_inclusive=False, example="0.5")
    docs = frame.loc[frame["narrative"].notna(), [by, "narrative"]]
    if docs.empty:
        raise DataValidationError(
            "top_terms: no narrative to analyse (none published with the consumer's consent).",
            column="narrative",
            suggestion="narratives are used only where 'Consumer consent provided?' is 'Consent provided'.",
        )
    vec = TfidfVectorizer(preprocessor=_clean, stop_words="english", max_df=max_df, min_df=2,
                          ngram_range=ngram_range, token_pattern=r"(?u)\b[a-z][a-z]+\b")
    try:
        X = vec.fit_transform(docs["narrative"].astype(str))
    except ValueError:  # every term pruned: too few narratives
        raise DataValidationError(
            f"top_terms: the {len(docs):,} narratives leave no term after pruning (min 2 narratives, "
            f"at most {max_df:.0%} of them).",
            column="narrative", suggestion="use more narratives or raise max_df.",
        ) from None
    vocab = np.asarray(vec.get_feature_names_out())
    groups = docs[by].to_numpy()
    rows, skipped = [], []
    for name in pd.Series(groups).value_counts().index:
        mask = groups == name
        if mask.sum() < min_documents:
            skipped.append(name)
            continue
        sub = X[mask]
        weight = np.asarray(sub.mean(axis=0)).ravel()
        used = np.asarray((sub > 0).sum(axis=0)).ravel()
        order = np.lexsort((vocab, -weight))[:n_terms]  # ties broken alphabetically, the same every run
        for rank, j in enumerate(order, start=1):
            if weight[j] > 0:
                rows.append({by: name, "rank": rank, "term": vocab[j], "weight": float(weight[j]),
                             "documents": int(used[j]), "narratives": int(mask.sum())})
    out = pd.DataFrame(rows, columns=[by, "rank", "term", "weight", "documents", "narratives"])
    out = out.set_index([by, "rank"])
    out.attrs.update({"n_narratives": len(docs), "skipped": skipped, "min_documents": min_documents})
    return out
