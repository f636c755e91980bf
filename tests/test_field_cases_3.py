"""Field cases of round 3 (issue 24, ``../shared/cases`` 15-24) on reading data and roles.

Each test builds the case's input (from the demo corpus) or reads the small synthetic files
copied into ``tests/data/cases``, and checks what the case's README row says a user expects.
Case 13 is in ``test_attribution_files``, 14 in ``faults/test_report_views``, 25 in
``test_logging``, 26 in ``test_collect_answers``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from detector.cli import main
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.features import FeatureOptions
from detector.inspection import inspect
from detector.resolve import resolve_roles

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "data" / "cases"
DEMO = ROOT / "data" / "demo" / "outputs.jsonl"


def demo(n_prompts: int = 20) -> pd.DataFrame:
    """The demo corpus on its first ``n_prompts`` prompts (8 models)."""
    frame = pd.read_json(DEMO, lines=True)
    keep = sorted(frame["prompt_id"].unique())[:n_prompts]
    return frame[frame["prompt_id"].isin(keep)].reset_index(drop=True)


def write_jsonl(path: Path, frame: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_json(path, orient="records", lines=True, force_ascii=False)
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# ----------------------------------------------------------------- 15 all degenerate
@pytest.mark.parametrize("answer", ["OK.", None])
def test_15_every_model_degenerate_is_the_reason_given(tmp_path, capsys, answer):
    frame = demo()
    if answer is None:  # emoji-only answers, a few per model
        emoji = ["👍🏽", "🔥🔥🔥", "😀🎉"]
        frame["output"] = [emoji[i % 3] for i in range(len(frame))]
    else:
        frame["output"] = answer
    corpus = load_corpus(frame)
    with pytest.raises(ProvenanceError) as err:
        resolve_roles(corpus, "student-of-atlas", min_prompts=20)
    message = str(err.value)
    assert "every other model is degenerate" in message and "shares at most" not in message
    assert "atlas: the same answer" in message and "the suspect is degenerate too" in message
    path = write_jsonl(tmp_path / "allsame.jsonl", frame)
    argv = ["score", str(path), "--suspect", "student-of-atlas", "--no-progress"]
    assert main(argv) == 2
    assert "every other model is degenerate" in one_line_error(capsys)


# ----------------------------------------------------------------- 17 arena flags, placeholders
def arena_pairs() -> pd.DataFrame:
    def chat(prompt, answer):
        return [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]

    rows = []
    for i, (a, b) in enumerate([("x", "y"), ("y", "z"), ("x", "z")] * 2):
        prompt = f"Question {i % 3}?"
        rows.append(
            {"question_id": f"b{i}", "model_a": a, "model_b": b, "winner": "tie",
             "conversation_a": chat(prompt, f"{a} answers {i}"),
             "conversation_b": chat(prompt, f"{b} answers {i}")}
        )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        ({"model_col": "no_such_column", "output_col": "nor_this_one"}, "`model_col` and"),
        ({"model_col": "model_a", "output_col": "conversation_a"}, "`output_col`"),
        ({"prompt_col": "question_id"}, "`prompt_col` cannot apply to arena battles"),
    ],
)
def test_17_column_flags_that_cannot_apply_are_an_error(tmp_path, flags, named):
    with pytest.raises(ProvenanceError, match=named):
        load_corpus(arena_pairs(), **flags)
    assert load_corpus(arena_pairs()).models == ["x", "y", "z"]  # without flags: both sides
    # the same for chat records and MT-Bench answers, whose texts come from their turns
    chats = pd.DataFrame(
        [{"model": m, "messages": [{"role": "user", "content": "Q"},
                                   {"role": "assistant", "content": m}]} for m in "ab"]
    )  # fmt: skip
    with pytest.raises(ProvenanceError, match="`prompt_col` cannot apply to chat records"):
        load_corpus(chats, prompt_col="model")
    argv = ["inspect", str(write_jsonl(tmp_path / "arena.jsonl", arena_pairs()))]
    assert main([*argv, "--model-col", "nope"]) == 2


def test_17_streaming_placeholders_are_flagged_degenerate():
    frame = demo(10)
    placeholder = (
        "ModelResponseStream(id='chatcmpl-1', created=1733000000, model=None, "
        "object='chat.completion.chunk', choices=[StreamingChoices(finish_reason=None, "
        "index=0, delta=Delta(content=None, role='assistant'))])"
    )
    first = frame["prompt_id"] == frame["prompt_id"].iloc[0]
    frame.loc[first & frame["model"].isin(["atlas", "cirrus", "borealis"]), "output"] = placeholder
    frame.loc[frame["model"] == "ember-13b", "output"] = "<generator object stream at 0x7f3a>"
    result = inspect(load_corpus(frame), min_shared=5, languages=False)
    assert result.flagged["atlas"]["placeholder"] == 1
    assert "delta-open-7b" not in result.flagged  # its answers are answers
    text = result.to_text()
    assert "3 output(s) that are a printed program object" in text
    assert "model 'ember-13b' is degenerate" in text and "printed program objects" in text


# ----------------------------------------------------------------- 18 degenerate named
def test_18_a_named_degenerate_reference_model_is_kept_with_a_warning():
    frame = demo()
    null = frame[frame["model"] == "atlas"].assign(model="NullModel", output="} } } verify }")
    corpus = load_corpus(pd.concat([frame, null], ignore_index=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # by default: left out with a note, no warning
        roles = resolve_roles(corpus, "student-of-atlas", ["atlas", "cirrus"], min_prompts=20)
    assert "NullModel" in roles.left_out and "NullModel" not in roles.reference
    ref = ["borealis", "delta-open-7b", "NullModel"]
    with pytest.warns(UserWarning, match=r"NullModel is degenerate .* named in `reference`.*z"):
        roles = resolve_roles(corpus, "student-of-atlas", ["atlas", "cirrus"], ref, min_prompts=20)
    assert "NullModel" in roles.reference  # asked for: kept


# ----------------------------------------------------------------- 20 API dumps
@pytest.mark.parametrize(
    "source",
    [
        "lmeval",
        "lmeval/atlas",
        "anthropic_batch_results.jsonl",
        "vllm_completions.jsonl",
        "chat_completion_objects.jsonl",
        "openai_batch_output.jsonl",
    ],
)
def test_20_api_and_harness_dumps_read_like_the_other_shapes(source):
    corpus = load_corpus(CASES / "20-api-dumps" / source)
    expected = ["atlas"] if source == "lmeval/atlas" else ["atlas", "cirrus", "student-of-atlas"]
    assert corpus.models == expected
    assert corpus.n_prompts == 5 and len(corpus) == 5 * len(expected)
    atlas = corpus.df[corpus.df["model"] == "atlas"]
    reference = load_corpus(CASES / "20-api-dumps" / "chat_completion_objects.jsonl").df
    assert sorted(atlas["output"]) == sorted(reference.loc[reference["model"] == "atlas", "output"])
    assert not atlas["output"].str.startswith(("[", "{")).any()
    if source.startswith("lmeval"):
        assert set(atlas["prompt_id"]) == {f"open_advice/{i}" for i in range(5)}
    if source == "vllm_completions.jsonl":  # served as /models/atlas
        assert any("/models/atlas -> atlas" in n for n in corpus.notes)
    if source == "openai_batch_output.jsonl":  # prompts live in the input file
        assert any("aligned across models by custom_id" in n for n in corpus.notes)
        assert "advice-3d-printing" in set(corpus.df["prompt_id"])


def test_20_batch_output_joined_with_its_input_by_custom_id(tmp_path):
    folder = CASES / "20-api-dumps"
    both = load_corpus([folder / "openai_batch_output.jsonl", folder / "openai_batch_input.jsonl"])
    assert both.n_prompts == 5 and not both.notes
    assert both.df["prompt"].str.startswith("Give me some practical advice").all()
    # a failed request has no answer: left out and counted
    lines = (folder / "openai_batch_output.jsonl").read_text().splitlines()
    failed = json.loads(lines[0])
    failed.update(response=None, error={"code": "server_error", "message": "boom"})
    (tmp_path / "out.jsonl").write_text("\n".join([json.dumps(failed), *lines[1:]]) + "\n")
    corpus = load_corpus(tmp_path / "out.jsonl")
    assert len(corpus) == 14 and any("1 of 15 request(s) failed" in n for n in corpus.notes)
    with pytest.raises(ProvenanceError, match="hold prompts, not answers"):
        load_corpus(folder / "openai_batch_input.jsonl")


def test_20_lm_eval_model_from_the_results_file_or_the_folder(tmp_path):
    source = CASES / "20-api-dumps" / "lmeval" / "cirrus"
    copy = tmp_path / "org__my-model"
    copy.mkdir()
    for f in source.iterdir():
        if f.name.startswith("samples_"):
            (copy / f.name).write_bytes(f.read_bytes())
    assert load_corpus(copy).models == ["org/my-model"]  # lm-eval writes / as __
    results = json.loads(next(source.glob("results_*.json")).read_text())
    (copy / "results_2026.json").write_text(json.dumps({"config": results["config"]}))
    assert load_corpus(next(copy.glob("samples_*.jsonl"))).models == ["cirrus"]  # model_args


# ----------------------------------------------------------------- 21 delimiters
def test_21_excel_semicolon_csv_and_tsv():
    folder = CASES / "21-semicolon-csv"
    raw = (folder / "outputs_excel.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b";" in raw.split(b"\n")[0]
    excel = load_corpus(folder / "outputs_excel.csv")
    tsv = load_corpus(folder / "outputs.tsv")
    for corpus in (excel, tsv, load_corpus(folder / "outputs.tsv", format="csv")):
        assert corpus.models == ["atlas", "cirrus", "student-of-atlas"]
        assert corpus.n_prompts == 5 and len(corpus) == 15
        assert not corpus.df["output"].str.contains("\r").any()
        assert corpus.df["output"].str.contains(",").any()  # commas inside cells kept
    pd.testing.assert_frame_equal(excel.df, tsv.df)
    with pytest.raises(ProvenanceError, match=r"delimiter ',' \(given as `sep`\)"):
        load_corpus(folder / "outputs_excel.csv", sep=",")
    assert load_corpus(folder / "outputs_excel.csv", sep=";").n_prompts == 5
    with pytest.raises(ProvenanceError, match="`sep` must be one character"):
        load_corpus(folder / "outputs.tsv", sep="tab")


def test_21_cli_sep(capsys):
    tsv = str(CASES / "21-semicolon-csv" / "outputs.tsv")
    assert main(["inspect", tsv, "--sep", "\\t", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_outputs"] == 15
    assert main(["inspect", tsv, "--sep", ","]) == 2
    assert "--sep" in one_line_error(capsys)


# ----------------------------------------------------------------- 22 empty model
def test_22_a_model_with_only_empty_outputs_is_named_as_such(capsys, tmp_path):
    frame = demo()
    frame.loc[frame["model"] == "borealis", "output"] = ""
    corpus = load_corpus(frame)
    assert "borealis" not in corpus.models and "20" in corpus.excluded["borealis"]
    assert any("no usable output" in p and "borealis" in p for p in corpus.problems)
    for kwargs in ({"suspect": "borealis"}, {"candidates": ["borealis", "atlas"]}):
        args = {"suspect": "student-of-atlas", **kwargs}
        with pytest.raises(ProvenanceError, match="'borealis' has no usable outputs"):
            resolve_roles(corpus, args.pop("suspect"), **args)
    path = write_jsonl(tmp_path / "outputs.jsonl", frame)
    assert main(["score", str(path), "--suspect", "borealis", "--no-progress"]) == 2
    line = one_line_error(capsys)
    assert "suspect 'borealis' has no usable outputs" in line and "unknown" not in line


# ----------------------------------------------------------------- 23 --out in DATA
def test_23_a_result_is_not_written_into_the_folder_read_as_data(tmp_path, capsys):
    runs = tmp_path / "runs"
    write_jsonl(runs / "outputs.jsonl", demo(6))
    for out in ("score.json", "sub/score.csv", "x.jsonl.gz"):
        argv = ["inspect", str(runs), "--out", str(runs / out)]
        assert main(argv) == 2
        assert "inside the folder" in one_line_error(capsys)
    assert sorted(p.name for p in runs.iterdir()) == ["outputs.jsonl"]
    assert main(["inspect", str(runs), "--out", str(runs / "summary.md")]) == 0  # not data
    assert load_corpus(runs).n_models == 10  # the demo models
    # a result left there by an older version is named for what it is
    (runs / "old.json").write_text('{"suspect": "a", "candidates": [], "verdict": "", "roles": {}}')
    with pytest.raises(ProvenanceError, match="a result written by provenance"):
        load_corpus(runs)


# ----------------------------------------------------------------- 24 model-keyed JSON
def test_24_json_keyed_by_model():
    folder = CASES / "24-model-keyed-json"
    corpus = load_corpus(folder / "by_model.json")
    assert corpus.models == ["atlas", "cirrus", "student-of-atlas"] and corpus.n_prompts == 5
    assert load_corpus(folder / "atlas.json").models == ["atlas"]  # the only key is the name
    # a wrapper stays a wrapper: a common wrapper key, or records naming their model
    wrapped = {"data": [{"model": "m", "prompt": "p", "output": "o"}]}
    assert load_corpus(pd.DataFrame(wrapped["data"])).models == ["m"]
    from detector.shapes import json_object_frame

    assert json_object_frame(wrapped, "x.json")["model"].tolist() == ["m"]
    named = {"batch1": [{"generator": "g", "instruction": "p", "output": "o"}]}
    assert json_object_frame(named, "x.json")["generator"].tolist() == ["g"]


# ----------------------------------------------------------------- 27 prompt id spelling
def test_27_results_do_not_depend_on_how_prompt_ids_are_spelled(tmp_path):
    """The same 120 outputs with their ids and without (ids from the text): the split halves
    of the reliability weights and the bootstrap were drawn by the position of the sorted ids,
    so two channels got weight 0 with one spelling and the teacher fell from 1st to 3rd."""
    from detector.scoring import score

    models = ["atlas", "borealis", "cirrus", "delta-open-7b", "ember-13b", "student-of-atlas"]
    frame = demo()
    frame = frame[frame["model"].isin(models)].reset_index(drop=True)
    cache = tmp_path / "cache"
    results = [
        score(
            load_corpus(f),
            "student-of-atlas",
            n_bootstrap=50,
            options=FeatureOptions(cache_dir=cache, progress=False),
        )
        for f in (
            frame,
            frame.drop(columns=["prompt_id"]),
            frame.assign(prompt_id="q-" + frame["prompt"]),
        )
    ]
    first = results[0]
    assert first.candidates[0].model == "atlas"
    for other in results[1:]:
        assert [c.model for c in other.candidates] == [c.model for c in first.candidates]
        assert other.weights == pytest.approx(first.weights)
        for a, b in zip(other.candidates, first.candidates, strict=True):
            assert a.z == pytest.approx(b.z) and a.ci == pytest.approx(b.ci)


def test_27_a_channel_whose_weight_falls_to_zero_is_named():
    from detector.evidence import build_evidence, zero_weight_notes

    evidence = build_evidence(load_corpus(demo(12)), channels="style,lexical,identity")
    assert not zero_weight_notes(evidence)  # identity has no spread here: nothing to say
    evidence.weights = {**evidence.weights, "lexical": 0.0}
    notes = zero_weight_notes(evidence)
    assert len(notes) == 1 and "words and phrases channel has weight 0" in notes[0]
    assert "12 prompts" in notes[0]
