"""Every sentence the coach says, by key, from ``content/speech/en.yaml``.

Python picks keys, never sentences: a clinician or editor reviews one file per
language, and a locale overrides a phrase in ``content/speech/<locale>.yaml`` (en-GB's
"A and E").  Safety advice stays in ``content/safety.yaml`` and each exercise's own
words in ``content/exercises/``.

Which keys the code uses, and which placeholders each call fills, is read from the
source itself: an AST walk of the ``skill`` package for calls ``<x>.phrase("key",
name=...)``.  Loading checks every used key against the file and the placeholders of
each phrase against the names the calls pass, so a missing or mistyped phrase is an
error when the skill starts, never a crash in the middle of a routine.  The same walk
tells ``backcoach words`` where each phrase is used.  (No library does this check;
``string.Formatter`` parses the placeholders.)

A phrase stays one string.  Where English says a count two ways ("1 exercise", "3
exercises") the phrase holds both, "one | many", and :func:`one_or_many` picks the
half for the count after ``phrase`` has filled it; a list of words is never needed.
Code that runs without a coach (the error handler, and ``script`` functions that
``session.py`` still calls without its words) uses :func:`base_words`, the base file.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parents[1]
LANGUAGE = "en"  # the base file; locales override keys of it


class WordsError(ValueError):
    """The phrases do not fit the code: a key is missing, unknown or mis-filled."""


@dataclass(frozen=True, slots=True)
class Use:
    """One call of ``phrase`` in the source: where, and which placeholders it fills."""

    key: str
    names: frozenset[str]
    file: str
    line: int


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` fields of a phrase."""
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(text) if field is not None
    )


@cache
def uses(root: Path = PACKAGE_DIR) -> tuple[Use, ...]:
    """Every ``.phrase("key", ...)`` call under ``root``.  A key that is not a string
    literal, or ``**values``, is refused: the check must see every key and name."""
    found: list[Use] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "phrase"
            ):
                continue
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                raise WordsError(f"{where}: phrase() needs its key as a string literal")
            if any(keyword.arg is None for keyword in node.keywords) or len(node.args) > 1:
                raise WordsError(f"{where}: phrase() takes its placeholders by name")
            names = frozenset(k.arg for k in node.keywords if k.arg is not None)
            found.append(Use(first.value, names, str(path.relative_to(root.parent)), node.lineno))
    return tuple(found)


class Words:
    """The phrases of one locale, checked against the code's uses."""

    def __init__(self, phrases: Mapping[str, str], locale: str | None = None) -> None:
        self._phrases = dict(phrases)
        self.locale = locale

    def phrase(self, key: str, **values: Any) -> str:
        """The phrase for ``key``, its placeholders filled from ``values``."""
        return self._phrases[key].format(**values)

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(sorted(self._phrases.items()))

    def __contains__(self, key: object) -> bool:
        return key in self._phrases


def one_or_many(text: str, count: int) -> str:
    """The half of a "one | many" phrase that fits ``count``."""
    halves = text.split(" | ")
    if len(halves) != 2:
        raise WordsError(f"not a 'one | many' phrase: {text!r}")
    return halves[0] if count == 1 else halves[1]


def check(phrases: Mapping[str, str], used: tuple[Use, ...], source: str) -> None:
    """Raise WordsError unless every used key exists, with exactly the placeholders
    its calls fill, and no phrase is unused (a stale phrase misleads a reviewer)."""
    problems: list[str] = []
    for use in used:
        if use.key not in phrases:
            problems.append(f"{use.file}:{use.line}: no phrase {use.key!r} in {source}")
            continue
        wanted = placeholders(phrases[use.key])
        if wanted != use.names:
            problems.append(
                f"{use.file}:{use.line}: {use.key!r} has {{{', '.join(sorted(wanted))}}} "
                f"in {source}, the code fills {{{', '.join(sorted(use.names))}}}"
            )
    for key in sorted(set(phrases) - {use.key for use in used}):
        problems.append(f"{source}: {key!r} is not used by the code")
    if problems:
        raise WordsError("the phrases do not fit the code:\n  " + "\n  ".join(problems))


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; a phrase written twice
    would hide one of them from its reviewer, so it is refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(path: Path) -> dict[str, str]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise WordsError(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        raise WordsError(f"{path}: must map each key to a non-empty phrase")
    return {key: " ".join(value.split()) for key, value in data.items()}


def load_words(content: Path, locales: tuple[str, ...] = ()) -> dict[str | None, Words]:
    """The base phrases (under None) and each locale's, every one checked."""
    folder = content / "speech"
    base_file = folder / f"{LANGUAGE}.yaml"
    base = _read(base_file)
    used = uses()
    check(base, used, f"speech/{base_file.name}")
    words: dict[str | None, Words] = {None: Words(base)}
    for locale in locales:
        file = folder / f"{locale}.yaml"
        overrides = _read(file) if file.is_file() else {}
        unknown = set(overrides) - set(base)
        if unknown:
            raise WordsError(f"speech/{file.name}: no such phrase: {', '.join(sorted(unknown))}")
        merged = {**base, **overrides}
        check(merged, used, f"speech/{file.name}")
        words[locale] = Words(merged, locale)
    return words


@cache
def base_words() -> Words:
    """The checked base phrases of the repository's own ``content/``."""
    return load_words(PACKAGE_DIR.parent / "content")[None]
