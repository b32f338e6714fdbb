"""The Examples blocks in crmlib.clv's docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "crmlib.clv._units",
    "crmlib.clv._collapse",
    "crmlib.clv._continuous",
    "crmlib.clv.bgnbd",
    "crmlib.clv.paretonbd",
    "crmlib.clv.gammagamma",
    "crmlib.clv.bgbb",
    "crmlib.clv.sbg",
    "crmlib.clv.evaluation",
    "crmlib.clv.plotting",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0
