"""What an Echo Show or Fire TV shows with a reply: one of the APL documents of
content/apl/ and its datasource, built from the same plan as the speech.

The documents are data; this module picks one and fills ``payload.screen`` from the
plan's segments, the coach state and the catalog (no store, no I/O past reading the
documents once).  The exercise screen's count and highlighted step follow the voice by
``cues``: a list of moments (``d``: milliseconds after the moment before, ``c`` and
``p``: which component and property to set, ``v``: the value) that the document's
``onMount`` plays as timed SetValue commands.  The moments are the reply's timeline
(skill/speech/timeline.py), so they are where the SSML's breaks put the words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ..coach import script
from ..coach.catalog import Catalog, Exercise
from ..coach.reply import Reply, Say
from ..coach.routine import RoutineItem
from ..coach.state import Phase, SessionState
from ..coach.words import PACKAGE_DIR, Words, one_or_many
from .timeline import Mark, timeline

APL_DIR = PACKAGE_DIR.parent / "content" / "apl"
TOKEN = "backcoach"
APL_VERSION = "2023.3"  # the documents' version: the first with Sequential's data
RENDER = "Alexa.Presentation.APL.RenderDocument"
# The hint a handler gives for answers the state alone does not tell apart.
Hint = Literal["list", "progress"]
Kind = Literal["exercise", "welcome", "list", "advice", "progress", "code"]
SHOWN_WHILE = frozenset({Phase.POSITIONING, Phase.COUNTING, Phase.PAUSED})
CODE_QUESTIONS = frozenset({"code", "code_heard"})
NOTHING_LIT = -1


@dataclass(frozen=True, slots=True)
class Screen:
    """One screen: the document's name (content/apl/<name>.json) and its datasource."""

    kind: Kind
    document: str
    data: dict[str, Any]

    @property
    def document_json(self) -> dict[str, Any]:
        """The APL document it shows."""
        return document(self.document)

    @property
    def datasources(self) -> dict[str, Any]:
        """Its datasources: the document reads ``payload.screen``."""
        return {"screen": self.data}

    def size(self) -> int:
        """Its directive's length in the response, as compact JSON."""
        return len(json.dumps(self.directive(), separators=(",", ":")).encode("utf-8"))

    def directive(self) -> dict[str, Any]:
        """The RenderDocument directive that shows it, as JSON."""
        return {
            "type": RENDER,
            "token": TOKEN,
            "document": self.document_json,
            "datasources": self.datasources,
        }


def fitted(screen: Screen, room: int) -> Screen:
    """The screen, or, when its directive would not fit in ``room`` bytes of the
    response (a long counted turn of a big prescription), the same screen without its
    timed cues: the count then stays still rather than the answer growing past
    Alexa's limit."""
    if not screen.data.get("cues") or screen.size() <= room:
        return screen
    return Screen(screen.kind, screen.document, {**screen.data, "cues": []})


@cache
def document(name: str) -> dict[str, Any]:
    """An APL document of content/apl/, read once."""
    loaded: dict[str, Any] = json.loads((APL_DIR / f"{name}.json").read_text("utf-8"))
    return loaded


def version_at_least(version: str, least: str) -> bool:
    """Whether an APL version ("2024.2", "1.9") is ``least`` or later."""
    try:
        return tuple(map(int, version.split("."))) >= tuple(map(int, least.split(".")))
    except ValueError:
        return False


@cache
def _figures() -> dict[str, dict[str, dict[str, str]]]:
    loaded: dict[str, dict[str, dict[str, str]]] = json.loads(
        Path(APL_DIR / "figures.json").read_text("utf-8")
    )
    return loaded


def figures() -> dict[str, dict[str, str]]:
    """The paths of each starting position's figure (content/apl/figures.json)."""
    return _figures()["positions"]


def moves() -> dict[str, dict[str, str]]:
    """The second frame of the exercises whose movement a picture helps, by id."""
    return _figures()["moves"]


def screen_for(
    plan: Reply, state: SessionState, catalog: Catalog, words: Words, hint: Hint | None = None
) -> Screen:
    """The screen for a reply, given the state after it."""
    said = [segment.text for segment in plan.speech if isinstance(segment, Say)]
    if hint == "list":
        return routine_screen(state, catalog, words)
    if hint == "progress":
        return message("progress", words.phrase("screen_progress"), said, words)
    if plan.pain_event is not None or state.phase in (Phase.PAIN_CHECK, Phase.STOPPED):
        return message("advice", words.phrase("screen_pain"), said, words, large=True)
    if state.question is not None and state.question.kind in CODE_QUESTIONS:
        return message("code", words.phrase("screen_code"), said, words, large=True)
    if state.phase in SHOWN_WHILE and state.item is not None:
        return exercise_screen(plan, state, catalog, words)
    return message("welcome", words.phrase("screen_title"), said, words)


def message(
    kind: Kind,
    title: str,
    lines: list[str],
    words: Words,
    *,
    lit: int = NOTHING_LIT,
    large: bool = False,
) -> Screen:
    """A screen of a title and a few large lines, one of them perhaps lit."""
    data = {
        "title": title,
        "lines": lines,
        "lit": lit,
        "large": large,
        "stop": words.phrase("screen_stop"),
    }
    return Screen(kind, "message", data)


def routine_screen(state: SessionState, catalog: Catalog, words: Words) -> Screen:
    """The routine's exercises, the current one lit."""
    names = [catalog[item.exercise_id].full_name for item in state.routine]
    lit = state.index if state.phase not in (Phase.FINISHED, Phase.NOT_BEGUN) else NOTHING_LIT
    return message("list", words.phrase("screen_routine"), names, words, lit=lit)


def steps(exercise: Exercise, item: RoutineItem) -> list[str]:
    """The exercise's steps as said: the start position, the action, then its phases."""
    return [exercise.start_position, exercise.action_for(item.variant), *exercise.phases]


def short(text: str) -> str:
    """A step's first sentence: a line that reads from the floor."""
    first, stop, _ = text.partition(". ")
    return first + "." if stop else text


def rep_texts(exercise: Exercise, item: RoutineItem, words: Words) -> set[str]:
    """Every rep's announcement ("Rep 2 of 10."), as the script says it."""
    return {
        text
        for slot in range(script.rep_slots(exercise, item))
        for text in script.rep_words(
            exercise, item, script.rep_slot(exercise, item, slot, words), words
        )
    }


def exercise_screen(plan: Reply, state: SessionState, catalog: Catalog, words: Words) -> Screen:
    """The exercise, its figure, its steps, the count and where the routine is."""
    item = state.item
    assert item is not None  # screen_for shows it only then
    exercise = catalog[item.exercise_id]
    said = steps(exercise, item)
    data = {
        "title": exercise.full_name,
        "figure": figures()[exercise.position],
        "move": moves().get(exercise.id, figures()[exercise.position]),
        "lines": [short(text) for text in said],
        "step": 0 if state.phase is Phase.POSITIONING else 1,
        "count": "",
        "progress": words.phrase(
            "screen_exercise_number", number=state.index + 1, total=len(state.routine)
        ),
        "sets": words.phrase("screen_set", number=state.set + 1, sets=item.sets),
        "rep": one_or_many(words.phrase("screen_reps", reps=item.reps), item.reps),
        "stop": words.phrase("screen_stop"),
        "cues": cues(
            timeline(plan.speech, plan.rate_percent, words),
            said,
            rep_texts(exercise, item, words),
            item,
            words,
            moving=exercise.id in moves(),
        ),
    }
    return Screen("exercise", "exercise", data)


def cues(
    marks: list[Mark],
    lines: list[str],
    reps: set[str],
    item: RoutineItem,
    words: Words,
    *,
    moving: bool = False,
) -> list[dict[str, Any]]:
    """The timed changes of the exercise screen: a step lit when it is said, the rep
    and set as they are announced, each count number as it is said, cleared at a
    hold's end; with ``moving``, the figure's second frame from a hold's first count to
    its end.  Delays are whole milliseconds between changes, rounded from the start so
    that they never drift."""
    sets = {
        words.phrase("set_number", number=n, sets=item.sets): words.phrase(
            "screen_set", number=n, sets=item.sets
        )
        for n in range(1, item.sets + 1)
    }
    changes: list[dict[str, Any]] = []
    before = 0
    held = False
    for mark in marks:
        found = [_change(mark, lines, reps, sets)]
        if moving and mark.kind == "count" and not held:
            held = True
            found.append({"c": "screen", "p": "frame", "v": 1})
        elif moving and mark.kind == "end":
            held = False
            found.append({"c": "screen", "p": "frame", "v": 0})
        for change in found:
            if change is None:
                continue
            at = round(mark.at * 1000)
            changes.append({"d": at - before, **change})
            before = at
    return changes


def _change(
    mark: Mark, lines: list[str], reps: set[str], sets: dict[str, str]
) -> dict[str, Any] | None:
    if mark.kind == "count":
        return {"c": "count", "p": "text", "v": str(mark.number)}
    if mark.kind == "end":
        return {"c": "count", "p": "text", "v": ""}
    if mark.said in lines:
        return {"c": "screen", "p": "step", "v": lines.index(mark.said)}
    if mark.said in reps:
        return {"c": "rep", "p": "text", "v": mark.said}
    if mark.said in sets:
        return {"c": "sets", "p": "text", "v": sets[mark.said]}
    return None
