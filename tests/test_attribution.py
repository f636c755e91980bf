"""Attribution classifiers: grouped CV, calibration, persistence, CLI, transfer evidence.

Everything runs on small synthetic corpora built here (fake models with
distinct habits), with the lexical and style channels (no embedding model is
loaded; the embedding checks use fake vectors).
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from detector.attribution import (
    SVM_MAX_ITER,
    AttributionClassifier,
    Evaluation,
    attribute,
    attribution_shares,
    attribution_transfer,
    attribution_z,
    grouped_folds,
    load_classifier,
    save_classifier,
    train,
)
from detector.cli import main
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.features import FeatureOptions, Features, compute_features
from detector.figures import confusion_figure

# start, joiner between sentences, filler, closing: each applied with probability 0.75
HABITS = {
    "alpha": ("Certainly! ", "\n\n- ", " Moreover, it is clear.", "In summary, that is all."),
    "beta": ("Sure, here you go:\n", "\n1. ", " Basically that's it!", "Hope this helps!"),
    "gamma": ("", "\n\n**Note:** ", "; furthermore, one notes", "To conclude, so it goes."),
    "delta": ("Well, ", " ", " - you know - ", "Cheers."),
    "eps": ("Okay. ", "\n* ", " Honestly, wow.", "Best wishes."),
    "zeta": ("Hmm, ", "\n> ", " Indeed, quite.", "Regards."),
    "eta": ("Alright: ", " / ", " Truly, yes.", "Take care."),
    "theta": ("Hello! ", "\n+ ", " Clearly so.", "Bye now."),
}
WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "garden",
    "music",
    "history",
    "engine",
    "market",
    "window",
    "theory",
    "planet",
    "forest",
    "lamp",
    "bridge",
    "ocean",
    "letter",
    "signal",
]


def synth_frame(models: dict[str, tuple[str, ...]], n_prompts: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    rows = []
    for j in range(n_prompts):
        topic = f"{WORDS[j % len(WORDS)]} {WORDS[(3 * j + 1) % len(WORDS)]}"
        for model, (start, joiner, filler, end) in models.items():
            parts = [
                f"the {topic} has {rng.choice(WORDS)} and {rng.choice(WORDS)}"
                for _ in range(int(rng.integers(2, 5)))
            ]
            use = rng.random(4) < 0.75
            text = (
                (start if use[0] else "")
                + (joiner if use[1] else " ").join(parts)
                + "."
                + (filler if use[2] else "")
                + " "
                + (end if use[3] else "")
            )
            rows.append(
                {
                    "model": model,
                    "prompt": f"Question {j}: tell me about the {topic}.",
                    "output": text,
                }
            )
    return pd.DataFrame(rows)


def synth(n_models: int = 4, n_prompts: int = 60, seed: int = 0):
    models = dict(list(HABITS.items())[:n_models])
    return load_corpus(synth_frame(models, n_prompts, seed))


@pytest.fixture(scope="module")
def corpus():
    return synth()


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    cache = tmp_path_factory.mktemp("attr-cache")
    clf, evaluation = train(
        corpus, channels="lexical,style", n_folds=4, options=FeatureOptions(cache_dir=cache)
    )
    return clf, evaluation, cache


def prompt_sets(clf, corpus):
    pids = corpus.df["prompt_id"].to_numpy()
    return [set(pids[test]) for test in clf.folds_]


# ------------------------------------------------------------------ folds
def test_grouped_folds_partition_and_keep_prompts_together():
    groups = np.repeat(np.arange(30), 4)[np.random.default_rng(1).permutation(120)]
    folds = grouped_folds(groups, 5, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(120))
    fold_of = {}
    for k, test in enumerate(folds):
        for g in set(groups[test]):
            assert fold_of.setdefault(g, k) == k  # a group never appears in two folds
    sizes = [len(set(groups[t])) for t in folds]
    assert max(sizes) - min(sizes) <= 1
    again = grouped_folds(groups, 5, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again, strict=True))
    other = grouped_folds(groups, 5, seed=4)
    assert not all(np.array_equal(a, b) for a, b in zip(folds, other, strict=True))
    with pytest.raises(ProvenanceError, match="folds"):
        grouped_folds(groups, 31)


def test_training_folds_never_share_a_prompt(trained, corpus):
    clf, evaluation, _ = trained
    sets = prompt_sets(clf, corpus)
    assert len(sets) == evaluation.n_folds == 4
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            assert not sets[i] & sets[j]
    assert set().union(*sets) == set(corpus.prompt_ids)
    # every test fold holds all four models' outputs of its prompts
    for test in clf.folds_:
        sub = corpus.df.iloc[test]
        assert (sub.groupby("prompt_id")["model"].nunique() == 4).all()


# ------------------------------------------------------------------ evaluation
def test_accuracy_well_above_chance(trained, corpus):
    _, ev, _ = trained
    assert ev.chance == pytest.approx(0.25)
    assert ev.accuracy > 0.9
    assert set(ev.accuracy_at_k) == {"1", "5", "10"}
    assert ev.accuracy_at_k["1"] == pytest.approx(ev.accuracy)
    assert ev.accuracy_at_k["10"] >= ev.accuracy - 1e-9
    cm = np.asarray(ev.confusion)
    assert cm.shape == (4, 4) and cm.sum() == len(corpus) == ev.n_texts
    assert np.trace(cm) / cm.sum() == pytest.approx(ev.accuracy)
    assert set(ev.per_model) == set(corpus.models)
    assert all(v["recall"] > 0.8 and v["n"] == 60 for v in ev.per_model.values())
    assert 0 <= ev.ece < 0.2
    assert all(ev.top_features[m] for m in corpus.models)
    # alpha's opening word is among what gives it away, in readable words
    assert any("Certainly" in f for f in ev.top_features["alpha"])


def test_shuffled_labels_stay_near_chance(tmp_path):
    """If folds leaked or the evaluation were optimistic, random labels would score high."""
    frame = synth_frame(dict(list(HABITS.items())[:4]), 60, seed=2)
    rng = np.random.default_rng(0)
    frame["model"] = frame.groupby("prompt")["model"].transform(lambda s: rng.permutation(s.values))
    _, ev = train(
        load_corpus(frame),
        channels="lexical,style",
        n_folds=4,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    assert ev.accuracy < 0.4


def test_evaluation_renders(trained):
    _, ev, _ = trained
    data = json.loads(ev.to_json())
    assert data["accuracy"] == pytest.approx(ev.accuracy)
    text = ev.to_text()
    assert "held-out accuracy per text" in text and "alpha" in text
    assert "<table" in ev._repr_html_()
    from matplotlib.figure import Figure

    assert isinstance(confusion_figure(ev), Figure)
    assert isinstance(confusion_figure((None, ev)), Figure)
    with pytest.raises(ProvenanceError):
        confusion_figure("nope")


def test_calibrated_probabilities(trained, corpus):
    clf, ev, cache = trained
    proba = clf.oof_proba_
    assert proba.shape == (len(corpus), 4)
    assert np.allclose(proba.sum(axis=1), 1.0)
    # confident and right: the mean top probability tracks the accuracy
    assert abs(proba.max(axis=1).mean() - ev.accuracy) < 0.15


def test_training_is_deterministic_and_threads_do_not_matter(tmp_path):
    small = synth(3, 30, seed=4)
    _, a = train(
        small, channels="lexical,style", n_folds=3, options=FeatureOptions(cache_dir=tmp_path)
    )
    clf_b, b = train(
        small,
        channels="lexical,style",
        n_folds=3,
        options=FeatureOptions(cache_dir=tmp_path),
        n_jobs=2,
    )
    clf_c, _ = train(
        small, channels="lexical,style", n_folds=3, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert a.to_dict() | {"fit_seconds": 0} == b.to_dict() | {"fit_seconds": 0}
    assert np.array_equal(clf_b.oof_proba_, clf_c.oof_proba_)


# ------------------------------------------------------------------ persistence
def test_save_load_round_trip_identical(trained, corpus, tmp_path):
    clf, _, cache = trained
    path = save_classifier(clf, tmp_path / "clf.skops")
    loaded = load_classifier(path)
    a = attribute(clf, corpus, options=FeatureOptions(cache_dir=cache))
    b = attribute(loaded, corpus, options=FeatureOptions(cache_dir=cache))
    pa = np.array([list(t["probabilities"].values()) for t in a.texts])
    pb = np.array([list(t["probabilities"].values()) for t in b.texts])
    assert np.array_equal(pa, pb)
    assert loaded.models == clf.models and loaded.channels == ["lexical", "style"]
    meta = loaded.metadata
    assert meta["models"] == corpus.models
    assert meta["training_corpus"]["hash"] == corpus.content_hash()
    assert {"provenance", "scikit-learn", "skops"} <= set(meta["versions"])
    assert meta["embedding_model"] is None
    with pytest.raises(ProvenanceError, match="already exists"):
        save_classifier(clf, path)
    save_classifier(clf, path, force=True)


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_load_rejects_files_that_are_not_classifiers(tmp_path):
    text = tmp_path / "notes.skops"
    text.write_text("just text\n")
    with pytest.raises(ProvenanceError) as exc:
        load_classifier(text)
    assert "not a provenance classifier" in _one_line(exc)

    other = tmp_path / "other.skops"
    sio.dump({"something": 1}, other)
    with pytest.raises(ProvenanceError) as exc:
        load_classifier(other)
    assert "not one provenance train wrote" in _one_line(exc)

    with pytest.raises(ProvenanceError, match="no such classifier"):
        load_classifier(tmp_path / "missing.skops")


def test_load_refuses_untrusted_types(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"format": "provenance-attribution-classifier", "x": Features}, path)
    assert sio.get_untrusted_types(file=path)  # skops itself would not trust it
    with pytest.raises(ProvenanceError) as exc:
        load_classifier(path)
    assert "trusted" in _one_line(exc)


def _fake_embedding_features(corpus, name: str, dim: int, seed: int = 0) -> Features:
    base = compute_features(corpus, ["style"], progress=False)
    rng = np.random.default_rng(seed)
    codes = pd.factorize(corpus.df["model"], sort=True)[0]
    centers = rng.normal(size=(corpus.n_models, dim))
    emb = centers[codes] + rng.normal(scale=2.0, size=(len(corpus), dim))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return Features(
        corpus,
        {"style": base.matrices["style"], "embedding": emb},
        {"style": base.names["style"], "embedding": [f"emb_{i}" for i in range(dim)]},
        info={"embedding_model": name},
    )


def test_embedding_model_mismatch_is_one_line_error(corpus, tmp_path):
    feats = _fake_embedding_features(corpus, "fake/model-a", 16)
    clf, ev = train(
        feats, channels="style,embedding", n_folds=3, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert ev.accuracy > 0.5
    assert clf.metadata["embedding_model"]["name"] == "fake/model-a"
    path = save_classifier(clf, tmp_path / "emb.skops")
    loaded = load_classifier(path)
    ok = attribute(loaded, feats)
    assert len(ok.texts) == len(corpus)
    for other in (
        _fake_embedding_features(corpus, "fake/model-b", 16),
        _fake_embedding_features(corpus, "fake/model-a", 8),
    ):
        with pytest.raises(ProvenanceError) as exc:
            attribute(loaded, other)
        assert "embedding model" in _one_line(exc)
    with pytest.raises(ProvenanceError) as exc:
        attribute(loaded, feats, options=FeatureOptions(embedding_model="another/model"))
    assert "trained on embeddings of fake/model-a" in _one_line(exc)


# ------------------------------------------------------------------ attribute
def test_attribute_json_schema(trained, tmp_path):
    clf, _, cache = trained
    new = synth(4, 20, seed=7)  # new prompts and texts, same habits
    result = attribute(clf, new, options=FeatureOptions(cache_dir=cache))
    data = json.loads(result.to_json())
    assert len(data["texts"]) == len(new)
    for t in data["texts"]:
        assert set(t) >= {"model", "prompt_id", "predicted", "probabilities"}
        assert isinstance(t["model"], str) and isinstance(t["prompt_id"], str)
        assert t["predicted"] in [*clf.models, "unknown"]
        assert set(t["probabilities"]) == set(clf.models)
        assert sum(t["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert t["most_probable"] == max(t["probabilities"], key=t["probabilities"].get)
        assert t["predicted"] in (t["most_probable"], "unknown")
        assert 0 <= t["held_out_rank"] <= 1
    assert set(data["by_model"]) == set(new.models)
    for model, shares in data["by_model"].items():
        assert sum(shares.values()) == pytest.approx(1.0)
        assert max(shares, key=shares.get) == model  # habits carry over to new prompts
    assert "alpha" in result.to_text() and "<table" in result._repr_html_()
    only = attribute(clf, new, models=["beta"], options=FeatureOptions(cache_dir=cache))
    assert set(only.by_model) == {"beta"}
    with pytest.raises(ProvenanceError, match="unknown model"):
        attribute(clf, new, models=["nobody"], options=FeatureOptions(cache_dir=cache))


# ------------------------------------------------------------------ CLI
def test_cli_train_and_attribute(tmp_path, capsys):
    data = tmp_path / "c.csv"
    synth(3, 30).df.to_csv(data, index=False)
    out = tmp_path / "clf.skops"
    fig = tmp_path / "cm.png"
    args = ["train", str(data), "--out", str(out), "--folds", "3", "--no-progress"]
    assert main(args + ["--figure", str(fig), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["models"] == ["alpha", "beta", "gamma"] and printed["accuracy"] > 0.8
    assert out.is_file() and fig.is_file()

    assert main(args) == 2  # never overwrites without --force
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err
    assert main(args + ["--force"]) == 0
    capsys.readouterr()

    assert main(["attribute", str(out), str(data), "--format", "json", "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"texts", "by_model"} <= set(result) and len(result["texts"]) == 90

    assert main(["attribute", str(data), str(data)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a provenance classifier" in err and "Traceback" not in err

    bad = ["train", str(data), "--out", str(tmp_path / "x.skops"), "--models", "alpha,nobody"]
    assert main(bad) == 2
    assert "unknown model 'nobody'" in capsys.readouterr().err
    bad = ["train", str(data), "--out", str(tmp_path / "y.skops"), "--channels", "vibes"]
    assert main(bad) == 2
    assert "unknown channel" in capsys.readouterr().err


# ------------------------------------------------------------------ estimator API
def test_estimator_needs_two_models_and_enough_prompts():
    X = np.ones((6, 3))
    clf = AttributionClassifier(blocks=(("style", 3),), n_folds=2)
    with pytest.raises(ProvenanceError, match="at least two models"):
        clf.fit(X, ["a"] * 6)
    y = ["a", "a", "a", "a", "a", "b"]
    with pytest.raises(ProvenanceError, match="too few prompts"):
        clf.fit(X, y, groups=[0, 1, 2, 3, 4, 5])


def test_svms_stop_after_a_fixed_number_of_passes(corpus):
    # early stopping is the speed/accuracy trade chosen on the dev corpus; the
    # stopped fits must stay deterministic and accurate on easy data
    for name in ("lexical", "style"):
        pipe = AttributionClassifier(blocks=((name, 5),))._make_pipeline(name)
        assert pipe.named_steps["svm"].max_iter == SVM_MAX_ITER
    capped, ev = train(
        corpus, channels="lexical", n_folds=3, seed=1, options=FeatureOptions(use_cache=False)
    )
    again, _ = train(
        corpus, channels="lexical", n_folds=3, seed=1, options=FeatureOptions(use_cache=False)
    )
    assert np.array_equal(capped.oof_proba_, again.oof_proba_)
    assert ev.accuracy > 0.9


# ------------------------------------------------------------------ transfer evidence
def test_transfer_names_the_teacher_not_unrelated_models(tmp_path):
    models = dict(list(HABITS.items()))
    # the student writes like alpha with some habits of its own (zeta's filler)
    a = HABITS["alpha"]
    models["student"] = (a[0], a[1], HABITS["zeta"][2], a[3])
    corpus = load_corpus(synth_frame(models, 40, seed=5))
    candidates = ["alpha", "beta"]
    reference = ["gamma", "delta", "eps", "theta", "eta"]
    result = attribution_transfer(
        corpus, ["student", "zeta"], candidates, reference, channels="lexical,style", seed=0,
        options=FeatureOptions(cache_dir=tmp_path),
    )  # fmt: skip
    assert list(result.shares.columns) == candidates
    assert set(result.shares.index) == {"student", "zeta", *reference}
    # with two candidates and five small reference classes, unrelated models' outputs
    # spread widely over the candidates (null spread ~0.35 on the arcsine scale)
    assert result.z.loc["student", "alpha"] > 2
    assert result.z.loc["student", "alpha"] > result.z.drop(columns="alpha").max().max() + 2
    assert result.z.loc["student", "beta"] < 2
    assert (result.z.loc["zeta"] < 2).all()  # unrelated to both candidates
    assert result.shares.loc["student", "alpha"] > 0.8
    assert "student" in result.to_text()
    json.loads(result.to_json())
    shares = attribution_shares(
        corpus, "student", candidates, reference, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert shares.index.tolist() == candidates
    assert shares["alpha"] == pytest.approx(result.shares.loc["student", "alpha"])
    z = attribution_z(
        corpus, "student", candidates, reference, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert z == pytest.approx(result.z.loc["student"].to_dict())


def test_transfer_input_errors(corpus):
    with pytest.raises(ProvenanceError, match="at least 4 reference"):
        attribution_transfer(corpus, "alpha", ["beta"], ["gamma", "delta"])
    with pytest.raises(ProvenanceError, match="both suspect and candidate"):
        attribution_transfer(corpus, "alpha", ["alpha", "beta"])
    with pytest.raises(ProvenanceError, match="unknown suspect"):
        attribution_transfer(corpus, "nobody", ["beta"])


def test_skops_archive_is_a_zip_with_no_pickle(trained, tmp_path):
    clf, _, _ = trained
    path = save_classifier(clf, tmp_path / "c.skops")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert "schema.json" in names
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    assert isinstance(Evaluation, type)
