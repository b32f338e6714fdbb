"""BG/NBD and MBG/NBD: "buy till you die" in continuous time, with dropout after a purchase.

* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing
  Science 24(2)): while alive a customer buys at a Poisson rate ``lambda ~ Gamma(r,
  alpha)``; after each repeat purchase she drops out with probability ``p ~ Beta(a, b)``.
* MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same, but a customer may also drop
  out right after the first purchase, so one-time buyers are not certainly alive.

Predictions use lifetimes' formulas. BG/NBD fits with crmlib's own likelihood (lifetimes'
expression, :mod:`crmlib.clv._likelihoods`) and its exact gradient and Hessian: a
trust-region Newton method converges in about ten passes over the data, and the standard
errors come from the exact Hessian. MBG/NBD fits with lifetimes' ``ModifiedBetaGeoFitter``.
crmlib adds validation, collapsing, standard errors and predictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.clv._continuous import ContinuousTimeModel
from crmlib.clv._lifetimes import lifetimes_fitters
from crmlib.clv._likelihoods import bgnbd_data, bgnbd_loglik, newton_fit

__all__ = ["BetaGeo", "ModifiedBetaGeo"]

# BetaGeo's warm start: subsample size (customers) and its seed (fixed: reproducible fits)
_WARM_CUSTOMERS = 50_000
_WARM_SEED = 20_241


class _BetaGeoFamily(ContinuousTimeModel):
    _param_names = ("r", "alpha", "a", "b")

    def _lt_class(self):
        return getattr(getattr(lifetimes_fitters(), self._lifetimes_module), self._lifetimes_class)

    def _optimize(self, data, weights, x0):
        scale = 1.0 / data["T"].max()  # lifetimes fits in time scaled so that max T = 1
        init = None if x0 is None else np.log(x0 * np.array([1.0, scale, 1.0, 1.0]))
        f = self._new_fitter()
        f.fit(data["frequency"], data["recency"], data["T"], weights=weights, initial_params=init)
        return f.params_[list(self._param_names)].to_numpy(dtype=float)

    def _moment_start(self, data, weights):
        # r = 1 and alpha = 1 / (repeat purchases per unit of time): a purchase rate of the
        # data's order; a = 1, b = 3: a dropout chance of 1 in 4 after a purchase
        rate = float(np.sum(weights * data["frequency"]) / max(np.sum(weights * data["T"]), 1e-12))
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 3.0])

    def prob_no_purchase(self, summary: pd.DataFrame, horizon) -> pd.Series:
        """Probability that each customer makes no purchase in the ``horizon`` after
        observation: P(X(T, T + horizon] = 0 | frequency, recency, T).

        A customer still alive at T who makes no purchase cannot drop out (dropout comes
        only right after a purchase), so
        ``P0 = 1 - P(alive) + P(alive) * ((alpha + T) / (alpha + T + h)) ** (r + x)``
        (Fader, Hardie & Lee 2005; the Gamma posterior of the purchase rate).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's unit.
        horizon : str or Timedelta
            Window after observation with its unit (``"90D"``, ``"13W"``, ``"3M"``).

        Returns
        -------
        Series
            Indexed like ``summary``, values in [0, 1].

        Examples
        --------
        >>> m = BetaGeo(time_unit="W")
        >>> m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> round(float(m.prob_no_purchase(one, "39W").iloc[0]), 3)
        0.445
        """
        col, index = self._rows(summary, "prob_no_purchase")
        h = self._duration(horizon, "horizon")
        c = col.columns
        r, alpha = self.params_["r"], self.params_["alpha"]
        pa = self._p_alive_arrays(c["frequency"], c["recency"], c["T"])
        with np.errstate(all="ignore"):
            quiet_stay = ((alpha + c["T"]) / (alpha + c["T"] + h)) ** (r + c["frequency"])
        v = np.clip(1.0 - pa + pa * quiet_stay, 0.0, 1.0)
        return pd.Series(v[col.inverse], index=index, name="prob_no_purchase")

    def _loglik(self, params, data, weights):
        nll = self._lt_class()._negative_log_likelihood(
            np.log(params), data["frequency"], data["recency"], data["T"], weights, 0.0
        )
        return -float(nll) * float(weights.sum())


_STABLE_BETAGEO = None


def _stable_betageo_fitter_class():
    """lifetimes' ``BetaGeoFitter`` with its conditional expectation computed without a log.

    lifetimes takes ``log(hyp2f1(r + x, b + x; a + b + x - 1; z))``; when ``a + b + x - 1 < 0``
    (valid parameters with a + b < 1, for a customer without repeat purchases) that
    hypergeometric value is negative and the log is NaN, although the expectation itself
    is finite (Fader, Hardie & Lee 2005, eq. 10). Here the bracket ``1 - ((alpha + T) /
    (alpha + T + t)) ** (r + x) * hyp2f1(...)`` is evaluated directly.
    """
    global _STABLE_BETAGEO
    if _STABLE_BETAGEO is None:
        from scipy.special import hyp2f1

        base = lifetimes_fitters().beta_geo_fitter.BetaGeoFitter

        class _StableBetaGeoFitter(base):
            def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
                x, t_x, T_ = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
                t = np.asarray(t, dtype=float)
                r, alpha, a, b = self._unload_params("r", "alpha", "a", "b")
                c = a + b + x - 1
                z = t / (alpha + T_ + t)
                bracket = 1.0 - np.exp((r + x) * np.log((alpha + T_) / (alpha + T_ + t))) * hyp2f1(r + x, b + x, c, z)
                first = c / (a - 1)
                odds = np.where(x > 0, a / (b + x - 1) * np.exp((r + x) * np.log((alpha + T_) / (alpha + t_x))), 0.0)
                return first * bracket / (1.0 + odds)

        _STABLE_BETAGEO = _StableBetaGeoFitter
    return _STABLE_BETAGEO


class BetaGeo(_BetaGeoFamily):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Parameters ``r, alpha`` (Gamma purchase rate, ``alpha`` in ``time_unit``) and
    ``a, b`` (Beta dropout probability).

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters (lifetimes' convention: added to the mean negative
        log-likelihood per customer, parameters in lifetimes' internal time scale).
    time_unit : str, float or None, default None
        Unit of ``recency`` and ``T``; None reads ``summary.attrs["time_unit"]`` (see
        :func:`crmlib.conventions.unit_days`). The fitted unit is ``time_unit_``.
    initial_params : sequence of 4 floats, optional
        A start (r, alpha, a, b) tried first; default lifetimes' fixed start.
    n_starts : int, default 1
        Starting points; more (e.g. 4) guard against a local optimum at the cost of one
        fit each (see :class:`~crmlib.clv._continuous.ContinuousTimeModel`).
    random_state : int, Generator or None, default 0
        Seed of the spread starting points.

    Notes
    -----
    ``fit`` needs ``frequency``, ``recency`` and ``T``. See :class:`CLVModel` for the
    fitted attributes. Reference: Hardie's note 004 (the likelihood) and 021 (P(alive)).
    Time arguments: ``horizon`` is a duration with its unit (``"39W"``); ``t`` is in
    ``time_unit_`` units (see :mod:`crmlib.clv.base`).

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import calibration_holdout_split
    >>> from crmlib.clv import calibration_summary
    >>> split = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...                                   observation_end="1998-06-30", time_unit="W")
    >>> m = BetaGeo().fit(calibration_summary(split))
    >>> m.params_.round(3).to_dict()
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    _lifetimes_module = "beta_geo_fitter"
    _lifetimes_class = "BetaGeoFitter"

    def _new_fitter(self):
        return _stable_betageo_fitter_class()(penalizer_coef=self.penalizer_coef)

    # Fitting: crmlib's own likelihood (crmlib.clv._likelihoods, lifetimes' expression term
    # for term) with its exact gradient and Hessian, maximised by a trust-region Newton
    # method; lifetimes' BFGS on autograd needed 20-30 passes over every row.

    def _optimize(self, data, weights, x0):
        d = bgnbd_data(data["frequency"], data["recency"], data["T"], weights)
        scale = 1.0 / float(data["T"].max())
        if x0 is None:  # lifetimes' default start: 0.1 for every log-parameter, time scaled
            x0 = np.exp(np.full(4, 0.1)) / np.array([1.0, scale, 1.0, 1.0])
        # penalty as lifetimes': penalizer_coef * sum(params ** 2) on the mean negative
        # log-likelihood, alpha in lifetimes' scaled time
        pen_scale = np.array([1.0, scale, 1.0, 1.0]) ** 2
        pen = float(self.penalizer_coef)
        w = np.asarray(weights, dtype=float)
        if d.n > 2 * _WARM_CUSTOMERS and np.array_equal(w, np.round(w)):
            # warm start: most Newton iterations on a fixed random subsample of customers
            # (binomial thinning of the weights), the last few on all the data; the
            # optimum is all the data's (the final stop is on its gradient)
            rng = np.random.default_rng(_WARM_SEED)
            w_sub = rng.binomial(w.astype(np.int64), _WARM_CUSTOMERS / d.n).astype(float)
            keep = w_sub > 0
            if (data["frequency"][keep] > 0).any():
                sub = bgnbd_data(
                    data["frequency"][keep], data["recency"][keep], data["T"][keep], w_sub[keep]
                )
                try:
                    x0 = newton_fit(
                        lambda p, order: bgnbd_loglik(p, sub, order),
                        x0,
                        n=sub.n,
                        penalizer=pen,
                        pen_scale=pen_scale,
                        gtol=1e-6,
                    )
                except RuntimeError:
                    pass  # start from x0 on all the data instead
        return newton_fit(
            lambda p, order: bgnbd_loglik(p, d, order),
            x0,
            n=d.n,
            penalizer=pen,
            pen_scale=pen_scale,
        )

    def _loglik(self, params, data, weights):
        d = bgnbd_data(data["frequency"], data["recency"], data["T"], weights)
        return bgnbd_loglik(params, d)

    def _loglik_derivatives(self, params, data, weights):
        d = bgnbd_data(data["frequency"], data["recency"], data["T"], weights)
        return bgnbd_loglik(params, d, 2)

    # ------------------------------------------------------------------ value

    def dert(self, summary: pd.DataFrame, *, continuous_rate_per_year: float) -> pd.Series:
        """Discounted expected residual transactions (DERT) of each customer, by numerical
        integration.

        A customer alive at T with purchase rate lambda and dropout probability p makes
        her k-th future purchase at a Gamma(k, lambda) time, and only if she survived the
        k - 1 purchases before it, so her discounted future purchases add up to
        ``sum_k (1 - p)^(k-1) (lambda / (lambda + delta))^k = lambda / (delta + p lambda)``.
        Given her history and that she is alive, lambda ~ Gamma(r + x, alpha + T) and,
        independently, p ~ Beta(a, b + x). Averaging over p in closed form,
        ``E[lambda / (delta + p lambda)] = (lambda / delta) 2F1(1, a; a + b + x; -lambda / delta)``;
        the average over lambda is a 200-point Gauss-Legendre quadrature on the Gamma's
        quantiles. ``DERT = P(alive) * that average``. There is no closed form for BG/NBD
        (Fader, Hardie & Lee 2005 give one for Pareto/NBD only).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.
        continuous_rate_per_year : float
            Continuously compounded discount rate per YEAR (> 0): a purchase t years ahead
            counts ``exp(-rate * t)``; an effective yearly rate d is ``log(1 + d)``.
            Converted to the model's time unit as ``rate * (days per unit) / 365.25``.

        Returns
        -------
        Series
            Indexed like ``summary``, in purchases.

        Examples
        --------
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
        >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> d = m.dert(one, continuous_rate_per_year=0.0953).iloc[0]
        >>> bool(m.expected_purchases(one, "39W").iloc[0] < d)
        True
        """
        from scipy.special import gammaincinv, hyp2f1

        from crmlib.clv._continuous import _checked

        col, index = self._rows(summary, "dert")
        delta = self._dert_discount(continuous_rate_per_year)
        c = col.columns
        r, alpha, a, b = self.params_.to_numpy()
        x, T = c["frequency"], c["T"]
        pa = self._p_alive_arrays(x, c["recency"], T)
        nodes, weights = np.polynomial.legendre.leggauss(200)
        u, w = 0.5 * (nodes + 1.0), 0.5 * weights
        with np.errstate(all="ignore"):
            lam = gammaincinv((r + x)[:, None], u[None, :]) / (alpha + T)[:, None]
            z = lam / delta
            g = z * hyp2f1(1.0, a, (a + b + x)[:, None], -z)
            v = pa * (g * w[None, :]).sum(axis=1)
        v = _checked(v, "BetaGeo.dert")
        return pd.Series(v[col.inverse], index=index, name="dert")


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout possible
    right after the first purchase.

    Same parameters, hyper-parameters and methods as :class:`BetaGeo`.

    Parameters
    ----------
    penalizer_coef : float, default 0
    time_unit : str, float or None, default None
    initial_params : sequence of 4 floats, optional
    n_starts : int, default 1
    random_state : int, Generator or None, default 0
    """

    _lifetimes_module = "modified_beta_geo_fitter"
    _lifetimes_class = "ModifiedBetaGeoFitter"
