"""The Examples blocks of crmlib.satisfaction's docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "crmlib.satisfaction.validation",
    "crmlib.satisfaction.fits",
    "crmlib.satisfaction.knee",
    "crmlib.satisfaction.ratio",
    "crmlib.satisfaction.zones",
    "crmlib.satisfaction.curve",
    "crmlib.satisfaction.generator",
    "crmlib.satisfaction.index",
    "crmlib.satisfaction.drivers",
    "crmlib.satisfaction.targets",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


def test_public_api_is_explicit():
    import crmlib.satisfaction as sat

    assert sorted(sat.__all__) == sorted(set(sat.__all__))
    for name in sat.__all__:
        assert getattr(sat, name).__doc__, name
