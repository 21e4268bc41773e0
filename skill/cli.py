"""The ``backcoach`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .coach.catalog import Catalog, ContentError, Exercise, Figure, load_catalog

POSITION_TITLES = {
    "back": "On your back",
    "all_fours": "On all fours",
    "kneeling": "Kneeling",
    "stomach": "On your stomach",
    "sitting": "Sitting",
    "standing": "Standing",
}


def _figure(figure: Figure | None, unit: str = "") -> str:
    if figure is None:
        return "-"
    text = f"{figure.range[0]}-{figure.range[1]}" if figure.range else str(figure.value)
    return f"{text}{unit}{'*' if figure.source == 'default' else ''}"


def exercise_line(exercise: Exercise) -> str:
    figures = (
        f"hold {_figure(exercise.hold_seconds, 's')}, reps {_figure(exercise.reps)}, "
        f"sets {_figure(exercise.sets)}"
    )
    variants = (
        f"  [versions: {', '.join(v.name for v in exercise.variants)}]" if exercise.variants else ""
    )
    return f"  {exercise.id:<36} {exercise.full_name:<48} {figures}{variants}"


def print_exercises(catalog: Catalog, as_json: bool) -> None:
    if as_json:
        items = [e.model_dump(mode="json") for e in catalog.exercises.values()]
        json.dump(items, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for position, title in POSITION_TITLES.items():
        exercises = [e for e in catalog.exercises.values() if e.position == position]
        if exercises:
            print(f"{title}:")
            for exercise in exercises:
                print(exercise_line(exercise))
    print("\n* a default: the handout leaves it to your physician (see content/README.md).")
    for program in catalog.programs.values():
        marker = " (default)" if program.default else ""
        print(f"Program {program.id}{marker}: {len(program.exercises)} exercises, {program.name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="backcoach", description="Back Coach, a voice coach for low back exercises."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("exercises", help="list the exercise catalog")
    listing.add_argument("--json", action="store_true", help="print the catalog as a JSON array")
    commands.add_parser("validate", help="check every content file against the schema")
    args = parser.parse_args(argv)

    try:
        catalog = load_catalog()
    except ContentError as error:
        print(f"backcoach: content error: {error}", file=sys.stderr)
        return 2
    if args.command == "exercises":
        print_exercises(catalog, args.json)
    elif args.command == "validate":
        print(f"content OK: {len(catalog.exercises)} exercises, {len(catalog.programs)} programs")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
