"""Reports: read the produced PDF and HTML back and check them against the JSON result.

The reports are built from the bundled demo corpus with the style, lexical
and identity channels (no embedding model is loaded) and small bootstrap
counts. Two reports go through the command line (a PDF and an HTML page on
the positive suspect; their scores are read from the JSON printed), one
through the Python API on the negative control (PDF and HTML from one
:class:`ReportData`), one on a copy of the corpus with a suspect whose name
is CJK plus an emoji and whose answers carry curly quotes, accents, markup
and control characters.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from detector.cli import main
from detector.corpus import load_corpus
from detector.demo_run import DEMO_DIR
from detector.errors import ProvenanceError
from detector.features import FeatureOptions
from detector.report import SECTIONS, ReportData, build_report, render, render_html
from detector.scoring import score

CHANNELS = "style,lexical,identity"
SUSPECT = "student-of-atlas"  # distilled from atlas: a positive verdict
NEGATIVE = "human-sft-13b"  # trained on human data only: a negative verdict
DEMO = DEMO_DIR / "outputs.jsonl"
ODD = "模型-七 🤖"  # CJK model name with an emoji: DejaVu Sans has neither
ODD_PREFIX = "“Café” naïve façade <b>&amp;</b> \x07bell "
ODD_TOKEN = "https://example.org/" + "x" * 300  # an unbreakable token wider than a column


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(path).pages]


def _starts(pages: list[str]) -> dict[str, int]:
    """Section title -> number of the page (after the contents) where it is a heading line."""
    found = {}
    for k, page in enumerate(pages[2:], start=3):
        lines = {line.strip() for line in page.splitlines()}
        for title in SECTIONS:
            if title in lines and title not in found:
                found[title] = k
    return found


def _section(pages: list[str], title: str) -> str:
    """Flattened text of the page on which a section starts."""
    return _flat(pages[_starts(pages)[title] - 1])


def _run_cli(folder: Path, out: Path) -> dict:
    argv = ["report", str(DEMO), "--suspect", SUSPECT, "--channels", CHANNELS]
    argv += ["--bootstrap", "40", "--tree-bootstrap", "8", "--cache-dir", str(folder / "cache")]
    argv += ["--no-progress", "--no-attribution", "--format", "json", "--out", str(out)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = main(argv)
    assert rc == 0, stderr.getvalue()
    return {"json": json.loads(stdout.getvalue()), "stderr": stderr.getvalue()}


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory):
    if not DEMO.exists():
        pytest.skip("demo corpus not found")
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def cli_report(cli_folder):
    """A PDF report made by ``provenance report`` and the score JSON it printed."""
    out = cli_folder / "reports" / "demo.pdf"
    run = _run_cli(cli_folder, out)
    return {**run, "path": out, "pages": _pages(out), "cache": cli_folder / "cache"}


@pytest.fixture(scope="module")
def cli_html(cli_folder, cli_report):
    """The same report as one HTML page (``--out NAME.html``), with the JSON printed."""
    out = cli_folder / "reports" / "demo.html"
    run = _run_cli(cli_folder, out)
    return {**run, "path": out, "html": out.read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def negative(tmp_path_factory):
    """The negative control through the API: a PDF, and the HTML rendered from its ReportData."""
    if not DEMO.exists():
        pytest.skip("demo corpus not found")
    folder = tmp_path_factory.mktemp("negative")
    result = build_report(
        DEMO,
        NEGATIVE,
        out=folder / "negative.pdf",
        channels=CHANNELS,
        n_bootstrap=40,
        tree_bootstrap=8,
        include_attribution=False,
        options=FeatureOptions(cache_dir=folder / "cache", progress=False),
    )
    saved = folder / "negative.json"
    result.data.save(saved)
    html_path = folder / "negative.html"
    render(ReportData.from_json(saved.read_text(encoding="utf-8")), html_path)
    return {
        "result": result,
        "json": result.score.to_dict(),
        "pages": _pages(result.path),
        "path": result.path,
        "html": html_path.read_text(encoding="utf-8"),
        "saved": saved,
    }


@pytest.fixture(scope="module")
def odd_report(tmp_path_factory):
    """A report from the API on a corpus with non-ASCII names and texts, attribution absent."""
    if not DEMO.exists():
        pytest.skip("demo corpus not found")
    folder = tmp_path_factory.mktemp("odd")
    df = load_corpus(DEMO).df
    copy = df[df["model"] == "atlas"].copy()
    copy["model"] = ODD
    copy["output"] = ODD_PREFIX + copy["output"] + f" {ODD_TOKEN}"
    corpus = load_corpus(pd.concat([df, copy], ignore_index=True))
    saved = sys.modules.get("detector.attribution", "absent")
    sys.modules["detector.attribution"] = None  # type: ignore[assignment]  # import fails
    try:
        result = build_report(
            corpus,
            ODD,
            out=folder / "odd.pdf",
            channels=CHANNELS,
            n_bootstrap=30,
            tree_bootstrap=5,
            options=FeatureOptions(cache_dir=folder / "cache", progress=False),
        )
    finally:
        if saved == "absent":
            del sys.modules["detector.attribution"]
        else:
            sys.modules["detector.attribution"] = saved
    return {"result": result, "pages": _pages(result.path)}


# ------------------------------------------------------------------ structure
def test_pdf_opens_with_sections_toc_and_page_numbers(cli_report):
    pages = cli_report["pages"]
    reader = PdfReader(cli_report["path"])
    assert len(reader.pages) == len(pages) >= 10
    text = _flat("\n".join(pages))
    for title in SECTIONS:
        assert title in text, title
    # the table of contents (page 2) lists every section with the page it starts on
    toc = _flat(pages[1])
    assert "Contents" in toc
    starts = _starts(pages)
    assert list(starts) == list(SECTIONS)
    assert list(starts.values()) == sorted(starts.values())
    for title, start in starts.items():
        assert re.search(rf"{start} {re.escape(title)}", toc), (title, start, toc)
    # "Page x of y" on every page but the title page
    n = len(pages)
    assert "Page 1 of" not in pages[0]
    for k, page in enumerate(pages[1:], start=2):
        assert f"Page {k} of {n}" in page
    # bookmarks (PDF outline) point at the sections' pages
    ids = {p.indirect_reference.idnum: k for k, p in enumerate(reader.pages, start=1)}
    outline = {o.title: ids[o.page.idnum] for o in reader.outline}
    assert list(outline) == list(SECTIONS)
    assert outline == starts


class _Text(HTMLParser):
    """Visible text of an HTML page by element id (header, sections), plus links and sources."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.text: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.sources: list[str] = []
        self.tags: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        key = attrs.get("id") if tag in ("section", "header", "nav", "figure") else None
        if tag in ("style", "title") and self.stack is not None:
            self.skip += 1
        self.stack.append(key or (tag if tag == "header" else None))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("src", "href"):
            if attrs.get(name) and name == "src":
                self.sources.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self.skip = max(self.skip - 1, 0)
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.skip:
            return
        for key in {k for k in self.stack if k}:
            self.text.setdefault(key, []).append(data)
        self.text.setdefault("", []).append(data)

    def flat(self, key: str) -> str:
        return _flat(" ".join(self.text.get(key, [])))


def _html(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


def _plain_verdict(result: dict) -> str:
    """The JSON verdict without its bracket of statistics: the sentence page 1 must show."""
    text = re.sub(r"\s*\([^()]*(?:CI|Holm p)[^()]*\)", "", result["verdict"])
    return _flat(text if text.endswith(".") else text + ".")


def _check_page_one(first: str, result: dict, level: str) -> None:
    """Page 1 right for a reader who stops there, checked against the JSON result."""
    suspect = result["suspect"]
    top = result["candidates"][0]
    assert f"Did {suspect} learn from another model's outputs?" in first
    assert f"Verdict: {level}" in first
    assert _plain_verdict(result) in first  # the scoring's sentence, names exactly as given
    assert suspect[0].upper() + suspect[1:] not in first  # no sentence capitalisation of names
    assert (
        "95% CI" not in first and "Holm p =" not in first
    )  # statistics in the box, not the sentence
    # the key numbers, each with its value from the JSON and one line of meaning
    assert f"score of {top['model']} {top['score']:.3f}" in first
    assert f"95% interval {top['ci'][0]:.3f} to {top['ci'][1]:.3f}" in first
    assert f"p-value (Holm) {top['p_value']:.2g}" in first
    assert f"z {top['z']:.2f}" in first
    assert "0.99 means only 1 in 100 would be as similar" in first
    assert f"prompts compared {result['n_prompts']}" in first
    # one baseline, said once: no "reference models: none" beside "8 models, leave-one-out"
    assert "reference models none" not in first
    n_others = len(result["candidates"]) + len(result["reference"]) - 1
    assert (
        f"no reference models were named, so each candidate was judged against all the other {n_others} models"
        in first
    )
    # the shipped demo is synthetic, and page 1 says so
    assert "Synthetic data." in first and "says nothing about any real model" in first
    # the three best candidates with their numbers
    assert re.search(
        rf"{re.escape(top['model'])} {top['score']:.3f} {top['ci'][0]:.3f} to {top['ci'][1]:.3f}",
        first,
    ), first


def test_page_one_positive_pdf(cli_report):
    result = cli_report["json"]
    assert result["best"] == "atlas"  # documented teacher, found
    _check_page_one(_flat(cli_report["pages"][0]), result, "Related")
    meta = PdfReader(cli_report["path"]).metadata
    assert meta.title == f"Provenance report: {SUSPECT}"
    assert meta.subject == f"Related: {_plain_verdict(result)}"


def test_page_one_positive_html(cli_html, cli_report):
    assert cli_html["json"] == cli_report["json"]  # same numbers as the PDF
    page = _html(cli_html["html"])
    _check_page_one(page.flat("header"), cli_html["json"], "Related")


def test_page_one_says_which_candidate(cli_html, cli_report):
    """The which-candidate line (issue 22) is the verdict's second line on page 1, both views."""
    which = cli_report["json"]["which"]
    assert (
        which
        and cli_report["json"]["choice"]["best"] == cli_report["json"]["candidates"][0]["model"]
    )
    start = which.split(":")[0]
    assert start in _flat(cli_report["pages"][0])
    assert start in _html(cli_html["html"]).flat("header")


def test_page_one_negative_pdf_and_html(negative):
    result = negative["json"]
    assert result["best"] is None and not any(c["related"] for c in result["candidates"])
    first = _flat(negative["pages"][0])
    _check_page_one(first, result, "Nothing stands out")
    assert "This is not proof of independence" in first
    _check_page_one(_html(negative["html"]).flat("header"), result, "Nothing stands out")
    assert PdfReader(negative["path"]).metadata.subject.startswith("Nothing stands out: no ")


def test_html_is_self_contained_linkable_and_responsive(cli_html):
    html = cli_html["html"]
    page = _html(html)
    assert html.startswith("<!doctype html>") and "<html lang='en'>" in html
    assert "name='viewport'" in html and "@media (max-width: 700px)" in html
    # nothing loaded from elsewhere: no scripts, stylesheets, images or fonts by URL
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"url\(|https?://", html.split("</style>")[0])
    assert page.sources == []
    # every section has an anchor, linked from the contents and from its own heading
    from detector.report.html import section_id

    for title in SECTIONS:
        sid = section_id(title)
        assert f"id='{sid}'" in html and page.links.count(f"#{sid}") == 2, sid
        assert title in page.flat(sid)
    # figures inline as SVG, each with a title for screen readers and a numbered caption
    n_svg = html.count("<svg ")
    assert n_svg >= 7 and html.count("role='img'") == n_svg
    assert len(re.findall(r"<title id='fig-[a-z]+-title'>", html)) == n_svg
    assert all(f"Figure {k}." in page.flat("") for k in range(1, n_svg + 1))
    # the figures' text is text (searchable), not paths
    assert "typical unrelated model" in page.flat("candidate-scores")


def test_html_renders_only_the_report_data(negative):
    """The HTML rendered from the saved JSON is the HTML of the data in memory."""
    data = negative["result"].data
    again = ReportData.from_json(negative["saved"].read_text(encoding="utf-8"))
    assert again.to_dict() == data.to_dict()
    assert render_html(again) == render_html(data) == negative["html"]


def test_score_table_matches_json(cli_report):
    result = cli_report["json"]
    page = _section(cli_report["pages"], SECTIONS[1])
    assert len(result["candidates"]) == 9
    for c in result["candidates"]:
        p = "n/a" if c["p_value"] is None else f"{c['p_value']:.2g}"
        row = (
            rf"{c['rank']} {re.escape(c['model'])} {c['score']:.3f} {c['ci'][0]:.3f} to "
            rf"{c['ci'][1]:.3f} {re.escape(p)} {c['z']:.2f} {c['n_prompts']}"
        )
        assert re.search(row, page), (row, page)
    channels = _section(cli_report["pages"], SECTIONS[2])
    for name, weight in result["weights"].items():
        assert re.search(rf"{name} .*? {result['reliability'][name]:.3f} {weight:.3f}", channels)


def test_report_uses_the_same_numbers_as_score(cli_report):
    expected = score(
        load_corpus(DEMO),
        SUSPECT,
        seed=0,
        n_bootstrap=40,
        channels=CHANNELS,
        options=FeatureOptions(cache_dir=cli_report["cache"], progress=False),
    )
    assert cli_report["json"] == json.loads(expected.to_json())


def test_evidence_built_once_can_be_passed_in(cli_report, tmp_path):
    """Evidence built elsewhere (e.g. in a notebook) gives the same scores as the command."""
    from detector.evidence import build_evidence

    evidence = build_evidence(
        load_corpus(DEMO),
        channels=CHANNELS,
        options=FeatureOptions(cache_dir=cli_report["cache"], progress=False),
    )
    result = build_report(
        evidence,
        SUSPECT,
        out=tmp_path / "from_evidence.pdf",
        n_bootstrap=40,
        tree_bootstrap=0,
        include_attribution=False,
    )
    expected = cli_report["json"]
    got = result.score.to_dict()
    assert [c["model"] for c in got["candidates"]] == [c["model"] for c in expected["candidates"]]
    for a, b in zip(got["candidates"], expected["candidates"], strict=True):
        assert a["score"] == pytest.approx(b["score"], abs=1e-9)
        assert a["ci"] == pytest.approx(b["ci"], abs=1e-9)
    assert got["verdict"] == expected["verdict"]
    with pytest.raises(ProvenanceError, match="not in the evidence"):
        build_report(
            build_evidence(
                load_corpus(DEMO),
                channels="style",
                models=[SUSPECT, "atlas", "cirrus"],
                options=FeatureOptions(cache_dir=cli_report["cache"], progress=False),
            ),
            SUSPECT,
            ["borealis"],
            out=tmp_path / "x.pdf",
        )


def test_figures_are_vector_and_stamped_in(cli_report):
    reader = PdfReader(cli_report["path"])

    def images(obj, seen):
        obj = obj.get_object()
        if id(obj) in seen or not hasattr(obj, "get"):
            return 0
        seen.add(id(obj))
        count = int(obj.get("/Subtype") == "/Image")
        for value in (obj.get("/Resources", {}).get_object().get("/XObject") or {}).values():
            count += images(value, seen)
        return count

    assert sum(images(p, set()) for p in reader.pages) == 0
    by_section = {t: _section(cli_report["pages"], t) for t in SECTIONS}
    # matplotlib text (TrueType, selectable) lies on the page of its section
    assert "words per answer" in by_section[SECTIONS[0]]
    assert "typical unrelated model" in by_section[SECTIONS[1]]
    assert "z: standard deviations above unrelated models" in by_section[SECTIONS[2]]
    assert "neighbour joining of 10 models" in by_section[SECTIONS[3]]
    assert "\u25c0 suspect" in by_section[SECTIONS[3]]


def test_evidence_sections_quote_data(cli_report):
    pages = cli_report["pages"]
    text = _flat(" ".join(pages))
    # shared over-used phrases: the strongest one with its counts for suspect, candidate, pool
    from detector.lexical import LexicalFingerprint

    result = cli_report["json"]
    top = result["best"] or result["candidates"][0]["model"]
    lexical = _section(pages, SECTIONS[5])
    assert "count S" in lexical and "count pool" in lexical
    first = LexicalFingerprint().fit(load_corpus(DEMO).df).shared_overused(SUSPECT, top, top=1)
    if len(first):
        r = first.iloc[0]
        row = rf"{re.escape(r.term)} .*?{r.count_a:,} {r.count_b:,} {r.count_rest:,} {r.per_10k_a:.1f}"
        assert re.search(row, lexical), (row, lexical)
    # side-by-side answers name the three models and quote the prompt
    side = _section(pages, SECTIONS[6])
    assert "Example 1" in side and "atlas" in side
    corpus = load_corpus(DEMO)
    pid = re.search(r"Example 1 \(.*?\): prompt (\S+)", side).group(1)
    assert _flat(corpus.prompts()[pid])[:60] in side
    # method and limitations in plain words
    assert "What it cannot prove" in text and "share a base model" in text
    # reproducibility appendix
    appendix = _section(pages, SECTIONS[9])
    assert load_corpus(DEMO).content_hash() in appendix
    assert "reportlab" in appendix
    assert re.search(r"score bootstrap 40 prompt resamplings", appendix)


def test_render_pages_to_png(cli_report, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    import matplotlib.image

    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "4", "-l", "4", str(cli_report["path"]), "p"],
        cwd=tmp_path,
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    pixels = matplotlib.image.imread(png)[..., :3]
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5  # text and a figure, not blank, not black


# ------------------------------------------------------------------ non-ASCII
def test_non_ascii_survives_or_degrades_visibly(odd_report):
    result = odd_report["result"]
    text = _flat("\n".join(odd_report["pages"]))
    assert result.score.suspect == ODD
    # CJK and emoji are not in the font: visible code points, never dropped
    assert "[U+6A21][U+578B]-[U+4E03] [U+1F916]" in text
    # curly quotes, accents and markup characters are kept as text
    assert "“Café” naïve façade" in text
    assert "<b>&amp;</b>" in text
    assert "\\x07bell" in text  # a control character is shown escaped, not passed to the PDF
    assert "xxxxxxxxxx" in text  # the unbreakable token was wrapped, not lost
    # the attribution module could not be imported: the section says so
    assert "This section is unavailable" in text
    assert any("attribution" in n for n in result.notes)


def test_python_api_result(odd_report):
    result = odd_report["result"]
    assert result.pages == len(odd_report["pages"])
    assert result.sections == list(SECTIONS)
    assert result.tree is not None and ODD in result.tree.models
    assert {"evidence", "score", "tree", "pdf", "total"} <= set(result.timings)
    assert result.score.candidates[0].model == "atlas"  # a copy of atlas's answers
    assert json.loads(json.dumps(result.to_dict()))["pages"] == result.pages


def test_switched_off_attribution_is_said(cli_report):
    section = _section(cli_report["pages"], SECTIONS[7])
    assert "This section is unavailable" in section and "switched off" in section


def test_uncalibrated_report_with_attribution(tmp_path, monkeypatch):
    """Four models: no p-values, the report says so; the attribution section is filled in.

    The classifier is trained with the report's feature cache, and its held-out
    accuracy is in the title page's key numbers, the text summary and the JSON.
    """
    calls = []
    try:
        import detector.attribution as attribution_module
    except Exception:  # developed separately; checked below
        attribution_module = None
    if attribution_module is not None:
        real_train = attribution_module.train

        def spy(data, **kwargs):
            calls.append(kwargs)
            return real_train(data, **kwargs)

        monkeypatch.setattr(attribution_module, "train", spy)
    result = build_report(
        DEMO,
        SUSPECT,
        ["atlas", "borealis"],
        ["cirrus"],
        out=tmp_path / "small.pdf",
        channels="style,lexical",
        n_bootstrap=20,
        tree_bootstrap=0,
        options=FeatureOptions(cache_dir=tmp_path / "cache", progress=False),
    )
    assert result.score.calibration == "uncalibrated"
    pages = _pages(result.path)
    text = _flat("\n".join(pages))
    assert "uncalibrated" in text and "n/a" in text
    section = _section(pages, SECTIONS[7])
    try:
        import detector.attribution  # noqa: F401
    except Exception:  # developed separately; the report must say it is missing
        assert "This section is unavailable" in section
        return
    evaluation = result.attribution
    assert evaluation is not None, result.notes
    assert sorted(evaluation.models) == sorted([SUSPECT, "atlas", "borealis", "cirrus"])
    assert f"held-out accuracy is {evaluation.accuracy:.1%}" in section
    assert re.search(r"Figure \d+\. Attribution confusion matrix", section)
    assert "written by" in section  # the vector confusion matrix
    row = evaluation.confusion[evaluation.models.index(SUSPECT)]
    best = max(range(len(row)), key=lambda j: row[j])
    share = row[best] / sum(row)
    assert f"{evaluation.models[best]} {share:.0%}" in section
    assert len(calls) == 1 and calls[0]["options"].cache_dir == tmp_path / "cache"
    accuracy = f"held-out accuracy {evaluation.accuracy:.1%} over 4 models"
    assert accuracy in _flat(pages[0])  # title page, key numbers
    assert f"attribution classifier: {accuracy}" in result.to_text()
    assert result.to_dict()["attribution_accuracy"] == pytest.approx(evaluation.accuracy)


def test_attribution_gets_the_report_feature_settings(monkeypatch):
    """cache_dir, use_cache, embedding model and precision reach train(); progress, shards do not."""
    import types

    import detector.attribution as attribution_module
    from detector.report import gather as report

    seen = {}
    fake = types.SimpleNamespace(models=["a", "b"], confusion=[[1, 0], [0, 1]], accuracy=1.0)

    def fake_train(data, **kwargs):
        seen.update(kwargs)
        return object(), fake

    monkeypatch.setattr(attribution_module, "train", fake_train)
    monkeypatch.setattr(report, "_attribution_data", lambda *args: "data")
    settings = FeatureOptions(
        cache_dir="/somewhere/cache",
        use_cache=False,
        embedding_model="my-model",
        precision="fp32",
        progress=True,
        shard_rows=7,
    )
    evaluation, note = report._attribution(None, ["a", "b"], None, 3, settings)
    assert evaluation is fake, note
    assert seen == {
        "seed": 3,
        "options": FeatureOptions(
            cache_dir="/somewhere/cache",
            use_cache=False,
            embedding_model="my-model",
            precision="fp32",
            progress=False,
        ),
    }


def test_clean_replaces_what_the_font_lacks():
    from detector.report.pdf_layout import fonts as _fonts

    fonts = _fonts()
    assert fonts.clean("Café “x” – ü") == "Café “x” – ü"
    assert fonts.clean("a\ud83db") == "a[U+D83D]b"  # lone surrogate: shown, no crash
    assert fonts.clean("🤖\x00\tz\r\n") == "[U+1F916]\\x00    z\n"
    assert fonts.clean("a\u202eb\rc\x9bd") == "a\\u202eb\\rc\\x9bd"  # as on a terminal
    assert fonts.markup("<i>&</i>\n  x") == "&lt;i&gt;&amp;&lt;/i&gt;<br/>&nbsp;&nbsp;x"


# ------------------------------------------------------------------ reader fixes
def test_heatmap_caption_matches_its_colour_map(cli_report):
    """Issue 17: the caption said dark cells are close pairs while close pairs were light."""
    import matplotlib

    from detector.figures import DISTANCE_CMAP, DISTANCE_COLOURS

    cmap = matplotlib.colormaps[DISTANCE_CMAP]
    low, high = (float(np.mean(cmap(x)[:3])) for x in (0.0, 1.0))
    assert low < high  # distance 0 (closest) is drawn dark
    assert DISTANCE_COLOURS.startswith("dark") and "close pairs" in DISTANCE_COLOURS.split(",")[0]
    tree_pages = _flat(
        " ".join(cli_report["pages"][_starts(cli_report["pages"])[SECTIONS[3]] - 1 :])
    )
    assert f"in the tree's order: {DISTANCE_COLOURS}" in tree_pages


def test_shared_phrases_are_distinct_habits(negative, cli_report):
    from detector.phrases import overlaps

    lexical = _section(cli_report["pages"], SECTIONS[5])
    assert "i hope this" in lexical
    # one habit, one row: "hope this helps" and "i hope" are listed with it, not as rows
    assert not re.search(r"\n?hope this helps \d", lexical)
    for data in (negative["result"].data,):
        terms = [h.term for h in data.lexical.habits]
        assert not any(overlaps(a, b) for i, a in enumerate(terms) for b in terms[i + 1 :])


def test_side_by_side_answers_render_markdown_and_mark_habits(cli_report, cli_html):
    side = " ".join(cli_report["pages"][_starts(cli_report["pages"])[SECTIONS[6]] - 1 :][:3])
    assert "**" not in side and "\n## " not in side and "### " not in side
    html = cli_html["html"]
    answers = html[
        html.index("id='side-by-side-answers'") : html.index("id='attribution-classifier'")
    ]
    assert "**" not in answers and "<strong>" in answers
    assert re.search(r"<mark>I hope this helps</mark>", answers)


def test_pdf_accessibility(cli_report):
    reader = PdfReader(cli_report["path"])
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    assert [o.title for o in reader.outline] == list(SECTIONS)
    # every figure has a description in the page text (invisible, for readers and search)
    text = _flat(" ".join(cli_report["pages"]))
    assert text.count("Figure: ") >= 7
    assert f"Figure: Tree of 10 models. {SUSPECT} joins first with atlas" in text


def test_tree_in_report_has_no_zero_branch_and_a_consensus(cli_report, negative):
    tree = negative["result"].tree
    lengths = [float(x) for x in re.findall(r":([0-9.eE+-]+)", tree.newick)]
    assert min(lengths) > 0 and tree.resolution > 0
    consensus = negative["result"].data.tree.consensus
    assert consensus is not None and consensus.n_bootstrap == 8
    section = _flat(" ".join(cli_report["pages"][_starts(cli_report["pages"])[SECTIONS[3]] - 1 :]))
    assert "Consensus of the resampled trees" in section and "majority rule" in section
    assert "closest pair is placed one standard error of its affinity apart" in section
    assert "Map of the distances" in section and "stress-1" in section


# ------------------------------------------------------------------ refusals
def test_refuses_to_overwrite(cli_report, capsys):
    path = cli_report["path"]
    before = path.read_bytes()
    rc = main(["report", str(DEMO), "--suspect", SUSPECT, "--out", str(path)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert path.read_bytes() == before
    with pytest.raises(ProvenanceError, match="already exists"):
        build_report(DEMO, SUSPECT, out=path)


def test_unknown_suspect_is_one_line(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    rc = main(["report", str(DEMO), "--suspect", "nope", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("provenance: error: unknown suspect 'nope'")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--candidates", "atlas,nope"], "unknown candidate 'nope'"),
        (["--reference", "nope"], "unknown reference model 'nope'"),
        (["--candidates", SUSPECT], "also among the candidates"),
    ],
)
def test_bad_model_lists_are_one_line(tmp_path, capsys, args, message):
    rc = main(["report", str(DEMO), "--suspect", SUSPECT, "--out", str(tmp_path / "x.pdf"), *args])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1


def test_out_must_be_pdf(tmp_path, capsys):
    rc = main(["report", str(DEMO), "--suspect", SUSPECT, "--out", str(tmp_path / "x.png")])
    assert rc == 2 and ".pdf" in capsys.readouterr().err
