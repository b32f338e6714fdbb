"""Every Examples block in crmlib's docstrings runs and prints what it claims, and every
name a package exports has a docstring."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import crmlib

MODULES = sorted(m.name for m in pkgutil.walk_packages(crmlib.__path__, "crmlib."))
PACKAGES = sorted(m.name for m in pkgutil.walk_packages(crmlib.__path__, "crmlib.") if m.ispkg)
# modules whose examples would execute notebooks or whole benchmarks
NO_EXAMPLES_EXPECTED = {"crmlib.reports"}


def _finder_count(module) -> int:
    return sum(len(t.examples) for t in doctest.DocTestFinder().find(module))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_examples_exist_across_the_library():
    with_examples = [n for n in MODULES if _finder_count(importlib.import_module(n))]
    assert len(with_examples) >= 30, with_examples
    for area in ("validation", "features.rfm", "clv", "segment", "identify", "satisfaction", "churn", "datasets"):
        assert any(n.startswith(f"crmlib.{area}") for n in with_examples), area


@pytest.mark.parametrize("name", PACKAGES)
def test_public_api_is_explicit_and_documented(name):
    pkg = importlib.import_module(name)
    assert hasattr(pkg, "__all__"), f"{name} has no __all__"
    assert len(pkg.__all__) == len(set(pkg.__all__))
    for attr in pkg.__all__:
        obj = getattr(pkg, attr)
        if callable(obj) and not isinstance(obj, type(crmlib)):
            assert obj.__doc__, f"{name}.{attr} has no docstring"
