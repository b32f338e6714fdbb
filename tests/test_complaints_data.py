"""Reading complaint tables at the door: canonical columns, counted exclusions, one date
rule per column, Yes/No answers, consent-only narratives; the real CFPB sample's counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data

from crmlib import datasets
from crmlib.complaints import (
    CFPB_COLUMNS,
    read_complaints,
    response_rates,
    simulate_complaints,
    timely_vs_disputed,
)
from crmlib.exceptions import DataValidationError


@pytest.fixture
def raw():
    return simulate_complaints(300, random_state=3)


def test_simulated_sample_reads_cleanly(raw):
    data = read_complaints(raw)
    assert data.report.rows_in == data.report.rows_used == 300
    assert data.report.excluded == {}
    assert data.frame["timely"].dtype == "boolean"
    assert pd.api.types.is_datetime64_any_dtype(data.frame["date_received"])
    assert data.label.startswith("CFPB complaints, received 2019-")


def test_exclusions_are_counted_by_first_reason(raw):
    bad = raw.copy()
    bad.loc[1, "Complaint ID"] = bad.loc[0, "Complaint ID"]  # duplicate id
    bad.loc[2, "Date received"] = None
    bad.loc[3, "Product"] = "  "
    bad.loc[4, "Company"] = None
    bad.loc[5, ["Product", "Company"]] = None  # two reasons: counted once, under the first
    data = read_complaints(bad)
    assert data.report.excluded == {"duplicate_id": 1, "missing_date": 1, "missing_product": 2, "missing_company": 1}
    assert data.report.rows_used + sum(data.report.excluded.values()) == data.report.rows_in
    assert "excluded: a complaint id seen on an earlier row" in " ".join(data.report.to_frame().index)


def test_blank_dispute_is_not_asked_not_no(raw):
    data = read_complaints(raw)
    asked = raw["Consumer disputed?"].notna()
    assert data.report.dispute_answered == int(asked.sum()) < len(raw)
    rates = response_rates(data)
    assert rates.loc["disputed", "n"] == int(asked.sum())
    assert rates.loc["disputed", "k"] == int((raw["Consumer disputed?"] == "Yes").sum())


def test_narratives_only_with_consent(raw):
    bad = raw.copy()
    no_consent = bad["Consumer consent provided?"] != "Consent provided"
    bad.loc[no_consent, "Consumer complaint narrative"] = "private text"
    data = read_complaints(bad)
    assert not data.frame["narrative"].eq("private text").any()
    assert data.report.narratives_dropped == int(no_consent.sum())
    assert data.report.narratives_consented == int((~no_consent).sum())


def test_odd_timely_answer_is_refused_naming_rows(raw):
    bad = raw.copy()
    bad.loc[[7, 9], "Timely response?"] = "Maybe"
    with pytest.raises(DataValidationError, match=r"Timely response\?") as info:
        read_complaints(bad)
    assert "Maybe" in str(info.value) and "Suggestion:" in str(info.value)
    assert list(info.value.rows.index) == [7, 9]


def test_missing_column_is_refused(raw):
    with pytest.raises(DataValidationError, match="Submitted via"):
        read_complaints(raw.drop(columns="Submitted via"))


def test_column_map_renames(raw):
    data = read_complaints(raw.rename(columns={"Submitted via": "Channel"}), columns={"channel": "Channel"})
    assert set(data.frame["channel"]) <= set(raw["Submitted via"])


@pytest.mark.parametrize("dates,expected", [
    (["2019/3/29", "2019/12/1"], ["2019-03-29", "2019-12-01"]),
    (["03/29/2019", "12/01/2019"], ["2019-03-29", "2019-12-01"]),  # the CFPB export: month first
    (["2019-03-29", "2019-12-01T00:00:00"], ["2019-03-29", "2019-12-01"]),
])
def test_dates_one_rule_per_column(raw, dates, expected):
    df = raw.head(2).copy()
    df["Date received"] = dates
    got = read_complaints(df).frame["date_received"].dt.strftime("%Y-%m-%d").tolist()
    assert got == expected


@pytest.mark.parametrize("dates", [["2019-03-29", "03/29/2019"], ["2019-02-30", "2019-03-01"], ["soon", "2019-03-01"]])
def test_mixed_or_impossible_dates_are_refused(raw, dates):
    df = raw.head(2).copy()
    df["Date received"] = dates
    with pytest.raises(DataValidationError, match="Date received"):
        read_complaints(df)


def test_reads_a_csv_file(raw, tmp_path):
    path = tmp_path / "complaints.csv"
    raw.to_csv(path, index=False)
    assert read_complaints(path).report.rows_used == len(raw)
    with pytest.raises(DataValidationError, match="not found"):
        read_complaints(tmp_path / "nope.csv")


def test_simulated_sample_is_seeded():
    pd.testing.assert_frame_equal(simulate_complaints(100, random_state=5), simulate_complaints(100, random_state=5))
    assert not simulate_complaints(100, random_state=5).equals(simulate_complaints(100, random_state=6))


# --------------------------------------------------------------- the real CFPB sample

@pytest.fixture(scope="module")
def cfpb():
    return read_complaints(datasets.load_complaints())


@pytest.mark.realdata
@requires_data("complaints")
def test_cfpb_sample_counts(cfpb):
    raw = pd.read_csv(datasets.dataset_path("complaints")[0], dtype=str)
    assert cfpb.report.rows_in == len(raw) == 6623 and cfpb.report.excluded == {}
    # independent counts from the raw file
    assert cfpb.report.dispute_answered == int(raw[CFPB_COLUMNS["disputed"]].notna().sum())
    assert cfpb.report.narratives_consented == int((raw[CFPB_COLUMNS["consent"]] == "Consent provided").sum())


@pytest.mark.realdata
@requires_data("complaints")
def test_cfpb_rates_with_wilson_intervals(cfpb):
    from scipy.stats import binomtest

    raw = pd.read_csv(datasets.dataset_path("complaints")[0], dtype=str)
    rates = response_rates(cfpb)
    for measure, col in (("timely response", "Timely response?"), ("disputed", "Consumer disputed?")):
        answers = raw[col].dropna()
        k, n = int((answers == "Yes").sum()), len(answers)
        row = rates.loc[measure]
        assert (row["k"], row["n"]) == (k, n)
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")  # an independent Wilson
        assert row["ci_low"] == pytest.approx(ci.low, abs=1e-9)
        assert row["ci_high"] == pytest.approx(ci.high, abs=1e-9)
    # the dispute rate rests on few answers: its interval is far wider than the timely rate's
    width = rates["ci_high"] - rates["ci_low"]
    assert width["disputed"] > 10 * width["timely response"]


@pytest.mark.realdata
@requires_data("complaints")
def test_cfpb_timely_vs_disputed_counts(cfpb):
    raw = pd.read_csv(datasets.dataset_path("complaints")[0], dtype=str).dropna(subset=["Consumer disputed?"])
    expected = pd.crosstab(raw["Timely response?"], raw["Consumer disputed?"])
    r = timely_vs_disputed(cfpb)
    for t in ("Yes", "No"):
        for d in ("Yes", "No"):
            assert r.table.loc[t, d] == expected.loc[t, d]
    assert r.ci_low <= r.difference <= r.ci_high
    assert np.isfinite([r.ci_low, r.ci_high]).all()
