"""Intervals on CLV predictions from the uncertainty of the fitted parameters.

A fitted model's parameters are estimates: another sample of customers from the same
business would have given slightly different ones, and so different forecasts.
:func:`parameter_intervals` turns the estimates' asymptotic covariance
(``model.covariance_``, from the observed information) into intervals on every
prediction by a *parametric bootstrap*:

1. draw ``n_draws`` parameter sets from the asymptotic normal distribution of the
   estimates, on the log scale (every parameter is positive; the fit's own intervals
   in ``summary_`` are on the log scale too);
2. recompute each customer's expected purchases, P(alive) and, with a spend model, CLV
   (the same :meth:`clv` method, discounting and spend model as the point forecast) at
   every draw;
3. read the interval off the draws' percentiles, per customer and for the totals.

**What the intervals cover: parameter uncertainty only.** They say how far the
*expected* value could move if the parameters were re-estimated. They do **not**
include the customer's own randomness: a customer whose expected purchases are
1.2 [1.1, 1.3] will still make 0, 1, 2 or 5 purchases. That is why every interval
column ends in ``_param`` and every result carries ``covers = "parameter uncertainty
only"``. The totals' intervals come from the totals of each draw, so they are not the
sums of the customers' bounds (parameter uncertainty moves every customer together).

The transaction model and the spend model are fitted on different likelihoods; their
draws are independent.

Examples
--------
>>> from crmlib.datasets import load_cdnow
>>> from crmlib.features import rfm_summary
>>> from crmlib.clv import BetaGeo, GammaGamma
>>> tx = load_cdnow(sample=True)
>>> summary = rfm_summary(tx, freq="D", time_unit="W", observation_end="1998-06-30")
>>> summary = summary[~((summary["frequency"] > 0) & (summary["monetary_value"] <= 0))]
>>> model, spend = BetaGeo().fit(summary), GammaGamma().fit(summary)
>>> res = parameter_intervals(model, summary, spend, horizon="52W", n_draws=40)
>>> res.covers
'parameter uncertainty only'
>>> list(res.total.columns)
['estimate', 'lower_95_param', 'upper_95_param']
>>> t = res.total.loc["clv"]
>>> bool(t["lower_95_param"] < t["estimate"] < t["upper_95_param"])
True
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import quiet
from crmlib.clv.base import CLVModel, _gradient_hessian, _user_stacklevel
from crmlib.conventions import UNIT_DAYS, to_number
from crmlib.exceptions import CrmlibWarning, DataValidationError, NotFittedError
from crmlib.plotting import PALETTE, format_money, get_ax, money_formatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "COVERS",
    "ParameterIntervals",
    "parameter_covariance",
    "parameter_draws",
    "parameter_intervals",
    "plot_customer_intervals",
    "plot_total_interval",
]

#: What every interval of this module covers (and what it does not).
COVERS = "parameter uncertainty only"

#: Predictions with intervals, in the order of the result's columns.
_PREDICTIONS = ("p_alive", "expected_purchases", "expected_spend", "clv")
#: Totals: name in the result -> per-customer prediction summed.
_TOTALS = {
    "expected_purchases": "expected_purchases",
    "expected_active_customers": "p_alive",
    "clv": "clv",
}


@dataclass(frozen=True)
class ParameterIntervals:
    """Predictions with intervals that cover **parameter uncertainty only**.

    The intervals show how far each *expected* value moves when the model's
    parameters are redrawn from their estimated sampling distribution. They do not
    include a customer's own randomness (how many purchases they actually make), so
    realised purchases or spend fall outside them far more often than the level says.

    Attributes
    ----------
    customers : DataFrame
        Indexed like the summary. For each prediction (``p_alive``,
        ``expected_purchases`` and, with a spend model, ``expected_spend`` and ``clv``)
        the point forecast at the fitted parameters and its bounds,
        ``<prediction>_lower_95_param`` and ``<prediction>_upper_95_param`` (the number
        is the level in percent).
    total : DataFrame
        Indexed by ``expected_purchases`` (sum over customers), ``expected_active_customers``
        (sum of P(alive): the expected number of customers still active) and, with a
        spend model, ``clv``; columns ``estimate``, ``lower_95_param``, ``upper_95_param``.
        The bounds are percentiles of each draw's total, not sums of customers' bounds.
    draws : DataFrame
        One row per parameter draw: the drawn parameters and the totals at that draw
        (``total_expected_purchases``, ``total_expected_active_customers``,
        ``total_clv``). Draws with a non-finite result are left out (``n_invalid_draws``).
    level : float
        Coverage level of the intervals, e.g. 0.95.
    n_draws : int
        Parameter sets used (after leaving out invalid ones).
    n_invalid_draws : int
        Draws left out because a prediction was not finite (e.g. a spend draw with
        ``q <= 1``, whose mean spend is infinite).
    horizon : str or Timedelta
        The forecast horizon, as given.
    settings : dict
        The other inputs (random_state, step, discount rate, margin).
    covers : str
        Always ``"parameter uncertainty only"``.
    """

    customers: pd.DataFrame
    total: pd.DataFrame
    draws: pd.DataFrame
    level: float
    n_draws: int
    n_invalid_draws: int
    horizon: Any
    settings: dict = field(default_factory=dict)
    covers: str = COVERS

    @property
    def suffix(self) -> str:
        """Ending of the bound columns' names, e.g. ``"95_param"``."""
        return _suffix(self.level)

    def __repr__(self) -> str:
        lines = [
            f"ParameterIntervals({self.level:.0%} intervals, {self.covers}; "
            f"{len(self.customers):,} customers, {self.n_draws:,} parameter draws"
            + (f", {self.n_invalid_draws:,} invalid draws left out" if self.n_invalid_draws else "")
            + ")",
            self.total.to_string(float_format=lambda v: f"{v:,.4g}"),
        ]
        return "\n".join(lines)


def _suffix(level: float) -> str:
    return f"{100 * level:g}".replace(".", "_") + "_param"


def _check_model(model: Any, name: str, func: str, *, kind: str) -> None:
    if not isinstance(model, CLVModel):
        raise DataValidationError(
            f"{func}: {name} must be a crmlib CLV model, got {type(model).__name__}.",
            suggestion=f"pass a fitted {kind} from crmlib.clv, e.g. BetaGeo().fit(summary).",
        )
    if not hasattr(model, "params_"):
        raise NotFittedError(model)


def _rng(random_state: Any, func: str) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, int | np.integer) and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    raise DataValidationError(
        f"{func}: random_state={random_state!r} must be an int, a numpy.random.Generator or None.",
        suggestion="pass e.g. random_state=0 for reproducible intervals.",
    )


def _log_covariance(model: CLVModel, covariance: Any, name: str, func: str) -> np.ndarray:
    """The covariance of the log-parameters, checked (finite, symmetric, positive semi-definite)."""
    params = model.params_.to_numpy(dtype=float)
    names = list(model.params_.index)
    cls = type(model).__name__
    fix = (
        f"refit {cls} (a clean fit has a finite covariance_), or compute one from the data "
        f"the parameters describe: covariance=crmlib.clv.parameter_covariance({name}, summary)."
    )
    if covariance is None:
        covariance = getattr(model, "covariance_", None)
        if covariance is None:
            raise DataValidationError(
                f"{func}: {name} ({cls}) has no covariance_ (it was not fitted by maximum "
                "likelihood, e.g. built from given parameters), so there is no parameter "
                "uncertainty to draw from.",
                suggestion=fix,
            )
    if isinstance(covariance, pd.DataFrame):
        missing = [p for p in names if p not in covariance.index or p not in covariance.columns]
        if missing:
            raise DataValidationError(
                f"{func}: the covariance of {name} lacks parameter(s) {missing}.",
                suggestion=f"pass a DataFrame indexed and labelled by {names}.",
            )
        cov = covariance.loc[names, names].to_numpy(dtype=float)
    else:
        cov = np.asarray(covariance, dtype=float)
    k = len(names)
    if cov.shape != (k, k):
        raise DataValidationError(
            f"{func}: the covariance of {name} has shape {cov.shape}; {cls} has {k} parameters.",
            suggestion=f"pass a {k}x{k} covariance of ({', '.join(names)}).",
        )
    if not np.all(np.isfinite(cov)):
        raise DataValidationError(
            f"{func}: the covariance of {name} ({cls}) has missing or infinite values: the "
            "fit's Hessian was not positive definite (see the fit's ConvergenceWarning), so "
            "the parameters' uncertainty is unknown.",
            suggestion=fix,
        )
    if not np.allclose(cov, cov.T, rtol=1e-6, atol=1e-12):
        raise DataValidationError(
            f"{func}: the covariance of {name} is not symmetric.",
            suggestion="pass a covariance matrix (for example model.covariance_).",
        )
    # natural scale -> log scale (delta method, the inverse of CLVModel's conversion)
    cov_log = cov / np.outer(params, params)
    eig = np.linalg.eigvalsh(cov_log)
    if eig.min() < -1e-10 * max(1.0, eig.max()):
        raise DataValidationError(
            f"{func}: the covariance of {name} is not positive semi-definite (smallest "
            f"eigenvalue {eig.min():.3g} on the log scale).",
            suggestion=fix,
        )
    return (cov_log + cov_log.T) / 2


def parameter_draws(
    model: CLVModel,
    n_draws: int = 500,
    *,
    random_state: int | np.random.Generator | None = 0,
    covariance: pd.DataFrame | np.ndarray | None = None,
) -> pd.DataFrame:
    """Parameter sets drawn from the fitted model's asymptotic distribution.

    ``log(params) ~ Normal(log(params_), Sigma)``, with ``Sigma`` the covariance of the
    log-parameters (``model.covariance_`` converted by the delta method, as the fit
    computed it). Drawing on the log scale keeps every parameter positive.

    Parameters
    ----------
    model : CLVModel
        A fitted crmlib CLV model.
    n_draws : int, default 500
        Number of parameter sets.
    random_state : int, Generator or None, default 0
        Seed; the same seed gives the same draws.
    covariance : DataFrame or array, optional
        Covariance of the parameters on their natural scale, as ``model.covariance_``
        (the default). Pass :func:`parameter_covariance` for a model built from given
        parameters.

    Returns
    -------
    DataFrame
        ``n_draws`` rows, one column per parameter.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.clv import BetaGeo
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> draws = parameter_draws(BetaGeo().fit(s), 200)
    >>> draws.shape, bool((draws > 0).all().all())
    ((200, 4), True)
    """
    func = "parameter_draws"
    _check_model(model, "model", func, kind="model")
    n = int(to_number(n_draws, "n_draws", low=1, integer=True, example="500"))
    cov_log = _log_covariance(model, covariance, "model", func)
    rng = _rng(random_state, func)
    theta = np.log(model.params_.to_numpy(dtype=float))
    z = rng.multivariate_normal(np.zeros(len(theta)), cov_log, size=n, method="eigh")
    return pd.DataFrame(
        np.exp(theta + z),
        columns=list(model.params_.index),
        index=pd.RangeIndex(n, name="draw"),
    )


def parameter_covariance(model: CLVModel, summary: pd.DataFrame) -> pd.DataFrame:
    """Asymptotic covariance of a model's parameters from the log-likelihood of ``summary``.

    The inverse of the observed information: a central finite-difference Hessian of the
    negative log-likelihood of ``summary`` at ``model.params_``, in the log-parameters,
    converted to the natural scale by the delta method (as :meth:`CLVModel.fit` does).
    Use it for a model built from given parameters (no fit, no ``covariance_``) with the
    data those parameters were estimated on; for a fitted model it reproduces
    ``covariance_``.

    Parameters
    ----------
    model : CLVModel
        A model with ``params_`` (fitted, or built from published values).
    summary : DataFrame
        The data the parameters were estimated on, as for ``model.fit``.

    Returns
    -------
    DataFrame
        Parameters by parameters.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.clv import BetaGeo
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> m = BetaGeo().fit(s)
    >>> np.allclose(parameter_covariance(m, s), m.covariance_, rtol=1e-4)
    True
    """
    func = "parameter_covariance"
    _check_model(model, "model", func, kind="model")
    names = list(model.params_.index)
    params = model.params_.to_numpy(dtype=float)
    if not (np.all(np.isfinite(params)) and np.all(params > 0)):
        raise DataValidationError(
            f"{func}: {type(model).__name__}.params_ must be positive and finite, got "
            f"{model.params_.to_dict()}.",
            suggestion="fit the model, or give it valid parameters.",
        )
    model.log_likelihood(summary)  # validates the summary once, with the model's message
    probe = copy.copy(model)

    def nll(theta: np.ndarray) -> float:
        probe.params_ = pd.Series(np.exp(theta), index=names, name="estimate")
        return -probe.log_likelihood(summary)

    theta = np.log(params)
    with np.errstate(all="ignore"):
        _, hess = _gradient_hessian(nll, theta, nll(theta), 1e-3)
    try:
        if not np.all(np.isfinite(hess)):
            raise np.linalg.LinAlgError
        np.linalg.cholesky(hess)
        cov_log = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        raise DataValidationError(
            f"{func}: the log-likelihood of these data is not curved at the given parameters "
            f"(the Hessian is not positive definite), so {type(model).__name__}.params_ is not "
            "their maximum and no covariance follows from them.",
            suggestion="pass the data the parameters were estimated on, or fit the model to them.",
        ) from None
    return pd.DataFrame(cov_log * np.outer(params, params), index=names, columns=names)


def _fast_predictions(
    model: CLVModel, columns: dict[str, np.ndarray], h: float
) -> tuple[np.ndarray, np.ndarray]:
    """P(alive) and expected purchases over ``h`` model units on already validated arrays.

    The same formulas as ``model.p_alive`` and ``model.expected_purchases`` (the model's
    own lifetimes fitter), without re-validating and re-collapsing the summary at every
    draw, which costs 10-20 times the formulas themselves.
    """
    f, r, t = columns["frequency"], columns["recency"], columns["T"]
    p_alive = model._p_alive_arrays(f, r, t)
    with quiet():
        expected = np.asarray(
            model._fitter().conditional_expected_number_of_purchases_up_to_time(h, f, r, t),
            dtype=float,
        )
    return p_alive, expected


def _clv_grid(attrs: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """Step ends (days), discount factors and margin of a ``clv`` result, from its attrs.

    The same grid as :meth:`ContinuousTimeModel.clv` builds (whole steps, then a shorter
    last one up to the horizon), read from the point forecast so the settings are parsed
    once, by ``clv`` itself.
    """
    horizon_days, step_days = float(attrs["horizon_days"]), float(attrs["step_days"])
    whole = int(np.floor(horizon_days / step_days + 1e-9))
    ends = step_days * np.arange(1, whole + 1, dtype=float)
    if int(attrs["n_steps"]) > whole:
        ends = np.r_[ends, horizon_days]
    factors = (1.0 + float(attrs["annual_discount_rate"])) ** (-ends / UNIT_DAYS["Y"])
    return ends, factors, float(attrs["margin"])


def _fast_clv(
    model: CLVModel,
    spend_model: CLVModel,
    frame: pd.DataFrame,
    columns: dict[str, np.ndarray],
    grid: tuple[np.ndarray, np.ndarray, float],
) -> dict[str, np.ndarray]:
    """``model.clv(frame, spend_model)`` on already validated distinct rows.

    The formulas of :meth:`ContinuousTimeModel.clv` (expected purchases per step from the
    model's own fitter, valued at the spend model's expected spend and discounted at the
    end of each step) without re-validating the summary at every draw. A test checks it
    against ``clv`` itself.
    """
    ends, factors, margin = grid
    f, r, t = columns["frequency"], columns["recency"], columns["T"]
    fitter = model._fitter()
    per = model.period_days
    with quiet():
        cum = np.vstack(
            [np.zeros(len(f))]
            + [
                np.asarray(
                    fitter.conditional_expected_number_of_purchases_up_to_time(e / per, f, r, t),
                    dtype=float,
                )
                for e in ends
            ]
        )
    discounted = (np.diff(cum, axis=0) * factors[:, None]).sum(axis=0)
    spend = np.asarray(spend_model.expected_spend(frame), dtype=float)
    return {
        "p_alive": model._p_alive_arrays(f, r, t),
        "expected_purchases": cum[-1],
        "expected_spend": spend,
        "clv": margin * spend * discounted,
    }


def _with_params(model: CLVModel, values: np.ndarray) -> CLVModel:
    twin = copy.copy(model)  # shares the fitted state; only the parameters differ
    twin.params_ = pd.Series(values, index=model.params_.index, name="estimate", dtype=float)
    return twin


def parameter_intervals(
    model: CLVModel,
    summary: pd.DataFrame,
    spend_model: CLVModel | None = None,
    *,
    horizon: Any = "52W",
    n_draws: int = 500,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
    step: Any = "W",
    annual_discount_rate: float = 0.10,
    margin: float = 1.0,
    covariance: pd.DataFrame | np.ndarray | None = None,
    spend_covariance: pd.DataFrame | np.ndarray | None = None,
) -> ParameterIntervals:
    """Intervals on expected purchases, P(alive) and CLV covering **parameter uncertainty only**.

    A parametric bootstrap: ``n_draws`` parameter sets are drawn from the fitted
    parameters' asymptotic normal distribution on the log scale
    (:func:`parameter_draws`), every prediction is recomputed at each draw with the
    model's own methods (``expected_purchases``, ``p_alive`` and, with a spend model,
    ``clv`` with its discounting), and the intervals are the draws' percentiles, per
    customer and for the totals.

    The intervals do **not** include the customers' own randomness: they bound the
    *expected* purchases or value, not what a customer will actually do. Hence the
    column names ``..._lower_95_param`` / ``..._upper_95_param`` and the result's
    ``covers`` field. They also assume the model is right (no model-choice uncertainty).

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        A fitted continuous-time transaction model.
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` (and ``monetary_value`` with a spend model) per
        customer, in the model's time unit.
    spend_model : GammaGamma, optional
        A fitted spend model; with it the result has ``expected_spend`` and ``clv``.
        Its parameters are drawn independently of the transaction model's.
    horizon : str or Timedelta, default "52W"
        Forecast window with its unit, as for ``model.clv``.
    n_draws : int, default 500
        Parameter draws. At least ``2 / (1 - level)`` (40 for 95%), so that each tail
        holds a draw; 500 gives percentiles good to about a percentage point.
    level : float, default 0.95
        Coverage level, in (0, 1).
    random_state : int, Generator or None, default 0
        Seed of the draws.
    step, annual_discount_rate, margin
        Passed to ``model.clv`` (see there).
    covariance, spend_covariance : DataFrame or array, optional
        Parameter covariances on the natural scale; default each model's
        ``covariance_`` (see :func:`parameter_covariance`).

    Returns
    -------
    ParameterIntervals
        ``customers`` (per customer), ``total``, ``draws`` and ``covers``.

    Notes
    -----
    Cost: one evaluation of the predictions per draw, on the distinct customer histories
    (customers with the same history are computed once); with a spend model, one
    evaluation of the expected purchases per discounting step per draw (52 for a year in
    weekly steps). On the 2,357-customer CDNOW sample, 500 draws take about 2 s without a
    spend model and 30-45 s with one (``step="M"`` is 4 times faster). Memory: draws x
    distinct histories numbers per prediction.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.clv import BetaGeo
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> res = parameter_intervals(BetaGeo().fit(s), s, horizon="39W", n_draws=100)
    >>> [c for c in res.customers.columns if c.startswith("expected_purchases")]
    ['expected_purchases', 'expected_purchases_lower_95_param', 'expected_purchases_upper_95_param']
    >>> res.total.index.tolist()
    ['expected_purchases', 'expected_active_customers']
    """
    from crmlib.clv._continuous import ContinuousTimeModel

    func = "parameter_intervals"
    _check_model(model, "model", func, kind="transaction model (BetaGeo, ParetoNBD)")
    if not isinstance(model, ContinuousTimeModel):
        raise DataValidationError(
            f"{func}: intervals are available for the continuous-time models (BetaGeo, "
            f"ModifiedBetaGeo, ParetoNBD), not {type(model).__name__}.",
            suggestion="fit BetaGeo or ParetoNBD on an rfm_summary and pass it as model.",
        )
    if spend_model is not None:
        _check_model(spend_model, "spend_model", func, kind="spend model (GammaGamma)")
        if not hasattr(spend_model, "expected_spend"):
            raise DataValidationError(
                f"{func}: spend_model must be a spend model with expected_spend, got "
                f"{type(spend_model).__name__}.",
                suggestion="pass a fitted crmlib.clv.GammaGamma, or leave spend_model=None.",
            )
    level = to_number(
        level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False, example="0.95"
    )
    min_draws = int(np.ceil(2.0 / (1.0 - level) - 1e-9))
    n = int(to_number(n_draws, "n_draws", low=1, integer=True, example="500"))
    if n < min_draws:
        raise DataValidationError(
            f"{func}: n_draws={n} is too few for {level:.0%} intervals: each tail beyond the "
            f"bounds holds {(1 - level) / 2:.1%} of the draws, so at least {min_draws} draws "
            "are needed for one draw to fall there.",
            suggestion=f"pass n_draws={max(500, min_draws)} (or a lower level).",
        )
    rng = _rng(random_state, func)
    theta_draws = parameter_draws(model, n, random_state=rng, covariance=covariance)
    spend_draws = (
        parameter_draws(spend_model, n, random_state=rng, covariance=spend_covariance)
        if spend_model is not None
        else None
    )
    settings = {
        "random_state": random_state
        if not isinstance(random_state, np.random.Generator)
        else "Generator",
        "step": step,
        "annual_discount_rate": annual_discount_rate,
        "margin": margin,
        "model": type(model).__name__,
        "spend_model": type(spend_model).__name__ if spend_model is not None else None,
        "time_unit": getattr(model, "time_unit_", None),
    }
    return _intervals_from_draws(
        model,
        summary,
        spend_model,
        theta_draws,
        spend_draws,
        horizon=horizon,
        level=level,
        clv_kwargs={"step": step, "annual_discount_rate": annual_discount_rate, "margin": margin},
        settings=settings,
        func=func,
    )


def _intervals_from_draws(
    model: CLVModel,
    summary: pd.DataFrame,
    spend_model: CLVModel | None,
    theta_draws: pd.DataFrame,
    spend_draws: pd.DataFrame | None,
    *,
    horizon: Any,
    level: float,
    clv_kwargs: dict,
    settings: dict,
    func: str,
    covers: str = COVERS,
) -> ParameterIntervals:
    """Predictions at every parameter set of ``theta_draws`` (and ``spend_draws``), summarised.

    Shared by the parametric bootstrap and the Bayesian fit (:mod:`crmlib.clv.bayes`),
    which passes posterior draws instead of asymptotic ones.
    """
    n = len(theta_draws)
    min_draws = int(np.ceil(2.0 / (1.0 - level) - 1e-9))
    clv_kwargs = {"horizon": horizon, **clv_kwargs}

    # point forecast at the fitted parameters; this also validates the summary once
    if spend_model is not None:
        point = model.clv(summary, spend_model, **clv_kwargs)
        names = list(_PREDICTIONS)
        cols = ("frequency", "recency", "T", "monetary_value")
    else:
        point = pd.DataFrame(
            {
                "p_alive": model.p_alive(summary),
                "expected_purchases": model.expected_purchases(summary, horizon),
            }
        )
        names = ["p_alive", "expected_purchases"]
        cols = ("frequency", "recency", "T")

    # customers with the same history get the same predictions: compute each once
    # (a ``weights`` column, as fit accepts, says how many customers a row stands for)
    row_weights = (
        summary["weights"].to_numpy(dtype=float)
        if "weights" in summary.columns
        else np.ones(len(summary))
    )
    col = collapse({c: summary[c].to_numpy(dtype=float) for c in cols}, row_weights)
    unique = pd.DataFrame(col.columns)
    unique.attrs = dict(summary.attrs)
    weights = col.weights

    values = {p: np.empty((n, col.n_rows)) for p in names}
    grid = _clv_grid(point.attrs) if spend_model is not None else None
    h = model._duration(horizon, "horizon")  # in model units, as expected_purchases reads it
    with warnings.catch_warnings():
        # a draw's non-finite result is counted below, not warned about once per draw
        warnings.simplefilter("ignore", CrmlibWarning)
        for i in range(n):
            twin = _with_params(model, theta_draws.iloc[i].to_numpy())
            if spend_draws is not None:
                spend_twin = _with_params(spend_model, spend_draws.iloc[i].to_numpy())
                out = _fast_clv(twin, spend_twin, unique, col.columns, grid)
                for p in names:
                    values[p][i] = out[p]
            else:
                values["p_alive"][i], values["expected_purchases"][i] = _fast_predictions(
                    twin, col.columns, h
                )
    ok = np.ones(n, dtype=bool)
    for p in names:
        ok &= np.isfinite(values[p]).all(axis=1)
    if spend_draws is not None:
        ok &= spend_draws["q"].to_numpy() > 1  # mean spend is infinite at q <= 1
    n_bad = int((~ok).sum())
    if n_bad:
        warnings.warn(
            f"{func}: {n_bad:,} of {n:,} parameter draws gave non-finite predictions"
            + (
                " or a spend model with q <= 1 (infinite mean spend)"
                if spend_draws is not None
                else ""
            )
            + " and were left out; the intervals come from the other draws. Many such draws "
            "mean the parameters are poorly determined: read the intervals as a lower bound "
            "on the uncertainty.",
            CrmlibWarning,
            stacklevel=_user_stacklevel(),
        )
    if ok.sum() < min_draws:
        raise DataValidationError(
            f"{func}: only {int(ok.sum())} of {n} parameter draws gave finite predictions.",
            suggestion="check the fit (model.summary_): its parameters are poorly determined; "
            "refit with a penalizer or on more data.",
        )
    for p in names:
        values[p] = values[p][ok]

    tail = (1.0 - level) / 2.0
    suffix = _suffix(level)
    customers = {}
    for p in names:
        lo, hi = np.quantile(values[p], [tail, 1.0 - tail], axis=0)
        customers[p] = point[p].to_numpy(dtype=float)
        customers[f"{p}_lower_{suffix}"] = lo[col.inverse]
        customers[f"{p}_upper_{suffix}"] = hi[col.inverse]
    customers = pd.DataFrame(customers, index=summary.index)

    totals = {}
    draw_totals = {}
    for label, p in _TOTALS.items():
        if p not in names:
            continue
        per_draw = values[p] @ weights  # each distinct history counts its customers
        draw_totals[f"total_{label}"] = per_draw
        lo, hi = np.quantile(per_draw, [tail, 1.0 - tail])
        totals[label] = {
            "estimate": float(point[p].to_numpy(dtype=float) @ row_weights),
            f"lower_{suffix}": float(lo),
            f"upper_{suffix}": float(hi),
        }
    total = pd.DataFrame.from_dict(totals, orient="index")
    total.index.name = "total"
    draws = theta_draws[ok].reset_index(drop=True)
    if spend_draws is not None:
        draws = draws.join(spend_draws[ok].reset_index(drop=True))
    draws = draws.join(pd.DataFrame(draw_totals))
    draws.index.name = "draw"
    return ParameterIntervals(
        customers=customers,
        total=total,
        draws=draws,
        level=level,
        n_draws=int(ok.sum()),
        n_invalid_draws=n_bad,
        horizon=horizon,
        settings=settings,
        covers=covers,
    )


# ------------------------------------------------------------------ charts

_TOTAL_LABELS = {
    "clv": "Total customer lifetime value",
    "expected_purchases": "Total expected repeat purchases",
    "expected_active_customers": "Expected active customers",
}


def _check_result(result: Any, func: str) -> None:
    if not isinstance(result, ParameterIntervals):
        raise DataValidationError(
            f"{func}: expected the result of parameter_intervals, got {type(result).__name__}.",
            suggestion="pass res = crmlib.clv.parameter_intervals(model, summary, spend_model, ...).",
        )


def plot_total_interval(
    result: ParameterIntervals,
    *,
    total: str = "clv",
    currency: str | None = None,
    bins: int = 30,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """The total across parameter draws, with the estimate and its interval band.

    A histogram of the total (e.g. total CLV) recomputed at every parameter draw; the
    shaded band is the interval (``level``, parameter uncertainty only) and the line the
    estimate at the fitted parameters. The title says what the band covers.

    Parameters
    ----------
    result : ParameterIntervals
        From :func:`parameter_intervals`.
    total : {"clv", "expected_purchases", "expected_active_customers"}, default "clv"
        Which total (a row of ``result.total``).
    currency : str, optional
        ISO code or symbol labelling money, for ``total="clv"``; None: plain numbers.
    bins : int, default 30
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.hist``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.clv import BetaGeo
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> res = parameter_intervals(BetaGeo().fit(s), s, horizon="39W", n_draws=40)
    >>> ax = plot_total_interval(res, total="expected_purchases")
    >>> "parameter uncertainty only" in ax.get_title()
    True
    """
    func = "plot_total_interval"
    _check_result(result, func)
    if total not in result.total.index:
        raise DataValidationError(
            f"{func}: total={total!r} is not in this result ({result.total.index.tolist()}).",
            suggestion="pass one of those; 'clv' needs parameter_intervals(..., spend_model=...).",
        )
    ax = get_ax(ax)
    row = result.total.loc[total]
    lo, hi = row[f"lower_{result.suffix}"], row[f"upper_{result.suffix}"]
    values = result.draws[f"total_{total}"].to_numpy(dtype=float)
    ax.hist(values, bins=bins, **{"color": PALETTE[0], "alpha": 0.55, **kwargs})
    money = total == "clv"
    # "$" in a legend would start mathtext: escape it
    fmt = (
        (lambda v: format_money(v, currency).replace("$", r"\$"))
        if money
        else (lambda v: f"{v:,.0f}")
    )
    ax.axvspan(
        lo,
        hi,
        color=PALETTE[1],
        alpha=0.18,
        zorder=0,
        label=f"{result.level:.0%} interval: {fmt(lo)} to {fmt(hi)}",
    )
    ax.axvline(
        row["estimate"],
        color="#222222",
        lw=2.2,
        label=f"Estimate at the fitted parameters: {fmt(row['estimate'])}",
    )
    if money:
        ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel(_TOTAL_LABELS.get(total, total))
    ax.set_ylabel("Parameter draws")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(
        title
        or f"{_TOTAL_LABELS.get(total, total)} across {result.n_draws:,} parameter draws "
        f"({result.covers})"
    )
    return ax


def plot_customer_intervals(
    result: ParameterIntervals,
    *,
    prediction: str = "clv",
    n_top: int = 20,
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """The ``n_top`` customers by a prediction, each with its interval.

    Customers are ranked by the estimate; the bars are the intervals (parameter
    uncertainty only), so overlapping bars mean the ranking between those customers is
    not settled by the model's parameters.

    Parameters
    ----------
    result : ParameterIntervals
        From :func:`parameter_intervals`.
    prediction : {"clv", "expected_purchases", "p_alive", "expected_spend"}, default "clv"
    n_top : int, default 20
        Customers shown.
    currency : str, optional
        ISO code or symbol labelling money (for ``clv`` and ``expected_spend``).
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.errorbar``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> from crmlib.clv import BetaGeo
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> res = parameter_intervals(BetaGeo().fit(s), s, horizon="39W", n_draws=40)
    >>> ax = plot_customer_intervals(res, prediction="expected_purchases", n_top=10)
    >>> len(ax.get_yticklabels())
    10
    """
    func = "plot_customer_intervals"
    _check_result(result, func)
    if prediction not in result.customers.columns:
        have = [c for c in _PREDICTIONS if c in result.customers.columns]
        raise DataValidationError(
            f"{func}: prediction={prediction!r} is not in this result ({have}).",
            suggestion="pass one of those; 'clv' needs parameter_intervals(..., spend_model=...).",
        )
    n_top = int(to_number(n_top, "n_top", low=1, integer=True, example="20"))
    ax = get_ax(ax)
    c = result.customers.nlargest(n_top, prediction).iloc[::-1]  # largest at the top
    est = c[prediction].to_numpy(dtype=float)
    lo = c[f"{prediction}_lower_{result.suffix}"].to_numpy(dtype=float)
    hi = c[f"{prediction}_upper_{result.suffix}"].to_numpy(dtype=float)
    y = np.arange(len(c))
    ax.errorbar(
        est,
        y,
        xerr=[np.maximum(est - lo, 0), np.maximum(hi - est, 0)],
        **{
            "fmt": "o",
            "color": PALETTE[0],
            "ecolor": PALETTE[1],
            "capsize": 3,
            "lw": 1.6,
            **kwargs,
        },
    )
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in c.index])
    names = {
        "clv": "Customer lifetime value",
        "expected_purchases": "Expected repeat purchases",
        "p_alive": "P(alive)",
        "expected_spend": "Expected spend per purchase",
    }
    if prediction in ("clv", "expected_spend"):
        ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel(f"{names.get(prediction, prediction)}, {result.level:.0%} interval")
    ax.set_ylabel("Customer")
    ax.set_title(
        title or f"Top {len(c)} customers: {names.get(prediction, prediction)} ({result.covers})"
    )
    return ax
