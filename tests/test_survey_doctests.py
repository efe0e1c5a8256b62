"""The examples in the survey and calibration docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "workbench.survey.codebook",
    "workbench.survey.loading",
    "workbench.survey.scoring",
    "workbench.survey.reliability",
    "workbench.survey.groups",
    "workbench.calibration.history",
    "workbench.calibration.posterior",
    "workbench.calibration.emulator",
    "workbench.calibration.target",
    "workbench.calibration.core",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
