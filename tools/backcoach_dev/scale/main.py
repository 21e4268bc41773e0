"""``backcoach-dev scale`` (``make scale-test``): its arguments."""

from __future__ import annotations

import argparse
from pathlib import Path

from .run import Settings, scale_main

DEFAULTS = Settings()


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=DEFAULTS.patients)
    parser.add_argument(
        "--think", type=float, default=DEFAULTS.think, help="seconds between turns (mean)"
    )
    parser.add_argument(
        "--ramp", type=float, default=DEFAULTS.ramp, help="seconds over which patients start"
    )
    parser.add_argument(
        "--kill-after",
        type=float,
        default=DEFAULTS.kill_after,
        help="seconds into the run a master gets SIGKILL (0: none)",
    )
    parser.add_argument("--workers", type=int, default=DEFAULTS.workers, help="per instance")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep the logs and data in this folder")


def scale_command(args: argparse.Namespace) -> int:
    settings = Settings(
        patients=max(1, args.patients),
        think=max(0.0, args.think),
        ramp=max(0.0, args.ramp),
        kill_after=max(0.0, args.kill_after),
        workers=max(1, args.workers),
    )
    return scale_main(settings, keep=args.keep, out=args.json)
