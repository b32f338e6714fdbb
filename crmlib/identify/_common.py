"""Purchase-day tables shared by the identification modules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.conventions import purchase_mask


def purchase_days(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, purchase day), sorted, with the gap to the previous day.

    Only purchases count (:func:`crmlib.conventions.purchase_mask`): a return kept by the
    ``read_transactions`` policy is not a purchase day, as in every area.

    Returns
    -------
    DataFrame
        ``customer_id``, ``day`` (int64 days since 1970), ``amount`` (spend that day),
        ``k`` (0 for the first purchase day, 1 for the second, ...), ``gap`` (days since
        the previous purchase day; NaN for the first).
    """
    tx = tx.loc[purchase_mask(tx["amount"])]
    day = tx["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    work = pd.DataFrame({"customer_id": tx["customer_id"].to_numpy(), "day": day, "amount": tx["amount"].to_numpy()})
    out = work.groupby(["customer_id", "day"], sort=True, as_index=False)["amount"].sum()
    g = out.groupby("customer_id", sort=False)
    out["k"] = g.cumcount()
    out["gap"] = g["day"].diff()
    return out
