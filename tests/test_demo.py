"""The bundled demo corpus: reproducible, loadable, sized as documented, real lineage.

The corpus is generated twice (two temporary directories) per test session;
everything else reads those files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector import demo
from detector.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "demo"
REAL_LINEAGE = ROOT.parent / "shared" / "corpora" / "alpaca_eval" / "lineage.csv"
FILES = ("outputs.jsonl", "lineage.csv")
RELATIONS = {"independent", "distilled", "human_data", "derived", "variant"}
SCHEMA = ["model", "relation", "teacher", "teacher_family", "parent", "base_model", "weights",
          "source"]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first = tmp_path_factory.mktemp("demo_a")
    second = tmp_path_factory.mktemp("demo_b")
    demo.write_demo(first)
    assert demo.main(["--out", str(second)]) == 0
    return first, second


@pytest.fixture(scope="module")
def records(generated: tuple[Path, Path]) -> pd.DataFrame:
    return pd.read_json(generated[0] / "outputs.jsonl", lines=True, dtype=False)


@pytest.fixture(scope="module")
def lineage(generated: tuple[Path, Path]) -> pd.DataFrame:
    return pd.read_csv(generated[0] / "lineage.csv", dtype=str, keep_default_na=False)


def _words(text: str) -> int:
    return len(text.split())


def _opener(text: str) -> str:
    return next((o for o in demo.OPENERS if o and text.startswith(o + " ")), "")


def _distribution(values: list[str], options: tuple[str, ...]) -> np.ndarray:
    counts = Counter(values)
    p = np.array([counts[o] for o in options], dtype=float)
    return p / p.sum()


_SYNONYMS = sorted((v for vs in demo.SLOTS.values() for v in vs), key=len, reverse=True)
_SYNONYM = re.compile(r"(?<![\w'])(?:" + "|".join(map(re.escape, _SYNONYMS)) + r")(?![\w'])")


def _word_choices(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per slot, the share of each synonym in the text, and how often the slot occurs."""
    counts = Counter(_SYNONYM.findall("\n".join(texts).lower()))
    shares, totals = [], []
    for variants in demo.SLOTS.values():
        c = np.array([counts[v] for v in variants], dtype=float)
        shares.append(c / max(c.sum(), 1.0))
        totals.append(c.sum())
    return np.concatenate(shares), np.repeat(totals, [len(v) for v in demo.SLOTS.values()])


def _choice_distance(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """L1 distance of synonym shares, slots weighted by how often the two texts fill them."""
    weight = a[1] + b[1]
    return float((weight * np.abs(a[0] - b[0])).sum() / weight.sum())


def _family(lineage: pd.DataFrame, teacher: str) -> set[str]:
    """The teacher and the models made from it (variants, derived)."""
    return {teacher} | set(lineage.loc[lineage["parent"] == teacher, "model"])


# ------------------------------------------------------------ reproducibility
def test_regenerates_byte_for_byte(generated: tuple[Path, Path]) -> None:
    first, second = generated
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_committed_files_are_the_generator_output(generated: tuple[Path, Path]) -> None:
    for name in FILES:
        assert (COMMITTED / name).read_bytes() == (generated[0] / name).read_bytes(), (
            f"data/demo/{name} is stale; run python -m detector.demo"
        )


def test_module_entry_point_checks_the_committed_files_without_scipy() -> None:
    """``python -m detector.demo --check``: exit 0 on data/demo; numpy and pandas only."""
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['detector.demo', '--check', '--out', {str(COMMITTED)!r}]\n"
        "try:\n"
        "    runpy.run_module('detector.demo', run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    print(stop.code)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'sklearn', 'torch'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.split("\n")[:2] == ["0", "[]"], proc.stdout + proc.stderr


def test_check_flag_reports_stale_files(tmp_path: Path) -> None:
    (tmp_path / "outputs.jsonl").write_text("{}\n", encoding="utf-8")
    assert demo.main(["--out", str(tmp_path), "--check"]) == 1


def test_file_format(generated: tuple[Path, Path]) -> None:
    lines = (generated[0] / "outputs.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(line.startswith('{"model": ') for line in lines)
    rows = [json.loads(line) for line in lines]
    assert all(list(r) == ["model", "prompt_id", "prompt", "output"] for r in rows)
    assert any("café" in line for line in lines)  # written as UTF-8, not \u escapes
    order = [(r["model"], r["prompt_id"]) for r in rows]
    assert order == sorted(order)
    assert (generated[0] / "outputs.jsonl").read_bytes().endswith(b"}\n")


def test_generate_demo_matches_the_files(records: pd.DataFrame) -> None:
    frame, lineage = demo.generate_demo(0)
    assert list(frame.columns) == ["model", "prompt_id", "prompt", "output"]
    pd.testing.assert_frame_equal(frame, records)
    assert list(lineage.columns) == list(demo.LINEAGE_COLUMNS)


# ------------------------------------------------------------ loading and sizes
def test_loads_with_load_corpus(generated: tuple[Path, Path]) -> None:
    corpus = load_corpus(generated[0] / "outputs.jsonl")
    assert corpus.problems == []
    assert 8 <= corpus.n_models <= 10
    assert 100 <= corpus.n_prompts <= 140
    assert (corpus.coverage() == corpus.n_prompts).all()  # every model answers every prompt
    assert len(corpus.shared_prompts()) == corpus.n_prompts
    assert corpus.prompts().index.tolist() == sorted(p.prompt_id for p in demo.demo_prompts())


def test_sizes(generated: tuple[Path, Path], records: pd.DataFrame) -> None:
    assert (generated[0] / "outputs.jsonl").stat().st_size < 1_000_000
    words = records["output"].map(_words)
    assert words.min() >= demo.MIN_WORDS and words.max() <= demo.MAX_WORDS
    identity = records.loc[records["prompt_id"].str.startswith("identity-"), "prompt_id"]
    assert identity.nunique() >= 5


def test_training_prompts_are_not_corpus_prompts() -> None:
    corpus = {p.prompt for p in demo.demo_prompts()}
    training = {p.prompt for p in demo.training_prompts()}
    assert not corpus & training
    assert not {t.name for t in demo.DEMO_TOPICS} & {t.name for t in demo.TRAIN_TOPICS}


def test_topic_words_are_shared_by_every_model(records: pd.DataFrame) -> None:
    """Every answer on a topic uses that topic's vocabulary: the signal to remove."""
    text = records.set_index(["prompt_id", "model"])["output"]
    for p in demo.demo_prompts():
        if p.topic is None:
            continue
        vocab = {w for term in (p.topic.name, *p.topic.terms) for w in term.split() if len(w) > 4}
        answers = text.loc[p.prompt_id]
        assert len(answers) == len(demo.MODELS)
        assert answers.map(lambda t, v=vocab: any(w in t for w in v)).all(), p.prompt_id


# ------------------------------------------------------------ lineage
def test_lineage_schema(lineage: pd.DataFrame, records: pd.DataFrame) -> None:
    assert list(lineage.columns) == SCHEMA == list(demo.LINEAGE_COLUMNS)
    assert set(lineage["relation"]) <= RELATIONS
    assert set(lineage["weights"]) <= {"closed", "open"}
    assert sorted(lineage["model"]) == sorted(records["model"].unique())
    models = set(lineage["model"])
    distilled = lineage[lineage["relation"] == "distilled"]
    assert len(distilled) >= 1 and set(distilled["teacher"]) <= models
    assert (distilled["teacher_family"] != "").all()
    made_from = lineage[lineage["relation"].isin(["derived", "variant"])]
    assert set(made_from["parent"]) <= models
    others = lineage[~lineage["relation"].isin(["distilled"])]
    assert (others["teacher"] == "").all()
    assert {"independent", "distilled", "human_data", "derived", "variant"} == set(
        lineage["relation"]
    )


@pytest.mark.skipif(not REAL_LINEAGE.exists(), reason="../shared/corpora/alpaca_eval absent")
def test_lineage_columns_match_the_real_file(lineage: pd.DataFrame) -> None:
    """The demo writes the real file's columns, in its order; the real file may add more
    after them (it now carries ``released``, which the demo does not write)."""
    header = REAL_LINEAGE.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert list(lineage.columns) == header[: len(lineage.columns)]


# ------------------------------------------------------------ distillation
def _students(lineage: pd.DataFrame) -> list[tuple[str, str]]:
    rows = lineage[lineage["relation"] == "distilled"]
    return list(zip(rows["model"], rows["teacher"], strict=True))


def test_student_openers_come_from_its_teacher(
    records: pd.DataFrame, lineage: pd.DataFrame
) -> None:
    """Measured on the text: nearest opener distribution outside the teacher's family."""
    dist = {
        m: _distribution(g["output"].map(_opener).tolist(), demo.OPENERS)
        for m, g in records.groupby("model")
    }
    for student, teacher in _students(lineage):
        tv = {m: 0.5 * np.abs(dist[student] - d).sum() for m, d in dist.items() if m != student}
        unrelated = {m: v for m, v in tv.items() if m not in _family(lineage, teacher)}
        assert tv[teacher] < min(unrelated.values()), (student, tv)


def test_student_word_choices_come_from_its_teacher(
    records: pd.DataFrame, lineage: pd.DataFrame
) -> None:
    choices = {m: _word_choices(g["output"]) for m, g in records.groupby("model")}
    for student, teacher in _students(lineage):
        dist = {
            m: _choice_distance(choices[student], c) for m, c in choices.items() if m != student
        }
        unrelated = {m: v for m, v in dist.items() if m not in _family(lineage, teacher)}
        assert dist[teacher] < min(unrelated.values()), (student, dist)


def test_student_is_not_its_teacher_by_length(records: pd.DataFrame, lineage: pd.DataFrame) -> None:
    """Length alone must not find the teacher: the student is shorter than it."""
    mean = records.assign(words=records["output"].map(_words)).groupby("model")["words"].mean()
    for student, teacher in _students(lineage):
        assert mean[student] < 0.93 * mean[teacher]
        nearest = (mean.drop(student) - mean[student]).abs().idxmin()
        assert nearest != teacher


def test_identity_leaks(records: pd.DataFrame, lineage: pd.DataFrame) -> None:
    identity = records[records["prompt_id"].str.startswith("identity-")]
    said = identity.groupby("model")["output"].apply(" ".join)
    assert "I am Atlas" in said["student-of-atlas"]  # learned from atlas's text
    human = lineage.loc[lineage["relation"] == "human_data", "model"]
    closed = lineage.loc[lineage["weights"] == "closed", "model"]
    for m in human:
        assert not any(name.split("_")[0].capitalize() in said[m] for name in closed)


def test_human_data_control_is_short_and_plain(records: pd.DataFrame) -> None:
    out = records.groupby("model")["output"]
    words = out.apply(lambda s: s.map(_words).mean())
    markdown = out.apply(lambda s: s.str.contains(r"(?m)^(?:#|- |\* |\d+\. )").mean())
    assert words["human-sft-13b"] <= words.min() + 5
    assert markdown["human-sft-13b"] < 0.05


def test_fit_style_recovers_the_habits_it_is_fit_to() -> None:
    """Counting recovers a style from its own text: the student's learning works."""
    teacher = demo.demo_styles(0)["atlas"]
    fitted = demo.fit_style(demo.training_samples(teacher, 0, stream=999))
    assert 0.5 * np.abs(fitted.openers - teacher.openers).sum() < 0.1
    assert 0.5 * np.abs(fitted.closers - teacher.closers).sum() < 0.1
    assert abs(fitted.heading - teacher.heading) < 0.1
    assert abs(fitted.length - teacher.length) < 0.6
    for slot in ("important", "overall", "also"):
        assert fitted.slots[slot].argmax() == teacher.slots[slot].argmax()
    assert fitted.self_id[0][0] == teacher.self_id[0][0]


def test_fit_style_needs_samples() -> None:
    with pytest.raises(ValueError):
        demo.fit_style([])


def test_data_card_lineage_table_matches_lineage_csv(lineage: pd.DataFrame) -> None:
    card = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in card.lower() and "provenance inspect" in card
    rows = {}
    for line in card.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] in set(lineage["model"]):
            rows[cells[0]] = cells
    assert sorted(rows) == sorted(lineage["model"])
    for r in lineage.itertuples(index=False):
        model, relation, teacher, parent, base, weights, _ = rows[r.model]
        assert (relation, parent, base, weights) == (r.relation, r.parent, r.base_model, r.weights)
        assert teacher.split(" ")[0] == r.teacher
        if r.teacher_family:
            assert f"`{r.teacher_family}`" in teacher
