"""Stored text shown in a terminal: control and format characters made visible.

What a person said reaches Redis as slot text, and a plan's label and note come from a
file: none of it may move a clinician's cursor, clear their screen or reorder a line
(ANSI escapes, carriage returns, bidirectional overrides).  Every character of Unicode
category Cc (controls) or Cf (format, bidi overrides among them), and the line and
paragraph separators, is shown as its Python escape (``\\x1b``, ``\\u202e``); the
rest is left as it is.  The standard library has no such function (``repr`` also
quotes and escapes printable non-ASCII text), hence these few lines.
"""

from __future__ import annotations

import unicodedata
from typing import Any

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def printable(value: object) -> str:
    """``value`` as text with every control or format character escaped."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def printable_tree(value: Any) -> Any:
    """Every string inside dicts and lists made printable (keys too)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_tree(key): printable_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable_tree(item) for item in value]
    return value
