"""The subscription case: churn reasons, preventability and attribute models (IBM Telco)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from crmlib import DataValidationError, datasets
from crmlib.churn import (
    PREVENTABILITY_BY_CATEGORY,
    TELCO_LEAKAGE_COLUMNS,
    TELCO_NOT_FEATURES,
    attribute_matrix,
    churn_reasons_table,
    make_churn_model,
    preventability_summary,
)


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "Churn Value": [1, 1, 1, 1, 1, 0, 0],
            "Churn Category": ["Competitor", "Competitor", "Other", "Other", "Other", None, None],
            "Churn Reason": [
                "Competitor made better offer",
                "Competitor made better offer",
                "Moved",
                "Don't know",
                None,
                None,
                None,
            ],
            "Contract": ["Month-to-Month"] * 5 + ["Two Year", "One Year"],
            "Paperless Billing": ["Yes", "No", "Yes", "Yes", "No", "No", "Yes"],
            "Monthly Charge": [70.0, 80.0, 20.0, 30.0, 40.0, 25.0, 99.0],
            "Satisfaction Score": [1, 2, 1, 2, 1, 5, 4],
            "Customer ID": list("abcdefg"),
        }
    )


def test_reasons_table_by_hand(customers):
    t = churn_reasons_table(customers)
    assert t[["category", "reason", "churners"]].to_numpy().tolist() == [
        ["Competitor", "Competitor made better offer", 2],
        ["Other", "(not recorded)", 1],
        ["Other", "Don't know", 1],
        ["Other", "Moved", 1],
    ]
    assert t["share_of_churners"].tolist() == pytest.approx([0.4, 0.2, 0.2, 0.2])
    assert t["share_of_category"].tolist() == pytest.approx([1.0, 1 / 3, 1 / 3, 1 / 3])
    # reason-level entries win over the category's
    assert t["preventability"].tolist() == ["preventable", "not preventable", "unknown", "not preventable"]
    s = preventability_summary(t)
    assert s.index.tolist() == ["preventable", "not preventable", "unknown"]
    assert s["churners"].tolist() == [2, 2, 1]


def test_mapping_is_data(customers):
    t = churn_reasons_table(
        customers, by_category={"Competitor": "unknown", "Other": "preventable"}, by_reason={}
    )
    assert t["preventability"].tolist() == ["unknown", "preventable", "preventable", "preventable"]


def test_reasons_validation(customers):
    with pytest.raises(DataValidationError, match="0/1 churn flags"):
        churn_reasons_table(customers.assign(**{"Churn Value": "Yes"}))
    with pytest.raises(DataValidationError, match="churn_reasons_table: column 'Churn Reason' not found"):
        churn_reasons_table(customers.drop(columns="Churn Reason"))
    with pytest.raises(DataValidationError, match="No churners"):
        churn_reasons_table(customers.assign(**{"Churn Value": 0}))


def test_attribute_matrix_by_hand(customers):
    X, y = attribute_matrix(customers)
    assert list(X.columns) == [
        "Paperless Billing",
        "Monthly Charge",
        "Contract=Month-to-Month",
        "Contract=One Year",
        "Contract=Two Year",
    ]
    assert X["Paperless Billing"].tolist() == [1, 0, 1, 1, 0, 0, 1]
    assert X.iloc[5].tolist() == [0, 25.0, 0, 0, 1]
    assert y.tolist() == [1, 1, 1, 1, 1, 0, 0] and y.name == "Churn Value"
    # leaks are out by default, in on request
    X_leaky, _ = attribute_matrix(customers, drop=["Churn Category", "Churn Reason", "Customer ID"])
    assert "Satisfaction Score" in X_leaky.columns
    with pytest.raises(DataValidationError, match="0/1"):
        attribute_matrix(customers.assign(**{"Churn Value": "Yes"}))


@pytest.fixture(scope="module")
def telco():
    return datasets.load_telco()


@requires_data("telco")
def test_telco_reasons(telco):
    t = churn_reasons_table(telco)
    assert t["churners"].sum() == int(telco["Churn Value"].sum()) == 1_869
    by_cat = t.groupby("category")["churners"].sum().sort_values(ascending=False)
    assert by_cat.index[0] == "Competitor"
    assert set(by_cat.index) <= set(PREVENTABILITY_BY_CATEGORY)
    s = preventability_summary(t)
    assert s.loc["preventable", "share_of_churners"] > 0.8
    assert s["churners"].sum() == 1_869


@requires_data("telco")
def test_telco_model_without_leaks(telco):
    X, y = attribute_matrix(telco)
    assert not set(X.columns) & (set(TELCO_LEAKAGE_COLUMNS) | set(TELCO_NOT_FEATURES))
    assert not any(c.startswith(("Churn", "Customer Status", "Satisfaction")) for c in X.columns)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    for kind in ("logistic", "gbm"):
        model = make_churn_model(kind, random_state=0).fit(X_tr, y_tr)
        assert roc_auc_score(y_te, model.predict_proba(X_te)[:, 1]) > 0.85


@requires_data("telco")
def test_telco_satisfaction_score_is_a_leak(telco):
    """The fictional data's satisfaction score alone nearly separates churners (PROVENANCE.md:
    scores 1-2 all churned, 4-5 none), which is why it is listed as a leak."""
    auc = roc_auc_score(telco["Churn Value"], -telco["Satisfaction Score"])
    assert auc > 0.9
    rates = telco.groupby("Satisfaction Score")["Churn Value"].mean()
    assert rates.loc[[1, 2]].eq(1).all() and rates.loc[[4, 5]].eq(0).all()
    assert np.isclose(rates.loc[3], 0.16, atol=0.01)
