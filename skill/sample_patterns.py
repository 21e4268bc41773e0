"""Sample patterns: one line of ``interaction_model/source.yaml`` for many literal samples.

Patients say one meaning in dozens of ways ("my leg has gone numb", "my feet have gone
dead", ...), and Alexa only learns what its samples show it.  Writing every combination
by hand is unreadable and drifts, so a sample may be a pattern, expanded at build time:

- ``<name>`` is any phrase of the filler list ``name`` (``fillers:`` in the source; an
  empty phrase ``""`` makes it optional);
- ``(a|b|)`` is one of the alternatives written in place (an empty one: optional).

``my <leg> (has gone|went) {symptom}`` becomes every combination, with spaces tidied.
A filler phrase may itself be a pattern (``ouch_or_not: ["", "<ouch>"]``), expanded in
turn, a few levels deep at most.  ``{slot}`` references pass through untouched: Alexa
fills them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

# A filler reference, or an alternation in parentheses (no nesting).
_PART = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>|\(([^()]*)\)")
_STRAY = re.compile(r"[<>()|]")
MAX_DEPTH = 4


class PatternError(ValueError):
    """A pattern names an unknown filler or is malformed."""


def references(pattern: str) -> list[str]:
    """The filler names a pattern uses, in order."""
    return [m.group(1) for m in _PART.finditer(pattern) if m.group(1)]


def check(pattern: str, fillers: Mapping[str, Iterable[str]]) -> None:
    """Raise ``PatternError`` saying what is wrong with a pattern, if anything."""
    unknown = [name for name in references(pattern) if name not in fillers]
    if unknown:
        raise PatternError(f"unknown filler <{unknown[0]}>")
    if _STRAY.search(_PART.sub("", pattern)):
        raise PatternError("unbalanced '<', '>', '(' or ')', or '|' outside parentheses")


def expand(pattern: str, fillers: Mapping[str, Iterable[str]]) -> list[str]:
    """Every literal sample a pattern stands for, in order, without repeats."""
    check(pattern, fillers)
    samples = [pattern]
    for _ in range(MAX_DEPTH + 1):
        if not any(is_pattern(sample) for sample in samples):
            return samples
        done: dict[str, None] = {}
        for sample in samples:
            for literal in _expand_once(sample, fillers) if is_pattern(sample) else [sample]:
                done.setdefault(literal, None)
        samples = list(done)
    raise PatternError(f"fillers nest more than {MAX_DEPTH} deep (one names itself?)")


def _expand_once(pattern: str, fillers: Mapping[str, Iterable[str]]) -> list[str]:
    check(pattern, fillers)
    pieces: list[list[str]] = []
    at = 0
    for match in _PART.finditer(pattern):
        pieces.append([pattern[at : match.start()]])
        name, alternatives = match.group(1), match.group(2)
        pieces.append(list(fillers[name]) if name else alternatives.split("|"))
        at = match.end()
    pieces.append([pattern[at:]])
    samples: dict[str, None] = {}
    for combination in itertools.product(*pieces):
        sample = " ".join("".join(combination).split())
        if sample:
            samples.setdefault(sample, None)
    if not samples:
        raise PatternError("expands to nothing")
    return list(samples)


def is_pattern(sample: str) -> bool:
    return bool(_PART.search(sample))
