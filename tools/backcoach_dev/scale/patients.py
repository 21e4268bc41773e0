"""Simulated patients: each one an Echo doing a whole routine through the front, with
think time between turns, and a ledger of what they did and heard.

What a patient does is fixed by its number (the same run every time): a link by
code in some (the code read back, then "yes"), a pain report in some (then "go on
gently"), a red flag in a few (which ends the session; they open the skill again a
little later and must hear that it will not start today), a stop part way in some,
the whole routine in the rest.  The ledger keeps the request id of every pain report
and red flag the patient heard acknowledged, the coach state their Echo last held
(the session attributes of the last answer), and every answer's status and time.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from backcoach_dev.chat.requests import envelope, intent, launch, now, slot, speech
from backcoach_dev.ports import HOST

ACKNOWLEDGED = {"pain": "sorry it hurts", "red_flag": "stop the exercises now"}
LOCKED_OUT = "won't start the exercises"
LINKED = "plan is linked"
ERROR_WORDS = "something went wrong"
MAX_TURNS = 40
TIMEOUT = 9.0  # seconds: Alexa has given up after 8


@dataclass(frozen=True)
class Script:
    """What patient ``number`` will do."""

    number: int
    link: bool
    pain_at: int | None  # after this many routine turns, "it hurts" (then go on gently)
    red_flag_at: int | None  # after this many routine turns, a red flag
    stop_at: int | None  # after this many routine turns, "stop" (None: to the end)

    @classmethod
    def of(cls, number: int) -> Script:
        pick = random.Random(number)
        red_flag = number % 25 == 7  # a few
        return cls(
            number=number,
            link=number % 5 == 1,
            pain_at=pick.randint(1, 6) if number % 3 == 0 else None,
            red_flag_at=pick.randint(1, 6) if red_flag else None,
            stop_at=pick.randint(2, 8) if number % 4 == 2 and not red_flag else None,
        )


def user_id(number: int) -> str:
    digest = hashlib.sha256(f"backcoach-scale:{number}".encode()).hexdigest().upper()
    return f"amzn1.ask.account.{digest}{digest[:40]}"


@dataclass
class Answer:
    request_id: str
    status: int  # 0: no HTTP answer at all
    seconds: float
    at: float  # time.monotonic() when it came back
    spoken: bool  # a 200 with something to say, not the error apology
    upstream: str = ""


@dataclass
class Ledger:
    """What one patient did and heard."""

    script: Script
    user_id: str
    events: dict[str, str] = field(default_factory=dict)  # "<request id>:0" -> kind
    state: dict[str, Any] | None = None  # the coach state the Echo last held
    sessions_ended: int = 0
    linked: bool = False
    lockout_heard: bool | None = None  # red flag patients only
    relaunch_id: str = ""  # the request that opened the skill again after the red flag
    answers: list[Answer] = field(default_factory=list)
    unfinished: str = ""  # why the patient gave up (an answer that was not spoken)


class Echo:
    """One patient's device: keeps the session, posts through the front."""

    def __init__(self, ledger: Ledger, port: int, think: float, rng: random.Random) -> None:
        self.ledger = ledger
        self.port = port
        self.think = think
        self.rng = rng
        self.session: str | None = None
        self.attributes: dict[str, Any] = {}
        self.ended = True
        self.connection: http.client.HTTPConnection | None = None
        self.last_request_id = ""
        self.in_routine = True  # the place is recorded only while doing the routine

    @property
    def phase(self) -> str:
        return str(self._state().get("ph", ""))

    def _state(self) -> dict[str, Any]:
        value = self.attributes.get("s")
        return json.loads(value) if isinstance(value, str) else value or {}

    def pause(self) -> None:
        time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def send(self, request: dict[str, Any]) -> str:
        """One turn (after the patient's think time): the SSML heard ("" if none)."""
        self.pause()
        new = self.session is None
        session = self.session or (
            f"amzn1.echo-api.session.scale-{self.ledger.script.number}-{time.monotonic_ns()}"
        )
        if new:
            self.session = session
            self.attributes = {}
        body = envelope(
            request,
            user_id=self.ledger.user_id,
            session_id=session,
            new=new,
            attributes=self.attributes,
            timestamp=now(),
        )
        request_id = body["request"]["requestId"]
        status, reply, upstream, started = self._post(body)
        said = speech(reply) if reply else ""
        spoken = status == 200 and bool(said) and ERROR_WORDS not in said
        self.ledger.answers.append(
            Answer(
                request_id, status, time.monotonic() - started, time.monotonic(), spoken, upstream
            )
        )
        if not spoken or reply is None:
            self.ledger.unfinished = f"answer {status} to {request.get('intent', request)}"
            return ""
        self.attributes = reply.get("sessionAttributes") or {}
        if "s" in self.attributes and self.in_routine:
            self.ledger.state = self._state()
        self.ended = bool(reply.get("response", {}).get("shouldEndSession", True))
        if self.ended:
            self.session = None
        self.last_request_id = request_id
        return said

    def _post(self, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None, str, float]:
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        started = time.monotonic()
        for attempt in (1, 2):  # a kept-alive connection the front closed: once more
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
            try:
                self.connection.request(
                    "POST", "/alexa", body=data, headers={"Content-Type": "application/json"}
                )
                response = self.connection.getresponse()
                raw = response.read()
                upstream = response.getheader("X-Upstream", "")
                reply = json.loads(raw) if response.status == 200 else None
                return response.status, reply, upstream, started
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return 0, None, "", started
        return 0, None, "", started

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def run_patient(number: int, port: int, think: float, code: str | None) -> Ledger:
    """Patient ``number``'s whole routine (and, after a red flag, the try again)."""
    script = Script.of(number)
    ledger = Ledger(script, user_id(number))
    echo = Echo(ledger, port, think, random.Random(number * 7919))
    try:
        _routine(echo, code if script.link else None)
        if script.red_flag_at is not None and not ledger.unfinished:
            echo.in_routine = False  # where they left the routine is the red flag's stop
            said = echo.send(launch())  # later the same day
            ledger.lockout_heard = LOCKED_OUT in said
            ledger.relaunch_id = echo.ledger.answers[-1].request_id
            if not echo.ended:
                echo.send(intent("AMAZON.StopIntent"))
    finally:
        echo.close()
    return ledger


def _routine(echo: Echo, code: str | None) -> None:
    ledger = echo.ledger
    script = ledger.script
    if not echo.send(launch()):
        return
    if code is not None:
        if not echo.send(intent("LinkCodeIntent", code=slot("code", code))):
            return
        said = echo.send(intent("AMAZON.YesIntent"))
        ledger.linked = LINKED in said
    if not echo.send(intent("StartRoutineIntent")):
        return
    for turn in range(1, MAX_TURNS):
        if echo.ended:
            ledger.sessions_ended += 1
            return
        if turn == script.red_flag_at:
            _report(echo, "RedFlagIntent", "red_flag")
            ledger.sessions_ended += 1
            return
        if turn == script.pain_at:
            if not _report(echo, "PainIntent", "pain"):
                return
            if echo.phase == "pain_check" and not echo.send(intent("AMAZON.YesIntent")):
                return
            continue
        if turn == script.stop_at:
            if echo.send(intent("AMAZON.StopIntent")):
                ledger.sessions_ended += 1
            return
        ready = echo.phase == "positioning"
        if not echo.send(intent("ReadyIntent" if ready else "NextIntent")):
            return


def _report(echo: Echo, name: str, kind: str) -> bool:
    said = echo.send(intent(name))
    if ACKNOWLEDGED[kind] in said:
        echo.ledger.events[f"{echo.last_request_id}:0"] = kind
    return bool(said)


class Crowd:
    """``count`` patients at once, each in its own thread, their starts spread over
    ``ramp`` seconds."""

    def __init__(self, count: int, port: int, think: float, ramp: float, codes: list[str]) -> None:
        self.count = count
        self.port = port
        self.think = think
        self.ramp = ramp
        self.codes = codes
        self.ledgers: list[Ledger | None] = [None] * count
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.count):
            thread = threading.Thread(target=self._one, args=(number,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _one(self, number: int) -> None:
        time.sleep(self.ramp * number / max(self.count, 1))
        code = self.codes[number % len(self.codes)] if self.codes else None
        self.ledgers[number] = run_patient(number, self.port, self.think, code)

    def wait(self) -> list[Ledger]:
        for thread in self.threads:
            thread.join()
        return [ledger for ledger in self.ledgers if ledger is not None]
