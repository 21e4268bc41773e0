"""The deploy kit: files a deployer uses as they are, checked for what they must say.

Docker cannot run on this machine, so these tests read the files: the committed
manifest (skill-package/; tests/test_skill_package.py checks the package the ASK CLI
uploads), the compose file, the Redis settings and the gunicorn settings.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

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
    assert app["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert "ALEXA_SKILL_ID" in app["environment"]
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "healthcheck" in app and "healthcheck" in redis
    assert any("redis.conf" in volume for volume in redis["volumes"])
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])


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
