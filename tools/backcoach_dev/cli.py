"""The ``backcoach-dev`` command: ``chat``, ``simulate``, ``bench``, ``scale``, ``icons`` and
``screens``.

They were subcommands of ``backcoach`` until the webhook's package stopped carrying
developer tools (issue 14); ``make chat`` and ``make bench`` run them from here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .bench.main import add_bench_arguments, bench_main
from .chat.main import add_chat_arguments, add_simulate_arguments, chat_command, simulate_command
from .icons import add_icons_arguments, icons_command
from .scale.main import add_scale_arguments, scale_command
from .screens import add_screens_arguments, screens_command


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="backcoach-dev", description="Back Coach developer tools (not part of the webhook)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_chat_arguments(
        commands.add_parser("chat", help="talk to the skill in the terminal, as to an Echo")
    )
    add_simulate_arguments(
        commands.add_parser("simulate", help="run scripted conversations (YAML scenario files)")
    )
    add_bench_arguments(
        commands.add_parser("bench", help="measure the skill under load against a hello world")
    )
    add_scale_arguments(
        commands.add_parser(
            "scale", help="two instances on a Redis Cluster, a master killed mid-run (issue 18)"
        )
    )
    add_icons_arguments(
        commands.add_parser("icons", help="render the skill's icons from assets/icon.svg")
    )
    add_screens_arguments(
        commands.add_parser(
            "screens", help="write an Echo Show's screens for the APL authoring tool"
        )
    )
    args = parser.parse_args(argv)
    if args.command == "chat":
        return chat_command(args)
    if args.command == "simulate":
        return simulate_command(args)
    if args.command == "scale":
        return scale_command(args)
    if args.command == "icons":
        return icons_command(args)
    if args.command == "screens":
        return screens_command(args)
    return bench_main(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
