"""Feature settings travel as one FeatureOptions, from every entry point to the features."""

from __future__ import annotations

import inspect

import pytest

import detector
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.features import FeatureOptions, compute_features

from .conftest import make_records

ENTRY_POINTS = ["score", "lineage_tree", "build_report", "train", "attribute"]
RELAYS = ["build_evidence", "as_evidence", "run_benchmark"]


@pytest.mark.parametrize("name", ENTRY_POINTS + RELAYS)
def test_entry_points_take_options_not_relayed_keywords(name):
    function = getattr(detector, name)
    parameters = inspect.signature(function).parameters
    assert "options" in parameters
    assert not [p for p in parameters.values() if p.kind is p.VAR_KEYWORD], name
    assert not {"cache_dir", "embedding_model", "precision", "shard_rows"} & set(parameters)


def test_feature_options_are_public():
    assert detector.FeatureOptions is FeatureOptions
    assert FeatureOptions().progress is None  # "auto", as every progress argument


def test_options_and_keywords_together_are_refused(tmp_path):
    corpus = load_corpus(make_records(3, 6))
    with pytest.raises(ProvenanceError, match="either as `options` or as keywords"):
        compute_features(corpus, ["style"], FeatureOptions(), cache_dir=tmp_path)
    same = compute_features(corpus, ["style"], FeatureOptions(cache_dir=tmp_path, progress=False))
    alone = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)
    assert same.names == alone.names and (same.matrices["style"] == alone.matrices["style"]).all()


@pytest.fixture
def seen_options(monkeypatch):
    """Every FeatureOptions that reaches compute_features, in order."""
    import detector.features as features_module

    real = features_module.compute_features
    seen: list[FeatureOptions] = []

    def spy(corpus, channels=None, options=None, **keywords):
        seen.append(options)
        return real(corpus, channels, options, **keywords)

    monkeypatch.setattr(features_module, "compute_features", spy)
    return seen


def test_score_and_tree_pass_the_options_down(seen_options, tmp_path):
    from detector.demo_run import demo_corpus

    corpus = demo_corpus()
    options = FeatureOptions(cache_dir=tmp_path / "c", progress=False, precision="fp32")
    detector.score(
        corpus, "student-of-atlas", channels="style,identity", n_bootstrap=5, options=options
    )
    detector.lineage_tree(corpus, channels="style", n_bootstrap=2, options=options)
    assert seen_options and all(o is not None for o in seen_options)
    assert {(o.cache_dir, o.precision, o.progress) for o in seen_options} == {
        (tmp_path / "c", "fp32", False)
    }


def test_train_and_attribute_pass_the_options_down(seen_options, tmp_path):
    corpus = load_corpus(make_records(3, 12))
    options = FeatureOptions(cache_dir=tmp_path / "c", progress=False)
    clf, _ = detector.train(corpus, channels="style", n_folds=2, options=options)
    detector.attribute(clf, corpus, options=options)
    assert len(seen_options) == 2
    assert all(o.cache_dir == tmp_path / "c" and o.progress is False for o in seen_options)
