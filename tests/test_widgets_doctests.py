"""The examples in the widget modules' docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import workbench.widgets

MODULES = sorted(
    f"workbench.widgets.{info.name}" for info in pkgutil.iter_modules(workbench.widgets.__path__)
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
