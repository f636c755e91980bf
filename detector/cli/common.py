"""What the commands share: the parser class, option helpers and option types.

Every command module declares its options with these helpers, so one option
means one thing (same name, type, check and help) wherever it appears:

- :func:`add_data_options`: the corpus argument and its column mapping;
- :func:`add_output_options`: ``--format``, ``--out``, ``--force``;
- :func:`add_seed`, :func:`add_bootstrap`, :func:`add_alpha`;
- :func:`add_feature_options`: embedding model, cache, precision, progress;
- :func:`add_suspect_options`, :func:`add_models_option`: model lists.

Numeric options are checked by the parser (exit status 2, one line) with the
same words as the library's checks (:mod:`detector.params`).

Nothing here imports NumPy, pandas or the analysis modules: ``provenance
--help`` builds every parser and must start fast.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ProvenanceError
from ..params import fraction_problem, int_problem, positive_problem, share_problem
from ..terminal import printable

__all__ = [
    "ATTRIBUTION_CHANNELS",
    "DEFAULT_ATTRIBUTION_CHANNELS",
    "DEFAULT_CHANNELS",
    "RECOGNISED_COLUMNS",
    "FORMATS",
    "INPUT_FORMATS",
    "PRECISIONS",
    "HelpFormatter",
    "Parser",
    "add_alpha",
    "add_bootstrap",
    "add_channels",
    "add_command",
    "add_data_options",
    "add_embedding_model",
    "add_feature_options",
    "add_force",
    "add_models_option",
    "add_output_options",
    "add_progress_options",
    "add_scale_options",
    "add_seed",
    "add_suspect_options",
    "add_verbosity",
    "data_source",
    "feature_options",
    "fraction",
    "integer",
    "load",
    "or_none",
    "positive",
    "progress_of",
    "say",
    "share",
    "split_names",
    "usable_cpus",
]

#: Output formats of the commands that print results (see detector.results.FORMATS).
FORMATS = ("table", "json", "csv", "markdown")
#: Embedding precisions (kept literal so that the parser does not import torch;
#: a test checks they are detector.embeddings.PRECISIONS).
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: The default evidence channels, and the attribution classifiers' channels (block order) and
#: defaults: literal so that the parser does not import the registry (numpy, scipy); tests in
#: tests/test_cli.py check every --help that names them against detector.channels.
DEFAULT_CHANNELS = ("embedding", "style", "lexical", "opening", "identity")
ATTRIBUTION_CHANNELS = ("lexical", "style", "embedding", "identity")
DEFAULT_ATTRIBUTION_CHANNELS = ("lexical", "style")
#: Column names recognised for each role, canonical first (a test checks they are
#: detector.shapes.CANDIDATES).
RECOGNISED_COLUMNS = {
    "model": ("model", "generator", "model_id", "model_name", "engine"),
    "prompt": ("prompt", "instruction", "question", "query", "user_prompt"),
    "output": (
        "output",
        "response",
        "completion",
        "answer",
        "generation",
        "generated_text",
        "model_output",
        "prediction",
    ),
    "prompt_id": ("prompt_id", "question_id"),
}
#: Input formats of load_corpus (a test checks they are detector.corpus.FORMATS).
INPUT_FORMATS = (
    "jsonl",
    "json",
    "csv",
    "tsv",
    "parquet",
    "alpaca_eval",
    "mtbench",
    "lm_eval",
    "hf_disk",
    "hf",
)


# ----------------------------------------------------------------- parser
class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions, keeps indented lines (the examples) as written, adds defaults.

    An option whose help already states its default in words ("default:
    every other model") is left alone, as are flags and options without a
    default.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.split("\n\n"):
            lines = block.split("\n")
            if any(line.startswith("  ") for line in lines):
                blocks.append("\n".join(indent + line for line in lines))
            else:
                blocks.append(super()._fill_text(block, width, indent))
        return "\n\n".join(blocks)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or isinstance(action, (argparse._StoreTrueAction, argparse._CountAction))
        ):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, as every other error of the tool."""

    def error(self, message: str) -> Any:
        # "argument --seed: must be ..." -> "--seed must be ...", as the library says it
        message = re.sub(r"^argument ([^:]+): (must )", r"\1 \2", message)
        self.exit(
            2,
            f"provenance: error: {printable(message, multiline=False)} (see {self.prog} --help)\n",
        )


def add_command(
    sub: Any, name: str, *, help: str, description: str, examples: Sequence[str]
) -> Parser:
    """A subcommand with a one-line help, a description and examples in its epilog."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    parser: Parser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=HelpFormatter,
    )
    add_verbosity(parser)
    return parser


# ----------------------------------------------------------- option types
def integer(minimum: int) -> Callable[[str], int]:
    """An option type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer of at least {minimum}, got {text!r}"
            ) from None
        problem = int_problem(value, minimum)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = "integer"
    return parse


def fraction(text: str) -> float:
    """An option type: a number strictly between 0 and 1 (a significance level)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number between 0 and 1 (exclusive), got {text!r}"
        ) from None
    problem = fraction_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def share(text: str) -> float:
    """An option type: a number above 0 and at most 1 (a share kept, such as a coverage)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    problem = share_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem.replace(repr(value), repr(text)))
    return value


def positive(*, allow_zero: bool = False) -> Callable[[str], float]:
    """An option type: a finite number above 0 (or at least 0)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        problem = positive_problem(value, allow_zero=allow_zero)
        if problem:
            raise argparse.ArgumentTypeError(problem.replace(repr(value), repr(text)))
        return value

    parse.__name__ = "number"
    return parse


def or_none(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """An option type that also takes "none" (leave the setting to the server)."""

    def parse(text: str) -> Any:
        return None if text.strip().lower() in ("none", "default") else kind(text)

    parse.__name__ = getattr(kind, "__name__", "value")
    return parse


# -------------------------------------------------------- option helpers
def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-q`` / ``-v``: the log level of the ``detector`` logger (and quiet progress)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more messages on stderr (-v: info, -vv: debug)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="errors only on stderr: no warnings, no progress",
    )


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """The corpus argument (one or more paths) and the options that say how to read it."""
    parser.add_argument(
        "data",
        nargs="+",
        metavar="DATA",
        help="corpus: a .jsonl, .json, .csv or .parquet file (.gz too), a folder of them, "
        "several paths read as one corpus, an AlpacaEval results tree, an MT-Bench "
        "model_answer folder, a saved Hugging Face dataset folder, or hf:NAME[:CONFIG[:SPLIT]]",
    )
    group = parser.add_argument_group("reading the corpus")
    group.add_argument(
        "--input-format",
        dest="input_format",
        default=None,
        metavar="FORMAT",
        help=f"read DATA as this format: {', '.join(INPUT_FORMATS)} "
        "(default: from the file name or folder)",
    )
    group.add_argument(
        "--model-col",
        default=None,
        metavar="COLUMN",
        help=f"column holding the model name (default: recognised: {_recognised('model')})",
    )
    group.add_argument(
        "--prompt-col",
        default=None,
        metavar="COLUMN",
        help=f"column holding the prompt text (default: recognised: {_recognised('prompt')})",
    )
    group.add_argument(
        "--output-col",
        default=None,
        metavar="COLUMN",
        help=f"column holding the output text (default: recognised: {_recognised('output')})",
    )
    group.add_argument(
        "--id-col",
        default=None,
        metavar="COLUMN",
        help=f"column holding the prompt id (default: recognised: {_recognised('prompt_id')}; "
        "without one, ids come from the prompt text); --id-col '' ignores an id column and "
        "derives ids from the prompt text",
    )
    group.add_argument(
        "--questions",
        default=None,
        metavar="FILE",
        help="the question.jsonl of MT-Bench answers (default: found beside the "
        "model_answer folder)",
    )
    group.add_argument(
        "--sep",
        default=None,
        metavar="CHAR",
        help="the delimiter of CSV/TSV files, e.g. ';' or '\\t' (default: found in each "
        "file's header among , ; tab |)",
    )


def add_output_options(
    parser: argparse.ArgumentParser,
    *,
    out_help: str = "write the result to this file; the format follows its suffix (.json, "
    ".csv, .md) unless --format is given (default: standard output)",
    formats: Sequence[str] = FORMATS,
    out: bool = True,
) -> None:
    """``--format``, and ``--out`` / ``--force`` (with ``out``)."""
    parser.add_argument(
        "--format",
        choices=list(formats),
        default=None,
        help="how the result is printed (default: table, or what the suffix of --out names)"
        if out
        else "how the result is printed on standard output (default: table)",
    )
    if out:
        parser.add_argument("--out", default=None, metavar="FILE", help=out_help)
        add_force(parser)


def add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace output files that already exist"
    )


def add_seed(parser: argparse.ArgumentParser, help: str = "seed of every resampling") -> None:
    parser.add_argument(
        "--seed",
        type=integer(0),
        default=0,
        help=f"{help}, an integer >= 0; results are deterministic for a seed",
    )


def add_bootstrap(
    parser: argparse.ArgumentParser,
    *,
    default: int,
    minimum: int = 1,
    help: str = "prompt resamplings for the 95%% intervals",
    flag: str = "--bootstrap",
) -> None:
    bound = f"an integer >= {minimum}" + ("; 0: none" if minimum == 0 else "")
    parser.add_argument(flag, type=integer(minimum), default=default, help=f"{help}, {bound}")


def add_alpha(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--alpha",
        type=fraction,
        default=0.05,
        help="family-wise significance level, between 0 and 1, Holm-corrected across candidates",
    )


def _recognised(role: str) -> str:
    return ", ".join(RECOGNISED_COLUMNS[role])


def add_channels(parser: argparse.ArgumentParser) -> None:
    """``--channels`` of the commands that build evidence (default: the registry's defaults)."""
    parser.add_argument(
        "--channels",
        default=None,
        help=f"comma-separated evidence channels (default: {','.join(DEFAULT_CHANNELS)})",
    )


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress`` (default: progress when stderr is a terminal)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="show progress on stderr even when it is not a terminal (default: only on a terminal)",
    )
    group.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        help="no progress on stderr",
    )


def add_embedding_model(parser: Any) -> None:
    """``--embedding-model``: the sentence-transformers model of the embedding channel."""
    parser.add_argument(
        "--embedding-model",
        default=None,
        metavar="NAME_OR_PATH",
        help="sentence-transformers name or local path (default: the bundled all-MiniLM-L6-v2)",
    )


def add_feature_options(parser: argparse.ArgumentParser) -> None:
    """Options of commands that compute channel features, and progress."""
    group = parser.add_argument_group("features")
    add_embedding_model(group)
    group.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        default="auto",
        help="embedding precision; auto: bf16 where it keeps cosine >= 0.999 to fp32",
    )
    group.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="feature cache; a folder you trust (default: $PROVENANCE_CACHE_DIR or "
        "~/.cache/provenance)",
    )
    add_progress_options(group)  # type: ignore[arg-type]


def add_scale_options(parser: argparse.ArgumentParser) -> None:
    """Options for large corpora: device, shards and the distributed engine."""
    group = parser.add_argument_group("scale")
    group.add_argument(
        "--device",
        default=None,
        metavar="DEVICE",
        help="torch device for embeddings: cpu, cuda or cuda:N (default: the GPU when there is "
        "one); on CUDA, --precision auto uses bf16 (fp16 on GPUs without bf16) when it keeps "
        "cosine >= 0.999 to fp32",
    )
    group.add_argument(
        "--shard-rows",
        type=integer(0),
        default=None,
        metavar="N",
        help="compute and store features in shards of about N outputs (whole prompts) and "
        "stream the pairwise stage over them: bounded memory, progress per shard, resumes "
        "after an interruption; 0: never (default: shards of 20000 above 200000 outputs)",
    )
    group.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="where shards run: this process (local), or Dask workers (needs the "
        "`distributed` extra; workers must see --cache-dir)",
    )
    group.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786) for --engine dask (default: a local "
        "cluster on this machine)",
    )


def _scale_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The scale options (an executor for --engine), for commands that have them."""
    if not hasattr(args, "engine"):
        return {}
    from ..executor import make_executor

    if args.scheduler and args.engine != "dask":
        from ..errors import ProvenanceError

        raise ProvenanceError("--scheduler needs --engine dask")
    return {
        "device": args.device,
        "shard_rows": args.shard_rows,
        "executor": make_executor(args.engine, args.scheduler),
    }


def add_suspect_options(parser: argparse.ArgumentParser) -> None:
    """``--suspect``, ``--candidates`` and ``--reference`` (score and report)."""
    parser.add_argument("--suspect", required=True, help="the model under suspicion")
    parser.add_argument(
        "--candidates",
        action="append",
        default=None,
        metavar="MODELS",
        help="candidate teachers/parents: comma-separated, or the option repeated for names "
        "with commas (default: every other model)",
    )
    parser.add_argument(
        "--reference",
        action="append",
        default=None,
        metavar="MODELS",
        help="unrelated models for calibration, given as --candidates "
        "(default: every model that is neither suspect nor candidate)",
    )
    parser.add_argument(
        "--lineage",
        default=None,
        metavar="FILE",
        help="what is known of the models' lineage, a CSV (model, relation, parent, family "
        "or teacher columns; released YYYY-MM[-DD] optional): a candidate's documented "
        "relatives leave its null, relatives are tested as one clade, and candidates "
        "released after the suspect are set aside (default: none; release dates of "
        "well-known models come from a bundled table, see --no-known-dates)",
    )
    parser.add_argument(
        "--no-known-dates",
        dest="known_dates",
        action="store_false",
        help="do not take the release dates of well-known models from the bundled table "
        "(by default a candidate released after the suspect by that table is set aside, "
        "with its date and source in the notes)",
    )


def add_baseline_option(parser: argparse.ArgumentParser) -> None:
    """``--baseline`` (score and report): did the suspect move toward a candidate from it?"""
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="MODEL",
        help="the suspect's predecessor, or a sibling on the same base model: then each "
        "candidate is scored by how far the suspect moved toward it relative to MODEL, "
        "calibrated against how far it moved toward unrelated models (default: none, the "
        "plain score)",
    )


def add_models_option(
    parser: argparse.ArgumentParser, help: str, *, default: str = "", required: bool = False
) -> None:
    """``--models``: comma-separated or repeated model names."""
    parser.add_argument(
        "--models",
        action="append",
        required=required,
        default=None,
        metavar="MODELS",
        help=f"{help}, comma-separated or the option repeated for names with commas"
        + (f" (default: {default})" if default else ""),
    )


# ------------------------------------------------------------ arguments
def split_names(
    values: Sequence[str] | str | None,
    known: Sequence[str] | None = None,
    option: str = "models",
) -> list[str] | None:
    """Model names from ``--models``-style options (repeated and/or comma-separated).

    Each value is split at commas, unless a comma is escaped (``a\\,b``).
    With ``known``, a value is read as the one way of cutting it at its
    commas into known model names (``"org/model, v2,other"`` is two names
    when ``org/model, v2`` is a model); a value that no cut makes known is
    split at every comma (the caller then names the unknown part). Names
    keep their inner spaces; order is kept, duplicates dropped. None when
    nothing was given.

    Raises
    ------
    ProvenanceError
        A value that can be cut into known names in more than one way
        (``a,b`` when ``a``, ``b`` and ``a,b`` are all models), naming both
        readings and how to write each.
    """
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    known_set = set(known) if known is not None else None
    names: list[str] = []
    for value in values:
        pieces = _comma_pieces(value)
        readings = _readings(pieces, known_set) if known_set is not None else []
        if len(readings) > 1:
            first, second = readings[0], readings[1]
            raise ProvenanceError(
                f"`{option}` {value!r} is ambiguous: it reads as {_listed(first)} and as "
                f"{_listed(second)}; write a backslash before a comma that belongs to a name "
                f"({_escaped(max(first + second, key=len))!r}), or give one name per `{option}`"
            )
        if readings:
            names += readings[0]
        else:
            names += [p.strip() for p in pieces if p.strip()]
    names = list(dict.fromkeys(names))
    return names or None


def _comma_pieces(value: str) -> list[str]:
    """``value`` cut at its unescaped commas; ``\\,`` is a comma inside a piece."""
    pieces, current, i = [], "", 0
    while i < len(value):
        if value.startswith("\\,", i):
            current += "\x00"  # a comma that belongs to the name, joined back below
            i += 2
            continue
        if value[i] == ",":
            pieces.append(current)
            current = ""
        else:
            current += value[i]
        i += 1
    pieces.append(current)
    return [p.replace("\x00", ",") for p in pieces]


def _readings(pieces: list[str], known: set[str]) -> list[list[str]]:
    """Every way of joining consecutive ``pieces`` (with commas) into known names (at most 2)."""
    found: list[list[str]] = []

    def walk(start: int, taken: list[str]) -> None:
        if len(found) > 1:
            return
        if start == len(pieces):
            found.append(taken)
            return
        if not pieces[start].strip() and start < len(pieces):  # an empty piece: "a,,b", "a,"
            walk(start + 1, taken)
            return
        for end in range(start + 1, len(pieces) + 1):
            name = ",".join(pieces[start:end]).strip()
            if name in known:
                walk(end, [*taken, name])

    walk(0, [])
    return [r for r in found if r]


def _listed(names: list[str]) -> str:
    return (
        "the model " + repr(names[0])
        if len(names) == 1
        else "the models " + ", ".join(map(repr, names))
    )


def _escaped(name: str) -> str:
    return name.replace(",", "\\,")


def progress_of(args: argparse.Namespace) -> bool:
    """Progress on or off: ``--progress``/``--no-progress``, ``-q``, else stderr a terminal."""
    from ..progress import enabled

    wanted = getattr(args, "progress", None)
    if wanted is None and getattr(args, "quiet", False):
        return False
    return enabled(wanted)


def feature_options(args: argparse.Namespace) -> Any:
    """The feature (and, where the command has them, scale) options as one FeatureOptions."""
    from ..featureset import FeatureOptions

    return FeatureOptions(
        embedding_model=args.embedding_model,
        precision=args.precision,
        cache_dir=args.cache_dir,
        progress=progress_of(args),
        **_scale_settings(args),
    )


def load(args: argparse.Namespace) -> Any:
    """The corpus named by the data options."""
    from ..corpus import load_corpus

    return load_corpus(
        data_source(args),
        format=args.input_format,
        model_col=args.model_col,
        prompt_col=args.prompt_col,
        output_col=args.output_col,
        id_col=args.id_col,
        questions=args.questions,
        sep=_separator(args.sep),
    )


def _separator(value: str | None) -> str | None:
    """``--sep`` as typed: ``\\t`` (or ``tab``) is a tab."""
    if value is None:
        return None
    return "\t" if value in ("\\t", "tab", "TAB") else value


def data_source(args: argparse.Namespace) -> str | list[str]:
    """DATA as :func:`~detector.corpus.load_corpus` takes it: one path, or a list of them."""
    data = args.data
    if isinstance(data, str):
        return data
    return data[0] if len(data) == 1 else list(data)


def usable_cpus() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def say(text: str) -> None:
    """One message on stderr, control characters escaped."""
    print(printable(text), file=sys.stderr, flush=True)
