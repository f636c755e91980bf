"""Control and bidirectional characters in the views a person reads off the screen or paper
(issue 24, field case 14): the HTML report, the PDF report and every figure.

Terminal views were escaped in issue 16; the HTML page, the PDF's tables and the figures
still showed such names raw, and a right-to-left override drew ``ember<RLO>evil<CR>13b`` as
"emberlive". Each view is read back here (the HTML text, the PDF's extracted text, each
figure's SVG text): no raw character, and the name shown escaped as on a terminal.
"""

from __future__ import annotations

import pytest

from detector.corpus import load_corpus
from detector.features import FeatureOptions
from detector.report import build_report, render

from .conftest import CHANNELS, HOSTILE, RAW, clean, demo_records

#: field case 14's names: CR, a right-to-left override, ESC and a C1 control, a line separator
NAMES = {
    "ember-13b": "ember\u202eevil\r13b",
    "cirrus": "cirrus\x1b[31mRED\x1b[0m",
    "borealis": HOSTILE,
    "human-sft-13b": "delta\x9b31mC1\u2028x",
}
SHOWN = ("ember\\u202eevil\\r13b", "cirrus\\x1b[31mRED\\x1b[0m", "delta\\x9b31mC1\\u2028x")
RAW_ALL = (*RAW, "\x9b", "\u2028")


def raw_free(text: str) -> bool:
    return clean(text) and not any(c in text for c in RAW_ALL)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-report")
    records = demo_records(n_prompts=24).replace({"model": NAMES})
    first = records["model"] == "student-of-atlas"  # the suspect: its answers are quoted
    records.loc[first, "output"] = "Hi \u202eeulav\x1b[1m. " + records.loc[first, "output"]
    result = build_report(
        load_corpus(records),
        "student-of-atlas",
        out=folder / "r.pdf",
        channels=CHANNELS,
        n_bootstrap=10,
        tree_bootstrap=3,
        include_attribution=False,
        options=FeatureOptions(cache_dir=folder / "cache", progress=False),
    )
    html_path = folder / "r.html"
    render(result.data, html_path)
    return {"result": result, "pdf": result.path, "html": html_path.read_text(encoding="utf-8")}


def test_html_report_shows_them_escaped(hostile_report):
    page = hostile_report["html"]
    assert raw_free(page)
    for shown in SHOWN:  # in tables and in the inline SVG figures
        assert shown in page
    assert page.count("ember\\u202eevil\\r13b") >= 3  # tables, figures, answers
    assert "eulav\\x1b[1m" in page  # the side-by-side answers


def test_pdf_report_shows_them_escaped(hostile_report):
    import pypdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(hostile_report["pdf"]).pages)
    assert raw_free(text)
    for shown in SHOWN:
        assert shown in text or shown in " ".join(text.split())
    assert "eulav\\x1b[1m" in text  # an excerpt of an answer


def test_every_figure_shows_them_escaped(hostile_report):
    from detector import figures
    from detector.consensus import consensus_tree
    from detector.figures.base import figure_bytes

    result = hostile_report["result"]
    score, tree = result.score, result.tree
    drawn = {
        "scores": figures.scores_figure(score),
        "channels": figures.channels_figure(score),
        "tree": figures.dendrogram_figure(tree),
        "heatmap": figures.heatmap_figure(tree),
        "mds": figures.mds_figure(tree),
        "lengths": figures.lengths_figure(
            [vars(s) for s in result.data.data.lengths], suspect=score.suspect
        ),
        "consensus": figures.consensus_figure(consensus_tree(tree)),
    }
    for name, fig in drawn.items():
        svg = figure_bytes(fig, "svg").decode("utf-8")  # text kept as text
        assert raw_free(svg), name
        assert "ember\\u202eevil\\r13b" in svg, name
