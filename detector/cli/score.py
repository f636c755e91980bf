"""``provenance score``: score the candidate teachers/parents of one suspect model.

The table view fits 100 columns: the interval in one column, each channel's
z under a three-letter name (a legend line says which), channels that are
zero for every candidate left out, long model names shortened, and the
per-candidate verdicts grouped by rank below the table. ``--wide`` prints
every column of :meth:`detector.scoring.ScoreResult.to_text` instead.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from .common import (
    add_alpha,
    add_bootstrap,
    add_channels,
    add_command,
    add_data_options,
    add_feature_options,
    add_output_options,
    add_seed,
    add_suspect_options,
    feature_kwargs,
    load,
    split_names,
)
from .output import emit

__all__ = ["WIDTH", "add_parser", "run", "score_table"]

#: Columns the table view fits in.
WIDTH = 100


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "score",
        help="score candidate teachers/parents of a suspect model",
        description="Score every candidate as the teacher (distillation) or parent (weights) "
        "of the suspect: a calibrated score in [0, 1] with a 95% interval from resampling "
        "prompts, a Holm-corrected p-value, the evidence of each channel and a verdict.",
        examples=[
            "provenance score outputs.jsonl --suspect my-model",
            "provenance score outputs.jsonl --suspect my-model --candidates gpt-4o,claude-3",
            "provenance score outputs.jsonl --suspect my-model --out scores.csv",
            'provenance score outputs.jsonl --suspect s --candidates "org/model, v2" '
            "--candidates other",
        ],
    )
    add_data_options(p)
    add_suspect_options(p)
    add_channels(p, "default: embedding,style,lexical,identity")
    add_output_options(p)
    p.add_argument(
        "--wide",
        action="store_true",
        help="table view with every column (per-candidate verdicts, all channels)",
    )
    add_seed(p, "bootstrap seed")
    add_bootstrap(p, default=200)
    add_alpha(p)
    p.add_argument(
        "--attribution",
        action="store_true",
        help="also report the attribution-transfer channel (trains classifiers)",
    )
    add_feature_options(p)
    p.set_defaults(func=run, outputs={"out": None}, result_to_out=True)


def run(args: argparse.Namespace) -> int:
    from ..scoring import score

    corpus = load(args)
    result = score(
        corpus,
        args.suspect,
        split_names(args.candidates, corpus.models),
        split_names(args.reference, corpus.models),
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        alpha=args.alpha,
        channels=args.channels,
        attribution=args.attribution,
        **feature_kwargs(args),
    )
    emit(result, args, text=lambda r: score_table(r, wide=args.wide))
    return 0


# ------------------------------------------------------------- table view
def _shorten(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _ranks(ranks: list[int]) -> str:
    """[1, 2, 3, 5] -> "#1-#3, #5"."""
    parts: list[str] = []
    start = prev = ranks[0]
    for r in [*ranks[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        parts.append(f"#{start}" if start == prev else f"#{start}-#{prev}")
        if r is not None:
            start = prev = r
    return ", ".join(parts)


def score_table(result: Any, *, wide: bool = False, width: int = WIDTH) -> str:
    """The table view of a :class:`~detector.scoring.ScoreResult`, at most ``width`` columns.

    Every line but over-long words fits ``width``; ``wide`` returns the
    result's own ``to_text`` (every column).
    """
    if wide:
        return result.to_text()
    wrap = textwrap.TextWrapper(width=width, subsequent_indent="  ", break_on_hyphens=False)
    lines = [
        f"suspect: {result.suspect}   prompts: {result.n_prompts}   seed: {result.seed}   "
        f"bootstrap: {result.n_bootstrap}",
        *wrap.wrap(f"calibration: {result.calibration}"),
        "",
    ]
    cands = result.candidates
    if not cands:
        lines.append("(no candidates)")
    else:
        channels = list(dict.fromkeys(k for c in cands for k in c.channels))
        silent = [ch for ch in channels if all(abs(c.channels.get(ch, 0.0)) < 5e-3 for c in cands)]
        shown = [ch for ch in channels if ch not in silent]
        abbrev = {ch: ch[:3] for ch in shown}
        header = ["#", "model", "score", "95% CI", "Holm p", "z", *abbrev.values(), "related"]
        rows = []
        for c in cands:
            p = "-" if c.p_value is None else f"{c.p_value:.2g}"
            rows.append(
                [
                    str(c.rank),
                    c.model,
                    f"{c.score:.3f}",
                    f"{c.ci[0]:.3f}-{c.ci[1]:.3f}",
                    p,
                    f"{c.z:.2f}",
                    *(f"{c.channels.get(ch, float('nan')):.2f}" for ch in shown),
                    "yes" if c.related else ("-" if c.p_value is None else "no"),
                ]
            )
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        rest = sum(widths) - widths[1] + 2 * (len(header) - 1)
        room = max(12, width - rest)
        shortened = any(len(r[1]) > room for r in rows)
        if shortened:
            for r in rows:
                r[1] = _shorten(r[1], room)
            widths[1] = max(len(header[1]), *(len(r[1]) for r in rows))

        def line(cells: list[str]) -> str:
            out = [
                cell.ljust(w) if i == 1 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(out).rstrip()

        lines += [line(header), *(line(r) for r in rows), ""]
        legend = ", ".join(f"{a} = {ch}" for ch, a in abbrev.items())
        if legend:
            lines += wrap.wrap(f"z per channel: {legend}")
        if silent:
            lines += wrap.wrap(f"left out, zero for every candidate: {', '.join(silent)}")
        if shortened:
            lines.append("long model names shortened; --wide or --format json shows them whole")
        by_verdict: dict[str, list[int]] = {}
        for c in cands:
            by_verdict.setdefault(c.verdict, []).append(c.rank)
        lines.append("per candidate:")
        for verdict, ranks in by_verdict.items():
            lines += wrap.wrap(f"  {_ranks(sorted(ranks))}: {verdict}")
        lines.append("")
    lines += wrap.wrap(f"verdict: {result.verdict}")
    for note in result.notes:
        lines += wrap.wrap(f"note: {note}")
    return "\n".join(lines)
