"""The requests the bench sends: real conversations, replayed for many users.

A few dozen conversations run in process against the real skill (embedded store):
launch, start, ready and next through the counting, an exercise by name, sometimes a
pain or soreness report (and going on gently), and stop.  Every request is kept with
the session attributes Alexa would have sent with it, that is the coach state ``s``
exactly as the skill returned it, so a replayed mid-session request takes the
mid-session path (no Redis read, one write) and a replayed launch is a new session
(one read, one write).  Each of ``users`` users then gets requests drawn from these
conversations in the proportions of ``MIX``, under their own user id and session.

The recorded progress version (attribute ``v``) is left out: replayed out of order and
over and over, every body would carry a version older than Redis's and be answered as
"moved on since, on another device" (a rare race in real use, not what to measure).
Without it a save is compared by its timestamp, which is the same for every body of a
measurement, so each is the ordinary save.

The bodies are rendered with a fresh timestamp (and signed, when verification is on)
right before each measurement, into one file per wrk thread: ``signature<TAB>body``
per line.  Each thread gets its own users.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backcoach_dev.chat.requests import envelope, intent, launch, now, slot
from skill.coach.catalog import Catalog, load_catalog
from skill.handlers.turn import session_state
from skill.store import MemoryStore, Store

# Percent of requests of each kind: a session is a launch, a start, a run of "ready" and
# "next" through the counting, now and then an exercise by name or a pain report, and a
# stop (or the end of the routine).  Launches are new sessions; the rest are mid-session.
MIX: dict[str, int] = {"launch": 10, "next": 65, "exercise": 10, "pain": 7, "stop": 8}
MID_SESSION = frozenset(MIX) - {"launch"}
CONVERSATIONS = 24
ERROR_WORDS = "something went wrong"

# Names as a person says them, with the id Alexa's entity resolution gives back.
SPOKEN_NAMES = (
    ("the bridge", "a04-pelvic-lift"),
    ("cat and camel", "a07-cat-and-camel"),
    ("knee rolls", "b01-knee-rolls"),
    ("press ups", "a11-press-up"),
    ("knee to chest", "a01-knee-to-chest"),
    ("pelvic tilts", "b04-pelvic-tilts"),
    ("trunk rotation", "a17-trunk-rotation"),
    ("back extensions", "b03-back-extensions"),
)


class WorkloadError(RuntimeError):
    """The skill did not answer a recorded conversation as expected."""


@dataclass(frozen=True)
class Step:
    """One request of a recorded conversation, as Alexa would send it."""

    kind: str
    request: dict[str, Any]  # the "request" object (type, intent, slots)
    new: bool  # the first request of a session
    attributes: dict[str, Any]  # the session attributes sent with it


@dataclass(frozen=True)
class Conversation:
    steps: tuple[Step, ...]
    # What the skill stored for this person by the end: progress, pain events, history.
    state: dict[str, Any] | None
    pains: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]

    def of_kind(self, kind: str) -> list[Step]:
        return [step for step in self.steps if step.kind == kind]


@contextmanager
def quiet_logs() -> Iterator[None]:
    """The in-process skill logs "verification is OFF" and the like: not bench output."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def replayable(attributes: dict[str, Any]) -> dict[str, Any]:
    """The recorded session attributes without the progress version (see above)."""
    return {key: value for key, value in attributes.items() if key != "v"}


def user_id(index: int) -> str:
    """An Alexa-shaped userId (real ones are long: the hashing cost is realistic)."""
    digest = hashlib.sha256(f"backcoach-bench:{index}".encode()).hexdigest().upper()
    return f"amzn1.ask.account.{digest}{digest[:40]}"


class _Recorder:
    """Talks to the in-process skill as one Echo, keeping every request it sends."""

    def __init__(self, post: Callable[[dict[str, Any]], dict[str, Any]], user: str) -> None:
        self.post = post
        self.user = user
        self.session = f"amzn1.echo-api.session.{user[-12:]}"
        self.attributes: dict[str, Any] = {}
        self.steps: list[Step] = []
        self.ended = False

    @property
    def phase(self) -> str:
        state = self.attributes.get("s")
        return session_state(state).phase.value if state else ""

    def send(self, kind: str, request: dict[str, Any], *, new: bool = False) -> None:
        if new:
            self.attributes = {}
        self.steps.append(Step(kind, request, new, copy.deepcopy(self.attributes)))
        body = envelope(
            request,
            user_id=self.user,
            session_id=self.session,
            new=new,
            attributes=self.attributes,
        )
        reply = self.post(body)
        ssml = (reply.get("response", {}).get("outputSpeech") or {}).get("ssml", "")
        if ERROR_WORDS in ssml:
            raise WorkloadError(f"the skill answered an error to a {kind} request: {ssml}")
        self.attributes = reply.get("sessionAttributes") or {}
        self.ended = bool(reply.get("response", {}).get("shouldEndSession", True))


def _converse(recorder: _Recorder, number: int, catalog: Catalog) -> None:
    """One session: its shape varies with ``number`` (how far, which exercise, pain)."""
    recorder.send("launch", launch(), new=True)
    recorder.send("next", intent("StartRoutineIntent"))
    for _ in range(3 + number % 10):
        if recorder.ended:
            return
        ready = recorder.phase == "positioning"
        recorder.send("next", intent("ReadyIntent" if ready else "NextIntent"))
    spoken, exercise_id = SPOKEN_NAMES[number % len(SPOKEN_NAMES)]
    exercise = slot("exercise", spoken, [(exercise_id, catalog[exercise_id].full_name)])
    recorder.send("exercise", intent("DoExerciseIntent", exercise=exercise))
    recorder.send("next", intent("ReadyIntent"))
    if number % 3 != 2 and not recorder.ended:
        recorder.send("pain", intent("PainIntent" if number % 2 else "SorenessIntent"))
        if recorder.phase == "pain_check":
            recorder.send("next", intent("AMAZON.YesIntent"))  # go on gently
        if not recorder.ended:
            ready = recorder.phase == "positioning"
            recorder.send("next", intent("ReadyIntent" if ready else "NextIntent"))
    if not recorder.ended:
        recorder.send("stop", intent("AMAZON.StopIntent"))


def record_conversations(count: int = CONVERSATIONS) -> list[Conversation]:
    """Run ``count`` conversations against the real skill in process."""
    from skill.app import create_app

    catalog = load_catalog()
    store = MemoryStore()
    with quiet_logs():
        app = create_app({"store": store, "catalog": catalog, "ALEXA_VERIFY_SIGNATURE": "0"})
        client = app.test_client()

        def post(body: dict[str, Any]) -> dict[str, Any]:
            reply = client.post("/alexa", data=json.dumps(body), content_type="application/json")
            if reply.status_code != 200:
                raise WorkloadError(f"the skill answered {reply.status_code}")
            return reply.get_json()

        conversations = []
        for number in range(count):
            recorder = _Recorder(post, user_id(-1 - number))
            _converse(recorder, number, catalog)
            record = store.load(recorder.user)
            conversations.append(
                Conversation(
                    steps=tuple(recorder.steps),
                    state=record.state,
                    pains=tuple(store.pain_log(recorder.user)),
                    history=tuple(store.history(recorder.user)),
                )
            )
    return conversations


def _counts(total: int, mix: dict[str, int]) -> dict[str, int]:
    """``total`` split in the proportions of ``mix`` (largest remainders)."""
    weight = sum(mix.values())
    exact = {kind: total * share / weight for kind, share in mix.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(mix, key=lambda kind: exact[kind] - counts[kind], reverse=True)
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    return counts


@dataclass(frozen=True)
class Item:
    user: int
    kind: str
    body: dict[str, Any]  # the whole envelope; the timestamp is set when rendered


class Workload:
    """``per_user`` requests for each of ``users`` users, in the proportions of ``MIX``."""

    def __init__(
        self,
        conversations: Sequence[Conversation],
        users: int,
        per_user: int = 3,
        seed: int = 8,
    ) -> None:
        if users < 1 or per_user < 1:
            raise ValueError("the bench needs at least one user and one request each")
        self.conversations = list(conversations)
        self.users = users
        kinds = [kind for kind, n in _counts(users * per_user, MIX).items() for _ in range(n)]
        random.Random(seed).shuffle(kinds)
        self.items: list[Item] = []
        for index, kind in enumerate(kinds):
            user = index % users
            step = self._step(user, kind, index // users)
            session = f"amzn1.echo-api.session.bench-{user:06d}"
            if step.new:
                session += f"-{index}"
            body = envelope(
                step.request,
                user_id=user_id(user),
                session_id=session,
                new=step.new,
                attributes=replayable(step.attributes),
            )
            self.items.append(Item(user, kind, body))

    def conversation(self, user: int) -> Conversation:
        return self.conversations[user % len(self.conversations)]

    def _step(self, user: int, kind: str, turn: int) -> Step:
        for offset in range(len(self.conversations)):
            steps = self.conversation(user + offset).of_kind(kind)
            if steps:
                return steps[turn % len(steps)]
        raise WorkloadError(f"no recorded conversation has a {kind} request")

    @property
    def mix(self) -> dict[str, int]:
        return dict(Counter(item.kind for item in self.items))

    def render(self, item: Item, timestamp: str | None = None) -> bytes:
        body = item.body
        body["request"]["timestamp"] = timestamp or now()
        return json.dumps(body, separators=(",", ":")).encode("utf-8")

    def write(
        self, prefix: Path, threads: int, sign: Callable[[bytes], str] | None = None
    ) -> list[Path]:
        """The per-thread files wrk reads (``<prefix><n>.txt``, n from 0), with a fresh
        timestamp and, if ``sign`` is given, a fresh signature on every body."""
        stamp = now()
        lines: list[list[str]] = [[] for _ in range(threads)]
        for item in self.items:
            body = self.render(item, stamp)
            signature = sign(body) if sign else ""
            lines[item.user % threads].append(f"{signature}\t{body.decode('utf-8')}\n")
        paths = []
        for number, chunk in enumerate(lines):
            path = prefix.parent / f"{prefix.name}{number}.txt"
            path.write_text("".join(chunk), encoding="utf-8")
            paths.append(path)
        return paths

    def seed(self, store: Store) -> None:
        """Store for every user what the skill stored by the end of their conversation."""
        for user in range(self.users):
            recorded = self.conversation(user)
            store.save(user_id(user), recorded.state, recorded.pains, recorded.history)

    def samples(self, kind: str, count: int) -> list[Item]:
        return [item for item in self.items if item.kind == kind][:count]
