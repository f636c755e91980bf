"""Open-set attribution: answering "none of these" for texts of models that are not classes.

A classifier can only name one of its classes, and its probabilities sum to 1
over them, so a text by a model it never saw is still attributed, often with
confidence. Two answers guard against that, both calibrated on the held-out
(out-of-fold, prompt-grouped) texts of the classes during
:func:`~detector.attribution.train`, and stored in the classifier file:

**Per text: "unknown".** A text whose top probability is below the
threshold of the class it would be attributed to is answered ``"unknown"``.
The threshold of class c is the (1 - coverage) quantile (``method="lower"``)
of the top probability of the held-out texts attributed to c, so at least
``coverage`` (default :data:`DEFAULT_COVERAGE`, 95%) of held-out texts of the
classes are attributed and the others abstain (thresholds per attributed
class, a Mondrian split-conformal rule, as a class the others are often
confused with has lower top probabilities; with fewer than
:data:`MIN_CLASS_TEXTS` held-out texts attributed to a class, the pooled
quantile of all held-out texts is used).

**Per model of the data: "none of these".** Single texts of an unseen model
are hard to tell from a known model's least typical texts, but many of them
together are not: if the texts come from a class, about half of them fall
below the median top probability of held-out texts attributed to the same
class. The one-sided sign test counts the texts below it; its p-values are
Holm-adjusted over the models of the data, and a model with an adjusted p
below :data:`ALPHA` is reported as "none of these models".

Chosen on the development corpus (``benchmarks/results/attribution.md``,
section "Open set"): class-conditional quantiles flag no known model (pooled
ones flagged a weak class, mistral-medium, as unknown), and thresholds from
the held-out texts keep at least the stated coverage for new texts of the
classes. No leave-one-class-out refit is needed to choose the threshold: the
coverage rule is stated for the classes' texts, which the out-of-fold
probabilities already measure; unseen models' abstain rates are measured by
leaving models out in the benchmark.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ProvenanceError

__all__ = [
    "ALPHA",
    "DEFAULT_COVERAGE",
    "MIN_CLASS_TEXTS",
    "UNKNOWN",
    "OpenSet",
    "calibrate",
]

#: The answer for a text attributed to none of the classes.
UNKNOWN = "unknown"
#: Share of the classes' held-out texts that stay attributed.
DEFAULT_COVERAGE = 0.95
#: Level of the Holm-adjusted sign test that declares a model none of the classes.
ALPHA = 0.05
#: Fewest held-out texts attributed to a class for its own quantiles.
MIN_CLASS_TEXTS = 20
#: Quantile levels stored in the classifier file.
LEVELS = np.linspace(0.0, 1.0, 101)
POOLED = "*"


def _quantiles(top: np.ndarray) -> list[float]:
    """Observed top probabilities at :data:`LEVELS`, rounded down to 6 decimals.

    Rounding down keeps the text at each threshold attributed (it is not below it).
    """
    return [float(np.floor(v * 1e6) / 1e6) for v in np.quantile(top, LEVELS, method="lower")]


def calibrate(oof_proba: np.ndarray, classes: list[str], coverage: float) -> dict[str, Any]:
    """The open-set settings saved with a classifier, from its held-out probabilities.

    Parameters
    ----------
    oof_proba : numpy.ndarray, shape (n_texts, n_classes)
        Out-of-fold probabilities of the training texts.
    classes : list of str
    coverage : float
        Share of held-out texts to keep attributed, in (0, 1].

    Returns
    -------
    dict
        ``coverage``, ``thresholds`` (class -> top probability below which a
        text attributed to it is "unknown"), ``quantiles`` (class, or ``"*"``
        for all texts -> top probability at levels 0, 0.01, ..., 1) and
        ``n_held_out`` (class -> held-out texts attributed to it).
    """
    check_coverage(coverage)
    top = oof_proba.max(axis=1)
    pred = np.argmax(oof_proba, axis=1)
    quantiles = {POOLED: _quantiles(top)}
    n_held_out = {}
    for k, c in enumerate(classes):
        sel = pred == k
        n_held_out[c] = int(sel.sum())
        if sel.sum() >= MIN_CLASS_TEXTS:
            quantiles[c] = _quantiles(top[sel])
    settings = {
        "method": "class-conditional quantiles of the held-out top probability",
        "coverage": float(coverage),
        "quantiles": quantiles,
        "n_held_out": n_held_out,
    }
    settings["thresholds"] = OpenSet(settings, classes).thresholds
    return settings


def check_coverage(coverage: float) -> None:
    """Raise unless 0 < coverage <= 1."""
    if not (isinstance(coverage, int | float) and 0 < float(coverage) <= 1):
        raise ProvenanceError(
            f"`coverage` must be above 0 and at most 1 (the share of texts of the classes "
            f"kept attributed), got {coverage!r}"
        )


def _sign_test(below: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One-sided p of at least ``below`` of ``n`` texts under the median, if half are expected."""
    from scipy.stats import binom

    return np.where(n > 0, binom.sf(below - 1, n, 0.5), 1.0)


class OpenSet:
    """A classifier's open-set settings, applied to new texts.

    Parameters
    ----------
    settings : dict
        As :func:`calibrate` returns (the classifier's ``metadata["open_set"]``).
    classes : list of str
    coverage : float, optional
        Replaces the coverage the classifier was saved with (1 never abstains).
    """

    def __init__(
        self, settings: dict[str, Any], classes: list[str], coverage: float | None = None
    ) -> None:
        self.classes = list(classes)
        self.coverage = float(settings["coverage"] if coverage is None else coverage)
        check_coverage(self.coverage)
        quantiles = settings["quantiles"]
        rows = [quantiles.get(c, quantiles[POOLED]) for c in self.classes]
        self._q = np.asarray(rows, dtype=np.float64)  # (n_classes, n_levels)

    def _level(self, level: float) -> np.ndarray:
        """Per class, the top probability at quantile ``level`` (linear between stored levels)."""
        level = round(level, 9)  # 1 - 0.95 is 0.05000000000000004: land on the stored level
        return np.array([np.interp(level, LEVELS, row) for row in self._q])

    @property
    def thresholds(self) -> dict[str, float]:
        """Class -> top probability below which a text attributed to it is "unknown"."""
        if self.coverage >= 1:
            return {c: 0.0 for c in self.classes}
        return dict(zip(self.classes, map(float, self._level(1 - self.coverage)), strict=True))

    def abstain(self, proba: np.ndarray) -> np.ndarray:
        """Which texts are "unknown", shape (n_texts,) of bool."""
        if self.coverage >= 1:
            return np.zeros(len(proba), dtype=bool)
        cut = self._level(1 - self.coverage)
        return proba.max(axis=1) < cut[np.argmax(proba, axis=1)]

    def held_out_rank(self, proba: np.ndarray) -> np.ndarray:
        """Per text, the share of held-out texts attributed to the same class less confidently."""
        top, pred = proba.max(axis=1), np.argmax(proba, axis=1)
        return np.array([np.interp(t, self._q[k], LEVELS) for t, k in zip(top, pred, strict=True)])

    def test_models(self, proba: np.ndarray, models: np.ndarray) -> dict[str, dict[str, Any]]:
        """Per model of the data, the sign test of "its texts come from the classes".

        Returns
        -------
        dict of str to dict
            Per model: ``n`` (texts), ``below_median`` (texts whose top
            probability is below the median of held-out texts attributed to
            the same class), ``p`` (one-sided sign test), ``p_holm`` (Holm
            over the models) and ``none_of_these`` (``p_holm`` < :data:`ALPHA`).
        """
        from ..calibration import holm

        medians = self._level(0.5)
        below = proba.max(axis=1) < medians[np.argmax(proba, axis=1)]
        names = sorted(set(models.tolist()))
        n = np.array([int(np.sum(models == m)) for m in names])
        k = np.array([int(np.sum(below[models == m])) for m in names])
        p = _sign_test(k, n)
        p_holm = holm(p) if len(p) else p
        return {
            m: {
                "n": int(n[i]),
                "below_median": int(k[i]),
                "p": float(p[i]),
                "p_holm": float(p_holm[i]),
                "none_of_these": bool(p_holm[i] < ALPHA),
            }
            for i, m in enumerate(names)
        }
