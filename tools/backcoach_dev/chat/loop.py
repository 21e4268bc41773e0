"""The terminal chat: read what the person types, show (and say) what Back Coach answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TextIO

from .conversation import Conversation, Exchange, Step
from .device import ChatError
from .render import pieces, play, to_text
from .voice import Voice

QUIT_WORDS = frozenset({"quit", "exit", "q", ":q"})
PROMPT = "you> "
COACH = "coach> "
INDENT = " " * len(COACH)

BANNER = """\
Back Coach chat: type what you would say to the Echo, then Enter.
  Enter alone is silence (Alexa reprompts, then closes the session).
  "open back coach" opens it again; "tell back coach I'm ready" is a one-shot request.
  quit or exit leaves.
"""


@dataclass(frozen=True, slots=True)
class ChatOptions:
    realtime: bool = False  # print the answers at the pace they are said
    color: bool = False  # dim the reprompts and notes (a terminal)
    width: int = 100
    show_intent: bool = True  # show what the words were understood as


class Screen:
    """Writes the conversation, plain or with dim text for what Alexa does around it."""

    def __init__(
        self,
        out: TextIO,
        options: ChatOptions,
        voice: Voice | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.out = out
        self.options = options
        self.voice = voice
        self.sleep = sleep

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def dim(self, text: str) -> None:
        self.line(f"\x1b[2m{text}\x1b[0m" if self.options.color else text)

    def step(self, step: Step) -> None:
        for exchange in step.exchanges:
            self.exchange(exchange)
        if step.spoken_again:
            self.dim(f"{INDENT}(Alexa says the reprompt)")
            self.say(step.spoken_again)
        if step.note:
            self.dim(f"{INDENT}[{step.note}]")

    def exchange(self, exchange: Exchange) -> None:
        if self.options.show_intent:
            self.dim(f"{INDENT}[{request_line(exchange)}]")
        if exchange.speech:
            self.say(exchange.speech)
        if exchange.reprompt and not exchange.ends_session:
            self.dim(f"{INDENT}(reprompt) {to_text(pieces(exchange.reprompt))}")
        if exchange.ends_session and exchange.kind != "SessionEndedRequest":
            self.dim(f"{INDENT}[session ended: type to start a new one, or quit]")

    def say(self, ssml: str) -> None:
        parts = pieces(ssml)
        if self.options.realtime:
            self._play(ssml)
            return
        self.line(wrap(COACH + to_text(parts), self.options.width, INDENT))
        if self.voice is not None:
            self.voice.say(ssml)

    def _play(self, ssml: str) -> None:
        """Word by word at the pace it is said; Ctrl-C cuts it short, as "Alexa" would."""
        if self.voice is not None:
            self.voice.start(ssml)
        self.out.write(COACH)
        try:
            play(pieces(ssml), self._write, self.sleep, width=self.options.width, indent=INDENT)
        except KeyboardInterrupt:
            self.line()
            self.dim(f"{INDENT}[cut short]")
            if self.voice is not None:
                self.voice.stop()
            return
        if self.voice is not None:
            self.voice.wait()

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


def request_line(exchange: Exchange) -> str:
    if exchange.understood is not None:
        return exchange.understood.describe()
    if exchange.kind == "SessionEndedRequest":
        return f"SessionEndedRequest {exchange.request.get('reason', '')}".strip()
    return exchange.kind


def wrap(text: str, width: int, indent: str) -> str:
    """Wrap at spaces, keeping ``[pause 3s]`` marks whole."""
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        if current and len(current) + 1 + len(token) > width:
            lines.append(current)
            current = indent + token
        else:
            current = f"{current} {token}" if current else token
    lines.append(current)
    return "\n".join(lines)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for word in text.split(" "):
        if tokens and tokens[-1].startswith("[") and not tokens[-1].endswith("]"):
            tokens[-1] += " " + word
        elif word:
            tokens.append(word)
    return tokens


def run_chat(
    conversation: Conversation,
    read: Callable[[str], str],
    screen: Screen,
) -> int:
    """The chat until quit, exit or the end of input.  ``read`` is ``input``-like."""
    screen.line(BANNER)
    _show(screen, conversation.open)
    while True:
        try:
            typed = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            screen.line()
            typed = "quit"
        words = typed.strip()
        if words.lower().strip(".!") in QUIT_WORDS:
            _show(screen, conversation.leave)
            screen.line("Bye.")
            return 0
        _show(screen, partial(conversation.hear, words) if words else conversation.silence)


def _show(screen: Screen, act: Callable[[], Step]) -> None:
    try:
        step = act()
    except ChatError as error:
        screen.line(f"{INDENT}[could not talk to the skill: {error}]")
        return
    screen.step(step)
