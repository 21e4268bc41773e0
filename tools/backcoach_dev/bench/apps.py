"""What the bench's gunicorn servers load (``backcoach_dev.bench.apps:skill()`` and
``backcoach_dev.bench.apps:reference()``), configured from the environment:

- ``REDIS_URL`` and ``ALEXA_SKILL_ID`` as in production;
- ``BACKCOACH_BENCH_VERIFY``: ``1`` for Amazon request verification on;
- ``BACKCOACH_BENCH_PKI``: a directory with ``chain.pem`` (what the certificate URL
  serves) and ``root.pem`` (the only trust root), written by the bench.

The reference is the minimal ASK SDK skill the skill is measured against: one handler
that says "Hello" to a launch or any intent, no storage, behind a Flask route doing
what the skill's route does (body, JSON parse, verification when on, SDK deserialize,
invoke, serialize).

The naive stateful reference (``backcoach_dev.bench.apps:naive()``) is what a team
would build first with the ASK SDK without this design: the same hello-world
handler, plus a Redis GET of the person's state (JSON under their userId) and a SET of
it back on every request, with redis-py as its documentation shows it.

The floor (``backcoach_dev.bench.apps:floor()``) is the least a skill that keeps each
person's place in Redis can do: the same hello-world handler plus one Redis write per
request (a SET of the session's attributes under the userId), no read.  It is not a
skill anyone would ship; it shows what one Redis round trip costs on the machine, so
the report can say how much of the skill's distance from the hello world is that
round trip (which the design requires: docs/ARCHITECTURE.md, 'Performance') and how
much is the skill's own work.

The bare round trip (``backcoach_dev.bench.apps:round_trip()``, for ``bench
--round-trip``) is the hello world plus one Redis round trip and nothing else: a PING
written by hand on each thread's plain blocking socket, no client library, no data.  It
is not how to talk to Redis; it is the least one round trip can cost, so the most any
skill that goes to Redis once a request can reach next to the hello world.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope
from ask_sdk_model import Response as AlexaResponse
from flask import Flask, Response, request
from redis import Redis

from skill.verify import Verifier, make_verifier

VERIFY_ENV = "BACKCOACH_BENCH_VERIFY"
PKI_ENV = "BACKCOACH_BENCH_PKI"


def _verification() -> dict[str, Any]:
    """create_app's verification settings for this server, from the environment."""
    if os.environ.get(VERIFY_ENV) != "1":
        return {"ALEXA_VERIFY_SIGNATURE": "0"}
    folder = Path(os.environ[PKI_ENV])
    chain = (folder / "chain.pem").read_bytes()
    return {
        "ALEXA_VERIFY_SIGNATURE": "1",
        "cert_loader": lambda _url: chain,
        "trust_roots": [(folder / "root.pem").read_bytes()],
    }


def skill() -> Flask:
    """The skill exactly as production builds it, with the bench's certificates."""
    from skill.app import create_app

    return create_app(_verification())


class HelloHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input) or is_request_type("IntentRequest")(
            handler_input
        )

    def handle(self, handler_input: HandlerInput) -> AlexaResponse:
        return handler_input.response_builder.speak("Hello").set_should_end_session(False).response


class NaiveStatefulHandler(HelloHandler):
    """Hello, after reading the person's state from Redis and writing it back (two
    round trips a request, as the straightforward handler does)."""

    def __init__(self, client: Redis) -> None:
        self.client = client

    def handle(self, handler_input: HandlerInput) -> AlexaResponse:
        key = "naive:" + handler_input.request_envelope.context.system.user.user_id
        stored = self.client.get(key)
        state = json.loads(stored) if stored else {"turns": 0}
        state["turns"] += 1
        self.client.set(key, json.dumps(state))
        return super().handle(handler_input)


class OneWriteHandler(HelloHandler):
    """Hello, after one Redis write of the session's attributes (one round trip)."""

    def __init__(self, client: Redis) -> None:
        self.client = client

    def handle(self, handler_input: HandlerInput) -> AlexaResponse:
        envelope = handler_input.request_envelope
        key = "floor:" + envelope.context.system.user.user_id
        attributes = envelope.session.attributes if envelope.session else None
        self.client.set(key, json.dumps(attributes or {}, separators=(",", ":")))
        return super().handle(handler_input)


class BareRoundTripHandler(HelloHandler):
    """Hello, after one PING to Redis on this thread's own socket (one round trip)."""

    PING = b"*1\r\n$4\r\nPING\r\n"  # RESP: an array of one bulk string
    PONG = b"+PONG\r\n"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.address = (parts.hostname or "localhost", parts.port or 6379)
        self.sockets = threading.local()

    def handle(self, handler_input: HandlerInput) -> AlexaResponse:
        connection: socket.socket | None = getattr(self.sockets, "connection", None)
        if connection is None:
            connection = socket.create_connection(self.address, timeout=None)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sockets.connection = connection
        connection.sendall(self.PING)
        reply = b""
        while len(reply) < len(self.PONG):  # one read, unless the reply came in pieces
            piece = connection.recv(len(self.PONG) - len(reply))
            if not piece:
                raise ConnectionError("Redis closed the connection")
            reply += piece
        if reply != self.PONG:
            raise RuntimeError(f"Redis answered {reply!r} to PING")
        return super().handle(handler_input)


def hello_skill(handler: AbstractRequestHandler | None = None) -> CustomSkill:
    builder = CustomSkillBuilder()
    builder.add_request_handler(handler or HelloHandler())
    return builder.create()


def create_reference_app(
    verifier: Verifier | None = None, handler: AbstractRequestHandler | None = None
) -> Flask:
    hello = hello_skill(handler)
    serializer = DefaultSerializer()
    app = Flask("reference")

    @app.post("/alexa")
    def alexa() -> Response:
        if request.mimetype != "application/json":
            return Response('{"error":"expected application/json"}', status=415)
        body = request.get_data(cache=False)
        payload = json.loads(body)
        if verifier is not None:
            verifier.verify(request.headers, body, payload)
        envelope = serializer.deserialize(body.decode("utf-8"), RequestEnvelope)
        response = hello.invoke(request_envelope=envelope, context=None)
        return Response(
            json.dumps(serializer.serialize(response), separators=(",", ":")),
            mimetype="application/json",
        )

    @app.get("/healthz")
    def healthz() -> Response:
        return Response('{"status":"ok"}', mimetype="application/json")

    return app


def _reference_verifier() -> Verifier | None:
    config = _verification()
    verifier = None
    if config["ALEXA_VERIFY_SIGNATURE"] == "1":
        verifier = make_verifier(
            True,
            os.environ.get("ALEXA_SKILL_ID") or None,
            cert_loader=config["cert_loader"],
            trust_roots=config["trust_roots"],
        )
    return verifier


def reference() -> Flask:
    return create_reference_app(_reference_verifier())


def naive() -> Flask:
    """The naive stateful reference, on the bench's Redis (``REDIS_URL``)."""
    client = Redis.from_url(os.environ["REDIS_URL"])
    return create_reference_app(_reference_verifier(), NaiveStatefulHandler(client))


def floor() -> Flask:
    """The one-write floor, on the bench's Redis (``REDIS_URL``)."""
    client = Redis.from_url(os.environ["REDIS_URL"])
    return create_reference_app(_reference_verifier(), OneWriteHandler(client))


def round_trip() -> Flask:
    """The hello world plus one bare round trip to the bench's Redis (``REDIS_URL``)."""
    return create_reference_app(None, BareRoundTripHandler(os.environ["REDIS_URL"]))
