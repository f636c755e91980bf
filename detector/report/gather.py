"""The report's analysis: everything a report shows, gathered into a :class:`ReportData`.

:func:`gather_report_data` computes the evidence once
(:func:`~detector.resolve.suspect_evidence`) and gives the same
:class:`~detector.evidence.Evidence` to :func:`~detector.scoring.score` and
:func:`~detector.tree.lineage_tree`, so the numbers of a report are those
``provenance score`` prints for the same data, parameters and seed. It then
collects what a person can check: over-used phrases both models share
(grouped into distinct habits, :mod:`detector.phrases`), identity
statements, answers side by side, and the attribution classifier's
confusion matrix. Views (:mod:`~detector.report.pdf`,
:mod:`~detector.report.html`) only render the result.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import shlex
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import channels as registry
from ..cjk import word_counts
from ..consensus import consensus_tree
from ..corpus import Corpus, load_corpus
from ..errors import ProvenanceError
from ..evidence import Evidence
from ..features import FeatureOptions, Features
from ..inspection import inspect
from ..params import check_alpha, check_int, check_seed
from ..resolve import Roles, as_corpus, known_models, resolve_roles, suspect_evidence
from ..scoring import MIN_PROMPTS, ScoreResult, score
from ..tree import TreeResult, lineage_tree, mds_coordinates, stress_words
from .data import (
    SECTIONS,
    SHIFT_SECTION,
    AttributionSection,
    ChannelRow,
    DataOverview,
    Example,
    ExamplesSection,
    Excerpt,
    Habit,
    IdentityRow,
    IdentitySection,
    LengthStats,
    LexicalSection,
    ModelRow,
    Overlap,
    Provenance,
    ReportData,
    ShiftSection,
    TreeSection,
)
from .verdict import key_numbers, shift_key_numbers, shift_verdict_of, verdict_of

__all__ = ["gather_report_data", "synthetic_reason"]

MIN_EXAMPLE_WORDS = 40  # side-by-side examples: both answers at least this long, when possible
EXAMPLE_CHARS = 4000  # answers kept per example (the views cut further)
EXCERPTS = 8
SHARED_TERMS = 80  # over-used terms considered before grouping them into habits
HABITS = 15
MAX_ATTRIBUTION_MODELS = 12


class _Clock:
    """Seconds per step."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - self.last
        logging.getLogger(__name__).info("report: %s %.2f s", step, now - self.last)
        self.last = now


# ------------------------------------------------------------------ inputs
def _check_parameters(
    n_bootstrap: int, tree_bootstrap: int, attribution_prompts: int | None
) -> None:
    check_int(n_bootstrap, "n_bootstrap", 1)
    check_int(tree_bootstrap, "tree_bootstrap", 0)
    if attribution_prompts is not None:
        check_int(attribution_prompts, "attribution_prompts", 10)


def _roles(
    data: Corpus | Features | Evidence,
    corpus: Corpus,
    suspect: str,
    candidates: list[str] | None,
    reference: list[str] | None,
    lineage: pd.DataFrame | str | os.PathLike[str] | None = None,
    known_dates: bool = True,
) -> Roles:
    """Roles resolved on the corpus, then kept to the models the data holds."""
    roles = resolve_roles(
        corpus,
        suspect,
        candidates,
        reference,
        min_prompts=MIN_PROMPTS,
        lineage=lineage,
        known_dates=known_dates,
    )
    known = set(known_models(data))
    missing = [m for m in [suspect, *(candidates or []), *(reference or [])] if m not in known]
    if missing:
        raise ProvenanceError(
            f"{', '.join(map(repr, missing))} not in the evidence given; build it over "
            "every model the report names"
        )
    roles.candidates = [m for m in roles.candidates if m in known]
    roles.reference = [m for m in roles.reference if m in known]
    return roles


def synthetic_reason(corpus: Corpus) -> str:
    """Why ``corpus`` is known to be synthetic, or "" when it is not.

    The bundled demo corpus (read from ``data/demo``, or any draw of the
    demo generator: its fictional models), or a file whose folder's
    README.md says in its first line that it is synthetic.
    """
    from ..demo_run import DEMO_DIR

    text = (resources.files("detector") / "resources" / "demo_models.json").read_text("utf-8")
    demo_models = {m["model"] for m in json.loads(text)["models"]}
    path = Path(corpus.source)
    try:
        folder = path.resolve().parent
        if folder == DEMO_DIR.resolve():
            return "it is the bundled synthetic demo corpus (data/demo/): fictional models"
        readme = folder / "README.md"
        if path.is_file() and readme.is_file():
            first = readme.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
            if first and "synthetic" in first[0].lower():
                return f"the README.md beside {path.name} says it is synthetic"
    except OSError:
        pass
    if set(corpus.models) and set(corpus.models) <= demo_models:
        return "its models are the fictional models of the synthetic demo generator"
    return ""


def _data_overview(corpus: Corpus, roles: Roles, result: ScoreResult) -> DataOverview:
    ins = inspect(corpus)
    rank = {c.model: c.rank for c in result.candidates}
    order = (
        [roles.suspect]
        + sorted(roles.candidates, key=lambda m: rank.get(m, 0))
        + sorted(roles.reference)
        + [m for m in corpus.models if m not in roles.pool]
    )
    role = {roles.suspect: "suspect", **{c: "candidate" for c in roles.candidates}}
    role.update({r: "reference" for r in roles.reference})
    # a candidate set aside by its release date calibrates instead (when the pool was defaulted)
    role.update({m: "reference (released later)" for m in roles.set_aside if m in role})
    shared = corpus.pairwise_shared().loc[roles.suspect]
    rows = []
    for m in order:
        length = ins.lengths.get(m, {})
        rows.append(
            ModelRow(
                m,
                role.get(m, "not compared"),
                int(ins.models.get(m, 0)),
                int(shared.get(m, 0)),
                float(length.get("mean_words", np.nan)),
                float(length.get("mean_chars", np.nan)),
                float(length.get("median_chars", np.nan)),
            )
        )
    words = word_counts(corpus.df["output"])
    lengths = []
    for m in order:
        w = words[corpus.df["model"] == m].to_numpy(dtype=float)
        if not len(w):
            continue
        q1, med, q3 = np.percentile(w, [25, 50, 75])
        low = float(w[w >= q1 - 1.5 * (q3 - q1)].min())
        high = float(w[w <= q3 + 1.5 * (q3 - q1)].max())
        lengths.append(LengthStats(m, float(q1), float(med), float(q3), low, high))
    why = synthetic_reason(corpus)
    return DataOverview(
        source=corpus.source,
        data_hash=corpus.content_hash(),
        n_models=ins.n_models,
        n_prompts=ins.n_prompts,
        n_shared=ins.n_shared,
        n_outputs=ins.n_outputs,
        suspect_answered=int(ins.models.get(roles.suspect, 0)),
        rows=rows,
        lengths=lengths,
        problems=list(ins.problems),
        synthetic=bool(why),
        synthetic_reason=why,
    )


# ------------------------------------------------------------------ tree
def _tree_section(evidence: Evidence, roles: Roles, top: str, n_bootstrap: int, seed: int):
    pool = roles.pool
    if len(pool) < 3:
        error = f"a tree needs at least three models, the report compares {len(pool)}"
        return TreeSection(None, error)
    try:
        tree = lineage_tree(evidence, models=pool, n_bootstrap=n_bootstrap, seed=seed)
    except ProvenanceError as exc:
        return TreeSection(None, str(exc))
    consensus = consensus_tree(tree) if n_bootstrap else None
    # the tree as its JSON holds it (distances to 1e-6), so a report rendered from saved data
    # is the report rendered now
    counts, tree = tree.bootstrap_counts, TreeResult.from_dict(tree.to_dict())
    tree.bootstrap_counts = counts
    section = TreeSection(tree)
    if consensus is not None:
        section.consensus = consensus
    else:
        section.consensus_note = "no consensus tree: the tree was built without bootstrap"
    xy = mds_coordinates(tree, random_state=seed)
    section.mds = [(str(m), float(r.x), float(r.y)) for m, r in xy.iterrows()]
    section.stress = float(xy.attrs["stress"])
    section.stress_words = stress_words(section.stress)
    sister = tree.smallest_clade([roles.suspect])
    section.sister = [m for m in sister.members if m != roles.suspect]
    section.sister_support = sister.support
    pair = tree.smallest_clade([roles.suspect, top])
    section.pair_size, section.pair_support = len(pair.members), pair.support
    return section


# ------------------------------------------------------------------ lexical
def _lexical_section(
    features: Features | None, corpus: Corpus, roles: Roles, top: str
) -> LexicalSection:
    """Over-used words and phrases both models share, grouped into distinct habits."""
    from ..lexical import LexicalFingerprint
    from ..phrases import distinct_terms

    pool, suspect = roles.pool, roles.suspect
    fitted = features.lexical if features is not None else None
    if fitted is not None and sorted(getattr(fitted, "models_", [])) == sorted(pool):
        lexical = fitted
    else:
        try:
            lexical = LexicalFingerprint().fit(corpus.subset(models=pool).df)
        except ProvenanceError as exc:
            return LexicalSection(available=False, error=str(exc))
    shared = lexical.shared_overused(suspect, top, top=SHARED_TERMS)
    rows = {r.term: r for r in shared.itertuples(index=False)}
    habits = []
    for term, variants in distinct_terms(list(rows))[:HABITS]:
        r = rows[term]
        habits.append(
            Habit(
                term,
                variants,
                int(r.count_a),
                int(r.count_b),
                int(r.count_rest),
                float(r.per_10k_a),
                float(r.per_10k_b),
                float(r.per_10k_rest),
                float(r.z_a),
                float(r.z_b),
            )
        )
    section = LexicalSection(
        available=True,
        habits=habits,
        n_terms=len(rows),
        n_rest=int(shared.attrs.get("n_rest", len(lexical.models_) - 2)),
    )
    z = lexical.z_pool_
    top_s = z.loc[suspect].sort_values(ascending=False)
    top_s = top_s[top_s > 2].index[:100]
    others = [m for m in (roles.reference or [c for c in roles.candidates if c != top])]
    others = [m for m in others if m in z.index]
    if len(top_s) and others:
        counts = (z.loc[others, top_s] > 2).sum(axis=1)
        section.overlap = Overlap(
            k=len(top_s),
            top=int((z.loc[top, top_s] > 2).sum()),
            median=float(counts.median()),
            who="reference model" if roles.reference else "other candidate",
        )
    return section


# ------------------------------------------------------------------ identity
def _identity_section(corpus: Corpus, models: list[str]) -> IdentitySection:
    from ..identity import find_leaks

    rows = corpus.df[corpus.df["model"].isin(models)]
    leaks = find_leaks(rows, kinds=("self_id", "ai_self_reference"))
    answered = corpus.df.groupby("model")["prompt_id"].nunique()
    section = IdentitySection()
    shown = leaks.sort_values(["kind"], key=lambda k: k != "self_id", kind="stable")
    for m in models:
        sub = leaks[leaks["model"] == m]
        self_id = sub[sub["kind"] == "self_id"]
        by_vendor = self_id.groupby("vendor")["prompt_id"].nunique()
        section.rows.append(
            IdentityRow(
                m,
                int(answered.get(m, 0)),
                int(self_id["prompt_id"].nunique()),
                ", ".join(f"{v} {n}" for v, n in by_vendor.items()) or "none",
                int(sub.loc[sub["kind"] == "ai_self_reference", "prompt_id"].nunique()),
            )
        )
        quoted = shown[shown["model"] == m]
        section.excerpts[m] = [
            Excerpt(str(r.prompt_id), str(r.kind), str(r.vendor or ""), bool(r.prompted), r.excerpt)
            for r in quoted.head(EXCERPTS).itertuples(index=False)
        ]
        section.more[m] = max(len(quoted) - EXCERPTS, 0)
    return section


# ------------------------------------------------------------------ examples
def per_prompt_similarity(evidence: Evidence, a: str, b: str) -> pd.Series:
    """Reliability-weighted, standardized similarity of two models on each prompt both answered."""
    ia, ib = (int(i) for i in evidence.index([a, b]))
    total = np.zeros(evidence.n_prompts)
    both = np.ones(evidence.n_prompts, dtype=bool)
    used = False
    for name, ch in evidence.channels.items():
        w = evidence.weights.get(name, 0.0)
        if not hasattr(ch, "pair_values") or w <= 0:  # per-prompt channels only
            continue
        mean, sd = evidence.scales[name]
        values, answered = ch.pair_values(ia, ib)
        total += w * (values - mean) / sd
        both &= answered
        used = True
    if not used:
        return pd.Series(dtype=float)
    return pd.Series(total[both], index=np.asarray(evidence.prompt_ids)[both])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _examples_section(
    evidence: Evidence, corpus: Corpus, roles: Roles, top: str, highlight: list[str]
) -> ExamplesSection:
    """The prompts on which suspect and top candidate are most alike, and a median one."""
    suspect = roles.suspect
    comb = evidence.combined_affinity()
    s_idx = int(evidence.index([suspect])[0])
    contrast_pool = list(roles.reference or [c for c in roles.candidates if c != top])
    contrast = None
    if contrast_pool:
        aff = pd.Series(
            [comb[s_idx, int(evidence.index([m])[0])] for m in contrast_pool], index=contrast_pool
        ).sort_values()
        contrast = str(aff.index[(len(aff) - 1) // 2])
    models = [suspect, top] + ([contrast] if contrast else [])
    section = ExamplesSection(models=models, contrast=contrast, highlight=highlight)
    sims = per_prompt_similarity(evidence, suspect, top)
    answered = corpus.answered()
    if contrast is not None and len(sims):
        sims = sims[answered.loc[sims.index, contrast].to_numpy()]
    if not len(sims):
        return section
    words = corpus.df.assign(n=word_counts(corpus.df["output"]))
    words = words[words["model"].isin([suspect, top])].groupby("prompt_id")["n"].min()
    long_enough = sims[words.reindex(sims.index).fillna(0).to_numpy() >= MIN_EXAMPLE_WORDS]
    if len(long_enough) >= 3:  # short answers ("True") are alike but show little
        sims, section.min_words = long_enough, MIN_EXAMPLE_WORDS
    ranked = sims.sort_values(ascending=False, kind="stable")
    of = f"{len(ranked)} prompts" + (
        f" with answers of {section.min_words}+ words" if section.min_words else ""
    )
    picks = [
        (str(p), f"{_ordinal(k)} most alike of {of}") for k, p in enumerate(ranked.index[:2], 1)
    ]
    if len(ranked) > 2:
        mid = str(ranked.index[len(ranked) // 2])
        if mid not in {p for p, _ in picks}:
            picks.append((mid, f"median similarity of {of}"))
    prompts = corpus.prompts()
    for pid, why in picks:
        answers = {}
        for m in models:
            out = corpus.outputs(m, [pid])
            text = out.iloc[0] if len(out) and isinstance(out.iloc[0], str) else "(no answer)"
            answers[m] = text[:EXAMPLE_CHARS]
        section.examples.append(
            Example(pid, why, str(prompts.get(pid, "")), answers, float(ranked[pid]))
        )
    return section


# ------------------------------------------------------------------ shift (--baseline)
def _shift_examples(
    evidence: Evidence, corpus: Corpus, suspect: str, baseline: str, target: str
) -> ExamplesSection:
    """The prompts on which the suspect moved most toward ``target``, and a median one."""
    from ..shift import per_prompt_shift

    models = [baseline, suspect, target]
    section = ExamplesSection(models=models)
    shifts = per_prompt_shift(evidence, suspect, baseline, target)
    if not len(shifts):
        return section
    words = corpus.df.assign(n=word_counts(corpus.df["output"]))
    words = words[words["model"].isin(models)].groupby("prompt_id")["n"].min()
    long_enough = shifts[words.reindex(shifts.index).fillna(0).to_numpy() >= MIN_EXAMPLE_WORDS]
    if len(long_enough) >= 3:
        shifts, section.min_words = long_enough, MIN_EXAMPLE_WORDS
    ranked = shifts.sort_values(ascending=False, kind="stable")
    of = f"{len(ranked)} prompts" + (
        f" with answers of {section.min_words}+ words" if section.min_words else ""
    )
    picks = [
        (str(p), f"{_ordinal(k)} largest shift of {of}") for k, p in enumerate(ranked.index[:2], 1)
    ]
    if len(ranked) > 2:
        mid = str(ranked.index[len(ranked) // 2])
        if mid not in {p for p, _ in picks}:
            picks.append((mid, f"median shift of {of}"))
    prompts = corpus.prompts()
    for pid, why in picks:
        answers = {}
        for m in models:
            out = corpus.outputs(m, [pid])
            text = out.iloc[0] if len(out) and isinstance(out.iloc[0], str) else "(no answer)"
            answers[m] = text[:EXAMPLE_CHARS]
        section.examples.append(
            Example(pid, why, str(prompts.get(pid, "")), answers, float(ranked[pid]))
        )
    return section


def _shift_section(
    evidence: Evidence,
    corpus: Corpus,
    suspect: str,
    baseline: str,
    roles_given: tuple[list[str] | None, list[str] | None],
    settings: dict[str, Any],
) -> ShiftSection:
    """The shift test, its words, the terms gained and lost, and the prompts that moved most.

    ``evidence`` is the report's; when it lacks the baseline (candidates were
    named), evidence over its models and the baseline is built from its
    features (the caches make that cheap). The baseline was checked before
    (:func:`~detector.shift.check_baseline`).
    """
    from ..evidence import build_evidence
    from ..shift import shift_score
    from ..shift_terms import shift_terms

    if baseline not in evidence.models:
        if evidence.features is None:
            raise ProvenanceError(
                f"the evidence given does not hold the baseline {baseline!r}; build it over "
                "every model the report names"
            )
        evidence = build_evidence(
            evidence.features,
            models=[*evidence.models, baseline],
            prompt_ids=list(evidence.prompt_ids),
            channels=list(evidence.channels),
            seed=settings["seed"],
        )
    candidates, reference = roles_given
    result = shift_score(evidence, suspect, baseline, candidates, reference, **settings)
    target = result.best or result.candidates[0].model
    section = ShiftSection(
        result, shift_verdict_of(result), shift_key_numbers(result), target=target
    )
    try:
        section.terms = shift_terms(
            corpus, suspect, baseline, [c.model for c in result.candidates], result.reference
        )
    except ProvenanceError as exc:
        section.terms_error = str(exc)
    section.examples = _shift_examples(evidence, corpus, suspect, baseline, target)
    if section.terms is not None:
        gained = section.terms.gained
        section.examples.highlight = [t.term for t in gained] + [
            v for t in gained for v in t.variants if len(v.split()) > 1
        ]
    return section


# ------------------------------------------------------------------ attribution
def _attribution_models(result: ScoreResult) -> list[str]:
    """The suspect, its six best candidates and models spread over the rest (12 at most)."""
    ranked = [c.model for c in result.candidates] + sorted(result.reference)
    if len(ranked) + 1 <= MAX_ATTRIBUTION_MODELS:
        return [result.suspect] + ranked
    head, rest = ranked[:6], ranked[6:]
    k = MAX_ATTRIBUTION_MODELS - 1 - len(head)
    spread = [rest[int(i)] for i in np.linspace(0, len(rest) - 1, k).round()]
    return [result.suspect] + head + list(dict.fromkeys(spread))


def _attribution_data(
    features: Features, models: list[str], max_prompts: int | None, seed: int
) -> Features:
    """Features of ``models`` on at most ``max_prompts`` of the suspect's prompts (seeded)."""
    import scipy.sparse as sp

    df = features.corpus.df
    keep = df["model"].isin(models).to_numpy().copy()
    prompts = sorted(df.loc[df["model"] == models[0], "prompt_id"].unique())
    if max_prompts is not None and len(prompts) > max_prompts:
        rng = np.random.default_rng(seed)
        prompts = sorted(rng.choice(prompts, size=max_prompts, replace=False).tolist())
    keep &= df["prompt_id"].isin(set(prompts)).to_numpy()
    rows = np.flatnonzero(keep)
    corpus = Corpus(df.iloc[rows].reset_index(drop=True), features.corpus.source, [])
    own = {n for n, s in registry.REGISTRY.items() if s.attribution and s.attribution.own_terms}
    matrices = {
        c: (sp.csr_matrix(m)[rows] if sp.issparse(m) else np.asarray(m)[rows])
        for c, m in features.matrices.items()
        if c not in own  # the classifier counts its own n-grams for these channels
    }
    return Features(corpus, matrices, {c: list(features.names[c]) for c in matrices})


def _attribution(
    features: Features | None,
    models: list[str],
    max_prompts: int | None,
    seed: int,
    options: FeatureOptions,
) -> tuple[Any, str]:
    """Train the attribution classifier of :mod:`detector.attribution` on ``models``.

    ``models[0]`` is the suspect. Returns the evaluation (None when
    unavailable) and a note on what happened: if that module cannot be
    imported or its training fails, the section says so and the report
    goes on.
    """
    try:
        from ..attribution import train
    except Exception as exc:  # not there, or broken: the report goes on without it
        return None, f"detector.attribution could not be imported ({type(exc).__name__})"
    data = _attribution_data(features, models, max_prompts, seed)  # type: ignore[arg-type]
    quiet = FeatureOptions(  # the features' settings; no shards, executor or progress
        embedding_model=options.embedding_model,
        precision=options.precision,
        cache_dir=options.cache_dir,
        use_cache=options.use_cache,
        progress=False,
    )
    try:
        _, evaluation = train(data, seed=seed, options=quiet)
        np.asarray(evaluation.confusion, dtype=float).reshape(len(evaluation.models), -1)
        float(evaluation.accuracy)
    except Exception as exc:  # a module developed separately must not sink the report
        return None, f"the attribution classifier failed ({type(exc).__name__}: {exc})"
    return evaluation, "attribution classifier trained"


def _attribution_section(
    evaluation: Any, note: str, result: ScoreResult, n_models: int
) -> AttributionSection:
    if evaluation is None:
        return AttributionSection(available=False, note=note)
    models = [str(m) for m in evaluation.models]
    cm = np.asarray(evaluation.confusion, dtype=float).reshape(len(models), -1)
    section = AttributionSection(
        available=True,
        note=note,
        models=models,
        confusion=cm.astype(int).tolist(),
        accuracy=float(evaluation.accuracy),
        chance=float(getattr(evaluation, "chance", 1 / max(len(models), 1))),
        n_prompts=int(getattr(evaluation, "n_prompts", 0)),
        n_texts=int(getattr(evaluation, "n_texts", 0)),
        n_folds=int(getattr(evaluation, "n_folds", 0)),
        channels=[str(c) for c in getattr(evaluation, "channels", [])],
    )
    if result.suspect in models:
        row = cm[models.index(result.suspect)]
        total = max(row.sum(), 1.0)
        order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0][:4]
        section.suspect_row = [(models[j], float(row[j] / total)) for j in order]
    if len(models) < n_models:
        section.scope.append(
            f"To keep the matrix readable it covers {len(models)} models: the suspect, its six "
            "highest-ranked candidates and models spread evenly over the rest of the ranking."
        )
    if section.n_prompts and section.n_prompts < result.n_prompts:
        section.scope.append(
            f"To bound the time it takes, it was trained and tested on {section.n_prompts} of "
            f"the suspect's {result.n_prompts} prompts, drawn at random (seed {result.seed})."
        )
    return section


# ------------------------------------------------------------------ provenance
def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from .._version import __version__

    out = {"provenance (detector)": __version__, "python": platform.python_version()}
    for dist in (
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "matplotlib",
        "reportlab",
        "pypdf",
        "markdown-it-py",
        "sentence-transformers",
        "torch",
        "wordfreq",
    ):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def command_line(
    source: str,
    roles_given: tuple[list[str] | None, list[str] | None],
    suspect: str,
    out: str | os.PathLike[str] | None,
    options: dict[str, Any],
) -> str:
    """The ``provenance report`` command that makes the same report."""
    candidates, reference = roles_given
    parts = ["provenance", "report", source, "--suspect", suspect]
    if candidates is not None:
        parts += ["--candidates", ",".join(candidates)]
    if reference is not None:
        parts += ["--reference", ",".join(reference)]
    parts += ["--channels", ",".join(options["channels"]), "--seed", str(options["seed"])]
    parts += ["--bootstrap", str(options["n_bootstrap"])]
    parts += ["--tree-bootstrap", str(options["tree_bootstrap"])]
    if options["alpha"] != 0.05:
        parts += ["--alpha", f"{options['alpha']:g}"]
    if not options["include_attribution"]:
        parts += ["--no-attribution"]
    elif options["attribution_prompts"] != 200:
        parts += ["--attribution-prompts", str(options["attribution_prompts"] or 0)]
    if options.get("lineage"):
        parts += ["--lineage", options["lineage"]]
    if options.get("known_dates") is False:
        parts += ["--no-known-dates"]
    if options.get("baseline"):
        parts += ["--baseline", options["baseline"]]
    if out is not None:
        parts += ["--out", str(out)]
    return " ".join(shlex.quote(p) for p in parts)


def _channel_rows(result: ScoreResult) -> list[ChannelRow]:
    rows = []
    for name in result.weights:
        spec = registry.REGISTRY.get(name)
        rows.append(
            ChannelRow(
                name,
                spec.label if spec else name,
                spec.description if spec else "",
                result.reliability.get(name),
                result.weights.get(name),
            )
        )
    return rows


# ------------------------------------------------------------------ the whole
def gather_report_data(
    data: Corpus | Features | Evidence | str | os.PathLike[str],
    suspect: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    *,
    seed: int = 0,
    channels: str | list[str] | None = None,
    n_bootstrap: int = 200,
    tree_bootstrap: int = 50,
    alpha: float = 0.05,
    include_attribution: bool = True,
    attribution_prompts: int | None = 200,
    out: str | os.PathLike[str] | None = None,
    lineage: pd.DataFrame | str | os.PathLike[str] | None = None,
    baseline: str | None = None,
    options: FeatureOptions | None = None,
    known_dates: bool = True,
) -> ReportData:
    """Everything a report on ``suspect`` shows, computed once (no file is written).

    Parameters are those of :func:`~detector.report.build_report` (``out``
    only goes into the reproducing command line; ``lineage``, as in
    :func:`~detector.scoring.score`, a lineage table or CSV path; with
    ``baseline``, the report opens with the shift test,
    :func:`~detector.shift.shift_score`).

    Returns
    -------
    ReportData

    Raises
    ------
    ProvenanceError
        Unknown suspect, candidate or reference model; too few shared
        prompts; bad bootstrap counts; the inputs
        :func:`~detector.scoring.score` refuses.
    """
    report, _ = gather(
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
        out=out,
        lineage=lineage,
        baseline=baseline,
        options=options or FeatureOptions(),
        known_dates=known_dates,
    )
    return report


def _feature_params(result: ScoreResult, options: FeatureOptions) -> dict[str, str]:
    """The feature settings the appendix lists: the embedding model's, when it was used."""
    params: dict[str, str] = {}
    if any(registry.get(n).uses_embedding_model for n in result.weights):
        model = options.embedding_model
        params["embedding model"] = model or "bundled all-MiniLM-L6-v2 (default)"
        params["embedding precision"] = options.precision or "auto"
    return params


def _provenance(
    command: str, feature_params: dict[str, str], timings: dict[str, float]
) -> Provenance:
    """How the report was made: the command, versions, settings, timings and machine."""
    from .._version import __version__

    return Provenance(
        command=command,
        version=__version__,
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        versions=_versions(),
        feature_params=feature_params,
        timings=timings,
        machine=f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    )


def gather(
    data: Any,
    suspect: str,
    candidates: list[str] | None,
    reference: list[str] | None,
    *,
    seed: int,
    channels: str | list[str] | None,
    n_bootstrap: int,
    tree_bootstrap: int,
    alpha: float,
    include_attribution: bool,
    attribution_prompts: int | None,
    out: str | os.PathLike[str] | None,
    on_step: Callable[[str], None] | None = None,
    lineage: pd.DataFrame | str | os.PathLike[str] | None = None,
    baseline: str | None = None,
    options: FeatureOptions | None = None,
    known_dates: bool = True,
) -> tuple[ReportData, Any]:
    """:func:`gather_report_data`, also returning the attribution Evaluation (or None).

    ``on_step(name)`` is called as each long step starts (for progress).
    """
    seed, alpha = check_seed(seed), check_alpha(alpha)
    _check_parameters(n_bootstrap, tree_bootstrap, attribution_prompts)
    say = on_step or (lambda step: None)
    options = options or FeatureOptions()
    clock = _Clock()
    notes: list[str] = []
    candidates = None if candidates is None else list(candidates)
    reference = None if reference is None else list(reference)
    if isinstance(data, (str, os.PathLike)):
        data = load_corpus(data)
    corpus = as_corpus(data)
    if baseline is not None:  # a bad baseline is one line before any work
        from ..shift import check_baseline

        check_baseline(data, suspect, baseline, candidates, reference, MIN_PROMPTS)
    roles = _roles(data, corpus, suspect, candidates, reference, lineage, known_dates)
    clock.lap("load")
    say("evidence")
    evidence = suspect_evidence(
        data, roles, channels=channels, seed=seed, min_prompts=MIN_PROMPTS, options=options
    )
    if evidence is data and channels is not None:
        notes.append("channels were taken from the evidence given; `channels` was ignored")
    features = evidence.features
    clock.lap("evidence")
    result = score(evidence, suspect, seed=seed, n_bootstrap=n_bootstrap, alpha=alpha, roles=roles)
    assert isinstance(result, ScoreResult)  # no baseline: a score, not a shift
    top = result.best or result.candidates[0].model
    clock.lap("score")
    shift = None
    if baseline is not None:
        say("shift from the baseline")
        settings = dict(seed=seed, n_bootstrap=n_bootstrap, alpha=alpha, lineage=lineage)
        settings["known_dates"] = known_dates
        shift = _shift_section(
            evidence, corpus, suspect, baseline, (candidates, reference), settings
        )
        clock.lap("shift")
    say("tree")
    tree = _tree_section(evidence, roles, top, tree_bootstrap, seed)
    if tree.tree is None:
        notes.append(f"lineage tree unavailable: {tree.error}")
    clock.lap("tree")
    say("over-used phrases")
    lexical = _lexical_section(features, corpus, roles, top)
    if not lexical.available:
        notes.append(f"over-used words unavailable: {lexical.error}")
    clock.lap("lexical")
    identity = _identity_section(corpus, [suspect, top])
    clock.lap("identity")
    # the habits and their multi-word variants (single words inside a phrase would mark every
    # "this" and "i"); overlapping matches join, so "i hope this" + "hope this helps" mark
    # "I hope this helps"
    highlight = [h.term for h in lexical.habits]
    highlight += [v for h in lexical.habits for v in h.variants if len(v.split()) > 1]
    examples = _examples_section(evidence, corpus, roles, top, highlight)
    evaluation, note = None, "it was switched off for this report (--no-attribution)"
    if include_attribution and features is not None:
        say("attribution classifier")
        models = _attribution_models(result)
        evaluation, note = _attribution(features, models, attribution_prompts, seed, options)
        if evaluation is None:
            notes.append(f"attribution section unavailable: {note}")
    elif include_attribution:
        note = "the evidence given carries no features to train it on"
    attribution = _attribution_section(evaluation, note, result, len(roles.pool))
    clock.lap("attribution")
    overview = _data_overview(corpus, roles, result)
    chan_list = list(result.weights) or registry.parse_channels(channels)
    run_options = dict(
        channels=chan_list,
        seed=seed,
        n_bootstrap=n_bootstrap,
        tree_bootstrap=tree_bootstrap,
        alpha=alpha,
        include_attribution=include_attribution,
        attribution_prompts=attribution_prompts,
        lineage=str(lineage) if isinstance(lineage, (str, os.PathLike)) else None,
        known_dates=known_dates,
        baseline=baseline,
    )
    command = command_line(corpus.source, (candidates, reference), suspect, out, run_options)
    provenance = _provenance(command, _feature_params(result, options), clock.timings)
    report = ReportData(
        suspect=suspect,
        top=top,
        all_candidates=candidates is None and reference is None,
        score=result,
        verdict=verdict_of(result),
        key_numbers=key_numbers(result, attribution),
        data=overview,
        channels=_channel_rows(result),
        tree=tree,
        identity=identity,
        lexical=lexical,
        examples=examples,
        attribution=attribution,
        provenance=provenance,
        notes=notes,
        sections=[SHIFT_SECTION, *SECTIONS] if shift is not None else list(SECTIONS),
        shift=shift,
    )
    return report, evaluation
