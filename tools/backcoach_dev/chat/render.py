"""What an answer sounds like, as text: SSML to words with the pauses marked.

``pieces`` reads the SSML once into words (with their speaking rate) and silences;
``to_text`` writes them for reading, ``[pause 8s]`` for a silence worth noticing
(breaks in a row are merged), ``play`` writes them at the pace Alexa would say them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from skill.speech.limits import break_seconds, prosody_rate
from skill.speech.timing import text_seconds

# Silences shorter than this read as a space: the little gaps between count words.
MARK_PAUSES_FROM = 1.0
# A <break> without a time, by strength, as Alexa's voice pauses.
BREAK_STRENGTH_SECONDS = {
    "none": 0.0,
    "x-weak": 0.1,
    "weak": 0.25,
    "medium": 0.5,
    "strong": 0.75,
    "x-strong": 1.0,
}


@dataclass(frozen=True, slots=True)
class Words:
    text: str
    rate: float = 100.0  # prosody rate, percent


@dataclass(frozen=True, slots=True)
class Silence:
    seconds: float


Piece = Words | Silence


class RenderError(ValueError):
    """SSML that cannot be read."""


def pieces(ssml: str) -> list[Piece]:
    """The words and silences of an SSML string, in order, silences in a row merged."""
    if not ssml.strip():
        return []
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError as error:
        raise RenderError(f"not valid SSML: {error}") from None
    merged: list[Piece] = []
    for piece in _walk(root, 100.0):
        last = merged[-1] if merged else None
        if isinstance(piece, Silence) and isinstance(last, Silence):
            merged[-1] = Silence(round(last.seconds + piece.seconds, 3))
        elif isinstance(piece, Words) and isinstance(last, Words) and last.rate == piece.rate:
            merged[-1] = Words(joined(last.text, piece.text), piece.rate)
        else:
            merged.append(piece)
    return merged


def _walk(element: ET.Element, rate: float) -> Iterator[Piece]:
    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "prosody" and "rate" in element.attrib:
        rate = rate * prosody_rate(element.attrib["rate"]) / 100
    if tag == "break":
        yield Silence(_break(element))
    elif tag == "sub" and "alias" in element.attrib:
        yield from _words(element.attrib["alias"], rate)
    elif tag == "audio":
        yield Words("[sound]", rate)
    else:
        yield from _words(element.text, rate)
        for child in element:
            yield from _walk(child, rate)
            yield from _words(child.tail, rate)


def _break(element: ET.Element) -> float:
    if "time" in element.attrib:
        return break_seconds(element.attrib["time"])
    return BREAK_STRENGTH_SECONDS.get(element.get("strength", "medium"), 0.5)


def _words(text: str | None, rate: float) -> Iterator[Words]:
    if text and text.split():
        yield Words(" ".join(text.split()), rate)


def joined(before: str, after: str) -> str:
    """Two runs of words, without a space before punctuation ("five" + "." is "five.")."""
    return before + after if after[:1] in ".,;:!?" else f"{before} {after}"


def pause_mark(seconds: float) -> str:
    return f"[pause {round(seconds, 1):g}s]"


def rate_mark(rate: float) -> str:
    return f"[rate {round(rate):d}%]"


def to_text(parts: list[Piece], *, marks: bool = True) -> str:
    """Readable text: words, ``[pause 3s]`` for silences of a second or more, and
    ``[rate 85%]`` where the voice is slower or faster than normal.  Without ``marks``,
    only the words."""
    out: list[str] = []
    rate = 100.0
    for piece in parts:
        if isinstance(piece, Silence):
            if marks and piece.seconds >= MARK_PAUSES_FROM:
                out.append(pause_mark(piece.seconds))
            continue
        if marks and piece.rate != rate:
            out.append(rate_mark(piece.rate))
        rate = piece.rate
        out.append(piece.text)
    return " ".join(out)


def ssml_to_text(ssml: str, *, marks: bool = True) -> str:
    """An SSML string as readable text (see :func:`to_text`)."""
    return to_text(pieces(ssml), marks=marks)


def seconds(parts: list[Piece]) -> float:
    """Roughly how long Alexa takes to say it."""
    return sum(p.seconds if isinstance(p, Silence) else text_seconds(p.text, p.rate) for p in parts)


def play(
    parts: list[Piece],
    write: Callable[[str], None],
    sleep: Callable[[float], None],
    *,
    width: int = 100,
    indent: str = "",
) -> None:
    """Write the words one by one at the pace they are said, waiting out the silences."""
    column = len(indent)

    def emit(token: str, wait: float) -> None:
        nonlocal column
        if column > len(indent) and column + 1 + len(token) > width:
            write("\n" + indent)
            column = len(indent)
        elif column > len(indent):
            write(" ")
            column += 1
        write(token)
        column += len(token)
        sleep(wait)

    for piece in parts:
        if isinstance(piece, Silence):
            if piece.seconds >= MARK_PAUSES_FROM:
                emit(pause_mark(piece.seconds), piece.seconds)
            else:
                sleep(piece.seconds)
            continue
        for word in piece.text.split():
            emit(word, text_seconds(word, piece.rate))
    write("\n")
