"""The webhook: ``create_app(config)`` builds the Flask app that Alexa calls.

POST /alexa: body (read whole by BodyGuard: size cap, framing, deadline) -> JSON ->
verification -> ASK SDK -> response JSON.
GET /privacy and /terms: the pages the skill's manifest links to (skill/pages.py).
GET /healthz: the process is up.  GET /readyz: the store takes writes (a Redis out of
memory or a read-only replica answers PING but loses every save) and the local
journal, where saves go when Redis fails at a session's end, can be written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_model import RequestEnvelope
from flask import Flask, request

from .body import BodyGuard
from .clinic.views import install_clinic
from .coach.catalog import Catalog, load_catalog
from .envelope import EnvelopeSerializer
from .handlers import build_skill
from .pages import render_pages
from .responses import SECURITY_HEADERS, Response
from .settings import Settings
from .speech.limits import SpeechLimitError, check_response_size
from .speech.ssml import speakable
from .store import Store, open_store
from .timezone import TimeZones, default_loader
from .verify import VerificationError, Verifier, make_verifier

log = logging.getLogger("skill.app")

# An Alexa request nests about 14 levels (a multi-value slot's resolutions); the ASK
# SDK copies session attributes recursively and fails past a few hundred levels.
MAX_JSON_DEPTH = 64


def too_long_speech(catalog: Catalog) -> str:
    """Said instead of an answer too large for Alexa (over MAX_RESPONSE_BYTES, which
    Alexa refuses with its own error): the session and its attributes go on, so nothing
    the person reported is lost, and the way to report pain is said, as for anything
    unclear (content/speech and content/safety.yaml)."""
    said = f"{catalog.words().phrase('lost_my_words')} {catalog.safety.not_understood}"
    return f"<speak>{speakable(said)}</speak>"


def _within_size(response: dict[str, Any], too_long: str) -> str:
    """The response as JSON text, checked against Alexa's size limit on every answer;
    over it, the short answer ``too_long`` with the same session attributes."""
    text = json.dumps(response, separators=(",", ":"))
    try:
        check_response_size(text.encode("utf-8"))
    except SpeechLimitError as error:
        log.error("answer replaced: %s", error)  # the size only, never the words
        speech = {"type": "SSML", "ssml": too_long}
        short = {
            **response,
            "response": {
                "outputSpeech": speech,
                "reprompt": {"outputSpeech": speech},
                "shouldEndSession": False,
            },
        }
        text = json.dumps(short, separators=(",", ":"))
    return text


def _nested_too_deep(body: bytes, payload: Any) -> bool:
    """True if the JSON nests deeper than MAX_JSON_DEPTH (without recursion)."""
    if body.count(b"{") + body.count(b"[") <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep: most requests, and cheap
    level = [payload]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _refuse(status: int, message: str) -> Response:
    body = json.dumps({"error": message})
    return Response(body, status=status, mimetype="application/json")


def _page(html: str) -> Callable[[], Response]:
    """A view that answers with ``html``, rendered once at start-up."""

    def view() -> Response:
        return Response(html, mimetype="text/html")

    return view


def _time_zones(settings: Settings) -> TimeZones:
    """How devices are asked their time zone: ``time_zone_loader`` when injected, else
    the Alexa Settings API over urllib (``alexa_api_hosts`` and ``time_zone_timeout``
    override the allowed hosts and the timeout, for tests against a local server)."""
    extras = settings.extras
    loader = extras.get("time_zone_loader")
    if loader is None:
        timeout = extras.get("time_zone_timeout")
        loader = default_loader(
            extras.get("alexa_api_hosts"), None if timeout is None else float(timeout)
        )
    return TimeZones(loader)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app.  ``config`` overrides the environment; tests inject ``store``,
    ``catalog`` and ``verifier`` (or, for verification, a certificate loader and roots),
    and ``time_zone_loader`` (or ``alexa_api_hosts`` and ``time_zone_timeout``)."""
    settings = Settings.load(config)
    logging.basicConfig(level=settings.log_level)
    catalog: Catalog = settings.extras.get("catalog") or load_catalog()
    store: Store = settings.extras.get("store") or open_store(
        settings.redis_url,
        cluster=settings.redis_cluster,
        progress_ttl=settings.progress_ttl,
        salt=settings.user_key_salt,
        journal=settings.journal,
    )
    verifier: Verifier = settings.extras.get("verifier") or make_verifier(
        settings.verify_signature,
        settings.alexa_skill_id,
        cert_loader=settings.extras.get("cert_loader"),
        trust_roots=settings.extras.get("trust_roots"),
    )
    load_script = getattr(store, "load_script", None)
    if load_script is not None:
        load_script()  # start-up work, not the first request's
    start_replayer = getattr(store, "start_replayer", None)
    if start_replayer is not None:
        start_replayer()  # replays what an earlier (or killed) worker journaled
    skill = build_skill(catalog, store, _time_zones(settings), settings.resume_days)
    too_long = too_long_speech(catalog)
    serializer = EnvelopeSerializer()
    log.info(
        "Back Coach ready: %s; verification %s",
        store.description,
        "on" if settings.verify_signature else "OFF",
    )

    app = Flask("backcoach")
    app.response_class = Response  # the security headers, set as each response is made
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    # Every body is read whole before Flask sees it: malformed, truncated or late
    # bodies get a 4xx there, and one over the cap a 413 however it is framed.
    app.wsgi_app = BodyGuard(  # type: ignore[method-assign]
        app.wsgi_app, settings.max_body_bytes, settings.body_timeout, SECURITY_HEADERS
    )
    app.extensions["backcoach"] = {"settings": settings, "store": store, "skill": skill}

    @app.post("/alexa")
    def alexa() -> Response:
        if request.mimetype != "application/json":
            return _refuse(415, "expected application/json")
        body = request.get_data(cache=False)
        try:
            # UTF-8 only, as Alexa sends: json.loads(bytes) would also take UTF-16 or a BOM.
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _refuse(400, "body is not JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
            return _refuse(400, "not an Alexa request")
        if _nested_too_deep(body, payload):
            return _refuse(400, "not an Alexa request")
        try:
            # Headers is no Mapping subclass, but has the get() and [] the verifier uses.
            verifier.verify(cast(Mapping[str, str], request.headers), body, payload)
        except VerificationError as refused:
            log.warning("refused request: %s", refused)
            return _refuse(400, "request could not be verified")
        try:
            envelope = serializer.deserialize_payload(payload, RequestEnvelope)
        except (AskSdkException, ValueError, TypeError, AttributeError, KeyError) as error:
            log.warning("refused request: unreadable envelope (%s)", type(error).__name__)
            return _refuse(400, "not an Alexa request")
        if envelope is None or envelope.request is None:
            return _refuse(400, "not an Alexa request")
        response = serializer.serialize(skill.invoke(request_envelope=envelope, context=None))
        return Response(_within_size(response, too_long), mimetype="application/json")

    for name, html in render_pages(settings).items():
        app.add_url_rule(f"/{name}", name, _page(html), methods=["GET"])

    # The clinician's pages (skill/clinic): sign in, prescribe, follow patients.
    install_clinic(app, catalog, store, settings)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response('{"status":"ok"}', mimetype="application/json")

    @app.get("/readyz")
    def readyz() -> Response:
        problem = store.readiness()
        if problem is None:
            return Response('{"status":"ready"}', mimetype="application/json")
        log.error("not ready: %s", problem)
        return _refuse(503, problem)

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return _refuse(413, "request too large")

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        return _refuse(404, "not found")

    @app.errorhandler(405)
    def wrong_method(_error: Exception) -> Response:
        return _refuse(405, "method not allowed")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.error("unexpected %s outside the skill", type(error).__name__)
        return _refuse(500, "internal error")

    return app
