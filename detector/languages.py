"""Languages of each model's answers, and whether the embedding model fits them.

Language identification uses py3langid (a maintained fork of langid.py,
Lui & Baldwin 2012: a naive Bayes classifier over byte n-grams; 140
language labels in version 0.4, shipped in a 4.6 MB wheel, offline and deterministic). Compared
on 831 texts (144 Chinese answers, 586 English stories and AlpacaEval
answers, 10 other languages x 10): py3langid, lingua-language-detector and
langdetect each got 829 right (the misses were 4-character answers such as
"Test"), but py3langid took 2.5 s where langdetect took 13 s (and is
random unless seeded) and lingua 49 s with a 96 MB wheel.

:func:`model_languages` classifies a deterministic, evenly spread sample of
each model's outputs (:data:`SAMPLE_PER_MODEL`, the first
:data:`TEXT_CHARS` characters, code blocks and URLs removed; texts with
fewer than :data:`MIN_LETTERS` letters are skipped as too short to tell).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = [
    "ENGLISH_ONLY_EMBEDDINGS",
    "MIN_SHARE",
    "SAMPLE_PER_MODEL",
    "detect_language",
    "embedding_warnings",
    "language_name",
    "model_languages",
]

SAMPLE_PER_MODEL = 50
"""Outputs classified per model (evenly spread over its prompts)."""

TEXT_CHARS = 1000
"""Characters of each output given to the classifier."""

MIN_LETTERS = 20
"""Outputs with fewer letters are not classified."""

MIN_SHARE = 0.1
"""A language is listed for a model when at least this share of its classified outputs use it."""

ENGLISH_ONLY_EMBEDDINGS = ("all-minilm", "all-mpnet", "all-distilroberta", "msmarco-")
"""Name fragments of English-only sentence-transformers models (the default is all-MiniLM-L6-v2)."""

MULTILINGUAL_SUGGESTION = "paraphrase-multilingual-MiniLM-L12-v2"

_NAMES = dict(
    af="Afrikaans", am="Amharic", an="Aragonese", ar="Arabic", as_="Assamese", az="Azerbaijani",
    be="Belarusian", bg="Bulgarian", bn="Bengali", br="Breton", bs="Bosnian", ca="Catalan",
    cs="Czech", cy="Welsh", da="Danish", de="German", dz="Dzongkha", el="Greek", en="English",
    eo="Esperanto", es="Spanish", et="Estonian", eu="Basque", fa="Persian", fi="Finnish",
    fo="Faroese", fr="French", ga="Irish", gl="Galician", gu="Gujarati", he="Hebrew",
    hi="Hindi", hr="Croatian", ht="Haitian Creole", hu="Hungarian", hy="Armenian",
    id="Indonesian", is_="Icelandic", it="Italian", ja="Japanese", jv="Javanese",
    ka="Georgian", kk="Kazakh", km="Khmer", kn="Kannada", ko="Korean", ku="Kurdish",
    ky="Kyrgyz", la="Latin", lb="Luxembourgish", lo="Lao", lt="Lithuanian", lv="Latvian",
    mg="Malagasy", mk="Macedonian", ml="Malayalam", mn="Mongolian", mr="Marathi", ms="Malay",
    mt="Maltese", nb="Norwegian", ne="Nepali", nl="Dutch", nn="Norwegian", no="Norwegian",
    oc="Occitan", or_="Odia", pa="Punjabi", pl="Polish", ps="Pashto", pt="Portuguese",
    qu="Quechua", ro="Romanian", ru="Russian", rw="Kinyarwanda", se="Northern Sami",
    si="Sinhala", sk="Slovak", sl="Slovenian", sq="Albanian", sr="Serbian", sv="Swedish",
    sw="Swahili", ta="Tamil", te="Telugu", th="Thai", tl="Tagalog", tr="Turkish", ug="Uyghur",
    uk="Ukrainian", ur="Urdu", vi="Vietnamese", vo="Volapük", wa="Walloon", xh="Xhosa",
    zh="Chinese", zu="Zulu", ace="Acehnese", ary="Moroccan Arabic", arz="Egyptian Arabic",
    ba="Bashkir", bcl="Bikol", crh="Crimean Tatar", ext="Extremaduran", fuv="Fulfulde",
    fy="Frisian", gcf="Guadeloupean Creole", gcr="Guianese Creole", gd="Scottish Gaelic",
    gom="Konkani", grc="Ancient Greek", gug="Guarani", guw="Gun", ha="Hausa",
    hbo="Ancient Hebrew", ig="Igbo", kab="Kabyle", kik="Kikuyu", lg="Ganda", lij="Ligurian",
    ln="Lingala", ltg="Latgalian", my="Burmese", nso="Northern Sotho", om="Oromo",
    pcm="Nigerian Pidgin", sa="Sanskrit", sdh="Southern Kurdish", sn="Shona", so="Somali",
    st="Southern Sotho", tg="Tajik", tk="Turkmen", tt="Tatar", uz="Uzbek", uzs="Uzbek",
    vec="Venetian", wuu="Wu Chinese", yo="Yoruba", yue="Cantonese", zxx="no language",
)  # fmt: skip
LANGUAGE_NAMES = {k.rstrip("_"): v for k, v in _NAMES.items()}
"""Language code (ISO 639-1, or 639-3 where there is none) -> English name, for py3langid's labels."""

_CODE = re.compile(r"```.*?(```|\Z)", re.DOTALL)
_URL = re.compile(r"https?://\S+")
_identifier: Any = None


def language_name(code: str) -> str:
    """English name of an ISO 639-1 code (the code itself when unknown)."""
    return LANGUAGE_NAMES.get(code, code)


def _classifier() -> Any:
    global _identifier
    if _identifier is None:
        import py3langid

        _identifier = py3langid  # its module-level identifier loads the model once
    return _identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when it is too short to tell.

    Deterministic: the same text always gives the same code.
    """
    text = _URL.sub(" ", _CODE.sub(" ", text))[:TEXT_CHARS]
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    return str(_classifier().classify(text)[0])


def model_languages(
    corpus: Corpus, per_model: int = SAMPLE_PER_MODEL
) -> dict[str, dict[str, float]]:
    """Share of each language among a sample of each model's outputs.

    Parameters
    ----------
    corpus : Corpus
    per_model : int
        Outputs classified per model (evenly spread over its prompts).

    Returns
    -------
    dict
        model -> {ISO 639-1 code: share of its classified outputs}, codes
        with a share of at least :data:`MIN_SHARE`, largest first; an empty
        dict for a model with no output long enough to classify.
    """
    result: dict[str, dict[str, float]] = {}
    df = corpus.df.sort_values(["model", "prompt_id", "sample"])
    for model, rows in df.groupby("model", sort=True):
        texts = rows["output"].tolist()
        pick = np.unique(np.linspace(0, len(texts) - 1, min(per_model, len(texts))).round())
        codes = [c for c in (detect_language(texts[int(i)]) for i in pick) if c is not None]
        shares: dict[str, float] = {}
        for code in codes:
            shares[code] = shares.get(code, 0.0) + 1.0 / len(codes)
        ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        result[str(model)] = {c: round(s, 3) for c, s in ranked if s >= MIN_SHARE}
    return result


def embedding_warnings(
    languages: dict[str, dict[str, float]], embedding_model: str | None = None
) -> list[str]:
    """Lines saying which models answer in languages the embedding model does not cover.

    Parameters
    ----------
    languages : dict
        :func:`model_languages` output.
    embedding_model : str, optional
        The sentence-transformers model that will embed the outputs; None
        for the default (all-MiniLM-L6-v2, English-only). Only models known
        to be English-only (:data:`ENGLISH_ONLY_EMBEDDINGS`) are warned about.

    Returns
    -------
    list of str
        One line per language other than English, empty when all fit.
    """
    name = "all-MiniLM-L6-v2" if embedding_model is None else str(embedding_model)
    if not any(fragment in name.lower() for fragment in ENGLISH_ONLY_EMBEDDINGS):
        return []
    by_language: dict[str, list[str]] = {}
    for model, shares in languages.items():
        for code in shares:
            if code != "en":
                by_language.setdefault(code, []).append(model)
    what = "the default embedding model" if embedding_model is None else "the embedding model"
    lines = []
    for code, models in sorted(by_language.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        who = ", ".join(models[:4]) + (f" and {len(models) - 4} more" if len(models) > 4 else "")
        verb = "answers" if len(models) == 1 else "answer"
        lines.append(
            f"{who} {verb} in {language_name(code)}; {what} ({name}) is English-only: pass "
            f"`embedding_model` a multilingual sentence-transformers model (e.g. "
            f"{MULTILINGUAL_SUGGESTION})"
        )
    return lines
