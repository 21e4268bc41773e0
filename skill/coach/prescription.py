"""A physician's prescription: which catalog exercises, in which order, with which figures.

A prescription file is YAML, validated like content/ (the same ProgramItem limits:
hold 1-120 s, reps 1-30, sets 1-5, rest 0-120 s) with an error naming the file and
the field.  ``patient`` is a label for the clinician only: never spoken, never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from .catalog import Catalog, ContentError, ProgramItem, _load_yaml, _Strict, validate_fields
from .routine import RoutineItem, resolve_item


class Prescription(_Strict):
    patient: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=500)
    exercises: tuple[ProgramItem, ...] = Field(min_length=1, max_length=30)

    @field_validator("exercises")
    @classmethod
    def _unique_items(cls, items: tuple[ProgramItem, ...]) -> tuple[ProgramItem, ...]:
        keys = [(item.id, item.variant) for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError("an exercise appears twice")
        return items

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def check_against(prescription: Prescription, catalog: Catalog, where: str) -> Prescription:
    """Every id and variant of ``prescription`` is in ``catalog`` (ContentError if not)."""
    for index, item in enumerate(prescription.exercises):
        field = f"{where}: field 'exercises.{index}"
        if item.id not in catalog:
            raise ContentError(f"{field}.id': unknown exercise {item.id!r}")
        try:
            catalog[item.id].variant(item.variant)
        except KeyError as error:
            raise ContentError(f"{field}.variant': {error.args[0]}") from None
    return prescription


def parse_prescription(data: object, catalog: Catalog, where: str) -> Prescription:
    return check_against(validate_fields(Prescription, data, where), catalog, where)


def load_prescription(path: Path, catalog: Catalog) -> Prescription:
    """Read and validate a prescription file (ContentError naming the file and field)."""
    return parse_prescription(_load_yaml(path), catalog, str(path))


def prescribed_routine(catalog: Catalog, prescription: Prescription) -> tuple[RoutineItem, ...]:
    """The routine in the prescription's own order, its figures over the catalog's."""
    return tuple(resolve_item(catalog, item) for item in prescription.exercises)


def linked_routine(catalog: Catalog, link: Mapping[str, Any] | None) -> tuple[RoutineItem, ...]:
    """The routine of a person's linked plan; empty when there is none.

    Raises ContentError when the stored exercises no longer validate (a catalog change).
    """
    if not link or not link.get("exercises"):
        return ()
    prescription = parse_prescription({"exercises": link["exercises"]}, catalog, "linked plan")
    return prescribed_routine(catalog, prescription)
