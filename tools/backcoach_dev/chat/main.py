"""``backcoach-dev chat`` and ``backcoach-dev simulate``: their arguments and what they run."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from skill.interaction_model import LOCALES
from skill.store import RedisStore, Store

from .device import ChatError, InProcess, OverHttp, Transport


def add_chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url", help="a running webhook (e.g. http://127.0.0.1:8080/alexa); default: in-process"
    )
    parser.add_argument("--locale", default="en-US", choices=LOCALES, help="default: en-US")
    parser.add_argument(
        "--user",
        default=None,
        help="who is talking: the same name is the same Alexa user between runs "
        "(default: your login name)",
    )
    parser.add_argument("--speak", action="store_true", help="say the answers with espeak-ng")
    parser.add_argument(
        "--realtime", action="store_true", help="show the answers at the pace they are said"
    )


def add_simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="scenario files (YAML)")
    parser.add_argument(
        "--url", help="a running webhook (e.g. http://127.0.0.1:8080/alexa); default: in-process"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every conversation in full"
    )


def quiet_logging() -> None:
    """The chat's own output is the conversation: log only errors unless LOG_LEVEL says."""
    level = (os.environ.get("LOG_LEVEL") or "ERROR").upper()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def in_process() -> tuple[Transport, str, Store]:
    """The webhook in this process: verification off, the store from REDIS_URL or the
    embedded one (returned too: a scenario's prescription is stored in it)."""
    from skill.app import create_app
    from skill.settings import Settings
    from skill.store import open_store

    settings = Settings.load({"ALEXA_VERIFY_SIGNATURE": "0"})
    store = open_store(
        settings.redis_url,
        cluster=settings.redis_cluster,
        progress_ttl=settings.progress_ttl,
        salt=settings.user_key_salt,
    )
    app = create_app({"ALEXA_VERIFY_SIGNATURE": "0", "store": store})
    where = f"in-process, {store.description}"
    if not settings.redis_url:
        where += ".\nYour place is forgotten when the chat ends: set REDIS_URL to keep it"
    return InProcess(app.test_client()), where, store


def transport_for(url: str | None) -> tuple[Transport, str, Store | None]:
    """The webhook at ``url``, or in this process; and its store when it is ours."""
    if url:
        transport = OverHttp(url)
        return transport, transport.url, None
    return in_process()


def terminal_reader(stdin_is_tty: bool) -> Callable[[str], str]:
    """``input``, echoing the line when it comes from a pipe so the transcript reads well."""
    if stdin_is_tty:
        with contextlib.suppress(ImportError):  # line editing and history for input()
            import readline  # noqa: F401
        return input

    def read(prompt: str) -> str:
        line = input(prompt)
        print(line)
        return line

    return read


def chat_command(args: argparse.Namespace) -> int:
    from .conversation import Conversation
    from .device import Device, user_id_for
    from .loop import ChatOptions, Screen, run_chat
    from .nlu import Nlu, NluError
    from .voice import INSTALL_HINT, Voice

    quiet_logging()
    try:
        nlu = Nlu.for_locale(args.locale)
        transport, where, _store = transport_for(args.url)
    except (NluError, ChatError) as error:
        print(f"backcoach-dev chat: {error}", file=sys.stderr)
        return 2
    name = args.user or _login_name()
    device = Device(transport, user_id_for(name), args.locale)
    voice = None
    if args.speak:
        voice = Voice.find(args.locale)
        if voice is None:
            print(INSTALL_HINT)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    width = min(os.get_terminal_size().columns if sys.stdout.isatty() else 100, 120)
    options = ChatOptions(realtime=args.realtime, color=color, width=width)
    print(f"Back Coach: {where}.\nYou are {name!r} ({args.locale}).")
    screen = Screen(sys.stdout, options, voice)
    return run_chat(Conversation(device, nlu), terminal_reader(sys.stdin.isatty()), screen)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"


def simulate_command(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, load_scenario, run_scenario, store_prescription

    quiet_logging()
    try:
        scenarios = [(path, load_scenario(path)) for path in args.files]
        transport, _where, store = transport_for(args.url)
    except (ScenarioError, ChatError) as error:
        print(f"backcoach-dev simulate: {error}", file=sys.stderr)
        return 2
    redis_url = os.environ.get("REDIS_URL")
    if store is None and redis_url:  # a server elsewhere, sharing this Redis
        store = RedisStore.from_url(redis_url, socket_timeout=5.0, connect_timeout=5.0)
    failed = 0
    for path, scenario in scenarios:
        code = None
        if scenario.prescription is not None:
            if store is None:
                print(f"FAIL {path}: {scenario.title}\n  links a prescription: set REDIS_URL")
                failed += 1
                continue
            code = store_prescription(scenario, store.plan_store())
        try:
            outcome = run_scenario(scenario, transport, path, code=code)
        except ChatError as error:
            print(f"FAIL {path}: {scenario.title}\n  could not talk to the skill: {error}")
            failed += 1
            continue
        print(outcome.conversation() if args.verbose else outcome.report())
        if args.verbose and outcome.failure is not None:
            print(outcome.report())
        failed += not outcome.passed
    if len(scenarios) > 1:
        print(f"{len(scenarios) - failed} of {len(scenarios)} scenarios passed")
    return 1 if failed else 0
