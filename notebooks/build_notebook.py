"""Write ``notebooks/provenance_analysis.ipynb`` from the cells below.

The notebook is generated so that it can be reviewed as plain Python and
rebuilt byte for byte: cell ids are fixed, and the file carries no outputs
and no execution counts. Edit the cells here, then run

    python notebooks/build_notebook.py            # rewrite the notebook
    python notebooks/build_notebook.py --check    # exit 1 if the notebook is stale
    python notebooks/build_notebook.py --execute  # also run it on the demo corpus and write
                                                  # notebooks/provenance_analysis.executed.ipynb

The executed copy, with every output (tables, figures), is what GitHub shows;
``tests/test_notebook.py`` fails when its cells differ from the ones below. It
is run on the bundled synthetic demo corpus: a run on a real corpus would put
model outputs into the repository.

The parameters cell is tagged ``parameters`` (the papermill convention), so
``papermill provenance_analysis.ipynb out.ipynb -p DATA ../shared/corpora/alpaca_eval``
runs it on other data; the tests replace that cell's source instead.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's detector, installed or not

from detector import figures  # noqa: E402  (the heatmap's colour words, below)

NOTEBOOK = Path(__file__).resolve().parent / "provenance_analysis.ipynb"
EXECUTED = NOTEBOOK.with_name("provenance_analysis.executed.ipynb")
EXECUTE_TIMEOUT = 900  # s per cell: the first run embeds the demo's answers
PARAMETERS_ID = "parameters"

# (kind, id, source); kind is "md", "code" or "parameters"
CELLS: list[tuple[str, str, str]] = []


def md(cell_id: str, text: str) -> None:
    CELLS.append(("md", cell_id, text))


def code(cell_id: str, text: str, kind: str = "code") -> None:
    CELLS.append((kind, cell_id, text))


# ----------------------------------------------------------------- introduction
md(
    "title",
    """
    # Was this model trained on that model's outputs?

    A worked provenance analysis with the `detector` library. Given the answers
    of several models to the **same prompts**, it asks whether a *suspect* model
    learned from one of the *candidate* models (distillation: trained on its
    outputs) or derives from its weights, and shows the evidence a person can
    check.

    The steps:

    1. load a corpus and check its coverage;
    2. compute the four evidence channels (sentence embeddings, stylometry,
       lexical fingerprints, identity leaks) once, and see how much each is
       trusted;
    3. score the suspect against every candidate, calibrated against unrelated
       models;
    4. draw the lineage tree of all models, with bootstrap support;
    5. validate the scoring on models whose lineage is documented;
    6. train and evaluate an attribution classifier (which model wrote this
       answer?);
    7. read the evidence itself: over-used phrases the suspect shares with its
       best match, identity statements, answers side by side;
    8. write everything into a PDF report.

    By default it runs on the bundled **synthetic** demo corpus (10 fictional
    models, 120 prompts; `data/demo/README.md`), which has a known answer:
    `student-of-atlas` was fit to the answers of `atlas`. Results on the demo
    show that the pipeline works; they say nothing about accuracy on real
    models. To analyse real outputs, change the parameters cell below (or pass
    parameters with papermill) and run all cells.

    `provenance_analysis.executed.ipynb`, next to this notebook, is the same
    notebook run on the synthetic demo corpus, with every table and figure
    (`python notebooks/build_notebook.py --execute` makes it again). The
    notebook never writes into the repository: the report goes to a new
    temporary folder unless you name a file that does not exist yet.
    """,
)

md(
    "parameters-doc",
    """
    ## Parameters

    | name | meaning |
    | --- | --- |
    | `DATA` | `None` for the bundled demo, or a path: a JSONL/CSV/Parquet/JSON table with one row per (model, prompt), an AlpacaEval results tree such as `"../shared/corpora/alpaca_eval"`, or `"hf:ORG/NAME:CONFIG:SPLIT"` |
    | `SUSPECT` | the model under suspicion (set it whenever you set `DATA`) |
    | `CANDIDATES` | possible teachers or parents (list of names); `None`: every other model |
    | `REFERENCE` | models you take to be unrelated to the candidates, for calibration; `None`: every model that is neither suspect nor candidate |
    | `CACHE_DIR` | where features and embeddings are cached; `None`: `PROVENANCE_CACHE_DIR` or the user cache |
    | `REPORT_PATH` | `None`: the PDF (and an HTML copy) go to a new temporary folder; a path is used only if no file is there: the notebook never overwrites a file |
    | `CHANNELS` | evidence channels to use, e.g. `"embedding,style"`; `None`: all four |
    | `LINEAGE` | a lineage CSV (`model, relation, teacher, ...`) to validate against; `None`: the demo's, or `lineage.csv` inside `DATA` when there is one |
    | `SEED` | seed of every resampling; results are deterministic for a seed |
    | `BASELINE` | the suspect's predecessor, or a sibling on its base model: did the suspect *move* toward a candidate relative to it? `None`: no shift test (on the demo: `"delta-open-7b"`, trained on its own data on the base of student-of-atlas) |

    Paths are read the way the `provenance` command reads them when run from
    the repository root (the folder with `pyproject.toml`), as in the README:
    the notebook works from that folder, so `"data/demo/outputs.jsonl"` or
    `"../shared/corpora/alpaca_eval"` mean the same here as there. On the AlpacaEval
    corpus (42 models x 805 prompts) the first run embeds 34,000 answers,
    which takes a while on a CPU; later runs read the cache.
    """,
)

code(
    PARAMETERS_ID,
    """
    DATA = None  # None: the bundled synthetic demo corpus
    SUSPECT = "student-of-atlas"
    CANDIDATES = None  # None: every other model
    REFERENCE = None  # None: every model that is neither suspect nor candidate
    CACHE_DIR = None  # None: PROVENANCE_CACHE_DIR or the user cache
    REPORT_PATH = None  # None: a new temporary folder; never an existing file
    CHANNELS = None  # None: embedding, style, lexical and identity
    LINEAGE = None  # None: the demo's lineage, or DATA/lineage.csv when present
    SEED = 0
    BASELINE = "delta-open-7b"  # None: no shift test; else the suspect's predecessor or sibling
    """,
    kind="parameters",
)

code(
    "setup",
    """
    %matplotlib inline
    import html
    import os
    import tempfile
    import warnings
    from pathlib import Path

    import numpy as np
    import pandas as pd
    from IPython.display import HTML, display

    import detector
    from detector import figures
    from detector.attribution import attribution_transfer, train
    from detector.benchmark import load_lineage, run_benchmark
    from detector.consensus import consensus_tree
    from detector.demo_run import DEMO_DIR, demo_corpus
    from detector.evidence import build_evidence
    from detector.features import FeatureOptions
    from detector.identity import find_leaks, leak_table
    from detector.lexical import LexicalFingerprint
    from detector.phrases import distinct_terms
    from detector.report import build_report, render
    from detector.report.gather import per_prompt_similarity
    from detector.report.html import answer_html
    from detector.scoring import score
    from detector.tree import lineage_tree

    pd.set_option("display.max_colwidth", 120)
    # without ipywidgets, tqdm's notebook bar falls back to a text bar and says so; that is fine
    warnings.filterwarnings("ignore", message="IProgress not found")


    def repo_root() -> Path:
        \"\"\"The repository root (folder with pyproject.toml and detector/), else the cwd.\"\"\"
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            if (folder / "pyproject.toml").exists() and (folder / "detector").is_dir():
                return folder
        return here


    # work from the repository root, so paths mean what they mean to the CLI run from there
    os.chdir(repo_root())
    print(f"detector {detector.__version__}; working from the repository root")
    print("corpus:", "the bundled SYNTHETIC demo corpus (data/demo/)" if DATA is None else DATA)
    """,
)

# ----------------------------------------------------------------- 1. corpus
md(
    "load-doc",
    """
    ## 1. Load the corpus and check coverage

    `load_corpus` reads any table with one row per (model, prompt) and matches
    prompts across models by an id column or by the normalized prompt text.
    `inspect` summarizes it. Read the table for:

    - **answered**: prompts each model answered. Models are compared only on
      prompts both answered, so a model with few answers gives noisy evidence;
      under 20 shared prompts it cannot be scored at all.
    - **lengths**: very different answer lengths are controlled for (length
      and markdown are regressed out of every channel), but a suspect that is
      much shorter than everything else is still harder to read.
    - **problems**: empty outputs dropped, duplicates, partial coverage. Fix
      what you can in the data before reading any score.
    """,
)

code(
    "load",
    """
    corpus = demo_corpus() if DATA is None else detector.load_corpus(DATA)
    inspection = detector.inspect(corpus)
    inspection
    """,
)

code(
    "lineage",
    """
    corpus.check_models([SUSPECT], "suspect")  # a clear error, naming the models, if it is not here
    # documented lineage, when there is one: used to validate (section 5) and to
    # show what is known about the suspect; never used by the scoring itself
    if LINEAGE is not None:
        lineage_path = Path(LINEAGE).expanduser()
    elif DATA is None:
        lineage_path = DEMO_DIR / "lineage.csv"
    elif not str(DATA).startswith("hf:") and (Path(DATA).expanduser() / "lineage.csv").exists():
        lineage_path = Path(DATA).expanduser() / "lineage.csv"
    else:
        lineage_path = None
    lineage = load_lineage(lineage_path) if lineage_path and lineage_path.exists() else None
    if lineage is not None and SUSPECT in lineage.index:
        display(lineage.loc[[SUSPECT]])
    else:
        print("no documented lineage for", SUSPECT)
    """,
)

# ----------------------------------------------------------------- 2. channels
md(
    "channels-doc",
    """
    ## 2. Compute the evidence channels (once)

    Each answer becomes four kinds of features:

    - **embedding**: a sentence embedding (what is said and how it is phrased);
    - **style**: 63 stylometric rates (sentence shape, vocabulary diversity,
      function words, punctuation, emoji, discourse markers);
    - **lexical**: which words and phrases the answer uses, so that a model's
      over-used vocabulary ("delve into", "It's worth noting that") can be
      compared;
    - **identity**: statements such as "I am ChatGPT, made by OpenAI".

    `build_evidence` then compares models **prompt by prompt**: on every prompt
    it removes what all models say (the topic) and regresses out length and
    markdown, so two models are not called related because both are brief or
    both use bullet lists. Features are cached on disk, so a second run is
    fast. Everything below (scores, tree, validation) reuses this one
    `evidence` object.
    """,
)

code(
    "channels",
    """
    options = FeatureOptions(cache_dir=CACHE_DIR)
    evidence = build_evidence(corpus, channels=CHANNELS, seed=SEED, options=options)
    features = evidence.features  # the per-answer features, reused in section 7
    print(f"{len(evidence.models)} models, {evidence.n_prompts} prompts, channels:", *evidence.channels)
    """,
)

md(
    "weights-doc",
    """
    **How much each channel is trusted.** The weights are learned without any
    labels: the prompts are split in two random halves, the model-by-model
    affinities are computed on each half, and their correlation (corrected to
    full length) is the channel's **reliability**: 1 means the channel ranks
    model pairs the same way on any set of prompts, 0 means it is noise. A
    channel's weight combines a fixed base weight (chosen by measurement on
    the AlpacaEval corpus; `docs/method.md`) with this reliability, so a
    channel that carries no consistent signal on *this* corpus gets little or
    no weight. An identity weight of 0 is normal: most corpora have few or no
    self-identification statements, so that channel carries no information.
    """,
)

code(
    "weights",
    """
    pd.DataFrame({"reliability": evidence.reliability, "weight": evidence.weights}).round(3)
    """,
)

md(
    "affinity-doc",
    """
    **The suspect's affinity to every model, per channel.** An affinity is the
    mean prompt-centred similarity of two models, in standard deviations of
    that channel's between-model affinities: 0 is an average pair, +2 a pair
    far more alike than most. The `combined` column is the reliability-weighted
    mean used for scoring. The raw affinity is not yet a verdict: some models
    resemble everyone, and calibration (next section) accounts for that.
    """,
)

code(
    "affinity",
    """
    s = int(evidence.index([SUSPECT])[0])
    affinity = pd.DataFrame(
        {name: evidence.channel_affinity(name)[s] for name in evidence.channels},
        index=evidence.models,
    )
    affinity["combined"] = evidence.combined_affinity()[s]
    affinity.drop(index=SUSPECT).sort_values("combined", ascending=False).round(2)
    """,
)

# ----------------------------------------------------------------- 3. scoring
md(
    "score-doc",
    """
    ## 3. Score the suspect against the candidates

    `score` calibrates each candidate's affinity against a **null of unrelated
    models**: how similar the suspect is to the reference models, and how
    similar the reference models are to the candidate. A candidate's z is the
    smaller of the two robust z-scores, so a model that everyone resembles, or
    a suspect that resembles everyone, is not named a teacher. With fewer than
    five reference models the other candidates serve as the null
    (leave-one-out); the `calibration` line says which was used.

    How to read each column:

    - **score** = Phi(z): where the candidate sits in the null of unrelated
      models. 0.5 is typical of an unrelated model; 0.99 means only about 1 in
      100 unrelated models would be as similar. It is not the probability
      that the suspect was distilled from the candidate.
    - **ci_low, ci_high**: 95% interval of the score from resampling the
      prompts. A wide interval means the evidence depends on which prompts
      were asked; it does not cover the choice of reference models.
    - **p_value**: one-sided, Holm-corrected across the candidates. The
      verdict calls a candidate *related* when it is below 0.05.
    - **z**, **z_embedding**, **z_style**, ...: the combined z and the same z
      from each channel alone. Agreement between independent channels is
      stronger evidence than one channel far out.
    - **verdict**: the above in words. When two candidates cannot be told
      apart (e.g. a model and its concise variant), it says so.

    With the defaults (all other models are candidates, no references) the
    null contains related models too, which makes the test conservative. Name
    the models you know to be unrelated in `REFERENCE` for a sharper test.
    The benchmark protocol (section 5) and `provenance demo` ask "which API
    model's outputs did it learn from?": the closed API models are the
    candidates (on the demo `CANDIDATES = ["atlas", "borealis", "cirrus"]`)
    and every other model is a reference.
    """,
)

code(
    "score",
    """
    result = score(evidence, SUSPECT, CANDIDATES, REFERENCE, seed=SEED)
    top = result.candidates[0].model  # the best-scoring candidate, examined below
    result
    """,
)

md(
    "score-plot-doc",
    """
    The same scores as a figure (the one the report shows): each dot is a
    candidate's score, the bar its 95% interval; red marks candidates the
    verdict calls related. The dotted line at 0.5 is where a typical unrelated
    model sits.
    """,
)

code("score-plot", "figures.scores_figure(result)")

md(
    "shift-doc",
    """
    **Did it move? The shift from a baseline.** Models on one base model, or of
    one era, resemble each other whoever taught them. With a `BASELINE` that
    shares the suspect's base but not the suspected training data (its
    predecessor, or a sibling fine-tuned on other data), `score(...,
    baseline=BASELINE)` asks how much *more* the suspect resembles each
    candidate than the baseline does (the shift, prompt by prompt, in the
    units of the scores above), and places each candidate's shift among the
    shifts toward unrelated models: the same null, z, Holm p-value and
    verdict levels, plus whether the suspect moved at all and whether the
    baseline resembles it more than unrelated models do.
    """,
)

code(
    "shift",
    """
    if BASELINE is not None:
        moved = score(evidence, SUSPECT, CANDIDATES, REFERENCE, seed=SEED, baseline=BASELINE)
        display(moved)
        display(figures.shift_figure(moved))
    else:
        print("no BASELINE given: no shift test")
    """,
)

# ----------------------------------------------------------------- 4. tree
md(
    "tree-doc",
    """
    ## 4. The lineage tree of all models

    `lineage_tree` turns the same evidence into distances between every pair
    of models (in standard deviations; the closest pair is placed one standard
    error of its affinity apart, as close as the data can tell, not at 0, so
    no two models read as identical) and joins
    them by neighbour joining (`method="average"` gives UPGMA instead). The
    prompts are then resampled 100 times and the tree rebuilt each time: a
    clade's **support** is the share of resampled trees in which one branch
    separates exactly that group from the other models. Read only clades with support of
    about 0.9 or more; below 0.5 the grouping is not stable. A teacher and
    its student, a model and its fine-tune, or two students of one teacher
    should sit together with high support.

    The tree is descriptive: it does not say which model of a pair came
    first, and models that share a base model or training data group as well.
    """,
)

code(
    "tree",
    """
    tree = lineage_tree(evidence, seed=SEED)
    tree
    """,
)

code("dendrogram", "figures.dendrogram_figure(tree)")

md(
    "consensus-doc",
    """
    **The consensus tree.** The NJ tree above is one tree with a support on
    each group. The majority-rule consensus of the resampled trees (as stylo
    draws it) keeps only the groups found in more than half of them; models
    whose place the resamples disagree on hang from the nearest group they
    agree on. It has no branch lengths: it keeps groups, not distances.
    """,
)

code(
    "consensus",
    """
    consensus = consensus_tree(tree)
    print(consensus.to_text())
    figures.consensus_figure(consensus, label_colors=figures.group_colors(tree))
    """,
)

md(
    "heatmap-doc",
    f"""
    The distance matrix in the tree's leaf order: {figures.DISTANCE_COLOURS}, so
    dark blocks along the diagonal are groups of similar models. The map below
    places the models in two dimensions so that their distances are kept as
    far as possible; its title says in words how well (its stress-1: below
    0.1 good, 0.2 or more poor, in which case trust the heatmap over the map).
    """,
)

code("heatmap", "figures.heatmap_figure(tree)")

code("mds", "figures.mds_figure(tree, random_state=SEED)")

code(
    "clade",
    """
    # the smallest clade holding the suspect and its best-scoring candidate
    clade = tree.smallest_clade([SUSPECT, top])
    print(
        f"{SUSPECT} and {top}: smallest clade of {len(clade.members)} models, support "
        f"{clade.support}: {', '.join(clade.members)}"
    )
    """,
)

# ----------------------------------------------------------------- 5. benchmark
md(
    "benchmark-doc",
    """
    ## 5. Validate on documented lineage

    When some models' origins are documented (the demo's `lineage.csv`, or the
    AlpacaEval corpus's), `run_benchmark` scores every distilled, human-data,
    derived and variant model with a fixed protocol and checks the answers:
    is the documented teacher (or its family) the top candidate, is the parent
    found, and does any human-data model (trained on no model's outputs) get
    a positive verdict? The AUROC says how well the z-scores separate related
    from unrelated (suspect, candidate) pairs: 0.5 is chance, 1 perfect.

    These figures hold for the corpus they were measured on. On the synthetic
    demo they show the pipeline is wired correctly, not that it will find a
    real teacher.
    """,
)

code(
    "benchmark",
    """
    benchmark = None
    if lineage is not None and set(evidence.models) <= set(lineage.index):
        benchmark = run_benchmark(evidence, lineage, seed=SEED, progress=False, source=corpus.source)
    else:
        print("no lineage for every model: validation skipped")
    benchmark
    """,
)

# ----------------------------------------------------------------- 6. attribution
md(
    "attribution-doc",
    """
    ## 6. Which model wrote this answer? An attribution classifier

    `train` fits a linear classifier that names the model behind a **single
    answer** (by default from word and punctuation n-grams and the stylometric
    features) and evaluates it on prompts it never saw: every prompt, with all
    its answers, falls in exactly one of five folds, so the topic cannot give
    a model away. How to read the evaluation:

    - **accuracy per text** against **chance** (always naming the most common
      model); accuracy over **k texts** of one model attributed together says
      how identifiable a model is from a handful of answers;
    - **ECE** (expected calibration error): below about 0.05 the predicted
      probabilities can be read as probabilities;
    - **precision, recall, F1** per model, and below them the features that
      give each model away, in words.

    The classifier answers a different question from the score: how well the
    models can be told apart. The score above does not depend on it.
    """,
)

code(
    "attribution",
    """
    classifier, evaluation = train(features, seed=SEED, options=options)
    evaluation
    """,
)

md(
    "confusion-doc",
    """
    **The confusion matrix**: rows are the true model, columns the model the
    classifier named, on held-out answers (colour: share of the row). The
    diagonal is what it gets right. Off the diagonal, answers of one model
    taken for another's: a suspect whose answers are often taken for one
    candidate's writes like that candidate answer by answer. A model and its
    own variant or fine-tune are confused the same way, which is the same
    caveat as for the score.
    """,
)

code("confusion", "figures.confusion_figure(evaluation)")

code(
    "confusion-row",
    """
    # where the suspect's held-out answers went, as shares of its answers
    row = evaluation.confusion_frame().loc[SUSPECT]
    (row / row.sum()).sort_values(ascending=False).head(5).round(3).rename("share of answers")
    """,
)

md(
    "transfer-doc",
    """
    **Attribution transfer.** The confusion matrix had the suspect among the
    classes. `attribution_transfer` asks the sharper question: a classifier
    that has **never seen the suspect** (trained on the candidate and half of
    the reference models, on half of the prompts) judges the suspect's
    answers. If the suspect learned from the candidate, its answers go to the
    candidate more often than answers of reference models judged the same
    way. `z` compares the suspect's share with the reference models' shares
    (median and spread); a reference model that is itself related to the
    candidate (here, by default, every other model is a reference) widens
    that spread and makes the test conservative.
    """,
)

code(
    "transfer",
    """
    transfer_reference = REFERENCE or [m for m in corpus.models if m not in (SUSPECT, top)]
    if len(transfer_reference) >= 4:
        transfer = attribution_transfer(
            features, SUSPECT, [top], transfer_reference, seed=SEED, options=options
        )
        print(transfer.to_text())
    else:
        print("attribution transfer needs at least 4 reference models; skipped")
    """,
)

# ----------------------------------------------------------------- 7. evidence
md(
    "lexical-doc",
    """
    ## 7. Evidence a person can check

    Scores summarize; the evidence below is what to show someone. First the
    **words and phrases both the suspect and its best-scoring candidate
    over-use**. Each model is compared with the pool of the other models'
    answers *on the same prompts* (log-odds with an informative prior, as a
    z-score; words of the prompt itself, numbers and proper names are not
    counted, so a topic cannot make a habit). Columns: `z` (how strongly the
    suspect and the candidate over-use the term; above 2 is clear), the
    counts, and the rates per 10,000 words or phrases of the same length in
    each model and in **the pool of the other models, without the suspect and
    the candidate** (the column names say so). One habit ("I hope this
    helps") makes every word sequence inside it over-used too, so the `habit`
    column names the distinct habit each term belongs to, as the report's
    table does.

    A shared pet phrase that the rest hardly use is the kind of evidence a
    reader can verify by searching the answers. It is not proof on its own:
    phrases fashionable in one period of training data ("delve into") can be
    shared by models that never saw each other's outputs.
    """,
)

code(
    "lexical",
    """
    # the fitted fingerprint comes with the features when the lexical channel was computed
    # in this run; when it was read from the cache (or not used), fit it here
    lexical = features.lexical if features.lexical is not None else LexicalFingerprint().fit(corpus)
    shared = lexical.shared_overused(SUSPECT, top, top=15)
    habit_of = {t: head for head, rest in distinct_terms(list(shared["term"])) for t in [head, *rest]}
    shared.insert(1, "habit", shared["term"].map(habit_of))
    # name the columns after the models, and the pool after what it holds
    pool = f"pool (other {shared.attrs['n_rest']} models, not {SUSPECT} or {top})"
    names = {"_a": f" {SUSPECT}", "_b": f" {top}", "_rest": f" {pool}"}
    shared.rename(
        columns=lambda c: next((c[: -len(k)] + v for k, v in names.items() if c.endswith(k)), c)
    ).round(2)
    """,
)

code(
    "overused",
    """
    # what the suspect over-uses most, against ALL the other models on the same prompts: its
    # pool holds the candidate too, so a rate here can differ from the table above
    lexical.overused(SUSPECT, top=10).rename(
        columns={"per_10k": f"per_10k {SUSPECT}", "ref_per_10k": f"per_10k pool (all but {SUSPECT})"}
    ).round(2)
    """,
)

md(
    "identity-doc",
    """
    **Identity leaks.** A student trained on a teacher's answers often repeats
    the teacher's self-description ("As an AI developed by OpenAI ..."). The
    table counts, per model, the answers that self-identify as a vendor's
    model (`self_id`) or name a vendor (`mention`, weak evidence by design);
    below it are the suspect's statements, quoted, for a person to read.
    `prompted` marks an answer whose prompt names the same vendor, which the
    answer may only echo. No leak is the normal case and says nothing about
    independence. (The demo's vendors are fictional, so the detector, which
    knows real vendors, finds none there.)
    """,
)

code(
    "identity",
    """
    leaks = leak_table(corpus)
    if leaks.to_numpy().any():
        display(leaks.loc[:, leaks.sum() > 0])
    else:
        print("no answer names a vendor the detector knows")
    """,
)

code(
    "identity-excerpts",
    """
    excerpts = find_leaks(corpus.df[corpus.df["model"].isin([SUSPECT, top])], kinds=("self_id",))
    if len(excerpts):
        display(excerpts)
    else:
        print(f"no self-identification by {SUSPECT} or {top}")
    """,
)

md(
    "examples-doc",
    """
    **Answers side by side.** The prompts on which the suspect and its best
    candidate are most alike once the topic is removed (their combined,
    reliability-weighted similarity on that prompt, in standard deviations),
    with, for contrast, the candidate whose score is most typical of an
    unrelated model (z nearest 0). These are the strongest examples, chosen for being
    alike; read them as illustrations of the habits measured above, not as a
    sample. Markdown is rendered and the shared habits of the table above are
    highlighted, as in the report.
    """,
)

code(
    "examples",
    """
    def side_by_side(corpus, prompt_id, models, phrases, chars=900):
        \"\"\"An HTML table: the prompt, then each model's answer (markdown rendered) in a column.\"\"\"
        style = "vertical-align:top;text-align:left"

        def cell(text):
            text = text if len(text) <= chars else text[:chars] + " [...]"
            return f"<td style='{style}'>{answer_html(text, phrases)}</td>"

        answers = [corpus.outputs(m, [prompt_id]) for m in models]
        head = "".join(f"<th>{html.escape(m)}</th>" for m in models)
        body = "".join(cell(a.iloc[0] if len(a) else "(no answer)") for a in answers)
        prompt = html.escape(str(corpus.prompts().get(prompt_id, "")))
        table = f"<table><tr>{head}</tr><tr>{body}</tr></table>"
        return f"<p><b>Prompt {html.escape(prompt_id)}:</b> {prompt}</p>{table}"


    # for contrast, the candidate most typical of unrelated models (z nearest 0)
    others = result.candidates[1:]
    contrast = [min(others, key=lambda c: abs(c.z)).model] if others else []
    habits = [head for head, _ in distinct_terms(list(shared["term"]))]
    similarity = per_prompt_similarity(evidence, SUSPECT, top).sort_values(ascending=False)
    for prompt_id, value in similarity.head(2).items():
        example = side_by_side(corpus, prompt_id, [SUSPECT, top, *contrast], habits)
        display(HTML(f"<p>combined similarity on this prompt: {value:.2f}</p>{example}"))
    """,
)

# ----------------------------------------------------------------- 8. report
md(
    "report-doc",
    """
    ## 8. Write the PDF report

    `build_report` writes everything above for one suspect into a PDF (or one
    self-contained HTML page) that can be read without the tool: the verdict
    in plain words with the key numbers, the data, the
    scores with intervals, the evidence per channel, the tree, identity
    leaks, shared phrases, answers side by side, the attribution classifier,
    the method and its limits in plain words, and a reproducibility appendix.
    It takes the same `evidence`, so its scores are the ones above for the
    same seed; it draws its own tree with fewer bootstrap resamplings (50, so
    supports can differ slightly) and trains the attribution classifier again
    for its confusion matrix. Everything it shows is kept in `report.data` (a
    `ReportData`, saved as JSON with `report.data.save(path)`), from which the
    HTML copy is rendered. Nothing is overwritten: with `REPORT_PATH = None`
    both go to a new temporary folder.
    """,
)

code(
    "report",
    """
    if REPORT_PATH is None:
        report_path = Path(tempfile.mkdtemp(prefix="provenance-report-")) / f"{SUSPECT}.pdf"
    else:
        report_path = Path(REPORT_PATH).expanduser()  # refused below if a file is there
    # build_report never overwrites a file (no force): an existing REPORT_PATH is an error
    report = build_report(evidence, SUSPECT, CANDIDATES, REFERENCE, out=report_path, seed=SEED)
    print(f"wrote the PDF: {report.pages} pages in {report.timings['total']:.0f} s")
    html_path = report_path.with_suffix(".html")
    if not html_path.exists():
        render(report.data, html_path)  # the same report as one web page, from the same data
        print("wrote the HTML copy beside it")
    print("folder:", report_path.parent)
    for note in report.notes:
        print("note:", note)
    verdict = report.data.verdict
    display(HTML(f"<p><b>Verdict: {verdict.label}.</b> {html.escape(verdict.headline)}</p>"))
    """,
)

# ----------------------------------------------------------------- limits
md(
    "limits",
    """
    ## What this analysis cannot prove

    - **Similarity is not a mechanism.** A high score says the suspect writes
      like the candidate far more than unrelated models do. Distillation is
      one explanation; a shared base model, a sibling student of the same
      teacher, or the same public data are others. The scores separate them
      only as far as the reference pool allows, and the tree cannot say which
      of two related models came first.
    - **A low score is not proof of independence.** Heavy preference tuning,
      paraphrasing, a different language, or prompts unlike the training data
      can wash the signal out.
    - **Everything is relative to the models given.** Scores are calibrated
      against the reference models; with few, or related, reference models
      they are less reliable. Add unrelated models before drawing a
      conclusion.
    - **Intervals cover prompt sampling only**, not the choice of reference
      models, prompts of another kind, or another decoding setup.
    - **The demo is synthetic.** It shows the pipeline working on a known
      answer, not accuracy on real models; the AlpacaEval figures in
      `benchmarks/results/` measure that.

    To run this notebook on real outputs, set `DATA`, `SUSPECT` and (ideally)
    `REFERENCE` in the parameters cell, or use papermill:

    ```bash
    papermill notebooks/provenance_analysis.ipynb out.ipynb \\
        -p DATA ../shared/corpora/alpaca_eval -p SUSPECT vicuna-13b
    ```
    """,
)


# ----------------------------------------------------------------- writing
def build() -> nbformat.NotebookNode:
    """The notebook, without outputs, with fixed cell ids."""
    nb = new_notebook()
    for kind, cell_id, text in CELLS:
        source = textwrap.dedent(text).strip("\n")
        if kind == "md":
            cell = new_markdown_cell(source)
        else:
            cell = new_code_cell(source)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
        cell.id = cell_id
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def render() -> str:
    """The notebook file's text."""
    return nbformat.writes(build()) + "\n"


def _kernel(folder: Path):
    """A kernel manager whose kernel runs on this interpreter (sys.executable)."""
    import json

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec_dir = folder / "kernels" / "provenance"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "provenance",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name="provenance", kernel_spec_manager=specs)


def execute() -> nbformat.NotebookNode:
    """The notebook run top to bottom on the demo corpus, with its outputs.

    Default parameters (the synthetic demo corpus; the report goes to a
    temporary folder), offline, in a kernel of this interpreter.
    """
    import os
    import tempfile

    from nbclient import NotebookClient

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    nb = build()
    with tempfile.TemporaryDirectory(prefix="provenance-notebook-") as tmp:
        client = NotebookClient(
            nb,
            km=_kernel(Path(tmp)),
            timeout=EXECUTE_TIMEOUT,
            startup_timeout=120,
            allow_errors=False,
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        client.execute()
    nb.metadata["kernelspec"] = build().metadata["kernelspec"]
    nb.metadata["provenance"] = {
        "executed_on": "the bundled synthetic demo corpus (data/demo/), default parameters",
        "regenerate": "python notebooks/build_notebook.py --execute",
    }
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the notebook is stale")
    parser.add_argument(
        "--execute",
        action="store_true",
        help=f"also run it on the demo corpus and write {EXECUTED.name} (a few minutes)",
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else ""
        if current != text:
            print(f"{NOTEBOOK} is stale; run python notebooks/build_notebook.py", file=sys.stderr)
            return 1
        return 0
    NOTEBOOK.write_text(text, encoding="utf-8")
    print(f"wrote {NOTEBOOK} ({len(CELLS)} cells)")
    if args.execute:
        from detector.files import atomic_write

        atomic_write(EXECUTED, nbformat.writes(execute()) + "\n")
        print(f"wrote {EXECUTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
