"""``backcoach-dev bench``: its arguments and entry point (the work is imported lazily)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="one short round (under a minute) instead of three"
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="FILE", help="also write the results as JSON"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="seconds per measurement (default 5, or 2 with --quick; 1 for a smoke test)",
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds (default 3, quick 1; --round-trip 20)"
    )
    parser.add_argument("--users", type=int, default=1000, help="distinct users (default 1000)")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers per server (default: cores)"
    )
    mode = parser.add_mutually_exclusive_group()  # one "instead" at a time, not the first
    mode.add_argument(
        "--profile",
        action="store_true",
        help="instead: where a request's CPU time goes, in process, skill and reference",
    )
    mode.add_argument(
        "--open-loop",
        action="store_true",
        help="instead: thousands of patients at Echo pace (think time between turns), "
        "level by level: p50/p99, CPU per patient-hour, patients held within p99 100 ms",
    )
    mode.add_argument(
        "--round-trip",
        action="store_true",
        help="instead: what one bare Redis round trip costs next to the hello world, in "
        "many short alternating rounds (the most a one-round-trip skill can reach here)",
    )
    parser.add_argument(
        "--patients",
        type=_levels,
        default=None,
        metavar="N,N,...",
        help="open loop: the levels of concurrent patients (default 500 to 8000)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=4.0,
        help="open loop: mean seconds from an answer to the next request (default 4)",
    )


def _levels(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None


def bench_main(args: argparse.Namespace) -> int:
    from .openloop import OpenLoopError
    from .processes import BenchProcessError
    from .runner import BenchError
    from .workload import WorkloadError
    from .wrk import WrkError

    try:
        if args.profile:
            from .profile import profile

            print(profile(users=args.users))
            return 0
        if args.open_loop:
            from .openloop import open_loop_command

            return open_loop_command(
                quick=args.quick,
                json_path=args.json,
                seconds=args.seconds,
                workers=args.workers,
                levels=args.patients,
                think=args.think,
            )
        if args.round_trip:
            from .roundtrip import round_trip_command

            return round_trip_command(
                quick=args.quick,
                json_path=args.json,
                rounds=args.rounds,
                seconds=args.seconds,
                workers=args.workers,
            )
        from .runner import bench_command

        return bench_command(
            quick=args.quick,
            json_path=args.json,
            seconds=args.seconds,
            rounds=args.rounds,
            users=args.users,
            workers=args.workers,
        )
    except (
        BenchError,
        BenchProcessError,
        OpenLoopError,
        WorkloadError,
        WrkError,
        OSError,
    ) as error:
        print(f"backcoach-dev bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("backcoach-dev bench: interrupted; servers stopped", file=sys.stderr)
        return 130
