"""BG/BB (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time
noncontractual setting", Marketing Science 29(6)): at each of a fixed number of
transaction opportunities an alive customer buys with probability ``p ~ Beta(alpha,
beta)`` and then drops out with probability ``theta ~ Beta(gamma, delta)``.

Wraps lifetimes' ``BetaGeoBetaBinomFitter`` and its likelihood.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.clv._checks import check_rows
from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import lifetimes_fitters, quiet
from crmlib.clv.base import CLVModel
from crmlib.conventions import to_number

__all__ = ["BetaGeoBetaBinom"]

_HINT = (
    "give one row per customer (or per pattern, with 'weights') with frequency (periods with a "
    "purchase), recency (the last such period, 0 if none) and n_periods (opportunities); "
    "lifetimes' donations.csv calls the last one 'periods': rename it to 'n_periods'."
)


class BetaGeoBetaBinom(CLVModel):
    """BG/BB model for discrete transaction opportunities (yearly donations, annual events).

    Parameters ``alpha, beta`` (Beta purchase probability) and ``gamma, delta`` (Beta
    dropout probability).

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters (added to the mean negative log-likelihood).
    time_unit : str, float or None, default None
        Length of one transaction opportunity, for labels only (the model counts
        opportunities); None reads ``summary.attrs["time_unit"]`` if present.
    initial_params : sequence of 4 floats, optional
        Start (alpha, beta, gamma, delta); default lifetimes' fixed start.

    Notes
    -----
    ``fit`` needs ``frequency``, ``recency`` and ``n_periods`` (whole numbers, with
    ``frequency <= recency <= n_periods``) and an optional ``weights`` column.

    Examples
    --------
    >>> import importlib.resources
    >>> path = importlib.resources.files("lifetimes") / "datasets" / "donations.csv"
    >>> d = pd.read_csv(path).rename(columns={"periods": "n_periods"})
    >>> m = BetaGeoBetaBinom().fit(d)
    >>> m.params_.round(3).to_dict()
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _required = ("frequency", "recency", "n_periods")
    _integer = ("frequency", "recency", "n_periods")
    _collapse_on = ("frequency", "recency", "n_periods")

    def __init__(
        self, penalizer_coef: float = 0.0, time_unit: str | float | None = None, initial_params=None
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.time_unit = time_unit
        self.initial_params = initial_params

    @staticmethod
    def _lt():
        return lifetimes_fitters().beta_geo_beta_binom_fitter.BetaGeoBetaBinomFitter

    def _check_kwargs(self):
        return {"suggestion": _HINT}

    def _check_relations(self, summary, data, index) -> None:
        cols = [c for c in ("frequency", "recency", "n_periods", "weights") if c in summary.columns]
        check_rows(
            summary,
            data["frequency"] > data["recency"],
            "frequency is greater than recency in {n:,} rows.",
            column="frequency",
            columns=cols,
            suggestion="recency is the number of the last period with a purchase, so it is at least "
            "the number of periods with a purchase. " + _HINT,
        )
        check_rows(
            summary,
            data["recency"] > data["n_periods"],
            "recency is greater than n_periods in {n:,} rows.",
            column="recency",
            columns=cols,
            suggestion=_HINT,
        )

    def _optimize(self, data, weights, x0):
        init = None if x0 is None else np.log(x0)
        f = self._lt()(penalizer_coef=self.penalizer_coef)
        f.fit(
            data["frequency"].astype(int),
            data["recency"].astype(int),
            data["n_periods"].astype(int),
            weights=weights,
            initial_params=init,
        )
        return f.params_[list(self._param_names)].to_numpy(dtype=float)

    def _loglik(self, params, data, weights):
        ll = self._lt()._loglikelihood(
            params,
            data["frequency"].astype(int),
            data["recency"].astype(int),
            data["n_periods"].astype(int),
        )
        return float(np.sum(weights * ll))

    def _fitter(self):
        self._check_fitted()
        f = self._lt()(penalizer_coef=self.penalizer_coef)
        f.params_ = self.params_.copy()
        return f

    def _rows(self, summary, method):
        self._check_fitted()
        data, _ = self._prepare(summary, method)
        col = collapse({k: data[k].astype(int) for k in self._collapse_on})
        return col, summary.index

    def expected_purchases(self, summary: pd.DataFrame, horizon_periods: int) -> pd.Series:
        """Expected purchases of each customer in the next ``horizon_periods`` opportunities.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``n_periods`` per customer.
        horizon_periods : int
            Number of future transaction opportunities (a whole number >= 0).

        Returns
        -------
        Series
        """
        col, index = self._rows(summary, "expected_purchases")
        h = _whole(horizon_periods, "horizon_periods")
        c = col.columns
        with quiet():
            v = self._fitter().conditional_expected_number_of_purchases_up_to_time(
                h, c["frequency"], c["recency"], c["n_periods"]
            )
        return pd.Series(
            np.asarray(v, dtype=float)[col.inverse], index=index, name="expected_purchases"
        )

    def p_alive(self, summary: pd.DataFrame, horizon_periods: int = 0) -> pd.Series:
        """Probability that each customer is alive ``horizon_periods`` opportunities after
        the last one.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``n_periods`` per customer.
        horizon_periods : int, default 0
            0 gives P(alive) at the last observed opportunity.

        Returns
        -------
        Series
        """
        col, index = self._rows(summary, "p_alive")
        h = _whole(horizon_periods, "horizon_periods")
        c = col.columns
        with quiet():
            v = self._fitter().conditional_probability_alive(
                h, c["frequency"], c["recency"], c["n_periods"]
            )
        return pd.Series(
            np.clip(np.asarray(v, dtype=float), 0, 1)[col.inverse], index=index, name="p_alive"
        )

    def probability_of_purchases(self, n_periods: int) -> pd.Series:
        """P(X(n) = x), x = 0..n: purchases of a new customer in the first ``n_periods``.

        Fader, Hardie & Shang (2010), eq. (7), as lifetimes computes it.

        Parameters
        ----------
        n_periods : int

        Returns
        -------
        Series
            Indexed by the number of purchases x.
        """
        f = self._fitter()
        n = _whole(n_periods, "n_periods")
        f.data = pd.DataFrame(
            {"frequency": np.arange(n + 1), "weights": np.full(n + 1, 1.0 / (n + 1))}
        )
        with quiet():
            out = f.expected_number_of_transactions_in_first_n_periods(n)["model"]
        return out.rename("probability")


def _whole(value, name: str) -> int:
    """A count of transaction opportunities: a whole number, 0 to 1,000."""
    return int(to_number(value, name, low=0, high=1000, integer=True, example="5"))
