"""gunicorn alone, without the nginx front, survives slow clients (issue 16): its
gthread workers keep a slow client in one thread of a bounded pool, not a whole
process as the sync workers did (five slow clients stopped the service then).

20 connections sending a byte a second are held for 20 s against a real ``backcoach
serve`` with production's settings (infra/gunicorn.conf.py) and two workers, while
ordinary requests keep coming; every one must be answered within Alexa's 8 s (a count,
the latencies are printed, no time is asserted).  Verification is off so the
ordinary requests are launches answered 200.
"""

from __future__ import annotations

from .servers import Process
from .slow_clients import hold_and_probe, machine

SLOW = 20
HOLD = 20.0  # seconds
WORKERS = "2"  # gunicorn processes of the serve fixture (tests/conftest.py)


def test_gunicorn_alone_keeps_answering_while_slow_clients_hold_connections(
    serve: tuple[Process, int],
) -> None:
    probe, clients = hold_and_probe(serve[1], SLOW, HOLD)
    print(f"\n{probe.report(f'gunicorn alone ({WORKERS} workers), {SLOW} slow clients')}")
    print(f"slow connections opened: {clients.connects} ({machine()})")
    assert probe.sent > 0
    assert probe.answered == probe.sent, (probe.statuses, probe.failures)
