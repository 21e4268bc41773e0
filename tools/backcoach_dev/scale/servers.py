"""The webhook instances (``backcoach serve``, production's gunicorn settings) and the
round-robin nginx front before them (infra/nginx's limits and locations, as shipped).

Request verification is off (ALEXA_VERIFY_SIGNATURE=0): the simulated patients send
unsigned requests; verification is measured by ``backcoach-dev bench``.
"""

from __future__ import annotations

import http.client
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from backcoach_dev.bench.processes import BenchProcessError, Child, _wait
from backcoach_dev.ports import HOST, free_port
from skill.cli import GUNICORN_CONF

NGINX_DIR = GUNICORN_CONF.parent / "nginx"
SALT = "backcoach-scale-test-salt-0123456789"


def answers(port: int, path: str = "/healthz") -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class Instance(Child):
    """``backcoach serve`` on a free loopback port, on the cluster, its own journal."""

    def __init__(self, name: str, redis_url: str, folder: Path, workers: int = 1) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.journal = folder / "journal.sqlite3"
        env: Mapping[str, str] = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDIS_CLUSTER": "1",
            "BIND": f"{HOST}:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "BACKCOACH_USER_KEY_SALT": SALT,
            "BACKCOACH_JOURNAL": str(self.journal),
            "ALEXA_VERIFY_SIGNATURE": "0",
            "LOG_LEVEL": "info",
        }
        super().__init__(
            name, [sys.executable, "-m", "skill.cli", "serve"], folder / "serve.log", env
        )

    def wait_ready(self) -> None:
        _wait(self, lambda: answers(self.port), self.name)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


def nginx_executable() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
    )
    if found is None:
        raise BenchProcessError("nginx is not installed (make scale-test installs it)")
    return found


def front_config(prefix: Path, port: int, upstreams: Sequence[str]) -> str:
    """infra/nginx's limits and locations over plain HTTP on loopback; the upstream is
    the instances, round robin (nginx's default)."""
    user = "user root;" if os.geteuid() == 0 else ""
    servers = "\n".join(f"        server {address};" for address in upstreams)
    return f"""
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {NGINX_DIR}/limits.conf;
    upstream backcoach_app {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {HOST}:{port};
        server_name _;
        add_header X-Upstream $upstream_addr always;  # which instance answered
        include {NGINX_DIR}/locations.conf;
    }}
}}
"""


class Front(Child):
    """nginx in the foreground, its prefix (config, logs, temp) under ``folder``."""

    def __init__(self, folder: Path, upstreams: Sequence[str]) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "nginx.conf"
        config.write_text(front_config(folder, self.port, upstreams))
        args = [
            nginx_executable(),
            *("-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")),
            *("-g", "daemon off;"),
        ]
        super().__init__("nginx", args, folder / "stdout.log", os.environ)
        _wait(self, lambda: answers(self.port), "nginx")

    @property
    def access_log(self) -> Path:
        return Path(self.log.parent / "access.log")
