"""Reports: one suspect, all the evidence, readable without the tool (PDF or HTML).

:func:`build_report` answers one question, "did model S learn from (or derive
from) one of these candidates?", in a document an editor, a lawyer or a
review board can read on its own:

title page
    the question, the verdict in plain words (without raw statistics) and
    the key numbers, each with one line on what it means; a report on
    synthetic data says so here;
sections (:data:`SECTIONS`)
    data overview; candidate scores with intervals; evidence per channel;
    the lineage tree, its bootstrap consensus, the distance heatmap and map;
    identity leaks with quoted excerpts; the habits (words and phrases) S and
    its top candidate both over-use, with counts for S, the candidate and the
    pool of the other models; side-by-side answers with the shared habits
    highlighted; the attribution confusion matrix; method and limitations in
    plain words; a reproducibility appendix.

The package is split by job:

- :mod:`~detector.report.gather`: the analysis, into a typed
  :class:`~detector.report.data.ReportData` (:func:`gather_report_data`,
  callable from the CLI and the notebook; it saves as JSON);
- :mod:`~detector.report.verdict` and :mod:`~detector.report.text`: the words
  (shared by every view);
- :mod:`~detector.report.pdf` (layout in :mod:`~detector.report.pdf_layout`)
  and :mod:`~detector.report.html`: the renderers, which only read the data;
- :mod:`~detector.report.markdown`: answers rendered from markdown, shared
  phrases highlighted.
"""

from __future__ import annotations

from .build import FORMATS, ReportResult, build_report, render
from .data import SECTIONS, ReportData
from .gather import gather_report_data

__all__ = [
    "FORMATS",
    "SECTIONS",
    "ReportData",
    "ReportResult",
    "build_report",
    "gather_report_data",
    "render",
    "render_html",
    "render_pdf",
]


def render_pdf(data: ReportData, out: str) -> int:
    """Write ``data`` as a PDF report; return its page count (:func:`render`)."""
    return render(data, out, "pdf")


def render_html(data: ReportData) -> str:
    """The HTML report of ``data``, one self-contained page (:mod:`~detector.report.html`)."""
    from .html import render_html as _render_html

    return _render_html(data)
