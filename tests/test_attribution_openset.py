"""Open-set attribution: "unknown" per text, "none of these" per model, models that are not classes.

Uses the synthetic field case 11-attribution-open-set (copied into tests/data)
and the synthetic habit corpora of test_attribution.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from detector.attribution import (
    TRUSTED_TYPES,
    UNKNOWN,
    attribute,
    load_classifier,
    save_classifier,
    train,
)
from detector.attribution.openset import OpenSet, calibrate
from detector.cli import main
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.features import FeatureOptions
from tests.test_attribution import HABITS, synth, synth_frame

CASE = Path(__file__).parent / "data/cases/11-attribution-open-set"


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    cache = tmp_path_factory.mktemp("case11-cache")
    clf, evaluation = train(
        load_corpus(CASE / "train.jsonl"), options=FeatureOptions(cache_dir=cache)
    )
    result = attribute(
        clf, load_corpus(CASE / "new_texts.jsonl"), options=FeatureOptions(cache_dir=cache)
    )
    return clf, evaluation, result, cache


def test_case_names_the_model_that_is_not_a_class(case):
    _, _, result, _ = case
    assert result.not_classes == ["human-sft-13b"]
    assert any("human-sft-13b is not among the classifier's 5 models" in n for n in result.notes)
    assert "not a class of the classifier" in result.to_text()


def test_case_reports_none_of_these_for_the_unseen_model_only(case):
    _, _, result, _ = case
    unseen, known = result.open_set["human-sft-13b"], result.open_set["atlas"]
    assert unseen["none_of_these"] and unseen["p_holm"] < 0.01
    assert unseen["below_median"] > 0.7 * unseen["n"]
    assert not known["none_of_these"] and known["p"] > 0.1
    assert "none of these models" in result.to_text()
    # the known model's texts still go to it
    assert result.by_model["atlas"]["atlas"] > 0.85


def test_per_model_summary_counts_abstentions(case):
    _, _, result, _ = case
    for model, shares in result.by_model.items():
        n = sum(t["model"] == model for t in result.texts)
        unknown = sum(t["model"] == model and t["predicted"] == UNKNOWN for t in result.texts)
        assert result.abstained[model] == unknown
        assert shares[UNKNOWN] == pytest.approx(unknown / n)
        assert sum(shares.values()) == pytest.approx(1.0)
        assert f"{n} outputs, {unknown} answered unknown" in result.to_text()
    assert list(result.to_frame().columns)[-1] == UNKNOWN


def test_cli_warns_about_models_that_are_not_classes(case, tmp_path, capsys):
    clf, _, _, _ = case
    path = save_classifier(clf, tmp_path / "clf.skops")
    args = ["attribute", str(path), str(CASE / "new_texts.jsonl"), "--no-progress"]
    assert main(args + ["--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr()
    warnings = [line for line in out.err.splitlines() if line.startswith("provenance: warning:")]
    assert len(warnings) == 1 and "human-sft-13b" in warnings[0] and "atlas" not in warnings[0]
    assert "human-sft-13b (30 outputs" in out.out and "none of these models" in out.out


# ------------------------------------------------------------------ the threshold rule
def test_threshold_keeps_the_stated_share_of_held_out_texts(case):
    clf, evaluation, _, _ = case
    settings = clf.metadata["open_set"]
    assert settings["coverage"] == 0.95
    assert evaluation.abstain_coverage == 0.95 and evaluation.attributed >= 0.95
    rule = OpenSet(settings, clf.models)
    top, pred = clf.oof_proba_.max(axis=1), np.argmax(clf.oof_proba_, axis=1)
    for k, c in enumerate(clf.models):
        mine = top[pred == k]
        # the class's threshold is an observed quantile: about 5% of its held-out texts fall below
        assert np.mean(mine < rule.thresholds[c]) <= 0.05 + 1 / len(mine)
        assert rule.thresholds[c] == pytest.approx(
            np.quantile(mine, 0.05, method="lower"), abs=1e-6
        )
    assert clf.abstain_thresholds == pytest.approx(rule.thresholds)
    # a stricter rule abstains more, 1 never abstains
    assert OpenSet(settings, clf.models, 0.8).abstain(clf.oof_proba_).mean() > 0.15
    assert not OpenSet(settings, clf.models, 1.0).abstain(clf.oof_proba_).any()


def test_texts_like_no_class_are_answered_unknown(tmp_path):
    corpus = synth(4, 40)
    clf, _ = train(
        corpus, channels="lexical,style", n_folds=4, options=FeatureOptions(cache_dir=tmp_path)
    )
    # a model mixing four classes' habits: no class claims its texts with confidence
    mix = (HABITS["alpha"][0], HABITS["beta"][1], HABITS["gamma"][2], HABITS["delta"][3])
    mixed = load_corpus(synth_frame({"mix": mix}, 30, seed=3))
    result = attribute(clf, mixed, options=FeatureOptions(cache_dir=tmp_path))
    assert result.abstained["mix"] >= 15
    assert result.by_model["mix"][UNKNOWN] == pytest.approx(result.abstained["mix"] / 30)
    assert result.open_set["mix"]["none_of_these"]
    assert (
        attribute(clf, mixed, options=FeatureOptions(cache_dir=tmp_path), coverage=1.0).abstained[
            "mix"
        ]
        == 0
    )
    with pytest.raises(ProvenanceError, match="coverage"):
        attribute(clf, mixed, coverage=1.5)
    with pytest.raises(ProvenanceError, match="coverage"):
        train(corpus, channels="style", coverage=0)
    # texts of the classes on new prompts: few unknown, no model flagged
    known = attribute(clf, synth(4, 20, seed=9), options=FeatureOptions(cache_dir=tmp_path))
    assert not any(t["none_of_these"] for t in known.open_set.values())
    assert sum(known.abstained.values()) <= 0.15 * len(known.texts)


def test_texts_unlike_any_class_are_none_of_these_as_a_group(tmp_path):
    """Gibberish can get a confident top probability text by text; as a group it cannot."""
    clf, _ = train(
        synth(4, 40),
        channels="lexical,style",
        n_folds=4,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    rng = np.random.default_rng(0)
    gibberish = [
        " ".join("".join(rng.choice(list("qxzjvkw"), 6)) for _ in range(30)) for _ in range(20)
    ]
    frame = pd.DataFrame({"model": "odd", "prompt": [f"p{i}" for i in range(20)]})
    result = attribute(
        clf, load_corpus(frame.assign(output=gibberish)), options=FeatureOptions(cache_dir=tmp_path)
    )
    assert result.open_set["odd"]["none_of_these"] and result.open_set["odd"]["p_holm"] < 1e-4
    assert result.not_classes == ["odd"]


def test_settings_survive_saving(case, tmp_path):
    clf, _, result, cache = case
    loaded = load_classifier(save_classifier(clf, tmp_path / "c.skops"))
    assert loaded.abstain_thresholds == clf.abstain_thresholds
    again = attribute(
        loaded, load_corpus(CASE / "new_texts.jsonl"), options=FeatureOptions(cache_dir=cache)
    )
    assert [t["predicted"] for t in again.texts] == [t["predicted"] for t in result.texts]
    assert again.open_set == result.open_set
    json.loads(again.to_json())


def test_classifier_saved_without_open_set_never_abstains(case, tmp_path):
    clf, _, _, cache = case
    path = save_classifier(clf, tmp_path / "c.skops")
    state = sio.loads(path.read_bytes(), trusted=TRUSTED_TYPES)
    meta = json.loads(state["metadata_json"])
    del meta["open_set"]  # as files written before abstention existed
    state["metadata_json"] = json.dumps(meta)
    old = tmp_path / "old.skops"
    old.write_bytes(sio.dumps(state))
    result = attribute(
        load_classifier(old),
        load_corpus(CASE / "new_texts.jsonl"),
        options=FeatureOptions(cache_dir=cache),
    )
    assert sum(result.abstained.values()) == 0 and result.coverage is None
    assert any("without open-set settings" in n for n in result.notes)
    assert "never abstains" in result.to_text()


def test_calibrate_falls_back_to_pooled_quantiles_for_rare_classes():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet([5, 1, 1], size=200)
    proba[:3] = [0.1, 0.1, 0.8]  # class c: 3 held-out texts only
    settings = calibrate(proba, ["a", "b", "c"], 0.9)
    assert "c" not in settings["quantiles"] and settings["n_held_out"]["c"] >= 3
    pooled = np.quantile(proba.max(axis=1), 0.1, method="lower")
    assert settings["thresholds"]["c"] == pytest.approx(pooled, abs=1e-6)


def test_cli_coverage_sets_the_abstain_rule(case, tmp_path, capsys):
    clf, _, _, _ = case
    path = save_classifier(clf, tmp_path / "clf.skops")
    args = ["attribute", str(path), str(CASE / "new_texts.jsonl"), "--no-progress", "-q"]
    args += ["--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    shares = {}
    for coverage in ("1", "0.95", "0.6"):
        assert main(args + ["--coverage", coverage]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["coverage"] == float(coverage)
        shares[coverage] = sum(t["predicted"] == UNKNOWN for t in data["texts"])
    assert shares["1"] == 0 < shares["0.95"] < shares["0.6"]
    for bad in ("0", "1.5", "most"):
        assert main(args + ["--coverage", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--coverage must be a number above 0 and at most 1" in err
