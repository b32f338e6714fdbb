"""The Examples blocks in crmlib.churn's docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib
import warnings

import pytest

MODULES = [
    "crmlib.churn.labels",
    "crmlib.churn.features",
    "crmlib.churn.split",
    "crmlib.churn.models",
    "crmlib.churn.baselines",
    "crmlib.churn.evaluation",
    "crmlib.churn.winback",
    "crmlib.churn.subscription",
    "crmlib.churn.plotting",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        # a doctest that imports lifetimes for the first time sees its import-time warning
        warnings.filterwarnings("ignore", message="The 'mode.chained_assignment' option is deprecated")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
