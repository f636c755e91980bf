"""Identity leaks: outputs that say which model wrote them, or name a vendor.

A student trained on a teacher's answers often inherits the teacher's
self-description ("As an AI language model developed by OpenAI, ...").
This module counts three kinds of evidence per output, with compiled regexes:

``self_id``
    The text says it *is* a vendor's model or was made by the vendor:
    "I am ChatGPT", "I'm Claude, an AI assistant created by Anthropic",
    "I am a large language model, trained by Google", "As an AI developed by
    OpenAI, I ...", "I was created by DeepSeek", "You can call me Vicuna",
    "I'm based on OpenAI's GPT-3 model", "my creators at OpenAI",
    "like me (Qwen)". A first-person subject is required, and a made-by
    clause must hang off an AI noun ("model", "assistant", "AI", ...), so
    "TensorFlow is a library developed by Google" and "ChatGPT is a language
    model developed by OpenAI" are not self-identification. Negations ("I am
    not ChatGPT") and articles ("I'm a Gemini", the zodiac sign) do not match.
``mention``
    The vendor or one of its models is named in any other way, outside that
    vendor's own self-id statements. Organization names count in every sense
    ("Google Maps", "Microsoft Excel", "Alibaba or AliExpress"): a mention is
    weak evidence by design. The exception is Stanford, which counts only as
    "Stanford Alpaca/CRFM/HAI/NLP" (on the dev corpus all 122 bare "Stanford"
    were the university in founders' biographies). Ambiguous names are
    matched only where they cannot be ordinary words: "Yi" only in self-id, "Llama" only with a
    version ("Llama 2") or as "LLaMA", "Claude" not before another capitalized
    name ("Claude Monet"), "Bard" not after "a"/"the", "Gemini" only with a
    model suffix, "Phi" only as "Phi-2", "Command" only as "Command R",
    lowercase "davinci" only.
``ai_self_reference``
    A vendor-free "as an AI language model" / "I'm an AI assistant".

Chinese self-identification ("我是由OpenAI开发的ChatGPT", "我是一个AI助手，由深度求索
公司开发") and Chinese vendors (Baidu, Zhipu, Moonshot, ByteDance, Tencent,
iFlytek, Baichuan, and the Chinese names of the others) are matched by the
patterns of :mod:`detector.identity_zh`, which need a Chinese character, so
English text is matched as before.

:class:`IdentityLeaks` turns texts into counts (a scikit-learn transformer);
:func:`find_leaks` lists matches with quoted excerpts for a person to check;
:func:`leak_table` counts outputs per model and vendor.

Findings on the AlpacaEval dev corpus (42 models x 805 prompts; the table
and more in ``docs/identity.md``; all 98 self-id statements were read):

1. Self-identification is rare and, for API models, truthful: claude,
   claude-2, claude-instant-1.2 in 19/17/16 outputs ("I'm an AI assistant
   created by Anthropic"); gpt4_0613 (+ concise/verbose) and
   gpt4_1106_preview in 3-5 ("As an AI developed by OpenAI"); gemini-pro,
   DeepSeek, Qwen and Yi name their own vendor once or twice.
2. Of the nine distilled students only OpenHermes-2.5-Mistral-7B ("I'm a
   large language model trained by OpenAI") and vicuna-13b ("You can call me
   Vicuna") self-identify, once each. No leak is the normal case on benign
   prompts and says nothing about independence.
3. Wrong-vendor claims: mistral-medium "I am also a model from OpenAI",
   Meta-Llama-3-8B-Instruct "I'm ChatGPT!", Mixtral-8x7B "trained by the same
   company, Anthropic", Mistral-7B-Instruct-v0.2 "my name is Bing".
4. Third-person vendor confusion stays a mention: vicuna-13b says ChatGPT was
   "developed by ... (LMSYS)", deepseek "by DeepSeek", gemini-pro "by Google".
5. Mentions are mostly prompted (95% of OpenAI mentions: the prompt names
   ChatGPT) or products (Google 537 outputs, Microsoft 253);
   :func:`find_leaks` flags ``prompted`` ones. "As an AI language model" is
   most frequent in ChatGPT-era models (wizardlm-13b 32 outputs, openchat 30,
   gpt4_0613 28) and absent from text-davinci-001/003.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from . import identity_zh
from .errors import ProvenanceError

__all__ = ["KINDS", "VENDORS", "IdentityLeaks", "find_leaks", "leak_table"]

KINDS = ("self_id", "mention", "ai_self_reference")


@dataclass(frozen=True)
class Vendor:
    """Regex pieces for one vendor.

    Attributes
    ----------
    names : str
        Model (or vendor) names a model may call itself: "I am <names>".
    orgs : str
        Organizations that make models: "developed by <orgs>".
    mention : str
        Any naming of the vendor or its models (word boundaries included).
    keywords : tuple of str
        Literal strings one of which every match of the three patterns
        contains (case-sensitive; lowercase ones are matched
        case-insensitively). Only text near them is searched.
    zh_names, zh_orgs : str
        Further names and organizations (Chinese ones) for the Chinese
        self-identification patterns (:mod:`detector.identity_zh`), which use
        ``names`` and ``orgs`` too.
    zh_mention : str
        Further mentions in Chinese text.
    latin : str
        Latin names that count as mentions when written next to a CJK
        character, where ``mention``'s word boundaries fail (``由OpenAI开发``).
    """

    names: str
    orgs: str
    mention: str
    keywords: tuple[str, ...]
    zh_names: str = ""
    zh_orgs: str = ""
    zh_mention: str = ""
    latin: str = ""


_CLAUDE = r"(?<![\w-])Claude(?![\w-]|\s+(?!Instant\b|\d)[A-Z][a-z])"
VENDORS: dict[str, Vendor] = {
    "openai": Vendor(
        names=r"ChatGPT|GPT-?[34](?:\.5)?(?:[- ][Tt]urbo)?|InstructGPT|(?:text-)?davinci|OpenAI",
        orgs=r"OpenAI",
        mention=r"\bOpenAI\b|\bChatGPT\b|\bGPT(?:-?[1-4](?:\.5)?)?s?\b|\bInstructGPT\b"
        r"|(?<![\w-])(?:text-)?davinci\b",
        keywords=("OpenAI", "GPT", "davinci"),
        latin=r"OpenAI|ChatGPT|GPT(?:-?[1-4](?:\.5)?)?s?|InstructGPT",
    ),
    "anthropic": Vendor(
        names=_CLAUDE + r"|Anthropic",
        orgs=r"Anthropic",
        mention=r"\bAnthropic\b|" + _CLAUDE,
        keywords=("Claude", "Anthropic"),
        zh_names=r"Claude",  # _CLAUDE's boundaries fail next to a Chinese character
        latin=r"Anthropic|Claude",
    ),
    "google": Vendor(
        names=r"Gemini|Bard|PaLM(?:\s?2)?|LaMDA|Google(?:\s+(?:Assistant|AI|Bard|Gemini))?",
        orgs=r"Google(?:\s+(?:DeepMind|AI|Research|Brain))?|DeepMind",
        mention=r"\bGoogle\b|\bDeepMind\b|\bGemini(?=[\s-]+(?:Pro|Ultra|Nano|Advanced|\d))"
        r"|(?<![Aa]\s)(?<![Tt]he\s)\bBard\b(?!\s+of\b)|\bPaLM\b|\bLaMDA\b",
        keywords=("Gemini", "Bard", "PaLM", "LaMDA", "Google", "DeepMind", "谷歌"),
        zh_orgs=r"谷歌(?:DeepMind|公司)?",
        zh_mention=r"谷歌",
        latin=r"Google|DeepMind|Gemini|Bard|PaLM|LaMDA",
    ),
    "meta": Vendor(
        names=r"LLaMA[\w.-]*|LLAMA[\w.-]*|Llama(?:[\s-]?\d[\w.]*)?|Meta\s+AI",
        orgs=r"Meta(?:\s+(?:AI|Platforms))?|Facebook(?:\s+AI(?:\s+Research)?)?",
        mention=r"\bLLaMA\b|\bLLAMA\b|\bLlama[\s-]?\d|\bMeta\s+(?:AI|Platforms|Llama)\b"
        r"|\bFacebook\s+AI\b",
        keywords=("LLaMA", "LLAMA", "Llama", "Meta", "Facebook", "脸书"),
        zh_orgs=r"脸书",
        zh_mention=r"脸书",
        latin=r"LLaMA|LLAMA|Llama[\s-]?\d[\w.]*",
    ),
    "mistral": Vendor(
        names=r"Mistral(?:\s+AI)?|Mixtral",
        orgs=r"Mistral(?:\s+AI)?",
        mention=r"\bMistral\b|\bMixtral\b",
        keywords=("Mistral", "Mixtral"),
        latin=r"Mistral|Mixtral",
    ),
    "deepseek": Vendor(
        names=r"(?i:deepseek)",
        orgs=r"(?i:deepseek)(?:\s+(?:AI|company))?",
        mention=r"(?i:\bdeepseek\b)",
        keywords=("deepseek", "深度求索"),
        zh_names=r"深度求索",
        zh_orgs=r"(?:杭州)?深度求索(?:人工智能基础技术研究有限公司|公司)?",
        zh_mention=r"深度求索",
        latin=r"(?i:deepseek)",
    ),
    "alibaba": Vendor(
        names=r"Qwen[\w.-]*|Tongyi(?:\s+Qianwen)?|通义千问",
        orgs=r"Alibaba(?:\s+(?:Cloud|Group))?|Tongyi\s+Lab",
        mention=r"\bQwen[\w.-]*|\bTongyi\b|\bAlibaba\b|通义千问",
        keywords=("Qwen", "Tongyi", "Alibaba", "通义", "千问", "阿里", "达摩院"),
        zh_names=r"通义千问|通义|千问",
        zh_orgs=r"阿里巴巴(?:集团)?|阿里云|阿里|通义实验室|达摩院",
        zh_mention=r"阿里巴巴|阿里云|通义实验室|通义大模型|达摩院",
        latin=r"Qwen[\w.-]*|Tongyi|Alibaba",
    ),
    "01ai": Vendor(
        names=r"Yi(?![\w-])",
        orgs=r"01\.AI|01-AI|01AI|零一万物",
        mention=r"\b01\.AI\b|\b01-AI\b|零一万物",
        keywords=("Yi", "01.AI", "01-AI", "01AI", "零一万物"),
    ),
    "microsoft": Vendor(
        names=r"Phi(?:-\d[\w.-]*)?|Bing(?:\s+Chat)?|(?:Microsoft\s+)?Copilot|Microsoft",
        orgs=r"Microsoft(?:\s+Research)?",
        mention=r"\bMicrosoft\b|\bBing\b|\bCopilot\b|\bPhi-\d",
        keywords=("Phi", "Bing", "Copilot", "Microsoft", "微软", "必应"),
        zh_names=r"必应",
        zh_orgs=r"微软(?:公司|研究院)?",
        zh_mention=r"微软|必应",
        latin=r"Microsoft|Bing|Copilot",
    ),
    "cohere": Vendor(
        names=r"Command(?:[\s-]R\+?)?|Coral|Cohere",
        orgs=r"Cohere(?:\s+(?:AI|For\s+AI))?",
        mention=r"\bCohere\b|\bCommand[\s-]R\b",
        keywords=("Command", "Coral", "Cohere"),
    ),
    "databricks": Vendor(
        names=r"DBRX|Dolly",
        orgs=r"Databricks|MosaicML|Mosaic",
        mention=r"\bDBRX\b|\bDatabricks\b|\bDolly\s+(?:v?2|2\.0)\b",
        keywords=("DBRX", "Dolly", "Databricks", "Mosaic"),
    ),
    "lmsys": Vendor(
        names=r"Vicuna",
        orgs=r"LMSYS",
        mention=r"\bVicuna\b|\bLMSYS\b|\bChatbot\s+Arena\b",
        keywords=("Vicuna", "LMSYS", "Chatbot"),
    ),
    "stanford": Vendor(
        names=r"Alpaca",
        orgs=r"Stanford(?:\s+(?:University|CRFM))?",
        mention=r"\bStanford[\s-]+(?:Alpaca|CRFM|HAI|NLP)\b"
        r"|\bAlpaca(?=[\s-]+(?:7B|13B|model|LoRA|dataset))",
        keywords=("Alpaca", "Stanford"),
    ),
    "openassistant": Vendor(
        names=r"Open[\s-]?Assistant|OASST\w*",
        orgs=r"LAION|Open[\s-]?Assistant",
        mention=r"\bOpen[\s-]?Assistant\b|\bLAION\b|\bOASST\w*",
        keywords=("Assistant", "OASST", "LAION"),
    ),
    "baidu": Vendor(
        names=r"ERNIE(?:[\s-]?Bot)?|文心一言|文心大模型",
        orgs=r"Baidu|百度(?:公司)?",
        mention=r"\bBaidu\b|\bERNIE[\s-]?(?:Bot|\d)|百度|文心一言|文心大模型",
        keywords=("ERNIE", "Baidu", "百度", "文心"),
        zh_names=r"文心",
        latin=r"Baidu|ERNIE",
    ),
    "zhipu": Vendor(
        names=r"ChatGLM[\w.-]*|GLM-?\d[\w.-]*|智谱清言",
        orgs=r"Zhipu(?:\s+AI)?|智谱(?:\s?AI|华章)?(?:公司)?",
        mention=r"\bZhipu\b|\bChatGLM[\w.-]*|\bGLM-\d[\w.-]*|智谱",
        keywords=("GLM", "Zhipu", "智谱"),
        latin=r"Zhipu|ChatGLM[\w.-]*|GLM-?\d[\w.-]*",
    ),
    "moonshot": Vendor(
        names=r"Kimi",
        orgs=r"Moonshot(?:\s+AI)?|月之暗面(?:科技)?(?:公司)?",
        mention=r"\bMoonshot\s+AI\b|(?<!《)月之暗面(?!》)"
        r"|(?<![A-Za-z])Kimi(?=\s*(?:AI\b|Chat\b|智能助手|助手|大模型|-?k\d))",
        keywords=("Kimi", "Moonshot", "月之暗面"),
    ),
    "bytedance": Vendor(
        names=r"豆包|Doubao",
        orgs=r"ByteDance|字节跳动(?:公司)?|字节",
        mention=r"\bByteDance\b|字节跳动|\bDoubao\b|豆包大模型",
        keywords=("豆包", "Doubao", "ByteDance", "字节"),
        latin=r"ByteDance|Doubao",
    ),
    "tencent": Vendor(
        names=r"腾讯混元|混元|Hunyuan",
        orgs=r"Tencent|腾讯(?:公司)?",
        mention=r"\bTencent\b|腾讯|\bHunyuan\b",
        keywords=("混元", "Hunyuan", "Tencent", "腾讯"),
        latin=r"Tencent|Hunyuan",
    ),
    "iflytek": Vendor(
        names=r"讯飞星火(?:认知大模型)?|星火认知大模型|星火大模型",
        orgs=r"iFlytek|iFLYTEK|科大讯飞(?:公司)?|讯飞",
        mention=r"\biFlytek\b|\biFLYTEK\b|讯飞",
        keywords=("星火", "iFlytek", "iFLYTEK", "讯飞"),
        latin=r"iFlytek|iFLYTEK",
    ),
    "baichuan": Vendor(
        names=r"Baichuan[\w.-]*|百川大模型|百川",
        orgs=r"百川智能(?:公司)?|Baichuan(?:\s+(?:AI|Inc\.?))?",
        mention=r"\bBaichuan[\w.-]*|百川智能|百川大模型",
        keywords=("Baichuan", "百川"),
        latin=r"Baichuan[\w.-]*",
    ),
}

# ------------------------------------------------------------- patterns
_MADE = (
    r"(?:developed|created|made|trained|built|designed|programmed|engineered|"
    r"fine-tuned|finetuned|released|produced|owned|maintained|powered)"
)
_AI_NOUN = (
    r"(?:AI|A\.I\.|(?i:assistant|model|chatbot|bot|LLM|system|program|agent|intelligence|entity))s?"
)
_ADVERB = r"(?:(?:just|only|simply|merely|actually|also|indeed|really|originally|primarily)\s+)?"
# "I am (Alex, )a large language model" / "we are both language models" / "As an AI"
_I_AM_NP = (
    rf"\b(?:I\s+am|I'm|I\s+was)\s+{_ADVERB}(?:[A-Z][\w.-]*,\s+)?(?:an?|the|one)\s+"
    rf"(?:[\w-]+\s+){{0,4}}?{_AI_NOUN}"
)
_WE_ARE_NP = rf"\b[Ww]e\s+are\s+(?:both|all)\s+(?:[\w-]+\s+){{0,3}}?{_AI_NOUN}"
_AS_NP = rf"\b[Aa]s\s+(?:an?|the)\s+(?:[\w-]+\s+){{0,4}}?{_AI_NOUN}"
# the clause after "As an AI developed by X" has a first-person subject: ", I ..."
_FIRST_PERSON_AHEAD = r"(?=[^.!?\n]{0,80}?,\s+(?:I|my|I'm|I've|I'd|I'll)\b)"
_I_AM = r"\b(?:I\s+am|I'm)\s+"


def _by(orgs: str) -> str:
    """Regex for 'developed by (the team at) ORG' or 'from ORG'."""
    return (
        rf",?\s+(?:(?:that|which|who)\s+(?:was|is|has\s+been)\s+)?{_ADVERB}"
        rf"(?:{_MADE}(?:\s+and\s+\w+)?\s+by\s+(?:the\s+)?"
        r"(?:(?:team|researchers|engineers|folks|people|scientists|developers)"
        r"\s+(?:at|from|of)\s+)?"
        r"(?:(?:same\s+)?(?:company|organization|team),?\s+)?"
        rf"|(?:from|of)\s+)(?:{orgs})(?![\w-])"
    )


def _self_id_pattern(v: Vendor) -> str:
    names, orgs = v.names, v.orgs
    zh_names = names + (f"|{v.zh_names}" if v.zh_names else "")
    zh_orgs = orgs + (f"|{v.zh_orgs}" if v.zh_orgs else "")
    parts = [
        # I am a large language model trained by ORG / we are both models from ORG
        _I_AM_NP + _by(orgs),
        _WE_ARE_NP + _by(orgs),
        # As an AI developed by ORG, I ...
        _AS_NP + _by(orgs) + _FIRST_PERSON_AHEAD,
        # I was created by ORG / I have been trained by ORG
        rf"\bI\s+(?:was|am|'m|have\s+been|'ve\s+been)\s+{_ADVERB}{_MADE}(?:\s+and\s+\w+)?"
        rf"\s+by\s+(?:the\s+)?(?:(?:team|researchers|engineers)\s+(?:at|from)\s+)?(?:{orgs})"
        r"(?![\w-])",
        # I am an OpenAI language model
        rf"{_I_AM}(?:an?|the)\s+(?:[\w-]+\s+)?(?:{orgs})(?:'s)?\s+(?:[\w-]+\s+){{0,2}}?{_AI_NOUN}",
        # I'm based on OpenAI's GPT-3 model / I am powered by ChatGPT
        rf"{_I_AM}{_ADVERB}(?:based\s+on|powered\s+by|built\s+on|running\s+on|derived\s+from|"
        rf"(?:a\s+)?(?:version|variant)\s+of|fine-tuned\s+from)\s+(?:the\s+|an?\s+)?"
        rf"(?:(?:{orgs})'s\s+[\w.-]+|(?:{names})(?![\w-]))",
        # my creators at ORG / ORG created me
        r"\b[Mm]y\s+(?:creators?|developers?|makers?|programmers?|designers?|trainers?|"
        rf"parent\s+company|training\s+team)\s+(?:at\s+|from\s+|,\s+|are\s+|is\s+)?(?:{orgs})"
        r"(?![\w-])",
        rf"(?<![\w-])(?:{orgs})\s+(?:\w+\s+){{0,2}}?(?:created|developed|trained|made|built|"
        r"designed|programmed)\s+me\b",
        # I am ChatGPT / my (full) name is Claude / call me Vicuna / I'm called Bard /
        # Ich bin Open Assistant
        rf"(?:{_I_AM}(?:(?:called|named|known\s+as)\s+)?"
        r"|\b[Mm]y\s+(?:full\s+|real\s+|official\s+)?name(?:\s+is|,)\s+|\bcall\s+me\s+"
        r"|\bI\s+go\s+by\s+|\b(?:Ich\s+bin|Je\s+suis|Yo\s+soy|Soy|Sono|Eu\s+sou)\s+)"
        rf"(?:{names})(?![\w-])"
        # ... optionally followed by "(, an AI assistant) made by ORG"
        rf"(?:(?:,?\s+(?:an?|the)\s+(?:[\w-]+\s+){{0,4}}?{_AI_NOUN})?{_by(orgs)})?",
        # This response is generated by Mistral AI
        r"\b[Tt]his\s+(?:response|answer|reply|text|content|message)\s+(?:is|was|has\s+been)\s+"
        rf"(?:\w+\s+)?(?:generated|written|produced|created)\s+(?:by|with|using)\s+(?:the\s+)?"
        rf"(?:{names}|{orgs})(?![\w-])",
        # like me (Qwen) / Me (Mistral AI's model)
        rf"\b(?:[Mm]e|myself)\s+\((?:{names}|{orgs})",
        # As ChatGPT, I ...
        rf"\bAs\s+(?:{names}),\s+(?:I|my)\b",
        # in Chinese (detector.identity_zh): each needs a Chinese character
        *identity_zh.self_id(zh_names, zh_orgs),
    ]
    return "|".join(f"(?:{p})" for p in parts)


def _mention_pattern(v: Vendor) -> str:
    """The vendor's mentions: ``mention``, Latin names next to CJK text, Chinese mentions."""
    parts = [v.mention]
    if v.latin:
        parts.append(identity_zh.cjk_adjacent(v.latin))
    if v.zh_mention:
        parts.append(v.zh_mention)
    return "|".join(parts)


_AI_SELF_REFERENCE = (
    r"\b[Aa]s\s+an?\s+(?:AI\b(?:[\s-]+(?:language\s+model|model|assistant|chatbot|system|program|"
    r"bot))?|(?i:(?:large\s+)?language\s+model|artificial\s+intelligence(?:\s+(?:language\s+"
    r"model|model|assistant|program|system))?|(?:virtual|digital)\s+assistant|chatbot)\b)"
    r"|\bI(?:'m|\s+am)\s+(?:(?:just|only|simply|merely|actually)\s+)?an?\s+"
    r"(?:AI\b|(?i:(?:large\s+)?language\s+model|artificial\s+intelligence|chatbot|"
    r"(?:virtual|digital)\s+assistant)\b)"
)

_SELF = {k: re.compile(_self_id_pattern(v)) for k, v in VENDORS.items()}
_MENTION = {k: re.compile(_mention_pattern(v)) for k, v in VENDORS.items()}
# the vendor named at all (whether a prompt names the vendor)
_NAMED = {
    k: re.compile(
        rf"(?<![\w-])(?:{v.names}|{v.orgs})(?![\w-])|{_mention_pattern(v)}"
        + (f"|{v.zh_names}" if v.zh_names else "")
        + (f"|{v.zh_orgs}" if v.zh_orgs else "")
    )
    for k, v in VENDORS.items()
}
_AI_REF = re.compile(_AI_SELF_REFERENCE + "|" + identity_zh.ai_self_reference())
_AI_REF_KEYWORDS = (
    "AI",
    "language",
    "artificial",
    "assistant",
    "chatbot",
    *identity_zh.AI_REFERENCE_KEYWORDS,
)
# a match may start this far before and end this far after its keyword
_BEFORE, _AFTER = 320, 160


# ------------------------------------------------------------- matching
def _texts(data: Any) -> pd.Series:
    if hasattr(data, "df") and isinstance(data.df, pd.DataFrame):
        data = data.df
    if isinstance(data, pd.DataFrame):
        if "output" not in data.columns:
            raise ProvenanceError("identity: the table needs an 'output' column")
        data = data["output"]
    if isinstance(data, str):
        raise ProvenanceError("identity: give a list of texts, not one string")
    return pd.Series(list(data), dtype=object).fillna("").astype(str)


class _Keywords:
    """Positions of literal keywords in all texts at once (one joined string)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.big = "\x00".join(texts)
        lower = self.big.lower()
        self.lower = lower if len(lower) == len(self.big) else None
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        self.offsets = np.concatenate([[0], np.cumsum(lengths)])

    def find(self, keywords: Iterable[str]) -> dict[int, list[tuple[int, int]]]:
        """Text index -> (start, end) of every keyword occurrence in it."""
        starts, ends = [], []
        for kw in keywords:
            folded = kw == kw.lower()
            if folded and self.lower is not None:
                hay, rx = self.lower, re.compile(re.escape(kw))
            else:
                hay, rx = self.big, re.compile(re.escape(kw), re.I if folded else 0)
            for m in rx.finditer(hay):
                starts.append(m.start())
                ends.append(m.end())
        if not starts:
            return {}
        pos, end = np.asarray(starts), np.asarray(ends)
        row = np.searchsorted(self.offsets, pos, side="right") - 1
        local, local_end = pos - self.offsets[row], end - self.offsets[row]
        out: dict[int, list[tuple[int, int]]] = {}
        for r, a, b in zip(row.tolist(), local.tolist(), local_end.tolist(), strict=True):
            out.setdefault(r, []).append((a, b))
        return out


def _windows(spans: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Merged search windows around keyword spans, within a text of length n."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        lo, hi = max(a - _BEFORE, 0), min(b + _AFTER, n)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _finditer(
    rx: re.Pattern[str], text: str, windows: list[tuple[int, int]] | None
) -> Iterator[re.Match[str]]:
    if windows is None:
        yield from rx.finditer(text)
        return
    last = -1
    for lo, hi in windows:
        for m in rx.finditer(text, lo, hi):
            if m.start() >= last:
                last = m.end()
                yield m


def _scan(texts: pd.Series, kinds: Iterable[str] = KINDS, fast: bool = True) -> pd.DataFrame:
    """Every match in ``texts``.

    With ``fast`` (the default) regexes run only in windows around literal
    keywords found in one pass over all texts; ``fast=False`` runs them on
    every full text (the reference the tests compare against).

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position in ``texts``), ``vendor`` ("" for
        ai_self_reference), ``kind``, ``start``, ``end``, ``match``.
    """
    kinds = set(kinds)
    values = texts.tolist()
    keys = _Keywords(values) if fast else None
    every: dict[int, list[tuple[int, int]] | None] = {r: None for r in range(len(values))}

    def places(keywords: Iterable[str]) -> dict[int, list[tuple[int, int]] | None]:
        if keys is None:
            return every
        return {r: _windows(sp, len(values[r])) for r, sp in keys.find(keywords).items()}

    rows: list[tuple[int, str, str, int, int, str]] = []
    if kinds & {"self_id", "mention"}:
        for vendor, spec in VENDORS.items():
            for row, windows in places(spec.keywords).items():
                text = values[row]
                spans = [m.span() for m in _finditer(_SELF[vendor], text, windows)]
                if "self_id" in kinds:
                    rows += [(row, vendor, "self_id", a, b, text[a:b]) for a, b in spans]
                if "mention" in kinds:
                    for m in _finditer(_MENTION[vendor], text, windows):
                        a, b = m.span()
                        if not any(a < e and s < b for s, e in spans):
                            rows.append((row, vendor, "mention", a, b, text[a:b]))
    if "ai_self_reference" in kinds:
        for row, windows in places(_AI_REF_KEYWORDS).items():
            text = values[row]
            rows += [
                (row, "", "ai_self_reference", m.start(), m.end(), m.group())
                for m in _finditer(_AI_REF, text, windows)
            ]
    out = pd.DataFrame(rows, columns=["row", "vendor", "kind", "start", "end", "match"])
    out = out.astype({"row": np.int64, "start": np.int64, "end": np.int64})
    return out.sort_values(["row", "start", "kind", "vendor"], kind="stable").reset_index(drop=True)


class IdentityLeaks(TransformerMixin, BaseEstimator):
    """Count self-identifications, vendor mentions and AI self-references per text.

    Stateless: :meth:`fit` only records the feature names.

    Parameters
    ----------
    vendors : sequence of str or None
        Vendors to count (keys of :data:`VENDORS`); all when None.
    """

    def __init__(self, vendors: Sequence[str] | None = None) -> None:
        self.vendors = vendors

    def _vendor_list(self) -> list[str]:
        names = list(VENDORS) if self.vendors is None else list(self.vendors)
        unknown = [v for v in names if v not in VENDORS]
        if unknown:
            raise ProvenanceError(
                f"unknown vendor(s) {', '.join(map(repr, unknown))}; known: {', '.join(VENDORS)}"
            )
        return names

    def fit(self, X: Any = None, y: Any = None) -> IdentityLeaks:
        """Record the feature names; returns self."""
        self.vendors_ = self._vendor_list()
        self.n_features_out_ = 2 * len(self.vendors_) + 1
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Counts of each kind of leak in each text.

        Parameters
        ----------
        X : sequence of str, pandas.Series, pandas.DataFrame or Corpus
            Texts (a table's ``output`` column).

        Returns
        -------
        ndarray of int64, shape (n_texts, 2 * n_vendors + 1)
            Columns: ``self_id`` per vendor, ``mention`` per vendor, then
            ``ai_self_reference``; see :meth:`get_feature_names_out`.
        """
        vendors = self._vendor_list()
        texts = _texts(X)
        hits = _scan(texts)
        col = {("self_id", v): i for i, v in enumerate(vendors)}
        col |= {("mention", v): len(vendors) + i for i, v in enumerate(vendors)}
        col[("ai_self_reference", "")] = 2 * len(vendors)
        out = np.zeros((len(texts), 2 * len(vendors) + 1), dtype=np.int64)
        keys = list(zip(hits["kind"], hits["vendor"], strict=True))
        idx = np.array([col.get(k, -1) for k in keys], dtype=np.int64)
        ok = idx >= 0
        np.add.at(out, (hits["row"].to_numpy()[ok], idx[ok]), 1)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``self_id:<vendor>``, ``mention:<vendor>``, ``ai_self_reference``."""
        vendors = self._vendor_list()
        names = [f"self_id:{v}" for v in vendors] + [f"mention:{v}" for v in vendors]
        return np.asarray(names + ["ai_self_reference"], dtype=object)


# ------------------------------------------------------------- reports
def _frame(df: Any) -> pd.DataFrame:
    if hasattr(df, "df") and isinstance(df.df, pd.DataFrame):
        df = df.df
    if not isinstance(df, pd.DataFrame):
        raise ProvenanceError(f"expected a Corpus or a DataFrame, got {type(df).__name__}")
    missing = [c for c in ("model", "output") if c not in df.columns]
    if missing:
        raise ProvenanceError(f"identity: the table needs column(s) {', '.join(missing)}")
    return df.reset_index(drop=True)


def _excerpt(text: str, start: int, end: int, width: int = 200) -> str:
    """~``width`` characters around text[start:end], on one line, quoted."""
    pad = max((width - (end - start)) // 2, 20)
    a, b = max(start - pad, 0), min(end + pad, len(text))
    body = " ".join(text[a:b].split())
    return f'"{"..." if a > 0 else ""}{body}{"..." if b < len(text) else ""}"'


def find_leaks(df: Any, kinds: Iterable[str] = ("self_id",), width: int = 200) -> pd.DataFrame:
    """Every leak of the given kinds, with a quoted excerpt for a person to check.

    Parameters
    ----------
    df : Corpus or pandas.DataFrame
        Columns ``model`` and ``output``; ``prompt_id`` and ``prompt`` when
        present.
    kinds : iterable of str
        Subset of :data:`KINDS`.
    width : int
        Approximate excerpt length in characters.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``prompt_id``, ``vendor``, ``kind``, ``match``
        (the matched text), ``excerpt`` (quoted, whitespace collapsed,
        "..." where cut) and ``prompted`` (True when the prompt itself names
        the same vendor, so the output may only echo it), sorted by model,
        vendor, kind.
    """
    kinds = list(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ProvenanceError(f"unknown kind(s) {', '.join(bad)}; use {', '.join(KINDS)}")
    frame = _frame(df)
    texts = _texts(frame)
    hits = _scan(texts, kinds)
    cols = ["model", "prompt_id", "vendor", "kind", "match", "excerpt", "prompted"]
    if hits.empty:
        return pd.DataFrame(columns=cols)
    rows = hits["row"].to_numpy()
    excerpts = [
        _excerpt(texts.iat[r], s, e, width)
        for r, s, e in zip(rows, hits["start"], hits["end"], strict=True)
    ]
    prompts = frame["prompt"].astype(str).to_numpy() if "prompt" in frame else None
    prompted = [
        bool(prompts is not None and v and _NAMED[v].search(prompts[r]))
        for r, v in zip(rows, hits["vendor"], strict=True)
    ]
    pid = frame["prompt_id"].to_numpy() if "prompt_id" in frame else rows
    out = pd.DataFrame(
        {
            "model": frame["model"].to_numpy()[rows],
            "prompt_id": pid[rows],
            "vendor": hits["vendor"].to_numpy(),
            "kind": hits["kind"].to_numpy(),
            "match": hits["match"].to_numpy(),
            "excerpt": excerpts,
            "prompted": prompted,
        }
    )
    return out.sort_values(["model", "vendor", "kind"], kind="stable").reset_index(drop=True)


def leak_table(df: Any, kinds: Iterable[str] = ("self_id", "mention")) -> pd.DataFrame:
    """Number of outputs of each model with at least one leak, per kind and vendor.

    Parameters
    ----------
    df : Corpus or pandas.DataFrame
        Columns ``model`` and ``output``.
    kinds : iterable of str
        ``"self_id"`` and/or ``"mention"`` (and ``"ai_self_reference"``,
        which has the vendor ``"any"``).

    Returns
    -------
    pandas.DataFrame
        Index: every model (sorted); columns: MultiIndex (kind, vendor) over
        the kinds asked and every vendor; values: outputs (not matches) with
        at least one such leak. An output with three "As an AI developed by
        OpenAI" counts once.
    """
    kinds = list(kinds)
    frame = _frame(df)
    hits = _scan(_texts(frame), kinds)
    hits["model"] = frame["model"].to_numpy()[hits["row"].to_numpy()]
    hits.loc[hits["kind"] == "ai_self_reference", "vendor"] = "any"
    per_output = hits.drop_duplicates(["row", "kind", "vendor"])
    table = per_output.groupby(["model", "kind", "vendor"]).size().unstack(["kind", "vendor"])
    columns = pd.MultiIndex.from_tuples(
        [(k, v) for k in kinds for v in (["any"] if k == "ai_self_reference" else VENDORS)],
        names=["kind", "vendor"],
    )
    models = sorted(frame["model"].astype(str).unique())
    return table.reindex(index=models, columns=columns).fillna(0).astype(np.int64)
