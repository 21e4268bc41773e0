"""The ``backcoach`` command: what the webhook's own package needs to run, check and
serve itself, and the clinician's plan and report commands.

The developer tools (``chat``, ``simulate``, ``bench``) are the ``backcoach-dev``
command of ``tools/``, so the deployed package carries none of them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from .clinic.accounts import AccountError
from .clinic.accounts_cli import add_clinician_arguments, add_local_clinician, clinician_command
from .coach.catalog import Catalog, ContentError, Exercise, Figure, load_catalog
from .coach.words import uses
from .interaction_model import MODEL_DIR, ModelError, check_models, write_models
from .plan_cli import add_plan_arguments, add_report_arguments, plan_command, report_command
from .skill_package import CERTIFICATE_TYPES, DEFAULT_OUT, PackageError, write_package
from .skill_package import MODELS_DIR as PACKAGE_MODELS

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


def build_model(catalog: Catalog, out_dir: Path, check: bool, source: Path | None = None) -> int:
    """Write (or check) the models in ``out_dir`` and, for the default directory, the
    copies the ASK CLI deploys from ``skill-package/interactionModels/custom/``."""
    targets = [out_dir, PACKAGE_MODELS] if out_dir == MODEL_DIR else [out_dir]
    try:
        if not check:
            for target in targets:
                paths = write_models(target, catalog, source)
                print(f"wrote {len(paths)} interaction models to {target}")
            return 0
        stale = {target: check_models(target, catalog, source) for target in targets}
    except ModelError as error:
        print(f"backcoach: interaction model error: {error}", file=sys.stderr)
        return 2
    status = 0
    for target, locales in stale.items():
        if locales:
            print(
                f"interaction models out of date in {target}: {', '.join(locales)} "
                "(run: backcoach build-model)",
                file=sys.stderr,
            )
            status = 1
        else:
            print(f"interaction models in {target} are up to date")
    return status


PACKAGE_HELP = """\
Wrote the skill package to {out}.
Deploy it with the ASK CLI (npm install -g ask-cli; ask configure once):
  cd {out} && ask deploy
"""


def add_package_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint", required=True, help="your webhook's HTTPS URL, e.g. https://HOST/alexa"
    )
    parser.add_argument(
        "--privacy-url", default=None, help="privacy policy (default: /privacy beside --endpoint)"
    )
    parser.add_argument(
        "--terms-url", default=None, help="terms of use (default: /terms beside --endpoint)"
    )
    parser.add_argument(
        "--certificate",
        choices=CERTIFICATE_TYPES,
        default="Trusted",
        help="your endpoint's certificate: Trusted (needed for certification), Wildcard, "
        "SelfSigned",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )


def package_command(args: argparse.Namespace) -> int:
    """``backcoach package``: the deployable ASK CLI project, with the deployer's URLs."""
    try:
        out = write_package(
            args.out, args.endpoint, args.privacy_url, args.terms_url, args.certificate
        )
    except PackageError as error:
        print(f"backcoach package: {error}", file=sys.stderr)
        return 2
    print(PACKAGE_HELP.format(out=out))
    return 0


LOCAL_HELP = """\
Back Coach is listening on http://127.0.0.1:{port}/alexa ({store}).
Request verification is OFF: this is for local use only.
  Health:       curl http://127.0.0.1:{port}/healthz
  A launch:     curl -s -H 'Content-Type: application/json' \\
                     --data @infra/examples/launch.json http://127.0.0.1:{port}/alexa
  Point an Alexa skill's endpoint at it through an HTTPS tunnel, or see README.md.
"""


def run_local(port: int | None, plan: Path | None = None, clinician: str | None = None) -> int:
    """``make run``: the webhook on loopback with the embedded store unless REDIS_URL is
    set.  ``plan``: a prescription stored first, in whichever store that is, whose link
    code is printed (the embedded store lives in this process only, so the clinician's
    ``backcoach plan create`` cannot reach it).  ``clinician``: an account for the
    clinician's pages, its password asked (kept in this process with the embedded store,
    added to Redis's accounts when REDIS_URL is set)."""
    from .app import create_app
    from .coach.prescription import load_prescription
    from .settings import Settings

    settings = Settings.load({"ALEXA_VERIFY_SIGNATURE": "0"})
    chosen = port or settings.port
    prescription = None
    if plan is not None:
        try:
            prescription = load_prescription(plan, load_catalog())
        except ContentError as error:
            print(f"backcoach: prescription error: {error}", file=sys.stderr)
            return 2
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0"})
    store = app.extensions["backcoach"]["store"]
    print(LOCAL_HELP.format(port=chosen, store=store.description), flush=True)
    owner = {}
    if clinician is not None:
        try:
            owner = {"owner": add_local_clinician(app.extensions["clinic"]["accounts"], clinician)}
        except AccountError as error:
            print(f"backcoach: {error}", file=sys.stderr)
            return 2
        print(f"Clinician {owner['owner']}: sign in at http://127.0.0.1:{chosen}/clinic/")
    if prescription is not None:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        _plan_id, code = store.plan_store().create(prescription.to_dict() | owner, created)
        print(f'Plan {plan} stored: say "my code is {" ".join(code)}".', flush=True)
    app.run(host="127.0.0.1", port=chosen, threaded=True)
    return 0


GUNICORN_CONF = Path(__file__).resolve().parents[1] / "infra" / "gunicorn.conf.py"
MIN_SALT_CHARS = 16
UNSALTED_WARNING = (
    "backcoach serve: BACKCOACH_ALLOW_UNSALTED=1: RUNNING WITHOUT A USER KEY SALT. "
    "Anyone who reads Redis and knows an Amazon user id can find that person's data. "
    "Use this only for a trial."
)


def salt_problem(environ: Mapping[str, str]) -> str | None:
    """Why ``serve`` must not start with this environment's salt, or None.

    Redis keys carry sha256(salt + Amazon user id): without a secret salt, anyone with
    a user id can find that person's pain reports in a copy of the database.
    """
    salt = environ.get("BACKCOACH_USER_KEY_SALT", "")
    if len(salt) >= MIN_SALT_CHARS or environ.get("BACKCOACH_ALLOW_UNSALTED") == "1":
        return None
    if salt:
        return f"BACKCOACH_USER_KEY_SALT is {len(salt)} characters; use at least {MIN_SALT_CHARS}"
    return "BACKCOACH_USER_KEY_SALT is not set"


def serve() -> int:
    """``backcoach serve``: gunicorn with verification on (unless ALEXA_VERIFY_SIGNATURE=0).

    Refuses to start without REDIS_URL: in production, progress and pain reports
    must outlive the process.  gunicorn replaces this process, so SIGTERM reaches it
    directly and requests in flight finish (graceful_timeout).
    """
    if not os.environ.get("REDIS_URL"):
        print(
            "backcoach serve: REDIS_URL is not set. Production needs Redis to keep "
            "progress and pain reports (for example REDIS_URL=redis://localhost:6379/0). "
            "For a local try-out without Redis, use `make run`.",
            file=sys.stderr,
        )
        return 2
    problem = salt_problem(os.environ)
    if problem:
        print(
            f"backcoach serve: {problem}. Set it once to a secret of your own "
            "(for example `openssl rand -hex 32`) and never change it: the keys of "
            "everyone's data are made with it. For a trial without one, set "
            "BACKCOACH_ALLOW_UNSALTED=1.",
            file=sys.stderr,
        )
        return 2
    if len(os.environ.get("BACKCOACH_USER_KEY_SALT", "")) < MIN_SALT_CHARS:
        print(UNSALTED_WARNING, file=sys.stderr, flush=True)
    if not GUNICORN_CONF.is_file():
        print(f"backcoach serve: gunicorn settings not found at {GUNICORN_CONF}", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "skill.wsgi:app"]
    os.execv(sys.executable, command)
    return 0  # pragma: no cover - execv does not return


def print_words(catalog: Catalog, locale: str | None) -> None:
    """Every phrase for review: the coach's (with where each is used) and the safety text."""
    where: dict[str, list[str]] = {}
    for use in uses():
        where.setdefault(use.key, []).append(f"{use.file}:{use.line}")
    print(f"# content/speech: {locale or 'base (en)'}")
    for key, text in catalog.words(locale).items():
        print(f"{key}: {text}\n    used at {', '.join(where.get(key, ['nowhere']))}")
    print(f"\n# content/safety.yaml: {locale or 'base'}")
    for key, text in catalog.safety.for_locale(locale).texts().items():
        print(f"{key}: {' '.join(text.split())}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="backcoach", description="Back Coach, a voice coach for low back exercises."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("exercises", help="list the exercise catalog")
    listing.add_argument("--json", action="store_true", help="print the catalog as a JSON array")
    commands.add_parser("validate", help="check every content file against the schema")
    words = commands.add_parser(
        "words", help="print every phrase the coach says, with where the code uses it"
    )
    words.add_argument("--locale", default=None, help="a locale's phrases (default: the base)")
    model = commands.add_parser(
        "build-model", help="build the Alexa interaction models from interaction_model/source.yaml"
    )
    model.add_argument(
        "--check", action="store_true", help="only check the files are current (exit 1 if not)"
    )
    model.add_argument("--out", type=Path, default=MODEL_DIR, help="directory of <locale>.json")
    model.add_argument(
        "--source",
        type=Path,
        default=None,
        help="source file (default: interaction_model/source.yaml)",
    )
    add_package_arguments(
        commands.add_parser(
            "package", help="write the deployable skill package with your endpoint and pages"
        )
    )
    local = commands.add_parser(
        "run", help="serve locally on 127.0.0.1 for trying it out (no request verification)"
    )
    local.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8080)")
    local.add_argument(
        "--plan", type=Path, default=None, help="store this prescription first; print its code"
    )
    local.add_argument(
        "--clinician",
        metavar="EMAIL",
        default=None,
        help="a clinician's account for /clinic (the password is asked), owning --plan",
    )
    commands.add_parser("serve", help="serve in production under gunicorn (needs REDIS_URL)")
    add_plan_arguments(
        commands.add_parser("plan", help="store a prescription and give a link code (needs Redis)")
    )
    add_report_arguments(
        commands.add_parser("report", help="adherence and pain reports for a plan's users")
    )
    add_clinician_arguments(
        commands.add_parser("clinician", help="make a clinician's account for /clinic (Redis)")
    )
    args = parser.parse_args(argv)
    if args.command == "clinician":
        return clinician_command(args)
    if args.command == "plan":
        return plan_command(args)
    if args.command == "report":
        return report_command(args)
    if args.command == "package":
        return package_command(args)
    if args.command == "run":
        return run_local(args.port, args.plan, args.clinician)
    if args.command == "serve":
        return serve()

    try:
        catalog = load_catalog()
    except ContentError as error:
        print(f"backcoach: content error: {error}", file=sys.stderr)
        return 2
    if args.command == "exercises":
        print_exercises(catalog, args.json)
    elif args.command == "words":
        print_words(catalog, args.locale)
    elif args.command == "validate":
        print(f"content OK: {len(catalog.exercises)} exercises, {len(catalog.programs)} programs")
    elif args.command == "build-model":
        return build_model(catalog, args.out, args.check, args.source)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
