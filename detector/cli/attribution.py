"""``provenance train`` and ``provenance attribute``: which model wrote a text."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from .common import (
    ATTRIBUTION_CHANNELS,
    DEFAULT_ATTRIBUTION_CHANNELS,
    add_command,
    add_data_options,
    add_feature_options,
    add_force,
    add_models_option,
    add_output_options,
    add_seed,
    feature_options,
    integer,
    load,
    share,
    split_names,
    usable_cpus,
)
from .output import FIGURE_SUFFIXES, emit, write_figure, write_with

__all__ = ["add_attribute_parser", "add_train_parser", "run_attribute", "run_train"]


def add_train_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "train",
        help="train an attribution classifier (which model wrote a text) and save it",
        description="Train a classifier that names the model behind a text, evaluate it by "
        "cross-validation with no prompt in both a training and a test fold, print the "
        "evaluation and save the classifier as a skops file (no pickle). An existing --out "
        "is not overwritten without --force.",
        examples=[
            "provenance train outputs.jsonl --out clf.skops",
            "provenance train outputs.jsonl --models a,b,c --figure confusion.png "
            "--out clf.skops --jobs 4",
        ],
    )
    add_data_options(p)
    add_models_option(p, "the classes", default="every model")
    p.add_argument(
        "--channels",
        default=None,
        help=f"comma-separated channels: {', '.join(ATTRIBUTION_CHANNELS)} "
        f"(default: {','.join(DEFAULT_ATTRIBUTION_CHANNELS)})",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="classifier file to write, e.g. clf.skops"
    )
    p.add_argument(
        "--figure",
        default=None,
        metavar="FIGURE",
        help="confusion matrix, .png/.svg/.pdf (default: none)",
    )
    add_force(p)
    p.add_argument("--folds", type=integer(2), default=5, help="prompt-grouped folds")
    add_seed(p, "seed of the fold assignment")
    p.add_argument(
        "--jobs",
        type=integer(1),
        default=None,
        help="processes for the independent fits (default: every CPU this process may use; "
        "the results do not depend on it)",
    )
    p.add_argument(
        "--coverage",
        type=share,
        default=0.95,
        help="share of the classes' held-out texts kept attributed, above 0 and at most 1; "
        "saved with the classifier: attribute answers 'unknown' for a text less confident",
    )
    add_output_options(p, out=False)
    add_feature_options(p)
    p.set_defaults(func=run_train, outputs={"out": None, "figure": FIGURE_SUFFIXES})


def run_train(args: argparse.Namespace) -> int:
    from ..attribution import save_classifier, train

    corpus = load(args)
    clf, evaluation = train(
        corpus,
        models=split_names(args.models, corpus.models),
        channels=args.channels,
        seed=args.seed,
        n_folds=args.folds,
        n_jobs=args.jobs if args.jobs is not None else usable_cpus(),
        coverage=args.coverage,
        options=feature_options(args),
    )
    write_with(lambda tmp: save_classifier(clf, tmp, force=True), args.paths["out"])
    if "figure" in args.paths:
        from ..figures import confusion_figure

        write_figure(confusion_figure(evaluation), args.paths["figure"], dpi=150)
    emit(evaluation, args)
    return 0


def add_attribute_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "attribute",
        help="attribute each output of a corpus to one of a trained classifier's models",
        description="Load a classifier written by `provenance train` and give, per output, the "
        "probability of each of its models, and per model of DATA the share of its outputs "
        "attributed to each. The classifier file is checked before use: no code in it runs.",
        examples=[
            "provenance attribute clf.skops new_outputs.jsonl",
            "provenance attribute clf.skops outputs.jsonl --models suspect --out shares.csv",
        ],
    )
    p.add_argument("classifier", help="classifier file written by provenance train")
    add_data_options(p)
    add_models_option(p, "attribute only these models' outputs", default="all")
    p.add_argument(
        "--coverage",
        type=share,
        default=None,
        help="share of the classes' held-out texts kept attributed, above 0 and at most 1: a "
        "text less confident than that answers 'unknown' (1: never unknown; default: the "
        "coverage the classifier was trained with, 0.95 unless set)",
    )
    add_output_options(p)
    add_feature_options(p)
    p.set_defaults(func=run_attribute, outputs={"out": None}, result_to_out=True)


def run_attribute(args: argparse.Namespace) -> int:
    from ..attribution import attribute, load_classifier

    clf = load_classifier(args.classifier)
    corpus = load(args)
    result = attribute(
        clf,
        corpus,
        models=split_names(args.models, corpus.models),
        coverage=args.coverage,
        options=feature_options(args),
    )
    for note in result.notes:  # models that are not classes, texts answered "unknown"
        warnings.warn(note, UserWarning, stacklevel=1)
    emit(result, args)
    return 0
