"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Hardie's
note 025): the value of each transaction is Gamma(p, nu) with nu ~ Gamma(q, gamma) across
customers, independent of how often they buy.

Wraps lifetimes' ``GammaGammaFitter`` and its likelihood. Parameters are named as in
Hardie's note (``p, q, gamma``; lifetimes calls ``gamma`` ``v``).
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd

from crmlib.clv._checks import check_rows
from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import lifetimes_fitters, quiet
from crmlib.clv.base import CLVModel, _user_stacklevel
from crmlib.exceptions import AssumptionWarning, CrmlibWarning, DataValidationError

__all__ = ["GammaGamma"]


class GammaGamma(CLVModel):
    """Gamma-Gamma model of the mean spend per transaction.

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters (added to the mean negative log-likelihood).
    initial_params : sequence of 3 floats, optional
        Start (p, q, gamma); default lifetimes' fixed start.

    Spend has no time axis, so the model takes no ``time_unit``.

    Notes
    -----
    ``fit`` needs ``frequency`` (repeat purchases) and ``monetary_value`` (mean value of
    the repeat purchases), as :func:`crmlib.features.rfm_summary` returns them. Only
    customers with at least one repeat purchase carry information; rows with
    ``frequency == 0`` are left out of the fit (their number is ``n_excluded_``) but get
    predictions (the population mean). The model assumes spend is independent of
    frequency: ``spend_frequency_correlation_`` is the Pearson correlation of
    ``frequency`` and ``monetary_value`` among the repeat buyers, and ``fit`` warns
    (:class:`~crmlib.exceptions.AssumptionWarning`) when its size exceeds
    ``CORRELATION_WARN`` = 0.3, a visible violation (on CDNOW it is 0.11).

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import calibration_holdout_split
    >>> from crmlib.clv import calibration_summary
    >>> split = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...                                   observation_end="1998-06-30", time_unit="W")
    >>> m = GammaGamma().fit(calibration_summary(split))
    >>> m.params_.round(2).to_dict()
    {'p': 6.25, 'q': 3.74, 'gamma': 15.44}
    """

    _param_names = ("p", "q", "gamma")
    _required = ("frequency", "monetary_value")
    _integer = ("frequency",)
    _collapse_on = ("frequency", "monetary_value")

    #: |Pearson r| of frequency and monetary_value above which fit warns.
    CORRELATION_WARN: ClassVar[float] = 0.3

    def __init__(self, penalizer_coef: float = 0.0, initial_params=None) -> None:
        self.penalizer_coef = penalizer_coef
        self.initial_params = initial_params

    @staticmethod
    def _lt():
        return lifetimes_fitters().gamma_gamma_fitter.GammaGammaFitter

    def _check_relations(self, summary, data, index) -> None:
        # A $0 mean repeat spend is a valid observation for the conditional expectation
        # (it only pulls the estimate towards 0); the likelihood, which takes log(m), needs
        # m > 0, so fit() checks that separately.
        check_rows(
            summary,
            (data["frequency"] > 0) & (data["monetary_value"] < 0),
            "{n:,} customers with repeat purchases have a negative monetary_value.",
            column="monetary_value",
            columns=["frequency", "monetary_value"],
            suggestion="monetary_value is the mean value of the repeat purchases and must be "
            "positive; drop returns-only customers or net returns against purchases first.",
        )

    def fit(self, summary: pd.DataFrame) -> GammaGamma:
        """Fit on the customers with at least one repeat purchase.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` per customer (optional ``weights``).

        Returns
        -------
        self
        """
        self._check_hyper_parameters()
        data, weights = self._prepare(summary, "fit")
        keep = data["frequency"] > 0
        if not keep.any():
            raise DataValidationError(
                "No customer has a repeat purchase (frequency > 0); the spend model has nothing to fit.",
                column="frequency",
                suggestion="use a longer calibration window, or a coarser frequency such as freq='D'.",
            )
        check_rows(
            summary,
            keep & (data["monetary_value"] <= 0),
            "{n:,} customers with repeat purchases have a monetary_value of 0 or less; the spend "
            "model's likelihood needs positive spend.",
            column="monetary_value",
            columns=["frequency", "monetary_value"],
            suggestion="fit on summary[summary['monetary_value'] > 0]; expected_spend and clv still "
            "accept customers whose repeat purchases were worth 0.",
        )
        w = np.ones(len(keep)) if weights is None else weights
        self.n_excluded_ = int(round(float(w[~keep].sum())))
        f, m, wk = data["frequency"][keep], data["monetary_value"][keep], w[keep]
        self.spend_frequency_correlation_ = _weighted_corr(f, m, wk)
        rho = self.spend_frequency_correlation_
        if np.isfinite(rho) and abs(rho) > self.CORRELATION_WARN:
            warnings.warn(
                f"GammaGamma: spend and frequency are correlated among the {wk.sum():,.0f} repeat "
                f"buyers (Pearson r = {rho:.2f}, |r| > {self.CORRELATION_WARN}); the model assumes "
                "they are independent, so expected spend (and CLV) will be biased "
                + ("upwards for frequent buyers." if rho > 0 else "downwards for frequent buyers.")
                + " Consider segmenting customers before fitting, or a spend model that depends "
                "on frequency.",
                AssumptionWarning,
                stacklevel=_user_stacklevel(),
            )
        self.time_unit_ = None
        col = collapse({"frequency": f, "monetary_value": m}, wk)
        self._fit_collapsed(col.columns, col.weights)
        self.n_unique_rows_ = col.n_rows
        return self

    def log_likelihood(self, summary: pd.DataFrame) -> float:
        """Log-likelihood of the repeat buyers in ``summary`` at the fitted parameters.

        Rows with ``frequency == 0`` carry no spend information and contribute nothing.
        """
        self._check_fitted()
        data, weights = self._prepare(summary, "log_likelihood")
        keep = data["frequency"] > 0
        w = np.ones(len(keep)) if weights is None else weights
        col = collapse(
            {"frequency": data["frequency"][keep], "monetary_value": data["monetary_value"][keep]},
            w[keep],
        )
        with quiet():
            return float(self._loglik(self.params_.to_numpy(), col.columns, col.weights))

    def _optimize(self, data, weights, x0):
        init = None if x0 is None else np.log(x0)
        f = self._lt()(penalizer_coef=self.penalizer_coef)
        f.fit(data["frequency"], data["monetary_value"], weights=weights, initial_params=init)
        return f.params_[["p", "q", "v"]].to_numpy(dtype=float)

    def _loglik(self, params, data, weights):
        nll = self._lt()._negative_log_likelihood(
            np.log(params), data["frequency"], data["monetary_value"], weights, 0.0
        )
        return -float(nll) * float(weights.sum())

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per transaction in the population, ``gamma * p / (q - 1)``."""
        self._check_fitted()
        p, q, g = self.params_.to_numpy()
        return float(g * p / (q - 1)) if q > 1 else np.inf

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected mean spend per future transaction of each customer.

        A weighted average of the customer's observed mean and the population mean, the
        weight growing with the number of repeat purchases (Hardie's note 025, eq. 5).
        Customers with no repeat purchase get the population mean.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` per customer.

        Returns
        -------
        Series
            Indexed like ``summary``.
        """
        self._check_fitted()
        data, _ = self._prepare(summary, "expected_spend")
        p, q, g = self.params_.to_numpy()
        if q <= 1:
            warnings.warn(
                f"GammaGamma: q = {q:.3g} <= 1, so the population mean spend is infinite and "
                "expected spend is not defined; refit with a penalizer or check for extreme values.",
                CrmlibWarning,
                stacklevel=2,
            )
        f = self._lt()(penalizer_coef=self.penalizer_coef)
        f.params_ = pd.Series({"p": p, "q": q, "v": g})
        with quiet():
            v = f.conditional_expected_average_profit(data["frequency"], data["monetary_value"])
        return pd.Series(np.asarray(v, dtype=float), index=summary.index, name="expected_spend")


def _weighted_corr(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted Pearson correlation (weights count customers); NaN when undefined."""
    if w.sum() <= 2:
        return np.nan
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    vx, vy = np.average((x - mx) ** 2, weights=w), np.average((y - my) ** 2, weights=w)
    if vx <= 0 or vy <= 0:
        return np.nan
    return float(np.average((x - mx) * (y - my), weights=w) / np.sqrt(vx * vy))
