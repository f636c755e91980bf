"""A synthetic corpus of reasoning models whose traces have habits of their own.

Every model answers the same prompts; some are reasoning models whose outputs
start with a ``<think>`` trace. ``r1-student`` learned its *traces* from
``r1`` (its traces use r1's habits in ``copy`` of the prompts, its own base
habits otherwise) while its answers are written in the style of ``plain``, a
model without traces, so the answers point at ``plain`` and the traces at
``r1``. Used by the reasoning-channel tests and to choose the channel's
features (docs/method.md).
"""

from __future__ import annotations

import random

TOPICS = [
    "3D printing", "beekeeping", "composting", "sleep hygiene", "running", "baking bread",
    "learning a language", "saving money", "public speaking", "houseplants", "cycling to work",
    "writing a novel", "job interviews", "time management", "home workouts", "meal planning",
    "birdwatching", "photography", "chess openings", "camping", "knitting", "gardening",
    "reducing stress", "studying for exams", "remote work", "negotiating salary",
    "caring for a cat", "learning guitar", "first aid", "budget travel",
]  # fmt: skip

# trace habits: opening, connectives, self-checks and closing of each reasoning model
TRACES = {
    "r1": dict(
        open="Okay, so the user is asking about {t}. Let me think about what they really need.",
        steps=[
            "Hmm, maybe I should start with the basics of {t}.",
            "Wait, but they might already know that.",
            "Let me double-check: is that accurate? Yes, I think so.",
            "But wait, I should also mention common mistakes.",
        ],
        close="Okay, I think I have enough. Let me put this together clearly.",
    ),
    "qwq": dict(
        open="Alright, let's tackle this question about {t}.",
        steps=[
            "First, I need to figure out the key points of {t}.",
            "Then, I should order them by importance.",
            "Oh, right! Safety matters too.",
            "Let me see... that covers the essentials.",
        ],
        close="I think that's it. Time to write the answer.",
    ),
    "gemini-thinking": dict(
        open="**Analyzing the Request**\n\nI'm focusing on the core of {t}.",
        steps=[
            "**Structuring the Answer**\n\nI've outlined the main steps for {t}.",
            "I'm now prioritizing practical, actionable advice.",
            "My plan is to group the tips into clear sections.",
            "I've considered the common pitfalls.",
        ],
        close="**Finalizing the Response**\n\nI'm ready to present the tips.",
    ),
    "claude-thinking": dict(
        open="The user wants practical advice on {t}. I should cover the essentials.",
        steps=[
            "Key points to include about {t}:",
            "- getting started",
            "- avoiding mistakes",
            "I'll structure this as a short list with a brief intro.",
        ],
        close="I'll keep it concise and friendly.",
    ),
    "grok": dict(
        open="Got it \u2014 the question is about {t}.",
        steps=[
            "Key considerations for {t}: cost, time, skill.",
            "Next, list the concrete tips.",
            "Also note one thing people often forget.",
            "Keep it punchy.",
        ],
        close="Draft ready.",
    ),
    "magistral": dict(
        open="Let me break down {t} step by step.",
        steps=[
            "Step one: what does a beginner in {t} need?",
            "Step two: what goes wrong most often?",
            "Step three: how to keep going.",
            "Now, verify each step.",
        ],
        close="The reasoning is complete; now the final answer.",
    ),
    "phi-reasoning": dict(
        open="We need to give advice on {t}. The answer should be practical.",
        steps=[
            "We should mention the basics of {t}.",
            "We can add a tip on consistency.",
            "We must not be too long.",
            "We can end with encouragement.",
        ],
        close="Now produce the final answer.",
    ),
}
# answer habits of every model (reasoning or not)
ANSWERS = {
    "r1": ("Great question! Here are some tips on {t}.", "- {f}", "I hope this helps!"),
    "qwq": ("Here's a concise guide to {t}:", "{i}. {f}", "Good luck!"),
    "gemini-thinking": ("## {T}\n\nHere are the essentials.", "* **{f}**", ""),
    "claude-thinking": (
        "Here are some practical suggestions for {t}.",
        "- {f}",
        "Let me know if you'd like more detail.",
    ),
    "grok": ("{T} \u2014 quick tips:", "\u2022 {f}", "That's it!"),
    "magistral": ("# {T}\n\nFollow these steps.", "{i}. {f}.", "Enjoy!"),
    "phi-reasoning": ("Advice on {t}:", "- {f}", "You can do it."),
    "plain": ("Tips for {t}.", "{f}.", ""),
    "atlas": (
        "Certainly! Here are some practical tips on {t}.",
        "- **{f}**",
        "In summary, practice makes perfect.",
    ),
    "borealis": ("Sure thing. {T} in a nutshell:", "{i}) {f}", "Have fun with it."),
}
FACTS = ["start small", "keep notes", "ask for help", "practice every day", "review your progress"]


def _trace(model: str, topic: str, rng: random.Random) -> str:
    habits = TRACES[model]
    steps = rng.sample(habits["steps"], k=3)
    parts = [habits["open"], *steps, habits["close"]]
    return "\n\n".join(p.format(t=topic) for p in parts)


def _answer(model: str, topic: str, rng: random.Random) -> str:
    opener, bullet, closer = ANSWERS[model]
    facts = rng.sample(FACTS, k=4)
    lines = [bullet.format(f=f.capitalize(), i=i + 1) for i, f in enumerate(facts)]
    parts = [opener.format(t=topic, T=topic.capitalize()), "\n".join(lines)]
    return "\n\n".join(p for p in [*parts, closer] if p)


def reasoning_rows(
    n_prompts: int = len(TOPICS), copy: float = 0.7, seed: int = 0, student_base: str = "grok"
) -> list[dict[str, str]]:
    """Records (model, prompt, output) of the corpus; reasoning models' outputs hold a trace.

    ``r1-student`` traces follow r1 in a share ``copy`` of the prompts and
    ``student_base`` otherwise; its answers follow ``plain``.
    """
    rows = []
    models = [*ANSWERS, "r1-student"]
    for k, topic in enumerate(TOPICS[:n_prompts]):
        for model in models:
            rng = random.Random(f"{seed}-{model}-{k}")
            if model == "r1-student":
                teacher = "r1" if rng.random() < copy else student_base
                trace, answer = _trace(teacher, topic, rng), _answer("plain", topic, rng)
            else:
                trace = _trace(model, topic, rng) if model in TRACES else ""
                answer = _answer(model, topic, rng)
            output = f"<think>\n{trace}\n</think>\n\n{answer}" if trace else answer
            rows.append({"model": model, "prompt": f"Give me advice on {topic}.", "output": output})
    return rows
