"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchasing with a Gamma
rate, and an exponential lifetime with a Gamma dropout rate.

The likelihood is lifetimes' ``ParetoNBDFitter`` expression (Hardie's note 009),
evaluated by :func:`crmlib.clv._likelihoods.pareto_loglik` with ``hyp2f1`` once per
distinct (frequency, time) pair; lifetimes' fitter is still used for predictions. Fixes
over lifetimes' fit: it starts from reproducible points (lifetimes draws its start from
``np.random.normal``, so repeated fits differed by up to 3e-3), and from several of
them (``n_starts``): on long histories lifetimes' single Nelder-Mead start can stop
thousands of log-likelihood units short of the maximum, with only a non-positive-definite
Hessian to show for it. Each start runs BFGS on central-difference gradients (tens of
iterations where Nelder-Mead needed hundreds to thousands). With more than 10,000
customers every start is first screened on a fixed random subsample of about 5,000
customers, then polished on all the data; starts whose screens end at the same point
(within 0.1% on every parameter) share that point's polish, since polishing it again would
repeat the same run. ``start_log_likelihoods_`` are always full-data log-likelihoods.
Standard errors come from crmlib's numerical Hessian (lifetimes' ``summary`` fails for
this model). Customers whose last purchase falls on the last day no longer get a NaN
likelihood (see :func:`_stable_fitter_class`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from crmlib.clv._continuous import ContinuousTimeModel
from crmlib.clv._lifetimes import lifetimes_fitters, quiet
from crmlib.clv._likelihoods import bfgs_fit, pareto_data, pareto_loglik
from crmlib.conventions import to_number

__all__ = ["ParetoNBD"]

# Gauss-Legendre nodes for the lifetime integral in `probability_of_purchases`
_GL_X, _GL_W = np.polynomial.legendre.leggauss(200)

_STABLE_FITTER = None
# start screening: subsample size and its seed (fixed, so fits are reproducible)
_SCREEN_CUSTOMERS = 5_000
_SCREEN_SEED = 20_240
#: Screened optima closer than this in every log-parameter share one polish on all the data.
_SAME_SCREEN = 1e-3


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
        BFGS iterations allowed per start (and per screening run).

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

    # Fitting: crmlib's own likelihood (crmlib.clv._likelihoods: lifetimes' expression with
    # hyp2f1 once per distinct (frequency, time) pair) maximised by BFGS on central-difference
    # gradients. With many customers every start is first run on a random subsample of
    # about _SCREEN_CUSTOMERS customers, then polished on all the data from where it
    # stopped (starts whose screens end at one point share its polish), so
    # start_log_likelihoods_ are full-data optima.

    def _objective(self, d, t_max):
        scale = 1.0 / t_max
        pen_scale = np.array([1.0, scale, 1.0, scale]) ** 2
        pen = float(self.penalizer_coef)

        def objective(theta):
            p = np.exp(theta)
            # lifetimes' penalty: on the mean negative log-likelihood, time scaled
            return -pareto_loglik(p, d) / d.n + pen * float(np.sum(pen_scale * p**2))

        return objective

    def _first_start(self, data):
        # lifetimes' start scaled back: r = s = 1, alpha = beta = the largest T
        t_max = float(data["T"].max())
        return np.array([1.0, t_max, 1.0, t_max])

    def _optimize(self, data, weights, x0):
        return self._optimize_starts(data, weights, [("start", x0)])[0]

    def _optimize_starts(self, data, weights, starts):
        d = pareto_data(data["frequency"], data["recency"], data["T"], weights)
        t_max = float(data["T"].max())
        full = self._objective(d, t_max)
        thetas = [np.log(self._first_start(data) if x0 is None else np.asarray(x0, float)) for _, x0 in starts]
        w = np.asarray(weights, dtype=float)
        sub = None
        if d.n > 2 * _SCREEN_CUSTOMERS and np.array_equal(w, np.round(w)):
            # a customer subsample (binomial thinning of the weights), fixed seed
            rng = np.random.default_rng(_SCREEN_SEED)
            w_sub = rng.binomial(w.astype(np.int64), _SCREEN_CUSTOMERS / d.n).astype(float)
            keep = w_sub > 0
            if (data["frequency"][keep] > 0).any():
                sub = pareto_data(
                    data["frequency"][keep], data["recency"][keep], data["T"][keep], w_sub[keep]
                )
        out: list = []
        maxiter = int(self.maxiter)
        polished: list[tuple[np.ndarray, np.ndarray]] = []  # (screened point, polished point)
        for theta in thetas:
            try:
                hess_inv = None
                screened = False
                if sub is not None:
                    # rough steps on forward differences (half the evaluations), then
                    # central differences to a tight stop, so starts in one basin end at
                    # one point
                    sub_objective = self._objective(sub, t_max)
                    screen = bfgs_fit(
                        sub_objective, theta, gtol=1e-4, maxiter=maxiter, step=1e-6, central=False
                    )
                    if np.all(np.isfinite(screen.x)) and np.isfinite(screen.fun):
                        screen = bfgs_fit(
                            sub_objective,
                            screen.x,
                            gtol=1e-6,
                            maxiter=maxiter,
                            hess_inv0=screen.hess_inv,
                        )
                    if np.all(np.isfinite(screen.x)) and np.isfinite(screen.fun):
                        theta, hess_inv, screened = screen.x, screen.hess_inv, True
                # a start whose screen ended where an earlier one's did (within 0.1% on every
                # parameter) is in the same basin: polishing that point again would repeat
                # the same deterministic run, so it shares the earlier polished optimum
                same = next(
                    (
                        done
                        for start, done in polished
                        if screened and np.max(np.abs(start - theta)) < _SAME_SCREEN
                    ),
                    None,
                )
                if same is not None:
                    out.append(np.exp(same))
                    continue
                res = bfgs_fit(full, theta, gtol=1e-7, maxiter=maxiter, hess_inv0=hess_inv)
                if not np.isfinite(res.fun):
                    raise RuntimeError(f"stopped at a non-finite likelihood: {res.message}")
                if screened:
                    polished.append((theta, res.x))
                out.append(np.exp(res.x))
            except Exception as exc:  # judged per start by _run_starts
                out.append(exc)
        return out

    def _loglik(self, params, data, weights):
        d = pareto_data(data["frequency"], data["recency"], data["T"], weights)
        return pareto_loglik(params, d)

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

    # ------------------------------------------------------------------ given a history

    def prob_n_purchases(self, summary, horizon, max_n: int = 10):
        """P(n purchases in the ``horizon`` after observation | frequency, recency, T), for
        n = 0 .. max_n - 1.

        A customer still alive at T has, given her history, a purchase rate
        ``lambda ~ Gamma(r + x, alpha + T)`` and, independently, a dropout rate
        ``mu ~ Gamma(s, beta + T)``; a lifetime is memoryless, so her purchases in the next
        t are those of a new Pareto/NBD customer with these updated parameters. Hence
        ``P(n) = (1 - P(alive)) [n = 0] + P(alive) P_new(n; t | r + x, alpha + T, s, beta + T)``,
        where ``P_new(n) = S(t) NBD(n; t) + integral_0^t NBD(n; u) f(u) du`` over the
        lifetime's density f and survival S (200-point Gauss-Legendre quadrature). The mean
        over n equals :meth:`expected_purchases`.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's unit.
        horizon : str or Timedelta
            The window after observation, with its unit (``"39W"``, ``"3M"``).
        max_n : int, default 10
            Number of counts (columns) returned; the probabilities of larger counts are
            ``1 - row sum``.

        Returns
        -------
        DataFrame
            Indexed like ``summary``, columns ``0 .. max_n - 1`` (named ``n``).

        Examples
        --------
        >>> import pandas as pd
        >>> m = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669, time_unit="W")
        >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> p = m.prob_n_purchases(one, "39W", max_n=60)
        >>> round(float(p.to_numpy().sum()), 6)
        1.0
        >>> bool(abs((p.to_numpy() * range(60)).sum() - m.expected_purchases(one, "39W").iloc[0]) < 1e-6)
        True
        """
        import pandas as pd

        col, index = self._rows(summary, "prob_n_purchases")
        t = self._duration(horizon, "horizon")
        max_n = int(to_number(max_n, "max_n", low=1, high=10_000, integer=True, example="10"))
        c = col.columns
        r, alpha, s, beta = self.params_.to_numpy()
        x, T = c["frequency"], c["T"]
        pa = self._p_alive_arrays(x, c["recency"], T)
        rr = (r + x)[:, None, None]
        aa = (alpha + T)[:, None, None]
        bb = (beta + T)[:, None, None]
        n = np.arange(max_n)[None, None, :]
        u = (0.5 * t * (_GL_X + 1.0))[None, :, None]  # horizon is > 0 (see _duration)
        w = (0.5 * t * _GL_W)[None, :, None]
        head = gammaln(rr + n) - gammaln(rr) - gammaln(n + 1.0)

        def nbd(uu):
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.exp(
                    head + rr * (np.log(aa) - np.log(aa + uu)) + n * (np.log(uu) - np.log(aa + uu))
                )

        with np.errstate(all="ignore"):
            density = s * np.exp(s * np.log(bb) - (s + 1.0) * np.log(bb + u))
            integral = (np.nan_to_num(nbd(u)) * density * w).sum(axis=1)
            survive = np.exp(s * (np.log(bb) - np.log(bb + t)))[:, 0, :] * nbd(np.array(t))[:, 0, :]
        out = pa[:, None] * (integral + survive)
        out[:, 0] += 1.0 - pa
        frame = pd.DataFrame(out[col.inverse], index=index, columns=pd.RangeIndex(max_n, name="n"))
        return frame

    def prob_no_purchase(self, summary, horizon):
        """Probability that each customer makes no purchase in the ``horizon`` after
        observation (column 0 of :meth:`prob_n_purchases`; BG/NBD's method of the same name).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.
        horizon : str or Timedelta
            Window with its unit.

        Returns
        -------
        Series
            Indexed like ``summary``, values in [0, 1].
        """
        p = self.prob_n_purchases(summary, horizon, max_n=1)[0]
        return p.clip(0.0, 1.0).rename("prob_no_purchase")

    def dert(self, summary, *, continuous_rate_per_year: float):
        """Discounted expected residual transactions (DERT) of each customer.

        The expected number of all her future purchases, each discounted continuously to
        the end of observation: ``E[integral_T^inf exp(-delta (t - T)) dX(t)]``. Closed form
        (Fader, Hardie & Lee 2005, "RFM and CLV", Journal of Marketing Research 42(4), eq. 2):
        ``alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta (beta+T)) /
        (Gamma(r) (alpha+T)^(r+x+1) L(r, alpha, s, beta | x, t_x, T))``, with U the confluent
        hypergeometric function of the second kind and L the customer's likelihood. Times
        ``margin * expected spend`` it is the customer's residual lifetime value, without a
        horizon.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.
        continuous_rate_per_year : float
            Continuously compounded discount rate per YEAR (force of interest, > 0): a
            purchase t years ahead counts ``exp(-rate * t)``. An effective yearly rate d
            is ``log(1 + d)`` (10% a year: 0.0953). Converted here to the model's time
            unit: ``delta = rate * (days per time unit) / 365.25``.

        Returns
        -------
        Series
            Indexed like ``summary``, in purchases.

        Examples
        --------
        >>> import pandas as pd
        >>> m = ParetoNBD.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669, time_unit="W")
        >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> d = m.dert(one, continuous_rate_per_year=0.0953).iloc[0]
        >>> bool(m.expected_purchases(one, "39W").iloc[0] < d)
        True
        """
        import pandas as pd
        from scipy.special import hyperu

        col, index = self._rows(summary, "dert")
        delta = self._dert_discount(continuous_rate_per_year)
        c = col.columns
        r, alpha, s, beta = self.params_.to_numpy()
        x, T = c["frequency"], c["T"]
        with quiet():
            ll = _stable_fitter_class()._conditional_log_likelihood(
                self.params_.to_numpy(), x, c["recency"], T
            )
            with np.errstate(all="ignore"):
                log_v = (
                    r * np.log(alpha)
                    + s * np.log(beta)
                    + (s - 1.0) * np.log(delta)
                    + gammaln(r + x + 1.0)
                    + np.log(hyperu(s, s, delta * (beta + T)))
                    - gammaln(r)
                    - (r + x + 1.0) * np.log(alpha + T)
                    - ll
                )
        from crmlib.clv._continuous import _checked

        v = _checked(np.exp(log_v), "ParetoNBD.dert")
        return pd.Series(v[col.inverse], index=index, name="dert")
