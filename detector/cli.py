"""The ``provenance`` command: a thin layer over the library.

Each subcommand parses its arguments, calls the library function of the same
name and prints the result (a table by default, JSON with ``--format json``).
Bad input raises :class:`~detector.errors.ProvenanceError`, which is printed
as one line on stderr with exit status 2; no traceback is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ProvenanceError


# ------------------------------------------------------------ helpers
def _add_data_args(p: argparse.ArgumentParser) -> None:
    """Arguments shared by every command that reads a corpus."""
    p.add_argument(
        "data",
        help="corpus: file (.jsonl/.csv/.parquet/.json), AlpacaEval "
        "results tree, saved HF dataset dir, or hf:NAME[:CONFIG[:SPLIT]]",
    )
    p.add_argument(
        "--input-format",
        dest="input_format",
        default=None,
        help="force the input format (jsonl, json, csv, parquet, alpaca_eval, hf_disk, hf)",
    )
    p.add_argument("--model-col", default="model", help="column holding the model name")
    p.add_argument("--prompt-col", default="prompt", help="column holding the prompt text")
    p.add_argument("--output-col", default="output", help="column holding the output text")
    p.add_argument("--id-col", default="prompt_id", help="column holding the prompt id (optional)")


def _add_suspect_args(p: argparse.ArgumentParser) -> None:
    """``--suspect``, ``--candidates`` and ``--reference`` (score and report)."""
    p.add_argument("--suspect", required=True, help="the model under suspicion")
    p.add_argument(
        "--candidates",
        default=None,
        help="comma-separated candidate teachers/parents (default: every other model)",
    )
    p.add_argument(
        "--reference",
        default=None,
        help="comma-separated unrelated models for calibration "
        "(default: every model that is neither suspect nor candidate)",
    )


def _load(args: argparse.Namespace) -> Any:
    from .corpus import load_corpus

    return load_corpus(
        args.data,
        format=args.input_format,
        model_col=args.model_col,
        prompt_col=args.prompt_col,
        output_col=args.output_col,
        id_col=args.id_col,
    )


def _split_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def _write_text(text: str, out: str | None, *, force: bool = False) -> None:
    """Print ``text``, or write it to ``out`` (refusing to overwrite unless forced)."""
    if out is None:
        print(text)
        return
    path = Path(out)
    if path.exists() and not force:
        raise ProvenanceError(f"{out}: already exists; choose another path or pass --force")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


# ------------------------------------------------------------ commands


def _usable_cpus() -> int:
    """CPUs this process may run on (the default of ``--jobs``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .corpus import inspect

    result = inspect(_load(args), min_shared=args.min_shared)
    print(result.to_json() if args.format == "json" else result.to_text())
    return 0


def _cmd_collect(args: argparse.Namespace) -> int:
    from .collect import collect

    summary = collect(
        args.endpoint,
        _split_names(args.models) or [],
        args.prompts,
        args.out,
        concurrency=args.concurrency,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        samples=args.samples,
        system=args.system,
        timeout=args.timeout,
        api_key_env=args.api_key_env,
        max_tries=args.max_tries,
        progress=not args.no_progress,
    )
    print(dumps(summary) if args.format == "json" else summary.to_text())
    return 1 if summary.failed else 0


def _add_feature_args(p: argparse.ArgumentParser) -> None:
    """Arguments of commands that compute channel features."""
    p.add_argument(
        "--embedding-model",
        default=None,
        help="sentence-transformers name or local path (default: bundled all-MiniLM-L6-v2)",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16"],
        default="auto",
        help="embedding precision (auto: bf16 where it keeps cosine >= 0.999 to fp32)",
    )
    p.add_argument(
        "--cache-dir",
        default=None,
        help="feature cache (default: $PROVENANCE_CACHE_DIR or the user cache dir)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress output on stderr")


def _feature_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "embedding_model": args.embedding_model,
        "precision": args.precision,
        "cache_dir": args.cache_dir,
        "progress": not args.no_progress,
    }


def _cmd_score(args: argparse.Namespace) -> int:
    from .scoring import score

    result = score(
        _load(args),
        args.suspect,
        _split_names(args.candidates),
        _split_names(args.reference),
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        alpha=args.alpha,
        channels=args.channels,
        attribution=args.attribution,
        **_feature_kwargs(args),
    )
    text = result.to_json() if args.format == "json" else result.to_text()
    _write_text(text, args.out, force=args.force)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo_run import run_demo

    print(run_demo(cache_dir=args.cache_dir, progress=not args.no_progress, seed=args.seed))
    return 0


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from .benchmark import load_lineage, run_benchmark

    lineage = load_lineage(args.lineage)
    result = run_benchmark(
        _load(args),
        lineage,
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        alpha=args.alpha,
        progress=not args.no_progress,
        evidence_kwargs={k: v for k, v in _feature_kwargs(args).items() if k != "progress"},
        source=args.data,
    )
    text = {"json": result.to_json, "markdown": result.to_markdown, "table": result.to_text}[
        args.format
    ]()
    _write_text(text, args.out, force=args.force)
    return 0


def _cmd_features(args: argparse.Namespace) -> int:
    from .features import compute_features, features_table, parse_channels

    channels = parse_channels(args.channels)
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ProvenanceError(f"{args.out}: already exists; choose another path or pass --force")
    if out.suffix.lower() not in (".parquet", ".pq"):
        raise ProvenanceError(f"{args.out}: --out must be a .parquet file")
    features = compute_features(_load(args), channels, **_feature_kwargs(args))
    table = features_table(features, channels)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
    print(f"wrote {args.out}: {len(table)} rows x {table.shape[1]} columns", file=sys.stderr)
    return 0


def _cmd_tree(args: argparse.Namespace) -> int:
    """``provenance tree``: lineage tree with bootstrap support, figures and exports."""
    from . import figures
    from .consensus import consensus_tree
    from .files import atomic_write
    from .tree import lineage_tree

    outputs = {
        "--out": args.out,
        "--heatmap": args.heatmap,
        "--mds": args.mds,
        "--newick": args.newick,
        "--matrix": args.matrix,
        "--consensus": args.consensus,
    }
    given = {flag: path for flag, path in outputs.items() if path}
    for flag in ("--out", "--heatmap", "--mds"):
        if flag in given and Path(given[flag]).suffix.lower() not in (".png", ".svg", ".pdf"):
            raise ProvenanceError(f"{given[flag]}: {flag} must end in .png, .svg or .pdf")
    if args.consensus and Path(args.consensus).suffix.lower() not in (
        ".png",
        ".svg",
        ".pdf",
        ".nwk",
    ):
        raise ProvenanceError(f"{args.consensus}: --consensus must end in .nwk, .png, .svg or .pdf")
    if args.consensus and args.bootstrap < 1:
        raise ProvenanceError("--consensus needs bootstrap trees; set --bootstrap to 1 or more")
    if len({str(Path(p).resolve()) for p in given.values()}) < len(given):
        raise ProvenanceError("two outputs name the same file; give each its own path")
    for path in given.values():
        if Path(path).exists() and not args.force:
            raise ProvenanceError(f"{path}: already exists; choose another path or pass --force")
    result = lineage_tree(
        _load(args),
        models=_split_names(args.models),
        n_bootstrap=args.bootstrap,
        seed=args.seed,
        channels=args.channels,
        method=args.method,
        min_shared=args.min_shared,
        **_feature_kwargs(args),
    )
    for path in given.values():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    makers = {
        "--out": figures.dendrogram_figure,
        "--heatmap": figures.heatmap_figure,
        "--mds": figures.mds_figure,
    }
    for flag, make in makers.items():
        if flag in given:
            figures.save_figure(make(result), given[flag])
    if "--newick" in given:
        Path(given["--newick"]).write_text(result.newick + "\n", encoding="utf-8")
    consensus = consensus_tree(result) if args.consensus else None
    if consensus is not None and args.consensus.lower().endswith(".nwk"):
        atomic_write(args.consensus, consensus.newick + "\n")
    elif consensus is not None:
        colors = figures.group_colors(result)
        figures.save_figure(
            figures.consensus_figure(consensus, label_colors=colors), args.consensus
        )
    if "--matrix" in given:
        result.distances.to_csv(given["--matrix"], index_label="model", float_format="%.6g")
    for path in given.values():
        print(f"wrote {path}", file=sys.stderr)
    if args.format == "json":
        print(dumps({**result.to_dict(), "consensus": consensus.to_dict() if consensus else None}))
    else:
        print(result.to_text() + ("\n\n" + consensus.to_text() if consensus else ""))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """``provenance report``: a self-contained PDF report on one suspect."""
    from .report import build_report

    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise ProvenanceError(f"{args.out}: a report is written as .pdf or .html; end --out so")
    if out.exists() and not args.force:
        raise ProvenanceError(f"{args.out}: already exists; choose another path or pass --force")
    result = build_report(
        _load(args),
        args.suspect,
        _split_names(args.candidates),
        _split_names(args.reference),
        out=out,
        force=args.force,
        seed=args.seed,
        channels=args.channels,
        n_bootstrap=args.bootstrap,
        tree_bootstrap=args.tree_bootstrap,
        alpha=args.alpha,
        include_attribution=not args.no_attribution,
        attribution_prompts=args.attribution_prompts or None,
        **_feature_kwargs(args),
    )
    print(result.to_text().splitlines()[0], file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.score.to_json() if args.format == "json" else result.score.to_text())
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    """``provenance train``: fit an attribution classifier, print its held-out evaluation."""
    from .attribution import save_classifier, train

    targets = [args.out] + ([args.figure] if args.figure else [])
    for path in targets:
        if Path(path).exists() and not args.force:
            raise ProvenanceError(f"{path}: already exists; choose another path or pass --force")
    if args.figure and Path(args.figure).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ProvenanceError(f"{args.figure}: --figure must end in .png, .svg or .pdf")
    clf, evaluation = train(
        _load(args),
        models=_split_names(args.models),
        channels=args.channels,
        seed=args.seed,
        n_folds=args.folds,
        n_jobs=args.jobs if args.jobs is not None else _usable_cpus(),
        **_feature_kwargs(args),
    )
    save_classifier(clf, args.out, force=args.force)
    print(f"wrote {args.out}", file=sys.stderr)
    if args.figure:
        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        evaluation.confusion_figure().savefig(args.figure, dpi=150)
        print(f"wrote {args.figure}", file=sys.stderr)
    print(evaluation.to_json() if args.format == "json" else evaluation.to_text())
    return 0


def _cmd_attribute(args: argparse.Namespace) -> int:
    """``provenance attribute``: which of a classifier's models wrote each output."""
    from .attribution import attribute, load_classifier

    if args.out and Path(args.out).exists() and not args.force:
        raise ProvenanceError(f"{args.out}: already exists; choose another path or pass --force")
    clf = load_classifier(args.classifier)
    result = attribute(clf, _load(args), models=_split_names(args.models), **_feature_kwargs(args))
    text = result.to_json() if args.format == "json" else result.to_text()
    _write_text(text, args.out, force=args.force)
    return 0


def _build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="provenance",
        description="Estimate whether a model was trained on another model's outputs "
        "(distillation) or derived from its weights.",
    )
    parser.add_argument("--version", action="version", version=f"provenance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "inspect", help="models, prompts, coverage, lengths and problems of a corpus"
    )
    _add_data_args(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument(
        "--min-shared",
        type=int,
        default=20,
        help="flag models sharing fewer prompts than this with every other model",
    )
    p.set_defaults(func=_cmd_inspect)

    def _or_none(kind: type) -> Any:
        """An argparse type that also takes "none" (leave the setting to the server)."""

        def convert(text: str) -> Any:
            return None if text.strip().lower() in ("none", "default") else kind(text)

        convert.__name__ = kind.__name__
        return convert

    p = sub.add_parser(
        "collect",
        help="collect outputs from OpenAI-compatible chat-completions servers (resumable)",
        description="Send every prompt to every model on an OpenAI-compatible server and "
        "append one record per (model, prompt, sample) to a JSONL corpus. Rerunning the "
        "same command skips what is collected and retries what failed. Exit status 1 when "
        "some requests failed.",
    )
    p.add_argument(
        "--endpoint", required=True, help="server base URL, e.g. http://127.0.0.1:8000/v1"
    )
    p.add_argument("--models", required=True, help="comma-separated model names")
    p.add_argument(
        "--prompts", required=True, help="JSONL with prompt_id and prompt, or one prompt per line"
    )
    p.add_argument("--out", required=True, help="output .jsonl (appended to, never overwritten)")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    p.add_argument(
        "--temperature",
        type=_or_none(float),
        default=0.0,
        help="sampling temperature (default 0); 'none' leaves it to the server",
    )
    p.add_argument(
        "--max-tokens",
        type=_or_none(int),
        default=1024,
        help="completion token limit (default 1024); 'none' leaves it to the server",
    )
    p.add_argument(
        "--samples", type=int, default=1, help="outputs per prompt; sample k>=1 gets id <id>#s<k>"
    )
    p.add_argument("--system", default=None, help="system message sent before each prompt")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    p.add_argument(
        "--max-tries", type=int, default=6, help="tries per request before it fails (default 6)"
    )
    p.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the API key (default OPENAI_API_KEY)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("score", help="score candidate teachers/parents of a suspect model")
    _add_data_args(p)
    _add_suspect_args(p)
    p.add_argument(
        "--channels",
        default=None,
        help="comma-separated channels (default: embedding,style,lexical,identity)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--out", default=None, help="write the result to this file instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (results are deterministic)")
    p.add_argument("--bootstrap", type=int, default=200, help="prompt resamplings for intervals")
    p.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level")
    p.add_argument(
        "--attribution",
        action="store_true",
        help="also report the attribution-transfer channel (trains classifiers)",
    )
    _add_feature_args(p)
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("demo", help="run the whole pipeline on the bundled synthetic demo corpus")
    p.add_argument("--cache-dir", default=None, help="feature cache directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("benchmark", help="measure scoring accuracy against documented lineage")
    _add_data_args(p)
    p.add_argument("--lineage", required=True, help="lineage CSV (as in alpaca_eval/lineage.csv)")
    p.add_argument("--format", choices=["table", "json", "markdown"], default="table")
    p.add_argument("--out", default=None)
    p.add_argument("--force", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bootstrap", type=int, default=200)
    p.add_argument("--alpha", type=float, default=0.05)
    _add_feature_args(p)
    p.set_defaults(func=_cmd_benchmark)

    p = sub.add_parser("features", help="write per-output channel features to Parquet")
    _add_data_args(p)
    p.add_argument("--out", required=True, help="output .parquet file")
    p.add_argument("--channels", default="embedding,style,lexical,identity")
    p.add_argument("--force", action="store_true")
    _add_feature_args(p)
    p.set_defaults(func=_cmd_features)

    p = sub.add_parser(
        "tree",
        help="lineage tree of all models with bootstrap support (figures, Newick, CSV)",
        description="Build a tree of the models (neighbour joining, or a linkage method such "
        "as average = UPGMA, of the distances from the combined calibrated affinity scoring "
        "uses), with bootstrap support on every clade from resampling prompts. Prints the clades and the Newick text; writes figures "
        "(.png, .svg or .pdf), Newick and the distance matrix on request. Existing files are "
        "not overwritten without --force.",
    )
    _add_data_args(p)
    p.add_argument("--models", default=None, help="comma-separated models (default: all)")
    p.add_argument(
        "--bootstrap", type=int, default=100, help="prompt resamplings for supports (default 100)"
    )
    p.add_argument("--seed", type=int, default=0, help="resampling seed (deterministic results)")
    p.add_argument(
        "--channels",
        default=None,
        help="comma-separated channels (default: embedding,style,lexical,identity)",
    )
    p.add_argument(
        "--method",
        choices=["nj", "average", "weighted", "complete", "single"],
        default="nj",
        help="tree method: nj = neighbour joining (default; support per split, "
        "midpoint-rooted for display) or a linkage method (average = UPGMA)",
    )
    p.add_argument(
        "--min-shared",
        type=int,
        default=20,
        help="fewest prompts every pair of models must share (default 20)",
    )
    p.add_argument("--out", default=None, help="dendrogram with supports (.png, .svg or .pdf)")
    p.add_argument("--heatmap", default=None, help="distance heatmap, tree order (.png/.svg/.pdf)")
    p.add_argument("--mds", default=None, help="2-D MDS map of the models (.png/.svg/.pdf)")
    p.add_argument("--newick", default=None, help="Newick file with branch lengths and supports")
    p.add_argument("--matrix", default=None, help="distance matrix as CSV")
    p.add_argument(
        "--consensus",
        default=None,
        help="majority-rule consensus of the bootstrap trees: Newick (.nwk) or figure "
        "(.png/.svg/.pdf); its groups are also printed",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="stdout format")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    _add_feature_args(p)
    p.set_defaults(func=_cmd_tree)

    p = sub.add_parser(
        "report",
        help="PDF report on one suspect: verdict, scores, evidence, tree, excerpts, method",
        description="Write a self-contained PDF report for one suspect model: the verdict and "
        "key numbers, data overview, candidate scores with intervals, evidence per channel, "
        "lineage tree and distances, identity leaks with excerpts, words and phrases the "
        "suspect and its top candidate both over-use, side-by-side answers, the attribution "
        "confusion matrix (when available), method and limitations, and a reproducibility "
        "appendix. Prints the scores (as `provenance score`). An existing --out is not "
        "overwritten without --force.",
    )
    _add_data_args(p)
    _add_suspect_args(p)
    p.add_argument(
        "--out",
        required=True,
        help="the report to write: NAME.pdf, or NAME.html for one self-contained web page",
    )
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "--channels",
        default=None,
        help="comma-separated channels (default: embedding,style,lexical,identity)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of every resampling (deterministic)")
    p.add_argument("--bootstrap", type=int, default=200, help="prompt resamplings for intervals")
    p.add_argument(
        "--tree-bootstrap",
        type=int,
        default=50,
        help="prompt resamplings for the tree's clade supports (default 50)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="family-wise significance level")
    p.add_argument(
        "--no-attribution", action="store_true", help="leave out the attribution classifier"
    )
    p.add_argument(
        "--attribution-prompts",
        type=int,
        default=200,
        help="train the attribution classifier on at most this many prompts (default 200; 0: all)",
    )
    p.add_argument(
        "--format", choices=["table", "json"], default="table", help="how the scores are printed"
    )
    _add_feature_args(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "train",
        help="train an attribution classifier (which model wrote a text) and save it",
        description="Train a classifier that names the model behind a text, evaluate it by "
        "cross-validation with no prompt in both a training and a test fold, print the "
        "evaluation and save the classifier as a skops file (no pickle). An existing --out "
        "is not overwritten without --force.",
    )
    _add_data_args(p)
    p.add_argument("--models", default=None, help="comma-separated classes (default: all models)")
    p.add_argument(
        "--channels",
        default=None,
        help="comma-separated channels: lexical, style, embedding, identity "
        "(default: lexical,style)",
    )
    p.add_argument("--out", required=True, help="classifier file to write, e.g. clf.skops")
    p.add_argument("--figure", default=None, help="confusion matrix figure (.png, .svg or .pdf)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--folds", type=int, default=5, help="prompt-grouped folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold assignment")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="processes for the independent fits (default: every CPU this process may use; "
        "the results do not depend on it)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    _add_feature_args(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "attribute",
        help="attribute each output of a corpus to one of a trained classifier's models",
        description="Load a classifier written by `provenance train` and give, per output, the "
        "probability of each of its models, and per model of DATA the share of its outputs "
        "attributed to each.",
    )
    p.add_argument("classifier", help="classifier file written by provenance train")
    _add_data_args(p)
    p.add_argument("--models", default=None, help="attribute only these models' outputs")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--out", default=None, help="write the result to this file instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    _add_feature_args(p)
    p.set_defaults(func=_cmd_attribute)

    # -- further subcommands are added above this line --
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``provenance`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ProvenanceError as exc:
        print(f"provenance: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("provenance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, MemoryError) as exc:
        print(f"provenance: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def dumps(obj: Any) -> str:
    """JSON text of a result (dataclass ``to_dict`` or plain data)."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return json.dumps(obj, indent=2, ensure_ascii=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
