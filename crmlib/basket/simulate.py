"""Seeded baskets with stated, planted associations (for running without real data)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = ["PLANTED_RULES", "DAYPART_MIX", "generate_baskets"]

#: Planted rules: (antecedent items, consequent item, probability that a basket holding
#: every antecedent item also gets the consequent). "Beer and diapers" (啤酒与尿布) first.
PLANTED_RULES: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("diapers",), "beer", 0.45),
    (("pasta", "tomato sauce"), "parmesan", 0.6),
    (("tea",), "biscuits", 0.35),
)

#: Customers' buying times: share of customers, and the hours they shop in.
DAYPART_MIX: dict[str, tuple[float, tuple[int, int]]] = {
    "morning commuters": (0.3, (7, 10)),
    "lunchtime office workers": (0.3, (11, 14)),
    "evening shoppers": (0.4, (17, 21)),
}

_BACKGROUND = (
    "whole milk", "bread", "bananas", "eggs", "yogurt", "apples", "coffee", "butter", "cheese",
    "chicken", "rice", "pasta", "tomato sauce", "tea", "diapers", "orange juice", "crisps",
    "chocolate", "soda", "water", "onions", "potatoes", "carrots", "salad", "ham", "sausages",
    "frozen pizza", "ice cream", "cereal", "jam", "honey", "flour", "sugar", "toilet paper",
    "shampoo", "toothpaste", "newspaper", "flowers", "wine", "sandwich",
)


def generate_baskets(
    n_customers: int = 1500,
    *,
    orders_per_customer: float = 4.0,
    planted: Sequence[tuple[Sequence[str], str, float]] = PLANTED_RULES,
    start: str = "2024-01-01",
    days: int = 365,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """A simulated log of shopping baskets with known (planted) associations.

    Each customer belongs to one of :data:`DAYPART_MIX`'s time-of-day groups and shops
    in its hours; the number of orders is 1 + Poisson(``orders_per_customer`` - 1).
    A basket draws 1 + Poisson(3) distinct background items (a few popular, most rare);
    then, for each planted rule ``(antecedent, consequent, p)`` whose antecedent is all
    in the basket, the consequent is added with probability ``p``. Nothing else links
    items, so rules found beyond the planted ones are chance (or co-purchase of popular
    items). Morning baskets add "coffee" and evening baskets "wine" with probability
    0.3: a planted basket mix by hour.

    Parameters
    ----------
    n_customers : int, default 1500
    orders_per_customer : float, default 4.0
        Mean orders per customer (at least 1).
    planted : sequence of (antecedent, consequent, probability)
        The associations to plant; change them to see what mining recovers.
    start : str, default "2024-01-01"
        First day of the log.
    days : int, default 365
        Length of the log in days.
    random_state : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    DataFrame
        The canonical columns of a validated log: ``customer_id``, ``date`` (with time of
        day), ``amount``, ``order_id``, ``item``, plus ``planted_segment`` (the customer's
        true time-of-day group). ``attrs["planted"]`` holds the planted rules.

    Examples
    --------
    >>> tx = generate_baskets(50, random_state=1)
    >>> sorted(tx.columns)
    ['amount', 'customer_id', 'date', 'item', 'order_id', 'planted_segment']
    >>> tx.attrs["planted"][0]
    (('diapers',), 'beer', 0.45)
    """
    n_customers = int(to_number(n_customers, "n_customers", low=1, integer=True))
    orders_per_customer = to_number(orders_per_customer, "orders_per_customer", low=1.0)
    days = int(to_number(days, "days", low=1, integer=True))
    rules = []
    for rule in planted:
        try:
            ante, cons, p = rule
            ante = tuple(str(a) for a in ante)
            p = to_number(p, "planted probability", low=0.0, high=1.0)
        except (TypeError, ValueError) as err:
            raise DataValidationError(
                f"generate_baskets: planted rule {rule!r} is not (antecedent items, consequent, probability) "
                f"({err}).",
                suggestion="pass e.g. planted=[(('diapers',), 'beer', 0.45)].",
            ) from None
        rules.append((ante, str(cons), p))
    rng = np.random.default_rng(random_state)
    # planted antecedents are common items (3rd, 4th, ... most popular), so that their
    # rules reach a usable support; the rest of the catalogue is a long tail
    antecedents = list(dict.fromkeys(a for r in rules for a in r[0]))
    rest = [i for i in _BACKGROUND if i not in antecedents]
    items = [*rest[:2], *antecedents, *rest[2:]]
    weights = 1.0 / np.arange(1, len(items) + 1) ** 0.8
    weights /= weights.sum()
    names = list(DAYPART_MIX)
    seg = rng.choice(len(names), size=n_customers, p=[DAYPART_MIX[k][0] for k in names])
    prices = dict(zip(items, np.round(rng.uniform(0.5, 6.0, len(items)), 2), strict=True))
    for extra in {r[1] for r in rules} | {"coffee", "wine"}:
        prices.setdefault(extra, 3.0)
    n_orders = 1 + rng.poisson(orders_per_customer - 1, size=n_customers)
    cust = np.repeat(np.arange(n_customers), n_orders)
    lo = np.array([DAYPART_MIX[names[k]][1][0] for k in seg])[cust]
    hi = np.array([DAYPART_MIX[names[k]][1][1] for k in seg])[cust]
    hour = rng.integers(lo, hi)
    when = (pd.Timestamp(start) + pd.to_timedelta(rng.integers(days, size=len(cust)), unit="D")
            + pd.to_timedelta(hour, unit="h") + pd.to_timedelta(rng.integers(60, size=len(cust)), unit="min"))
    sizes = np.minimum(1 + rng.poisson(3, size=len(cust)), len(items))
    rows = []
    for o in range(len(cust)):
        basket = set(rng.choice(items, size=sizes[o], replace=False, p=weights).tolist())
        for ante, cons, p in rules:
            if set(ante) <= basket and rng.random() < p:
                basket.add(cons)
        if hour[o] < 11 and rng.random() < 0.3:
            basket.add("coffee")
        if hour[o] >= 17 and rng.random() < 0.3:
            basket.add("wine")
        c = cust[o]
        for it in sorted(basket):
            rows.append((f"c{c:05d}", when[o], prices[it], f"o{o + 1:06d}", it, names[seg[c]]))
    out = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "order_id", "item", "planted_segment"])
    out = out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    out.attrs["planted"] = rules
    return out
