"""Dev-corpus check of the lineage tree (issue 6): figures, Newick and a report.

Builds :func:`detector.tree.lineage_tree` on the AlpacaEval development corpus
(``../shared/corpora/alpaca_eval`` relative to the repository root, or the
``PROVENANCE_DEV_CORPUS`` environment variable), checks the four clades the
issue names against the documented lineage (``lineage.csv`` next to the
corpus) and writes to ``benchmarks/results/``:

- ``tree.png`` (dendrogram with supports; leaf labels carry the documented
  teacher or parent), ``tree_heatmap.png``, ``tree_mds.png``;
- ``tree.nwk`` (Newick with supports) and ``tree_distances.csv``;
- ``tree.md``: support of each required clade with a sentence and under
  the other method (UPGMA for the default neighbour joining), what else the
  tree shows, each documented student's or child's place in the tree, and
  the exact command.

Usage::

    .venv/bin/python benchmarks/bench_tree.py [--channels style,lexical,identity]
        [--method nj|average|...] [--bootstrap 1000] [--seed 0] [--cache-dir DIR] [--force]

Exits with status 0 and a message when the corpus is absent; refuses to
overwrite existing results without ``--force``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.corpus import load_corpus  # noqa: E402
from detector.evidence import build_evidence  # noqa: E402
from detector.features import FeatureOptions  # noqa: E402
from detector.figures import (  # noqa: E402
    dendrogram_figure,
    heatmap_figure,
    mds_figure,
    save_figure,
)
from detector.tree import (  # noqa: E402
    DEFAULT_METHOD,
    METHODS,
    TreeResult,
    clade_support,
    lineage_tree,
    mds_coordinates,
    method_label,
)

DEFAULT_CORPUS = ROOT.parent / "shared/corpora/alpaca_eval"
RESULTS = ROOT / "benchmarks/results"
THRESHOLD = 0.9
REQUIRED = {
    "gpt4_0613 variants": ["gpt4_0613", "gpt4_0613_concise", "gpt4_0613_verbose"],
    "zephyr-7b-beta family": ["zephyr-7b-beta", "zephyr-7b-beta-ExPO", "pairrm-zephyr-7b-beta"],
    "Claude models": ["claude", "claude-2", "claude-instant-1.2"],
    "Meta-Llama-3-8B-Instruct and its SimPO child": [
        "Meta-Llama-3-8B-Instruct",
        "Llama-3-Instruct-8B-SimPO",
    ],
}


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _names(members: list[str]) -> str:
    return ", ".join(members)


def _sister(result: TreeResult, model: str) -> tuple[list[str], float | None]:
    """The models that join ``model`` first, and the support of that clade."""
    for c in result.clades:  # merge order: the first clade holding the model
        if model in c.members:
            return [m for m in c.members if m != model], c.support
    return [m for m in result.models if m != model], 1.0  # joins at the root


def _nearest(result: TreeResult, model: str) -> list[str]:
    d = result.distances.loc[model].drop(model)
    return d.sort_values(kind="stable").index.tolist()


def _leaf_labels(lineage: pd.DataFrame, models: list[str]) -> dict[str, str]:
    labels = {}
    for m in models:
        if m not in lineage.index:
            continue
        row = lineage.loc[m]
        if row["relation"] == "distilled":
            labels[m] = f"{m}  <- {row['teacher']} outputs"
        elif row["relation"] in ("derived", "variant"):
            labels[m] = f"{m}  <- from {row['parent']}"
        elif row["relation"] == "human_data":
            labels[m] = f"{m}  (human data)"
    return labels


def _required_sentence(result: TreeResult, name: str, members: list[str]) -> str:
    support = clade_support(result, members)
    if name == "Meta-Llama-3-8B-Instruct and its SimPO child" and support is None:
        parent, child = members
        near = _nearest(result, parent)
        around = result.smallest_clade(members)
        d = result.distances
        return (
            f"Not a clade: {parent}'s nearest model is {near[0]} (distance "
            f"{d.loc[parent, near[0]]:.2f}) rather than its SimPO child "
            f"({d.loc[parent, child]:.2f}), so the 8B model joins {near[0]} first and "
            f"{child} joins that pair (from {child}'s side its parent ranks "
            f"{_nearest(result, child).index(parent) + 1} among the nearest models); the smallest "
            "clade holding both is "
            f"{{{_names(around.members)}}} with support {_fmt(around.support)}, and "
            f"{{{_names(members)}}} itself appears in {_fmt(result.bootstrap_frequency(members))} "
            "of the bootstrap trees."
        )
    if support is None:
        around = result.smallest_clade(members)
        return (
            f"Not a clade; the smallest clade holding them is {{{_names(around.members)}}} "
            f"(support {_fmt(around.support)})."
        )
    inner = [c for c in result.clades if set(c.members) < set(members) and len(c.members) > 1]
    first = (
        f" {' and '.join(inner[0].members)} join first ({_fmt(inner[0].support)})" if inner else ""
    )
    sentence = f"A clade with support {_fmt(support)};{first}"
    if name == "gpt4_0613 variants":
        sister, s = _sister_of_clade(result, members)
        nearest_two = set(_nearest(result, members[0])[:2]) == set(members[1:])
        sentence += (
            "; the variants are gpt4_0613's two nearest models, so a system prompt asking "
            "for concise or verbose answers moves it less than any other model differs from it"
            if nearest_two
            else ""
        ) + (f". The clade's sister group is {{{_names(sister)}}} (support {_fmt(s)}).")
    elif name == "zephyr-7b-beta family":
        sister, s = _sister_of_clade(result, members)
        sentence += (
            f"; the family's sister group is {{{_names(sister)}}} (support {_fmt(s)}), "
            "its mistral-7b relatives."
        )
    elif name == "Claude models":
        d = result.distances.to_numpy()
        off = d[~np.eye(len(d), dtype=bool)]
        close = result.distances.loc["claude", "claude-2"] <= off.min() + 1e-9
        sentence += "; claude and claude-2 are the closest pair of all 42 models." if close else "."
    else:
        sentence += "."
    return sentence


def _compare(label: str, members: list[str], a: TreeResult, b: TreeResult) -> str:
    def one(r: TreeResult) -> str:
        s = clade_support(r, members)
        return _fmt(s) if s is not None else f"{_fmt(r.bootstrap_frequency(members))}*"

    return f"{label} {one(a)} vs {one(b)}"


def _sister_of_clade(result: TreeResult, members: list[str]) -> tuple[list[str], float | None]:
    wanted = set(members)
    for c in result.clades:
        if wanted < set(c.members):
            return sorted(set(c.members) - wanted), c.support
    return sorted(set(result.models) - wanted), None


def _findings(result: TreeResult, lineage: pd.DataFrame, lengths: pd.Series) -> list[str]:
    """Data-driven observations for the 'what else' section."""
    out = []
    lin = lineage.reindex(result.models)

    # ChatGPT students on llama-13b
    chatgpt = lin.index[
        (lin["relation"] == "distilled") & (lin["teacher_family"] == "openai-gpt-3.5")
    ].tolist()
    llama13 = [m for m in chatgpt if lin.loc[m, "base_model"] == "llama-13b"]
    if len(llama13) >= 2:
        c = result.smallest_clade(llama13)
        extra = sorted(set(c.members) - set(llama13))
        teachers = [m for m in c.members if lin.loc[m, "base_model"] == "gpt-3.5"]
        out.append(
            f"**ChatGPT students.** The four llama-13b students of gpt-3.5-turbo "
            f"({_names(llama13)}) share a clade of {len(c.members)} models"
            + (f" that also holds {_names(extra)}" if extra else "")
            + f", weakly supported ({_fmt(c.support)})"
            + (
                "; no OpenAI model is in it, so they group by what they share with each "
                "other (llama-13b base, ChatGPT-generated data) more than with their teacher"
                if not teachers
                else f"; it contains the OpenAI model(s) {_names(teachers)}"
            )
            + f". gpt-3.5-turbo-0301 itself joins {{{_names(_sister(result, 'gpt-3.5-turbo-0301')[0])}}}"
            f" (support {_fmt(_sister(result, 'gpt-3.5-turbo-0301')[1])})."
        )

    # human-data models
    human = lin.index[lin["relation"] == "human_data"].tolist()
    if human:
        parts, done, short = [], set(), []
        rank = lengths.rank(method="min").astype(int)
        for m in human:
            if m in done:
                continue
            sister, s = _sister(result, m)
            done |= set(sister)
            ranks = ", ".join(f"{x} {rank[x]}" for x in [m, *sister])
            parts.append(f"{m} joins {{{_names(sister)}}} ({_fmt(s)}; length ranks {ranks})")
            if max(rank[x] for x in [m, *sister]) <= 8 and (s or 0) >= THRESHOLD:
                short.append(_names([m, *sister]))
        together = clade_support(result, human)
        text = (
            "**Human-data models** "
            + ("form a clade" if together is not None else "do not form one clade")
            + ": "
            + "; ".join(parts)
            + f". Length rank 1 = shortest mean answer of the {len(lengths)} models."
        )
        if short:
            text += (
                f" {'; '.join(short)}: all among the eight shortest answerers and a "
                "well-supported clade, although lengths and markdown are regressed out of "
                "every channel, so brevity-related style (plain prose, little structure) "
                "survives the control."
            )
        out.append(text)

    # GPT-4 models
    gpt4 = [m for m in result.models if m.startswith("gpt4")]
    parts = []
    for m in gpt4:
        if m in ("gpt4_0613_concise", "gpt4_0613_verbose"):
            continue
        sister, s = _sister(result, m)
        parts.append(f"{m} with {{{_names(sister)}}} ({_fmt(s)})")
    out.append(
        "**GPT-4 models** do not form one clade: "
        + "; ".join(parts)
        + ". Students of GPT-4: "
        + "; ".join(
            f"{m} joins {{{_names(_sister(result, m)[0])}}} ({_fmt(_sister(result, m)[1])})"
            for m in lin.index[lin["teacher_family"] == "openai-gpt-4"]
        )
        + "."
    )

    # vendor families
    fams = {
        "Llama 2 and Llama 3 (Meta)": [
            "llama-2-13b-chat-hf",
            "llama-2-70b-chat-hf",
            "Meta-Llama-3-8B-Instruct",
            "Meta-Llama-3-70B-Instruct",
            "Llama-3-Instruct-8B-SimPO",
        ],
        "Mistral-7B-Instruct, Snorkel and the zephyr family (mistral-7b base)": [
            "Mistral-7B-Instruct-v0.2",
            "Snorkel-Mistral-PairRM-DPO",
            "zephyr-7b-beta",
            "zephyr-7b-beta-ExPO",
            "pairrm-zephyr-7b-beta",
        ],
        "text-davinci-001/003 and alpaca-7b (their student)": [
            "text_davinci_001",
            "text_davinci_003",
            "alpaca-7b",
        ],
    }
    parts = []
    for label, members in fams.items():
        members = [m for m in members if m in result.models]
        support = clade_support(result, members)
        if support is not None:
            parts.append(f"{label} form a clade (support {_fmt(support)})")
        else:
            c = result.smallest_clade(members)
            parts.append(
                f"{label} are not one clade (smallest holding them: {len(c.members)} models, "
                f"support {_fmt(c.support)})"
            )
    out.append("**Families.** " + "; ".join(parts) + ".")

    # surprises: high-support pairs across documented families
    surprising = []
    for c in result.clades:
        if len(c.members) != 2 or (c.support or 0) < THRESHOLD:
            continue
        a, b = c.members
        ra, rb = lin.loc[a], lin.loc[b]
        related = (
            ra["parent"] == b
            or rb["parent"] == a
            or ra["teacher"] == b
            or rb["teacher"] == a
            or (ra["base_model"] == rb["base_model"] and ra["base_model"] != "")
            or (ra["source"].split()[0] == rb["source"].split()[0])
        )
        if not related:
            surprising.append(f"{a} + {b} ({_fmt(c.support)})")
    if surprising:
        out.append(
            "**Undocumented pairs with support >= 0.9:** "
            + "; ".join(surprising)
            + ". The lineage file lists them as unrelated; the tree shows they write alike "
            "on the same prompts, which a shared data source or shared house style could "
            "explain. The tree alone cannot say which."
        )

    deep = [c for c in result.clades if len(c.members) > 5]
    weak = [c for c in deep if (c.support or 0) < 0.5]
    out.append(
        f"**Deep structure.** {len(weak)} of the {len(deep)} clades with more than five models "
        "have support below 0.5: the tips of the tree (vendors, versions, fine-tunes of one "
        "model, teacher and student) are resolved; how those groups relate to each other is "
        "not."
    )
    return out


def _lineage_table(result: TreeResult, lineage: pd.DataFrame) -> str:
    rows = [
        "| model | relation | documented teacher / parent | joins first (sister group) | "
        "support | teacher/parent in sister group | its distance rank |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in result.models:
        if m not in lineage.index:
            continue
        row = lineage.loc[m]
        if row["relation"] not in ("distilled", "derived", "variant"):
            continue
        rel = row["teacher"] if row["relation"] == "distilled" else row["parent"]
        sister, s = _sister(result, m)
        rank = _nearest(result, m).index(rel) + 1 if rel in result.models else None
        rows.append(
            f"| {m} | {row['relation']} | {rel} | {_names(sister)} | {_fmt(s)} | "
            f"{'yes' if rel in sister else 'no'} | {rank} of {len(result.models) - 1} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("PROVENANCE_DEV_CORPUS"))
    parser.add_argument(
        "--channels",
        default="embedding,style,lexical,identity",
        help="evidence channels (default: all four, as scoring uses)",
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help="tree method (default nj = neighbour joining; average = UPGMA)",
    )
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", default=None, help="feature cache directory")
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--force", action="store_true", help="overwrite existing results")
    args = parser.parse_args(argv)

    corpus_path = Path(args.corpus) if args.corpus else DEFAULT_CORPUS
    if not (corpus_path / "results").is_dir():
        print(
            f"bench_tree: corpus not found at {corpus_path}; set PROVENANCE_DEV_CORPUS or pass "
            "--corpus. Nothing done.",
            file=sys.stderr,
        )
        return 0
    out = Path(args.out_dir)
    files = {
        k: out / v
        for k, v in {
            "tree": "tree.png",
            "heatmap": "tree_heatmap.png",
            "mds": "tree_mds.png",
            "newick": "tree.nwk",
            "matrix": "tree_distances.csv",
            "md": "tree.md",
        }.items()
    }
    existing = [str(p) for p in files.values() if p.exists()]
    if existing and not args.force:
        print(
            f"bench_tree: {', '.join(existing)} exist; pass --force to overwrite", file=sys.stderr
        )
        return 2
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    corpus = load_corpus(corpus_path)
    lineage = pd.read_csv(corpus_path / "lineage.csv", dtype=str, keep_default_na=False)
    lineage = lineage.set_index("model")
    evidence = build_evidence(
        corpus,
        channels=args.channels,
        seed=args.seed,
        options=FeatureOptions(cache_dir=args.cache_dir, progress=False),
    )
    result = lineage_tree(evidence, n_bootstrap=args.bootstrap, seed=args.seed, method=args.method)
    other_method = "average" if args.method == "nj" else "nj"
    other = lineage_tree(evidence, n_bootstrap=args.bootstrap, seed=args.seed, method=other_method)
    elapsed = time.perf_counter() - t0
    words = corpus.df["output"].str.split().str.len()
    lengths = words.groupby(corpus.df["model"]).mean()

    labels = _leaf_labels(lineage, result.models)
    save_figure(dendrogram_figure(result, leaf_labels=labels), str(files["tree"]))
    save_figure(heatmap_figure(result), str(files["heatmap"]))
    save_figure(mds_figure(result), str(files["mds"]))
    files["newick"].write_text(result.newick + "\n", encoding="utf-8")
    result.distances.to_csv(files["matrix"], index_label="model", float_format="%.6g")

    command = " ".join(
        [".venv/bin/python", "benchmarks/bench_tree.py", *map(shlex.quote, sys.argv[1:])]
    )
    weights = ", ".join(
        f"{k} {v:.3f} (reliability {result.reliability[k]:.3f})" for k, v in result.weights.items()
    )
    lines = [
        "# Lineage tree of the AlpacaEval dev corpus (issue 6)",
        "",
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `{command}` "
        f"in {elapsed:.0f} s (features from the cache).",
        "",
        f"- corpus: {corpus.n_models} models, {corpus.n_prompts} prompts "
        f"({corpus_path.name}); lineage from `lineage.csv`",
        f"- channels and weights: {weights}",
        f"- tree: {method_label(result.method)} (`--method {result.method}`) of "
        "d = max A - A, A the combined standardized affinity scoring uses (symmetrized; "
        "SD units), optimal leaf order"
        + (
            "; rooted for display at the midpoint of the longest leaf-to-leaf path; "
            "[tree.nwk](tree.nwk) carries the NJ branch lengths, the dendrogram draws each "
            "node at the longest path from it to its leaves"
            if result.method == "nj"
            else ""
        ),
        f"- support: share of {result.n_bootstrap} prompt resamplings (seed {result.seed}) "
        + (
            "whose NJ tree has a branch separating exactly that clade from the other models "
            "(the tree is unrooted, so support is counted per split)"
            if result.method == "nj"
            else "whose tree contains exactly that clade"
        ),
        "- figures: [tree.png](tree.png) (dendrogram; leaf labels show the documented teacher "
        "or parent), [tree_heatmap.png](tree_heatmap.png), [tree_mds.png](tree_mds.png); "
        "[tree.nwk](tree.nwk), [tree_distances.csv](tree_distances.csv)",
    ]
    if "embedding" not in result.weights:
        lines.append(
            "- the embedding channel was not used (its features were not cached when this "
            "was run); rerun with `--channels embedding,style,lexical,identity` to include it"
        )
    lines += [
        "",
        f"## Required clades (support >= 0.9), {method_label(result.method)}",
        "",
        f"| clade | members | support | passes | {method_label(other.method)} |",
        "|---|---|---|---|---|",
    ]
    sentences = []
    compare = []
    for name, members in REQUIRED.items():
        support = clade_support(result, members)
        ok = support is not None and support >= THRESHOLD
        alt = clade_support(other, members)
        lines.append(
            f"| {name} | {_names(members)} | "
            f"{_fmt(support) if support is not None else 'not a clade'} | "
            f"{'yes' if ok else 'no'} | {_fmt(alt) if alt is not None else 'not a clade'} |"
        )
        compare.append(_compare(name, members, result, other))
        sentences.append(f"- **{name}.** {_required_sentence(result, name, members)}")
    extra_pairs = {
        "gpt-3.5-turbo-0301 + gpt-3.5-turbo-0613": ["gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613"],
        "gemini-pro + gemma-7b-it": ["gemini-pro", "gemma-7b-it"],
    }
    for label, members in extra_pairs.items():
        if set(members) <= set(result.models):
            compare.append(_compare(label, members, result, other))
    lines += [
        "",
        f"Compared with {method_label(other.method)} on the same distances and the same "
        f"{other.n_bootstrap} resamplings, support under {result.method} vs {other.method} "
        "(where the group is not a clade of that method's tree, the share of its bootstrap "
        "trees that hold it, marked *): " + "; ".join(compare) + ".",
    ]
    lines += ["", *sentences, "", "## What else the tree shows", ""]
    lines += [f"- {f}" for f in _findings(result, lineage, lengths)]
    stress = mds_coordinates(result).attrs["stress"]
    lines.append(
        f"- **The MDS map** ([tree_mds.png](tree_mds.png)) has stress-1 {stress:.2f}"
        + (
            ": most pairs of unrelated models are about equally far apart, which no plane "
            "can draw, so read it for neighbourhoods only and the tree and heatmap for the rest."
            if stress > 0.2
            else "."
        )
    )
    lines += [
        "",
        "## Each documented student, child and variant in the tree",
        "",
        "Sister group: the models that join it first. Distance rank: where the documented "
        "teacher or parent comes among its nearest models by distance (1 = nearest).",
        "",
        _lineage_table(result, lineage),
        "",
    ]
    files["md"].write_text("\n".join(lines), encoding="utf-8")
    for p in files.values():
        print(f"wrote {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
