"""``build_report``: gather the analysis once, render it as PDF or HTML."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..corpus import Corpus
from ..errors import ProvenanceError
from ..evidence import Evidence
from ..features import FeatureOptions, Features
from ..files import check_output_path
from ..results import Result
from ..scoring import ScoreResult
from ..tree import TreeResult
from .data import ReportData
from .gather import gather

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "ReportResult", "build_report", "render"]

FORMATS = ("pdf", "html")


@dataclass
class ReportResult(Result):
    """What :func:`build_report` wrote and what it was based on.

    Attributes
    ----------
    path : pathlib.Path
        The report written.
    pages : int
        Number of pages (PDF; 1 for HTML).
    score : ScoreResult
        The scores shown (the numbers in the report come from it).
    tree : TreeResult or None
        The lineage tree shown (None when it could not be built).
    sections : list of str
        Section titles, in order (:data:`SECTIONS`).
    timings : dict of str to float
        Seconds per step (``evidence``, ``score``, ``tree``, ``lexical``,
        ``identity``, ``attribution``, ``pdf`` or ``html`` (rendering), ``total``).
    notes : list of str
        Sections that are unavailable or shortened, and why.
    attribution : detector.attribution.Evaluation or None
        The attribution classifier's held-out evaluation shown (None when
        unavailable or switched off).
    data : ReportData or None
        Everything the report shows (save it with ``data.save(path)``; render
        it again with :func:`render`).
    format : str
        "pdf" or "html".
    """

    path: Path
    pages: int
    score: ScoreResult
    tree: TreeResult | None
    sections: list[str]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)
    attribution: Any = None
    data: ReportData | None = field(default=None, repr=False)
    format: str = "pdf"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "pages": self.pages,
            "sections": list(self.sections),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "verdict": None if self.data is None else self.data.verdict.level,
            "headline": None if self.data is None else self.data.verdict.headline,
            "score": self.score.to_dict(),
            "shift": None
            if self.data is None or self.data.shift is None
            else self.data.shift.result.to_dict(),
            "tree_newick": self.tree.newick if self.tree is not None else None,
            "attribution_accuracy": (
                float(self.attribution.accuracy) if self.attribution is not None else None
            ),
        }

    def to_text(self) -> str:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items() if k != "total")
        unit = f"{self.pages} pages" if self.format == "pdf" else "one HTML page"
        lines = [
            f"wrote {self.path}: {unit} in {self.timings.get('total', 0.0):.1f} s",
            f"steps: {steps}",
            "",
            self.score.to_text(),
        ]
        if self.attribution is not None:
            a = self.attribution
            lines.append(
                f"attribution classifier: held-out accuracy {float(a.accuracy):.1%} over "
                f"{len(a.models)} models (chance {float(a.chance):.1%}, {a.n_prompts} prompts)"
            )
        lines += [f"report note: {n}" for n in self.notes]
        return "\n".join(lines)


def report_format(out: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of a report written to ``out``: ``format``, else its extension.

    Raises
    ------
    ProvenanceError
        An unknown format, or an extension that does not match it.
    """
    suffix = Path(out).suffix.lower().lstrip(".")
    suffix = "html" if suffix == "htm" else suffix
    fmt = format or suffix
    if fmt not in FORMATS:
        raise ProvenanceError(
            f"{out}: a report is written as a .pdf or .html file; end `out` in .pdf or .html"
        )
    if suffix != fmt:
        raise ProvenanceError(f"{out}: a {fmt} report needs a file name ending in .{fmt}")
    return fmt


def render(data: ReportData, out: str | os.PathLike[str], format: str | None = None) -> int:
    """Write ``data`` as a report to ``out`` (atomically); return the page count (HTML: 1)."""
    fmt = report_format(out, format)
    if fmt == "html":
        from ..files import atomic_write
        from .html import render_html

        atomic_write(out, render_html(data))
        return 1
    from .pdf import render_pdf

    return render_pdf(data, out)


def build_report(
    data: Corpus | Features | Evidence | str | os.PathLike[str],
    suspect: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    *,
    out: str | os.PathLike[str],
    force: bool = False,
    seed: int = 0,
    channels: str | list[str] | None = None,
    n_bootstrap: int = 200,
    tree_bootstrap: int = 50,
    alpha: float = 0.05,
    include_attribution: bool = True,
    attribution_prompts: int | None = 200,
    format: str | None = None,
    on_step: Callable[[str], None] | None = None,
    lineage: pd.DataFrame | str | os.PathLike[str] | None = None,
    baseline: str | None = None,
    options: FeatureOptions | None = None,
    known_dates: bool = True,
) -> ReportResult:
    """Write a self-contained report (PDF or HTML) on one suspect model.

    Parameters
    ----------
    data : Corpus, Features, Evidence, str or path
        The outputs (a path is read with :func:`~detector.corpus.load_corpus`),
        their features, or evidence already built (it must carry its
        features, as :func:`~detector.evidence.build_evidence` leaves it).
    suspect : str
        The model under suspicion.
    candidates : list of str, optional
        Possible teachers or parents; default every other model (as
        :func:`~detector.scoring.score`).
    reference : list of str, optional
        Unrelated models for calibration; default every model that is neither
        suspect nor candidate.
    out : str or path
        The report to write: ``.pdf``, or ``.html`` for one self-contained web
        page; an existing file is kept unless ``force`` (and a failed write
        leaves it whole).
    force : bool
        Overwrite ``out``.
    seed : int
        Seed of every resampling (the report's numbers are deterministic).
    channels : str or list of str, optional
        Evidence channels (default all four); ignored when ``data`` is Evidence.
    n_bootstrap : int
        Prompt resamplings for the score intervals.
    tree_bootstrap : int
        Prompt resamplings for the tree's clade supports and its consensus.
    alpha : float
        Family-wise significance level (Holm).
    include_attribution : bool
        Train the attribution classifier for its section when
        :mod:`detector.attribution` is available.
    attribution_prompts : int or None
        Train it on at most this many of the suspect's prompts, sampled with
        ``seed`` (None: all); it bounds the report's time on large corpora.
    format : {"pdf", "html"}, optional
        Default: from the extension of ``out``.
    on_step : callable, optional
        Called with the name of each long step as it starts (progress).
    lineage : pandas.DataFrame, str or Path, optional
        Known lineage of the models, or a lineage CSV's path, as in
        :func:`~detector.scoring.score`: documented relatives leave a
        candidate's null, candidates released after the suspect are set aside.
    known_dates : bool
        Take release dates of well-known models from the bundled table, as
        :func:`~detector.scoring.score` does.
    baseline : str, optional
        The suspect's predecessor or a sibling on its base model: the report
        then opens (page 1 and a first section) with whether the suspect moved
        toward a candidate relative to it (:func:`~detector.shift.shift_score`).
    options : FeatureOptions, optional
        How features are computed when ``data`` lacks them
        (:func:`~detector.features.compute_features`).

    Returns
    -------
    ReportResult

    Raises
    ------
    ProvenanceError
        ``out`` exists (without ``force``) or is not a .pdf/.html file;
        unknown suspect, candidate or reference model; too few shared
        prompts; the inputs :func:`~detector.scoring.score` refuses.
    """
    t_start = time.perf_counter()
    fmt = report_format(out, format)
    out_path = check_output_path(out, force=force, option="out")
    report, evaluation = gather(
        data,
        suspect,
        candidates,
        reference,
        seed=seed,
        channels=channels,
        n_bootstrap=n_bootstrap,
        tree_bootstrap=tree_bootstrap,
        alpha=alpha,
        include_attribution=include_attribution,
        attribution_prompts=attribution_prompts,
        out=out_path,
        on_step=on_step,
        lineage=lineage,
        baseline=baseline,
        options=options or FeatureOptions(),
        known_dates=known_dates,
    )
    t = time.perf_counter()
    if on_step is not None:
        on_step(f"writing the {fmt.upper()}")
    pages = render(report, out_path, fmt)
    timings = dict(report.provenance.timings)
    timings[fmt] = time.perf_counter() - t  # "pdf" or "html": the rendering
    timings["total"] = time.perf_counter() - t_start
    logging.getLogger(__name__).info(
        "report: %s of %d page(s) written in %.2f s", fmt, pages, timings[fmt]
    )
    return ReportResult(
        out_path,
        pages,
        report.score,
        report.tree.tree,
        list(report.sections),
        timings,
        list(report.notes),
        evaluation,
        report,
        fmt,
    )
