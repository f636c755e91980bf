"""Options checked by the parser, messages that name real flags, formats and safe outputs."""

from __future__ import annotations

import argparse
import ast
import json
import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.cli import build_parser, main
from detector.cli.common import split_names
from detector.cli.output import flag_for, show_flags
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.inspection import inspect

from .conftest import REPO, make_records, single_channel_evidence

DEMO = REPO / "data" / "demo" / "outputs.jsonl"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("provenance: error:") and "Traceback" not in err


@pytest.fixture
def csv(tmp_path) -> Path:
    path = tmp_path / "c.csv"
    make_records(4, 6).to_csv(path, index=False)
    return path


# ------------------------------------------------------------ numeric options
BAD_OPTIONS = [
    (["score", "d.jsonl", "--suspect", "s", "--seed", "-5"], "--seed must be an integer of at least 0"),
    (["score", "d.jsonl", "--suspect", "s", "--bootstrap", "0"], "--bootstrap must be an integer of at least 1"),
    (["score", "d.jsonl", "--suspect", "s", "--alpha", "7"], "--alpha must be a number between 0 and 1"),
    (["score", "d.jsonl", "--suspect", "s", "--alpha", "nan"], "--alpha must be a number between 0 and 1"),
    (["score", "d.jsonl", "--suspect", "s", "--alpha", "0"], "--alpha must be"),
    (["benchmark", "d.jsonl", "--lineage", "l.csv", "--bootstrap", "0"], "--bootstrap must be"),
    (["report", "d.jsonl", "--suspect", "s", "--out", "r.pdf", "--tree-bootstrap", "-1"], "--tree-bootstrap must be"),
    (["report", "d.jsonl", "--suspect", "s", "--out", "r.pdf", "--attribution-prompts", "5"], "at least 10"),
    (["report", "d.jsonl", "--suspect", "s", "--out", "r.pdf", "--seed", "x"], "--seed must be an integer"),
    (["tree", "d.jsonl", "--bootstrap", "-1"], "--bootstrap must be an integer of at least 0"),
    (["tree", "d.jsonl", "--min-shared", "0"], "--min-shared must be an integer of at least 1"),
    (["inspect", "d.jsonl", "--min-shared", "0"], "--min-shared must be"),
    (["train", "d.jsonl", "--out", "c.skops", "--jobs", "0"], "--jobs must be an integer of at least 1"),
    (["train", "d.jsonl", "--out", "c.skops", "--folds", "1"], "--folds must be an integer of at least 2"),
    (["demo", "--seed", "-1"], "--seed must be"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--concurrency", "0"], "--concurrency must be"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--max-tries", "0"], "--max-tries must be"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--timeout", "0"], "--timeout must be a finite number above 0"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--timeout", "inf"], "--timeout must be"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--temperature", "-1"], "--temperature must be"),
    (["collect", "--endpoint", "http://x", "--models", "m", "--prompts", "p", "--out", "o.jsonl", "--max-tokens", "0"], "--max-tokens must be"),
]  # fmt: skip


@pytest.mark.parametrize("argv, needle", BAD_OPTIONS)
def test_numeric_options_are_checked_by_the_parser(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2 and one_line_error(err), err
    assert needle in err
    assert out == "" and list(tmp_path.iterdir()) == []  # nothing read, nothing written


def test_library_rejects_the_same_values():
    from detector.attribution import train
    from detector.scoring import score
    from detector.tree import lineage_tree

    rng = np.random.default_rng(0)
    sims = rng.normal(size=(24, 8, 8)).astype(np.float32)
    evidence = single_channel_evidence(
        [f"m{i}" for i in range(8)], (sims + sims.transpose(0, 2, 1)) / 2
    )
    for kwargs, name in [
        ({"seed": -5}, "`seed`"),
        ({"n_bootstrap": 0}, "`n_bootstrap`"),
        ({"alpha": 7}, "`alpha`"),
        ({"alpha": float("nan")}, "`alpha`"),
    ]:
        with pytest.raises(ProvenanceError, match=name):
            score(evidence, "m0", **kwargs)
    with pytest.raises(ProvenanceError, match="`n_bootstrap`"):
        lineage_tree(evidence, n_bootstrap=-1)
    with pytest.raises(ProvenanceError, match="`seed`"):
        lineage_tree(evidence, seed=-1)
    with pytest.raises(ProvenanceError, match="`min_shared`"):
        lineage_tree(evidence, min_shared=0)
    corpus = load_corpus(make_records(3, 12))
    with pytest.raises(ProvenanceError, match="`n_jobs`"):
        train(corpus, n_jobs=0)
    with pytest.raises(ProvenanceError, match="`n_folds`"):
        train(corpus, n_folds=1)
    with pytest.raises(ProvenanceError, match="`min_shared`"):
        inspect(corpus, min_shared=0)


# ------------------------------------------------- messages name real flags
def _library_messages() -> dict[str, set[str]]:
    """Backticked names and literal flags in the library's errors, warnings and log lines."""
    found: dict[str, set[str]] = {"names": set(), "flags": set()}
    for path in (REPO / "detector").rglob("*.py"):
        if "cli" in path.relative_to(REPO / "detector").parts:
            continue  # the CLI itself names flags
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if called in ("ProvenanceError", "warn", "warning"):  # errors, warnings, log lines
                text = "".join(
                    c.value
                    for c in ast.walk(node)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )
                found["names"] |= set(re.findall(r"`([A-Za-z_]\w*)`", text))
                found["flags"] |= set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
    return found


#: Parameters that no command passes on from the user (so no flag can be wrong).
#: consensus_tree(threshold=): the CLI always uses 0.5; compute_features(options=) and keywords
#: together: the CLI passes options only.
LIBRARY_ONLY = {"threshold", "options"}


def test_library_messages_name_parameters_that_are_flags():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    flags = {s for p in sub.choices.values() for a in p._actions for s in a.option_strings}
    found = _library_messages()
    assert found["flags"] == set(), "library messages name parameters, not flags"
    assert {"candidates", "force", "n_bootstrap", "format", "cache_dir"} <= found["names"]
    for name in found["names"] - LIBRARY_ONLY:
        assert flag_for(name, None) in flags, name


def test_show_flags_uses_the_commands_own_flags():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    score, collect = sub.choices["score"], sub.choices["collect"]
    text = "remove it from `candidates`; pass `force`; raise `n_bootstrap`; see `format`"
    assert show_flags(text, score) == (
        "remove it from --candidates; pass --force; raise --bootstrap; see --input-format"
    )
    assert show_flags("pass `force`", collect) == "pass `force`"  # collect has no --force
    assert show_flags("`api_key_env` is empty", collect) == "--api-key-env is empty"


@pytest.mark.parametrize(
    "argv, needle",
    [
        (
            ["score", "{csv}", "--suspect", "m0", "--candidates", "m0"],
            "remove it from --candidates",
        ),
        (["inspect", "{txt}"], "or pass --input-format"),
        (["features", "{csv}", "--channels", "vibes", "--out", "{pq}"], "for --channels"),
        (["tree", "{csv}", "--models", "m0,m1,m2", "--min-shared", "50"], "lower --min-shared"),
    ],
)
def test_library_errors_show_flags(tmp_path, csv, capsys, argv, needle):
    txt = tmp_path / "c.txt"
    txt.write_text("x")
    argv = [a.format(csv=csv, txt=txt, pq=tmp_path / "f.parquet") for a in argv]
    code, _, err = run(argv, capsys)
    assert code == 2 and one_line_error(err) and needle in err, err
    assert "`" not in err


def test_unusable_cache_dir_warns_naming_the_option(tmp_path, csv, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    argv = ["features", csv, "--channels", "style", "--out", tmp_path / "f.parquet"]
    code, _, err = run(argv + ["--cache-dir", blocker / "cache"], capsys)
    assert code == 0, err
    warning = [line for line in err.splitlines() if line.startswith("provenance: warning:")]
    assert len(warning) == 1 and "--cache-dir" in warning[0] and "`" not in warning[0]


# ----------------------------------------------------------- model names
def test_split_names_takes_a_whole_name_with_a_comma():
    known = ["org/model, v2", "other", "a", "b"]
    assert split_names(None, known) is None
    assert split_names(["a,b"], known) == ["a", "b"]
    assert split_names(["org/model, v2", "other"], known) == ["org/model, v2", "other"]
    assert split_names(["a", "b,a"], known) == ["a", "b"]
    assert split_names(["a, nobody"], known) == ["a", "nobody"]  # the library names 'nobody'
    assert split_names([" , "], known) is None


def test_a_name_made_of_other_names_is_chosen_exactly_or_refused_as_ambiguous(tmp_path, capsys):
    """Issue 24: models 'a', 'b' and 'a,b' (or 'x, y,z' cut two ways): what is chosen is what
    the user named, or one line says it is ambiguous and how to write each reading."""
    known = ["a", "b", "a,b", "x, y", "z", "x", "y,z", "org/model, v2", "other"]
    with pytest.raises(ProvenanceError, match=r"`candidates` 'a,b' is ambiguous.*'a\\\\,b'"):
        split_names(["a,b"], known, "candidates")
    with pytest.raises(ProvenanceError, match="ambiguous"):
        split_names(["x, y,z"], known)  # 'x, y' + 'z' or 'x' + 'y,z'
    assert split_names(["a\\,b"], known) == ["a,b"]
    assert split_names(["a", "b"], known) == ["a", "b"]
    assert split_names(["x\\, y,z"], known) == ["x, y", "z"]  # each reading can be written
    assert split_names(["x, y\\,z"], known) == ["x", "y,z"]
    assert split_names(["org/model, v2,other"], known) == ["org/model, v2", "other"]
    assert split_names(["x,z"], known) == ["x", "z"]
    from .test_tree import make_family_corpus

    families = [["a", "a2"], ["b", "b2"], ["a,b", "c2"]]
    path = tmp_path / "c.csv"
    make_family_corpus(families).to_csv(path, index=False)
    argv = ["tree", path, "--channels", "style,lexical", "--bootstrap", "0", "--format", "json"]
    code, _, err = run([*argv, "--models", "a,b", "--models", "c2"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "--models 'a,b' is ambiguous" in err and "`" not in err
    code, out, err = run([*argv, "--models", "a\\,b,c2,b2"], capsys)
    assert code == 0, err
    assert json.loads(out)["models"] == ["a,b", "c2", "b2"]


def test_any_model_name_can_be_selected(tmp_path, capsys):
    from .test_tree import make_family_corpus

    families = [["org/model, v2", "a2"], ["name with spaces", "b2"], ["c1", "c2"]]
    path = tmp_path / "c.csv"
    make_family_corpus(families).to_csv(path, index=False)
    argv = ["tree", path, "--channels", "style,lexical", "--bootstrap", "0", "--format", "json"]
    argv += ["--models", "org/model, v2", "--models", "name with spaces,c1"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert json.loads(out)["models"] == ["org/model, v2", "name with spaces", "c1"]


# ----------------------------------------------------------- output formats
@pytest.mark.parametrize("suffix", [".json", ".csv", ".md", ".txt"])
def test_out_suffix_sets_the_format(tmp_path, csv, capsys, suffix):
    out = tmp_path / f"summary{suffix}"
    code, stdout, err = run(["inspect", csv, "--min-shared", "2", "--out", out], capsys)
    assert code == 0, err
    assert stdout == "" and f"wrote {out}" in err
    text = out.read_text()
    if suffix == ".json":
        assert json.loads(text)["n_models"] == 4
    elif suffix == ".csv":
        frame = pd.read_csv(out)
        assert list(frame["model"]) == ["m0", "m1", "m2", "m3"] and "answered" in frame
    elif suffix == ".md":
        assert text.startswith("| model | answered |")
    else:
        assert "4 models" in text and "problems: none" in text


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_format_on_stdout(csv, capsys, fmt):
    code, out, _ = run(["inspect", csv, "--min-shared", "2", "--format", fmt], capsys)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["n_prompts"] == 6
    elif fmt == "csv":
        assert out.splitlines()[0].startswith("model,answered")
    else:
        assert out.splitlines()[1].startswith("| --- |")


def test_format_contradicting_the_suffix_is_refused(tmp_path, csv, capsys):
    out = tmp_path / "x.csv"
    code, _, err = run(["inspect", csv, "--format", "json", "--out", out], capsys)
    assert code == 2 and one_line_error(err) and "--format" in err and ".csv" in err
    assert not out.exists()


def test_features_writes_csv_or_parquet_only(tmp_path, csv, capsys):
    out = tmp_path / "f.csv"
    code, _, err = run(["features", csv, "--channels", "style", "--out", out], capsys)
    assert code == 0, err
    assert {"model", "prompt_id"} <= set(pd.read_csv(out).columns)
    code, _, err = run(
        ["features", csv, "--channels", "style", "--out", tmp_path / "f.txt"], capsys
    )
    assert code == 2 and "--out must end in .parquet, .pq or .csv" in err


# ----------------------------------------------------- nothing overwritten
@pytest.mark.parametrize(
    "argv, option",
    [
        (["score", "missing.jsonl", "--suspect", "s", "--out", "{old}"], None),
        (["tree", "missing.jsonl", "--newick", "{old}"], None),
        (["tree", "missing.jsonl", "--matrix", "{old}"], None),
        (["train", "missing.jsonl", "--out", "new.skops", "--figure", "{old_png}"], None),
        (["benchmark", "missing.jsonl", "--lineage", "l.csv", "--out", "{old}"], None),
        (["attribute", "clf.skops", "missing.jsonl", "--out", "{old}"], None),
    ],
)
def test_existing_outputs_are_refused_before_any_work(tmp_path, monkeypatch, capsys, argv, option):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.txt").write_text("keep me")
    (tmp_path / "old.png").write_text("keep me")
    argv = [a.format(old="old.txt", old_png="old.png") for a in argv]
    code, _, err = run(argv, capsys)
    assert code == 2 and one_line_error(err), err
    assert "already exists" in err and "--force" in err  # not "no such file": checked first
    assert (tmp_path / "old.txt").read_text() == "keep me"


def test_an_input_is_never_an_output(csv, capsys):
    before = csv.read_bytes()
    code, _, err = run(["inspect", csv, "--out", csv, "--force"], capsys)
    assert code == 2 and one_line_error(err) and "is an input" in err and "--out" in err
    assert csv.read_bytes() == before


def test_a_failed_forced_write_keeps_the_old_file(tmp_path, capsys, monkeypatch):
    import detector.figures as figures

    from .test_tree import make_family_corpus

    csv = tmp_path / "c.csv"
    make_family_corpus([["a1", "a2"], ["b1", "b2"], ["c"]], n_prompts=25).to_csv(csv, index=False)
    old = tmp_path / "tree.png"
    old.write_bytes(b"old figure")

    class Broken:
        def savefig(self, *args, **kwargs):
            Path(args[0]).write_bytes(b"half")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(figures, "dendrogram_figure", lambda result: Broken())
    monkeypatch.setattr("matplotlib.pyplot.close", lambda fig: None)
    argv = ["tree", csv, "--channels", "style,lexical", "--bootstrap", "0"]
    code, _, err = run(argv + ["--out", old, "--force"], capsys)
    assert code == 2 and one_line_error(err) and "No space left" in err
    assert old.read_bytes() == b"old figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "tree.png"]


# ------------------------------------------------------------- NaN in JSON
def test_json_output_never_holds_nan(tmp_path, csv, capsys, monkeypatch):
    import detector.inspection as inspection_module

    real = inspection_module.inspect

    def with_nan(corpus, min_shared=20, **kwargs):
        result = real(corpus, min_shared=min_shared, **kwargs)
        result.lengths["m0"]["mean_chars"] = float("nan")
        result.lengths["m1"]["mean_words"] = float("inf")
        return result

    monkeypatch.setattr(inspection_module, "inspect", with_nan)
    code, out, err = run(["inspect", csv, "--min-shared", "2", "--format", "json"], capsys)
    assert code == 0, err

    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")

    data = json.loads(out, parse_constant=refuse)
    assert data["lengths"]["m0"]["mean_chars"] is None
    assert data["lengths"]["m1"]["mean_words"] is None


# ---------------------------------------------- warnings, log level, progress
def _patched_inspect(monkeypatch, action):
    import detector.inspection as inspection_module

    real = inspection_module.inspect

    def patched(corpus, min_shared=20, **kwargs):
        action()
        return real(corpus, min_shared=min_shared, **kwargs)

    monkeypatch.setattr(inspection_module, "inspect", patched)


def test_warnings_print_as_one_line_without_source_paths(csv, capsys, monkeypatch):
    _patched_inspect(
        monkeypatch, lambda: warnings.warn("cache entry\nrecomputed", UserWarning, stacklevel=1)
    )
    code, _, err = run(["inspect", csv, "--min-shared", "2"], capsys)
    assert code == 0
    assert err == "provenance: warning: cache entry recomputed\n"
    code, _, err = run(["inspect", csv, "--min-shared", "2", "-q"], capsys)
    assert code == 0 and err == ""


def test_verbosity_sets_the_log_level(csv, capsys, monkeypatch):
    _patched_inspect(monkeypatch, lambda: logging.getLogger("detector.corpus").info("reading"))
    code, _, err = run(["inspect", csv, "--min-shared", "2"], capsys)
    assert code == 0 and "reading" not in err
    code, _, err = run(["inspect", csv, "--min-shared", "2", "-v"], capsys)
    lines = err.splitlines()  # the command's own info lines too (issue 24), one format
    assert code == 0 and "provenance: INFO: reading" in lines
    assert all(line.startswith("provenance: INFO: ") for line in lines)
    code, _, err = run(["-v", "inspect", csv, "--min-shared", "2"], capsys)
    assert "reading" in err
    assert not logging.getLogger("detector").handlers  # nothing left behind


def test_progress_is_silent_unless_asked_when_stderr_is_no_terminal(csv, capsys, tmp_path):
    argv = ["features", csv, "--channels", "style", "--cache-dir", tmp_path / "cache"]
    code, _, err = run(argv + ["--out", tmp_path / "a.parquet"], capsys)
    assert code == 0 and "stylometry" not in err
    argv[-1] = tmp_path / "cache2"
    code, _, err = run(argv + ["--out", tmp_path / "b.parquet", "--progress"], capsys)
    assert code == 0 and "stylometry" in err


def test_progress_auto_follows_the_terminal(monkeypatch):
    from detector import progress

    class Tty:
        def isatty(self):
            return True

    monkeypatch.delitem(__import__("sys").modules, "ipykernel", raising=False)
    assert progress.enabled(True) and not progress.enabled(False)
    monkeypatch.setattr("sys.stderr", Tty())
    assert progress.enabled(None)
    monkeypatch.setattr("sys.stderr", object())
    assert not progress.enabled(None)


# --------------------------------------------------------------- score table
def test_score_table_fits_100_columns(tmp_path, capsys):
    records = pd.read_json(DEMO, lines=True)
    long = "a-very-long-organisation-name/an-even-longer-model-name-v2.1-instruct-preview"
    records["model"] = records["model"].replace({"cirrus": long})
    path = tmp_path / "demo.jsonl"
    records.to_json(path, orient="records", lines=True)
    argv = ["score", path, "--suspect", "student-of-atlas", "--channels", "style,identity"]
    argv += ["--bootstrap", "50", "--cache-dir", tmp_path / "cache"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 100, out
    assert "left out, zero for every candidate: identity" in out
    assert "sty = style" in out and "#1: " in out and "verdict (" in out
    table = out.split("\nverdict (")[0]  # the sentences below the table name models whole
    assert "long model names shortened" in out and long not in table
    assert "\nwhich: " in out  # the second question's line (teacher_choice)
    code, wide, _ = run(argv + ["--wide"], capsys)
    assert code == 0 and long in wide and "z_identity" in wide
    code, data, _ = run(argv + ["--format", "csv"], capsys)
    frame = pd.read_csv(__import__("io").StringIO(data))
    assert long in set(frame["model"]) and "z_style" in frame


def test_demo_fits_100_columns(capsys, monkeypatch, tmp_path):
    import detector.evidence as evidence_module

    build = evidence_module.build_evidence  # imported by run_demo when it runs
    monkeypatch.setattr(
        evidence_module,
        "build_evidence",
        lambda corpus, **kw: build(corpus, **{**kw, "channels": "style,lexical"}),
    )
    code, out, err = run(["demo", "--cache-dir", tmp_path / "cache", "--no-progress"], capsys)
    assert code == 0, err
    assert out.count("verdict (") == 2 and out.count("per candidate:") == 2
    lines = [line for line in out.splitlines() if not line.startswith(str(DEMO))]  # the path
    assert max(len(line) for line in lines) <= 100
