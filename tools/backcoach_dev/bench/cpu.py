"""CPU accounting from /proc (Linux): the CPU a server used per request, and how much
of the machine other processes took during a measurement.

Requests per second only mean something on a quiet machine; CPU per request does
not depend on what else runs.  A gunicorn server's CPU is its master's and its live
workers' user+system time, plus the master's reaped children (a worker recycled by
``max_requests`` is counted when the master waits for it).  Elsewhere these read as
zero and the bench reports no CPU figures.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return text[text.rindex(")") + 2 :].split()


def process_seconds(pid: int, *, with_reaped_children: bool = False) -> float:
    """user + system CPU seconds of one process (and of its waited-for children)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_seconds(pid: int) -> float:
    """A server's CPU seconds so far: master, live workers and reaped workers."""
    total = process_seconds(pid, with_reaped_children=True)
    return total + sum(process_seconds(child) for child in children(pid))


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have spent (all cores, /proc/stat).

    Interrupt time is left out: on loopback it is mostly the bench's own network
    traffic, which no process is charged for."""
    try:
        line = (PROC / "stat").read_text().splitlines()[0]
    except (OSError, IndexError):
        return 0.0
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = (int(v) for v in line.split()[1:9])
    return (user + nice + system + steal) / TICKS


def own_seconds() -> float:
    """This process and its waited-for children (wrk): user + system CPU seconds."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Window:
    """CPU used between ``start`` and ``stop``: by given processes, and by others."""

    servers: dict[str, int]  # name -> pid (tree for gunicorn, the process for redis)
    begin: dict[str, float] | None = None
    wall: float = 0.0
    machine: float = 0.0
    own: float = 0.0

    def _read(self) -> dict[str, float]:
        return {name: tree_seconds(pid) for name, pid in self.servers.items()}

    def start(self) -> None:
        self.begin = self._read()
        self.wall = time.monotonic()
        self.machine = machine_busy_seconds()
        self.own = own_seconds()

    def stop(self) -> tuple[dict[str, float], float]:
        """(CPU seconds per server, share of the machine other processes used)."""
        assert self.begin is not None
        end = self._read()
        used = {name: end[name] - self.begin[name] for name in end}
        wall = time.monotonic() - self.wall
        busy = machine_busy_seconds() - self.machine
        ours = sum(used.values()) + own_seconds() - self.own
        cores = os.cpu_count() or 1
        foreign = max(0.0, busy - ours) / (wall * cores) if wall > 0 and busy > 0 else 0.0
        return used, foreign


def idle_share(seconds: float = 1.0) -> float:
    """The share of the machine idle over ``seconds`` (1.0 where /proc is missing)."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    busy = machine_busy_seconds() - before
    cores = os.cpu_count() or 1
    return max(0.0, 1.0 - busy / (seconds * cores)) if before else 1.0
