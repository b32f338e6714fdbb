"""k-means clusters on log-scaled RFM, with the number of clusters chosen by silhouette.

The exact silhouette compares every pair of customers, and choosing k fits k-means once per
candidate: seconds on a few thousand customers. So k is chosen on a seeded sample of
customers (``silhouette_sample``, 2,000 by default): every candidate is fitted and scored
on the sample, from one distance matrix shared by all candidates, and only the chosen k
is fitted on everyone. The tests check that this picks the k of the exact method.

RFM values are heavily skewed (a few customers spend a hundred times the median), so
k-means runs on ``log1p`` of days since the last purchase, purchase days and spend, each
standardised. Clusters are renumbered by mean spend (cluster 1 spends most), so the
labels do not depend on k-means' random start, and each gets a plain-words name such as
"recent · frequent · high spend", derived from the cluster's own mean recency, purchases
and spend ranked against the other clusters (see :func:`cluster_names`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError, NotFittedError

__all__ = ["RFMClusters", "cluster_names", "compare_clusters"]

_FEATURES = ("recency_days", "purchases", "spend")
#: Largest sample whose whole distance matrix is held (8,000^2 doubles = 512 MB);
#: larger ones use scikit-learn's chunked silhouette.
_MATRIX_MAX = 8000
_HINT = "pass crmlib.segment.rfm_scores(summary) (or rfm_table(summary), or the RFM summary itself)."


def _rfm_input(data: object, func: str) -> pd.DataFrame:
    """The recency/purchases/spend table from what ``fit`` or ``predict`` was given.

    Both accept the same kinds of input: the output of :func:`~crmlib.segment.rfm_scores`
    or :func:`~crmlib.segment.rfm_table`, or an RFM summary (converted by ``rfm_table``).
    """
    from crmlib.segment.rfm_scores import _refuse_duplicate_ids, _rfm_table

    if isinstance(data, pd.DataFrame) and not set(_FEATURES) <= set(data.columns) and "last_purchase" in data.columns:
        data = _rfm_table(data, None, func)
    rfm = check_frame(data, _FEATURES, func=func, what="RFM table", suggestion=_HINT)
    _refuse_duplicate_ids(rfm, func, "RFM table")
    for c in _FEATURES:
        col = rfm[c]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise DataValidationError(
                f"{func}: column {c!r} must be numeric, got dtype {col.dtype}.",
                column=c, rows=rfm[list(_FEATURES)].head(), suggestion=_HINT,
            )
    x = rfm[list(_FEATURES)].to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x).all(axis=1) | (x < 0).any(axis=1)
    if bad.any():
        raise DataValidationError(
            f"{func}: {int(bad.sum()):,} customers have missing, infinite or negative recency, purchases or spend.",
            rows=rfm.loc[bad, list(_FEATURES)],
            suggestion="compute the table with crmlib.segment.rfm_scores(...) on a validated log.",
        )
    return rfm


class RFMClusters(BaseEstimator):
    """k-means on log-scaled recency, frequency and spend.

    Parameters
    ----------
    n_clusters : int, optional
        Fixed number of clusters. None (default): the k in ``k_range`` with the highest
        silhouette score.
    k_range : sequence of int, default (2, 3, 4, 5, 6, 7, 8)
        Candidate numbers of clusters.
    silhouette_sample : int, default 2000
        Customers sampled (seeded by ``random_state``) to choose k: each candidate k is
        fitted and its silhouette computed on this sample, and the chosen k is then fitted
        on every customer. None uses everyone for both (the exact method: n^2 distances
        and a full k-means per candidate, seconds on 10,000 customers).
    n_init : int, default 10
        k-means restarts of the final fit on every customer.
    sample_n_init : int, default 3
        k-means restarts of each candidate k on the sample (used to choose k only; the
        silhouette of a candidate changes little between good restarts). With
        ``silhouette_sample=None`` every candidate uses ``n_init``.
    random_state : int, default 0
        Random state of k-means and of the silhouette sample.
    n_threads : int, optional, default 1
        Threads for k-means and the distance computations. RFM tables are small (three
        columns), so one thread is fastest, and it avoids the large slow-down of
        OpenMP threads on a busy machine; None uses every core.

    Attributes
    ----------
    silhouette_ : Series
        Mean silhouette score per candidate k (on the sample; ``attrs["sample"]`` holds
        its size).
    n_clusters_ : int
        The k used.
    labels_ : Series
        Cluster number per customer (1 = highest mean spend).
    profile_ : DataFrame
        One row per cluster: name (see :func:`cluster_names`), customers, shares, mean
        and median R/F/M values.
    centers_ : DataFrame
        Cluster centres in standardised log units (rows: clusters, columns: features).
    kmeans_, scaler_ : the fitted scikit-learn objects.
    relabel_ : ndarray
        Our cluster number for each of ``kmeans_``'s cluster indices.
    kmeans_by_k_ : dict
        k-means models fitted on every customer, by k: the chosen k, and any k used by
        :meth:`select` since.
    train_rfm_ : DataFrame
        The recency, purchases and spend the model was fitted on.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.segment import rfm_scores
    >>> scores = rfm_scores(rfm_summary(load_cdnow(), observation_end="1998-06-30"))
    >>> model = RFMClusters(k_range=(2, 3, 4)).fit(scores)
    >>> model.n_clusters_ in (2, 3, 4)
    True
    >>> model.profile_["name"].is_unique
    True
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: Sequence[int] = (2, 3, 4, 5, 6, 7, 8),
        silhouette_sample: int | None = 2000,
        n_init: int = 10,
        sample_n_init: int = 3,
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.silhouette_sample = silhouette_sample
        self.n_init = n_init
        self.sample_n_init = sample_n_init
        self.random_state = random_state
        self.n_threads = n_threads

    @staticmethod
    def _matrix(rfm: pd.DataFrame) -> np.ndarray:
        return np.log1p(rfm[list(_FEATURES)].to_numpy(dtype="float64"))

    def fit(self, rfm: pd.DataFrame, y: None = None) -> RFMClusters:
        """Choose k (if not fixed) and cluster the customers.

        Parameters
        ----------
        rfm : DataFrame
            Output of :func:`crmlib.segment.rfm_scores` or :func:`~crmlib.segment.rfm_table`
            (columns ``recency_days``, ``purchases``, ``spend``), or an RFM summary from
            :func:`crmlib.features.rfm_summary`; indexed by unique customer ids.
            :meth:`predict` takes the same kinds of input.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        RFMClusters
            self.
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads):
            return self._fit(rfm)

    def _fit(self, rfm: pd.DataFrame) -> RFMClusters:
        """Fit without the thread limit (see :meth:`fit`)."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.metrics.pairwise import euclidean_distances
        from sklearn.preprocessing import StandardScaler

        func = "RFMClusters.fit"
        rfm = _rfm_input(rfm, func)
        # parameters are checked here, not in __init__ (scikit-learn's estimator contract)
        if self.n_clusters is not None:
            candidates = [self.n_clusters]
        elif isinstance(self.k_range, str) or not hasattr(self.k_range, "__iter__"):
            raise DataValidationError(f"{func}: k_range={self.k_range!r} must be a sequence of integers.",
                                      suggestion="e.g. k_range=range(2, 9).")
        else:
            candidates = list(self.k_range)
        ks = [int(to_number(k, "n_clusters" if self.n_clusters is not None else "k_range", low=2, integer=True,
                            example="3")) for k in candidates]
        if not ks:
            raise DataValidationError(f"{func}: k_range is empty.", suggestion="e.g. k_range=range(2, 9).")
        n_init = int(to_number(self.n_init, "n_init", low=1, integer=True, example="10"))
        sample_n_init = int(to_number(self.sample_n_init, "sample_n_init", low=1, integer=True, example="3"))
        if self.silhouette_sample is not None:
            to_number(self.silhouette_sample, "silhouette_sample", low=2, integer=True, example="4000")
        n = len(rfm)
        if n <= max(ks):
            raise DataValidationError(
                f"{func}: {n} customers are too few for {max(ks)} clusters.",
                suggestion="cluster more customers or use a smaller k_range.",
            )
        # fit on rows sorted by customer id, so the result does not depend on row order
        original = rfm
        rfm = rfm.iloc[np.argsort(np.asarray(rfm.index.astype("str")), kind="stable")]
        logs = self._matrix(rfm)
        self.scaler_ = StandardScaler().fit(logs)
        z = self.scaler_.transform(logs)
        if np.unique(z, axis=0).shape[0] < max(ks):
            raise DataValidationError(
                "Too few distinct customers (identical R, F and M values) for the requested clusters.",
                suggestion="use a smaller k.",
            )
        rows = np.arange(n)
        if self.silhouette_sample is not None and n > self.silhouette_sample:
            rng = np.random.default_rng(self.random_state)
            rows = np.sort(rng.choice(n, size=int(self.silhouette_sample), replace=False))
        zs = z[rows]
        # one distance matrix shared by every candidate k, unless it would be too large
        dist = euclidean_distances(zs, zs) if rows.size <= _MATRIX_MAX else None
        scores, models = {}, {}
        restarts = n_init if rows.size == n else sample_n_init
        for k in ks:
            km = KMeans(n_clusters=k, n_init=restarts, random_state=self.random_state).fit(zs)
            if rows.size == n:  # the sample is everyone: this is the final model
                models[k] = km
            scores[k] = (_silhouette(dist, km.labels_, k) if dist is not None
                         else float(silhouette_score(zs, km.labels_)))
        self.silhouette_ = pd.Series(scores, name="silhouette").rename_axis("k")
        self.silhouette_.attrs["sample"] = int(rows.size)
        best = int(self.silhouette_.idxmax())
        if best not in models:
            models = {best: KMeans(n_clusters=best, n_init=n_init, random_state=self.random_state).fit(z)}
        self.kmeans_by_k_ = models
        self._use(best, original)
        return self

    def _use(self, best: int, rfm: pd.DataFrame) -> None:
        """Set the fitted attributes from the stored k-means model with ``best`` clusters."""
        given_order = rfm.index
        rfm = rfm.iloc[np.argsort(np.asarray(rfm.index.astype("str")), kind="stable")]
        self.n_clusters_ = best
        km = self.kmeans_ = self.kmeans_by_k_[best]
        # number clusters by mean spend, highest first: stable across random starts
        spend = pd.Series(rfm["spend"].to_numpy(), index=km.labels_).groupby(level=0).mean()
        order = spend.sort_values(ascending=False, kind="stable").index.to_numpy()
        relabel = np.empty(best, dtype=np.int64)
        relabel[order] = np.arange(1, best + 1)
        self.relabel_ = relabel
        self.labels_ = pd.Series(relabel[km.labels_], index=rfm.index, name="cluster").loc[given_order]
        centers = km.cluster_centers_[order]
        self.centers_ = pd.DataFrame(centers, index=pd.Index(range(1, best + 1), name="cluster"), columns=list(_FEATURES))
        self.train_rfm_ = rfm.loc[given_order, list(_FEATURES)]
        self.profile_ = self._profile(self.train_rfm_)

    def select(self, k: int) -> RFMClusters:
        """A copy of this model using ``k`` clusters (one of the candidates already fitted).

        Useful when the silhouette favours k = 2 but a finer split is wanted: no refit.

        Parameters
        ----------
        k : int
            A value in ``silhouette_.index``.

        Returns
        -------
        RFMClusters
            A new fitted model; ``silhouette_`` is shared.
        """
        import copy

        from sklearn.cluster import KMeans
        from threadpoolctl import threadpool_limits

        self._check_fitted()
        if k not in self.silhouette_.index:
            raise DataValidationError(
                f"k={k!r} was not a candidate; candidates: {sorted(self.silhouette_.index)}.",
                suggestion="choose one of them, or fit with a k_range that includes it.",
            )
        k = int(k)
        if k not in self.kmeans_by_k_:  # chosen on the sample: fit it on everyone now, once
            rfm = self.train_rfm_.iloc[np.argsort(np.asarray(self.train_rfm_.index.astype("str")), kind="stable")]
            with threadpool_limits(limits=self.n_threads):
                z = self.scaler_.transform(self._matrix(rfm))
                n_init = int(to_number(self.n_init, "n_init", low=1, integer=True, example="10"))
                self.kmeans_by_k_[k] = KMeans(n_clusters=k, n_init=n_init, random_state=self.random_state).fit(z)
        other = copy.copy(self)
        other.kmeans_by_k_ = self.kmeans_by_k_
        other._use(k, self.train_rfm_)
        return other

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise NotFittedError(self)

    def _profile(self, rfm: pd.DataFrame) -> pd.DataFrame:
        g = rfm[list(_FEATURES)].groupby(self.labels_)
        prof = pd.DataFrame(index=self.centers_.index)
        prof["name"] = cluster_names(g.mean())
        prof["customers"] = g.size()
        prof["share_customers"] = prof["customers"] / len(rfm)
        prof["share_revenue"] = g["spend"].sum() / rfm["spend"].sum()
        for col in _FEATURES:
            prof[f"mean_{col}"] = g[col].mean()
        for col in _FEATURES:
            prof[f"median_{col}"] = g[col].median()
        return prof

    def predict(self, rfm: pd.DataFrame) -> pd.Series:
        """Cluster number (1 = highest spend) of new customers.

        Parameters
        ----------
        rfm : DataFrame
            The same kind of input as :meth:`fit`: ``rfm_scores`` or ``rfm_table`` output
            (``recency_days``, ``purchases``, ``spend``) or an RFM summary.

        Returns
        -------
        Series
        """
        self._check_fitted()
        rfm = _rfm_input(rfm, "RFMClusters.predict")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads):
            raw = self.kmeans_.predict(self.scaler_.transform(self._matrix(rfm)))
        return pd.Series(self.relabel_[raw], index=rfm.index, name="cluster")


def _silhouette(dist: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Mean silhouette from a square distance matrix, as scikit-learn's ``silhouette_score``.

    One matrix product gives every point's summed distance to every cluster, so the
    matrix is computed once for all candidate k. Points alone in their cluster score 0.
    """
    onehot = np.zeros((labels.size, k))
    onehot[np.arange(labels.size), labels] = 1.0
    sums = dist @ onehot  # (points, clusters)
    sizes = onehot.sum(axis=0)
    own = sizes[labels]
    a = sums[np.arange(labels.size), labels] / np.maximum(own - 1, 1)
    others = sums / np.where(sizes > 0, sizes, np.nan)
    others[np.arange(labels.size), labels] = np.inf
    b = np.nanmin(others, axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(np.nan_to_num(s).mean())


#: Words for low, middle and high relative levels, per dimension (recency: low = long ago).
_WORDS = {
    "recency_days": ("lapsed", "mid recency", "recent"),
    "purchases": ("infrequent", "occasional", "frequent"),
    "spend": ("low spend", "mid spend", "high spend"),
}


#: How two clusters with the same words are told apart (higher rank first).
_TAGS = {
    "spend": ("higher spend", "lower spend"),
    "purchases": ("more purchases", "fewer purchases"),
    "recency_days": ("more recent", "less recent"),
}


def cluster_names(means: pd.DataFrame) -> pd.Series:
    """Plain-words names of clusters, derived from their mean values relative to each other.

    Each dimension is ranked across the clusters (recency: fewer days since the last
    purchase ranks higher) and the rank's position among the k clusters gives the word:
    the bottom third "lapsed" / "infrequent" / "low spend", the top third "recent" /
    "frequent" / "high spend", the rest the middle word. So a cluster is never called
    lower than a cluster with a smaller mean. "one-off" replaces "infrequent" only when
    the cluster's customers average fewer than 1.5 purchases. Clusters whose three words
    coincide (possible from k = 4) get a tag on the dimension where they differ most
("more recent" / "less recent", "more purchases" / ..., "higher spend" / ...), so every
name is unique and still agrees with the means.

    Parameters
    ----------
    means : DataFrame
        One row per cluster, columns ``recency_days``, ``purchases`` and ``spend`` (the
        cluster means).

    Returns
    -------
    Series of str
        Indexed like ``means``.

    Examples
    --------
    >>> import pandas as pd
    >>> means = pd.DataFrame({"recency_days": [10.0, 200.0, 90.0], "purchases": [12.5, 1.1, 3.0],
    ...                       "spend": [900.0, 30.0, 150.0]}, index=[1, 2, 3])
    >>> cluster_names(means).tolist()
    ['recent · frequent · high spend', 'lapsed · one-off · low spend', 'mid recency · occasional · mid spend']
    """
    k = len(means)
    parts, ranks = [], {}  # ranks: 0 = lowest level
    for col, words in _WORDS.items():
        key = -means[col] if col == "recency_days" else means[col]
        # rank 0 = lowest; tied means get the same (average) rank, hence the same word
        rank = key.rank(method="average").to_numpy() - 1.0
        ranks[col] = rank
        pos = rank / (k - 1) if k > 1 else np.full(k, 0.5)
        level = np.where(pos < 1 / 3, 0, np.where(pos > 2 / 3, 2, 1))
        w = np.asarray(words, dtype=object)[level]
        if col == "purchases":
            w = np.where((level == 0) & (means[col].to_numpy() < 1.5), "one-off", w)
        parts.append(w)
    names = pd.Series([" · ".join(t) for t in zip(*parts, strict=True)], index=means.index, dtype=object)
    for name in names[names.duplicated(keep=False)].unique():
        same = names.index[names == name]
        # tell them apart on the dimension where they differ most: log-scale gap between
        # them, relative to that dimension's spread over all clusters (as k-means sees it)
        logs = np.log1p(means[list(_TAGS)].clip(lower=0))
        width = (logs.max() - logs.min()).replace(0, np.nan)
        spread = ((logs.loc[same].max() - logs.loc[same].min()) / width).fillna(0).to_dict()
        col = max(_TAGS, key=lambda c: spread[c])  # first of spend, purchases, recency on ties
        order = same[np.argsort(-ranks[col][names.index.get_indexer(same)], kind="stable")]
        more, less = _TAGS[col]
        tags = [more, less] if len(same) == 2 else [f"{more} rank {i} of {len(same)}" for i in range(1, len(same) + 1)]
        for cid, tag in zip(order, tags, strict=True):
            names.loc[cid] = f"{name} ({tag})"
    return names.astype("str")


def compare_clusters(labels: pd.Series, segments: pd.Series, *, normalize: bool = False) -> pd.DataFrame:
    """Cross-tabulate k-means clusters against the rule-based segments.

    Parameters
    ----------
    labels : Series
        Cluster per customer (``RFMClusters.labels_``).
    segments : Series
        Segment per customer (``assign_segments(...)["segment_label"]``), same index.
    normalize : bool, default False
        Show each segment's distribution over clusters (rows sum to 1) instead of counts.

    Returns
    -------
    DataFrame
        Rows: segments (in their categorical order); columns: clusters.
    """
    if not labels.index.equals(segments.index):
        common = labels.index.intersection(segments.index)
        if len(common) != len(labels) or len(common) != len(segments):
            raise DataValidationError(
                "Clusters and segments are not indexed by the same customers "
                f"({len(labels):,} vs {len(segments):,}, {len(common):,} in common).",
                suggestion="fit the clusters on the same table that was segmented.",
            )
        segments = segments.loc[labels.index]
    table = pd.crosstab(segments, labels, dropna=False)
    table.columns = [f"cluster {c}" for c in table.columns]
    table.columns.name = "cluster"
    if normalize:
        table = table.div(table.sum(axis=1).where(lambda s: s > 0), axis=0)
    return table
