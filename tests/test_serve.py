"""`backcoach serve`: the production entry point, run as a real gunicorn process."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from backcoach_dev.pki import CERT_URL, Pki, make_pki
from skill.cli import GUNICORN_CONF

from .alexa import envelope, launch
from .redis_server import free_port
from .servers import SALT


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def start_serve(
    redis_url: str, command: list[str] | None = None, **extra_env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """`backcoach serve` (or ``command`` in its place) on a free port with one worker,
    once it answers /healthz."""
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "ALEXA_VERIFY_SIGNATURE": "1",
        "BACKCOACH_USER_KEY_SALT": SALT,
        **extra_env,
    }
    process = subprocess.Popen(
        command or [sys.executable, "-m", "skill.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
            return process, base
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise AssertionError(process.stdout.read().decode() if process.stdout else "no output")


@pytest.fixture
def server(redis_url: str) -> Iterator[str]:
    process, base = start_serve(redis_url)
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def launch_body() -> bytes:
    return json.dumps(
        envelope(launch(), user_id="u", session_id="s", new=True, attributes=None)
    ).encode()


def test_serve_refuses_unsigned_requests_and_certificates_off_amazon(server: str) -> None:
    # Refused before any download: nothing here may reach beyond loopback (the
    # suite's guard fails the test if the server tries).
    body = launch_body()
    plain = {"Content-Type": "application/json"}
    assert post(f"{server}/alexa", body, plain) == 400
    signature = base64.b64encode(b"\\0" * 256).decode()
    for url in (
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/not-echo.api/echo-api-cert.pem",
        "https://evil.example/echo.api/echo-api-cert.pem",
    ):
        forged = {**plain, "SignatureCertChainUrl": url, "Signature-256": signature}
        assert post(f"{server}/alexa", body, forged) == 400
    with urllib.request.urlopen(f"{server}/readyz", timeout=5) as ready:
        assert ready.status == 200


@pytest.fixture
def signed_server(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, Pki]]:
    """The production gunicorn settings serving the skill as production builds it, with
    a private PKI in place of Amazon's certificate host (backcoach_dev.bench.apps):
    the signature check itself is what answers, not a failed download."""
    pki = make_pki()
    (tmp_path / "chain.pem").write_bytes(pki.chain)
    (tmp_path / "root.pem").write_bytes(pki.root.pem)
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
    process, base = start_serve(
        redis_url,
        [*command, "backcoach_dev.bench.apps:skill()"],
        BACKCOACH_BENCH_VERIFY="1",
        BACKCOACH_BENCH_PKI=str(tmp_path),
    )
    yield base, pki
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_forged_signatures_are_refused_and_true_ones_served(
    signed_server: tuple[str, Pki],
) -> None:
    base, pki = signed_server
    body = launch_body()
    plain = {"Content-Type": "application/json", "SignatureCertChainUrl": CERT_URL}
    assert post(f"{base}/alexa", body, {**plain, "Signature-256": pki.sign(body)}) == 200
    forged = base64.b64encode(b"\\0" * 256).decode()
    assert post(f"{base}/alexa", body, {**plain, "Signature-256": forged}) == 400
    other = launch_body().replace(b'"s"', b'"t"')
    assert post(f"{base}/alexa", other, {**plain, "Signature-256": pki.sign(body)}) == 400
    impostor = make_pki()  # a chain that does not lead to the trusted root
    assert post(f"{base}/alexa", body, {**plain, "Signature-256": impostor.sign(body)}) == 400


def test_serve_needs_redis_url() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "REDIS_URL is not set" in result.stderr


@pytest.mark.parametrize(
    ("salt", "problem"),
    [(None, "BACKCOACH_USER_KEY_SALT is not set"), ("short", "is 5 characters")],
)
def test_serve_refuses_to_start_without_a_salt(
    redis_url: str, salt: str | None, problem: str
) -> None:
    # Issue 16: serve started with an empty salt without a word.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKCOACH_")}
    env["REDIS_URL"] = redis_url
    if salt is not None:
        env["BACKCOACH_USER_KEY_SALT"] = salt
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert problem in result.stderr and "openssl rand" in result.stderr


def test_serve_without_a_salt_for_a_trial_says_so_loudly(redis_url: str) -> None:
    process, base = start_serve(redis_url, BACKCOACH_USER_KEY_SALT="", BACKCOACH_ALLOW_UNSALTED="1")
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
        assert health.status == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None
    assert b"RUNNING WITHOUT A USER KEY SALT" in process.stdout.read()


def test_serve_shuts_down_gracefully_on_sigterm(redis_url: str) -> None:
    process, _ = start_serve(redis_url)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None and b"Shutting down" in process.stdout.read()
