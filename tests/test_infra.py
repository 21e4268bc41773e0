"""The deploy kit: files a deployer uses as they are, checked for what they must say.

Docker cannot run on this machine, so these tests read the files: the committed
manifest (skill-package/; tests/test_skill_package.py checks the package the ASK CLI
uploads), the compose file, the Redis settings and the gunicorn settings.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
import yaml

from skill.interaction_model import LOCALES
from skill.skill_package import MANIFEST_PATH, MODELS_DIR

INFRA = Path(__file__).resolve().parents[1] / "infra"


def test_skill_manifest_is_complete_for_every_locale() -> None:
    manifest = json.loads(MANIFEST_PATH.read_text())["manifest"]
    publishing = manifest["publishingInformation"]
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    assert set(publishing["locales"]) == set(LOCALES)
    for locale, info in publishing["locales"].items():
        assert info["name"] and info["summary"] and info["description"], locale
        assert all(p.startswith("Alexa, ") and "back coach" in p for p in info["examplePhrases"])
        privacy = manifest["privacyAndCompliance"]["locales"][locale]
        assert privacy["privacyPolicyUrl"].startswith("https://")
        assert privacy["termsOfUseUrl"].startswith("https://")
    endpoint = manifest["apis"]["custom"]["endpoint"]
    assert endpoint["uri"].startswith("https://") and endpoint["uri"].endswith("/alexa")
    assert endpoint["sslCertificateType"] in ("Trusted", "Wildcard", "SelfSigned")


def test_skill_package_models_are_the_generated_ones() -> None:
    source = INFRA.parent / "interaction_model"
    for locale in LOCALES:
        committed = (MODELS_DIR / f"{locale}.json").read_text()
        assert committed == (source / f"{locale}.json").read_text()


def test_redis_keeps_history_across_restarts_and_never_evicts() -> None:
    settings = dict(
        line.split(None, 1)
        for line in (INFRA / "redis.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert settings["appendonly"] == "yes"
    assert settings["appendfsync"] == "everysec"
    assert settings["maxmemory-policy"] == "noeviction"


def test_compose_runs_the_app_against_redis_with_health_checks() -> None:
    compose = yaml.safe_load((INFRA / "docker-compose.yml").read_text())
    app, redis = compose["services"]["app"], compose["services"]["redis"]
    assert app["environment"]["REDIS_URL"].startswith("redis://:")
    assert "@redis:6379/" in app["environment"]["REDIS_URL"]
    assert "ALEXA_SKILL_ID" in app["environment"]
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in app and "healthcheck" in redis
    assert any("redis.conf" in volume for volume in redis["volumes"])
    assert "ports" not in app  # reachable through the proxy only


def test_the_journal_lives_on_a_volume_the_app_user_can_write() -> None:
    compose = yaml.safe_load((INFRA / "docker-compose.yml").read_text())
    dockerfile = (INFRA / "Dockerfile").read_text()
    assert "ENV BACKCOACH_JOURNAL=/var/lib/backcoach/journal.sqlite3" in dockerfile
    assert 'VOLUME ["/var/lib/backcoach"]' in dockerfile
    assert "chown backcoach /var/lib/backcoach" in dockerfile
    assert "journal:/var/lib/backcoach" in compose["services"]["app"]["volumes"]
    assert "journal" in compose["volumes"]


def test_dockerfile_runs_serve_as_a_non_root_user() -> None:
    lines = (INFRA / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("CMD") and '"serve"' in line for line in lines)
    assert any(line.startswith("FROM") and "slim" in line for line in lines)


def test_gunicorn_settings_suit_alexa() -> None:
    settings = runpy.run_path(str(INFRA / "gunicorn.conf.py"))
    assert settings["workers"] >= 1
    assert settings["timeout"] <= 10  # Alexa gives up after about 8 s
    assert settings["graceful_timeout"] > 0
    assert "%(q)s" not in settings["access_log_format"]  # no query strings


def test_the_manifest_declares_the_requests_the_skill_answers() -> None:
    # skill/handlers/system.py answers SkillDisabled and CanFulfillIntentRequest: Alexa
    # sends neither unless the manifest subscribes and declares the interface.
    manifest = json.loads(MANIFEST_PATH.read_text())["manifest"]
    events = manifest["events"]
    assert {"eventName": "SKILL_DISABLED"} in events["subscriptions"]
    assert events["endpoint"]["uri"] == manifest["apis"]["custom"]["endpoint"]["uri"]
    interfaces = manifest["apis"]["custom"]["interfaces"]
    assert {"type": "CAN_FULFILL_INTENT_REQUEST"} in interfaces


def test_the_shipped_redis_conf_needs_a_password_keeps_an_aof_and_caps_memory(
    tmp_path: Path,
) -> None:
    # Issue 16: no maxmemory, all interfaces with protected-mode off and no password.
    # A real redis-server runs the shipped file (on loopback, in a temporary folder).
    import subprocess
    import time

    import redis as redis_py

    from backcoach_dev.ports import free_port
    from skill.store import RedisStore

    port, password = free_port(), "a-test-password-of-some-length"
    server = subprocess.Popen(
        ["redis-server", str(INFRA / "redis.conf"), "--dir", str(tmp_path), "--port", str(port),
         "--bind", "127.0.0.1", "--requirepass", password],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        anonymous = redis_py.Redis(port=port, socket_timeout=5)
        deadline = time.monotonic() + 20
        while True:
            try:
                anonymous.ping()
                raise AssertionError("Redis answered without a password")
            except redis_py.AuthenticationError:
                break
            except redis_py.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        client = redis_py.Redis(port=port, password=password, decode_responses=True)
        memory, persistence = client.info("memory"), client.info("persistence")
        assert memory["maxmemory"] > 0 and memory["maxmemory_policy"] == "noeviction"
        assert persistence["aof_enabled"] == 1
        for command in ("FLUSHALL", "CONFIG GET maxmemory", "DEBUG SLEEP 0"):
            with pytest.raises(redis_py.ResponseError, match="unknown command"):
                client.execute_command(*command.split())
        store = RedisStore.from_url(f"redis://:{password}@127.0.0.1:{port}/0")
        store.save("amzn1.ask.account.CONF", {"ph": "ready"})
        store.delete_user("amzn1.ask.account.CONF")  # and the AOF rewrite it asks for
        assert store.readiness() is None
        store.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_gunicorn_workers_hold_a_slow_client_in_a_thread_of_a_bounded_pool() -> None:
    # A sync worker is a whole process held by one slow client (issue 16).
    settings = runpy.run_path(str(INFRA / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread"
    assert 8 <= settings["threads"] <= 64
    assert settings["threads"] < settings["worker_connections"] <= 1000


def test_compose_puts_the_shipped_nginx_front_before_the_app() -> None:
    compose = yaml.safe_load((INFRA / "docker-compose.yml").read_text())
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    assert "443:443" in proxy["ports"]
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounts["./nginx/nginx.conf"] == "/etc/nginx/nginx.conf"
    # nginx.conf includes the limits and locations from where compose mounts them.
    config = (INFRA / "nginx" / "nginx.conf").read_text()
    for name in ("limits.conf", "locations.conf"):
        assert f"include {mounts[f'./nginx/{name}']};" in config
    assert "server app:8080;" in config
    assert f"{mounts['./certs']}/fullchain.pem" in config


def test_compose_takes_every_secret_from_the_env_file_and_refuses_to_start_without() -> None:
    # Issue 16: compose never set the salt, and Redis had no password.
    import re

    text = (INFRA / "docker-compose.yml").read_text()
    compose = yaml.safe_load(text)
    app, redis = compose["services"]["app"]["environment"], compose["services"]["redis"]
    required = {
        "ALEXA_SKILL_ID",
        "BACKCOACH_USER_KEY_SALT",
        "REDIS_PASSWORD",
        "BACKCOACH_SECRET_KEY",
    }
    for name in required:
        assert re.search(rf"\$\{{{name}:\?", text), f"{name} is not required"
    assert app["BACKCOACH_USER_KEY_SALT"].startswith("${BACKCOACH_USER_KEY_SALT:?")
    assert (
        app["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?") and "@redis:" in app["REDIS_URL"]
    )
    assert "--requirepass" in redis["command"]
    assert redis["environment"]["REDISCLI_AUTH"] == "${REDIS_PASSWORD}"
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = (INFRA / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert used <= listed, f"not in infra/.env.example: {sorted(used - listed)}"
    assert all(re.search(rf"^{name}=$", example, re.MULTILINE) for name in required)  # no values
    ignored = (INFRA.parent / ".gitignore").read_text().splitlines()
    assert "infra/.env" in ignored
