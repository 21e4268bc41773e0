"""Stored values: compact JSON objects, small, and read back defensively.

A value that does not decode to an object (corrupted by hand, or written by
something else) is logged and read as absent, so one bad entry cannot stop a
person's session from starting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# A pain event or history record is a few hundred bytes (docs/ARCHITECTURE.md,
# 'Storage budget': under 2 KB of Redis per active user).  Anything far larger is a
# bug upstream, such as a whole transcript in "words"; refusing it before any I/O
# keeps the lists from growing without bound, since they are never trimmed.
MAX_RECORD_BYTES = 1024


class RecordTooLargeError(ValueError):
    """A pain event or history record bigger than MAX_RECORD_BYTES."""


# Built once: json.dumps with any option builds an encoder per call, a fifth of its cost.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"))


def encode(value: Mapping[str, Any]) -> str:
    return _COMPACT.encode(value)


def progress_text(state: Mapping[str, Any] | str | None) -> str | None:
    """The progress as stored: the state's compact JSON, ASCII only, or None for none.

    The webhook hands over the text it already made for the session attributes
    (``json.dumps(state, separators=(",", ":"))``), taken as it is; a dict is encoded
    the same way, so both give the same stored bytes and so the same fingerprint."""
    if state is None or isinstance(state, str):
        return state
    return _COMPACT_ASCII.encode(state)


def encode_record(record: Mapping[str, Any]) -> str:
    text = encode(record)
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_BYTES:
        raise RecordTooLargeError(
            f"a stored record is {size} bytes; the limit is {MAX_RECORD_BYTES}"
        )
    return text


def decode(text: str | bytes | None, what: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, TypeError):
        log.warning("ignoring a stored %s that is not JSON", what)
        return None
    if not isinstance(value, dict):
        log.warning("ignoring a stored %s that is not a JSON object", what)
        return None
    return value


def decode_all(texts: Iterable[str | bytes], what: str) -> list[dict[str, Any]]:
    return [value for text in texts if (value := decode(text, what)) is not None]


def decode_text(value: str | bytes | None) -> str | None:
    """A stored plain string (not JSON), as text; None when absent or not UTF-8."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value
