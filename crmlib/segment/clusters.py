"""k-means clusters on log-scaled RFM, with the number of clusters chosen by silhouette.

RFM values are heavily skewed (a few customers spend a hundred times the median), so
k-means runs on ``log1p`` of days since the last purchase, purchase days and spend, each
standardised. Clusters are renumbered by mean spend (cluster 1 spends most), so the
labels do not depend on k-means' random start, and each gets a plain-words name such as
"recent · frequent · high spend".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError, NotFittedError
from crmlib.segment._checks import check_frame

__all__ = ["RFMClusters", "compare_clusters"]

_FEATURES = ("recency_days", "purchases", "spend")


class RFMClusters:
    """k-means on log-scaled recency, frequency and spend.

    Parameters
    ----------
    n_clusters : int, optional
        Fixed number of clusters. None (default): the k in ``k_range`` with the highest
        silhouette score.
    k_range : sequence of int, default (2, 3, 4, 5, 6, 7, 8)
        Candidate numbers of clusters.
    silhouette_sample : int, default 4000
        Customers sampled to compute each silhouette score (the exact score costs n^2
        distances); None uses everyone.
    n_init : int, default 10
        k-means restarts per k.
    random_state : int, default 0
        Seed of k-means and of the silhouette sample.
    n_threads : int, optional, default 1
        Threads for k-means and the distance computations. RFM tables are small (three
        columns), so one thread is fastest, and it avoids the large slow-down of
        OpenMP threads on a busy machine; None uses every core.

    Attributes
    ----------
    silhouette_ : Series
        Mean silhouette score per candidate k.
    n_clusters_ : int
        The k used.
    labels_ : Series
        Cluster number per customer (1 = highest mean spend).
    profile_ : DataFrame
        One row per cluster: name, customers, shares, mean and median R/F/M values.
    centers_ : DataFrame
        Cluster centres in standardised log units (rows: clusters, columns: features).
    kmeans_, scaler_ : the fitted scikit-learn objects.
    relabel_ : ndarray
        Our cluster number for each of ``kmeans_``'s cluster indices.
    kmeans_by_k_ : dict
        The fitted k-means model of every candidate k (see :meth:`select`).
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
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: Sequence[int] = (2, 3, 4, 5, 6, 7, 8),
        silhouette_sample: int | None = 4000,
        n_init: int = 10,
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.silhouette_sample = silhouette_sample
        self.n_init = n_init
        self.random_state = random_state
        self.n_threads = n_threads

    def __repr__(self) -> str:
        if hasattr(self, "n_clusters_"):
            return f"RFMClusters(fitted: k={self.n_clusters_}, {len(self.labels_):,} customers)"
        return f"RFMClusters(n_clusters={self.n_clusters}, k_range={tuple(self.k_range)})"

    def _matrix(self, rfm: pd.DataFrame) -> np.ndarray:
        x = rfm[list(_FEATURES)].to_numpy(dtype="float64")
        if not np.isfinite(x).all() or (x < 0).any():
            bad = ~np.isfinite(x).all(axis=1) | (x < 0).any(axis=1)
            raise DataValidationError(
                f"{int(bad.sum()):,} customers have missing or negative recency, purchases or spend.",
                rows=rfm.loc[bad, list(_FEATURES)],
                suggestion="compute the table with crmlib.segment.rfm_scores(...) on a validated log.",
            )
        return np.log1p(x)

    def fit(self, rfm: pd.DataFrame) -> RFMClusters:
        """Choose k (if not fixed) and cluster the customers.

        Parameters
        ----------
        rfm : DataFrame
            Output of :func:`crmlib.segment.rfm_scores` or :func:`~crmlib.segment.rfm_table`
            (columns ``recency_days``, ``purchases``, ``spend``), indexed by customer id.

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
        from sklearn.preprocessing import StandardScaler

        rfm = check_frame(rfm, _FEATURES, "RFM table", "pass crmlib.segment.rfm_scores(summary).")
        ks = [self.n_clusters] if self.n_clusters is not None else [int(k) for k in self.k_range]
        if not ks or any(k < 2 for k in ks):
            raise DataValidationError(f"Numbers of clusters must be >= 2; got {ks}.", suggestion="e.g. k_range=range(2, 9).")
        n = len(rfm)
        if n <= max(ks):
            raise DataValidationError(
                f"{n} customers are too few for {max(ks)} clusters.",
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
        sample = None
        if self.silhouette_sample is not None and n > self.silhouette_sample:
            sample = int(self.silhouette_sample)
        scores, models = {}, {}
        for k in ks:
            km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(z)
            models[k] = km
            scores[k] = float(
                silhouette_score(z, km.labels_, sample_size=sample, random_state=self.random_state)
            )
        self.silhouette_ = pd.Series(scores, name="silhouette").rename_axis("k")
        self.kmeans_by_k_ = models
        self._use(int(self.silhouette_.idxmax()), original)
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

        self._check_fitted()
        if k not in self.kmeans_by_k_:
            raise DataValidationError(
                f"k={k!r} was not fitted; candidates: {sorted(self.kmeans_by_k_)}.",
                suggestion="choose one of them, or fit with a k_range that includes it.",
            )
        other = copy.copy(self)
        other._use(int(k), self.train_rfm_)
        return other

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise NotFittedError(self)

    def _profile(self, rfm: pd.DataFrame) -> pd.DataFrame:
        g = rfm[list(_FEATURES)].groupby(self.labels_)
        prof = pd.DataFrame(index=self.centers_.index)
        prof["name"] = [_describe(row) for _, row in self.centers_.iterrows()]
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
            Columns ``recency_days``, ``purchases``, ``spend``.

        Returns
        -------
        Series
        """
        self._check_fitted()
        rfm = check_frame(rfm, _FEATURES, "RFM table", "pass crmlib.segment.rfm_scores(summary).")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads):
            raw = self.kmeans_.predict(self.scaler_.transform(self._matrix(rfm)))
        return pd.Series(self.relabel_[raw], index=rfm.index, name="cluster")


def _describe(center: pd.Series) -> str:
    """Plain words for a centre in standardised log units (0 = the average customer)."""

    def level(z: float, low: str, mid: str, high: str) -> str:
        return high if z > 0.5 else low if z < -0.5 else mid

    # a large recency_days means long ago, so the sign is reversed
    r = level(-center["recency_days"], "lapsed", "mid recency", "recent")
    f = level(center["purchases"], "one-off", "occasional", "frequent")
    m = level(center["spend"], "low spend", "mid spend", "high spend")
    return f"{r} · {f} · {m}"


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
