"""``backcoach-dev screens``: the screens one conversation sends to an Echo Show, as
files to paste into the APL authoring tool of the Alexa developer console (its APL
tab takes the document, its DATA tab the datasources).

The conversation runs in process over the embedded store: launch, list, progress,
code, start, ready, next, ready, pain: every kind of screen the skill sends.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from skill.app import create_app
from skill.store.memory_store import MemoryStore

from .chat.device import Device, InProcess
from .chat.requests import ECHO_SHOW_5, ECHO_SHOW_8, FIRE_TV, intent, launch

VIEWPORTS = {"echo-show-5": ECHO_SHOW_5, "echo-show-8": ECHO_SHOW_8, "fire-tv": FIRE_TV}
SAID = (
    "ListExercisesIntent",
    "ProgressIntent",
    "HaveCodeIntent",
    "StartRoutineIntent",
    "ReadyIntent",
    "NextIntent",
    "ReadyIntent",
    "PainIntent",
)
RENDER = "Alexa.Presentation.APL.RenderDocument"


def add_screens_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("build/screens"), help="default: build/screens"
    )
    parser.add_argument("--viewport", choices=sorted(VIEWPORTS), default="echo-show-5")


def conversation_screens(viewport: dict[str, Any]) -> list[dict[str, Any]]:
    """Every RenderDocument directive of the conversation, in order."""
    store = MemoryStore()
    try:
        app = create_app({"store": store, "ALEXA_VERIFY_SIGNATURE": "0"})
        device = Device(InProcess(app.test_client()), viewport=viewport)
        replies = [device.send(launch())] + [device.send(intent(name)) for name in SAID]
    finally:
        store.close()
    return [
        directive
        for reply in replies
        for directive in reply["response"].get("directives", [])
        if directive["type"] == RENDER
    ]


def screens_command(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for number, directive in enumerate(conversation_screens(VIEWPORTS[args.viewport]), 1):
        document = "exercise" if "cues" in directive["datasources"]["screen"] else "message"
        stem = f"{number:02d}-{document}"
        (out / f"{stem}-document.json").write_text(json.dumps(directive["document"], indent=2))
        (out / f"{stem}-data.json").write_text(json.dumps(directive["datasources"], indent=2))
        print(out / stem)
    return 0
