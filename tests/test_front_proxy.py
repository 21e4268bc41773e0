"""The front production runs (issue 16): a real nginx with the shipped limits
(infra/nginx/limits.conf and locations.conf, included as they are, over plain HTTP on
loopback) in front of a real ``backcoach serve``.

Slow clients cannot stop the service: 20 connections sending a byte a second, held
for 20 s, while ordinary requests keep coming; the ordinary requests answered within
Alexa's 8 s are counted (every one must be) and the latencies printed, nothing here
asserts a time.  tests/test_serve_slow_clients.py does the same to gunicorn alone.
Verification is off so the ordinary requests are launches answered 200.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .servers import (
    HOST,
    NGINX_DIR,
    Process,
    body_of,
    exchange,
    nginx_executable,
    post,
    start_nginx,
    status,
)
from .slow_clients import hold_and_probe, launch_body, machine

SLOW = 20
HOLD = 20.0  # seconds
WORKERS = "2"  # gunicorn processes of the serve fixture (tests/conftest.py)


@pytest.fixture
def front(serve: tuple[Process, int]) -> Iterator[tuple[Process, int, Path]]:
    process, port, prefix = start_nginx(serve[1])
    yield process, port, prefix
    process.close()


def test_nginx_in_front_keeps_answering_while_slow_clients_hold_connections(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    probe, clients = hold_and_probe(front[1], SLOW, HOLD)
    print(f"\n{probe.report(f'nginx + gunicorn ({WORKERS} workers), {SLOW} slow clients')}")
    print(f"slow connections opened: {clients.connects} ({machine()})")
    assert probe.sent > 0
    assert probe.answered == probe.sent, (probe.statuses, probe.failures)
    # Nothing slow reached gunicorn: it logged only whole requests (the probes').
    assert '" 408 ' not in serve[0].output()


def test_nginx_refuses_bodies_over_the_cap_and_bad_chunking_itself(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    port = front[1]
    big = b'{"request": {"type": "LaunchRequest"}}' + b" " * (70 * 1024)
    assert status(exchange(port, post("/alexa", big, chunked=True))) == 413
    assert status(exchange(port, post("/alexa", big))) == 413
    bad = b"POST /alexa HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n"
    assert status(exchange(port, bad)) == 400
    # None of them reached gunicorn.
    assert '"POST /alexa"' not in serve[0].output()


def test_nginx_passes_an_ordinary_chunked_request_whole(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    reply = exchange(front[1], post("/alexa", launch_body(), chunked=True))
    assert status(reply) == 200, reply[:300]
    assert serve[0].logs('"POST /alexa" 200')


def test_nginx_limits_connections_per_address_and_frees_them(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    # 64 connections whose bodies are still coming count against one address's limit
    # (limits.conf); the next request from that address gets 503 until they close.
    port = front[1]
    head = b"POST /alexa HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    held = []
    try:
        for _ in range(64):
            sock = socket.create_connection((HOST, port), timeout=10)
            held.append(sock)
            sock.sendall(head + b"Content-Length: 1000\r\n\r\n{")
        assert wait_for_limit(port) == 503
    finally:
        for sock in held:
            sock.close()
    assert status(exchange(port, post("/alexa", launch_body()))) == 200


def wait_for_limit(port: int) -> int:
    """The status of an ordinary request once nginx has read all 64 held headers
    (it counts a connection from then on): 503, or 200 if it never limits."""
    code = 200
    for _ in range(50):
        code = status(exchange(port, post("/alexa", launch_body())))
        if code == 503:
            return code
    return code


def test_nginx_hides_everything_but_alexa_and_healthz(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    port = front[1]
    get = "GET {} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    assert status(exchange(port, get.format("/healthz").encode())) == 200
    assert status(exchange(port, get.format("/readyz").encode())) == 404
    assert status(exchange(port, get.format("/").encode())) == 404


def test_nginx_passes_the_clinicians_pages_and_limits_sign_in_attempts(
    serve: tuple[Process, int], front: tuple[Process, int, Path]
) -> None:
    port = front[1]
    get = "GET {} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    page = exchange(port, get.format("/clinic/sign-in").encode())
    assert status(page) == 200 and b"<h1>Sign in</h1>" in body_of(page)
    assert status(exchange(port, get.format("/clinic/").encode())) == 302  # to the sign-in
    assert status(exchange(port, get.format("/clinic/static/clinic.css").encode())) == 200
    # 10 a minute from one address, bursts of 10: within 30 requests some are refused.
    answers = [status(exchange(port, get.format("/clinic/sign-in").encode())) for _ in range(30)]
    assert 429 in answers and answers[0] == 200


def test_the_shipped_production_config_is_valid_nginx(tmp_path: Path) -> None:
    # infra/nginx/nginx.conf as shipped, but with its /etc paths pointed at infra/nginx
    # and a throwaway certificate, and the compose host name `app` as loopback.
    config = (NGINX_DIR / "nginx.conf").read_text()
    for name in ("limits.conf", "locations.conf"):
        config = config.replace(f"/etc/nginx/backcoach/{name}", str(NGINX_DIR / name))
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=skill.example.com", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    config = config.replace("/etc/nginx/certs/fullchain.pem", str(certificate))
    config = config.replace("/etc/nginx/certs/privkey.pem", str(key))
    config = config.replace("server app:8080", "server 127.0.0.1:8080")
    config = config.replace("pid /tmp/nginx.pid", f"pid {tmp_path}/nginx.pid")
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [
            *(nginx_executable(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")),
            *("-e", str(tmp_path / "error.log")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ssl_certificate" in (NGINX_DIR / "nginx.conf").read_text()
