"""SSML rendering: counting with breaks, prosody, escaping, and Alexa's limits."""

from .limits import SpeechLimitError, check_ssml
from .ssml import render, render_hold, speakable
from .timing import speech_seconds

__all__ = ["SpeechLimitError", "check_ssml", "render", "render_hold", "speakable", "speech_seconds"]
