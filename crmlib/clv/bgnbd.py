"""BG/NBD and MBG/NBD: "buy till you die" in continuous time, with dropout after a purchase.

* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing
  Science 24(2)): while alive a customer buys at a Poisson rate ``lambda ~ Gamma(r,
  alpha)``; after each repeat purchase she drops out with probability ``p ~ Beta(a, b)``.
* MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same, but a customer may also drop
  out right after the first purchase, so one-time buyers are not certainly alive.

Both wrap lifetimes' fitters (``BetaGeoFitter``, ``ModifiedBetaGeoFitter``) and use their
likelihoods; crmlib adds validation, collapsing, standard errors and predictions.
"""

from __future__ import annotations

import numpy as np

from crmlib.clv._continuous import ContinuousTimeModel
from crmlib.clv._lifetimes import lifetimes_fitters

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


class _BetaGeoFamily(ContinuousTimeModel):
    _param_names = ("r", "alpha", "a", "b")

    def _lt_class(self):
        return getattr(getattr(lifetimes_fitters(), self._lifetimes_module), self._lifetimes_class)

    def _optimize(self, data, weights):
        scale = 1.0 / data["T"].max()  # lifetimes fits in time scaled so that max T = 1
        init = None
        if self.initial_params is not None:
            x0 = self._initial_params()
            init = np.log(x0 * np.array([1.0, scale, 1.0, 1.0]))
        f = self._new_fitter()
        f.fit(data["frequency"], data["recency"], data["T"], weights=weights, initial_params=init)
        return f.params_[list(self._param_names)].to_numpy(dtype=float)

    def _loglik(self, params, data, weights):
        nll = self._lt_class()._negative_log_likelihood(
            np.log(params), data["frequency"], data["recency"], data["T"], weights, 0.0
        )
        return -float(nll) * float(weights.sum())


class BetaGeo(_BetaGeoFamily):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    Parameters ``r, alpha`` (Gamma purchase rate, ``alpha`` in ``time_unit``) and
    ``a, b`` (Beta dropout probability).

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters (lifetimes' convention: added to the mean negative
        log-likelihood per customer, parameters in lifetimes' internal time scale).
    time_unit : str or float, default "W"
        Unit of ``recency`` and ``T`` (see :func:`crmlib.clv.unit_days`).
    initial_params : sequence of 4 floats, optional
        Start (r, alpha, a, b); default lifetimes' fixed start.

    Notes
    -----
    ``fit`` needs ``frequency``, ``recency`` and ``T``. See :class:`CLVModel` for the
    fitted attributes. Reference: Hardie's note 004 (the likelihood) and 021 (P(alive)).

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


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD with dropout possible
    right after the first purchase.

    Same parameters, hyper-parameters and methods as :class:`BetaGeo`.

    Parameters
    ----------
    penalizer_coef : float, default 0
    time_unit : str or float, default "W"
    initial_params : sequence of 4 floats, optional
    """

    _lifetimes_module = "modified_beta_geo_fitter"
    _lifetimes_class = "ModifiedBetaGeoFitter"
