"""Shared fixtures: the project root, and a way to run the real `sll-nb` console script."""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture
def sll_nb(tmp_path):
    "Run `sll-nb ARGS...` as a user would; returns the CompletedProcess (stdout, stderr, returncode)."
    def call(*args, env=None, timeout=600):
        e = {**os.environ, 'SLL_NB_CACHE': str(tmp_path/'cache'), **(env or {})}
        return subprocess.run([str(BIN/'sll-nb'), *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=e, timeout=timeout)
    return call
