"""Every Examples section in the library runs and passes."""

import doctest
import importlib
import pkgutil

import pytest

import equitygraph

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(equitygraph.__path__, prefix="equitygraph.")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_examples_are_there():
    total = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert total >= 25
