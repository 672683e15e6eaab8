"""The text, spans and rating part of the quality reference check: simulated annotators, and the reference
computations LabelPark's per-annotator CER/WER, span precision/recall/F1 and interval alpha are held against.

Used by quality_reference.py; nothing here talks to the server.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

import jiwer
import krippendorff
import numpy as np
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

TRANSCRIPT = "transcript"
ENTITIES = "entities"
SCORE = "score"
SPAN_LABELS = ["PER", "LOC", "ORG"]
RATING_MIN, RATING_MAX = 1, 5
KINDS_SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": TRANSCRIPT, "type": "text"},
        {"name": ENTITIES, "type": "spans", "field": "text", "labels": SPAN_LABELS},
        {"name": SCORE, "type": "rating", "min": RATING_MIN, "max": RATING_MAX},
    ],
}
WORDS = ("the bus to the grottoes left late again and a guide said that the caves were closed for repair so we "
         "walked along the river past old walls until evening when rain began").split()
NAMES = {"PER": ["alice", "zhang", "wei", "li", "bob"], "LOC": ["datong", "yungang", "shanxi", "beijing"],
         "ORG": ["acme", "sinopec", "cctv"]}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class KindsItem:
    """One task: the sentence (its text field and the true transcript), its true spans and its true rating."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    rating: int


@dataclass(frozen=True)
class KindsAnnotator:
    """How careless one simulated annotator is, as probabilities per word or per span."""

    tier: str
    word_error: float  # a word substituted, dropped or followed by an extra word
    character_error: float  # one letter of a word replaced
    span_missed: float
    span_shifted: float  # one boundary moved inwards by a character
    span_relabelled: float
    spurious_span: float  # per plain word: a span that is not there
    rating_noise: float  # the chance the rating is off by one, and half of it by two

    def transcript(self, item: KindsItem, rng: random.Random) -> str:
        words = []
        for word in item.text.split(" "):
            roll = rng.random()
            if roll < self.word_error / 3:
                words.append(rng.choice(WORDS))
            elif roll < 2 * self.word_error / 3:
                pass
            elif roll < self.word_error:
                words += [word, rng.choice(WORDS)]
            else:
                words.append(word)
        for index, word in enumerate(words):
            if rng.random() < self.character_error:
                position = rng.randrange(len(word))
                words[index] = word[:position] + rng.choice(LETTERS) + word[position + 1:]
        return " ".join(words) if words else item.text.split(" ")[0]

    def entities(self, item: KindsItem, rng: random.Random) -> list[dict]:
        spans = []
        for start, end, label in item.spans:
            if rng.random() < self.span_missed:
                continue
            if end - start > 1 and rng.random() < self.span_shifted:
                if rng.random() < 0.5:
                    start += 1
                else:
                    end -= 1
            if rng.random() < self.span_relabelled:
                label = rng.choice([other for other in SPAN_LABELS if other != label])
            spans.append({"start": start, "end": end, "label": label})
        entity_starts = {start for start, _, _ in item.spans}
        offset = 0
        for word in item.text.split(" "):
            if offset not in entity_starts and rng.random() < self.spurious_span:
                spans.append({"start": offset, "end": offset + len(word), "label": rng.choice(SPAN_LABELS)})
            offset += len(word) + 1
        return spans

    def rating(self, item: KindsItem, rng: random.Random) -> int:
        roll = rng.random()
        step = 0 if roll >= self.rating_noise else (2 if roll < self.rating_noise / 2 else 1)
        value = item.rating + step * rng.choice([-1, 1])
        return min(RATING_MAX, max(RATING_MIN, value))

    def result(self, item: KindsItem, rng: random.Random) -> dict:
        return {TRANSCRIPT: self.transcript(item, rng), ENTITIES: self.entities(item, rng),
                SCORE: self.rating(item, rng)}


def kinds_annotators() -> list[KindsAnnotator]:
    return [
        KindsAnnotator("careful", 0.02, 0.02, 0.05, 0.05, 0.03, 0.02, 0.15),
        KindsAnnotator("medium", 0.08, 0.06, 0.15, 0.15, 0.10, 0.06, 0.40),
        KindsAnnotator("medium", 0.10, 0.08, 0.15, 0.20, 0.10, 0.08, 0.50),
        KindsAnnotator("sloppy", 0.20, 0.15, 0.30, 0.30, 0.20, 0.15, 0.90),
    ]


def kinds_items(rng: random.Random, count: int) -> list[KindsItem]:
    """Sentences of 5 to 12 words, about a quarter of them names (the true spans); a few have no name at all."""
    items = []
    for _ in range(count):
        words, spans, offset = [], [], 0
        for _ in range(rng.randint(5, 12)):
            if rng.random() < 0.25:
                label = rng.choice(SPAN_LABELS)
                word = rng.choice(NAMES[label])
                spans.append((offset, offset + len(word), label))
            else:
                word = rng.choice(WORDS)
            words.append(word)
            offset += len(word) + 1
        items.append(KindsItem(" ".join(words), tuple(spans), rng.randint(RATING_MIN, RATING_MAX)))
    return items


def gold_answer(item: KindsItem) -> dict:
    return {TRANSCRIPT: item.text,
            ENTITIES: [{"start": start, "end": end, "label": label} for start, end, label in item.spans],
            SCORE: item.rating}


# ------------------------------------------------------------------------------------ reference metrics


def jiwer_rates(pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """jiwer's CER and WER over a list of (reference, hypothesis): all edits ÷ all reference characters (words)."""
    references = [reference for reference, _ in pairs]
    hypotheses = [hypothesis for _, hypothesis in pairs]
    return float(jiwer.cer(references, hypotheses)), float(jiwer.wer(references, hypotheses))


def character_tags(text: str, spans: list[dict]) -> list[str]:
    """IOB2 tags with one tag per character (Python code point, LabelPark's offset unit).

    Why this makes seqeval's entity-level scores equal to exact span matching: a span (start, end, label) becomes
    B-label on character `start` and I-label on start+1 … end−1, everything else O. The spans of one answer never
    overlap (the schema forbids it), so the tagging is unambiguous, and strict IOB2 decoding gives back exactly
    the set of (label, start, end) written — a span starting right where another ends is still separate, as it
    starts with B. seqeval then counts an entity as a true positive only when label, start and end all agree, which
    is LabelPark's exact rule; it pools the counts over all sentences (micro average), as LabelPark pools them over
    an annotator's gold tasks. Characters rather than words, because a shifted boundary may cut a word.
    """
    tags = ["O"] * len(text)
    for span in spans:
        tags[span["start"]] = f"B-{span['label']}"
        for position in range(span["start"] + 1, span["end"]):
            tags[position] = f"I-{span['label']}"
    return tags


def seqeval_scores(tasks: list[tuple[str, list[dict], list[dict]]]) -> tuple[float, float, float]:
    """seqeval's micro precision, recall and F1 (strict IOB2) over (text, gold spans, answer spans) triples."""
    truth = [character_tags(text, gold) for text, gold, _ in tasks]
    predicted = [character_tags(text, answer) for text, _, answer in tasks]
    options = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    return (float(precision_score(truth, predicted, **options)), float(recall_score(truth, predicted, **options)),
            float(f1_score(truth, predicted, **options)))


def overlap_matches(answer: list[dict], gold: list[dict]) -> int:
    """The largest one-to-one matching of answer to gold spans of the same label sharing a character, by
    augmenting paths (Kuhn's algorithm): written independently of LabelPark's greedy interval matching."""
    edges = [[g for g, other in enumerate(gold) if other["label"] == span["label"] and span["start"] < other["end"]
              and other["start"] < span["end"]] for span in answer]
    partner: dict[int, int] = {}

    def augment(index: int, seen: set[int]) -> bool:
        for g in edges[index]:
            if g in seen:
                continue
            seen.add(g)
            if g not in partner or augment(partner[g], seen):
                partner[g] = index
                return True
        return False

    return sum(augment(index, set()) for index in range(len(answer)))


def exact_matches(answer: list[dict], gold: list[dict]) -> int:
    remaining = defaultdict(int)
    for span in gold:
        remaining[(span["start"], span["end"], span["label"])] += 1
    matched = 0
    for span in answer:
        key = (span["start"], span["end"], span["label"])
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
    return matched


def ratio(numerator: float, denominator: float) -> float:
    """LabelPark's span convention: 0 ÷ 0 is 1 (nothing claimed, nothing missed)."""
    return 1.0 if denominator == 0 else numerator / denominator


def span_f1(matched: int, answer_count: int, gold_count: int) -> float:
    return ratio(2 * matched, answer_count + gold_count)


def pooled_overlap_scores(tasks: list[tuple[list[dict], list[dict]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 under overlap matching over (gold spans, answer spans) pairs, by hand."""
    matched = sum(overlap_matches(answer, gold) for gold, answer in tasks)
    answers = sum(len(answer) for _, answer in tasks)
    golds = sum(len(gold) for gold, _ in tasks)
    return ratio(matched, answers), ratio(matched, golds), span_f1(matched, answers, golds)


def interval_alpha(rows: list[tuple[int, int, float]]) -> float | None:
    """The `krippendorff` package's interval alpha over raters × units; None where it is undefined."""
    units = sorted({unit for unit, _, _ in rows})
    raters = sorted({rater for _, rater, _ in rows})
    matrix = np.full((len(raters), len(units)), np.nan)
    for unit, rater, value in rows:
        matrix[raters.index(rater), units.index(unit)] = value
    try:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval"))
    except ValueError:
        return None
    return None if math.isnan(alpha) else alpha
