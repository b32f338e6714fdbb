"""Find customers like our loyal ones (选择与忠诚客户具有相似特征的客户): a look-alike model.

Like the taxi driver who judges a fare within seconds, the model predicts, from what is
known at a customer's **first purchase** only, whether the customer will come back (or
become high-value) within a horizon of ``horizon_days``.

The first purchase is the customer's first purchase *day* (same-day orders are one
purchase, as in :func:`crmlib.features.rfm_summary`). Features come from the rows of that
day and nothing else: its value, lines, items, distinct products, orders, country,
weekday, hour, month and the week of the first purchase since the cohort start.

**Time split, not a random split.** With ``H = horizon_days`` and a split date
``train_end`` (inclusive, like every ``*_end`` in crmlib: the last day of training data):

* the *training cohort* are customers whose first purchase day falls in
  ``[cohort_start, train_end - H]`` (``train_cohort_end``), so that their label (a
  purchase day in ``(first day, first day + H]``) is fully observed by ``train_end``;
* ``fit`` sees only the rows dated up to and including ``train_end``: features, labels
  and the high-value threshold cannot use anything later;
* the *test cohort* are the customers whose first purchase falls after ``train_end``
  (and early enough for their own label to be observed by ``observation_end``). They are
  scored as the model would score them in use: later customers, a model trained on the
  past.

Only purchases count (:func:`crmlib.conventions.purchase_mask`): a return is never a
first purchase nor a repeat.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crmlib.checks import check_log
from crmlib.conventions import purchase_mask, to_date, to_number
from crmlib.exceptions import DataValidationError, NotFittedError
from crmlib.metrics import lift_table

__all__ = [
    "first_purchase_features",
    "horizon_labels",
    "LookalikeEvaluation",
    "LookalikeModel",
    "DEFAULT_EXCLUDED",
]

_CATEGORICAL = ("country", "weekday", "hour", "month")
#: Calendar-time features left out by default. Under a time split the test cohort's
#: months and weeks never occur in training, so a model can only extrapolate a trend or a
#: season it has not seen (on Online Retail the training cohort's falling repeat rate by
#: week would rank the autumn cohort backwards). Pass ``features=`` to include them.
DEFAULT_EXCLUDED = ("month", "cohort_week")


_ONE_DAY = pd.Timedelta(days=1)


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _purchases(transactions: Any, func: str) -> pd.DataFrame:
    tx = check_log(transactions, func=func)
    return tx.loc[purchase_mask(tx["amount"])]


def first_purchase_features(
    transactions: pd.DataFrame,
    *,
    product: str | None = "StockCode",
    country: str | None = "Country",
    cohort_start: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """What is known about each customer at their first purchase, and nothing later.

    Parameters
    ----------
    transactions : DataFrame
        Validated log (``customer_id``, ``date``, ``amount``; ``quantity``, ``order_id``
        and the ``product`` and ``country`` columns are used when present).
    product : str, optional
        Column identifying the product (for ``distinct_products``); skipped if absent.
    country : str, optional
        Column with the customer's country; skipped if absent.
    cohort_start : date-like, optional
        Origin of ``cohort_week`` (the "signup week"); default the first day of the log.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase`` (timestamp of the first line),
        ``first_day``, ``first_value``, ``n_lines``, then when the data allow ``items``,
        ``mean_item_price``, ``distinct_products``, ``n_orders``, ``country``, ``hour``
        (when the log has times of day), and always ``weekday`` (0 = Monday), ``month``
        and ``cohort_week``. ``attrs["numeric"]`` and ``attrs["categorical"]`` list the
        model features found.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
    ...                    "date": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 11:00", "2024-02-01 09:00"]),
    ...                    "amount": [10.0, 5.0, 99.0]})
    >>> f = first_purchase_features(tx)
    >>> float(f.loc["a", "first_value"]), int(f.loc["a", "n_lines"])
    (15.0, 2)
    """
    tx = _purchases(transactions, "first_purchase_features")
    if len(tx) == 0:
        raise DataValidationError("first_purchase_features: the log holds no purchase (every amount is negative).",
                                  column="amount", suggestion="pass a log with purchases.")
    day = _days(tx["date"])
    ids = tx["customer_id"].to_numpy()
    first_day = pd.Series(day).groupby(ids).transform("min").to_numpy()
    first = tx.loc[day == first_day]  # the first purchase day's rows only
    g = first.groupby("customer_id", sort=True)
    out = pd.DataFrame(index=g.size().index)
    out["first_purchase"] = g["date"].min()
    out["first_day"] = out["first_purchase"].dt.normalize()
    out["first_value"] = g["amount"].sum()
    out["n_lines"] = g.size().astype("int64")
    numeric = ["first_value", "n_lines"]
    categorical: list[str] = []
    if "quantity" in first.columns:
        out["items"] = g["quantity"].sum().astype("float64")
        out["mean_item_price"] = out["first_value"] / out["items"].where(out["items"] > 0)
        out["mean_item_price"] = out["mean_item_price"].fillna(out["first_value"])
        numeric += ["items", "mean_item_price"]
    if product and product in first.columns:
        out["distinct_products"] = g[product].nunique().astype("int64")
        numeric.append("distinct_products")
    if "order_id" in first.columns:
        out["n_orders"] = g["order_id"].nunique().astype("int64")
        numeric.append("n_orders")
    if country and country in first.columns:
        out["country"] = g[country].first().astype("str")
        categorical.append("country")
    ts = out["first_purchase"]
    out["weekday"] = ts.dt.day_of_week.astype("int64")
    categorical.append("weekday")
    if (tx["date"] != tx["date"].dt.normalize()).any():
        out["hour"] = ts.dt.hour.astype("int64")
        categorical.append("hour")
    out["month"] = ts.dt.month.astype("int64")
    categorical.append("month")
    origin = tx["date"].min().normalize() if cohort_start is None else to_date(cohort_start, "cohort_start").normalize()
    out["cohort_week"] = ((out["first_day"] - origin).dt.days // 7).astype("int64")
    numeric.append("cohort_week")
    out.attrs["numeric"] = numeric
    out.attrs["categorical"] = categorical
    return out


def horizon_labels(
    transactions: pd.DataFrame,
    first_day: pd.Series,
    *,
    horizon_days: int,
) -> pd.DataFrame:
    """What each customer did in the ``horizon_days`` after their first purchase day.

    Parameters
    ----------
    transactions : DataFrame
        Validated log. Only rows up to each customer's ``first day + horizon_days`` are
        read; the caller makes sure that day is inside the log.
    first_day : Series
        First purchase day per customer (from :func:`first_purchase_features`).
    horizon_days : int
        Horizon H in days.

    Returns
    -------
    DataFrame
        ``repeat`` (1 if a purchase day falls in ``(first day, first day + H]``),
        ``spend_in_horizon`` (spend in ``[first day, first day + H]``, the first purchase
        included) and ``spend_after_first`` (spend in ``(first day, first day + H]``),
        indexed like ``first_day``.
    """
    func = "horizon_labels"
    tx = _purchases(transactions, func)
    h = int(to_number(horizon_days, "horizon_days", low=1, integer=True, example="90"))
    if not isinstance(first_day, pd.Series) or not pd.api.types.is_datetime64_any_dtype(first_day) \
            or isinstance(first_day.dtype, pd.DatetimeTZDtype) or first_day.isna().any():
        raise DataValidationError(
            f"{func}: first_day must be a Series of naive dates indexed by customer_id, without gaps.",
            suggestion="pass first_purchase_features(transactions)['first_day'].",
        )
    fd = pd.Series(_days(first_day), index=first_day.index)
    rows = tx.loc[tx["customer_id"].isin(fd.index), ["customer_id", "date", "amount"]]
    d = _days(rows["date"])
    f = fd.reindex(rows["customer_id"]).to_numpy()
    inside = (d >= f) & (d <= f + h)
    later_day = inside & (d > f)
    cust = rows["customer_id"].to_numpy()
    repeat = pd.Series(later_day, index=cust).groupby(level=0).any()
    spend = pd.Series(np.where(inside, rows["amount"].to_numpy(), 0.0), index=cust).groupby(level=0).sum()
    after = pd.Series(np.where(later_day, rows["amount"].to_numpy(), 0.0), index=cust).groupby(level=0).sum()
    return pd.DataFrame(
        {
            "repeat": repeat.reindex(fd.index, fill_value=False).astype("int64"),
            "spend_in_horizon": spend.reindex(fd.index, fill_value=0.0),
            "spend_after_first": after.reindex(fd.index, fill_value=0.0),
        },
        index=fd.index,
    )


@dataclass
class LookalikeEvaluation:
    """How the look-alike model does on a later cohort.

    Attributes
    ----------
    auc : float
        ROC AUC on the test cohort (0.5 = random).
    base_rate : float
        Share of positives in the test cohort (the hit rate of picking at random).
    top_decile_lift : float
        Positive rate among the top 10% of scores divided by ``base_rate``.
    lift : DataFrame
        :func:`crmlib.metrics.lift_table` of the test cohort.
    scores : DataFrame
        Per test customer: ``score``, ``label`` and the features.
    n_train, n_test : int
    train_base_rate : float
    dates : dict
        The split (``cohort_start``, ``train_cohort_end``, ``train_end``,
        ``test_cohort_end``, ``observation_end``) and the first and last first-purchase
        day actually in each cohort (``train_first``, ``train_last``, ``test_first``,
        ``test_last``).
    """

    auc: float
    base_rate: float
    top_decile_lift: float
    lift: pd.DataFrame
    scores: pd.DataFrame
    n_train: int
    n_test: int
    train_base_rate: float
    dates: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """The headline figures as a table."""
        d = self.dates
        rows = [
            ("training cohort: first purchases", f"{d['train_first']:%Y-%m-%d} to {d['train_last']:%Y-%m-%d}"),
            ("training data: rows dated up to", f"{d['train_end']:%Y-%m-%d}"),
            ("test cohort: first purchases", f"{d['test_first']:%Y-%m-%d} to {d['test_last']:%Y-%m-%d}"),
            ("outcome observed until", f"{d['observation_end']:%Y-%m-%d}"),
            ("training customers", f"{self.n_train:,}"),
            ("test customers", f"{self.n_test:,}"),
            ("positive rate, training cohort", f"{self.train_base_rate:.1%}"),
            ("positive rate, test cohort (random pick)", f"{self.base_rate:.1%}"),
            ("ROC AUC, test cohort", f"{self.auc:.3f}"),
            ("top-decile lift, test cohort", f"{self.top_decile_lift:.2f}x"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"]).set_index("measure")

    def __str__(self) -> str:
        return (
            f"Look-alike model on {self.n_test:,} later customers: AUC {self.auc:.3f}; the top 10% by score "
            f"are {self.top_decile_lift:.2f}x as likely to be positive as a random pick "
            f"({self.lift['rate'].iloc[0]:.1%} vs {self.base_rate:.1%})."
        )


class LookalikeModel(BaseEstimator):
    """Predict from the first purchase whether a new customer becomes repeat or high-value.

    Parameters
    ----------
    horizon_days : int, default 90
        Horizon H of the outcome, in days after the first purchase day.
    target : {"repeat", "high_value"}, default "repeat"
        ``"repeat"``: a purchase on a later day within H. ``"high_value"``: spend on later
        days within H (the first purchase excluded: it is a feature, not an outcome) at or
        above the training cohort's top-``high_value_share`` threshold, and above zero.
    train_end : date-like, optional
        Split date, inclusive: ``fit`` uses only rows dated up to and including it, and
        the test cohort's first purchases come after it. Default: the date that gives about ``train_share`` of the cohort customers
        to training, judged from the dates of first purchases (see :meth:`split_dates`).
    cohort_start : date-like, optional
        First purchases before this day are not in either cohort (e.g. the first month of
        a log whose "first" purchases may be older customers). Default: the log's start.
    observation_end : date-like, optional
        Last day of history used to observe the test cohort's outcomes, inclusive;
        default the log's last day.
    high_value_share : float, default 0.2
        With ``target="high_value"``: share of the training cohort counted as high-value.
    train_share : float, default 0.6
        With the default ``train_end``: the share of cohort customers used for training.
    features : sequence of str, optional
        Model features among those :func:`first_purchase_features` returns; default all
        available except the calendar-time ones, ``month`` and ``cohort_week``
        (:data:`DEFAULT_EXCLUDED`).
    estimator : scikit-learn classifier, optional
        Default: logistic regression (C = 0.1) on standardised log features and one-hot
        categories (categories seen fewer than 10 times are pooled).
    product, country : str, optional
        Column names passed to :func:`first_purchase_features`.
    random_state : int, default 0
        Random state of the default estimator.
    n_threads : int, optional, default 1
        Threads for the estimator's native code (OpenMP, BLAS). The cohorts are small, so
        one thread is fastest and avoids OpenMP's large slow-down on a busy machine; None
        uses every core.

    Attributes
    ----------
    pipeline_ : sklearn Pipeline
    train_end_, train_cohort_end_, cohort_start_, observation_end_ : Timestamp
    train_features_ : DataFrame
        Features of the training cohort.
    train_labels_ : Series
        Their 0/1 labels.
    value_threshold_ : float or None
        The high-value threshold on spend after the first purchase day within H (from the
        training cohort only).
    features_ : list of str
    """

    def __init__(
        self,
        *,
        horizon_days: int = 90,
        target: Literal["repeat", "high_value"] = "repeat",
        train_end: str | pd.Timestamp | None = None,
        cohort_start: str | pd.Timestamp | None = None,
        observation_end: str | pd.Timestamp | None = None,
        high_value_share: float = 0.2,
        train_share: float = 0.6,
        features: Sequence[str] | None = None,
        estimator: Any = None,
        product: str | None = "StockCode",
        country: str | None = "Country",
        random_state: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.horizon_days = horizon_days
        self.target = target
        self.train_end = train_end
        self.cohort_start = cohort_start
        self.observation_end = observation_end
        self.high_value_share = high_value_share
        self.train_share = train_share
        self.features = features
        self.estimator = estimator
        self.product = product
        self.country = country
        self.random_state = random_state
        self.n_threads = n_threads

    # ------------------------------------------------------------------ the time split

    def split_dates(self, transactions: pd.DataFrame) -> dict[str, pd.Timestamp]:
        """The cohort windows this model uses on ``transactions`` (all dates inclusive days).

        Returns
        -------
        dict
            ``cohort_start`` (first day of the training cohort), ``train_cohort_end``
            (its last first-purchase day: ``train_end - horizon``), ``train_end`` (last
            day of training rows; test first purchases come after it),
            ``test_cohort_end`` (last test first-purchase day whose horizon is observed)
            and ``observation_end``.
        """
        tx = _purchases(transactions, "LookalikeModel.split_dates")
        return self._split_dates(tx)

    def _split_dates(self, tx: pd.DataFrame) -> dict[str, pd.Timestamp]:
        self._check_params()
        h = pd.Timedelta(days=int(self.horizon_days))
        end = (tx["date"].max() if self.observation_end is None
               else to_date(self.observation_end, "observation_end")).normalize()
        start = (tx["date"].min() if self.cohort_start is None
                 else to_date(self.cohort_start, "cohort_start")).normalize()
        test_cohort_end = end - h  # a first purchase on this day has its horizon observed
        if self.train_end is None:
            train_end = self._default_train_end(tx, start, test_cohort_end, h) - _ONE_DAY
        else:
            train_end = to_date(self.train_end, "train_end").normalize()
        dates = {
            "cohort_start": start,
            "train_cohort_end": train_end - h,
            "train_end": train_end,
            "test_cohort_end": test_cohort_end,
            "observation_end": end,
        }
        if not start <= train_end - h:
            raise DataValidationError(
                f"LookalikeModel: no room for a training cohort: first purchases from {start:%Y-%m-%d} must come "
                f"by train_end - horizon = {train_end - h:%Y-%m-%d}.",
                suggestion="choose a later train_end, an earlier cohort_start or a shorter horizon_days.",
            )
        if not train_end < test_cohort_end:
            raise DataValidationError(
                f"LookalikeModel: no room for a test cohort: first purchases after train_end={train_end:%Y-%m-%d} "
                f"need {self.horizon_days} days of follow-up, but observation_end is {end:%Y-%m-%d}.",
                suggestion="choose an earlier train_end or a shorter horizon_days.",
            )
        return dates

    def _default_train_end(
        self, tx: pd.DataFrame, start: pd.Timestamp, test_cohort_end: pd.Timestamp, h: pd.Timedelta
    ) -> pd.Timestamp:
        """The exclusive split bound giving about ``train_share`` of the cohort customers to training.

        Found from the dates of first purchases only (never from outcomes), so a log that
        runs long after acquisition stopped (CDNOW) still gets two usable cohorts.
        """
        first = np.sort(_days(tx.groupby("customer_id")["date"].min()))
        lo, hi = _days(pd.Series([start]))[0], _days(pd.Series([test_cohort_end]))[0]
        cand = np.arange(lo + h.days + 1, hi + 1)
        if cand.size == 0:
            return start + h + pd.Timedelta(days=1)
        n_train = np.searchsorted(first, cand - h.days, side="left") - np.searchsorted(first, lo, side="left")
        n_test = np.searchsorted(first, hi, side="right") - np.searchsorted(first, cand, side="left")
        ratio = self.train_share / (1 - self.train_share)
        best = cand[int(np.argmin(np.abs(n_train - ratio * n_test)))]
        return pd.Timestamp(np.datetime64(int(best), "D"))

    def _check_params(self) -> None:
        # checked at fit time, not in __init__, so clone/set_params keep the scikit-learn contract
        to_number(self.horizon_days, "horizon_days", low=1, integer=True, example="90")
        if self.target not in ("repeat", "high_value"):
            raise DataValidationError(f"LookalikeModel: target={self.target!r} is unknown.",
                                      suggestion="use 'repeat' or 'high_value'.")
        to_number(self.train_share, "train_share", low=0, high=1, low_inclusive=False, high_inclusive=False,
                  example="0.6")
        to_number(self.high_value_share, "high_value_share", low=0, high=1, low_inclusive=False,
                  high_inclusive=False, example="0.2")

    def _features(self, tx: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
        return first_purchase_features(tx, product=self.product, country=self.country, cohort_start=start)

    def _labels(self, tx: pd.DataFrame, feats: pd.DataFrame) -> pd.Series:
        lab = horizon_labels(tx, feats["first_day"], horizon_days=int(self.horizon_days))
        if self.target == "repeat":
            return lab["repeat"].rename("label")
        future = lab["spend_after_first"]
        return ((future >= self.value_threshold_) & (future > 0)).astype("int64").rename("label")

    # ------------------------------------------------------------------------ fitting

    def _pipeline(self, numeric: list[str], categorical: list[str]):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline, make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        # cohort_week may be negative-free but is not skewed; log1p the rest
        logged = [c for c in numeric if c != "cohort_week"]
        parts = []
        if logged:
            parts.append(("log", make_pipeline(
                FunctionTransformer(np.log1p, feature_names_out="one-to-one"), StandardScaler()), logged))
        if "cohort_week" in numeric:
            parts.append(("week", StandardScaler(), ["cohort_week"]))
        if categorical:
            parts.append(("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10,
                                               sparse_output=False), categorical))
        pre = ColumnTransformer(parts, verbose_feature_names_out=False)
        if self.estimator is None:
            est = LogisticRegression(max_iter=2000, C=0.1, random_state=self.random_state)
        else:
            from sklearn.base import clone

            est = clone(self.estimator)
        return Pipeline([("features", pre), ("model", est)])

    def fit(self, transactions: pd.DataFrame) -> LookalikeModel:
        """Fit on the training cohort, using only rows dated up to ``train_end``.

        Parameters
        ----------
        transactions : DataFrame
            Validated log.

        Returns
        -------
        LookalikeModel
            self.
        """
        from threadpoolctl import threadpool_limits

        tx = _purchases(transactions, "LookalikeModel.fit")
        dates = self._split_dates(tx)
        with threadpool_limits(limits=self.n_threads):
            return self._fit(tx, dates)

    def _fit(self, tx: pd.DataFrame, dates: dict[str, pd.Timestamp]) -> LookalikeModel:
        past = tx.loc[tx["date"] < dates["train_end"] + _ONE_DAY]  # everything fit sees
        feats = self._features(past, dates["cohort_start"])
        in_cohort = (feats["first_day"] >= dates["cohort_start"]) & (feats["first_day"] <= dates["train_cohort_end"])
        feats = feats.loc[in_cohort]
        if len(feats) < 20:
            raise DataValidationError(
                f"Only {len(feats)} customers in the training cohort "
                f"({dates['cohort_start']:%Y-%m-%d} to {dates['train_cohort_end']:%Y-%m-%d}).",
                suggestion="choose a later train_end or a shorter horizon_days.",
            )
        available = feats.attrs["numeric"] + feats.attrs["categorical"]
        chosen = [c for c in available if c not in DEFAULT_EXCLUDED] if self.features is None else list(self.features)
        unknown = [c for c in chosen if c not in available]
        if unknown or not chosen:
            raise DataValidationError(
                f"Unknown or unavailable feature(s): {', '.join(map(repr, unknown)) or '(none chosen)'}.",
                suggestion=f"choose among: {', '.join(available)}.",
            )
        self.value_threshold_ = None
        if self.target == "high_value":
            spend = horizon_labels(past, feats["first_day"], horizon_days=int(self.horizon_days))["spend_after_first"]
            self.value_threshold_ = float(spend.quantile(1 - self.high_value_share))
        labels = self._labels(past, feats)
        if labels.nunique() < 2:
            raise DataValidationError(
                f"LookalikeModel.fit: every one of the {len(labels):,} training customers has the same outcome "
                f"({int(labels.iloc[0])}), so a classifier has nothing to learn.",
                column="label",
                suggestion="use a longer horizon_days, another target or a later train_end.",
            )
        numeric = [c for c in chosen if c in feats.attrs["numeric"]]
        categorical = [c for c in chosen if c in feats.attrs["categorical"]]
        self.pipeline_ = self._pipeline(numeric, categorical)
        x = feats[chosen].copy()
        for c in categorical:
            x[c] = x[c].astype("str")
        self.pipeline_.fit(x, labels.to_numpy())
        self.features_ = chosen
        self.train_features_ = feats
        self.train_labels_ = labels
        self.train_end_ = dates["train_end"]
        self.train_cohort_end_ = dates["train_cohort_end"]
        self.cohort_start_ = dates["cohort_start"]
        self.observation_end_ = dates["observation_end"]
        self.dates_ = dates
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(self)

    def predict_proba(self, transactions: pd.DataFrame) -> pd.Series:
        """Probability of the positive outcome for each customer of a log, from their first purchase.

        Takes the same kind of input as :meth:`fit`: a validated log. Each customer is
        described by :func:`first_purchase_features` (their first purchase day only) and
        scored.

        Parameters
        ----------
        transactions : DataFrame or Transactions
            Validated log of the customers to score (e.g. this week's new customers).

        Returns
        -------
        Series
            ``score`` indexed by ``customer_id``.
        """
        self._check_fitted()
        tx = _purchases(transactions, "LookalikeModel.predict_proba")
        return self._score(self._features(tx, self.cohort_start_))

    def _score(self, features: pd.DataFrame) -> pd.Series:
        missing = [c for c in self.features_ if c not in features.columns]
        if missing:
            raise DataValidationError(
                f"LookalikeModel.predict_proba: feature(s) {', '.join(map(repr, missing))} cannot be built from "
                "this log.",
                suggestion="pass a log with the same columns as the one used in fit (e.g. the product and "
                "country columns).",
            )
        x = features[self.features_].copy()
        for c in x.columns:
            if not pd.api.types.is_numeric_dtype(x[c]) or c in _CATEGORICAL:
                x[c] = x[c].astype("str")
        from threadpoolctl import threadpool_limits

        with warnings.catch_warnings(), threadpool_limits(limits=self.n_threads):
            # categories never seen in training (a new country) are encoded as zeros, on purpose
            warnings.filterwarnings("ignore", message="Found unknown categories", category=UserWarning)
            proba = self.pipeline_.predict_proba(x)[:, 1]
        return pd.Series(proba, index=features.index, name="score")

    def evaluate(self, transactions: pd.DataFrame) -> LookalikeEvaluation:
        """Score the later (test) cohort and compare with what they actually did.

        Parameters
        ----------
        transactions : DataFrame
            The full validated log (the test cohort's labels need the rows after
            ``train_end``, up to ``observation_end``).

        Returns
        -------
        LookalikeEvaluation
        """
        from sklearn.metrics import roc_auc_score

        self._check_fitted()
        tx = _purchases(transactions, "LookalikeModel.evaluate")
        d = self.dates_
        tx = tx.loc[tx["date"] < d["observation_end"] + _ONE_DAY]
        feats = self._features(tx, d["cohort_start"])
        test = feats.loc[(feats["first_day"] > d["train_end"]) & (feats["first_day"] <= d["test_cohort_end"])]
        if len(test) < 20:
            raise DataValidationError(
                f"Only {len(test)} customers in the test cohort ({d['train_end']:%Y-%m-%d} to "
                f"{d['test_cohort_end']:%Y-%m-%d}).",
                suggestion="choose an earlier train_end or a shorter horizon_days.",
            )
        labels = self._labels(tx, test)
        if labels.nunique() < 2:
            raise DataValidationError("Every test customer has the same outcome: AUC and lift are undefined.",
                                      suggestion="use a longer horizon_days or another target.")
        scores = self._score(test)
        lift = lift_table(labels.to_numpy(), scores.to_numpy(), n_bins=10)
        table = test.assign(score=scores, label=labels)
        return LookalikeEvaluation(
            auc=float(roc_auc_score(labels.to_numpy(), scores.to_numpy())),
            base_rate=float(labels.mean()),
            top_decile_lift=float(lift["lift"].iloc[0]),
            lift=lift,
            scores=table,
            n_train=len(self.train_labels_),
            n_test=len(test),
            train_base_rate=float(self.train_labels_.mean()),
            dates={
                **d,
                "train_first": self.train_features_["first_day"].min(),
                "train_last": self.train_features_["first_day"].max(),
                "test_first": test["first_day"].min(),
                "test_last": test["first_day"].max(),
            },
        )

    def coefficients(self) -> pd.Series:
        """Coefficients of a linear model by feature (standardised / one-hot units).

        Positive: the feature makes the outcome more likely. Only for linear estimators
        (the default logistic regression).
        """
        self._check_fitted()
        model = self.pipeline_.named_steps["model"]
        if not hasattr(model, "coef_"):
            raise DataValidationError(
                f"{type(model).__name__} has no coefficients.",
                suggestion="use sklearn.inspection.permutation_importance for non-linear models.",
            )
        names = self.pipeline_.named_steps["features"].get_feature_names_out()
        return pd.Series(model.coef_.ravel(), index=names, name="coefficient").sort_values(key=np.abs, ascending=False)
