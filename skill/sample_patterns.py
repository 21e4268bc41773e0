"""Sample patterns: one line of ``interaction_model/source.yaml`` for many literal samples.

Patients say one meaning in dozens of ways ("my leg has gone numb", "my feet have gone
dead", ...), and Alexa only learns what its samples show it.  Writing every combination
by hand is unreadable and drifts, so a sample may be a pattern, expanded at build time:

- ``<name>`` is any phrase of the filler list ``name`` (``fillers:`` in the source; an
  empty phrase ``""`` makes it optional);
- ``(a|b|)`` is one of the alternatives written in place (an empty one: optional).

``my <leg> (has gone|went) {symptom}`` becomes every combination, with spaces tidied.
``{slot}`` references pass through untouched: Alexa fills them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

# A filler reference, or an alternation in parentheses (no nesting).
_PART = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>|\(([^()]*)\)")
_STRAY = re.compile(r"[<>()|]")


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
