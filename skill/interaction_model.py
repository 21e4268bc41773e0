"""The Alexa interaction models, built from ``interaction_model/source.yaml`` and ``content/``.

Intents, samples and the small slot types are written once in the source file; the
exercise names come from the catalog at build time, so a synonym added to content reaches
Alexa with the next ``backcoach build-model`` and a stale committed model fails
``backcoach build-model --check``.  Samples may be patterns over filler lists
(``skill/sample_patterns.py``), expanded here, because patients say one meaning in many
ways; a locale may add fillers and synonyms of its own (British "bum" and "wee").  The
build refuses a model Alexa would reject (a sample in two intents, an undeclared slot, a
sample over 200 characters, a value twice in a slot type, a built-in's phrase, a model
too large) with an error that names the rule and the intent or type.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

from . import sample_patterns
from .coach.catalog import Catalog, load_catalog, normalise_name

MODEL_DIR = Path(__file__).resolve().parents[1] / "interaction_model"
SOURCE_PATH = MODEL_DIR / "source.yaml"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
EXERCISE_TYPE = "EXERCISE"
CHOICE_TYPE = "EXERCISE_CHOICE"
# Phrases the built-in intents own: a custom intent that claimed one would steal it.
BUILT_IN_PHRASES = frozenset(
    {"stop", "cancel", "help", "yes", "no", "pause", "resume", "repeat", "go back", "previous"}
)

# Alexa's limits on a sample's length; ours, well inside its model size limit, on the number
# of samples an intent may have and on the size of one locale's JSON.
MAX_SAMPLE_CHARS = 200
MAX_INTENT_SAMPLES = 3000
MAX_MODEL_BYTES = 1_500_000

_SLOT_REF = re.compile(r"\{([A-Za-z_]+)\}")
_ADJACENT_SLOTS = re.compile(r"\}\s*\{")
# "{part}'s": Alexa takes a slot only as whole words.
_GLUED_SLOT = re.compile(r"\}[^\s{]|[^\s}]\{")
_NOT_SPOKEN = re.compile(r"[^a-z0-9{}_ ]")
# Letters and apostrophes, or a single letter with a period ("a. b."), separated by spaces.
_SPOKEN = re.compile(r"^(?:[A-Za-z']+|[A-Za-z]\.)(?: (?:[A-Za-z']+|[A-Za-z]\.))*$")
_INVOCATION = re.compile(r"^[a-z]+(?: [a-z]+)+$")
_INVOCATION_BANNED = frozenset({"alexa", "amazon", "echo", "computer", "skill", "app"})

Model = dict[str, Any]


class ModelError(ValueError):
    """The interaction model source is invalid, or the model built from it would be."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceValue(_Strict):
    id: StrictStr = Field(min_length=1)
    value: StrictStr = Field(min_length=1)
    synonyms: tuple[StrictStr, ...] = ()


class SourceIntent(_Strict):
    name: StrictStr = Field(pattern=r"^(AMAZON\.)?[A-Za-z_]+$")
    slots: dict[StrictStr, StrictStr] = {}
    samples: tuple[StrictStr, ...] = ()


class SourceLocale(_Strict):
    """What one locale adds to the shared source: phrases to fillers, synonyms to values."""

    fillers: dict[StrictStr, tuple[StrictStr, ...]] = {}
    synonyms: dict[StrictStr, dict[StrictStr, tuple[StrictStr, ...]]] = {}


class Source(_Strict):
    invocation_name: StrictStr
    fillers: dict[StrictStr, tuple[StrictStr, ...]] = {}
    intents: tuple[SourceIntent, ...] = Field(min_length=1)
    types: dict[StrictStr, tuple[SourceValue, ...]] = {}
    locales: dict[StrictStr, SourceLocale] = {}

    @model_validator(mode="after")
    def _references_resolve(self) -> Source:
        for name, phrases in self.fillers.items():
            for phrase in phrases:
                try:
                    sample_patterns.check(phrase, self.fillers)
                except sample_patterns.PatternError as error:
                    raise ValueError(f"filler <{name}>: {phrase!r}: {error}") from None
        for intent in self.intents:
            for sample in intent.samples:
                try:
                    sample_patterns.check(sample, self.fillers)
                except sample_patterns.PatternError as error:
                    raise ValueError(f"intent {intent.name}: pattern {sample!r}: {error}") from None
        for locale, extra in self.locales.items():
            _check_locale(self, locale, extra)
        return self

    def fillers_for(self, locale: str) -> dict[str, tuple[str, ...]]:
        extra = self.locales.get(locale, SourceLocale()).fillers
        return {name: (*phrases, *extra.get(name, ())) for name, phrases in self.fillers.items()}

    def values_for(self, locale: str, type_name: str) -> list[SourceValue]:
        extra = self.locales.get(locale, SourceLocale()).synonyms.get(type_name, {})
        return [
            v.model_copy(update={"synonyms": (*v.synonyms, *extra.get(v.id, ()))})
            for v in self.types.get(type_name, ())
        ]


def _check_locale(source: Source, locale: str, extra: SourceLocale) -> None:
    if locale not in LOCALES:
        raise ValueError(f"locales: {locale!r} is not one of {', '.join(LOCALES)}")
    for name in extra.fillers:
        if name not in source.fillers:
            raise ValueError(f"locales.{locale}.fillers: {name!r} is not a shared filler")
    for type_name, by_id in extra.synonyms.items():
        ids = {value.id for value in source.types.get(type_name, ())}
        for value_id in by_id:
            if value_id not in ids:
                raise ValueError(
                    f"locales.{locale}.synonyms: type {type_name!r} has no value {value_id!r}"
                )


def load_source(path: Path | None = None) -> Source:
    """Read and validate the source file (``interaction_model/source.yaml`` by default)."""
    path = Path(path) if path is not None else SOURCE_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ModelError(f"{path}: cannot read: {error}") from None
    try:
        return Source.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise ModelError(f"{path}: field '{field}': {first['msg']}") from None


def build_models(catalog: Catalog, source_path: Path | None = None) -> dict[str, Model]:
    """Every locale's model: ``{"interactionModel": {"languageModel": ...}}``."""
    source = load_source(source_path)
    exercises = exercise_values(catalog)
    models = {}
    for locale in LOCALES:
        model = build_locale(source, locale, exercises, catalog)
        problems = model_problems(model)
        if problems:
            raise ModelError(
                f"the {locale} interaction model would be rejected:\n  " + "\n  ".join(problems)
            )
        models[locale] = model
    return models


def build_locale(
    source: Source, locale: str, exercises: list[dict[str, Any]], catalog: Catalog
) -> Model:
    """One locale's model: the shared source with the locale's own fillers and synonyms."""
    types = {
        name: [_value(v.id, v.value, v.synonyms) for v in source.values_for(locale, name)]
        for name in source.types
    }
    types[EXERCISE_TYPE] = copy.deepcopy(exercises)
    types[CHOICE_TYPE] = choice_values(catalog, source.values_for(locale, CHOICE_TYPE))
    fillers = source.fillers_for(locale)
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": source.invocation_name,
                "intents": [_intent(intent, fillers) for intent in source.intents],
                "types": [{"name": name, "values": types[name]} for name in sorted(types)],
            }
        }
    }


def exercise_values(catalog: Catalog) -> list[dict[str, Any]]:
    """One value per exercise, then one ``any:`` value per name two exercises share."""
    shared = {name for name, ids in catalog.all_names().items() if len(ids) > 1}
    values: list[dict[str, Any]] = []
    shared_forms: dict[str, list[str]] = {}
    for exercise in catalog.exercises.values():
        if normalise_name(exercise.full_name) in shared:
            raise ModelError(
                f"exercises/{exercise.id}.yaml: the name {exercise.full_name!r} is shared "
                "with another exercise: give it a qualifier"
            )
        synonyms: list[str] = []
        for name in (exercise.name, *exercise.synonyms):
            normal = normalise_name(name)
            (shared_forms.setdefault(normal, []) if normal in shared else synonyms).append(name)
        values.append(_value(exercise.id, exercise.full_name, synonyms))
    for normal in sorted(shared_forms):
        first, *rest = shared_forms[normal]
        values.append(_value("any:" + normal.replace(" ", "-"), first, rest))
    return values


def choice_values(catalog: Catalog, extra: Iterable[SourceValue]) -> list[dict[str, Any]]:
    """Answers to "which one?": each exercise's qualifier, then the source's own values.

    A string a qualifier uses is dropped from the source's values, as a slot type may not
    hold it twice and the qualifier names the exercise exactly.
    """
    values: list[dict[str, Any]] = []
    used: set[str] = set()
    for exercise in catalog.exercises.values():
        if exercise.qualifier is None:
            continue
        first_person = re.sub(r"\byour\b", "my", exercise.qualifier)
        value = _value(f"q:{exercise.id}", exercise.qualifier, [first_person])
        strings = set(_strings(value))
        if strings & used:
            raise ModelError(
                f"exercises/{exercise.id}.yaml: qualifier {exercise.qualifier!r} is also "
                "another exercise's qualifier"
            )
        used |= strings
        values.append(value)
    for item in extra:
        forms = [s for s in (item.value, *item.synonyms) if s.lower() not in used]
        if forms:
            value = _value(item.id, forms[0], forms[1:])
            used |= set(_strings(value))
            values.append(value)
    return values


def _value(value_id: str, value: str, synonyms: Iterable[str]) -> dict[str, Any]:
    seen = {value.lower()}
    kept = []
    for synonym in synonyms:
        if synonym.lower() not in seen:
            seen.add(synonym.lower())
            kept.append(synonym)
    name: dict[str, Any] = {"value": value}
    if kept:
        name["synonyms"] = kept
    return {"id": value_id, "name": name}


def _strings(value: Mapping[str, Any]) -> list[str]:
    name = value["name"]
    return [s.lower() for s in (name["value"], *name.get("synonyms", ()))]


def _intent(intent: SourceIntent, fillers: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    result: dict[str, Any] = {"name": intent.name}
    if intent.slots:
        result["slots"] = [{"name": n, "type": t} for n, t in intent.slots.items()]
    result["samples"] = expand_samples(intent.samples, fillers)
    return result


def expand_samples(samples: Iterable[str], fillers: Mapping[str, Iterable[str]]) -> list[str]:
    """Patterns expanded, in order; a sample Alexa would take as one already there is left
    out (``sample_key``), so patterns may overlap within an intent."""
    kept: dict[str, str] = {}
    for pattern in samples:
        for sample in sample_patterns.expand(pattern, fillers):
            kept.setdefault(sample_key(sample), sample)
    return list(kept.values())


def sample_key(sample: str) -> str:
    """A sample as Alexa compares samples: case and punctuation do not count."""
    return " ".join(_NOT_SPOKEN.sub("", sample.lower()).split())


def language_model(model: Mapping[str, Any]) -> Mapping[str, Any]:
    return model["interactionModel"]["languageModel"]


def model_problems(model: Mapping[str, Any]) -> list[str]:
    """What Alexa would reject in a model (and what would steal a built-in's phrase).

    Each problem starts with the rule it breaks."""
    lm = language_model(model)
    problems: list[str] = []
    invocation = lm["invocationName"]
    if not _INVOCATION.match(invocation) or _INVOCATION_BANNED & set(invocation.split()):
        problems.append(f"invocation name: {invocation!r} is not allowed")
    types = {t["name"] for t in lm.get("types", [])}
    owner: dict[str, str] = {}
    for intent in lm["intents"]:
        problems += _intent_problems(intent, types, owner)
    for slot_type in lm.get("types", []):
        problems += _type_problems(slot_type)
    size = len(render(model).encode("utf-8"))
    if size > MAX_MODEL_BYTES:
        problems.append(f"model size: {size} bytes, over {MAX_MODEL_BYTES}")
    return problems


def _intent_problems(
    intent: Mapping[str, Any], types: set[str], owner: dict[str, str]
) -> list[str]:
    name = intent["name"]
    problems: list[str] = []
    slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
    for slot, slot_type in slots.items():
        if not slot_type.startswith("AMAZON.") and slot_type not in types:
            problems.append(f"undefined slot type: {name}: slot {slot!r} has type {slot_type!r}")
    if len(intent["samples"]) > MAX_INTENT_SAMPLES:
        problems.append(
            f"too many samples: {name} has {len(intent['samples'])}, over {MAX_INTENT_SAMPLES}"
        )
    for sample in intent["samples"]:
        problems += _sample_problems(name, sample, slots, owner)
    return problems


def _sample_problems(
    name: str, sample: str, slots: Mapping[str, str], owner: dict[str, str]
) -> list[str]:
    problems: list[str] = []
    key = sample_key(sample)
    if key in owner:
        rule = "sample twice in an intent" if owner[key] == name else "sample in two intents"
        problems.append(f"{rule}: {name}: sample {sample!r} is also in {owner[key]}")
    owner.setdefault(key, name)
    if len(sample) > MAX_SAMPLE_CHARS:
        problems.append(f"sample too long: {name}: {sample[:40]!r}... over {MAX_SAMPLE_CHARS}")
    if not _SPOKEN.match(_SLOT_REF.sub("x", sample)):
        problems.append(f"characters: {name}: sample {sample!r} has characters Alexa rejects")
    for slot in _SLOT_REF.findall(sample):
        if slot not in slots:
            problems.append(f"undeclared slot: {name}: sample {sample!r} uses {slot!r}")
    if _GLUED_SLOT.search(sample):
        problems.append(f"slot glued to a word: {name}: sample {sample!r}")
    if _ADJACENT_SLOTS.search(sample):
        problems.append(f"adjacent slots: {name}: sample {sample!r} has two slots side by side")
    if not name.startswith("AMAZON.") and key in BUILT_IN_PHRASES:
        problems.append(f"built-in phrase: {name}: sample {sample!r} belongs to a built-in intent")
    return problems


def _type_problems(slot_type: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for value in slot_type["values"]:
        for string in _strings(value):
            key = sample_key(string)
            if key in seen:
                problems.append(
                    f"value twice in a type: {slot_type['name']}: {string!r} is in "
                    f"{seen[key]} and {value['id']}"
                )
            seen[key] = value["id"]
    return problems


def render(model: Mapping[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def write_models(
    out_dir: Path | None = None, catalog: Catalog | None = None, source_path: Path | None = None
) -> list[Path]:
    """Write ``<locale>.json`` for every locale into ``out_dir``; return the paths."""
    out_dir = Path(out_dir) if out_dir is not None else MODEL_DIR
    models = build_models(catalog or load_catalog(), source_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for locale, model in models.items():
        path = out_dir / f"{locale}.json"
        path.write_text(render(model), encoding="utf-8")
        paths.append(path)
    return paths


def check_models(
    out_dir: Path | None = None, catalog: Catalog | None = None, source_path: Path | None = None
) -> list[str]:
    """The locales whose file in ``out_dir`` is missing or differs from a fresh build."""
    out_dir = Path(out_dir) if out_dir is not None else MODEL_DIR
    models = build_models(catalog or load_catalog(), source_path)
    stale = []
    for locale, model in models.items():
        path = out_dir / f"{locale}.json"
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != render(model):
            stale.append(locale)
    return stale
