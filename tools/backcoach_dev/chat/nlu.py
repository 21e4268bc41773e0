"""Typed text to an intent and its slots, through the skill's own interaction model.

A stand-in for Alexa's language understanding, good enough to try the skill in a
terminal and to script conversations.  Text is compared normalised (case, punctuation,
apostrophes, numbers as words), in this order:

1. exactly a sample of the model, or a phrase Alexa itself gives a built-in intent
   ("stop", "help", "yes"); if a slot sample of the same intent fits too ("my back
   hurts", "my {body_part} hurts"), that one, as the slot says more;
2. a sample with ``{slot}`` placeholders whose slot words resolve against the slot
   type's values and synonyms, giving ER_SUCCESS_MATCH with the value's id as Alexa's
   entity resolution does ("do the bridge");  where several samples fit, the one with
   more fixed words wins;
3. close to a sample, or to a slot sample filled with one of its type's values
   (rapidfuzz: typos and small changes of wording, "I'm redy", "knee rols"); an intent's
   slot samples are filled in this way shortest first, up to ``NEAR_PER_INTENT`` texts, as
   samples generated from patterns number thousands, and each with every value would make
   millions;
4. a slot sample whose slot words name nothing, sent with ER_SUCCESS_NO_MATCH ("do the
   underwater basket weaving"); a sample that is only a slot never matches this way;
5. otherwise ``AMAZON.FallbackIntent``, as Alexa answers words the model does not cover.

It also knows how a skill is opened by its invocation name ("open back coach",
"tell back coach I'm ready").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from skill.interaction_model import MODEL_DIR
from skill.speech.timing import number_words

from .requests import intent, slot

FALLBACK = "AMAZON.FallbackIntent"
# Fuzzy matches below this score (0-100) are not taken: Alexa would not understand either.
FUZZY_CUTOFF = 88.0
# ... except one slip of the keyboard (a letter wrong, missing, extra or swapped) in
# text at least this long.
ONE_SLIP_MIN_LENGTH = 5
# Fuzzy-match targets one intent's slot samples may add (filled with each value).
NEAR_PER_INTENT = 20_000

# Phrases Alexa itself gives the built-in intents (Amazon's list of common utterances);
# a model's samples only add to them.
BUILT_IN_SAMPLES: dict[str, tuple[str, ...]] = {
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "can you help me"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks"),
    "AMAZON.PauseIntent": ("pause", "pause that"),
    "AMAZON.PreviousIntent": ("go back", "skip back", "back up", "previous"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "repeat that"),
    "AMAZON.ResumeIntent": ("resume", "continue", "keep going"),
    "AMAZON.StopIntent": ("stop", "off", "shut up"),
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "sure", "yes please"),
    "AMAZON.NavigateHomeIntent": ("go home",),
}

WAKE_WORD = "alexa"
_SLOT = re.compile(r"^\{([A-Za-z_]+)\}$")

How = Literal["exact", "slots", "fuzzy", "fallback"]


class NluError(ValueError):
    """No interaction model for a locale, or one that cannot be read."""


def normalise(text: str) -> str:
    """Lower case, no accents, apostrophes or punctuation, numbers as words, one space."""
    text = unicodedata.normalize("NFKD", re.sub("[\u2018\u2019]", "'", text))
    text = "".join(c if c.isalnum() or unicodedata.combining(c) else " " for c in text if c != "'")
    text = text.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\d+", lambda m: f" {_number(m.group())} ", text)
    return " ".join(text.split())


def _number(digits: str) -> str:
    value = int(digits)
    return number_words(value) if value < 1000 else digits


def without_wake_word(text: str) -> str:
    words = text.split()
    return " ".join(words[1:]) if words[:1] == [WAKE_WORD] else text


@dataclass(frozen=True, slots=True)
class SlotFill:
    """A slot of the understood intent: the words heard and what they resolved to."""

    name: str
    value: str | None = None
    resolved: tuple[tuple[str, str], ...] = ()  # (id, value name); empty: no match

    builtin: bool = False  # a built-in type (AMAZON.NUMBER) converted the words: no resolutions

    @property
    def understood(self) -> bool:
        return bool(self.resolved) or self.builtin

    def to_request(self) -> dict[str, Any]:
        return slot(self.name, self.value, list(self.resolved) or None)


@dataclass(frozen=True, slots=True)
class Understood:
    """An intent with every slot it declares, and how the text was matched."""

    intent: str
    slots: tuple[SlotFill, ...] = ()
    how: How = "exact"
    sample: str | None = None
    score: float = 100.0

    @property
    def resolved(self) -> bool:
        """Every slot that was filled resolved to a value of its type."""
        return all(s.understood for s in self.slots if s.value is not None)

    def to_request(self) -> dict[str, Any]:
        """The IntentRequest Alexa would send."""
        return intent(self.intent, **{s.name: s.to_request() for s in self.slots})

    def describe(self) -> str:
        """One line for people: the intent, filled slots and how it was matched."""
        parts = [self.intent]
        for filled in self.slots:
            if filled.value is None:
                continue
            target = filled.resolved[0][0] if filled.resolved else "no match"
            parts.append(f"{filled.name}={filled.value!r}->{target}")
        if self.how == "fuzzy":
            parts.append(f"(close to {self.sample!r}, {self.score:.0f}%)")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Invocation:
    """Words that open the skill: a plain launch, or a one-shot request ("tell ... to")."""

    launch: bool
    request: str = ""


@dataclass(frozen=True, slots=True)
class _Pattern:
    intent: str
    sample: str
    regex: re.Pattern[str]
    fixed_chars: int  # letters outside the slots: more is more specific
    words: frozenset[str]  # the words outside the slots: all must be in the text


@dataclass(frozen=True, slots=True)
class _Near:
    """A fuzzy-match target: a sample, or a slot sample with one value filled in."""

    intent: str
    sample: str
    text: str  # normalised, with the value in place of the slot
    slot: str | None = None
    value: str | None = None
    resolved: tuple[str, str] | None = None


class Nlu:
    """The matcher for one locale's interaction model."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation_name = normalise(language["invocationName"])
        self.slot_types: dict[str, dict[str, str]] = {}
        self.values: dict[str, dict[str, tuple[str, str]]] = {}
        for slot_type in language.get("types", []):
            self.values[slot_type["name"]] = dict(_type_strings(slot_type))
        self.plain: dict[str, tuple[str, str]] = {}
        self.patterns: list[_Pattern] = []
        near: list[_Near] = []
        for item in language["intents"]:
            name = item["name"]
            self.slot_types[name] = {s["name"]: s["type"] for s in item.get("slots", [])}
            fillable = [s for s in item.get("samples", []) if not self._add_sample(name, s, near)]
            filled = 0
            for sample in sorted(fillable, key=lambda s: len(s.split())):
                if filled >= NEAR_PER_INTENT:
                    break
                targets = self._filled_sample(name, sample)
                filled += len(targets)
                near.extend(targets)
        for name, phrases in BUILT_IN_SAMPLES.items():
            if name in self.slot_types:
                for phrase in phrases:
                    if normalise(phrase) not in self.plain:
                        self._add_sample(name, phrase, near)
        self.near = near
        self._near_texts = [n.text for n in near]
        self._invocation = _invocation_patterns(self.invocation_name)

    @classmethod
    def for_locale(cls, locale: str, model_dir: Path = MODEL_DIR) -> Nlu:
        path = Path(model_dir) / f"{locale}.json"
        try:
            model = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            known = sorted(p.stem for p in Path(model_dir).glob("*.json"))
            raise NluError(
                f"no interaction model for {locale!r} (there are: {', '.join(known)})"
            ) from None
        except (OSError, ValueError) as error:
            raise NluError(f"{path}: cannot read the interaction model: {error}") from None
        return cls(model)

    # -- building -----------------------------------------------------------------

    def _add_sample(self, name: str, sample: str, near: list[_Near]) -> bool:
        """Index one sample; a plain one is also a fuzzy-match target (added to
        ``near``).  False for a sample with one slot, which ``_filled_sample`` may fill."""
        tokens = sample.split()
        slots = [m.group(1) for t in tokens if (m := _SLOT.match(t))]
        if not slots:
            self.plain.setdefault(normalise(sample), (name, sample))
            near.append(_Near(name, sample, normalise(sample)))
            return True
        self.patterns.append(_pattern(name, sample, tokens))
        return len(slots) != 1

    def _filled_sample(self, name: str, sample: str) -> list[_Near]:
        """A one-slot sample filled with each value of its type: fuzzy-match targets."""
        tokens = sample.split()
        (slot_name,) = [m.group(1) for t in tokens if (m := _SLOT.match(t))]
        slot_type = self.slot_types[name].get(slot_name, "")
        return [
            _Near(name, sample, _filled(tokens, value), slot_name, value, resolved)
            for value, resolved in self.values.get(slot_type, {}).items()
        ]

    # -- understanding --------------------------------------------------------------

    def understand(self, text: str) -> Understood:
        said = without_wake_word(normalise(text))
        if not said:
            return Understood(FALLBACK, how="fallback")
        exact, fitted = self._exact(said), self._with_slots(said)
        if fitted is not None and fitted.resolved and _agrees(exact, fitted):
            return fitted  # "my back hurts" fills "my {body_part} hurts": the slot says more
        if exact is not None:
            return exact
        # Words in a slot that name nothing: a close sample is the likelier meaning.
        return self._fuzzy(said) or fitted or Understood(FALLBACK, how="fallback")

    def _exact(self, said: str) -> Understood | None:
        found = self.plain.get(said)
        if found is None:
            return None
        name, sample = found
        return Understood(name, self._empty_slots(name), "exact", sample)

    def _with_slots(self, said: str) -> Understood | None:
        best: tuple[tuple[bool, int], Understood] | None = None
        words = set(said.split())
        for pattern in self.patterns:
            if not pattern.words <= words:
                continue
            match = pattern.regex.fullmatch(said)
            if match is None:
                continue
            heard = {k: v for k, v in match.groupdict().items() if v}
            filled = {k: self.resolve(pattern.intent, k, v) for k, v in heard.items()}
            resolved = all(f.understood for f in filled.values())
            if pattern.fixed_chars == 0 and not resolved:
                continue  # "{exercise}" alone: only words that name something
            slots = tuple(filled.get(s.name, s) for s in self._empty_slots(pattern.intent))
            rank = (resolved, pattern.fixed_chars)
            if best is None or rank > best[0]:
                best = (rank, Understood(pattern.intent, slots, "slots", pattern.sample))
        return best[1] if best else None

    def _fuzzy(self, said: str) -> Understood | None:
        found = _closest(said, self._near_texts)
        if found is None:
            return None
        text, score, index = found
        if score < FUZZY_CUTOFF and not one_slip(said, text):
            return None
        near = self.near[index]
        slots = self._empty_slots(near.intent)
        if near.slot is not None and near.resolved is not None:
            filled = SlotFill(near.slot, near.value, (near.resolved,))
            slots = tuple(filled if s.name == near.slot else s for s in slots)
        return Understood(near.intent, slots, "fuzzy", near.text, score)

    def resolve(self, intent_name: str, slot_name: str, words: str) -> SlotFill:
        """The words of a slot against its type's values and synonyms (entity resolution)."""
        slot_type = self.slot_types.get(intent_name, {}).get(slot_name, "")
        if slot_type == "AMAZON.NUMBER":
            digits = spoken_digits(words)
            return SlotFill(slot_name, digits or words, builtin=digits is not None)
        found = self.values.get(slot_type, {}).get(normalise(words))
        return SlotFill(slot_name, words, (found,) if found else ())

    def _empty_slots(self, intent_name: str) -> tuple[SlotFill, ...]:
        return tuple(SlotFill(name) for name in self.slot_types.get(intent_name, {}))

    def invocation(self, text: str) -> Invocation | None:
        """Whether the words open the skill: "open back coach", "ask back coach to ..."."""
        said = without_wake_word(normalise(text))
        for pattern in self._invocation:
            match = pattern.fullmatch(said)
            if match:
                request = match.groupdict().get("request") or ""
                return Invocation(launch=not request, request=request)
        return None


DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip


def spoken_digits(words: str) -> str | None:
    """Digits said one by one ("one two three", "123") as Alexa's AMAZON.NUMBER gives
    them ("123"); None for anything else.  (Alexa also converts "twelve"; codes here are
    said a digit at a time.)"""
    digits = ""
    for token in normalise(words).split():
        if token.isdigit():
            digits += token
        elif token in DIGIT_WORDS:
            digits += DIGIT_WORDS[token]
        else:
            return None
    return digits or None


def _agrees(exact: Understood | None, fitted: Understood) -> bool:
    return exact is None or exact.intent == fitted.intent


def _pattern(intent_name: str, sample: str, tokens: list[str]) -> _Pattern:
    """A sample with ``{slot}`` placeholders as a regular expression over normalised text."""
    parts, fixed, words = [], 0, set()
    for token in tokens:
        match = _SLOT.match(token)
        if match:
            parts.append(f"(?P<{match.group(1)}>.+?)")
        else:
            word = normalise(token)
            fixed += len(word)
            words.update(word.split())
            parts.append(re.escape(word))
    return _Pattern(intent_name, sample, re.compile(" ".join(parts)), fixed, frozenset(words))


def _filled(tokens: list[str], value: str) -> str:
    """A one-slot sample with the slot's words in place (both normalised)."""
    return " ".join(value if _SLOT.match(t) else normalise(t) for t in tokens)


def _closest(said: str, texts: list[str]) -> tuple[str, float, int] | None:
    """The text most ``similarity``-like to ``said``: each scorer's best in rapidfuzz's
    native loop (a Python scorer over a large model takes seconds), the higher kept."""
    found = [process.extractOne(said, texts, scorer=s) for s in (fuzz.ratio, fuzz.token_sort_ratio)]
    best = [f for f in found if f is not None]
    return max(best, key=lambda f: (f[1], -f[2])) if best else None


def similarity(said: str, target: str, **_: Any) -> float:
    """How close two normalised texts are (0-100), whatever the order of the words."""
    return max(fuzz.ratio(said, target), fuzz.token_sort_ratio(said, target))


def one_slip(said: str, target: str) -> bool:
    """One letter wrong, missing, extra or swapped, in text long enough to be sure."""
    return min(len(said), len(target)) >= ONE_SLIP_MIN_LENGTH and OSA.distance(said, target) <= 1


def _type_strings(slot_type: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, str]]]:
    for value in slot_type["values"]:
        name = value["name"]
        for text in (name["value"], *name.get("synonyms", ())):
            yield normalise(text), (value["id"], name["value"])


def _invocation_patterns(name: str) -> list[re.Pattern[str]]:
    skill = re.escape(name)
    opening = r"(?:open|start|launch|begin|run|load|play|use|talk to|start up|open up)"
    linking = r"(?:to |that |for |about |if |whether )?"
    return [
        re.compile(rf"(?:{opening} )?{skill}(?: please)?"),
        re.compile(rf"(?:ask|tell) {skill} {linking}(?P<request>.+)"),
        re.compile(rf"{opening} {skill} (?:and|to) (?P<request>.+)"),
        re.compile(rf"(?P<request>.+) (?:with|using|on|from|in) {skill}"),
    ]
