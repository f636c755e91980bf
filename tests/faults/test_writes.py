"""Interrupted writes: a failed ``--force`` write leaves the old file whole, for every output kind.

The fault is injected where a write completes: moving the finished temporary
file onto the output (``os.replace``) fails with "No space left on device", or
is interrupted (Ctrl-C). A writer that wrote the output in place would have
changed it by then, so each case fails for a writer that is not atomic. After
the fault the old file is byte for byte what it was, no temporary file is left
beside it, and the error is one line naming the file (issue 16, kind 2).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from .conftest import CHANNELS, one_line_error, run

OLD = b"the user's file, which must survive\n"
FAST = ["--channels", CHANNELS, "--no-progress", "--cache-dir", "{cache}"]
STYLE = ["--channels", "style", "--no-progress", "--cache-dir", "{cache}"]
TREE = ["tree", "{data}", "--bootstrap", "0", *FAST]
TRAIN = ["train", "{data}", "--models", "atlas,borealis,student-of-atlas", "--folds", "2"]

#: kind -> (file name, command line; {data}, {out} and {cache} are filled in)
KINDS = {
    "json": ("result.json", ["inspect", "{data}", "--out", "{out}"]),
    "csv": ("result.csv", ["inspect", "{data}", "--out", "{out}"]),
    "markdown": (
        "score.md",
        ["score", "{data}", "--suspect", "student-of-atlas", "--bootstrap", "5", *FAST, "--out"]
        + ["{out}"],
    ),
    "parquet": ("features.parquet", ["features", "{data}", "--out", "{out}", *STYLE]),
    "figure": ("tree.png", [*TREE, "--out", "{out}"]),
    "newick": ("tree.nwk", [*TREE, "--newick", "{out}"]),
    "matrix": ("d.csv", [*TREE, "--matrix", "{out}"]),
    "consensus": ("c.nwk", ["tree", "{data}", "--bootstrap", "3", *FAST, "--consensus", "{out}"]),
    "classifier": ("clf.skops", [*TRAIN, "--jobs", "1", *STYLE, "--out", "{out}"]),
    "overused": ("overused.csv", ["overused", "{data}", "--out", "{out}", "--top", "5"]),
}


@pytest.fixture
def fault_at(monkeypatch):
    """Make the move onto ``target`` fail with ``exc``; other moves (cache entries) go on."""

    def install(target: Path, exc: BaseException) -> None:
        real = os.replace

        def replace(src, dst, **kwargs):
            if Path(dst).resolve() == target.resolve():
                raise exc
            return real(src, dst, **kwargs)

        monkeypatch.setattr(os, "replace", replace)

    return install


def _disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("kind", list(KINDS))
def test_failed_forced_write_keeps_the_old_file(kind, small_demo, tmp_path, capsys, fault_at):
    name, argv = KINDS[kind]
    out = tmp_path / "outputs" / name
    out.parent.mkdir()
    out.write_bytes(OLD)
    fault_at(out, _disk_full())
    argv = [a.format(data=small_demo, out=out, cache=tmp_path / "cache") for a in argv]
    code, _, err = run(argv + ["--force"], capsys)
    assert code == 2 and one_line_error(err.splitlines()[-1] + "\n"), err
    last = err.splitlines()[-1]
    assert str(out) in last and "No space left on device" in last and "unchanged" in last
    assert out.read_bytes() == OLD
    assert [p.name for p in out.parent.iterdir()] == [name]  # no temporary left


@pytest.mark.parametrize("kind", ["json", "figure"])
def test_interrupted_forced_write_keeps_the_old_file(kind, small_demo, tmp_path, capsys, fault_at):
    name, argv = KINDS[kind]
    out = tmp_path / name
    out.write_bytes(OLD)
    fault_at(out, KeyboardInterrupt())
    argv = [a.format(data=small_demo, out=out, cache=tmp_path / "cache") for a in argv]
    code, _, err = run(argv + ["--force"], capsys)
    assert code == 130 and "interrupted" in err
    assert out.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == [name]


@pytest.fixture(scope="module")
def report_data(small_demo, tmp_path_factory):
    from detector.features import FeatureOptions
    from detector.report import gather_report_data

    return gather_report_data(
        small_demo,
        "student-of-atlas",
        channels=CHANNELS,
        n_bootstrap=10,
        tree_bootstrap=0,
        include_attribution=False,
        options=FeatureOptions(cache_dir=tmp_path_factory.mktemp("cache"), progress=False),
    )


@pytest.mark.parametrize("name", ["report.pdf", "report.html", "report.json"])
def test_failed_report_write_keeps_the_old_file(name, report_data, tmp_path, fault_at):
    from detector.errors import ProvenanceError
    from detector.report import render

    out = tmp_path / name
    out.write_bytes(OLD)
    fault_at(out, _disk_full())
    with pytest.raises(ProvenanceError, match="cannot be written.*unchanged"):
        if name.endswith(".json"):
            report_data.save(out)
        else:
            render(report_data, out)
    assert out.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_write_error_names_the_file_when_nothing_existed(tmp_path, fault_at):
    from detector.errors import ProvenanceError
    from detector.files import atomic_write

    out = tmp_path / "new.json"
    fault_at(out, _disk_full())
    with pytest.raises(ProvenanceError, match=f"{out}: cannot be written.*nothing was written"):
        atomic_write(out, "{}")
    assert list(tmp_path.iterdir()) == []
