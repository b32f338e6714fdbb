"""A seeded survey generator with a stated, user-settable satisfaction-to-loyalty curve.

No public survey reproduces the Xerox figure, so the notebook and the tests use data
whose curve is known. The assumed curves (probability of being loyal at satisfaction
1, 2, 3, 4, 5) are:

=============  ==========================================  =======  ====================
name           P(loyal | 1..5)                             5 : 4    knee
=============  ==========================================  =======  ====================
xerox          0.04, 0.06, 0.09, 0.125, 0.75               6 exact  4 (turns upward)
competitive    0.02, 0.03, 0.05, 0.08, 0.72                9        4 (turns upward)
protected      0.70, 0.76, 0.81, 0.85, 0.88                1.04     none
=============  ==========================================  =======  ====================

- **xerox**: Heskett et al. (1994) report that Xerox's "totally satisfied" customers
  (5) were six times as likely to repurchase as merely "satisfied" ones (4). The levels
  below 5 are an assumption (a gently rising low part); the ratio 0.75 / 0.125 = 6 is
  exact by construction (both are exact binary fractions).
- **competitive**: Jones & Sasser (1995), highly competitive markets (cars, personal
  computers): anything short of complete satisfaction is close to no loyalty at all.
- **protected**: Jones & Sasser's less competitive markets (monopolies, high switching
  costs, strong loyalty programmes): customers stay whatever their satisfaction, which
  is "false" loyalty that vanishes when the barrier does. No sharp turn.

These shapes are illustrations chosen to match the published descriptions, not
estimates. Pass your own curve as an array of probabilities or a callable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.validation import check_random_state, numeric_array, resolve_levels

__all__ = [
    "CURVES",
    "DEFAULT_ITEMS",
    "DEFAULT_SCORE_PROBS",
    "SurveyCurve",
    "curve_probabilities",
    "generate_survey",
]


@dataclass(frozen=True)
class SurveyCurve:
    """A named loyalty curve of the generator: P(loyal) at each level of a 1-5 scale."""

    name: str
    probs: tuple[float, ...]
    knee: float | None
    description: str

    @property
    def top_ratio(self) -> float:
        """P(loyal | 5) / P(loyal | 4)."""
        return self.probs[-1] / self.probs[-2]


CURVES: dict[str, SurveyCurve] = {
    "xerox": SurveyCurve(
        "xerox",
        (0.04, 0.06, 0.09, 0.125, 0.75),
        4.0,
        "Xerox (Heskett et al. 1994): 5s six times as likely to repurchase as 4s",
    ),
    "competitive": SurveyCurve(
        "competitive",
        (0.02, 0.03, 0.05, 0.08, 0.72),
        4.0,
        "highly competitive market (Jones & Sasser 1995): only complete satisfaction holds customers",
    ),
    "protected": SurveyCurve(
        "protected",
        (0.70, 0.76, 0.81, 0.85, 0.88),
        None,
        "protected market (Jones & Sasser 1995): customers stay whatever their satisfaction",
    ),
}

# Share of respondents at 1..5: skewed to the top, as satisfaction surveys usually are.
DEFAULT_SCORE_PROBS = (0.05, 0.10, 0.20, 0.40, 0.25)

# Items for the generator's item mode: how closely each tracks overall satisfaction (1 =
# one-for-one, 0 = unrelated). Illustrative, loosely after the airline survey's items.
DEFAULT_ITEMS: dict[str, float] = {
    "Staff courtesy": 1.0,
    "Product reliability": 0.85,
    "Problem resolution": 0.7,
    "Value for money": 0.5,
    "Ease of ordering": 0.3,
    "Delivery time": 0.15,
    "Website design": 0.0,
}


def curve_probabilities(
    curve: str | Sequence[float] | np.ndarray | Callable[[np.ndarray], np.ndarray], levels: np.ndarray
) -> np.ndarray:
    """P(loyal) at each level for a curve given by name, as an array, or as a callable.

    Examples
    --------
    >>> curve_probabilities("xerox", np.arange(1.0, 6)).tolist()
    [0.04, 0.06, 0.09, 0.125, 0.75]
    >>> curve_probabilities(lambda x: x / 10, np.arange(1.0, 6)).tolist()
    [0.1, 0.2, 0.3, 0.4, 0.5]
    """
    if isinstance(curve, str):
        if curve not in CURVES:
            raise DataValidationError(
                f"Unknown curve {curve!r}.",
                suggestion=f"use one of {sorted(CURVES)}, an array of probabilities, or a callable.",
            )
        probs = np.asarray(CURVES[curve].probs, dtype="float64")
        if probs.size != levels.size:
            raise DataValidationError(
                f"The named curve {curve!r} is defined on 5 levels; the scale has {levels.size}.",
                suggestion="use scale=(1, 5), or pass the curve as an array with one probability per level.",
            )
    elif callable(curve):
        probs = numeric_array(np.asarray(curve(levels)), "curve(levels)", func="generate_survey")
    else:
        probs = numeric_array(curve, "curve", func="generate_survey")
    if probs.shape != levels.shape:
        raise DataValidationError(
            f"The curve gives {probs.size} probabilities for {levels.size} levels.",
            suggestion="give one probability of loyalty per level of the scale.",
        )
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or probs.max() > 1:
        raise DataValidationError(
            f"The curve's probabilities must lie in [0, 1], got {probs.tolist()}.",
            suggestion="pass probabilities (0.9), not percentages (90).",
        )
    return probs


def _score_probs(score_probs: Sequence[float] | None, levels: np.ndarray) -> np.ndarray:
    if score_probs is None:
        if levels.size != len(DEFAULT_SCORE_PROBS):
            return np.full(levels.size, 1.0 / levels.size)
        return np.asarray(DEFAULT_SCORE_PROBS, dtype="float64")
    p = numeric_array(score_probs, "score_probs", func="generate_survey")
    if p.shape != levels.shape or not np.all(np.isfinite(p)) or p.min() < 0 or not np.isclose(p.sum(), 1):
        raise DataValidationError(
            f"score_probs must be {levels.size} non-negative shares summing to 1, got {list(score_probs)}.",
            suggestion="give the share of respondents at each level, e.g. (0.05, 0.1, 0.2, 0.4, 0.25).",
        )
    return p / p.sum()


def generate_survey(
    n: int = 2000,
    *,
    curve: str | Sequence[float] | np.ndarray | Callable[[np.ndarray], np.ndarray] = "xerox",
    score_probs: Sequence[float] | None = None,
    scale: tuple[int, int] = (1, 5),
    items: Mapping[str, float] | Sequence[str] | int | None = None,
    item_noise: float = 0.8,
    not_applicable_rate: float = 0.0,
    expectations: bool = False,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Simulate a satisfaction survey whose satisfaction-to-loyalty curve is known.

    The model, respondent by respondent:

    1. overall satisfaction ``S`` is drawn from ``score_probs`` over the scale's levels;
    2. loyal ~ Bernoulli(``curve[S]``): the curve is P(loyal | S), exactly;
    3. (``items``) each item rating is ``round(w S + (1 - w) m + item_noise * e)``
       clipped to the scale, where ``w`` is the item's weight (how closely it tracks
       ``S``), ``m`` the scale's midpoint and ``e`` standard normal noise. Items with
       larger ``w`` are stronger drivers of loyalty, a weight-0 item is unrelated;
    4. (``expectations``) each item also gets an expectation ``E`` (``round(m + 0.8 e)``)
       and the item rating becomes the perception
       ``P = round(E exp(w (S - m) / (high - low) + item_noise * e / m))``, clipped:
       satisfaction is perception relative to expectation, so ``P / E`` tracks ``S``
       better than ``P`` alone;
    5. (``not_applicable_rate``) that share of item ratings (and their expectations) is
       replaced by 0, "not applicable", completely at random.

    Parameters
    ----------
    n : int, default 2000
        Respondents.
    curve : str, array-like or callable, default "xerox"
        P(loyal) at each level: a name in :data:`CURVES` (``"xerox"``,
        ``"competitive"``, ``"protected"``; see the module docstring for their values),
        one probability per level, or a function of the level array.
    score_probs : array-like, optional
        Share of respondents at each level; default :data:`DEFAULT_SCORE_PROBS`.
    scale : (low, high), default (1, 5)
    items : mapping, sequence of names, int or None
        Item weights (``{"Staff courtesy": 1.0, ...}``), names (equal weights 1), or a
        number of items (``item_01``...). ``None``: no items.
    item_noise : float, default 0.8
        Standard deviation of the item noise, in scale points.
    not_applicable_rate : float, default 0.0
    expectations : bool, default False
        Add ``"<item> (expected)"`` columns (needs ``items``).
    random_state : int or None
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    DataFrame
        ``respondent_id, satisfaction, loyal, p_loyal`` and the item columns.
        ``.attrs`` holds ``simulated`` (True: charts built from it say so),
        ``label`` (e.g. "simulated, Xerox-like curve (assumed)"), ``curve`` (the
        probabilities), ``knee`` (for named curves), ``score_probs``, ``items``
        (weights) and ``random_state``.

    Examples
    --------
    >>> df = generate_survey(1000, random_state=0)
    >>> df.columns.tolist()
    ['respondent_id', 'satisfaction', 'loyal', 'p_loyal']
    >>> df.attrs["curve"][4] / df.attrs["curve"][3]
    6.0
    >>> df.attrs["label"]
    'simulated, Xerox-like curve (assumed)'
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise DataValidationError(f"n must be a positive integer, got {n!r}.", suggestion="e.g. n=2000.")
    not_applicable_rate = to_number(not_applicable_rate, "not_applicable_rate", low=0, high=1,
                                    high_inclusive=False, example="0.03")
    item_noise = to_number(item_noise, "item_noise", low=0, example="0.8")
    random_state = check_random_state(random_state, func="generate_survey")
    levels = resolve_levels(scale)
    probs = curve_probabilities(curve, levels)
    sp = _score_probs(score_probs, levels)
    rng = np.random.default_rng(random_state)
    idx = rng.choice(levels.size, size=n, p=sp)
    sat = levels[idx]
    p_loyal = probs[idx]
    loyal = rng.random(n) < p_loyal
    out = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1, dtype="int64"),
            "satisfaction": sat.astype("int64"),
            "loyal": loyal,
            "p_loyal": p_loyal,
        }
    )
    weights = _item_weights(items)
    if expectations and not weights:
        raise DataValidationError(
            "expectations=True needs items.", suggestion="pass items=DEFAULT_ITEMS or a number of items."
        )
    lo, hi = float(levels[0]), float(levels[-1])
    mid = (lo + hi) / 2
    wmax = max(weights.values(), default=1.0) or 1.0
    cols: dict[str, np.ndarray] = {}
    for name, w in weights.items():
        wt = w / wmax
        noise = item_noise * rng.standard_normal(n)
        if expectations:
            expect = np.clip(np.rint(mid + 0.8 * rng.standard_normal(n)), lo, hi)
            # multiplicative: log(P / E) moves with satisfaction, so the ratio is the natural index
            perceived = np.clip(np.rint(expect * np.exp(wt * (sat - mid) / (hi - lo) + noise / mid)), lo, hi)
        else:
            expect = None
            perceived = np.clip(np.rint(wt * sat + (1 - wt) * mid + noise), lo, hi)
        if not_applicable_rate > 0:
            na = rng.random(n) < not_applicable_rate
            perceived = np.where(na, 0.0, perceived)
            if expect is not None:
                expect = np.where(na, 0.0, expect)
        cols[name] = perceived.astype("int64")
        if expect is not None:
            cols[f"{name} (expected)"] = expect.astype("int64")
    if cols:
        out = pd.concat([out, pd.DataFrame(cols)], axis=1)
    named = CURVES.get(curve) if isinstance(curve, str) else None
    label = {"xerox": "Xerox-like", "competitive": "competitive-market", "protected": "protected-market"}.get(
        named.name if named else "", "custom")
    out.attrs.update(
        {
            # charts of this frame say "simulated" and never carry a study's name as data
            "simulated": True,
            "label": f"simulated, {label} curve (assumed)",
            "curve": probs.tolist(),
            "curve_name": curve if isinstance(curve, str) else "custom",
            "knee": named.knee if named else None,
            "score_probs": sp.tolist(),
            "items": dict(weights),
            "random_state": random_state,
        }
    )
    return out


def _item_weights(items: Mapping[str, float] | Sequence[str] | int | None) -> dict[str, float]:
    if items is None:
        return {}
    if isinstance(items, (int, np.integer)) and not isinstance(items, bool):
        if items < 0:
            raise DataValidationError(f"items must be >= 0, got {items}.", suggestion="e.g. items=5.")
        return {f"item_{i:02d}": 1.0 for i in range(1, int(items) + 1)}
    if isinstance(items, Mapping):
        weights = {str(k): float(v) for k, v in items.items()}
    elif isinstance(items, str):
        raise DataValidationError(
            f"items must be a list of names, a mapping or a number, got the string {items!r}.",
            suggestion="e.g. items=['Seat comfort', 'Food'].",
        )
    else:
        weights = {str(k): 1.0 for k in items}
    bad = {k: v for k, v in weights.items() if not (np.isfinite(v) and 0 <= v)}
    if bad:
        raise DataValidationError(
            f"Item weights must be finite and >= 0, got {bad}.",
            suggestion="give each item a weight in [0, 1] (1 = tracks satisfaction one-for-one).",
        )
    return weights
