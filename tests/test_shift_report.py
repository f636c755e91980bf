"""The report with a baseline (``report --baseline``): page 1 and the first section are the shift.

Built once from the bundled demo corpus (style, lexical and identity channels,
no embedding model, small bootstrap counts): student-of-borealis was fit to
borealis's answers on the base of ember-13b, so relative to ember-13b it moved
toward borealis, and the words it gained are borealis's habits.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from pypdf import PdfReader

from detector.cli import main
from detector.demo_run import DEMO_DIR
from detector.features import FeatureOptions
from detector.report import ReportData, gather_report_data, render, render_html
from detector.report.data import SECTIONS, SHIFT_SECTION
from detector.report.html import section_id

DEMO = DEMO_DIR / "outputs.jsonl"
SUSPECT, BASELINE, TEACHER = "student-of-borealis", "ember-13b", "borealis"
CANDIDATES = ["atlas", "borealis", "cirrus"]
SETTINGS = dict(
    channels="style,lexical,identity",
    n_bootstrap=40,
    tree_bootstrap=0,
    include_attribution=False,
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    data = gather_report_data(
        DEMO,
        SUSPECT,
        CANDIDATES,
        baseline=BASELINE,
        options=FeatureOptions(cache_dir=cache, progress=False),
        **SETTINGS,
    )
    return data, cache


def test_the_shift_section_holds_the_test_terms_and_examples(report):
    d, _ = report
    sh = d.shift
    assert sh is not None and d.sections == [SHIFT_SECTION, *SECTIONS]
    assert sh.result.baseline == BASELINE and sh.result.level == "related"
    assert sh.result.best == TEACHER == sh.target
    assert sh.verdict.headline == f"{SUSPECT} moved toward {TEACHER} relative to {BASELINE}."
    assert any(k.name == f"shift toward {TEACHER}" for k in sh.key_numbers)
    # the words it gained are the teacher's habits, and the teacher over-uses the most of them
    assert sh.terms is not None and sh.terms.owners[0].model == TEACHER
    assert sh.terms.owners[0].count > (sh.terms.median or 0)
    assert sum(t.owner == TEACHER for t in sh.terms.gained) > len(sh.terms.gained) / 2
    # the prompts that moved most toward the teacher, the baseline's answer first
    x = sh.examples
    assert x.models == [BASELINE, SUSPECT, TEACHER] and len(x.examples) == 3
    assert x.examples[0].similarity >= x.examples[1].similarity >= x.examples[2].similarity
    # the plain score is still there, on its own roles
    assert d.score.suspect == SUSPECT and d.verdict.headline != sh.verdict.headline


def test_report_data_round_trips_with_the_shift(report):
    d, _ = report
    again = ReportData.from_json(d.to_json())
    assert again.to_dict() == d.to_dict()
    assert again.shift is not None and again.shift.result.candidates[0].model == TEACHER


def test_html_opens_with_the_shift(report):
    d, _ = report
    page = render_html(d)
    sid = section_id(SHIFT_SECTION)
    assert f"<section id='{sid}'" in page and f"href='#{sid}'" in page
    assert page.index(sid) < page.index(section_id(SECTIONS[0]))
    assert "Candidates ranked by movement" in page
    assert f"{SUSPECT} moved toward {TEACHER} relative to {BASELINE}." in page
    assert page.count("<section ") == page.count("</section>")


def test_pdf_page_one_and_the_first_section(report, tmp_path):
    d, _ = report
    out = tmp_path / "r.pdf"
    render(d, out)
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages]
    assert "Candidates ranked by movement" in pages[0]
    assert f"moved toward {TEACHER} relative to {BASELINE}" in pages[0]
    assert "Verdict: Moved toward a candidate" in pages[0]
    first = next(k for k, p in enumerate(pages[2:], 2) if SHIFT_SECTION in p)
    data = next(k for k, p in enumerate(pages[2:], 2) if p.count(SECTIONS[0]) and k > first)
    assert first < data
    assert "Words and phrases gained and lost" in " ".join(pages[first : data + 1])


def test_cli_report_with_a_baseline(report, tmp_path):
    _, cache = report
    out = tmp_path / "r.html"
    argv = ["report", str(DEMO), "--suspect", SUSPECT, "--baseline", BASELINE]
    argv += ["--candidates", ",".join(CANDIDATES), "--channels", SETTINGS["channels"]]
    argv += ["--bootstrap", "40", "--tree-bootstrap", "0", "--no-attribution", "--no-progress"]
    argv += ["--cache-dir", str(cache), "--format", "json", "--out", str(out)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        assert main(argv) == 0, stderr.getvalue()
    printed = json.loads(stdout.getvalue())
    assert printed["baseline"] == BASELINE and printed["best"] == TEACHER
    page = out.read_text(encoding="utf-8")
    assert f"--baseline {BASELINE}" in page  # the reproducing command


def test_cli_report_bad_baseline_is_one_line(tmp_path, capsys):
    out = tmp_path / "r.pdf"
    code = main(
        ["report", str(DEMO), "--suspect", SUSPECT, "--baseline", SUSPECT, "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "the baseline is the suspect itself" in err
    assert not out.exists()
