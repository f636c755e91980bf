"""The shift table of the terminal: did the suspect move toward a candidate? (100 columns)

The table view of a :class:`~detector.shift.ShiftResult`, laid out as
:func:`detector.score_table.score_table` lays out a score: the baseline and
whether it is related, whether the suspect moved at all, then one row per
candidate with its shift A(S, T) - A(B, T) and interval, how many unrelated
models' shifts it beats, the Holm p-value, z and each channel's z; the
per-candidate readings grouped below. ``wide`` gives the result's own
``to_text`` (every column).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from .score_table import WIDTH, _finite, _number, _ranks, _shorten

__all__ = ["baseline_line", "shift_table"]


def _signed(value: float) -> str:
    return f"{value:+.2f}" if _finite(value) else "-"


def baseline_line(result: Any) -> str:
    """One sentence on how much the baseline resembles the suspect, against unrelated models."""
    check = result.baseline_check
    if check.related is None:
        return (
            f"baseline {result.baseline}: too few other models to say whether it resembles "
            f"{result.suspect} more than unrelated models do"
        )
    share = f"more similar to {result.suspect} than {check.null_below} of {check.null_size}"
    if check.related:
        return f"baseline {result.baseline}: related ({share} unrelated models, z = {check.z:.1f})"
    return (
        f"baseline {result.baseline}: not more similar than unrelated models beyond chance "
        f"({share}, z = {check.z:.1f}); see the note below"
    )


def shift_table(result: Any, *, wide: bool = False, width: int = WIDTH) -> str:
    """The table view of a :class:`~detector.shift.ShiftResult`, at most ``width`` columns."""
    if wide:
        return result.to_text()
    wrap = textwrap.TextWrapper(width=width, subsequent_indent="  ", break_on_hyphens=False)
    lines = [
        f"suspect: {result.suspect}   baseline: {result.baseline}   prompts: {result.n_prompts}   "
        f"seed: {result.seed}   bootstrap: {result.n_bootstrap}",
        *wrap.wrap(f"calibration: {result.calibration}"),
        *wrap.wrap(baseline_line(result)),
        *wrap.wrap(f"movement: {result.movement.words}"),
        "",
    ]
    cands = result.candidates
    if not cands:
        lines.append("(no candidates)")
    else:
        channels = list(dict.fromkeys(k for c in cands for k in c.channels))
        silent = [
            ch
            for ch in channels
            if all(
                abs(c.channels.get(ch, 0.0)) < 5e-3
                for c in cands
                if math.isfinite(c.channels.get(ch, 0.0))
            )
        ]
        shown = [ch for ch in channels if ch not in silent]
        abbrev = {ch: ch[:3] for ch in shown}
        header = ["#", "model", "shift", "95% CI", "beats", "Holm p", "z", *abbrev.values()]
        header.append("moved")
        rows = []
        for c in cands:
            rows.append(
                [
                    str(c.rank),
                    c.model,
                    _signed(c.shift),
                    f"{_signed(c.shift_ci[0])}..{_signed(c.shift_ci[1])}",
                    f"{c.null_below}/{c.null_size}" if c.null_size else "-",
                    "-" if c.p_value is None else f"{c.p_value:.2g}",
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
        lines += wrap.wrap(
            f"shift: how much more {result.suspect} resembles the candidate than "
            f"{result.baseline} does, in SDs of the models' affinities; beats: unrelated "
            "models whose shift is smaller; moved: toward it beyond them (Holm)"
        )
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
    lines += wrap.wrap(f"verdict ({result.level}): {result.verdict}")
    if result.explanation:
        lines += wrap.wrap(f"why: {result.explanation}")
    for note in result.notes:
        if note != result.explanation:
            lines += wrap.wrap(f"note: {note}")
    return "\n".join(lines)
