"""Shared fixtures of the Python suite (run by CTest: label `python`)."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def cli():
    """Path of the evmatch CLI, which CTest passes in; the test skips without it."""
    path = os.environ.get("EVMATCH_CLI")
    if not path:
        pytest.skip("EVMATCH_CLI is not set (run through CTest)")
    return path
