"""The Result mixin: JSON without NaN, formats, saving safely."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from detector.errors import ProvenanceError
from detector.results import Result, dumps, format_for_path, jsonable, render


@dataclass
class Toy(Result):
    name: str
    value: float
    values: list[float]
    verdict: str = "nothing to see"
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"model": [self.name], "value": [self.value]}).set_index("model")

    def to_text(self) -> str:
        return f"{self.name}: {self.value}"


def strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinity_become_null():
    toy = Toy("m|1", float("nan"), [1.0, float("inf"), np.float32("nan")], notes=["a"])
    data = strict(toy.to_json())
    assert data == {
        "name": "m|1",
        "value": None,
        "values": [1.0, None, None],
        "verdict": "nothing to see",
        "notes": ["a"],
    }
    assert toy.to_dict()["value"] is None
    assert jsonable({1: np.int64(3), "a": (np.bool_(True),), "s": {2}}) == {
        "1": 3,
        "a": [True],
        "s": [2],
    }
    assert strict(dumps({"x": math.nan})) == {"x": None}


def test_render_formats():
    toy = Toy("m|1", 0.5, [], notes=["see `alpha`"])
    assert render(toy, "table") == "m|1: 0.5"
    assert render(toy, "csv").splitlines() == ["model,value", "m|1,0.5"]
    md = render(toy, "markdown")
    assert md.splitlines()[0] == "**Verdict:** nothing to see"
    assert "| m\\|1 | 0.5 |" in md and md.endswith("- see `alpha`")
    assert strict(render(toy, "json"))["name"] == "m|1"
    with pytest.raises(ProvenanceError):
        render(toy, "yaml")


def test_save_follows_the_suffix_and_refuses_to_overwrite(tmp_path):
    toy = Toy("m", 1.0, [float("nan")])
    assert strict(toy.save(tmp_path / "t.json").read_text())["values"] == [None]
    assert toy.save(tmp_path / "t.csv").read_text().startswith("model,value")
    assert toy.save(tmp_path / "t.txt").read_text() == "m: 1.0\n"
    with pytest.raises(ProvenanceError, match="already exists.*`force`"):
        toy.save(tmp_path / "t.json")
    toy.value = 2.0
    assert strict(toy.save(tmp_path / "t.json", force=True).read_text())["value"] == 2.0
    with pytest.raises(ProvenanceError, match="`format`"):
        toy.save(tmp_path / "u.csv", format="json")
    assert not (tmp_path / "u.csv").exists()
    assert format_for_path("x.md") == "markdown" and format_for_path("x.out", "json") == "json"


def test_every_result_class_uses_the_mixin():
    from detector.attribution import AttributionResult, Evaluation, TransferResult
    from detector.benchmark import BenchmarkResult
    from detector.collect import CollectSummary
    from detector.inspection import Inspection
    from detector.report import ReportResult
    from detector.scoring import ScoreResult
    from detector.tree import TreeResult

    for cls in (
        AttributionResult,
        BenchmarkResult,
        CollectSummary,
        Evaluation,
        Inspection,
        ReportResult,
        ScoreResult,
        TransferResult,
        TreeResult,
    ):
        assert issubclass(cls, Result), cls
        assert cls.to_json is Result.to_json, cls  # one JSON writer: allow_nan=False
