"""Shared fixtures: CDNOW, the data directory, and a notebook runner."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")

from crmlib import datasets  # noqa: E402


@pytest.fixture(scope="session")
def cdnow_sample():
    """The 2,357-customer CDNOW sample, canonical columns."""
    return datasets.load_cdnow(sample=True)


@pytest.fixture(scope="session")
def cdnow_master():
    """The full 23,570-customer CDNOW master, canonical columns."""
    return datasets.load_cdnow(sample=False)


@pytest.fixture(scope="session")
def cdnow_split(cdnow_sample):
    """The papers' split of the CDNOW sample: weeks 1-39 calibration, 40-78 holdout, in weeks."""
    from crmlib.features import calibration_holdout_split

    return calibration_holdout_split(
        cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W"
    )


@pytest.fixture(scope="session")
def cdnow_cal(cdnow_split):
    """Calibration summary (frequency, recency, T, monetary_value) of the papers' split."""
    from crmlib.clv import calibration_summary

    return calibration_summary(cdnow_split)


@pytest.fixture(scope="session")
def spark():
    """One local Spark session, so one JVM serves every Spark test of this process.

    The Spark tests are one xdist group (run with ``--dist loadgroup``), so they all land
    on the same worker and start the JVM once.
    """
    from crmlib.spark import local_session

    session = local_session(2, shuffle_partitions=2, driver_memory="1g", app_name="crmlib-tests")
    yield session
    session.stop()


def requires_data(name: str):
    """Mark a test that needs data set ``name`` in the data directory.

    In CI (``CI=true``) the data directory is ``../shared/data`` and a missing file is a
    failure, not a skip: a real-data test must not go quietly green.
    """
    present = datasets.available(name)
    if not present and os.environ.get("CI"):
        return pytest.mark.usefixtures("_fail_missing_data_" + name)
    return pytest.mark.skipif(not present, reason=f"data set {name!r} not in {datasets.data_dir()}")


@pytest.fixture(autouse=True)
def _close_figures():
    # Plots run in the house style (中文 font fallback) as in the notebooks, which call
    # use_style() once; get_ax itself never changes rcParams. Scoped: nothing leaks.
    from crmlib.plotting import house_style

    with house_style():
        yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _make_fail_fixture(name: str):
    @pytest.fixture(name="_fail_missing_data_" + name)
    def _fail():
        pytest.fail(f"CI=true but data set {name!r} is missing from {datasets.data_dir()}")

    return _fail


for _name in datasets.DATASETS:
    globals()["_fail_missing_data_" + _name] = _make_fail_fixture(_name)


def pytest_collection_modifyitems(config, items):
    """scikit-learn's array-API input checks only run with SCIPY_ARRAY_API set and the
    array-api-strict package; crmlib's estimators take pandas/NumPy input only, so those
    generated checks are deselected (listed in the summary) rather than left to skip."""
    keep, drop = [], []
    for item in items:
        (drop if "check_array_api_input" in item.nodeid else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
