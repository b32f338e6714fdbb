"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchasing with a Gamma
rate, and an exponential lifetime with a Gamma dropout rate.

Wraps lifetimes' ``ParetoNBDFitter`` and its likelihood (Hardie's note 009). Fixes:
the fit starts from reproducible points (lifetimes draws its start from
``np.random.normal``, so repeated fits differed by up to 3e-3), and from several of
them (``n_starts``): on long histories lifetimes' single Nelder-Mead start can stop
thousands of log-likelihood units short of the maximum, with only a non-positive-definite
Hessian to show for it. Standard errors come from crmlib's numerical Hessian (lifetimes'
``summary`` fails for this model). Customers whose last purchase falls on the last day
no longer get a NaN likelihood (see :func:`_stable_fitter_class`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from crmlib.clv._continuous import ContinuousTimeModel
from crmlib.clv._lifetimes import lifetimes_fitters, quiet
from crmlib.conventions import to_number

__all__ = ["ParetoNBD"]

# Gauss-Legendre nodes for the lifetime integral in `probability_of_purchases`
_GL_X, _GL_W = np.polynomial.legendre.leggauss(200)

_STABLE_FITTER = None


def _stable_fitter_class():
    """lifetimes' ``ParetoNBDFitter`` with one numerical fix in its likelihood.

    ``A_0`` (Hardie's note 009, eq. 19-20) is a difference of two terms that are equal when
    the last purchase falls at the end of observation (recency == T): A_0 is then exactly
    0. lifetimes computes its log with a signed ``logsumexp``, and at high frequency the
    rounding can make the difference negative: the log-likelihood, P(alive) and expected
    purchases of such a customer become NaN (on the CDNOW master: one customer with 170
    repeat purchases, whose NaN derailed the whole Pareto/NBD fit). Here ``log A_0`` is
    -inf wherever recency == T, its exact value; everything else is lifetimes' code. The
    two static methods below repeat lifetimes' expressions only because lifetimes calls
    ``ParetoNBDFitter._log_A_0`` by class name.
    """
    global _STABLE_FITTER
    if _STABLE_FITTER is not None:
        return _STABLE_FITTER
    base = lifetimes_fitters().pareto_nbd_fitter.ParetoNBDFitter

    class StableParetoNBDFitter(base):
        @staticmethod
        def _log_A_0(params, freq, recency, age):
            with np.errstate(invalid="ignore", divide="ignore"):
                out = base._log_A_0(params, freq, recency, age)
            at_end = np.asarray(recency) >= np.asarray(age)
            return np.where(at_end, -np.inf, out)

        @staticmethod
        def _conditional_log_likelihood(params, freq, rec, T):
            r, alpha, s, beta = params
            x = freq
            r_s_x = r + s + x
            A_1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            log_A_0 = StableParetoNBDFitter._log_A_0(params, x, rec, T)
            A_2 = np.logaddexp(
                -(r + x) * np.log(alpha + T) - s * np.log(beta + T),
                np.log(s) + log_A_0 - np.log(r_s_x),
            )
            return A_1 + A_2

        @staticmethod
        def _negative_log_likelihood(params, freq, rec, T, weights, penalizer_coef):
            if np.any(np.asarray(params) <= 0.0):
                return np.inf
            ll = StableParetoNBDFitter._conditional_log_likelihood(params, freq, rec, T)
            penalizer_term = penalizer_coef * np.sum(np.asarray(params) ** 2)
            return -(weights * ll).sum() / weights.mean() + penalizer_term

    _STABLE_FITTER = StableParetoNBDFitter
    return _STABLE_FITTER


class ParetoNBD(ContinuousTimeModel):
    """Pareto/NBD model of repeat purchasing.

    Parameters ``r, alpha`` (Gamma purchase rate) and ``s, beta`` (Gamma dropout rate);
    ``alpha`` and ``beta`` are in ``time_unit``.

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters, added to the mean negative log-likelihood per
        customer as for the other models (lifetimes' Pareto fitter adds it to the *total*;
        crmlib rescales it so a penalty means the same for every model and any collapsing).
    time_unit : str, float or None, default None
        Unit of ``recency`` and ``T``; None reads ``summary.attrs["time_unit"]``.
    initial_params : sequence of 4 floats, optional
        A start (r, alpha, s, beta) tried first. Default first start: r = s = 1 and
        alpha = beta = the largest T, the mean of lifetimes' random start, fixed.
    n_starts : int, default 4
        Starting points: the first start, one from the data's moments and spread points
        drawn with ``random_state``; the best is kept (``start_log_likelihoods_``). One
        start can stop thousands of log-likelihood units short on long histories.
    random_state : int, Generator or None, default 0
        Seed of the spread starting points.
    maxiter : int, default 2000
        Nelder-Mead iterations allowed per start.

    Notes
    -----
    ``fit`` needs ``frequency``, ``recency`` and ``T``. The likelihood is flat along a
    ridge, so estimates carry wide intervals; compare models by log-likelihood and holdout.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import calibration_holdout_split
    >>> from crmlib.clv import calibration_summary
    >>> split = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...                                   observation_end="1998-06-30", time_unit="W")
    >>> m = ParetoNBD().fit(calibration_summary(split))
    >>> m.params_.round(2).to_dict()
    {'r': 0.55, 'alpha': 10.58, 's': 0.61, 'beta': 11.67}
    """

    _param_names = ("r", "alpha", "s", "beta")
    _lifetimes_module = "pareto_nbd_fitter"
    _lifetimes_class = "ParetoNBDFitter"

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        time_unit: str | float | None = None,
        initial_params=None,
        n_starts: int = 4,
        random_state=0,
        maxiter: int = 2000,
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.time_unit = time_unit
        self.initial_params = initial_params
        self.n_starts = n_starts
        self.random_state = random_state
        self.maxiter = maxiter

    def _new_fitter(self):
        return _stable_fitter_class()(penalizer_coef=self.penalizer_coef)

    def _moment_start(self, data, weights):
        # r = s = 1; alpha = 1 / (repeat purchases per unit of time); beta = the mean age
        w = weights
        rate = float(np.sum(w * data["frequency"]) / max(np.sum(w * data["T"]), 1e-12))
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, float(np.sum(w * data["T"]) / np.sum(w))])

    def _optimize(self, data, weights, x0):
        scale = 1.0 / data["T"].max()
        unscale = np.array([1.0, scale, 1.0, scale])
        x0 = np.ones(4) if x0 is None else x0 * unscale
        f = _stable_fitter_class()(
            penalizer_coef=self.penalizer_coef * len(weights)
        )  # see the class docstring
        f.fit(
            data["frequency"],
            data["recency"],
            data["T"],
            weights=weights,
            initial_params=x0,
            maxiter=self.maxiter,
        )
        return f.params_[list(self._param_names)].to_numpy(dtype=float)

    def _loglik(self, params, data, weights):
        ll = _stable_fitter_class()._conditional_log_likelihood(
            params, data["frequency"], data["recency"], data["T"]
        )
        return float(np.sum(weights * ll))

    def probability_of_purchases(self, t: float, max_n: int = 10) -> np.ndarray:
        """P(X(t) = n) for n = 0 .. max_n - 1: repeat purchases of a new customer by time t.

        lifetimes has no unconditional version for this model. Given the lifetime tau,
        purchases up to ``u = min(tau, t)`` are NBD(r, alpha) over ``u``; tau is Pareto
        (Lomax) with survival ``(beta / (beta + u)) ** s``. So
        ``P(n) = S(t) NBD(n; t) + integral_0^t NBD(n; u) f(u) du``, computed with
        200-point Gauss-Legendre quadrature.

        Parameters
        ----------
        t : float or duration
            Time since the first purchase, in ``time_unit_`` (or a duration with its unit).
        max_n : int, default 10

        Returns
        -------
        ndarray of shape (max_n,)
        """
        self._check_fitted()
        r, alpha, s, beta = self.params_.to_numpy()
        t = self._duration(t, "t", model_units=True)
        max_n = int(to_number(max_n, "max_n", low=1, integer=True, example="10"))
        if t <= 0:
            return (np.arange(max_n) == 0).astype(float)
        n = np.arange(max_n)[:, None]
        u = 0.5 * t * (_GL_X + 1.0)  # nodes mapped to [0, t]
        w = 0.5 * t * _GL_W

        def log_nbd(uu):
            uu = np.asarray(uu, dtype=float)
            with np.errstate(divide="ignore"):
                return (
                    gammaln(r + n)
                    - gammaln(r)
                    - gammaln(n + 1)
                    + r * np.log(alpha / (alpha + uu))
                    + n * np.log(uu / (alpha + uu))
                )

        density = s * beta**s / (beta + u) ** (s + 1)
        with quiet():
            integral = (np.exp(log_nbd(u)) * density * w).sum(axis=1)
            survive = (beta / (beta + t)) ** s * np.exp(log_nbd(np.array([t])))[:, 0]
        return survive + integral
