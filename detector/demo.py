"""Synthetic demo corpus with a known lineage, made by a seeded generator.

The corpus in ``data/demo/`` is written by this module and nothing else:
``python -m detector.demo`` regenerates ``outputs.jsonl`` and ``lineage.csv``
byte for byte (``--check`` verifies the committed copy instead).

How the text is made
--------------------
Every prompt is about one topic (or asks the model who it is). A topic comes
with its own vocabulary -- a definition, terms, facts, tips, pros and cons --
and every model answers from that same material, following a shared
:class:`Plan` of what to say in which order (with some departures), so all
answers to a prompt share the topic signal that a detector must remove before
comparing models.

Each model is a :class:`Style`: a small text generator with its own habits --
preferred synonyms for a fixed set of slots ("delve into" / "look at" /
"examine", "crucial" / "vital" / "essential", "in summary" / "all in all"),
openers ("Certainly!"), closers ("I hope this helps!"), markdown (headings,
bullets, bold leads), answer length, punctuation (em dashes, semicolons,
exclamations, parentheses), transition words, pet phrases ("It's worth noting
that") and the line it uses to say who it is.

The distillation step is real in the only sense a synthetic corpus allows: a
student never sees its teacher's :class:`Style`. The teacher answers a
separate set of training prompts (other topics, other identity questions;
none of them is in the corpus), and :func:`fit_style` estimates the student's
habits from that text alone, by counting (synonym frequencies, opener and
closer frequencies, markdown rates, sentence counts, punctuation and pet-phrase
rates, the self-identification line it saw). The estimate is then mixed 70/30
with the habits of the student's base model. The human-data control is made the
same way from answers in a plain, human-like style that no model in the corpus
has.

Only ``numpy.random.default_rng`` supplies randomness, seeded per (model,
prompt), so the output does not depend on generation order or on ``hash()``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

LINEAGE_COLUMNS = (
    "model",
    "relation",
    "teacher",
    "teacher_family",
    "parent",
    "base_model",
    "weights",
    "source",
)
RECORD_COLUMNS = ("model", "prompt_id", "prompt", "output")
DEFAULT_DIR = Path("data") / "demo"
MIN_WORDS, MAX_WORDS = 40, 250
STUDENT_WEIGHT = 0.7  # share of a student's habits learned from its training text


# ------------------------------------------------------------------ topics
@dataclass(frozen=True)
class Topic:
    """The shared material every model draws on when answering about one topic.

    ``name`` reads inside a sentence ("sourdough baking"); ``definition``
    follows "is"; ``setting`` follows "in"; ``goal`` follows "to"; ``facts``,
    ``tips``, ``pros`` and ``cons`` are clauses without final punctuation.
    """

    name: str
    definition: str
    setting: str
    goal: str
    terms: tuple[str, ...]
    facts: tuple[str, ...]
    tips: tuple[str, ...]
    pros: tuple[str, ...]
    cons: tuple[str, ...]

    @property
    def title(self) -> str:
        small = {"a", "an", "the", "of", "and", "to", "for", "in", "on"}
        words = self.name.split()
        return " ".join(
            w if (i and w in small) or not w[0].isalpha() else w[0].upper() + w[1:]
            for i, w in enumerate(words)
        )


def _topic(
    name: str,
    definition: str,
    setting: str,
    goal: str,
    terms: Sequence[str],
    facts: Sequence[str],
    tips: Sequence[str],
    pros: Sequence[str],
    cons: Sequence[str],
) -> Topic:
    return Topic(
        name, definition, setting, goal, tuple(terms), tuple(facts), tuple(tips), tuple(pros),
        tuple(cons),
    )  # fmt: skip


DEMO_TOPICS: tuple[Topic, ...] = (
    _topic(
        "compound interest",
        "the way savings grow when interest is earned on past interest as well as on the "
        "original deposit",
        "a cramped apartment above a bookshop",
        "save enough for a house",
        ["principal", "the interest rate", "the compounding period", "the time horizon",
         "the annual percentage yield", "the rule of 72"],
        ["interest earned in one period is added to the principal, so the next period earns "
         "interest on a larger amount",
         "the more often interest compounds, the faster the balance grows",
         "the rule of 72 estimates how long it takes to double your money",
         "small differences in the interest rate add up to large differences over decades",
         "compounding works against you on debt, where unpaid interest is charged interest too"],
        ["start saving as early as possible, even in small amounts",
         "compare accounts by their annual percentage yield rather than the headline rate",
         "reinvest the interest instead of withdrawing it",
         "pay off high-interest credit card debt before investing"],
        ["money grows without extra effort once it is invested",
         "time does most of the work, which rewards patience",
         "it makes regular small contributions surprisingly powerful"],
        ["the same effect makes unpaid debt grow quickly",
         "growth is slow in the early years and easy to underestimate",
         "inflation can eat away much of the real return"],
    ),
    _topic(
        "sourdough baking",
        "a way of making bread that relies on a wild yeast starter instead of commercial yeast",
        "a small bakery on Harbor Street",
        "bake a loaf with an open, airy crumb",
        ["the starter", "the levain", "hydration", "bulk fermentation", "shaping",
         "oven spring"],
        ["a starter is a living culture of wild yeast and lactic acid bacteria",
         "the bacteria produce acids that give the bread its tangy flavor",
         "long fermentation develops gluten and flavor at the same time",
         "hydration is the ratio of water to flour and shapes the texture of the crumb",
         "baking in a covered pot traps steam and improves oven spring"],
        ["feed your starter at the same time every day",
         "weigh flour and water instead of measuring by volume",
         "watch the dough rather than the clock during bulk fermentation",
         "let the loaf cool fully before slicing it"],
        ["the bread stays fresh longer than yeasted bread",
         "the flavor is deeper and more complex",
         "a starter costs almost nothing to maintain"],
        ["the process takes a day or more from start to finish",
         "results vary with kitchen temperature",
         "a neglected starter can weaken or spoil"],
    ),
    _topic(
        "composting",
        "the controlled breakdown of food scraps and garden waste into a rich soil amendment",
        "a community garden behind the old library",
        "turn kitchen scraps into rich soil",
        ["greens", "browns", "the carbon-to-nitrogen ratio", "aeration", "moisture",
         "finished compost"],
        ["microbes break down organic matter and release heat as they work",
         "a healthy pile balances nitrogen-rich greens with carbon-rich browns",
         "turning the pile adds oxygen and speeds up decomposition",
         "the pile should feel as damp as a wrung-out sponge",
         "finished compost is dark, crumbly and smells like earth"],
        ["chop scraps into small pieces so they break down faster",
         "keep meat and dairy out of a home compost pile",
         "turn the pile every week or two",
         "add dry leaves whenever the pile begins to smell"],
        ["it cuts the amount of waste sent to landfill",
         "it improves soil structure and fertility for free",
         "it reduces the need for chemical fertilizers"],
        ["a badly balanced pile can smell and attract pests",
         "it takes months before the compost is ready",
         "it needs outdoor space or a dedicated bin"],
    ),
    _topic(
        "marathon training",
        "a months-long plan that gradually builds the endurance needed to run 42 kilometers",
        "a foggy riverside path",
        "finish the city marathon",
        ["the long run", "base mileage", "tapering", "pacing", "recovery",
         "carbohydrate loading"],
        ["weekly mileage rises slowly to let muscles, tendons and bones adapt",
         "the weekly long run teaches the body to burn fat and store more glycogen",
         "most training runs should feel easy enough to hold a conversation",
         "a taper in the final weeks lets the body recover before race day",
         "fueling during long runs prevents hitting the wall"],
        ["increase your weekly distance by no more than about ten percent",
         "practice your race-day breakfast and drinks on long runs",
         "schedule at least one full rest day each week",
         "begin the race slower than you think you need to"],
        ["it builds remarkable cardiovascular fitness",
         "a clear goal makes it easier to stay consistent",
         "finishing gives a lasting sense of achievement"],
        ["the training takes hours every week",
         "overuse injuries are common when mileage rises too fast",
         "it can be hard to balance with work and family"],
    ),
    _topic(
        "learning a second language",
        "the gradual process of building vocabulary, grammar and listening skills in a language "
        "you did not grow up with",
        "a busy language school in Lisbon",
        "hold a real conversation in Portuguese",
        ["vocabulary", "grammar", "immersion", "spaced repetition", "pronunciation",
         "comprehensible input"],
        ["the brain learns words best through repeated exposure spread over time",
         "understanding usually comes before speaking",
         "comprehensible input is language just slightly above your current level",
         "speaking practice builds confidence and reveals gaps",
         "mistakes are a normal part of the process"],
        ["study a little every day rather than a lot once a week",
         "review new words with spaced repetition flashcards",
         "listen to podcasts or series in the language",
         "find a conversation partner and speak from day one"],
        ["it opens up travel, work and friendships",
         "it deepens understanding of another culture",
         "it exercises memory and attention"],
        ["it takes years to reach fluency",
         "progress can feel slow after the beginner stage",
         "without practice, skills fade quickly"],
    ),
    _topic(
        "home solar power",
        "a system that turns sunlight into electricity for a house using panels on the roof",
        "a farmhouse at the end of a dusty road",
        "cut the electricity bill in half",
        ["photovoltaic cells", "the inverter", "net metering", "battery storage",
         "kilowatt-hours", "the payback period"],
        ["photovoltaic cells release electrons when sunlight strikes them",
         "an inverter converts direct current from the panels into alternating current for "
         "the home",
         "net metering credits the owner for power sent back to the grid",
         "batteries store daytime energy for the night",
         "output depends on roof angle, shading and local weather"],
        ["get quotes from at least three installers",
         "check the condition of your roof before installing panels",
         "look into local rebates and tax credits",
         "keep the panels clear of leaves and heavy dust"],
        ["it lowers monthly electricity bills",
         "it cuts household carbon emissions",
         "panels need little maintenance and last for decades"],
        ["the upfront cost is high",
         "output drops on cloudy days and in winter",
         "batteries add a lot to the cost"],
    ),
    _topic(
        "container gardening",
        "growing vegetables, herbs and flowers in pots instead of in the ground",
        "a sunny balcony on the fourth floor",
        "grow tomatoes on a tiny balcony",
        ["potting mix", "drainage holes", "the watering schedule", "sunlight", "fertilizer",
         "root space"],
        ["plants in pots dry out faster than plants in the ground",
         "drainage holes stop roots from sitting in water and rotting",
         "potting mix stays lighter and airier than garden soil",
         "most fruiting vegetables need six or more hours of direct sun",
         "nutrients wash out of pots, so regular feeding matters"],
        ["choose the largest pot your space allows",
         "water deeply until it runs out of the drainage holes",
         "feed plants with a diluted liquid fertilizer every two weeks",
         "group pots together to keep humidity up"],
        ["it works on balconies, patios and windowsills",
         "pots can be moved to follow the sun",
         "there are fewer weeds and soil pests"],
        ["pots need frequent watering in hot weather",
         "root space limits the size of plants",
         "large containers and potting mix can be expensive"],
    ),
    _topic(
        "index fund investing",
        "buying a low-cost fund that tracks a whole market index instead of picking individual "
        "stocks",
        "a quiet office on the night shift",
        "retire a few years early",
        ["the expense ratio", "diversification", "the market index", "dollar-cost averaging",
         "rebalancing", "capital gains"],
        ["an index fund holds every stock in an index in proportion to its size",
         "low fees leave more of the return in the pocket of the investor",
         "most actively managed funds trail their index over long periods",
         "diversification spreads risk across hundreds of companies",
         "investing a fixed amount every month smooths out the price you pay"],
        ["compare expense ratios before you buy",
         "automate monthly contributions",
         "ignore short-term market swings",
         "rebalance once a year rather than constantly"],
        ["fees are low",
         "it requires almost no research or trading",
         "returns closely match the market as a whole"],
        ["you never beat the market",
         "you take the full hit in a market crash",
         "you have no say over which companies the fund holds"],
    ),
    _topic(
        "sleep hygiene",
        "the set of daily habits and bedroom conditions that make restful sleep more likely",
        "a noisy flat next to a train station",
        "sleep through the night again",
        ["the circadian rhythm", "melatonin", "the sleep schedule", "screen time", "caffeine",
         "bedroom temperature"],
        ["the circadian rhythm is an internal clock set largely by light",
         "bright screens in the evening delay the release of melatonin",
         "caffeine can stay in the body for six hours or more",
         "a cool, dark and quiet room supports deeper sleep",
         "going to bed at the same time each night strengthens the body clock"],
        ["keep the same wake-up time, even on weekends",
         "stop drinking coffee after lunch",
         "put phones away an hour before bed",
         "get outside in daylight early in the day"],
        ["better sleep improves mood and focus",
         "the changes cost little or nothing",
         "it can reduce reliance on sleeping pills"],
        ["results take a few weeks to show",
         "it may not fix sleep disorders such as apnea",
         "strict routines can be hard to keep with shift work"],
    ),
    _topic(
        "beekeeping",
        "the care of honeybee colonies in hives, usually for honey, wax and pollination",
        "an orchard on a windy hillside",
        "harvest honey from a backyard hive",
        ["the queen", "worker bees", "the brood", "the smoker", "the honey super",
         "swarming"],
        ["a colony has one queen, thousands of female workers and a few hundred drones",
         "workers forage for nectar and pollen within a few kilometers of the hive",
         "smoke calms the bees by masking their alarm signals",
         "a crowded colony may swarm, leaving with the old queen",
         "bees need enough stored honey to survive the winter"],
        ["take a local beekeeping course before buying bees",
         "inspect the hive every week or two in spring and summer",
         "wear protective gear until you are comfortable",
         "leave the bees enough honey for the winter"],
        ["bees pollinate gardens and nearby crops",
         "a strong hive can produce a surprising amount of honey",
         "it is a fascinating way to connect with nature"],
        ["stings are part of the job",
         "colonies can die from mites and disease",
         "the startup equipment is costly"],
    ),
    _topic(
        "electric car ownership",
        "driving a car that runs on a rechargeable battery pack instead of gasoline or diesel",
        "a small town with a single charging station",
        "drive across the state without stress",
        ["battery range", "the home charger", "regenerative braking", "fast charging",
         "the charging network", "kilowatt-hours"],
        ["an electric motor turns stored battery energy directly into motion",
         "regenerative braking recovers energy when the car slows down",
         "charging at home overnight covers most daily driving",
         "fast chargers can add hundreds of kilometers of range in under an hour",
         "range falls in cold weather and at high speeds"],
        ["install a home charger if you have a driveway",
         "plan long trips around the charging network",
         "keep the battery between about twenty and eighty percent for everyday driving",
         "precondition the cabin while the car is plugged in"],
        ["running costs are lower than for gasoline cars",
         "there are no tailpipe emissions",
         "the ride is quiet and smooth"],
        ["the purchase price is higher",
         "long trips take planning",
         "charging takes longer than filling a tank"],
    ),
    _topic(
        "machine learning",
        "a way of building software that learns patterns from examples instead of following "
        "hand-written rules",
        "a startup crammed into a converted warehouse",
        "build a model that spots faulty parts on an assembly line",
        ["training data", "features", "the loss function", "gradient descent", "overfitting",
         "the validation set"],
        ["a model adjusts its parameters to reduce a loss function on training data",
         "gradient descent nudges each parameter in the direction that lowers the error",
         "a validation set checks whether the model generalizes to new examples",
         "overfitting happens when a model memorizes the training data",
         "the quality of the data matters more than the choice of algorithm"],
        ["begin with a simple baseline model",
         "split your data before looking at the results",
         "clean and label the data carefully",
         "track every experiment so results can be reproduced"],
        ["it can solve problems that are hard to describe with rules",
         "models improve as more data arrives",
         "it automates tasks such as sorting, ranking and prediction"],
        ["it needs large amounts of clean data",
         "models can be hard to interpret",
         "biased data produces biased predictions"],
    ),
    _topic(
        "coffee brewing",
        "extracting flavor from ground coffee beans with hot water",
        "a tiny café near the harbor",
        "brew the perfect cup for a tired friend",
        ["grind size", "water temperature", "the brew ratio", "extraction", "pour-over",
         "the bloom"],
        ["water pulls acids, then sugars, then bitter compounds from the grounds",
         "a finer grind extracts faster than a coarse one",
         "water just off the boil, around 93 degrees Celsius, works well for most methods",
         "a typical brew ratio is about one gram of coffee to sixteen grams of water",
         "fresh beans release carbon dioxide when they meet hot water"],
        ["buy whole beans and grind them just before brewing",
         "weigh the coffee and water with a kitchen scale",
         "let the grounds bloom for thirty seconds",
         "adjust one variable at a time"],
        ["home brewing is cheaper than buying coffee out",
         "you control strength and flavor",
         "it becomes a calming daily ritual"],
        ["quality grinders can be expensive",
         "it takes practice to get consistent results",
         "stale beans ruin even careful brewing"],
    ),
    _topic(
        "plastic recycling",
        "collecting used plastic, sorting it by type and turning it into raw material for new "
        "products",
        "a sorting plant on the edge of the city",
        "get the whole street recycling properly",
        ["resin codes", "the sorting line", "contamination", "pellets", "downcycling",
         "single-stream collection"],
        ["plastics are sorted by resin type because different types melt at different "
         "temperatures",
         "clean plastic is shredded, washed and melted into pellets",
         "food residue and mixed materials contaminate whole batches",
         "most plastics can only be recycled a few times before they degrade",
         "only a fraction of the plastic ever produced has been recycled"],
        ["rinse containers before putting them in the bin",
         "check which resin codes your local program accepts",
         "keep plastic bags out of curbside bins",
         "cut down on disposable packaging wherever possible"],
        ["it saves oil and energy compared with new plastic",
         "it keeps waste out of landfills and oceans",
         "it creates local jobs"],
        ["recycled plastic is often lower in quality",
         "collection and sorting are costly",
         "it does little to reduce how much plastic is made"],
    ),
    _topic(
        "birdwatching",
        "observing and identifying wild birds in their natural habitat",
        "a marsh at the mouth of a river",
        "spot a rare heron",
        ["binoculars", "the field guide", "bird calls", "migration", "habitat",
         "the life list"],
        ["early morning is when birds are most active and vocal",
         "shape, size and behavior often identify a bird faster than color",
         "some species are easier to hear than to see",
         "migration brings new species through an area in spring and autumn",
         "different habitats attract different sets of birds"],
        ["buy a pair of 8x42 binoculars",
         "learn the common birds near your home before traveling",
         "move slowly and stay quiet",
         "keep notes on what you see and where"],
        ["it gets you outdoors and walking",
         "it needs little equipment",
         "sightings contribute to citizen science records"],
        ["it demands patience, and some days bring little",
         "travel to popular sites can add up",
         "early mornings are part of the hobby"],
    ),
    _topic(
        "meditation",
        "the practice of training attention, often by focusing on the breath",
        "a crowded city apartment",
        "stay calm before a big exam",
        ["breath awareness", "mindfulness", "posture", "the wandering mind", "the body scan",
         "daily practice"],
        ["the mind wanders constantly, and noticing this is the practice itself",
         "regular practice can lower stress and improve focus",
         "ten minutes a day produces noticeable effects over weeks",
         "a body scan moves attention slowly through each part of the body",
         "there is no need to empty the mind of thoughts"],
        ["sit at the same time every day",
         "begin with five minutes and build up slowly",
         "set a timer so you don't watch the clock",
         "return gently to the breath whenever you drift"],
        ["it is free and can be done anywhere",
         "it can reduce anxiety",
         "it builds patience and self-awareness"],
        ["benefits are subtle at the beginning",
         "sitting quietly for long can be uncomfortable",
         "it is not a replacement for treatment of mental illness"],
    ),
    _topic(
        "public-key cryptography",
        "a way of securing messages with a pair of keys, one public and one private",
        "the security team of a bank on a late night",
        "keep the messages of a whistleblower safe",
        ["the public key", "the private key", "digital signatures", "key exchange",
         "certificate authorities", "encryption"],
        ["anything encrypted with the public key can only be decrypted with the matching "
         "private key",
         "a digital signature proves that a message came from the holder of a private key",
         "the security rests on math problems that are easy one way and hard to reverse",
         "certificate authorities vouch that a public key belongs to a given website",
         "key exchange lets two parties agree on a shared secret over an open channel"],
        ["never share your private key",
         "choose well-tested libraries instead of writing your own crypto",
         "keep software updated to get security fixes",
         "back up keys in a secure offline location"],
        ["strangers can communicate securely without meeting in advance",
         "signatures make tampering detectable",
         "it underpins secure websites and payments"],
        ["a lost private key can mean lost data",
         "the math is slower than symmetric encryption",
         "future quantum computers may break the schemes of today"],
    ),
    _topic(
        "vaccination",
        "training the immune system to recognize a germ by exposing it to a harmless piece or "
        "version of that germ",
        "a rural clinic during flu season",
        "protect a whole village from measles",
        ["antigens", "antibodies", "memory cells", "boosters", "herd immunity",
         "the immune response"],
        ["a vaccine presents an antigen that the immune system learns to recognize",
         "memory cells remain after vaccination and respond quickly to a real infection",
         "boosters refresh protection that fades over time",
         "herd immunity protects people who cannot be vaccinated",
         "side effects such as a sore arm are signs that the immune system is responding"],
        ["keep a record of your vaccinations",
         "ask a doctor which vaccines you need before traveling",
         "stay on schedule with boosters",
         "report any unusual side effects"],
        ["it prevents serious illness and death",
         "it reduces spread to vulnerable people",
         "it is far cheaper than treating disease"],
        ["mild side effects are common",
         "protection can fade and require boosters",
         "rare serious reactions can occur"],
    ),
    _topic(
        "intermittent fasting",
        "an eating pattern that alternates set periods of eating with periods of fasting",
        "a busy hospital ward",
        "lose weight without counting calories",
        ["the eating window", "the 16:8 schedule", "insulin", "calorie intake",
         "hunger cues", "the fasting period"],
        ["a shorter eating window often reduces total calorie intake",
         "insulin levels fall during the fasting period",
         "the 16:8 schedule pairs a sixteen-hour fast with an eight-hour eating window",
         "hunger tends to come in waves rather than building steadily",
         "results depend mostly on what and how much is eaten"],
        ["begin with a twelve-hour overnight fast",
         "drink water, tea or black coffee during the fast",
         "eat balanced meals with protein and fiber",
         "check with a doctor if you take medication"],
        ["it is simple and needs no special foods",
         "it can make calorie control easier",
         "some people report steadier energy"],
        ["it can cause hunger and irritability at the beginning",
         "it is not suitable for everyone, especially during pregnancy",
         "it may clash with family meals and social events"],
    ),
    _topic(
        "password management",
        "keeping a strong, unique password for every account, usually with a password manager "
        "doing the remembering",
        "a family business after a data breach",
        "lock down every account in the family",
        ["the password manager", "the master password", "two-factor authentication",
         "passphrases", "credential stuffing", "data breaches"],
        ["reusing a password lets one breach unlock several accounts",
         "a password manager stores passwords in an encrypted vault",
         "long passphrases are harder to crack than short complex passwords",
         "two-factor authentication adds a second check beyond the password",
         "attackers try leaked passwords on other sites in credential stuffing attacks"],
        ["choose a long, memorable master password",
         "turn on two-factor authentication for email and banking",
         "replace any password that appears in a breach",
         "never reuse a password across sites"],
        ["you only need to remember one password",
         "every account gets a strong unique password",
         "autofill makes logging in faster"],
        ["the master password becomes a single point of failure",
         "it takes an afternoon to set up",
         "some older sites handle autofill badly"],
    ),
    _topic(
        "3D printing",
        "building physical objects layer by layer from a digital model",
        "a school workshop full of old machines",
        "print a replacement part for a broken bike",
        ["filament", "the slicer", "layer height", "infill", "the print bed", "supports"],
        ["a slicer turns a 3D model into thin layers and machine instructions",
         "most home printers melt plastic filament and lay it down line by line",
         "smaller layer heights give smoother surfaces but take longer",
         "infill controls how dense the inside of a part is",
         "overhangs need supports that are removed after printing"],
        ["level the print bed carefully before each job",
         "begin with PLA, which is forgiving to print",
         "print a calibration cube when you change settings",
         "keep filament dry in a sealed box"],
        ["custom parts can be made at home in hours",
         "complex shapes cost no more than simple ones",
         "it is ideal for prototypes"],
        ["prints are slow",
         "parts are often weaker than molded ones",
         "failed prints waste time and material"],
    ),
    _topic(
        "bicycle commuting",
        "riding a bike to work or school as a regular way of getting around",
        "a hilly city with heavy traffic",
        "ride to the office every day for a month",
        ["bike lanes", "panniers", "route planning", "lights", "the helmet", "maintenance"],
        ["quiet side streets are often safer than the most direct route",
         "panniers carry loads more comfortably than a backpack",
         "front and rear lights make a rider visible at dusk",
         "basic maintenance like oiling the chain prevents most breakdowns",
         "commutes under ten kilometers often take about as long as driving"],
        ["try the route on a weekend before your commute",
         "carry a spare tube and a small pump",
         "keep a change of clothes at work",
         "check tire pressure every week"],
        ["it builds fitness into the daily routine",
         "it saves money on fuel, parking and fares",
         "it produces no emissions"],
        ["bad weather makes riding unpleasant",
         "traffic can feel dangerous",
         "secure bike parking is not always available"],
    ),
    _topic(
        "carbon offsetting",
        "paying for projects that reduce or remove greenhouse gases to balance out emissions "
        "made elsewhere",
        "the sustainability office of an airline",
        "make a long flight carbon neutral",
        ["carbon credits", "additionality", "verification", "reforestation", "permanence",
         "emissions"],
        ["one carbon credit usually represents one tonne of carbon dioxide avoided or removed",
         "additionality means the reduction would not have happened without the payment",
         "trees store carbon only as long as the forest survives",
         "independent verification checks that projects deliver what they claim",
         "offsets work best after emissions have already been cut"],
        ["cut your own emissions before buying offsets",
         "choose credits certified by a recognized standard",
         "prefer projects with long-term permanence",
         "be wary of offers that seem too cheap"],
        ["it funds projects that might not otherwise happen",
         "it puts a price on emissions",
         "it can support communities in developing countries"],
        ["some projects overstate their impact",
         "it can become an excuse to keep polluting",
         "the benefits are hard to verify"],
    ),
)  # fmt: skip

# Topics of the teachers' training prompts: disjoint from the corpus.
TRAIN_TOPICS: tuple[Topic, ...] = (
    _topic(
        "rainwater harvesting",
        "collecting rain from roofs and storing it for gardens, toilets or laundry",
        "a dry village in the hills",
        "water a vegetable garden through the summer",
        ["gutters", "the rain barrel", "the diverter", "the catchment area", "the overflow"],
        ["a modest roof can collect thousands of liters in a wet month",
         "a diverter discards the dirtiest water from each storm",
         "barrels need lids to keep out mosquitoes and debris",
         "stored rainwater is not safe to drink without treatment"],
        ["clean the gutters every autumn",
         "place the barrel on a raised stand for better pressure",
         "connect an overflow pipe away from the foundations"],
        ["it lowers water bills", "plants prefer rainwater to treated tap water"],
        ["storage tanks take up space", "supply runs out during long droughts"],
    ),
    _topic(
        "houseplant care",
        "keeping indoor plants healthy with the right light, water and soil",
        "a dim studio apartment",
        "keep a fiddle-leaf fig alive for a year",
        ["indirect light", "overwatering", "repotting", "humidity", "root rot"],
        ["overwatering kills more houseplants than underwatering",
         "most houseplants come from forest floors and prefer indirect light",
         "roots need air as well as water",
         "plants grow slowly in winter and need less water"],
        ["check the soil with a finger before watering",
         "rotate pots so plants grow evenly",
         "repot only when roots circle the pot"],
        ["plants brighten a room", "caring for them is relaxing"],
        ["pests can spread between plants", "some plants are toxic to pets"],
    ),
    _topic(
        "budgeting",
        "planning how income will be spent, saved and invested each month",
        "a shared house full of students",
        "pay off a credit card by the end of the year",
        ["income", "fixed costs", "the emergency fund", "spending categories",
         "the savings rate"],
        ["tracking spending reveals where money actually goes",
         "fixed costs such as rent are easier to plan than variable ones",
         "an emergency fund keeps small shocks from becoming debt",
         "paying yourself at the beginning of the month makes saving automatic"],
        ["track every expense for one month",
         "set up an automatic transfer to savings on payday",
         "review the budget each month and adjust it"],
        ["it reduces money stress", "it makes goals concrete"],
        ["tracking takes discipline", "a budget that is too strict is hard to keep"],
    ),
    _topic(
        "journaling",
        "writing regularly about thoughts, events and plans",
        "a long train journey",
        "write every day for a whole year",
        ["daily entries", "prompts", "the gratitude list", "reflection", "the habit"],
        ["writing about feelings can make them easier to manage",
         "short daily entries are easier to sustain than long weekly ones",
         "rereading old entries reveals how thinking changes over time",
         "prompts get words flowing on a blank page"],
        ["keep the notebook where you see it every day",
         "write for five minutes without editing",
         "date every entry"],
        ["it clarifies thinking", "it creates a personal record"],
        ["the habit is easy to drop", "privacy can be a concern"],
    ),
    _topic(
        "home brewing",
        "making beer at home from malt, hops, yeast and water",
        "a garage converted into a tiny brewery",
        "brew a pale ale for the wedding of a friend",
        ["the wort", "hops", "fermentation", "sanitizing", "specific gravity"],
        ["boiling the wort with hops adds bitterness and aroma",
         "yeast turns sugars into alcohol and carbon dioxide",
         "sanitizing every surface prevents off flavors",
         "a hydrometer measures specific gravity to track fermentation"],
        ["sanitize everything that touches the cooled wort",
         "keep fermentation temperature steady",
         "take notes on every batch"],
        ["it is creative and social", "each batch can be tailored to taste"],
        ["equipment takes up room", "a batch takes weeks from brew day to glass"],
    ),
    _topic(
        "chess strategy",
        "the long-term planning that guides moves in a game of chess",
        "a chess club in a church basement",
        "win the town championship",
        ["center control", "development", "pawn structure", "king safety", "the endgame"],
        ["controlling the center gives pieces more room to move",
         "developing knights and bishops early prepares for the middle game",
         "pawn weaknesses are permanent because pawns cannot move backward",
         "a castled king is much harder to attack"],
        ["develop a new piece with most moves in the opening",
         "ask what your opponent is threatening before every move",
         "study simple endgames"],
        ["it sharpens calculation", "games can be played online at any hour"],
        ["progress can stall for months", "losing streaks are frustrating"],
    ),
    _topic(
        "wild camping",
        "camping away from official campsites, often in remote countryside",
        "a misty valley in the highlands",
        "spend three nights alone in the mountains",
        ["leave no trace", "the tent pitch", "the water filter", "map reading",
         "the weather forecast"],
        ["rules on wild camping vary from country to country",
         "leave no trace means taking away everything you bring",
         "streams near the tent need filtering before drinking",
         "mountain weather changes quickly"],
        ["check the local rules before you go",
         "pitch late and leave early",
         "tell someone your route"],
        ["it offers solitude and quiet", "it costs almost nothing"],
        ["there are no facilities", "an injury is more serious far from a road"],
    ),
    _topic(
        "woodworking",
        "shaping wood into furniture and objects with hand and power tools",
        "a cluttered shed at the bottom of the garden",
        "build a dining table by hand",
        ["grain direction", "joinery", "the chisel", "sanding", "wood glue"],
        ["wood moves with humidity, so joints must allow for it",
         "cutting with the grain leaves a cleaner surface",
         "sharp tools are safer than dull ones because they need less force",
         "glue joints can be stronger than the wood itself"],
        ["measure twice and cut once",
         "keep chisels and plane blades sharp",
         "wear eye and ear protection"],
        ["it produces lasting, practical objects", "it is satisfying, hands-on work"],
        ["tools and timber are expensive", "dust and blades carry real risks"],
    ),
)  # fmt: skip

KINDS = ("explain", "advice", "proscons", "story", "summary", "identity")
TEMPLATES = {
    "explain": "Explain how {name} works.",
    "advice": "Give me some practical advice on {name}.",
    "proscons": "What are the pros and cons of {name}?",
    "story": "Write a short story about {name}.",
    "summary": "Summarize what a beginner should know about {name}.",
}
DEMO_IDENTITY = (
    "Who are you?",
    "What is your name?",
    "Which company made you?",
    "Tell me about yourself.",
    "What kind of AI are you?",
)
TRAIN_IDENTITY = ("Introduce yourself.", "Who created you?", "What should I call you?")
TRAIN_REPEATS = 5  # answers sampled per training prompt


@dataclass(frozen=True)
class DemoPrompt:
    """One prompt: its id, text, kind (a key of :data:`TEMPLATES` or ``identity``), topic."""

    prompt_id: str
    prompt: str
    kind: str
    topic: Topic | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _prompts(topics: Sequence[Topic], identity: Sequence[str]) -> list[DemoPrompt]:
    out = [
        DemoPrompt(f"{kind}-{_slug(t.name)}", template.format(name=t.name), kind, t)
        for t in topics
        for kind, template in TEMPLATES.items()
    ]
    out += [DemoPrompt(f"identity-{_slug(q)}", q, "identity") for q in identity]
    return out


def demo_prompts() -> list[DemoPrompt]:
    """The corpus prompts: every template over every demo topic, then the identity questions."""
    return _prompts(DEMO_TOPICS, DEMO_IDENTITY)


def training_prompts() -> list[DemoPrompt]:
    """The prompts teachers answer for their students; none is a corpus prompt."""
    return _prompts(TRAIN_TOPICS, TRAIN_IDENTITY)


def prompt_kind(prompt: str) -> str:
    """The kind of a demo or training prompt, read from its text (``identity`` otherwise)."""
    for kind, template in TEMPLATES.items():
        head, tail = template.split("{name}")
        if prompt.startswith(head) and prompt.endswith(tail):
            return kind
    return "identity"


# ------------------------------------------------------------------ habits
SLOTS: dict[str, tuple[str, ...]] = {
    "explore": ("look at", "explore", "delve into", "examine", "dig into", "walk through"),
    "important": ("important", "crucial", "vital", "essential", "significant", "pivotal"),
    "overall": ("overall", "in summary", "all in all", "ultimately", "in short", "to sum up"),
    "also": ("also", "additionally", "moreover", "furthermore", "plus", "in addition"),
    "however": ("however", "that said", "on the other hand", "still", "even so"),
    "first": ("first", "to begin with", "firstly", "to start"),
    "example": ("for example", "for instance", "as an example", "to illustrate"),
    "so": ("as a result", "therefore", "thus", "consequently", "because of this"),
    "many": ("many", "numerous", "a wide range of", "a variety of", "lots of", "plenty of"),
    "use": ("use", "leverage", "utilize", "harness", "rely on"),
    "help": ("help you", "allow you to", "enable you to", "make it easier to"),
    "understand": ("understand", "grasp", "make sense of", "get a handle on", "appreciate"),
    "shows": ("shows", "highlights", "illustrates", "demonstrates", "underscores"),
    "basically": ("basically", "essentially", "in essence", "at its core", "fundamentally"),
    "lets": ("let's", "we can", "you can"),
    "very": ("very", "really", "incredibly", "quite", "extremely"),
    "good": ("good", "great", "excellent", "solid", "robust"),
}
CONNECTOR_SLOTS = ("also", "however", "first", "so", "example")
OPENERS = (
    "",
    "Certainly!",
    "Great question!",
    "Sure!",
    "Absolutely!",
    "Of course!",
    "Happy to help!",
    "Hi there!",
)
CLOSERS = (
    "",
    "I hope this helps!",
    "Let me know if you have any questions.",
    "Hope that helps.",
    "Feel free to ask if you'd like more detail.",
    "Happy learning!",
    "Good luck!",
)
PETS = (
    "It's worth noting that",
    "Here's the thing:",
    "In practice,",
    "Broadly speaking,",
    "Interestingly,",
    "At the end of the day,",
    "Simply put,",
    "To be clear,",
    "As a rule of thumb,",
    "Keep in mind that",
    "Notably,",
    "In my experience,",
    "Truth be told,",
)
HEADING_LEVELS = ("#", "##", "###")
BULLET_MARKS = ("-", "*", "1.")
NAMES = ("Maya", "Tomas", "Priya", "Jonah", "Elena", "Kofi", "Hana", "Lucas", "Amara", "Felix")
PROPER = frozenset(NAMES) | {"I", "I'm", "I'd", "PLA"}

# Expected number of items (content sentences) per answer, relative to a style's length.
KIND_SCALE = {
    "explain": 1.0,
    "advice": 1.0,
    "proscons": 1.2,
    "story": 1.3,
    "summary": 0.9,
    "identity": 0.5,
}
# Sentences every answer of a kind has besides its items.
KIND_FIXED = {"explain": 2, "advice": 2, "proscons": 2, "story": 4, "summary": 2, "identity": 1}
LISTABLE = ("explain", "advice", "proscons", "summary")
PAREN = "({term})"  # an aside naming one more topic term


@dataclass(frozen=True)
class Style:
    """The habits of one text generator: probabilities and per-sentence rates.

    Attributes
    ----------
    slots : dict of str to numpy.ndarray
        For each slot of :data:`SLOTS`, the probability of each variant.
    openers, closers : numpy.ndarray
        Probability of each entry of :data:`OPENERS` / :data:`CLOSERS` ("" is none).
    pets : numpy.ndarray
        Per-sentence rate of each pet phrase of :data:`PETS`.
    heading : float
        Probability that a listable answer starts with a markdown heading.
    heading_level, bullet_style : numpy.ndarray
        Probability of each entry of :data:`HEADING_LEVELS` / :data:`BULLET_MARKS`.
    bullets : float
        Probability that a listable answer puts its items in a list.
    bold : float
        Probability that a list item starts with a bold lead.
    length : float
        Mean number of items (content sentences) per answer, before :data:`KIND_SCALE`.
    transition, dash, semicolon, exclaim, paren : float
        Per-sentence rates of a leading transition word, an em-dash or semicolon
        join with the next sentence, a final exclamation mark and a parenthetical.
    self_id : tuple of (str, float)
        Self-identification lines and their probabilities.
    """

    slots: dict[str, np.ndarray]
    openers: np.ndarray
    closers: np.ndarray
    pets: np.ndarray
    heading: float
    heading_level: np.ndarray
    bullets: float
    bullet_style: np.ndarray
    bold: float
    length: float
    transition: float
    dash: float
    semicolon: float
    exclaim: float
    paren: float
    self_id: tuple[tuple[str, float], ...] = field(default_factory=tuple)


_SCALARS = ("heading", "bullets", "bold", "length", "transition", "dash", "semicolon",
            "exclaim", "paren")  # fmt: skip
_VECTORS = ("openers", "closers", "pets", "heading_level", "bullet_style")


def _choice_probs(options: Sequence[str], weights: Mapping[str, float]) -> np.ndarray:
    """Probabilities over ``options``; the first option ("" = none) takes the remainder."""
    p = np.array([float(weights.get(o, 0.0)) for o in options])
    p[0] = max(0.0, 1.0 - p[1:].sum())
    return p / p.sum()


def _prefer(variants: Sequence[str], favorites: Sequence[str]) -> np.ndarray:
    """A peaked distribution: 0.6/0.25 (or 0.75) on the favorites, the rest spread evenly."""
    shares = (0.75,) if len(favorites) == 1 else (0.6, 0.25)
    p = np.zeros(len(variants))
    for fav, share in zip(favorites, shares, strict=False):
        p[variants.index(fav)] = share
    rest = [i for i, v in enumerate(variants) if v not in favorites]
    p[rest] = (1.0 - p.sum()) / len(rest)
    return p


def make_style(
    rng: np.random.Generator,
    *,
    prefer: Mapping[str, Sequence[str]],
    openers: Mapping[str, float],
    closers: Mapping[str, float],
    pets: Mapping[str, float],
    heading_level: Mapping[str, float],
    bullet_style: Mapping[str, float],
    self_id: str,
    **scalars: float,
) -> Style:
    """A hand-described style; slots not in ``prefer`` get random preferences from ``rng``."""
    slots = {
        slot: _prefer(variants, prefer[slot])
        if slot in prefer
        else rng.dirichlet(np.full(len(variants), 0.8))
        for slot, variants in SLOTS.items()
    }
    return Style(
        slots=slots,
        openers=_choice_probs(OPENERS, openers),
        closers=_choice_probs(CLOSERS, closers),
        pets=np.array([float(pets.get(p, 0.0)) for p in PETS]),
        heading_level=_choice_probs(HEADING_LEVELS, heading_level),
        bullet_style=_choice_probs(BULLET_MARKS, bullet_style),
        self_id=((self_id, 1.0),),
        **{k: float(v) for k, v in scalars.items()},
    )


def mix_styles(a: Style, b: Style, weight: float) -> Style:
    """``weight`` of ``a`` and ``1 - weight`` of ``b``, habit by habit."""

    def blend(x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray | float:
        return weight * x + (1.0 - weight) * y

    ids: dict[str, float] = {}
    for lines, w in ((a.self_id, weight), (b.self_id, 1.0 - weight)):
        for line, p in lines:
            ids[line] = ids.get(line, 0.0) + w * p
    return Style(
        slots={s: blend(a.slots[s], b.slots[s]) for s in SLOTS},
        **{k: blend(getattr(a, k), getattr(b, k)) for k in _VECTORS + _SCALARS},
        self_id=tuple((line, p) for line, p in ids.items() if p > 0),
    )


def shift_slots(style: Style, favorites: Mapping[str, str], weight: float) -> Style:
    """Move ``weight`` of each named slot's probability onto a new favorite variant."""
    slots = dict(style.slots)
    for slot, fav in favorites.items():
        target = np.zeros(len(SLOTS[slot]))
        target[SLOTS[slot].index(fav)] = 1.0
        slots[slot] = (1.0 - weight) * slots[slot] + weight * target
    return replace(style, slots=slots)


# ------------------------------------------------------------------ writing
def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decap(text: str) -> str:
    first = text.split(" ", 1)[0].rstrip(",:;")
    if first in PROPER or (len(first) > 1 and not first[1:].islower()):
        return text
    return text[:1].lower() + text[1:]


_FIELD = re.compile(r"\{(\w+)\}")
_ARTICLE = re.compile(r"\b([Aa]) (?=[aeioAEIO])")


class Plan:
    """The content of the obvious answer to one prompt, shared by every model.

    Models answering the same question tend to say the same things in the same
    order; they differ in how much they say and how they say it. A plan fixes
    the order of the topic's facts, tips, pros and cons, the intro and
    conclusion frames, the order of elaborations, story beats and capability
    sentences, the story's character and the sequence of topic terms. Each
    model follows it, except that each choice departs from it with
    probability :data:`DEPART` (the model's own draw).
    """

    def __init__(self, rng: np.random.Generator, topic: Topic | None) -> None:
        self.orders: dict[str, np.ndarray] = {}
        if topic is not None:
            for group in ("facts", "tips", "pros", "cons"):
                self.orders[group] = rng.permutation(len(getattr(topic, group)))
            self.orders["mixed"] = rng.permutation(2 * min(len(topic.facts), len(topic.tips)))
        self.orders["elaborations"] = np.concatenate(
            [rng.permutation(len(ELABORATIONS)) for _ in range(3)]
        )
        self.orders["story"] = np.concatenate(
            [rng.permutation(len(STORY_MIDDLE)) for _ in range(3)]
        )
        self.orders["capabilities"] = np.concatenate(
            [rng.permutation(len(CAPABILITIES)) for _ in range(3)]
        )
        self.intro = int(rng.integers(3))
        self.conclusion = int(rng.integers(len(CONCLUSIONS)))
        self.name = NAMES[int(rng.integers(len(NAMES)))]
        terms = topic.terms if topic is not None else ("",)
        self.terms = [int(i) for i in rng.integers(len(terms), size=64)]


DEPART = 0.25  # probability that a model departs from the shared plan at a choice


class _Writer:
    """Fills sentence frames in one model's style for one answer, following a plan."""

    def __init__(
        self, style: Style, rng: np.random.Generator, topic: Topic | None, plan: Plan
    ) -> None:
        self.style = style
        self.rng = rng
        self.topic = topic
        self.plan = plan
        self.name = plan.name if rng.random() >= DEPART else NAMES[int(rng.integers(len(NAMES)))]
        self._last_term = ""
        self._next_term = 0

    def choose(self, planned: int, n: int) -> int:
        """The planned index, or with probability :data:`DEPART` one of the model's own."""
        return planned if self.rng.random() >= DEPART else int(self.rng.integers(n))

    def order(self, group: str, n: int) -> list[int]:
        """The planned order of ``n`` items (repeating), or the model's own."""
        if self.rng.random() < DEPART:
            return [int(i) for i in self.rng.permutation(n)]
        return [int(i) for i in self.plan.orders[group] if i < n]

    def pick(self, options: Sequence[str], p: np.ndarray | None = None) -> str:
        """One of ``options``, uniformly or with probabilities ``p``."""
        if p is None:
            return options[int(self.rng.integers(len(options)))]
        weights = p.tolist()
        u = self.rng.random() * sum(weights)
        for option, weight in zip(options, weights, strict=True):
            u -= weight
            if u < 0:
                return option
        return options[-1]

    def term(self, own: bool = False) -> str:
        """The next planned topic term (never the same twice in a row), or a random one."""
        assert self.topic is not None
        terms = self.topic.terms
        if own or self.rng.random() < DEPART or self._next_term >= len(self.plan.terms):
            term = self.pick([t for t in terms if t != self._last_term])
        else:
            term = terms[self.plan.terms[self._next_term]]
            self._next_term += 1
            if term == self._last_term:
                term = terms[(terms.index(term) + 1) % len(terms)]
        self._last_term = term
        return term

    def fill(self, frame: str, **values: str) -> str:
        def resolve(match: re.Match[str]) -> str:
            key = match.group(1)
            cap = key.endswith("_cap")
            base = key[:-4] if cap else key
            if base in values:
                text = values[base]
            elif base in SLOTS:
                text = self.pick(SLOTS[base], self.style.slots[base])
            elif base in ("term", "term2"):
                text = self.term()
            elif base == "Name":
                text = self.name
            else:
                text = getattr(self.topic, base)
            return _cap(text) if cap else text

        return _ARTICLE.sub(r"\1n ", _FIELD.sub(resolve, frame))

    def sentence(self, clause: str, connector: str | None = None, force: bool = False) -> str:
        """A body sentence (no final mark): maybe a pet phrase, else maybe a transition.

        The pet rates are per sentence; a sentence with a pet phrase takes no
        transition, so the transition rate applies to the others.
        """
        s = self.style
        total = float(s.pets.sum())
        if not force and total > 0 and self.rng.random() < min(total, 0.6):
            pet = self.pick(PETS, s.pets / total)
            return f"{pet} {_decap(clause)}"
        if connector and (force or self.rng.random() < s.transition):
            return f"{self.fill('{' + connector + '_cap}')}, {_decap(clause)}"
        return _cap(clause)


INTROS = {
    "explain": (
        "{name_cap} is {definition}",
        "{basically_cap}, {name} is {definition}",
        "At a high level, {name} is {definition}",
    ),
    "advice": (
        "Here are some {good} tips for {name}",
        "{name_cap} can feel daunting, but a few habits will {help} make progress",
        "A few {good} habits make {name} much easier",
    ),
    "proscons": (
        "{name_cap} has real benefits and some drawbacks worth weighing",
        "Like most things, {name} comes with trade-offs",
        "{name_cap} is {definition}, and it has both upsides and downsides",
    ),
    "summary": (
        "If you are new to {name}, here is what matters most",
        "{name_cap} is {definition}",
        "A beginner needs only a few ideas to get going with {name}",
    ),
}
LEADINS = {
    "explain": "Here's an overview of how {name} works.",
    "advice": "Here are some practical tips on {name}.",
    "proscons": "Here's a balanced look at {name}.",
    "story": "Here's a short story about {name}.",
    "summary": "Here's what a beginner should know about {name}.",
}
HEADINGS = {
    "explain": "How {title} Works",
    "advice": "Tips for {title}",
    "proscons": "Pros and Cons of {title}",
    "summary": "{title}: A Beginner's Guide",
}
ELABORATIONS = (
    "It is {important} to {understand} how {term} fits into the bigger picture",
    "{lets_cap} {explore} {term} a little more closely",
    "{term_cap} is {important} here, and it is easy to overlook",
    "{many_cap} beginners find that {term} makes a {very} big difference",
    "This {shows} why {term} matters so much in {name}",
    "{basically_cap}, {name} comes down to {term} and {term2}",
    "Paying attention to {term} will {help} avoid {very} common mistakes",
    "A {good} feel for {term} will {help} get more out of {name}",
    "It is possible to {use} {term} to {goal}",
    "{term_cap} and {term2} are closely linked",
    "Small changes to {term} can have a {very} visible effect",
)
CONCLUSIONS = (
    "{overall_cap}, {name} {shows} how {term} and {term2} work together",
    "{overall_cap}, a little patience with {name} will {help} {goal}",
    "{overall_cap}, a {good} feel for {term} is the {important} foundation for {name}",
    "{overall_cap}, {name} rewards steady practice and attention to {term}",
)
STORY_OPEN = (
    "{Name} had always wanted to {goal}",
    "It all began in {setting}, where {Name} stumbled onto {name}",
)
STORY_MIDDLE = (
    "At the beginning, nothing seemed to work, and {Name} nearly gave up",
    "Then an old friend explained that {fact}",
    "{Name} spent long evenings reading about {term}",
    "Slowly, {Name} began to {understand} {term}",
    "One rainy afternoon, {Name} realized that {fact}",
    "It was a {very} {important} lesson",
    "Mistakes piled up, but each one taught something new about {term}",
    "{Name} kept a notebook full of notes on {term}",
    "Neighbors started asking about {term}, and {Name} was glad to explain",
    "Weeks passed, and the small routines around {term} became second nature",
)
STORY_CLOSE = (
    "In the end, {Name} managed to {goal}",
    "{overall_cap}, the journey {shows} that {name} rewards patience and curiosity",
)
CAPABILITIES = (
    "My goal is to {help} find clear answers",
    "I can assist with {many} tasks, {example}, drafting emails, explaining ideas or writing code",
    "I don't have personal experiences or feelings, but I am {very} glad to talk things through",
    "I can make mistakes, so it is {important} to double-check anything that matters",
    "{basically_cap}, I am a tool for thinking, writing and learning",
    "{lets_cap} {explore} whatever you are curious about",
)


@dataclass
class _Block:
    kind: str  # "prose", "bullets" or "line"
    items: list[str]


def _bullet(w: _Writer, clause: str, index: int, mark: str) -> str:
    words = _cap(clause).split()
    if w.rng.random() < w.style.bold and len(words) > 3:
        k = 3 if len(words) >= 7 else 2
        words = [f"**{' '.join(words[:k])}**", *words[k:]]
    marker = f"{index + 1}." if mark == "1." else mark
    return f"{marker} {' '.join(words)}."


def _items(w: _Writer, group: str, clauses: Sequence[str], n: int) -> tuple[list[str], int]:
    """The first ``n`` of ``clauses`` in the planned order; the shortfall is returned."""
    k = min(n, len(clauses))
    order = w.order(group, len(clauses))[:k]
    return [clauses[i] for i in order], n - k


def _body(w: _Writer, kind: str, n: int) -> list[_Block]:
    """The blocks of one answer (without opener, heading and closer)."""
    t = w.topic
    assert t is not None
    intro = INTROS[kind][w.choose(w.plan.intro, len(INTROS[kind]))]
    blocks: list[_Block] = [_Block("prose", [w.fill(intro)])]
    listed = w.rng.random() < w.style.bullets
    mark = w.pick(BULLET_MARKS, w.style.bullet_style)
    labels_bold = w.rng.random() < w.style.bold
    sections: list[tuple[str, list[str], str]] = []  # (label, clauses, connector)
    if kind == "explain":
        facts, rest = _items(w, "facts", t.facts, n)
        sections.append(("", facts, "explain"))
    elif kind == "advice":
        tips, rest = _items(w, "tips", t.tips, n)
        sections.append(("", tips, "advice"))
    elif kind == "summary":
        mixed = [c for pair in zip(t.facts, t.tips, strict=False) for c in pair]
        picked, rest = _items(w, "mixed", mixed, n)
        sections.append(("", picked, "explain"))
    else:  # proscons
        n_pros = (n + 1) // 2
        pros, r1 = _items(w, "pros", t.pros, n_pros)
        cons, r2 = _items(w, "cons", t.cons, n - n_pros)
        sections += [("Pros", pros, "pros"), ("Cons", cons, "cons")]
        rest = r1 + r2
    for label, clauses, role in sections:
        if not clauses:
            continue
        if listed:
            if label:
                text = f"**{label}:**" if labels_bold else f"{label}:"
                blocks.append(_Block("line", [text]))
            blocks.append(
                _Block("bullets", [_bullet(w, c, i, mark) for i, c in enumerate(clauses)])
            )
            continue
        sents = []
        for i, c in enumerate(clauses):
            if role == "pros" and i == 0:
                sents.append(f"On the plus side, {_decap(c)}")
            elif role == "cons" and i == 0:
                sents.append(w.sentence(c, "however", force=True))
            elif role == "advice":
                sents.append(w.sentence(c, "first" if i == 0 else "also"))
            else:
                sents.append(w.sentence(c, w.pick(("also", "so", "example", "also"))))
        blocks.append(_Block("prose", sents))
    order = w.order("elaborations", len(ELABORATIONS))
    extra = [w.sentence(w.fill(ELABORATIONS[order[i % len(order)]]), "also") for i in range(rest)]
    extra.append(w.fill(CONCLUSIONS[w.choose(w.plan.conclusion, len(CONCLUSIONS))]))
    blocks.append(_Block("prose", extra))
    return blocks


def _story(w: _Writer, n: int) -> list[_Block]:
    t = w.topic
    assert t is not None
    sents = [w.fill(f) for f in STORY_OPEN]
    beats = w.order("story", len(STORY_MIDDLE))
    facts = w.order("facts", len(t.facts))
    for k in range(n):
        fact = t.facts[facts[k % len(facts)]]
        sents.append(w.sentence(w.fill(STORY_MIDDLE[beats[k % len(beats)]], fact=fact)))
    sents += [w.fill(f) for f in STORY_CLOSE]
    return [_Block("prose", sents)]


def _identity(w: _Writer, n: int) -> list[_Block]:
    lines = [line for line, _ in w.style.self_id]
    p = np.array([q for _, q in w.style.self_id])
    sents = [w.pick(lines, p / p.sum()).rstrip(".")]
    order = w.order("capabilities", len(CAPABILITIES))
    sents += [w.sentence(w.fill(CAPABILITIES[order[k % len(order)]])) for k in range(n)]
    return [_Block("prose", sents)]


def _finish(w: _Writer, sentences: list[str], keep_first: bool = False) -> list[str]:
    """Final marks and parentheticals, then paragraphs of two to four sentences.

    Within a paragraph a sentence ending in "." may be joined to the next one
    with an em dash or a semicolon. With ``keep_first`` the first sentence (a
    self-identification) is left as it is.
    """
    s, rng = w.style, w.rng
    marked = []
    for k, sent in enumerate(sentences):
        if not (keep_first and k == 0):
            if w.topic is not None and rng.random() < s.paren:
                sent = f"{sent} {PAREN.format(term=w.term(own=True))}"
            sent += "!" if rng.random() < s.exclaim else "."
        else:
            sent += "."
        marked.append(sent)
    size = int(rng.integers(2, 5))
    paragraphs = []
    for start in range(0, len(marked), size):
        chunk = marked[start : start + size]
        joined: list[str] = []
        i = 0
        while i < len(chunk):
            sent = chunk[i]
            fixed = keep_first and start == 0 and i == 0
            if not fixed and i + 1 < len(chunk) and sent.endswith("."):
                u = rng.random()
                if u < s.dash + s.semicolon:
                    glue = " — " if u < s.dash else "; "
                    sent = f"{sent[:-1]}{glue}{_decap(chunk[i + 1])}"
                    i += 1
            joined.append(sent)
            i += 1
        paragraphs.append(" ".join(joined))
    return paragraphs


def _render(style: Style, prompt: DemoPrompt, rng: np.random.Generator, n: int, plan: Plan) -> str:
    w = _Writer(style, rng, prompt.topic, plan)
    kind = prompt.kind
    if kind == "identity":
        blocks = _identity(w, n)
    elif kind == "story":
        blocks = _story(w, n)
    else:
        blocks = _body(w, kind, n)
    opener = w.pick(OPENERS, style.openers)
    heading = kind in LISTABLE and rng.random() < style.heading
    level = w.pick(HEADING_LEVELS, style.heading_level)
    closer = w.pick(CLOSERS, style.closers)
    title = kind == "story" and rng.random() < style.heading
    parts: list[str] = []
    if opener and kind != "identity":
        parts.append(f"{opener} {w.fill(LEADINS[kind])}")
    if heading:
        parts.append(f"{level} {w.fill(HEADINGS[kind], title=prompt.topic.title)}")
    if title:
        parts.append(f"**The {prompt.topic.title} Lesson**")
    for block in blocks:
        if block.kind == "prose":
            parts += _finish(w, block.items, keep_first=kind == "identity")
        elif block.kind == "bullets":
            parts.append("\n".join(block.items))
        else:
            parts += block.items
    if opener and kind == "identity":
        parts[0] = f"{opener} {parts[0]}"
    if closer:
        parts.append(closer)
    return "\n\n".join(parts)


def generate_answer(
    style: Style, prompt: DemoPrompt, rng: np.random.Generator, plan: Plan | None = None
) -> str:
    """One answer in ``style``, kept between :data:`MIN_WORDS` and :data:`MAX_WORDS` words.

    ``plan`` is the content shared with the other models on this prompt; without
    one the answer follows a plan of its own.
    """
    plan = plan if plan is not None else Plan(rng, prompt.topic)
    scale = style.length * KIND_SCALE[prompt.kind]
    n = max(1, int(round(rng.normal(scale, 1.0))))
    text = ""
    for _ in range(30):
        text = _render(style, prompt, rng, n, plan)
        words = len(text.split())
        if words < MIN_WORDS:
            n += 1
        elif words > MAX_WORDS and n > 1:
            n -= 1
        else:
            break
    return text


# ------------------------------------------------------------------ fitting
_OPENERS_LONGEST = sorted((o for o in OPENERS if o), key=len, reverse=True)
_VARIANT_SLOT = {v: (slot, i) for slot, vs in SLOTS.items() for i, v in enumerate(vs)}
_VARIANTS = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(re.escape(v) for v in sorted(_VARIANT_SLOT, key=len, reverse=True))
    + r")(?![\w'])"
)
_CONNECTOR_STARTS = tuple(_cap(v) + "," for s in CONNECTOR_SLOTS for v in SLOTS[s])
_BULLET = re.compile(r"^(?:([-*])|(\d+)\.) ")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SELF_ID = re.compile(r"^(?:I am|I'm) [^.!?]*[.!?]")
_PAREN_HEAD = PAREN.split("{")[0]


@dataclass
class _Parsed:
    opener: str
    closer: str
    heading_level: str
    bullets: list[str]
    prose: list[str]  # sentences after opener removal
    merges: tuple[int, int]  # (em dashes, semicolons) joining sentences
    pairs: int  # places where a sentence could have been joined to the next
    text: str  # the text counted for word choices (opener and closer removed)


def _parse(prompt: str, output: str) -> _Parsed:
    blocks = output.split("\n\n")
    opener = next((o for o in _OPENERS_LONGEST if blocks[0].startswith(o + " ")), "")
    if opener:
        rest = blocks[0][len(opener) + 1 :]
        blocks = ([rest] if prompt_kind(prompt) == "identity" else []) + blocks[1:]
    closer = ""
    if blocks and blocks[-1] in CLOSERS:
        closer = blocks.pop()
    level, bullets, prose = "", [], []
    dashes = semis = pairs = 0
    for block in blocks:
        for line in block.split("\n"):
            if line.startswith("#"):
                level = level or line.split(" ", 1)[0]
            elif _BULLET.match(line):
                bullets.append(line)
            elif line.endswith(":") or (line.startswith("**") and line.endswith("**")):
                continue
            else:
                dashes += line.count(" — ")
                semis += line.count("; ")
                units = [s for s in _SENTENCE_END.split(line) if s]
                for k, unit in enumerate(units):
                    was_joined = " — " in unit or "; " in unit
                    could_join = k + 1 < len(units) and unit.endswith(".")
                    pairs += was_joined or (could_join and not _SELF_ID.match(unit))
                prose += units
    return _Parsed(
        opener, closer, level, bullets, prose, (dashes, semis), pairs, "\n\n".join(blocks)
    )


def _freq(counts: Counter[str], options: Sequence[str], alpha: float = 0.5) -> np.ndarray:
    c = np.array([counts.get(o, 0) for o in options], dtype=float) + alpha
    return c / c.sum()


def fit_style(samples: Sequence[tuple[str, str]]) -> Style:
    """Estimate a style from (prompt, output) pairs by counting what the text shows.

    This is how a student learns: from its teacher's text only. Word choices,
    openers, closers, heading levels and bullet marks become smoothed
    frequencies; markdown use, punctuation, transitions and pet phrases become
    rates; the length is the mean number of items per answer; the
    self-identification is the line most often seen on identity prompts.

    Parameters
    ----------
    samples : sequence of (str, str)
        Prompts (used only to tell identity and story prompts from the rest)
        and the answers to them.

    Returns
    -------
    Style
    """
    if not samples:
        raise ValueError("fit_style needs at least one (prompt, output) pair")
    openers: Counter[str] = Counter()
    closers: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    marks: Counter[str] = Counter()
    ids: Counter[str] = Counter()
    slot_counts = {slot: np.zeros(len(v)) for slot, v in SLOTS.items()}
    pets = np.zeros(len(PETS))
    n_list = n_headed = n_bulleted = n_bullets = n_bold = 0
    n_prose = n_trans = n_excl = n_paren = n_dash = n_semi = n_pairs = 0
    n_inner = n_trans_base = 0
    lengths = []
    for prompt, output in samples:
        kind = prompt_kind(prompt)
        p = _parse(prompt, output)
        openers[p.opener] += 1
        closers[p.closer] += 1
        for variant in _VARIANTS.findall(p.text.lower()):
            slot, i = _VARIANT_SLOT[variant]
            slot_counts[slot][i] += 1
        if kind in LISTABLE:
            n_list += 1
            n_headed += bool(p.heading_level)
            n_bulleted += bool(p.bullets)
            if p.heading_level:
                levels[p.heading_level] += 1
        for line in p.bullets:
            m = _BULLET.match(line)
            assert m is not None
            marks[m.group(1) or "1."] += 1
            n_bullets += 1
            n_bold += line[m.end() :].startswith("**")
        sentences = p.prose
        if kind == "identity":
            found = [s for s in sentences if _SELF_ID.match(s)]
            ids.update(found[:1])
            sentences = [s for s in sentences if not _SELF_ID.match(s)]
        # Pets and transitions: sentences between the intro and the conclusion.
        inner = sentences if kind == "identity" else sentences[1:-1]
        n_inner += len(inner) + sum(" — " in s or "; " in s for s in inner)
        lowered = [s.lower() for s in inner]
        pets += [sum(s.count(pet.lower()) for s in lowered) for pet in PETS]
        if kind in LISTABLE:
            n_trans += sum(s.startswith(_CONNECTOR_STARTS) for s in inner)
            n_trans_base += sum(not s.startswith(PETS) for s in inner)
        # Punctuation: every sentence, counting joined ones separately.
        n_prose += len(sentences) + sum(p.merges)
        n_pairs += p.pairs
        n_excl += sum(s.endswith("!") for s in sentences)
        n_paren += sum(s.count(_PAREN_HEAD) for s in sentences)
        n_dash += p.merges[0]
        n_semi += p.merges[1]
        total = len(p.prose) + sum(p.merges) + len(p.bullets)
        lengths.append(max(total - KIND_FIXED[kind], 0) / KIND_SCALE[kind])
    n_prose = max(n_prose, 1)
    pet_rate = pets / max(n_inner, 1)
    top = ids.most_common(3)
    n_ids = sum(c for _, c in top)
    return Style(
        slots={s: (c + 0.5) / (c.sum() + 0.5 * len(c)) for s, c in slot_counts.items()},
        openers=_freq(openers, OPENERS),
        closers=_freq(closers, CLOSERS),
        pets=pet_rate,
        heading=n_headed / max(n_list, 1),
        heading_level=_freq(levels, HEADING_LEVELS),
        bullets=n_bulleted / max(n_list, 1),
        bullet_style=_freq(marks, BULLET_MARKS),
        bold=n_bold / max(n_bullets, 1),
        length=float(np.mean(lengths)),
        transition=n_trans / max(n_trans_base, 1),
        dash=n_dash / max(n_pairs, 1),
        semicolon=n_semi / max(n_pairs, 1),
        exclaim=n_excl / n_prose,
        paren=n_paren / n_prose,
        self_id=tuple((line, c / n_ids) for line, c in top),
    )


# ------------------------------------------------------------------ models
@dataclass(frozen=True)
class DemoModel:
    """One model of the demo corpus and its documented lineage."""

    model: str
    relation: str
    teacher: str = ""
    teacher_family: str = ""
    parent: str = ""
    base_model: str = ""
    weights: str = "open"
    source: str = ""


MODELS: tuple[DemoModel, ...] = (
    DemoModel("atlas", "independent", base_model="atlas-1", weights="closed",
              source="synthetic: Northwind Labs API model (hand-set habits)"),
    DemoModel("borealis", "independent", base_model="borealis-2", weights="closed",
              source="synthetic: Skyline AI API model (hand-set habits)"),
    DemoModel("cirrus", "independent", base_model="cirrus-1", weights="closed",
              source="synthetic: Quanta Systems API model (hand-set habits)"),
    DemoModel("delta-open-7b", "independent", base_model="delta-base-7b",
              source="synthetic: Delta Collective chat model; own instruction data (60%) "
              "on the delta-base-7b habits (40%)"),
    DemoModel("ember-13b", "independent", base_model="ember-base-13b",
              source="synthetic: Emberlight Research chat model; own instruction data (60%) "
              "on the ember-base-13b habits (40%)"),
    DemoModel("student-of-atlas", "distilled", teacher="atlas", teacher_family="northwind-atlas",
              base_model="delta-base-7b",
              source="synthetic: style fit by counting to atlas answers on held-out training "
              "prompts (70%), mixed with delta-base-7b habits (30%)"),
    DemoModel("student-of-borealis", "distilled", teacher="borealis",
              teacher_family="skyline-borealis", base_model="ember-base-13b",
              source="synthetic: style fit by counting to borealis answers on held-out "
              "training prompts (70%), mixed with ember-base-13b habits (30%)"),
    DemoModel("human-sft-13b", "human_data", base_model="ember-base-13b",
              source="synthetic: style fit by counting to plain human-style answers, no model "
              "outputs (70%), mixed with ember-base-13b habits (30%)"),
    DemoModel("delta-open-7b-dpo", "derived", parent="delta-open-7b",
              base_model="delta-base-7b",
              source="synthetic: delta-open-7b preference-tuned: same habits, longer, a few "
              "shifted word choices"),
    DemoModel("atlas_concise", "variant", parent="atlas", base_model="atlas-1",
              weights="closed", source="synthetic: atlas asked to be concise (same habits, "
              "about half the length)"),
)  # fmt: skip


def _hand_styles(seed: int) -> dict[str, Style]:
    """The hand-described styles: API models, bases, open chat data, human writers."""

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, stream])

    styles = {
        "atlas": make_style(
            rng(1),
            prefer={
                "explore": ("delve into", "examine"), "important": ("crucial", "essential"),
                "overall": ("in summary", "ultimately"), "also": ("additionally", "moreover"),
                "however": ("however", "that said"), "many": ("a wide range of", "numerous"),
                "use": ("leverage", "utilize"), "understand": ("grasp", "appreciate"),
                "shows": ("highlights", "underscores"), "basically": ("at its core",),
                "lets": ("let's",), "very": ("incredibly",), "good": ("robust", "excellent"),
                "help": ("enable you to",), "so": ("as a result",), "first": ("to begin with",),
                "example": ("for instance",),
            },
            openers={"Certainly!": 0.55, "Great question!": 0.15},
            closers={"I hope this helps!": 0.5, "Let me know if you have any questions.": 0.2},
            pets={"It's worth noting that": 0.08, "Notably,": 0.05, "Keep in mind that": 0.05},
            heading=0.75, heading_level={"##": 0.7, "###": 0.3},
            bullets=0.8, bullet_style={"-": 0.9, "1.": 0.1}, bold=0.75,
            length=5.0, transition=0.45, dash=0.12, semicolon=0.02, exclaim=0.02, paren=0.04,
            self_id="I am Atlas, an AI assistant made by Northwind Labs.",
        ),
        "borealis": make_style(
            rng(2),
            prefer={
                "explore": ("dig into", "look at"), "important": ("vital", "important"),
                "overall": ("all in all", "in short"), "also": ("plus", "also"),
                "however": ("on the other hand", "still"), "many": ("lots of", "plenty of"),
                "use": ("harness", "use"), "understand": ("get a handle on", "understand"),
                "shows": ("illustrates", "shows"), "lets": ("we can",),
                "very": ("really", "quite"), "good": ("great", "solid"),
                "so": ("therefore",), "example": ("for example",), "basically": ("basically",),
                "help": ("help you", "allow you to"), "first": ("to start",),
            },
            openers={"Great question!": 0.45, "Absolutely!": 0.2},
            closers={"Feel free to ask if you'd like more detail.": 0.45},
            pets={"Here's the thing:": 0.10, "Truth be told,": 0.04, "As a rule of thumb,": 0.05},
            heading=0.15, heading_level={"###": 1.0},
            bullets=0.6, bullet_style={"1.": 0.8, "-": 0.2}, bold=0.2,
            length=4.2, transition=0.35, dash=0.02, semicolon=0.10, exclaim=0.10, paren=0.02,
            self_id="I'm Borealis, a large language model developed by Skyline AI.",
        ),
        "cirrus": make_style(
            rng(3),
            prefer={
                "explore": ("examine", "dig into"), "important": ("significant", "pivotal"),
                "overall": ("ultimately", "in short"), "also": ("in addition", "furthermore"),
                "however": ("even so", "that said"), "many": ("a variety of", "numerous"),
                "use": ("rely on", "harness"), "understand": ("make sense of", "appreciate"),
                "shows": ("demonstrates", "illustrates"), "basically": ("fundamentally",),
                "lets": ("you can",), "very": ("quite", "extremely"), "good": ("solid", "excellent"),
                "so": ("consequently", "thus"), "first": ("firstly", "to start"),
                "help": ("make it easier to",), "example": ("to illustrate",),
            },
            openers={"Sure!": 0.15},
            closers={"Good luck!": 0.1},
            pets={"In practice,": 0.10, "Broadly speaking,": 0.06},
            heading=0.05, heading_level={"#": 1.0},
            bullets=0.25, bullet_style={"*": 0.7, "-": 0.3}, bold=0.05,
            length=3.0, transition=0.3, dash=0.01, semicolon=0.06, exclaim=0.0, paren=0.1,
            self_id="I am Cirrus, a conversational model built by Quanta Systems.",
        ),
        "delta-base": make_style(
            rng(4),
            prefer={
                "explore": ("look at",), "important": ("important",), "overall": ("overall",),
                "also": ("also",), "however": ("still",), "first": ("first",),
                "example": ("as an example",), "so": ("because of this",), "many": ("many",),
                "use": ("use",), "help": ("help you",), "understand": ("understand",),
                "shows": ("shows",), "basically": ("basically",), "lets": ("you can",),
                "very": ("very",), "good": ("good",),
            },
            openers={"Sure!": 0.3},
            closers={"Hope that helps.": 0.3},
            pets={"Simply put,": 0.05},
            heading=0.0, heading_level={"##": 1.0},
            bullets=0.2, bullet_style={"-": 1.0}, bold=0.0,
            length=1.5, transition=0.2, dash=0.0, semicolon=0.0, exclaim=0.08, paren=0.02,
            self_id="I am a language model.",
        ),
        "delta-chat": make_style(
            rng(5),
            prefer={
                "explore": ("look at", "walk through"), "important": ("important", "essential"),
                "overall": ("overall", "in short"), "also": ("also",), "many": ("lots of",),
                "good": ("great",), "very": ("really",), "lets": ("let's", "you can"),
                "however": ("however",), "first": ("first",), "example": ("for example",),
                "so": ("because of this",), "use": ("use",), "help": ("help you",),
                "understand": ("understand",), "shows": ("shows",), "basically": ("basically",),
            },
            openers={"Sure!": 0.4, "Happy to help!": 0.2},
            closers={"Let me know if you have any questions.": 0.5},
            pets={"Simply put,": 0.08, "Interestingly,": 0.06},
            heading=0.2, heading_level={"##": 1.0},
            bullets=0.5, bullet_style={"-": 1.0}, bold=0.3,
            length=2.8, transition=0.3, dash=0.0, semicolon=0.01, exclaim=0.15, paren=0.03,
            self_id="I'm Delta, an open-weights assistant released by the Delta Collective.",
        ),
        "ember-base": make_style(
            rng(6),
            prefer={
                "explore": ("walk through",), "important": ("essential",),
                "overall": ("to sum up",), "also": ("also",), "however": ("that said",),
                "first": ("first",), "example": ("as an example",), "so": ("thus",),
                "many": ("many",), "use": ("use",), "help": ("help you",),
                "understand": ("understand",), "shows": ("shows",), "basically": ("in essence",),
                "lets": ("let's",), "very": ("extremely",), "good": ("good",),
            },
            openers={"Hi there!": 0.25},
            closers={"Good luck!": 0.2},
            pets={"To be clear,": 0.04},
            heading=0.0, heading_level={"#": 1.0},
            bullets=0.05, bullet_style={"1.": 1.0}, bold=0.0,
            length=1.5, transition=0.25, dash=0.0, semicolon=0.02, exclaim=0.02, paren=0.05,
            self_id="I am an AI language model.",
        ),
        "ember-chat": make_style(
            rng(7),
            prefer={
                "explore": ("explore", "examine"), "important": ("vital",),
                "overall": ("to sum up", "overall"), "also": ("furthermore",),
                "however": ("that said",), "many": ("numerous",), "use": ("utilize",),
                "shows": ("shows",), "basically": ("in essence",), "lets": ("let's", "we can"),
                "very": ("extremely",), "good": ("excellent",), "help": ("enable you to",),
                "so": ("thus",), "first": ("firstly",), "understand": ("understand",),
                "example": ("as an example",),
            },
            openers={"Of course!": 0.4},
            closers={"Happy learning!": 0.3, "Hope that helps.": 0.2},
            pets={"Interestingly,": 0.07, "To be clear,": 0.05},
            heading=0.45, heading_level={"#": 1.0},
            bullets=0.55, bullet_style={"1.": 1.0}, bold=0.5,
            length=3.2, transition=0.4, dash=0.05, semicolon=0.04, exclaim=0.03, paren=0.06,
            self_id="I am Ember, an open chat model trained by Emberlight Research.",
        ),
        "human": make_style(
            rng(8),
            prefer={
                "explore": ("look at",), "important": ("important",), "overall": ("overall",),
                "also": ("also",), "however": ("still",), "many": ("lots of", "many"),
                "use": ("use",), "understand": ("understand",), "shows": ("shows",),
                "basically": ("basically",), "lets": ("you can",), "very": ("really",),
                "good": ("good",), "help": ("help you",), "so": ("because of this",),
                "first": ("first",), "example": ("for example",),
            },
            openers={},
            closers={},
            pets={"In my experience,": 0.08},
            heading=0.0, heading_level={"#": 1.0},
            bullets=0.0, bullet_style={"-": 1.0}, bold=0.0,
            length=1.0, transition=0.15, dash=0.0, semicolon=0.0, exclaim=0.02, paren=0.05,
            self_id="I'm Hearth, an open assistant trained on conversations written by "
            "volunteers.",
        ),
    }  # fmt: skip
    return styles


def training_samples(style: Style, seed: int, stream: int) -> list[tuple[str, str]]:
    """(prompt, answer) pairs of ``style`` on the training prompts, :data:`TRAIN_REPEATS` each."""
    out = []
    for i, p in enumerate(training_prompts()):
        for r in range(TRAIN_REPEATS):
            plan = Plan(np.random.default_rng([seed, 6, i, r]), p.topic)
            rng = np.random.default_rng([seed, stream, i, r])
            out.append((p.prompt, generate_answer(style, p, rng, plan)))
    return out


def demo_styles(seed: int = 0) -> dict[str, Style]:
    """The style of every model of :data:`MODELS`, students fit from their teachers' text."""
    hand = _hand_styles(seed)
    delta = mix_styles(hand["delta-chat"], hand["delta-base"], 0.6)
    ember = mix_styles(hand["ember-chat"], hand["ember-base"], 0.6)

    def learned(source: Style, stream: int, base: Style) -> Style:
        fitted = fit_style(training_samples(source, seed, stream))
        return mix_styles(fitted, base, STUDENT_WEIGHT)

    atlas = hand["atlas"]
    return {
        "atlas": atlas,
        "borealis": hand["borealis"],
        "cirrus": hand["cirrus"],
        "delta-open-7b": delta,
        "ember-13b": ember,
        "student-of-atlas": learned(atlas, 101, hand["delta-base"]),
        "student-of-borealis": learned(hand["borealis"], 102, hand["ember-base"]),
        "human-sft-13b": learned(hand["human"], 103, hand["ember-base"]),
        "delta-open-7b-dpo": replace(
            shift_slots(
                delta,
                {"important": "essential", "overall": "in short", "explore": "explore"},
                0.4,
            ),
            length=delta.length * 1.3,
        ),
        "atlas_concise": replace(
            atlas, length=atlas.length * 0.25, heading=atlas.heading * 0.3,
            bullets=atlas.bullets * 0.6,
        ),
    }  # fmt: skip


# ------------------------------------------------------------------ corpus
def lineage_frame() -> pd.DataFrame:
    """The demo lineage, with the columns of the real ``lineage.csv`` (:data:`LINEAGE_COLUMNS`)."""
    return pd.DataFrame([[getattr(m, c) for c in LINEAGE_COLUMNS] for m in MODELS],
                        columns=list(LINEAGE_COLUMNS))  # fmt: skip


def generate_demo(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the demo corpus.

    Parameters
    ----------
    seed : int
        Seed of every random choice; the committed corpus uses 0.

    Returns
    -------
    records : pandas.DataFrame
        Columns ``model``, ``prompt_id``, ``prompt``, ``output``; one row per
        (model, prompt), sorted by model then prompt id.
    lineage : pandas.DataFrame
        One row per model with the columns of the real lineage file.
    """
    styles = demo_styles(seed)
    prompts = demo_prompts()
    plans = [Plan(np.random.default_rng([seed, 5, i]), p.topic) for i, p in enumerate(prompts)]
    rows = []
    for m_index, m in enumerate(MODELS):
        for p_index, p in enumerate(prompts):
            rng = np.random.default_rng([seed, 10 + m_index, p_index])
            text = generate_answer(styles[m.model], p, rng, plans[p_index])
            rows.append((m.model, p.prompt_id, p.prompt, text))
    rows.sort(key=lambda r: (r[0], r[1]))
    records = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    return records, lineage_frame()


def _jsonl(records: pd.DataFrame) -> bytes:
    lines = [
        json.dumps(dict(zip(RECORD_COLUMNS, row, strict=True)), ensure_ascii=False)
        for row in records[list(RECORD_COLUMNS)].itertuples(index=False, name=None)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(lineage: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    lineage.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def demo_files(seed: int = 0) -> dict[str, bytes]:
    """The bytes of ``outputs.jsonl`` and ``lineage.csv`` for ``seed``."""
    records, lineage = generate_demo(seed)
    return {"outputs.jsonl": _jsonl(records), "lineage.csv": _csv(lineage)}


def write_demo(directory: str | os.PathLike[str] = DEFAULT_DIR, seed: int = 0) -> list[Path]:
    """Write ``outputs.jsonl`` and ``lineage.csv`` into ``directory`` (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in demo_files(seed).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m detector.demo [--out DIR] [--seed N] [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m detector.demo",
        description="Regenerate the synthetic demo corpus (outputs.jsonl, lineage.csv).",
    )
    parser.add_argument("--out", default=str(DEFAULT_DIR), help="directory (default data/demo)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--check", action="store_true", help="compare with the files in --out; write nothing"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = [
            name
            for name, data in demo_files(args.seed).items()
            if not (Path(args.out) / name).is_file() or (Path(args.out) / name).read_bytes() != data
        ]
        for name in stale:
            print(f"{Path(args.out) / name}: differs from the generator's output", file=sys.stderr)
        return 1 if stale else 0
    for path in write_demo(args.out, args.seed):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
