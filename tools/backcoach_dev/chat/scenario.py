"""Scripted conversations: what a person says, and what Back Coach must answer.

A scenario is a YAML file a clinician can read (the format is in
``tests/scenarios/README.md``).  Each step's words go through the same interaction
model as the chat; the answer is checked for phrases it must and must not contain,
whether the session stays open, and the coach's state.  The run stops at the first
step that fails and says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from skill.coach.catalog import Catalog, load_catalog
from skill.coach.pacing import PACES, pace_name
from skill.interaction_model import LOCALES
from skill.store.base import PlanStore

from .conversation import Conversation, Step
from .device import Device, Transport, user_id_for
from .nlu import Nlu
from .render import Words, pieces, to_text


class ScenarioError(ValueError):
    """A scenario file that cannot be read, with the file and field."""


Phrases = list[StrictStr]


class ScenarioStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    say: StrictStr | None = None
    silent: StrictBool = False
    new_session: StrictBool = False
    next_day: StrictBool = False
    days_later: StrictInt | None = Field(default=None, ge=1, le=30)  # like next_day, N days on
    interrupt: StrictBool = False  # said while the last answer was still being spoken
    intent: StrictStr | None = None
    expect: Phrases = []
    not_: Phrases = Field(default=[], alias="not")
    reprompt: Phrases = []
    open: StrictBool | None = None
    rate: StrictInt | None = Field(default=None, ge=20, le=200)  # the voice's speed, percent
    state: dict[StrictStr, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("expect", "not", "reprompt"):
                if isinstance(data.get(key), str):
                    data[key] = [data[key]]
        return data

    @model_validator(mode="after")
    def _one_action(self) -> ScenarioStep:
        if (self.say is None) == (not self.silent):
            raise ValueError("a step either says something (say: ...) or is silent: true")
        if self.next_day and self.days_later is not None:
            raise ValueError("a step has next_day: true or days_later: N, not both")
        unknown = sorted(set(self.state) - set(STATE_CHECKS))
        if unknown:
            raise ValueError(
                f"unknown state check {', '.join(unknown)} "
                f"(known: {', '.join(sorted(STATE_CHECKS))})"
            )
        return self

    @property
    def action(self) -> str:
        return "says nothing" if self.silent else f'says "{self.say}"'


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: StrictStr
    about: StrictStr = ""
    user: StrictStr | None = None
    locale: StrictStr = "en-US"
    # A prescription (the file format of `backcoach plan create`) stored before the
    # run; "{code}" in what is said becomes its link code, said digit by digit.
    prescription: dict[str, Any] | None = None
    steps: list[ScenarioStep] = Field(min_length=1)

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, locale: str) -> str:
        if locale not in LOCALES:
            raise ValueError(f"no interaction model for {locale!r} ({', '.join(LOCALES)})")
        return locale


class _Loader(yaml.SafeLoader):
    """YAML where only true and false are booleans: "say: yes" and "say: no" are words."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(f"{path}: cannot read: {error}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = _place(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"{path}: {where}: {message}") from None


def _place(loc: tuple[str | int, ...]) -> str:
    """("steps", 1, "expect", 0) as "step 2, expect, item 1"."""
    parts: list[str] = []
    for before, part in zip(("", *loc), loc, strict=False):
        if isinstance(part, int):
            parts[-1:] = [f"step {part + 1}" if before == "steps" else f"{before} item {part + 1}"]
        else:
            parts.append(str(part))
    return ", ".join(parts) or "(file)"


# -- state checks ---------------------------------------------------------------------


def _item(state: dict[str, Any]) -> list[Any]:
    return state["r"][state["i"]]


def _exercise(state: dict[str, Any], expected: Any, catalog: Catalog) -> tuple[bool, Any]:
    actual = _item(state)[0]
    named = {e.id for e in catalog.find(str(expected))}
    return (actual == expected or actual in named), actual


def _pace(state: dict[str, Any], expected: Any, catalog: Catalog) -> tuple[bool, Any]:
    level = state["p"]
    if isinstance(expected, int):
        return level == expected, level
    name = pace_name(catalog.words(), level) if 0 <= level < len(PACES) else str(level)
    return name == str(expected).lower(), name


def _done(state: dict[str, Any], expected: Any, _catalog: Catalog) -> tuple[bool, Any]:
    done = list(state.get("d", []))
    return (len(done) == expected if isinstance(expected, int) else done == expected), done


def _simple(read: Callable[[dict[str, Any]], Any]) -> Callable[..., tuple[bool, Any]]:
    def check(state: dict[str, Any], expected: Any, _catalog: Catalog) -> tuple[bool, Any]:
        actual = read(state)
        return actual == expected, actual

    return check


STATE_CHECKS: dict[str, Callable[[dict[str, Any], Any, Catalog], tuple[bool, Any]]] = {
    "phase": _simple(lambda s: s["ph"]),
    "exercise": _exercise,
    "exercise_number": _simple(lambda s: s["i"] + 1),
    "set": _simple(lambda s: s["s"] + 1),
    "pace": _pace,
    "gentle": _simple(lambda s: bool(s.get("g", 0))),
    "pains": _simple(lambda s: s.get("n", 0)),
    "done": _done,
    "stop_reason": _simple(lambda s: s.get("sr")),
    "paused_from": _simple(lambda s: s.get("pf")),
    "routine_size": _simple(lambda s: len(s["r"])),
}


# -- running --------------------------------------------------------------------------


def comparable(text: str) -> str:
    """Text as phrases are compared: case, curly quotes and double quotes do not matter."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace('"', "")
    text = text.replace("\u201c", "").replace("\u201d", "")
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class Failure:
    number: int
    spec: ScenarioStep
    step: Step
    problems: list[str]


@dataclass(slots=True)
class Outcome:
    scenario: Scenario
    path: Path | None
    failure: Failure | None = None
    transcript: list[tuple[ScenarioStep, Step]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        where = f"{self.path}: " if self.path else ""
        if self.failure is None:
            return f"PASS {where}{self.scenario.title} ({len(self.scenario.steps)} steps)"
        return f"FAIL {where}{self.scenario.title}"

    def report(self) -> str:
        """The summary, and for a failure: the step, what was heard, what was wrong."""
        lines = [self.summary()]
        if self.failure is None:
            return lines[0]
        failure = self.failure
        lines.append(f"  step {failure.number}: the person {failure.spec.action}")
        lines.extend(f"    heard as: {h}" for h in heard(failure.step))
        lines.append("    Back Coach said:")
        lines.extend(f"      {answer}" for answer in answers(failure.step) or ["(nothing)"])
        lines.extend(f"  - {problem}" for problem in failure.problems)
        return "\n".join(lines)

    def conversation(self) -> str:
        """Every step as it went, for reading through."""
        lines = [self.summary()]
        for spec, step in self.transcript:
            lines.append(f"  person {spec.action}")
            lines.extend(f"    [{h}]" for h in heard(step))
            lines.extend(f"    coach: {answer}" for answer in answers(step))
            if step.note:
                lines.append(f"    [{step.note}]")
        return "\n".join(lines)


def heard(step: Step) -> list[str]:
    return [e.understood.describe() if e.understood else e.kind for e in step.exchanges]


def answers(step: Step) -> list[str]:
    return [to_text(pieces(ssml)) for ssml in step.speeches]


@cache
def nlu_for(locale: str) -> Nlu:
    return Nlu.for_locale(locale)


@cache
def _catalog() -> Catalog:
    return load_catalog()


DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def store_prescription(scenario: Scenario, plans: PlanStore) -> str | None:
    """Store the scenario's prescription as a plan; its link code (None: it has none)."""
    from skill.coach.prescription import parse_prescription

    if scenario.prescription is None:
        return None
    checked = parse_prescription(scenario.prescription, _catalog(), "scenario prescription")
    return plans.create(checked.to_dict(), "2026-01-01T00:00:00+00:00")[1]


def run_scenario(
    scenario: Scenario,
    transport: Transport,
    path: Path | None = None,
    catalog: Catalog | None = None,
    code: str | None = None,
    clock_offset: timedelta = timedelta(),
) -> Outcome:
    """Play the scenario against the webhook until the end or the first failing step.

    ``code`` is the link code of the scenario's prescription (``store_prescription``);
    ``clock_offset`` moves the device's clock from the real time (tests start every
    scenario at the same time of day, so that none crosses midnight part way).
    """
    spoken_code = " ".join(DIGIT_NAMES[int(d)] for d in code) if code else "{code}"
    user_id = user_id_for(scenario.user) if scenario.user else None
    device = Device(transport, user_id, scenario.locale)
    device.clock_offset = clock_offset
    conversation = Conversation(device, nlu_for(scenario.locale))
    outcome = Outcome(scenario, path)
    for number, spec in enumerate(scenario.steps, 1):
        if spec.next_day:
            conversation.next_day()
        elif spec.days_later is not None:
            conversation.days_later(spec.days_later)
        elif spec.new_session:
            conversation.leave()
        if spec.interrupt:
            device.interrupt()
        words = (spec.say or "").replace("{code}", spoken_code)
        step = conversation.silence() if spec.silent else conversation.hear(words)
        outcome.transcript.append((spec, step))
        problems = check_step(spec, step, conversation, catalog or _catalog())
        if problems:
            outcome.failure = Failure(number, spec, step, problems)
            break
    return outcome


def check_step(
    spec: ScenarioStep, step: Step, conversation: Conversation, catalog: Catalog
) -> list[str]:
    """Everything about the step that is not as the scenario says."""
    problems: list[str] = []
    if spec.intent is not None:
        kinds = [e.understood.intent if e.understood else e.kind for e in step.exchanges]
        if spec.intent not in kinds:
            problems.append(
                f"expected the words to be understood as {spec.intent}, "
                f"got {', '.join(kinds) or 'nothing'}"
            )
    said = comparable(" ".join(to_text(pieces(s), marks=False) for s in step.speeches))
    for phrase in spec.expect:
        if comparable(phrase) not in said:
            problems.append(f'expected to hear "{phrase}": not said')
    for phrase in spec.not_:
        if comparable(phrase) in said:
            problems.append(f'expected NOT to hear "{phrase}": it was said')
    if spec.rate is not None:
        rates = sorted({p.rate for s in step.speeches for p in pieces(s) if isinstance(p, Words)})
        if rates != [spec.rate]:
            problems.append(
                f"expected the voice at {spec.rate}%, it was at "
                f"{', '.join(f'{r:g}%' for r in rates) or 'nothing said'}"
            )
    last = step.exchanges[-1] if step.exchanges else None
    if spec.reprompt:
        again = comparable(to_text(pieces(last.reprompt), marks=False)) if last else ""
        problems.extend(
            f'expected the reprompt to say "{phrase}": it did not'
            for phrase in spec.reprompt
            if comparable(phrase) not in again
        )
    if spec.open is not None and spec.open != conversation.in_session:
        problems.append(
            "expected the session to stay open, but it ended"
            if spec.open
            else "expected the session to end, but it stayed open"
        )
    problems.extend(check_state(spec.state, conversation.device.state, catalog))
    return problems


def check_state(expected: dict[str, Any], state: dict[str, Any], catalog: Catalog) -> list[str]:
    if expected and not state:
        return ["expected coach state, but the session carries none"]
    problems = []
    for key, value in expected.items():
        try:
            ok, actual = STATE_CHECKS[key](state, value, catalog)
        except (KeyError, IndexError, TypeError):
            ok, actual = False, "(not in the state)"
        if not ok:
            problems.append(f"state {key}: expected {value!r}, was {actual!r}")
    return problems
