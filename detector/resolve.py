"""One resolver for inputs and roles.

Every analysis (scoring, the lineage tree, the report, attribution transfer)
accepts a :class:`~detector.corpus.Corpus`, its
:class:`~detector.features.Features` or an :class:`~detector.evidence.Evidence`
already built. :func:`as_corpus` and :func:`as_evidence` turn any of them into
what the analysis needs, so no analysis dispatches on the input's type.

:class:`Roles` says, once, which model is the suspect, which are candidate
teachers or parents, which are the reference models that calibrate what
"unrelated" looks like, which were left out, and why each model is where it
is. :func:`resolve_roles` fills in the defaults and checks the names before
any work is done; scoring, the tree and the report receive the same value.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import channels as registry
from .corpus import Corpus, check_known
from .errors import ProvenanceError
from .evidence import Evidence, build_evidence
from .features import FeatureOptions, Features
from .panel import Panel
from .release_dates import KnownRelease, known_releases, variant_release

__all__ = [
    "Roles",
    "as_corpus",
    "as_evidence",
    "as_features_or_corpus",
    "known_models",
    "pairwise_shared",
    "check_shared_prompts",
    "resolve_roles",
    "suspect_evidence",
]

Data = Corpus | Features | Evidence
log = logging.getLogger(__name__)


def as_corpus(data: Data) -> Corpus:
    """The corpus behind a corpus, its features or evidence built from them.

    Raises
    ------
    ProvenanceError
        For evidence that was built without its features (it cannot be
        traced back to the outputs).
    """
    if isinstance(data, Corpus):
        return data
    if isinstance(data, Features):
        return data.corpus
    if isinstance(data, Evidence) and data.features is not None:
        return data.features.corpus
    raise ProvenanceError(
        "this needs the model outputs; pass the corpus or its features, not bare evidence"
    )


def as_features_or_corpus(data: Data) -> Corpus | Features:
    """What per-text analyses (attribution) need: the features if built, else the corpus.

    Raises
    ------
    ProvenanceError
        For evidence that was built without its features.
    """
    if isinstance(data, Evidence):
        if data.features is None:
            as_corpus(data)  # raises with the message
        return data.features  # type: ignore[return-value]
    return data


def known_models(data: Data) -> list[str]:
    """The models that ``data`` holds."""
    return list(data.models) if isinstance(data, Evidence) else as_corpus(data).models


def pairwise_shared(data: Data) -> pd.DataFrame | None:
    """Prompts each pair of models shares (:meth:`Corpus.pairwise_shared`); None for evidence.

    Evidence given as it is carries its overlap in its pair masks; this is for
    checking a corpus before the evidence is built.
    """
    return None if isinstance(data, Evidence) else as_corpus(data).pairwise_shared()


def as_evidence(
    data: Data,
    *,
    models: Sequence[str] | None = None,
    prompt_ids: Sequence[str] | None = None,
    channels: str | Sequence[str] | None = None,
    seed: int = 0,
    n_bootstrap: int = 0,
    options: FeatureOptions | None = None,
) -> Evidence:
    """Evidence over ``models`` and ``prompt_ids``, built unless it is given.

    Parameters
    ----------
    data : Corpus, Features or Evidence
        Evidence is returned as it is (it may cover more models and prompts
        than asked for: it was built deliberately over a superset, as the
        benchmark does to score many suspects from one build).
    models, prompt_ids : sequence of str, optional
        What to build over (default everything).
    channels : str or sequence of str, optional
        Evidence channels (default the registry's defaults).
    seed : int
        Seed of the split-half reliability weights.
    n_bootstrap : int
        Bootstrap resamplings the caller will ask for
        (:func:`~detector.evidence.build_evidence` prepares them when it streams).
    options : FeatureOptions, optional
        How features are computed (:func:`~detector.features.compute_features`).
    """
    if isinstance(data, Evidence):
        return data
    return build_evidence(
        data,
        models=None if models is None else list(models),
        prompt_ids=None if prompt_ids is None else list(prompt_ids),
        channels=channels,
        seed=seed,
        n_bootstrap=n_bootstrap,
        options=options,
    )


@dataclass
class Roles:
    """Who is who in one analysis, and why.

    Attributes
    ----------
    suspect : str
        The model under suspicion.
    candidates : list of str
        Possible teachers or parents.
    reference : list of str
        Models taken as unrelated to the candidates; they calibrate the null.
    reasons : dict of str to str
        For every model above, why it has its role ("given", "every other
        model", ...).
    left_out : dict of str to str
        Models of the data in no role, with the reason (too few prompts
        shared with the suspect, released after it, ...).
    null_exclusions : dict of str to dict of str to str
        Per candidate, the reference models left out of its null because the
        known lineage relates them to it, with the reason
        (:class:`~detector.panel.Panel`).
    clades : dict of str to list of str
        Per candidate, the models of the pool documented as having learned
        from it (its students and derivatives): with the candidate, its clade.
    set_aside : dict of str to str
        Models that cannot be candidates because they were released after the
        suspect, with the dates (they stay reference models when the
        reference pool was defaulted).
    known_dates : dict of str to str
        Release dates taken from the bundled table of well-known models
        (:mod:`detector.release_dates`) because the user gave none, as
        ``"date (source)"``.
    released : dict of str to str
        Every known release date of the suspect, candidates, reference models
        and set-aside models (given by the user or from the table), as written.
    """

    suspect: str
    candidates: list[str]
    reference: list[str]
    reasons: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    null_exclusions: dict[str, dict[str, str]] = field(default_factory=dict)
    clades: dict[str, list[str]] = field(default_factory=dict)
    set_aside: dict[str, str] = field(default_factory=dict)
    known_dates: dict[str, str] = field(default_factory=dict)
    released: dict[str, str] = field(default_factory=dict)

    @property
    def pool(self) -> list[str]:
        """Suspect, candidates and reference models, in that order."""
        return [self.suspect, *self.candidates, *self.reference]

    def notes(self) -> list[str]:
        """One line per model left out, and per candidate whose null the lineage changed."""
        lines = [f"{m} left out: {why}" for m, why in self.left_out.items()]
        lines += self._set_aside_notes()
        for cand, refs in self.null_exclusions.items():
            lines.append(f"{cand}'s null leaves out its documented relatives: {', '.join(refs)}")
        return lines

    def _set_aside_notes(self, most: int = 3) -> list[str]:
        """A line per candidate set aside by its release date, or one line for many."""
        aside = self.set_aside
        if len(aside) <= most or self.suspect not in self.released:
            return [f"{m} is not a candidate: {why}" for m, why in aside.items()]
        dated = ", ".join(f"{m} ({self.released.get(m, '?')})" for m in aside)
        return [
            f"{len(aside)} models are not candidates: released after {self.suspect} "
            f"({self.released[self.suspect]}), so none can be its teacher or parent: {dated}"
            + (
                " (dates of well-known models, a variant dated by the model it extends: pass "
                "`lineage` to give your own)"
                if set(aside) & set(self.known_dates) or self.suspect in self.known_dates
                else ""
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def null_positions(self, models: Sequence[str]) -> tuple[list[list[int]], dict[int, set[int]]]:
        """The candidates' clades and documented relatives as positions in ``models``.

        Returns
        -------
        clades : list of list of int
            Per candidate (in :attr:`candidates` order), its documented students.
        exclusions : dict of int to set of int
            Per candidate position, the models its null leaves out: its
            documented relatives (:attr:`null_exclusions`) and its clade (a
            clade never calibrates its own candidate).
        """
        position = {m: i for i, m in enumerate(models)}
        clades = [
            [position[m] for m in self.clades.get(c, []) if m in position] for c in self.candidates
        ]
        exclusions = {
            position[c]: {position[r] for r in rel if r in position}
            for c, rel in self.null_exclusions.items()
            if c in position
        }
        for c, extra in zip(self.candidates, clades, strict=True):
            if c in position:
                exclusions.setdefault(position[c], set()).update(extra)
        return clades, exclusions


def check_roles(
    known: Sequence[str],
    suspect: str,
    candidates: Sequence[str] | None,
    reference: Sequence[str] | None,
    absent: Mapping[str, str] | None = None,
) -> None:
    """Check the names given for each role, before any work is done.

    ``absent``: models of the data left without a usable output
    (:attr:`~detector.corpus.Corpus.excluded`), named as such when given.

    Raises
    ------
    ProvenanceError
        A name not in ``known`` (or one without usable outputs), the suspect
        among the candidates, an empty candidate list, or a model that is
        both reference and suspect or candidate.
    """
    check_known([suspect], known, "suspect", absent)
    if candidates is not None:
        check_known(candidates, known, "candidate", absent)
        if suspect in candidates:
            raise ProvenanceError(
                f"the suspect {suspect!r} is also among the candidates; remove it from `candidates`"
            )
        if not candidates:
            raise ProvenanceError("no candidates given; name at least one in `candidates`")
    if reference is not None:
        check_known(reference, known, "reference model", absent)
        overlap = sorted(set(reference) & ({suspect} | set(candidates or [])))
        if overlap:
            raise ProvenanceError(
                f"{', '.join(overlap)} cannot be both reference and suspect/candidate; "
                "change `reference`"
            )


def check_shared_prompts(
    shared: pd.DataFrame,
    suspect: str,
    pool: Sequence[str],
    min_prompts: int,
    needed_for: str = "scoring",
) -> None:
    """Raise unless the suspect shares ``min_prompts`` prompts with some other model of ``pool``.

    ``shared`` is :meth:`~detector.corpus.Corpus.pairwise_shared` (model x model
    counts of shared prompts; the diagonal is what each model answered).
    """
    others = [m for m in pool if m != suspect]
    best_overlap = int(shared.loc[suspect, others].max()) if others else 0
    if best_overlap < min_prompts:
        raise ProvenanceError(
            f"{suspect!r} shares at most {best_overlap} prompts with the other models "
            f"(it answered {int(shared.loc[suspect, suspect])}); {needed_for} needs at least "
            f"{min_prompts}"
        )


def resolve_roles(
    data: Data,
    suspect: str,
    candidates: Sequence[str] | None = None,
    reference: Sequence[str] | None = None,
    *,
    min_prompts: int | None = None,
    lineage: pd.DataFrame | str | Path | None = None,
    known_dates: bool = True,
) -> Roles:
    """Fill in the default roles and check them.

    Candidates default to every model that is neither the suspect nor a
    reference model; reference models to every model that is neither suspect
    nor candidate. Defaults leave out degenerate models (constant answers,
    empty answers, repetition loops: :func:`~detector.degenerate.degenerate_models`),
    which would shift every z; a model named explicitly is kept. With ``min_prompts``, a candidate or reference model that
    shares fewer prompts with the suspect is left out, with a note (one
    shared prompt is no evidence, and would rank first by chance).

    Parameters
    ----------
    data : Corpus, Features or Evidence
    suspect : str
    candidates, reference : sequence of str, optional
    min_prompts : int, optional
        Fewest prompts a model must share with the suspect (not checked for
        bare evidence, which holds only prompts all of its models share
        through its pair masks).
    lineage : pandas.DataFrame, str or Path, optional
        Known lineage of the pool, indexed by model (models missing from it
        are unknown), or the path of a lineage CSV
        (:func:`~detector.lineage.load_lineage`). Candidates released after the suspect are left out, and
        each candidate's documented relatives leave its null
        (:class:`~detector.panel.Panel`). Release dates may also come from a
        ``released`` column of the data.
    known_dates : bool
        Take the release dates of well-known models the user gave no date for
        from the bundled table (:mod:`detector.release_dates`), with their
        sources in :attr:`Roles.known_dates`.

    Returns
    -------
    Roles

    Raises
    ------
    ProvenanceError
        Unknown names, clashing roles, no candidate left, or a suspect that
        shares too few prompts with every other model.
    """
    known = known_models(data)
    absent = None if isinstance(data, Evidence) and data.features is None else as_corpus(data)
    if absent is not None:
        absent.check_aliases([suspect, *(candidates or []), *(reference or [])])
    check_roles(known, suspect, candidates, reference, absent.excluded if absent else None)
    left_out: dict[str, str] = {}
    named = {suspect, *(candidates or []), *(reference or [])}
    all_degenerate = _degenerate_models(data)
    if candidates is None or reference is None:  # defaults never take a degenerate model
        degenerate = {m: w for m, w in all_degenerate.items() if m not in named}
        left_out.update({m: f"degenerate: {why}" for m, why in degenerate.items()})
        known = [m for m in known if m not in left_out]
        if degenerate and not [m for m in known if m != suspect]:
            listed = "; ".join(f"{m}: {why}" for m, why in degenerate.items())
            also = (
                f"; the suspect is degenerate too ({all_degenerate[suspect]})"
                if suspect in all_degenerate
                else ""
            )
            raise ProvenanceError(
                f"nothing to compare {suspect!r} with: every other model is degenerate "
                f"({listed}){also}; degenerate outputs carry no sign of lineage: fix or "
                "re-collect them (inspect lists them), or name models in `candidates` and "
                "`reference` to use them anyway"
            )
    for m in sorted(named & set(all_degenerate)):  # kept (asked for), but never silently
        if m == suspect:
            warning = f"the suspect {m} is degenerate ({all_degenerate[m]}): its scores say little"
        else:
            option = "reference" if m in (reference or []) else "candidates"
            effect = (
                "as a reference model it moves every candidate's z"
                if option == "reference"
                else "its score says little"
            )
            warning = (
                f"{m} is degenerate ({all_degenerate[m]}) but was named in `{option}`, so it "
                f"is used: {effect}; leave it out unless that is meant"
            )
        warnings.warn(warning, UserWarning, stacklevel=2)
    reasons: dict[str, str] = {suspect: "the suspect"}
    if candidates is not None:
        cand = list(dict.fromkeys(candidates))
        reasons.update({m: "candidate: given" for m in cand})
    else:
        cand = [m for m in known if m != suspect and (reference is None or m not in reference)]
        reasons.update({m: "candidate: every other model" for m in cand})
    if reference is not None:
        ref = list(dict.fromkeys(reference))
        reasons.update({m: "reference: given" for m in ref})
    else:
        ref = [m for m in known if m != suspect and m not in cand]
        reasons.update(
            {m: "reference: every model that is neither suspect nor candidate" for m in ref}
        )
    shared = pairwise_shared(data) if min_prompts is not None else None
    if shared is not None and min_prompts is not None:
        check_shared_prompts(shared, suspect, [suspect, *cand, *ref], min_prompts)
        for m in [*cand, *ref]:
            n = int(shared.loc[suspect, m])
            if n < min_prompts:
                left_out[m] = f"shares {n} prompts with {suspect} (fewer than {min_prompts})"
        cand = [m for m in cand if m not in left_out]
        ref = [m for m in ref if m not in left_out]
    if isinstance(lineage, str | Path):
        from .lineage import load_lineage

        lineage = load_lineage(lineage)
    panel, table = _release_panel(data, lineage, suspect, [*cand, *ref], known_dates)
    set_aside = _set_aside_later(panel, table, suspect, cand, ref, reasons, reference is None)
    cand = [m for m in cand if m not in set_aside]
    if not cand:
        raise ProvenanceError(
            "no candidate models left"
            + (f" ({'; '.join(f'{m} {w}' for m, w in left_out.items())})" if left_out else "")
            + "; the corpus needs at least two models that share prompts"
        )
    for m in left_out:
        reasons.pop(m, None)
    exclusions = panel.null_exclusions(suspect, cand, ref)
    clades = panel.clades(suspect, cand, [*cand, *ref])
    roled = (suspect, *cand, *ref, *set_aside)
    from_table = {m: k.describe() for m, k in table.items() if m in roled}
    dates = {m: d.text for m in roled if (d := panel.released(m)) is not None}
    roles = Roles(
        suspect, cand, ref, reasons, left_out, exclusions, clades, set_aside, from_table, dates
    )
    log.info(
        "roles: suspect %s; %d candidate(s) (%s); %d reference model(s) (%s)",
        suspect, len(cand), "given" if candidates is not None else "every other model",
        len(ref), "given" if reference is not None else "the rest",
    )  # fmt: skip
    for line in roles.notes():
        log.info("roles: %s", line)
    log.debug("roles: candidates %s; reference %s", cand, ref)
    return roles


def _release_panel(
    data: Data, lineage: pd.DataFrame | None, suspect: str, others: list[str], known_dates: bool
) -> tuple[Panel, dict[str, KnownRelease]]:
    """The known lineage with every release date: the user's first, then the bundled table's.

    Returns the panel and the releases taken from the table (models the user
    gave no date for). Models other than the suspect that the table does not
    know but whose name extends a known model's get that model's date as a
    lower bound (:func:`~detector.release_dates.variant_release`).
    """
    given = _data_release_dates(data)
    panel = Panel(lineage, given)
    if not known_dates:
        return panel, {}
    found = known_releases([suspect, *others])
    for m in others:
        if m not in found and (bound := variant_release(m)) is not None:
            found[m] = bound
    table = {m: k for m, k in found.items() if panel.released(m) is None}
    if table:
        panel = Panel(lineage, {**{m: k.released for m, k in table.items()}, **given})
    return panel, table


def _set_aside_later(
    panel: Panel,
    table: dict[str, KnownRelease],
    suspect: str,
    cand: list[str],
    ref: list[str],
    reasons: dict[str, str],
    defaulted_reference: bool,
) -> dict[str, str]:
    """Candidates released after the suspect, with the reason; a defaulted pool keeps them.

    They join ``ref`` (as unrelated reference models) when the reference pool
    was defaulted; ``reasons`` is updated either way.
    """
    set_aside: dict[str, str] = {}
    for m in [m for m in cand if panel.later_than(m, suspect)]:
        released, own = panel.released(m), panel.released(suspect)
        assert released is not None and own is not None
        variant = table[m].variant_of if m in table else ""
        set_aside[m] = (
            (
                f"a variant of {variant} (released {released.text}), so released after "
                if variant
                else f"released {released.text}, after "
            )
            + f"{suspect} ({own.text}), so it cannot be its teacher or parent"
            + (
                " (dates of well-known models: pass `lineage` to give your own)"
                if {m, suspect} & set(table)
                else ""
            )
        )
        if defaulted_reference:  # a defaulted pool keeps it as an unrelated reference model
            ref.append(m)
            reasons[m] = "reference: released after the suspect"
        else:
            reasons.pop(m, None)
    return set_aside


def _degenerate_models(data: Data) -> dict[str, str]:
    """Degenerate models of the data (:func:`~detector.degenerate.degenerate_models`), once per corpus."""
    if isinstance(data, Evidence) and data.features is None:
        return {}
    corpus = as_corpus(data)
    cached = corpus.__dict__.get("_degenerate_models")
    if cached is None:
        from .degenerate import degenerate_models

        cached = degenerate_models(corpus)
        corpus.__dict__["_degenerate_models"] = cached
    return cached


def _data_release_dates(data: Data) -> dict[str, object]:
    """Model -> release date from a ``released`` column of the data, when it has one."""
    if isinstance(data, Evidence) and data.features is None:
        return {}
    df = as_corpus(data).df
    if "released" not in df.columns:
        return {}
    dates = df.dropna(subset=["released"]).drop_duplicates("model")
    return dict(zip(dates["model"], dates["released"], strict=True))


def suspect_evidence(
    data: Data,
    roles: Roles,
    *,
    channels: str | Sequence[str] | None = None,
    seed: int = 0,
    min_prompts: int = 1,
    n_bootstrap: int = 0,
    options: FeatureOptions | None = None,
) -> Evidence:
    """Evidence over the roles' models, on the prompts the suspect answered.

    With the default channels, channels whose text only some outputs have
    (reasoning traces) are added when the suspect and another model of the
    pool both have it on ``min_prompts`` or more prompts
    (:func:`~detector.channels.present_channels`). ``n_bootstrap`` and
    ``options`` are those of :func:`as_evidence`.
    """
    if isinstance(data, Evidence):
        return data
    corpus = as_corpus(data)
    if channels is None:
        added, _ = registry.present_channels(corpus.df, roles.suspect, roles.pool, min_prompts)
        channels = [*registry.default_channels(), *added] if added else None
    suspect_prompts = corpus.df.loc[corpus.df["model"] == roles.suspect, "prompt_id"].unique()
    return as_evidence(
        data,
        models=roles.pool,
        prompt_ids=list(suspect_prompts),
        channels=channels,
        seed=seed,
        n_bootstrap=n_bootstrap,
        options=options,
    )
