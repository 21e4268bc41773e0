"""The exercise catalog: exercises and programs from ``content/``, checked at load time.

Content is data, one YAML file per exercise and per program.  Every file is
validated against the models below; a broken file stops start-up with one
error that names the file and the field, so a typo in a handout edit can never
reach a patient as a silent wrong count.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .words import Words, WordsError, load_words

_REPO_CONTENT = Path(__file__).resolve().parents[2] / "content"
CONTENT_DIR = Path(os.environ.get("BACKCOACH_CONTENT", _REPO_CONTENT))

Position = Literal["back", "all_fours", "kneeling", "stomach", "sitting", "standing"]
Sides = Literal["one", "switch", "alternate"]
FigureSource = Literal["handout", "default"]

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


_M = TypeVar("_M", bound=BaseModel)


class ContentError(ValueError):
    """A content file is missing, unreadable or does not match the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Strict):
    """A number the coach counts with, and whether the handout gave it."""

    value: int = Field(ge=0)
    source: FigureSource
    range: tuple[int, int] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _value_in_range(self) -> Figure:
        if self.range is not None:
            low, high = self.range
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value} is outside range {low} to {high}")
        return self


class Variant(_Strict):
    """Another way to do an exercise (handout A's "A." and "B." versions)."""

    id: str = Field(pattern=r"^[a-z]$")
    name: str = Field(min_length=1)
    action: str = Field(min_length=1)
    release: str | None = None  # when it returns differently from the main action
    side_label: str | None = None  # when it alternates something else ("arm", "knee")


class Source(_Strict):
    handout: Literal["A", "B"]
    number: int = Field(ge=1)
    title: str = Field(min_length=1)


class Exercise(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    qualifier: str | None = None
    synonyms: tuple[str, ...] = ()
    position: Position
    start_position: str = Field(min_length=1)
    action: str | None = None
    variants: tuple[Variant, ...] = ()
    default_variant: str | None = None
    sides: Sides
    side_label: str = "side"
    hold_seconds: Figure | None = None
    hold_cues: tuple[str, ...] = ()
    breath: str | None = None  # the handout's breathing for the hold, said at each hold
    release: str = "And relax."
    move_seconds: int = Field(default=4, ge=1, le=20)
    phases: tuple[str, ...] = ()  # a movement without a hold, cued step by step
    reps: Figure
    sets: Figure
    rest_seconds: Figure
    tips: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    tips_first: bool = False  # during a routine the cautions are said first, unless this
    source: Source

    @field_validator("phases", "hold_cues", "tips", "cautions")
    @classmethod
    def _no_empty_text(cls, texts: tuple[str, ...]) -> tuple[str, ...]:
        if any(not text.strip() for text in texts):
            raise ValueError("an empty text")
        return texts

    @model_validator(mode="after")
    def _consistent(self) -> Exercise:
        variant_ids = [v.id for v in self.variants]
        if len(set(variant_ids)) != len(variant_ids):
            raise ValueError("variant ids repeat")
        if self.action is None and self.default_variant is None:
            raise ValueError("an exercise needs an action, or variants and a default_variant")
        if self.default_variant is not None and self.default_variant not in variant_ids:
            raise ValueError(f"default_variant {self.default_variant!r} is not a variant")
        if self.hold_cues and self.hold_seconds is None:
            raise ValueError("hold_cues given for an exercise without hold_seconds")
        if self.breath is not None and self.hold_seconds is None:
            raise ValueError("breath given for an exercise without hold_seconds")
        if self.phases and self.hold_seconds is not None:
            raise ValueError("phases given for an exercise with hold_seconds (use hold_cues)")
        if len(self.phases) == 1:
            raise ValueError("phases needs at least two steps")
        if self.reps.value < 1 or self.sets.value < 1:
            raise ValueError("reps and sets must be at least 1")
        return self

    @property
    def full_name(self) -> str:
        """The name with its qualifier, for telling same-named exercises apart."""
        return f"{self.name} {self.qualifier}" if self.qualifier else self.name

    def variant(self, variant_id: str | None) -> Variant | None:
        """The chosen variant, the default one when none is chosen, or None for the base."""
        wanted = variant_id or self.default_variant
        if wanted is None:
            return None
        for variant in self.variants:
            if variant.id == wanted:
                return variant
        raise KeyError(f"{self.id} has no variant {wanted!r}")

    def action_for(self, variant_id: str | None) -> str:
        variant = self.variant(variant_id)
        if variant is None:
            assert self.action is not None  # guaranteed by _consistent
            return self.action
        return variant.action

    def release_for(self, variant_id: str | None) -> str:
        variant = self.variant(variant_id)
        return variant.release if variant and variant.release else self.release

    def side_label_for(self, variant_id: str | None) -> str:
        variant = self.variant(variant_id)
        return variant.side_label if variant and variant.side_label else self.side_label


class ProgramItem(_Strict):
    """One exercise of a program or prescription, with optional overrides."""

    id: str = Field(pattern=ID_PATTERN)
    variant: str | None = Field(default=None, pattern=r"^[a-z]$")
    hold_seconds: int | None = Field(default=None, ge=1, le=120)
    reps: int | None = Field(default=None, ge=1, le=30)
    sets: int | None = Field(default=None, ge=1, le=5)
    rest_seconds: int | None = Field(default=None, ge=0, le=120)


class Program(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    description: str = ""
    default: bool = False
    exercises: tuple[ProgramItem, ...] = Field(min_length=1)

    @field_validator("exercises")
    @classmethod
    def _unique_items(cls, items: tuple[ProgramItem, ...]) -> tuple[ProgramItem, ...]:
        keys = [(item.id, item.variant) for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError("an exercise appears twice")
        return items


# Placeholders a safety text may use, filled from the locale's own words.
LOCAL_WORDS = ("physician", "urgent_care", "emergency_call")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SafetyText(_Strict):
    """What the coach says about safety (``content/safety.yaml``).

    ``locales`` overrides texts for one locale (the emergency number, A and E); the
    coach of that locale gets :meth:`for_locale`, with ``{physician}`` (GP in the UK),
    ``{urgent_care}`` and ``{emergency_call}`` filled in.
    """

    welcome: str = Field(min_length=1)
    stop_count: str = Field(min_length=1)
    first_pain: str = Field(min_length=1)
    first_pain_question: str = Field(min_length=1)
    go_on_gently: str = Field(min_length=1)
    gentle_today: str = Field(min_length=1)
    remember_pain: str = Field(min_length=1)
    remember_red_flag: str = Field(min_length=1)
    pain_check_help: str = Field(min_length=1)
    pace_stays_gentle: str = Field(min_length=1)
    stop_after_pain: str = Field(min_length=1)
    second_pain: str = Field(min_length=1)
    severe_pain: str = Field(min_length=1)
    worse_at_check_in: str = Field(min_length=1)
    red_flag: str = Field(min_length=1, pattern=r"\{symptom\}")
    emergency: str = Field(min_length=1)
    distress_follow_up: str = Field(min_length=1)
    urgent_care: str = Field(min_length=1)
    emergency_call: str = Field(min_length=1)
    physician: str = Field(min_length=1)
    discomfort: str = Field(min_length=1)
    soreness: str = Field(min_length=1)
    soreness_outside_routine: str = Field(min_length=1)
    pain_outside_routine: str = Field(min_length=1)
    not_understood: str = Field(min_length=1)
    no_start_after_pain: str = Field(min_length=1)
    no_start_after_red_flag: str = Field(min_length=1)
    # How the red_flag text names each red flag back (by the RED_FLAG slot's ids).
    symptoms: dict[str, str] = Field(min_length=1)
    locales: dict[str, dict[str, str]] = {}

    @model_validator(mode="after")
    def _known_words(self) -> SafetyText:
        if "unspecified" not in self.symptoms:
            raise ValueError("symptoms: needs 'unspecified', for a red flag no word named")
        texts = self.texts()
        for locale, overrides in self.locales.items():
            unknown = set(overrides) - set(texts)
            if unknown:
                raise ValueError(f"locales.{locale}: no such text: {', '.join(sorted(unknown))}")
        for name, text in texts.items():
            for key in _PLACEHOLDER.findall(text):
                allowed = ("symptom",) if name == "red_flag" else ()
                if key not in (*LOCAL_WORDS, *allowed):
                    raise ValueError(f"{name}: unknown placeholder {{{key}}}")
        return self

    def texts(self) -> dict[str, str]:
        return {name: value for name, value in self if isinstance(value, str)}

    def for_locale(self, locale: str | None) -> SafetyText:
        """The texts for one locale: its overrides, with the local words filled in."""
        texts = {**self.texts(), **self.locales.get(locale or "", {})}
        local: dict[str, str] = {}
        for key in LOCAL_WORDS:  # in order: a local word may use the ones before it
            local[key] = _fill(texts[key], local)
        filled = {name: _fill(text, local) for name, text in texts.items()}
        return self.model_copy(update={**filled, "locales": {}, "symptoms": self.symptoms})


def _fill(text: str, words: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: words.get(m.group(1), m.group(0)), text)


def normalise_name(text: str) -> str:
    """The form names are compared in: lower case, no accents or punctuation, single
    spaces, and each word singular, so "knee roll" and "knee rolls" are one name (and
    "back extension" is ambiguous, as handouts A and B both have one)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(_singular(word) for word in text.split())


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Catalog:
    """All exercises and programs, looked up by id or by spoken name."""

    def __init__(
        self,
        exercises: Iterable[Exercise],
        programs: Iterable[Program],
        safety: SafetyText,
        words: Mapping[str | None, Words],
    ) -> None:
        self.safety = safety
        self._words = dict(words)
        self.exercises: dict[str, Exercise] = {e.id: e for e in exercises}
        self.programs: dict[str, Program] = {p.id: p for p in programs}
        self._names: dict[str, list[str]] = {}
        for exercise in self.exercises.values():
            for name in self.names_of(exercise):
                ids = self._names.setdefault(normalise_name(name), [])
                if exercise.id not in ids:
                    ids.append(exercise.id)
        self._check_programs()

    @staticmethod
    def names_of(exercise: Exercise) -> list[str]:
        names = [exercise.name, exercise.full_name, exercise.id, *exercise.synonyms]
        return list(dict.fromkeys(names))

    def _check_programs(self) -> None:
        defaults = [p.id for p in self.programs.values() if p.default]
        if len(defaults) != 1:
            raise ContentError(f"programs: exactly one program must be default, found {defaults}")
        for program in self.programs.values():
            for index, item in enumerate(program.exercises):
                where = f"programs/{program.id}.yaml: field 'exercises.{index}"
                if item.id not in self.exercises:
                    raise ContentError(f"{where}.id': unknown exercise {item.id!r}")
                if item.variant is not None:
                    try:
                        self.exercises[item.id].variant(item.variant)
                    except KeyError as error:
                        raise ContentError(f"{where}.variant': {error.args[0]}") from None

    @property
    def default_program(self) -> Program:
        return next(p for p in self.programs.values() if p.default)

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def words(self, locale: str | None = None) -> Words:
        """The coach's phrases for a locale (the base language's for one without its own)."""
        return self._words.get(locale, self._words[None])

    def find(self, spoken: str) -> list[Exercise]:
        """Exercises whose name, qualified name, id or synonym is exactly what was said.

        More than one result means the name is ambiguous and the caller asks back.
        """
        return [self.exercises[i] for i in self._names.get(normalise_name(spoken), [])]

    def all_names(self) -> dict[str, list[str]]:
        """Every normalised name and the exercise ids it refers to."""
        return {name: list(ids) for name, ids in self._names.items()}


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read: {error}") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from None


def validate_fields(model: type[_M], data: object, where: str) -> _M:
    """``data`` (parsed YAML) as ``model``, or one ContentError naming ``where`` and the
    first field at fault (and how many more problems there are)."""
    if not isinstance(data, dict):
        raise ContentError(f"{where}: expected a mapping of fields, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        more = len(error.errors()) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ContentError(f"{where}: field '{field}': {first['msg']}{extra}") from None


def _validate(model: type[_M], path: Path, relative: str) -> _M:
    item = validate_fields(model, _load_yaml(path), relative)
    item_id = getattr(item, "id", path.stem)
    if item_id != path.stem:
        raise ContentError(
            f"{relative}: field 'id': {item_id!r} must match the file name {path.stem!r}"
        )
    return item


def load_catalog(root: Path | None = None) -> Catalog:
    """Read and validate every exercise and program file under ``root``."""
    root = Path(root) if root is not None else CONTENT_DIR
    exercise_files = sorted((root / "exercises").glob("*.yaml"))
    program_files = sorted((root / "programs").glob("*.yaml"))
    if not exercise_files:
        raise ContentError(f"{root / 'exercises'}: no exercise files found")
    if not program_files:
        raise ContentError(f"{root / 'programs'}: no program files found")
    exercises = [_validate(Exercise, p, f"exercises/{p.name}") for p in exercise_files]
    programs = [_validate(Program, p, f"programs/{p.name}") for p in program_files]
    safety_file = root / "safety.yaml"
    if not safety_file.is_file():
        raise ContentError(f"{safety_file}: the safety text file is missing")
    safety = _validate(SafetyText, safety_file, "safety.yaml")
    try:
        words = load_words(root, tuple(safety.locales))
    except WordsError as error:
        raise ContentError(str(error)) from None
    return Catalog(exercises, programs, safety, words)
