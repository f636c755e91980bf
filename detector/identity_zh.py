"""Chinese self-identification: the regexes :mod:`detector.identity` adds for Chinese text.

Chinese models describe themselves in a few fixed shapes, which these
patterns cover (``N`` a vendor's model names, ``O`` its organizations, both
Latin or Chinese):

- made by: "我是由深度求索公司开发的智能助手" / "我是由OpenAI开发的ChatGPT" /
  "我由OpenAI训练" -- a first-person "我是(由)" or "我由", the organization and a
  making verb (开发, 研发, 训练, 打造, ...) in one clause, followed by an AI noun
  (模型, 助手, 人工智能, ...) or a model name, or ending the clause;
- an AI noun, then the maker: "我是一个AI助手，由中国的深度求索公司独立开发";
- a name: "我是通义千问" / "我叫Kimi" / "我的名字是ChatGPT", not followed by
  "的" or a word for a person ("我是ChatGPT的用户" is not a claim);
- as an AI of a vendor: "作为一个由Anthropic训练的AI助手，我..." / "作为ChatGPT，我";
- "我的开发者是百度", "OpenAI开发了我", "我是基于OpenAI的GPT模型".

Vendor-free self-reference ("作为一个人工智能语言模型，我" / "我是一个AI助手",
and "我是星河，由星河智能公司开发的AI助手" when the maker is not a known vendor)
is the ``ai_self_reference`` kind.

Not self-identification: third-person statements ("ChatGPT是由OpenAI开发的语言
模型"), negations ("我不是ChatGPT"), "我是说" (I mean), and a person's relation to
a product ("我是ChatGPT的忠实用户", "作为OpenAI的用户，我", "我是在百度开发的项目
里工作"). Clauses end at Chinese or ASCII commas, full stops, exclamation and
question marks, semicolons and line breaks, so a pattern never joins two
clauses except where its shape has the comma.

Latin names inside Chinese text have no word boundary (``由OpenAI开发``: both
neighbours are word characters), so here a Latin name is only required not to
continue with a Latin letter. Every pattern needs a Chinese character, so
text without any is matched exactly as before.
"""

from __future__ import annotations

from .cjk import CJK_CHARS

__all__ = ["ai_self_reference", "cjk_adjacent", "self_id"]

_STOP = "，,。！？!?；;\n"
_CLAUSE = f"[^{_STOP}]"
_MADE = r"(?:独立|自主|联合|共同)?(?:开发|研发|训练|打造|创造|创建|推出|设计|构建|制造|研制)"
_AI_NOUN = (
    r"(?:人工智能助手|AI助手|智能助手|虚拟助手|(?:大型|超大规模)?语言模型|大模型|模型"
    r"|助手|助理|聊天机器人|机器人|智能体|人工智能|AI(?![A-Za-z]))"
)
_ONE = r"(?:一[个名款种位])?"
_NOT_PERSON = r"(?!\s*(?:的|公司|集团|用户|粉丝|员工|研究员|工程师|爱好者|产品))"
_END = r"(?![A-Za-z])"

#: Words of the vendor-free self-reference, one of which every match contains
#: (the keyword search of :mod:`detector.identity`).
AI_REFERENCE_KEYWORDS = ("人工智能", "模型", "助手", "助理", "机器人", "智能体")


def self_id(names: str, orgs: str) -> list[str]:
    """Regexes of Chinese self-identification as a vendor with these names and orgs.

    Parameters
    ----------
    names, orgs : str
        Regex alternations of the vendor's model names and organizations.

    Returns
    -------
    list of str
        Alternatives to join into the vendor's self-id regex.
    """
    n, o = f"(?:{names}){_END}", f"(?:{orgs}){_END}"
    first_person = r"我(?:是(?:由|被)?|由|被)(?!说|指|想|觉得|在)"
    return [
        # 我是由O开发的智能助手 / 我由O训练。
        rf"{first_person}{_CLAUSE}{{0,12}}?{o}{_CLAUSE}{{0,16}}?{_MADE}(?:出来)?"
        rf"(?:(?:的|而成的){_CLAUSE}{{0,12}}?(?:{_AI_NOUN}\s*(?:{n})?|{n})|的?(?=[{_STOP}]|$))",
        # 我是一个AI助手，由O独立开发
        rf"我是{_ONE}{_CLAUSE}{{0,12}}?{_AI_NOUN}{_CLAUSE}{{0,6}}?[，,]\s*(?:我)?(?:是)?由"
        rf"{_CLAUSE}{{0,12}}?{o}{_CLAUSE}{{0,20}}?{_MADE}",
        # 我是通义千问 / 我叫Kimi / 我的名字是ChatGPT
        rf"(?:我(?:是|叫|名叫|的名字(?:是|叫))|我的名字[，,]|叫我)\s*{n}{_NOT_PERSON}",
        # 作为一个由O训练的AI助手，我 / 作为ChatGPT，我
        rf"作为{_ONE}{_CLAUSE}{{0,6}}?(?:由)?{o}{_CLAUSE}{{0,12}}?{_AI_NOUN}"
        rf"{_CLAUSE}{{0,3}}?[，,]\s*我",
        rf"作为{n}[，,]\s*我",
        # 我的开发者是O / O开发了我
        r"我的(?:开发者|创造者|创建者|制造者|开发团队|开发商|训练者|创始团队)(?:是|为|来自)\s*" + o,
        rf"{o}{_CLAUSE}{{0,6}}?(?:开发|训练|创造|打造|研发)了我",
        # 我是基于O的GPT模型 / 我基于ChatGPT
        rf"我(?:是)?基于{o}的?{_CLAUSE}{{0,8}}?(?:{_AI_NOUN}|{n})",
        rf"我(?:是)?基于{n}",
    ]


def ai_self_reference() -> str:
    """Regex of vendor-free Chinese AI self-reference (see the module docstring)."""
    noun = (
        r"(?:(?:大型)?语言模型|(?:人工智能|AI|智能|虚拟)助手|聊天机器人"
        r"|(?:人工智能|AI)(?:语言模型|模型|程序|系统)?(?=[，,。！\s]|我|$))"
    )
    return (
        rf"作为{_ONE}{noun}"
        rf"|我(?:只)?是{_ONE}{noun}"
        # 我是星河，由星河智能公司开发的AI助手 (a maker that is not a known vendor)
        rf"|我(?:是(?:由|被)?|由)(?!说|指|想|觉得|在){_CLAUSE}{{0,16}}?{_MADE}的{_CLAUSE}{{0,4}}?"
        rf"{_AI_NOUN}"
        rf"|我是{_CLAUSE}{{1,12}}?[，,]\s*由{_CLAUSE}{{0,16}}?{_MADE}的{_CLAUSE}{{0,4}}?{_AI_NOUN}"
    )


def cjk_adjacent(latin: str) -> str:
    """Regex of Latin names written next to a CJK character (no word boundary there).

    ``由OpenAI开发`` names OpenAI, but ``\\bOpenAI\\b`` does not match it; this
    matches only where a CJK character touches the name, so English text is
    matched as before.
    """
    return (
        rf"(?<=[{CJK_CHARS}])(?:{latin})(?![A-Za-z])"
        rf"|(?<![A-Za-z0-9])(?:{latin})(?=[{CJK_CHARS}])"
    )
