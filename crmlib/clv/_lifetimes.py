"""Access to lifetimes, imported lazily and with its side effects contained.

``import lifetimes`` emits a ``Pandas4Warning`` (it sets a pandas option that no longer
exists) and its fitter module switches off ``FutureWarning`` globally; its likelihoods do
the same on every call, and a failed fit prints the optimiser's output. Everything here
runs inside :func:`quiet`, which restores the caller's warning filters afterwards.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator

import numpy as np

__all__ = ["lifetimes_fitters", "quiet"]


@contextlib.contextmanager
def quiet(numeric: bool = True) -> Iterator[None]:
    """Scope lifetimes' warning-filter changes and prints to this block.

    Parameters
    ----------
    numeric : bool, default True
        Also silence floating-point warnings: the optimiser probes extreme parameter
        values on its way, where overflow is expected and harmless.
    """
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", FutureWarning)
        if numeric:
            warnings.simplefilter("ignore", RuntimeWarning)
            with np.errstate(all="ignore"):
                yield
        else:
            yield


def lifetimes_fitters():
    """Return ``lifetimes.fitters`` after a contained import (see the module docstring)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes.fitters.beta_geo_beta_binom_fitter
        import lifetimes.fitters.beta_geo_fitter
        import lifetimes.fitters.gamma_gamma_fitter
        import lifetimes.fitters.modified_beta_geo_fitter
        import lifetimes.fitters.pareto_nbd_fitter
        import lifetimes.utils

    return lifetimes.fitters
