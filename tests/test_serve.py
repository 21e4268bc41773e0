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

import pytest

from .alexa import envelope, launch
from .redis_server import free_port


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def start_serve(redis_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """`backcoach serve` on a free port with one worker, once it answers /healthz."""
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "ALEXA_VERIFY_SIGNATURE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve"],
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


def test_serve_refuses_unsigned_and_forged_requests(server: str) -> None:
    body = json.dumps(
        envelope(launch(), user_id="u", session_id="s", new=True, attributes=None)
    ).encode()
    plain = {"Content-Type": "application/json"}
    assert post(f"{server}/alexa", body, plain) == 400
    forged = {
        **plain,
        "SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "Signature-256": base64.b64encode(b"\\0" * 256).decode(),
    }
    assert post(f"{server}/alexa", body, forged) == 400
    with urllib.request.urlopen(f"{server}/readyz", timeout=5) as ready:
        assert ready.status == 200


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


def test_serve_shuts_down_gracefully_on_sigterm(redis_url: str) -> None:
    process, _ = start_serve(redis_url)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None and b"Shutting down" in process.stdout.read()
