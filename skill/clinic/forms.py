"""The clinician's forms (Flask-WTF: each carries a CSRF token and is refused without it).

The prescription form is built from the catalog: one row per exercise of the handouts,
its blanks bounded by ProgramItem's own limits (read from the model, so the page and
``plan create`` cannot drift apart) and prefilled with the catalog's figures.  What
it yields is checked again by ``parse_prescription``, exactly as a YAML file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from annotated_types import Ge, Le
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # 3.3: stubs lag
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from ..coach.catalog import Catalog, Exercise, Figure, ProgramItem
from ..coach.prescription import Prescription
from ..plan_cli import MAX_LINKS

# The blanks of one exercise: (field suffix, ProgramItem field, label, the catalog figure).
BLANKS = (
    ("hold", "hold_seconds", "Hold (seconds)"),
    ("reps", "reps", "Repetitions"),
    ("sets", "sets", "Sets"),
    ("rest", "rest_seconds", "Rest between sets (seconds)"),
)


def bounds(model: type[Any], name: str) -> tuple[int, int]:
    """The (ge, le) limits of a pydantic model's field."""
    low = high = None
    for rule in model.model_fields[name].metadata:
        if isinstance(rule, Ge):
            low = int(cast(int, rule.ge))
        elif isinstance(rule, Le):
            high = int(cast(int, rule.le))
    assert low is not None and high is not None, name
    return low, high


def max_length(model: type[Any], name: str) -> int:
    for rule in model.model_fields[name].metadata:
        found = getattr(rule, "max_length", None)
        if found is not None:
            return int(found)
    raise AssertionError(name)


class WhenTicked:
    """A blank is checked only when its exercise is ticked, and then must be filled."""

    def __init__(self, include: str) -> None:
        self.include = include

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not form[self.include].data:
            field.errors = []  # an unticked row's blanks do not matter
            raise StopValidation()
        if field.data is None and not field.errors:
            raise StopValidation("Fill in this blank.")


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ActionForm(FlaskForm):
    """A button that changes something (revoke, unlink, sign out): the CSRF token only."""


@dataclass(frozen=True)
class Row:
    """One exercise of the handout on the form, and the names of its fields."""

    exercise: Exercise
    prefix: str

    def name(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"

    def blanks(self) -> list[str]:
        return [
            suffix
            for suffix, attribute, _ in BLANKS
            if getattr(self.exercise, attribute) is not None
        ]


def _figure(figure: Figure | None) -> int | None:
    return figure.value if figure is not None else None


def _variant_field(exercise: Exercise) -> RadioField | None:
    if not exercise.variants:
        return None
    choices = [SelectChoice("", "As described")] if exercise.action else []
    choices += [SelectChoice(v.id, f"{v.id.upper()}. {v.name}") for v in exercise.variants]
    return RadioField(
        "Version", choices=choices, default=exercise.default_variant or choices[0].value
    )


def _add_rows(attrs: dict[str, Any], exercises: list[Exercise]) -> list[Row]:
    rows = []
    for index, exercise in enumerate(exercises):
        row = Row(exercise, f"x{index}")
        rows.append(row)
        attrs[row.name("include")] = BooleanField(f"Prescribe {exercise.full_name}")
        variant = _variant_field(exercise)
        if variant is not None:
            attrs[row.name("variant")] = variant
        for suffix, attribute, label in BLANKS:
            default = _figure(getattr(exercise, attribute))
            if default is None:
                continue
            low, high = bounds(ProgramItem, attribute)
            attrs[row.name(suffix)] = IntegerField(
                label,
                default=max(low, min(high, default)),
                validators=[WhenTicked(row.name("include")), NumberRange(min=low, max=high)],
                render_kw={"min": low, "max": high},
            )
    return rows


def prescription_form(catalog: Catalog, handout_order: list[Exercise]) -> type[FlaskForm]:
    """A form class with a row for each exercise of ``handout_order``."""
    attrs: dict[str, Any] = {
        "patient": StringField(
            "Patient label (for you only: never spoken)",
            validators=[Optional(), Length(max=max_length(Prescription, "patient"))],
        ),
        "note": TextAreaField(
            "A note to the patient",
            validators=[Optional(), Length(max=max_length(Prescription, "note"))],
        ),
        "links": IntegerField(
            "How many people may link this code",
            default=1,
            validators=[InputRequired(), NumberRange(min=1, max=MAX_LINKS)],
            render_kw={"min": 1, "max": MAX_LINKS},
        ),
    }
    attrs["rows"] = _add_rows(attrs, handout_order)
    return type("PrescriptionForm", (FlaskForm,), attrs)


def chosen_items(form: FlaskForm) -> list[dict[str, Any]]:
    """The ticked exercises as prescription items, in the handout's order."""
    items = []
    for row in form.rows:
        if not form[row.name("include")].data:
            continue
        item: dict[str, Any] = {"id": row.exercise.id}
        variant: Field | None = form._fields.get(row.name("variant"))
        if variant is not None and variant.data:
            item["variant"] = variant.data
        for suffix, attribute, _ in BLANKS:
            field = form._fields.get(row.name(suffix))
            if field is not None:
                item[attribute] = field.data
        items.append(item)
    return items


def plan_data(form_class: type[FlaskForm], plan: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a stored plan: its exercises ticked with their figures
    (the catalog's where the plan leaves one out), its note, label and links."""
    items = {item["id"]: item for item in plan.get("exercises") or []}
    data: dict[str, Any] = {
        "patient": plan.get("patient"),
        "note": plan.get("note"),
        "links": plan.get("links_allowed", 1),
    }
    for row in form_class.rows:
        item = items.get(row.exercise.id)
        if item is None:
            continue
        data[row.name("include")] = True
        if item.get("variant"):
            data[row.name("variant")] = item["variant"]
        for suffix, attribute, _ in BLANKS:
            if item.get(attribute) is not None:
                data[row.name(suffix)] = item[attribute]
    return data
