"""Alexa's limits on what a response may say (docs/ARCHITECTURE.md, 'Speech budget'), checked on
every render (and the response size on every answer, in ``skill/app.py``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MAX_SPEECH_CHARS = 8000
MAX_BREAK_SECONDS = 10.0
MAX_AUDIO_CLIPS = 5
MIN_PROSODY_RATE = 20
MAX_RESPONSE_BYTES = 24 * 1024


class SpeechLimitError(ValueError):
    """Rendered speech that Alexa would refuse."""


_TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)%$")
_NAMED_RATES = {"x-slow", "slow", "medium", "fast", "x-fast"}


def break_seconds(value: str) -> float:
    """Seconds of a ``<break time="...">`` value ("500ms", "2s")."""
    match = _TIME.match(value.strip())
    if match is None:
        raise SpeechLimitError(f"break time {value!r} is not in s or ms")
    number, unit = float(match.group(1)), match.group(2)
    return number / 1000 if unit == "ms" else number


def prosody_rate(value: str) -> float:
    """A prosody rate as a percentage (named rates count as within bounds)."""
    value = value.strip()
    if value in _NAMED_RATES:
        return 100.0
    match = _RATE.match(value)
    if match is None:
        raise SpeechLimitError(f"prosody rate {value!r} is not a percentage")
    return float(match.group(1))


def check_ssml(ssml: str) -> ET.Element:
    """Raise :class:`SpeechLimitError` unless Alexa would accept this SSML; return its tree."""
    if len(ssml) > MAX_SPEECH_CHARS:
        raise SpeechLimitError(f"speech is {len(ssml)} characters, over {MAX_SPEECH_CHARS}")
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError as error:
        raise SpeechLimitError(f"speech is not valid XML: {error}") from None
    if root.tag != "speak":
        raise SpeechLimitError("speech must be wrapped in <speak>")
    audio = 0
    for element in root.iter():
        if element.tag == "break":
            seconds = break_seconds(element.get("time", "0ms"))
            if seconds > MAX_BREAK_SECONDS:
                raise SpeechLimitError(f"a break of {seconds} s is over {MAX_BREAK_SECONDS} s")
        elif element.tag == "prosody" and "rate" in element.attrib:
            rate = prosody_rate(element.attrib["rate"])
            if rate < MIN_PROSODY_RATE:
                raise SpeechLimitError(f"prosody rate {rate}% is under {MIN_PROSODY_RATE}%")
        elif element.tag == "audio":
            audio += 1
    if audio > MAX_AUDIO_CLIPS:
        raise SpeechLimitError(f"{audio} audio clips, over {MAX_AUDIO_CLIPS}")
    return root


def check_response_size(body: bytes) -> None:
    """Raise :class:`SpeechLimitError` if a whole response body is too large for Alexa
    (the webhook checks every answer: ``skill/app.py``)."""
    if len(body) >= MAX_RESPONSE_BYTES:
        raise SpeechLimitError(f"response is {len(body)} bytes, over {MAX_RESPONSE_BYTES}")
