"""The score table of the terminal: one suspect's candidates in at most 100 columns.

:meth:`detector.scoring.ScoreResult.to_text` prints every column (the interval
ends, the p-value, each channel's z and each candidate's verdict), about 150
columns wide. :func:`score_table` fits a terminal: the interval in one column,
each channel's z under a three-letter name (a legend line says which),
channels that are zero for every candidate left out (and named), long model
names shortened (and said so), and the per-candidate verdicts grouped by rank
below the table. The command line (``score``, ``report``) and ``demo`` print it.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

__all__ = ["WIDTH", "score_table"]

#: Columns the table fits in.
WIDTH = 100


def _finite(*values: Any) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _number(value: Any, digits: int) -> str:
    """A number with ``digits`` decimals; "-" for None or NaN (a value not computed)."""
    return f"{value:.{digits}f}" if _finite(value) else "-"


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
        values = {ch: [c.channels.get(ch, 0.0) for c in cands] for ch in channels}
        unscored = [ch for ch in channels if not any(math.isfinite(v) for v in values[ch])]
        silent = [
            ch
            for ch in channels
            if ch not in unscored and all(abs(v) < 5e-3 for v in values[ch] if math.isfinite(v))
        ]
        shown = [ch for ch in channels if ch not in silent and ch not in unscored]
        abbrev = {ch: ch[:3] for ch in shown}
        header = ["#", "model", "score", "95% CI", "beats", "Holm p", "z", *abbrev.values()]
        header.append("related")
        rows = []
        for c in cands:
            p = "-" if c.p_value is None else f"{c.p_value:.2g}"
            rows.append(
                [
                    str(c.rank),
                    c.model,
                    _number(c.score, 3),
                    f"{c.ci[0]:.3f}-{c.ci[1]:.3f}" if _finite(*c.ci) else "-",
                    f"{c.null_below}/{c.null_size}" if getattr(c, "null_size", 0) else "-",
                    p,
                    _number(c.z, 2),
                    *(_number(c.channels.get(ch, float("nan")), 2) for ch in shown),
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
        if any(getattr(c, "null_size", 0) for c in cands):
            lines += wrap.wrap(
                "beats: unrelated models less similar to the suspect than the candidate is (a "
                "count); score: the share expected to be less similar, from z (how far above "
                "the typical unrelated model, not how many it passes), so the two can order "
                "candidates differently"
            )
        legend = ", ".join(f"{a} = {ch}" for ch, a in abbrev.items())
        if legend:
            lines += wrap.wrap(f"z per channel: {legend}")
        if silent:
            lines += wrap.wrap(f"left out, zero for every candidate: {', '.join(silent)}")
        if unscored:
            lines += wrap.wrap(f"no z for any candidate: {', '.join(unscored)} (the notes say why)")
        if any(ch not in c.channels for ch in shown for c in cands):
            lines += wrap.wrap(
                "-: not compared (the channel's text, such as a reasoning trace, is missing)"
            )
        if shortened:
            lines.append("long model names shortened; --wide or --format json shows them whole")
        by_verdict: dict[str, list[int]] = {}
        for c in cands:
            by_verdict.setdefault(c.verdict, []).append(c.rank)
        lines.append("per candidate:")
        for verdict, ranks in by_verdict.items():
            lines += wrap.wrap(f"  {_ranks(sorted(ranks))}: {verdict}")
        lines.append("")
    level = getattr(result, "level", "")
    lines += wrap.wrap(f"verdict{f' ({level})' if level else ''}: {result.verdict}")
    if getattr(result, "explanation", ""):
        lines += wrap.wrap(f"why: {result.explanation}")
    if getattr(result, "which", ""):  # the second question: which candidate, if any
        lines += wrap.wrap(f"which: {result.which}")
    for note in result.notes:
        if note != getattr(result, "explanation", None):  # said once, as "why"
            lines += wrap.wrap(f"note: {note}")
    return "\n".join(lines)
