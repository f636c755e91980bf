"""CI is as strict as the README: lint, type check and tests, each failing the run."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .conftest import REPO

CI = REPO / ".ci" / "run"


def _run_ci_with_make(tmp_path, failing: str) -> tuple[int, list[str]]:
    """Run .ci/run with a stand-in ``make`` that logs its target and fails on ``failing``."""
    log = tmp_path / "make.log"
    fake = tmp_path / "make"
    fake.write_text(f'#!/bin/sh\necho "$1" >> {log}\n[ "$1" = "{failing}" ] && exit 2\nexit 0\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(CI)], env=env, capture_output=True, text=True)
    return proc.returncode, log.read_text().split()


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
@pytest.mark.parametrize("failing", ["lint", "typecheck", "test", "none"])
def test_ci_runs_every_check_and_fails_when_one_fails(tmp_path, failing):
    code, targets = _run_ci_with_make(tmp_path, failing)
    assert targets == ["lint", "typecheck", "test"]  # every step runs, in this order
    assert (code != 0) == (failing != "none")


def test_make_targets_run_ruff_and_mypy():
    makefile = (REPO / "Makefile").read_text()
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.M)
    typecheck = re.search(r"^typecheck:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert lint and "ruff check detector" in lint.group(1)
    assert "ruff format --check detector" in lint.group(1)
    assert typecheck and "mypy" in typecheck.group(1)
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^\[tool\.mypy\]\n(?:.*\n)*?files = \["detector"\]', pyproject, re.M)
    assert re.search(r'^dev = \[\n(?:[^\n]*\n)*?\s*"mypy', pyproject, re.M)  # in the dev extra


def test_pytest_refuses_unknown_markers():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "--strict-markers" in pyproject
