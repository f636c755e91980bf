"""Benchmark the lexical and identity channels on the real dev corpus.

Times :class:`~detector.lexical.LexicalFingerprint` fit and transform over
every output of the AlpacaEval dev corpus (42 models x 805 prompts), and the
:class:`~detector.identity.IdentityLeaks` transform; records peak memory
(``resource`` maxrss) and writes ``benchmarks/results/lexical.md``.

As a sanity check of :meth:`LexicalFingerprint.similarity` it also reports,
for every model with a known teacher or parent in ``lineage.csv``, the rank
of that teacher's family (or the parent) among the other 41 models.

Usage::

    .venv/bin/python benchmarks/bench_lexical.py

The corpus path comes from ``PROVENANCE_DEV_CORPUS`` or defaults to
``../shared/corpora/alpaca_eval`` next to the repository.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.corpus import load_corpus  # noqa: E402
from detector.identity import IdentityLeaks, leak_table  # noqa: E402
from detector.lexical import LexicalFingerprint  # noqa: E402

DEFAULT = ROOT.parent / "shared/corpora/alpaca_eval"
OUT = ROOT / "benchmarks/results/lexical.md"
# API model families, for "did the student's most similar models include its teacher's family"
FAMILY = {
    "text_davinci_001": "openai-davinci",
    "text_davinci_003": "openai-davinci",
    "gpt-3.5-turbo-0301": "openai-gpt-3.5",
    "gpt-3.5-turbo-0613": "openai-gpt-3.5",
    "gpt4_0314": "openai-gpt-4",
    "gpt4_0613": "openai-gpt-4",
    "gpt4_1106_preview": "openai-gpt-4",
    "gpt4_0613_concise": "openai-gpt-4",
    "gpt4_0613_verbose": "openai-gpt-4",
}


def peak_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, rows: list[tuple[str, float, float, float]], fn, *args, **kwargs):
    """Run fn, appending (label, wall s, CPU s, peak MiB) to rows."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    rows.append((label, time.perf_counter() - start, time.process_time() - cpu, peak_mib()))
    print(
        f"{label:40s} {rows[-1][1]:6.2f} s wall {rows[-1][2]:6.2f} s CPU  peak {rows[-1][3]:5.0f} MiB"
    )
    return out


def lineage_ranks(sim: pd.DataFrame, lineage: pd.DataFrame) -> pd.DataFrame:
    """Rank (1 = most similar) of each student's teacher family / parent among other models."""
    rows = []
    for rec in lineage.itertuples(index=False):
        if rec.model not in sim.index:
            continue
        if rec.relation == "distilled" and isinstance(rec.teacher, str):
            family = FAMILY.get(rec.teacher)
            targets = {m for m in sim.index if m == rec.teacher or FAMILY.get(m) == family}
        elif rec.relation in ("derived", "variant") and isinstance(rec.parent, str):
            targets = {rec.parent}
        else:
            continue
        order = sim.loc[rec.model].drop(rec.model).sort_values(ascending=False).index.tolist()
        ranks = [order.index(t) + 1 for t in targets if t in order]
        if ranks:
            target = rec.teacher if rec.relation == "distilled" else rec.parent
            rows.append((rec.model, rec.relation, target, min(ranks), order[0]))
    return pd.DataFrame(rows, columns=["model", "relation", "teacher/parent", "rank", "top match"])


def main() -> int:
    path = Path(os.environ.get("PROVENANCE_DEV_CORPUS", DEFAULT))
    if not path.exists():
        print(f"dev corpus not found at {path}; set PROVENANCE_DEV_CORPUS. Nothing to benchmark.")
        return 0
    rows: list[tuple[str, float, float, float]] = []
    corpus = timed("load corpus", rows, load_corpus, path)
    df = corpus.df
    chars = int(df["output"].str.len().sum())
    print(corpus, f"{chars / 1e6:.1f}M characters")

    lf = LexicalFingerprint()
    timed("lexical fit", rows, lf.fit, df)
    X = timed("lexical transform (same outputs)", rows, lf.transform, df)
    timed("lexical fit_transform (one pass)", rows, LexicalFingerprint().fit_transform, df)
    timed("lexical similarity_matrix", rows, lf.similarity_matrix)
    ids = IdentityLeaks().fit()
    leaks = timed("identity transform", rows, ids.transform, df)
    timed("identity leak_table", rows, leak_table, df)

    fit_s, fit_cpu = rows[1][1], rows[1][2]
    transform_s, transform_cpu = rows[2][1], rows[2][2]
    lines = [
        "# Lexical and identity channels: speed on the dev corpus",
        "",
        f"Corpus: `{path.name}`, {corpus.n_models} models x {corpus.n_prompts} prompts, "
        f"{len(df)} outputs, {chars / 1e6:.1f}M characters.",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.machine()}; single process; load average at the end "
        f"{os.getloadavg()[0]:.1f} (other jobs shared the CPUs: timings scale with it).",
        "",
        "| step | wall s | CPU s | peak RSS so far (MiB) |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {sec:.2f} | {cpu:.2f} | {mib:.0f} |" for label, sec, cpu, mib in rows],
        "",
        f"Lexical fit + transform: **{fit_s + transform_s:.1f} s wall, "
        f"{fit_cpu + transform_cpu:.1f} s CPU** (target < 30 s); "
        f"{X.shape[1]} terms ({int((lf._order_of_term == 0).sum())} unigrams), "
        f"{X.nnz} non-zero counts; {len(lf.name_words_)} words dropped as proper names.",
        f"Identity: {int(leaks.sum())} matches in {int((leaks.sum(axis=1) > 0).sum())} outputs "
        f"({len(ids.get_feature_names_out())} features).",
        "",
        "Command:",
        "",
        "```",
        ".venv/bin/python benchmarks/bench_lexical.py",
        "```",
    ]

    lineage_file = path / "lineage.csv"
    if lineage_file.exists():
        lineage = pd.read_csv(lineage_file)
        ranks = lineage_ranks(lf.similarity_matrix(), lineage)
        z = lf.z_pool_.clip(-lf.clip, lf.clip).to_numpy()
        pearson = pd.DataFrame(np.corrcoef(z), index=lf.models_, columns=lf.models_)
        ranks["rank (Pearson, z in [-5, 5])"] = lineage_ranks(pearson, lineage)["rank"]
        means = ranks.groupby(ranks["relation"] == "distilled")[
            ["rank", "rank (Pearson, z in [-5, 5])"]
        ].mean()
        lines += [
            "",
            "## Sanity check: where does the known teacher rank?",
            "",
            "For each model with a teacher (distilled: best-ranked model of the teacher's "
            "family) or a parent (derived, variant) in `lineage.csv`: its rank among the "
            f"other {corpus.n_models - 1} models by `similarity` (cosine of pool z clipped "
            "to [0, 5], the default), and by the Pearson alternative. Descriptive only.",
            "",
            _markdown(ranks),
            "",
            f"Mean rank, distilled: {means.loc[True].iloc[0]:.1f} (cosine) vs "
            f"{means.loc[True].iloc[1]:.1f} (Pearson); derived/variant: "
            f"{means.loc[False].iloc[0]:.1f} vs {means.loc[False].iloc[1]:.1f}.",
        ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


def _markdown(frame: pd.DataFrame) -> str:
    """A plain Markdown table (no tabulate dependency)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


if __name__ == "__main__":
    sys.exit(main())
