"""Alexa request verification (docs/ARCHITECTURE.md, 'Request verification'): the whole
HTTP path against a real Redis, with a self-made CA -> intermediate -> leaf served by an
injected certificate loader, plus the URL rules, the cache, the downloader and Amazon's
real 2026 chain."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from werkzeug.test import TestResponse

from skill.verify import (
    AlexaVerifier,
    SkillIdOnly,
    VerificationError,
    download_pem,
    make_verifier,
    normalise_cert_url,
)

from . import certs
from .alexa import SKILL_ID, envelope, launch
from .certs import CERT_URL, Pki
from .conftest import AppFactory

REFUSED = {"error": "request could not be verified"}


class Loader:
    """Serves one answer (PEM bytes, or an exception to raise) and records every URL."""

    def __init__(self, *answers: bytes | BaseException) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        answer = self.answers[0] if len(self.answers) == 1 else self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture(scope="module")
def pki() -> Pki:
    return certs.pki()


@pytest.fixture
def verifying_app(make_app: AppFactory) -> Callable[..., Flask]:
    """``verifying_app(loader, roots, **config)``: the webhook with verification on,
    certificates from ``loader``, trusting ``roots``."""

    def make(loader: Loader, roots: list, **config: object) -> Flask:
        return make_app(
            ALEXA_VERIFY_SIGNATURE="1",
            ALEXA_SKILL_ID=SKILL_ID,
            cert_loader=loader,
            trust_roots=roots,
            **config,
        )

    return make


def request_body(*, skill_id: str = SKILL_ID, shift: timedelta = timedelta()) -> bytes:
    payload = envelope(
        launch(),
        user_id="amzn1.ask.account.U",
        session_id="S",
        new=True,
        attributes=None,
        skill_id=skill_id,
    )
    stamp = datetime.now(UTC) + shift
    payload["request"]["timestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(payload).encode()


def signed(
    body: bytes, url: str = CERT_URL, key: rsa.RSAPrivateKey | None = None
) -> dict[str, str]:
    return {"SignatureCertChainUrl": url, "Signature-256": certs.sign(body, key)}


def post(app: Flask, body: bytes, headers: dict[str, str]) -> TestResponse:
    return app.test_client().post(
        "/alexa", data=body, headers=headers, content_type="application/json"
    )


def assert_refused(reply: TestResponse, caplog: pytest.LogCaptureFixture, rule: str) -> None:
    """400, a short body, and one log line naming the rule and no request content."""
    assert reply.status_code == 400
    assert reply.get_json() == REFUSED
    lines = [r.getMessage() for r in caplog.records if r.name == "skill.app"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("refused request: ") and rule in lines[0], lines
    for content in ("amzn1", "echo-api-cert", "notamazon", "evil", "LaunchRequest"):
        assert content not in lines[0], lines


# --- the whole HTTP path ------------------------------------------------------


def test_signed_launch_is_accepted_and_the_certificate_is_fetched_once(
    verifying_app: Callable[..., Flask], pki: Pki
) -> None:
    loader = Loader(pki.chain)
    app = verifying_app(loader, [pki.root.cert])
    for _ in range(2):
        body = request_body()
        reply = post(app, body, signed(body))
        assert reply.status_code == 200, reply.get_data(as_text=True)
        assert "Back Coach" in reply.get_json()["response"]["outputSpeech"]["ssml"]
    assert loader.calls == [CERT_URL]


def test_equivalent_urls_share_one_cache_entry(
    verifying_app: Callable[..., Flask], pki: Pki
) -> None:
    loader = Loader(pki.chain)
    app = verifying_app(loader, [pki.root.pem])  # roots as PEM bytes work too
    for url in (
        CERT_URL,
        "HTTPS://S3.AmazonAWS.com:443/echo.api/../echo.api/./echo-api-cert-test.pem",
    ):
        body = request_body()
        assert post(app, body, signed(body, url)).status_code == 200
    assert loader.calls == [CERT_URL]


def _tampered(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body.replace(b"LaunchRequest", b"LaunchRequesT"), signed(body)


def _sha1_only(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"SignatureCertChainUrl": CERT_URL, "Signature": certs.sign_sha1(body)}


def _headers(**headers: str) -> Callable[[bytes], tuple[bytes, dict[str, str]]]:
    return lambda body: (body, headers)


def _url(url: str) -> Callable[[bytes], tuple[bytes, dict[str, str]]]:
    return lambda body: (body, signed(body, url))


REQUEST_CASES = {
    "tampered body": (_tampered, "signature: does not match the body"),
    "SHA-1 Signature header only": (_sha1_only, "signature: Signature-256 header missing"),
    "wrong signing key": (
        lambda body: (body, signed(body, key=certs.rsa_key("other"))),
        "signature: does not match the body",
    ),
    "no headers": (_headers(), "SignatureCertChainUrl header missing"),
    "no certificate URL": (
        lambda body: (body, {"Signature-256": certs.sign(body)}),
        "SignatureCertChainUrl header missing",
    ),
    "no signature": (
        _headers(SignatureCertChainUrl=CERT_URL),
        "signature: Signature-256 header missing",
    ),
    "bad base64": (
        _headers(SignatureCertChainUrl=CERT_URL, **{"Signature-256": "not*base64!"}),
        "signature: not base64",
    ),
    "http scheme": (_url("http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"), "not https"),
    "other host": (_url("https://notamazon.com/echo.api/echo-api-cert-test.pem"), "host"),
    "dot-dot out of echo.api": (
        _url("https://s3.amazonaws.com/echo.api/../evil/cert.pem"),
        "not under /echo.api/",
    ),
    "percent-encoded dot-dot": (
        _url("https://s3.amazonaws.com/echo.api/%2e%2e/evil/cert.pem"),
        "unexpected characters in the path",
    ),
    "upper-case percent-encoded dot-dot": (
        _url("https://s3.amazonaws.com/echo.api/%2E%2E/evil/cert.pem"),
        "unexpected characters in the path",
    ),
    "percent-encoded slash": (
        _url("https://s3.amazonaws.com/echo.api/..%2Fevil%2Fcert.pem"),
        "unexpected characters in the path",
    ),
    "other port": (_url("https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem"), "port"),
}


@pytest.mark.parametrize(("make", "rule"), REQUEST_CASES.values(), ids=REQUEST_CASES.keys())
def test_bad_requests_are_refused_before_any_download(
    verifying_app: Callable[..., Flask],
    pki: Pki,
    caplog: pytest.LogCaptureFixture,
    make: Callable[[bytes], tuple[bytes, dict[str, str]]],
    rule: str,
) -> None:
    loader = Loader(pki.chain)
    app = verifying_app(loader, [pki.root.cert])
    body, headers = make(request_body())
    reply = post(app, body, headers)
    assert_refused(reply, caplog, rule)
    if "signature: does not match" not in rule:
        assert loader.calls == []  # nothing is downloaded for a request that fails early


@pytest.mark.parametrize(
    ("shift", "skill_id", "rule"),
    [
        (timedelta(seconds=-155), SKILL_ID, "timestamp: more than 150 seconds"),
        (timedelta(seconds=155), SKILL_ID, "timestamp: more than 150 seconds"),
        (timedelta(), "amzn1.ask.skill.someone-else", "application id: does not match"),
    ],
    ids=["stale", "future", "wrong skill id"],
)
def test_signed_requests_outside_the_rules_are_refused(
    verifying_app: Callable[..., Flask],
    pki: Pki,
    caplog: pytest.LogCaptureFixture,
    shift: timedelta,
    skill_id: str,
    rule: str,
) -> None:
    app = verifying_app(Loader(pki.chain), [pki.root.cert])
    body = request_body(shift=shift, skill_id=skill_id)
    assert_refused(post(app, body, signed(body)), caplog, rule)


def _chain(pki: Pki, **leaf_options: Any) -> bytes:
    return pki.with_leaf(certs.leaf(pki.intermediate, **leaf_options)).chain


def _untrusted(pki: Pki) -> bytes:
    impostor = certs.root(key="impostor")  # the same names as the real PKI, other keys
    middle = certs.intermediate(impostor, key="impostor-intermediate")
    return certs.leaf(middle).pem + middle.pem


NOW = datetime.now(UTC)
CHAIN_CASES: dict[str, tuple[Callable[[Pki], bytes | BaseException], str]] = {
    "wrong SAN": (lambda p: _chain(p, san=["echo-api.example.com"]), "not in the SAN"),
    "wildcard SAN": (lambda p: _chain(p, san=["*.amazon.com"]), "not in the SAN"),
    "expired leaf": (
        lambda p: _chain(p, not_before=NOW - timedelta(days=9), not_after=NOW - timedelta(days=1)),
        "certificate: expired",
    ),
    "leaf not yet valid": (
        lambda p: _chain(p, not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=9)),
        "certificate: not valid yet",
    ),
    "untrusted root": (_untrusted, "no valid chain to a trusted root"),
    "leaf without its intermediate": (lambda p: p.leaf.pem, "no valid chain to a trusted root"),
    "non-RSA signing key": (
        lambda p: _chain(p, key=ec.generate_private_key(ec.SECP256R1())),
        "signing key is not RSA",
    ),
    "download failing": (lambda p: OSError("unreachable"), "download failed (OSError)"),
    "download timing out": (lambda p: TimeoutError("slow"), "download failed (TimeoutError)"),
    "oversized certificate": (lambda p: p.chain + b"\n" * 64 * 1024, "larger than 64 KiB"),
    "garbage PEM": (lambda p: b"-----BEGIN CERTIFICATE-----\nnot a cert\n", "not a readable PEM"),
    "empty answer": (lambda p: b"", "not a readable PEM"),
}


@pytest.mark.parametrize(("answer", "rule"), CHAIN_CASES.values(), ids=CHAIN_CASES.keys())
def test_bad_certificates_are_refused_and_not_cached(
    verifying_app: Callable[..., Flask],
    pki: Pki,
    caplog: pytest.LogCaptureFixture,
    answer: Callable[[Pki], bytes | BaseException],
    rule: str,
) -> None:
    loader = Loader(answer(pki))
    app = verifying_app(loader, [pki.root.cert])
    for _ in range(2):
        caplog.clear()
        body = request_body()
        assert_refused(post(app, body, signed(body)), caplog, rule)
    assert loader.calls == [CERT_URL, CERT_URL]  # a failure is fetched again, never cached


def test_a_failed_download_is_retried_and_then_succeeds(
    verifying_app: Callable[..., Flask], pki: Pki
) -> None:
    loader = Loader(TimeoutError("slow"), pki.chain)
    app = verifying_app(loader, [pki.root.cert])
    statuses = []
    for _ in range(3):
        body = request_body()
        statuses.append(post(app, body, signed(body)).status_code)
    assert statuses == [400, 200, 200]
    assert loader.calls == [CERT_URL, CERT_URL]


def test_verification_is_on_by_default_and_refuses_unsigned_requests(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(ALEXA_VERIFY_SIGNATURE=None)
    assert_refused(post(app, request_body(), {}), caplog, "SignatureCertChainUrl header missing")


def test_make_verifier_builds_the_full_verifier_only_when_enabled() -> None:
    assert isinstance(make_verifier(False, SKILL_ID), SkillIdOnly)
    verifier = make_verifier(True, SKILL_ID)  # default roots: certifi plus the system store
    assert isinstance(verifier, AlexaVerifier)
    with pytest.raises(ValueError, match="no trust roots"):
        make_verifier(True, SKILL_ID, trust_roots=[b"not a certificate"])


# --- URL rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/../echo.api/echo-api-cert.pem",
        "HTTPS://s3.AmazonAWS.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/./echo-api-cert.pem",
    ],
)
def test_urls_amazon_uses_normalise_to_one_form(url: str) -> None:
    assert normalise_cert_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com.evil.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com@evil.com/echo.api/echo-api-cert.pem",
        "https://evil.com@s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../x.pem",
        "https://s3.amazonaws.com/../echo.api/x.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/x.pem",
        "https://s3.amazonaws.com/echo.api%2F..%2Fx.pem",
        "https://s3.amazonaws.com/echo.api/..%5Cx.pem",
        "https://s3.amazonaws.com/echo.api\\..\\x.pem",
        "https://s3.amazonaws.com/echo.api/",
        "https://s3.amazonaws.com/echo.api",
        "https://s3.amazonaws.com/echo.api//x.pem",
        "https://s3.amazonaws.com/echo.api/x.pem?versionId=1",
        "https://s3.amazonaws.com/echo.api/x.pem#frag",
        "https://s3.amazonaws.com/echo.api/x\u00e9.pem",
        "https://s3.amazonaws.com/echo.api/x.pem\n",
        "",
    ],
)
def test_urls_amazon_would_not_use_are_refused(url: str) -> None:
    with pytest.raises(VerificationError, match=r"^certificate URL: "):
        normalise_cert_url(url)


# --- the cache, with a controlled clock -----------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def verify_at(verifier: AlexaVerifier, when: datetime, url: str = CERT_URL) -> None:
    payload = envelope(launch(), user_id="u", session_id="s", new=True, attributes=None)
    payload["request"]["timestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps(payload).encode()
    verifier.verify(signed(body, url), body, payload)


def test_the_cache_is_bounded_and_keeps_the_most_recently_used(pki: Pki) -> None:
    loader = Loader(pki.chain)
    verifier = AlexaVerifier(SKILL_ID, cert_loader=loader, trust_roots=[pki.root.cert])
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{i}.pem" for i in range(200)]
    verify_at(verifier, datetime.now(UTC), urls[0])
    for url in urls[1:]:
        verify_at(verifier, datetime.now(UTC), url)
        verify_at(verifier, datetime.now(UTC), urls[0])  # kept warm
    assert loader.calls.count(urls[0]) == 1
    assert len(loader.calls) == 200
    # Seen from outside: the 63 newest and the warm one are served without a download,
    # and the one just older than them was evicted (64 entries).
    for url in urls[-63:]:
        verify_at(verifier, datetime.now(UTC), url)
    assert len(loader.calls) == 200
    verify_at(verifier, datetime.now(UTC), urls[-64])
    assert loader.calls[-1] == urls[-64] and len(loader.calls) == 201


def test_urls_that_fail_to_download_never_enter_the_cache(pki: Pki) -> None:
    loader = Loader(OSError("404"))
    verifier = AlexaVerifier(SKILL_ID, cert_loader=loader, trust_roots=[pki.root.cert])
    for i in range(100):
        with pytest.raises(VerificationError, match="download failed"):
            verify_at(verifier, datetime.now(UTC), f"https://s3.amazonaws.com/echo.api/{i}.pem")
    with pytest.raises(VerificationError, match="download failed"):
        verify_at(verifier, datetime.now(UTC), "https://s3.amazonaws.com/echo.api/0.pem")
    assert len(loader.calls) == 101  # asked again: nothing was cached


def test_an_expired_cached_certificate_is_fetched_again(pki: Pki) -> None:
    clock = Clock()
    short = certs.leaf(pki.intermediate, not_after=clock.now + timedelta(hours=1))
    loader = Loader(pki.with_leaf(short).chain, pki.chain)
    verifier = AlexaVerifier(SKILL_ID, cert_loader=loader, trust_roots=[pki.root.cert], now=clock)
    verify_at(verifier, clock.now)
    verify_at(verifier, clock.now)
    assert len(loader.calls) == 1
    clock.now += timedelta(hours=2)
    verify_at(verifier, clock.now)
    assert len(loader.calls) == 2
    verify_at(verifier, clock.now)
    assert len(loader.calls) == 2


def test_unexpected_errors_become_verification_errors(pki: Pki) -> None:
    class Exploding(dict):
        def get(self, key: object, default: object = None) -> object:
            raise RuntimeError("broken headers")

    verifier = AlexaVerifier(SKILL_ID, cert_loader=Loader(pki.chain), trust_roots=[pki.root.cert])
    with pytest.raises(VerificationError, match="unexpected RuntimeError"):
        verifier.verify(Exploding(), b"{}", {})


# --- Amazon's real chain ------------------------------------------------------


def test_amazons_real_2026_chain_passes_the_path_validation_policy() -> None:
    """Amazon's leaf carries EKU serverAuth only: the server policy must accept it with the
    default trust roots (certifi + system).  The signature is not Amazon's, so the request
    gets as far as the signature rule, which proves the certificate rules passed."""
    clock = Clock()
    clock.now = datetime(2026, 11, 1, tzinfo=UTC)
    loader = Loader(certs.AMAZON_CHAIN_2026)
    url = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
    verifier = AlexaVerifier(SKILL_ID, cert_loader=loader, now=clock)
    with pytest.raises(VerificationError, match=r"^signature: does not match the body$"):
        verify_at(verifier, clock.now, url)
    with pytest.raises(VerificationError, match=r"^signature: does not match the body$"):
        verify_at(verifier, clock.now, url)
    assert loader.calls == [url]  # cached after the first: the chain passed validation

    clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    with pytest.raises(VerificationError, match=r"^certificate: expired$"):
        verify_at(verifier, clock.now, url)


def test_amazons_real_chain_is_refused_without_amazons_root(pki: Pki) -> None:
    clock = Clock()
    clock.now = datetime(2026, 11, 1, tzinfo=UTC)
    verifier = AlexaVerifier(
        SKILL_ID,
        cert_loader=Loader(certs.AMAZON_CHAIN_2026),
        trust_roots=[pki.root.cert],
        now=clock,
    )
    with pytest.raises(VerificationError, match="no valid chain to a trusted root"):
        verify_at(verifier, clock.now)


# --- the default downloader, against a loopback server -------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1.0)
        body = b"x" * (200 * 1024) if self.path == "/big" else b"PEM"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the timeout test hangs up first
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_returns_the_body(server: str) -> None:
    assert download_pem(f"{server}/ok") == b"PEM"


def test_download_stops_reading_past_the_cap(server: str) -> None:
    assert len(download_pem(f"{server}/big", limit=1024)) == 1025


def test_download_does_not_follow_redirects(server: str) -> None:
    with pytest.raises(OSError, match="302"):
        download_pem(f"{server}/redirect")


def test_download_times_out(server: str) -> None:
    with pytest.raises(TimeoutError):
        download_pem(f"{server}/slow", timeout=0.2)
