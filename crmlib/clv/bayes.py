"""Bayesian BG/NBD through PyMC-Marketing (the optional ``bayes`` extra).

:class:`BayesBetaGeo` fits the BG/NBD model by MCMC with PyMC-Marketing's
``BetaGeoModel`` and hands back crmlib's results API: ``params_`` and ``summary_`` (the
posterior), the same predictions as :class:`crmlib.clv.BetaGeo` (``expected_purchases``,
``p_alive``, ``clv``, at the posterior median) and :meth:`BayesBetaGeo.intervals`, the
:class:`~crmlib.clv.uncertainty.ParameterIntervals` of :func:`crmlib.clv.parameter_intervals`
computed from posterior draws instead of the asymptotic normal. Those intervals still
cover **parameter uncertainty only**: not the customers' own randomness.

Install with ``pip install 'crmlib[bayes]'`` (PyMC-Marketing, PyMC, PyTensor, ArviZ:
about 790 MB, 9 s to import). PyMC is imported only when a model is fitted.

Priors: ``priors="flat"`` (the default) puts flat priors on r, alpha, a and b, so the
posterior mode is the maximum-likelihood estimate (on the CDNOW sample MAP equals
:class:`~crmlib.clv.BetaGeo`'s fit to 3 decimals); ``priors="pymc-marketing"`` uses
PyMC-Marketing's own defaults, which shift a and b by 11-14% on CDNOW; a dict is passed
as PyMC-Marketing's ``model_config``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crmlib.clv.base import SUMMARY_COLUMNS, _user_stacklevel
from crmlib.clv.bgnbd import BetaGeo
from crmlib.clv.uncertainty import (
    COVERS,
    ParameterIntervals,
    _intervals_from_draws,
    parameter_draws,
)
from crmlib.conventions import to_number
from crmlib.exceptions import ConvergenceWarning, DataValidationError, NotFittedError

__all__ = ["BayesBetaGeo", "RHAT_WARN", "bayes_available"]

#: Largest split R-hat accepted without a ConvergenceWarning.
RHAT_WARN = 1.05
_PARAMS = ("r", "alpha", "a", "b")
_INSTALL = "pip install 'crmlib[bayes]' (PyMC-Marketing)"


def bayes_available() -> bool:
    """Whether the ``bayes`` extra (PyMC-Marketing) is installed, without importing it.

    Examples
    --------
    >>> isinstance(bayes_available(), bool)
    True
    """
    from importlib.util import find_spec

    return find_spec("pymc_marketing") is not None


def _pymc_marketing():
    if not bayes_available():
        raise ModuleNotFoundError(f"crmlib.clv.bayes needs the bayes extra: {_INSTALL}.")
    with warnings.catch_warnings():
        # import-time notices of PyMC's stack (ArviZ's migration note, PyTensor's BLAS
        # note) say nothing about the user's model
        warnings.simplefilter("ignore")
        import pymc_marketing.clv as clv
        from pymc_extras.prior import Prior
    return clv, Prior


class BayesBetaGeo(BaseEstimator):
    """BG/NBD fitted by MCMC (PyMC-Marketing), with crmlib's results API.

    Parameters
    ----------
    priors : {"flat", "pymc-marketing"} or dict, default "flat"
        ``"flat"``: flat priors on r, alpha, a, b (posterior mode = maximum likelihood);
        ``"pymc-marketing"``: PyMC-Marketing's default priors; a dict: its
        ``model_config``.
    draws, tune : int, default 500
        Posterior draws kept and tuning steps, per chain.
    chains : int, default 2
        Independent chains (run one after the other: ``cores=1``).
    time_unit : str, float or None, default None
        Unit of ``recency`` and ``T``; None reads ``summary.attrs["time_unit"]``.
    random_state : int or None, default 0
        Seed of the sampler.

    Attributes
    ----------
    params_ : Series
        Posterior median of r, alpha, a, b (the point used by the predictions).
    summary_ : DataFrame
        ``estimate`` (posterior median), ``std_error`` (posterior standard deviation),
        ``lower_95``, ``upper_95`` (2.5% and 97.5% posterior quantiles).
    posterior_ : DataFrame
        Every kept draw (chains x draws rows) of r, alpha, a, b.
    covariance_ : DataFrame
        Posterior covariance of the parameters.
    diagnostics_ : DataFrame
        ``r_hat`` and ``ess_bulk`` per parameter (ArviZ); fit warns
        (:class:`~crmlib.exceptions.ConvergenceWarning`) when an R-hat exceeds
        ``RHAT_WARN`` = 1.05.
    idata_ : arviz.InferenceData
        PyMC-Marketing's full result.
    time_unit_, n_customers_

    Notes
    -----
    PyMC-Marketing takes no weights, so every customer is one row of the sampler: about
    20 s for the 2,357-customer CDNOW sample (2 chains x 1,000 steps, after a one-off
    compilation), growing linearly with customers. The maximum-likelihood
    :class:`~crmlib.clv.BetaGeo` with :func:`~crmlib.clv.parameter_intervals` answers
    the same question in about a second.

    Examples
    --------
    >>> m = BayesBetaGeo(draws=300, tune=300)
    >>> m.get_params()["priors"]
    'flat'

    Fitting takes tens of seconds (see Notes), so it is not run here:

    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> s = rfm_summary(load_cdnow(sample=True), time_unit="W", observation_end="1998-06-30")
    >>> m.fit(s).summary_.round(2)  # doctest: +SKIP
    >>> m.intervals(s, horizon="39W").total  # doctest: +SKIP
    """

    def __init__(
        self,
        priors: str | dict = "flat",
        draws: int = 500,
        tune: int = 500,
        chains: int = 2,
        time_unit: str | float | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.priors = priors
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.time_unit = time_unit
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting

    def _model_config(self, Prior) -> dict | None:
        if isinstance(self.priors, dict):
            return dict(self.priors)
        if self.priors == "flat":
            return {p: Prior("HalfFlat") for p in _PARAMS}
        if self.priors == "pymc-marketing":
            return None
        raise DataValidationError(
            f"BayesBetaGeo: priors={self.priors!r} is not 'flat', 'pymc-marketing' or a dict.",
            suggestion="use priors='flat' (maximum-likelihood-like) or pass PyMC-Marketing's "
            "model_config as a dict.",
        )

    def fit(self, summary: pd.DataFrame) -> BayesBetaGeo:
        """Sample the posterior of r, alpha, a, b given ``summary``.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (as for
            :meth:`crmlib.clv.BetaGeo.fit`); a ``weights`` column is refused (the
            sampler has no weights).

        Returns
        -------
        self
        """
        for name, low in (("draws", 1), ("tune", 0), ("chains", 1)):
            to_number(getattr(self, name), name, low=low, integer=True, example="500")
        if self.random_state is not None and (
            not isinstance(self.random_state, int | np.integer)
            or isinstance(self.random_state, bool)
        ):
            raise DataValidationError(
                f"BayesBetaGeo: random_state={self.random_state!r} must be an int or None.",
                suggestion="pass e.g. random_state=0 for a reproducible sampler.",
            )
        # crmlib's own checks and unit rule, with BetaGeo's messages
        shell = BetaGeo(time_unit=self.time_unit)
        data, weights = shell._prepare(summary, "fit")
        if weights is not None:
            raise DataValidationError(
                "BayesBetaGeo.fit: the summary has a weights column, but PyMC-Marketing's sampler "
                "counts one row per customer.",
                column="weights",
                suggestion="pass one row per customer (the summary before collapsing).",
            )
        shell._check_learnable(data)
        unit = shell._resolve_time_unit(summary)
        clv, Prior = _pymc_marketing()
        frame = pd.DataFrame(
            {
                "customer_id": np.arange(len(summary)),
                "frequency": data["frequency"].astype(float),
                "recency": data["recency"].astype(float),
                "T": data["T"].astype(float),
            }
        )
        model = clv.BetaGeoModel(model_config=self._model_config(Prior))
        with warnings.catch_warnings():
            # PyMC's progress and tuning notices; convergence is judged below from R-hat
            warnings.simplefilter("ignore")
            model.fit(
                frame,
                method="mcmc",
                draws=int(self.draws),
                tune=int(self.tune),
                chains=int(self.chains),
                cores=1,
                random_seed=self.random_state,
                progressbar=False,
                compute_convergence_checks=False,
            )
            import arviz as az

            post = model.idata.posterior
            draws = pd.DataFrame({p: np.asarray(post[p]).reshape(-1) for p in _PARAMS})
            sub = post[list(_PARAMS)]
            rhat, ess = az.rhat(sub), az.ess(sub, method="bulk")
            diag = pd.DataFrame(
                {
                    "r_hat": [float(rhat[p]) for p in _PARAMS],
                    "ess_bulk": [float(ess[p]) for p in _PARAMS],
                },
                index=pd.Index(list(_PARAMS), name="parameter"),
            )
        self.idata_ = model.idata
        self.posterior_ = draws
        self.diagnostics_ = diag
        self.time_unit_ = unit
        self.n_customers_ = len(summary)
        self.params_ = draws.median().rename("estimate")
        self.covariance_ = draws.cov()
        q = draws.quantile([0.025, 0.975])
        self.summary_ = pd.DataFrame(
            {
                "estimate": self.params_,
                "std_error": draws.std(),
                "lower_95": q.loc[0.025],
                "upper_95": q.loc[0.975],
            }
        )[SUMMARY_COLUMNS].rename_axis("parameter")
        bad = diag[diag["r_hat"] > RHAT_WARN]
        if len(bad):
            warnings.warn(
                f"BayesBetaGeo: the chains disagree (R-hat {', '.join(f'{p} {v:.3f}' for p, v in bad['r_hat'].items())} "
                f"> {RHAT_WARN}); the posterior summaries are unreliable. Things to try: more tune= "
                "and draws=, or priors='pymc-marketing' if the likelihood is flat.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )
        return self

    # ------------------------------------------------------------------ predictions

    def _check_fitted(self) -> None:
        if not hasattr(self, "posterior_"):
            raise NotFittedError(self)

    def point_model(self) -> BetaGeo:
        """A :class:`~crmlib.clv.BetaGeo` at the posterior median, for crmlib's predictions.

        Returns
        -------
        BetaGeo
        """
        self._check_fitted()
        m = BetaGeo(time_unit=self.time_unit_)
        m.params_ = self.params_.copy()
        m.time_unit_ = self.time_unit_
        m.covariance_ = self.covariance_.copy()
        return m

    def expected_purchases(self, summary: pd.DataFrame, horizon) -> pd.Series:
        """Expected repeat purchases in ``horizon``, at the posterior median (see
        :meth:`crmlib.clv.BetaGeo.expected_purchases`)."""
        return self.point_model().expected_purchases(summary, horizon)

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive) at the posterior median (see :meth:`crmlib.clv.BetaGeo.p_alive`)."""
        return self.point_model().p_alive(summary)

    def clv(self, summary: pd.DataFrame, spend_model, **kwargs) -> pd.DataFrame:
        """CLV at the posterior median (see :meth:`crmlib.clv.BetaGeo.clv`)."""
        return self.point_model().clv(summary, spend_model, **kwargs)

    def intervals(
        self,
        summary: pd.DataFrame,
        spend_model=None,
        *,
        horizon: Any = "52W",
        level: float = 0.95,
        n_draws: int | None = None,
        random_state: int | None = 0,
        step: Any = "W",
        annual_discount_rate: float = 0.10,
        margin: float = 1.0,
    ) -> ParameterIntervals:
        """Intervals from the posterior, covering **parameter uncertainty only**.

        The same result as :func:`crmlib.clv.parameter_intervals` (same columns, same
        totals), with the transaction model's parameter sets taken from the posterior
        draws instead of the asymptotic normal. A spend model's parameters are drawn from
        its asymptotic normal, as there. ``covers`` says
        ``"parameter uncertainty only (posterior draws)"``; the customers' own randomness
        is not included.

        Parameters
        ----------
        summary, spend_model, horizon, level, step, annual_discount_rate, margin
            As for :func:`crmlib.clv.parameter_intervals`.
        n_draws : int, optional
            Posterior draws used, evenly thinned; default all of them.
        random_state : int or None, default 0
            Seed of the spend model's draws.

        Returns
        -------
        ParameterIntervals
        """
        self._check_fitted()
        level = to_number(
            level,
            "level",
            low=0.0,
            high=1.0,
            low_inclusive=False,
            high_inclusive=False,
            example="0.95",
        )
        post = self.posterior_
        if n_draws is not None:
            n = int(
                to_number(n_draws, "n_draws", low=1, high=len(post), integer=True, example="500")
            )
            post = post.iloc[np.linspace(0, len(post) - 1, n).round().astype(int)]
        min_draws = int(np.ceil(2.0 / (1.0 - level) - 1e-9))
        if len(post) < min_draws:
            raise DataValidationError(
                f"BayesBetaGeo.intervals: {len(post)} posterior draws are too few for "
                f"{level:.0%} intervals (at least {min_draws}).",
                suggestion="fit with more draws= or ask for a lower level.",
            )
        post = post.reset_index(drop=True)
        point = self.point_model()
        spend_draws = (
            parameter_draws(spend_model, len(post), random_state=random_state)
            if spend_model is not None
            else None
        )
        return _intervals_from_draws(
            point,
            summary,
            spend_model,
            post,
            spend_draws,
            horizon=horizon,
            level=level,
            clv_kwargs={
                "step": step,
                "annual_discount_rate": annual_discount_rate,
                "margin": margin,
            },
            settings={"model": "BayesBetaGeo", "priors": self.priors, "random_state": random_state},
            func="BayesBetaGeo.intervals",
            covers=COVERS + " (posterior draws)",
        )
