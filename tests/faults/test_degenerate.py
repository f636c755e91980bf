"""Degenerate corpora: results that cannot mean anything say so instead of printing numbers.

Two models (nothing to calibrate against), models whose outputs are all
identical, and a null whose spread is zero used to give a verdict naming the
alphabetically first model, a z of 28-72 from the floor of the spread, or a
tree with full bootstrap support (issue 16, kind 6).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from detector.features import FeatureOptions
from detector.nj import neighbour_joining, nj_linkage
from detector.scoring import score

from ..conftest import single_channel_evidence
from .conftest import CHANNELS, demo_records, one_line_error, run


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    path = tmp_path_factory.mktemp("two") / "two.jsonl"
    demo_records(["student-of-atlas", "atlas"], 30).to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="module")
def identical(tmp_path_factory):
    """Five models giving atlas's answer, word for word, to each of 30 prompts."""
    records = demo_records(["atlas"], 30)
    copies = [records.assign(model=name) for name in ["e", "d", "c", "b", "a"]]
    path = tmp_path_factory.mktemp("identical") / "same.jsonl"
    import pandas as pd

    pd.concat(copies, ignore_index=True).to_json(path, orient="records", lines=True)
    return path


def _score(path, suspect, tmp_path, capsys, fmt="json"):
    argv = ["score", path, "--suspect", suspect, "--channels", CHANNELS, "--bootstrap", 20]
    argv += ["--cache-dir", tmp_path / "cache", "--no-progress", "--format", fmt]
    return run(argv, capsys)


def test_two_models_cannot_be_calibrated(two_models, tmp_path, capsys):
    code, out, err = _score(two_models, "student-of-atlas", tmp_path, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["level"] == "uncalibrated" and data["best"] is None
    assert "only 2 models, too few to calibrate" in data["verdict"]
    assert "most similar" not in data["explanation"]  # one candidate is no ranking
    (cand,) = data["candidates"]
    assert cand["score"] is None and cand["z"] is None and cand["ci"] == [None, None]
    code, out, err = _score(two_models, "student-of-atlas", tmp_path, capsys, "table")
    assert code == 0 and "too few to calibrate" in out and "0.000" not in out


def test_identical_outputs_name_no_model(identical, tmp_path, capsys):
    code, out, err = _score(identical, "c", tmp_path, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["level"] == "uncalibrated" and data["best"] is None
    assert "indistinguishable" in data["verdict"]
    assert "most similar" not in data["explanation"]  # today: "a is the most similar"
    assert "own outputs" in data["explanation"]  # advice that fits the cause
    assert all(c["score"] is None and c["z"] is None for c in data["candidates"])
    assert all(v is None for c in data["candidates"] for v in c["channels"].values())
    code, out, err = _score(identical, "c", tmp_path, capsys, "table")
    assert code == 0 and "indistinguishable" in out
    assert "0.000" not in out and "ranked by similarity" not in out


def test_null_without_spread_gives_no_z():
    """Every reference model exactly as similar to the suspect: no z from the spread's floor."""
    rng = np.random.default_rng(0)
    models = ["s", "t"] + [f"r{i}" for i in range(6)]
    sims = rng.normal(0, 1, (30, 8, 8))
    sims = (sims + sims.transpose(0, 2, 1)) / 2
    sims[:, 0, 2:] = sims[:, 2:, 0] = 0.3
    sims[:, 0, 1] = sims[:, 1, 0] = 0.9
    result = score(single_channel_evidence(models, sims.astype(np.float32)), "s", ["t"])
    assert result.level == "uncalibrated" and result.best is None
    assert "no spread" in result.verdict
    (cand,) = result.candidates
    assert np.isnan(cand.z) and np.isnan(cand.score) and np.isnan(cand.channels["style"])
    assert "reference models to `reference`" not in result.explanation  # there are 6
    assert result.to_dict()["candidates"][0]["z"] is None


def test_tree_of_identical_outputs_is_one_plain_statement(identical, tmp_path, capsys):
    argv = ["tree", identical, "--channels", CHANNELS, "--bootstrap", 5]
    code, out, err = run(argv + ["--cache-dir", tmp_path / "cache", "--no-progress"], capsys)
    assert code == 2 and one_line_error(err), err
    assert "indistinguishable" in err and out == ""


def test_neighbour_joining_with_zero_distances_roots_the_tree():
    """All-zero distances used to end in StopIteration while midpoint-rooting."""
    z, branch = nj_linkage(*neighbour_joining(np.zeros((4, 4))), 4)
    assert z.shape == (3, 4) and z[-1, 3] == 4 and np.all(branch == 0)


def test_report_on_identical_outputs_states_what_cannot_be_computed(identical, tmp_path):
    from pypdf import PdfReader

    from detector.report import gather_report_data, render, render_html

    data = gather_report_data(
        identical,
        "c",
        channels=CHANNELS,
        n_bootstrap=10,
        tree_bootstrap=0,
        include_attribution=False,
        options=FeatureOptions(cache_dir=tmp_path / "cache", progress=False),
    )
    assert data.tree.tree is None and "indistinguishable" in data.tree.error
    assert data.key_numbers == [] and "indistinguishable" in data.verdict.headline
    assert data.verdict.label == "Cannot be computed"
    assert "ranked by resemblance" not in data.verdict.meaning
    page = render_html(data)
    assert "indistinguishable" in page and not re.search(r"\bnan\b", page, re.I)
    render(data, tmp_path / "same.pdf")
    pages = [p.extract_text() for p in PdfReader(tmp_path / "same.pdf").pages]
    assert "indistinguishable" in pages[0] and "Key numbers" not in pages[0]
    assert not any(re.search(r"\bnan\b", p, re.I) for p in pages)
