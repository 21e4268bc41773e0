"""Settings, from the environment or from the dict given to ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def flag(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"not a yes/no setting: {value!r}")


@dataclass(frozen=True)
class Settings:
    redis_url: str | None = None
    redis_cluster: bool = False
    alexa_skill_id: str | None = None
    verify_signature: bool = True
    port: int = 8080
    log_level: str = "INFO"
    progress_ttl: int = 7 * 86400  # seconds progress is kept in the store (a week)
    resume_days: int = 1  # a saved place is offered until the end of the next day
    user_key_salt: str = ""
    journal: str = "var/journal.sqlite3"  # the local journal for saves Redis missed
    max_body_bytes: int = 64 * 1024  # a larger body gets 413, however it is framed
    body_timeout: float = 5.0  # seconds for a whole body to arrive, else 408 (skill/body.py)
    # Objects tests and embedders inject: a ready store, a certificate loader, trust roots.
    extras: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, config: Mapping[str, Any] | None = None) -> Settings:
        """Environment first, then ``config`` on top (keys as env names or field names)."""
        env = os.environ
        merged: dict[str, Any] = {
            "redis_url": env.get("REDIS_URL") or None,
            "redis_cluster": env.get("REDIS_CLUSTER"),
            "alexa_skill_id": env.get("ALEXA_SKILL_ID") or None,
            "verify_signature": env.get("ALEXA_VERIFY_SIGNATURE"),
            "port": env.get("PORT"),
            "log_level": env.get("LOG_LEVEL"),
            "progress_ttl": env.get("BACKCOACH_PROGRESS_TTL"),
            "resume_days": env.get("BACKCOACH_RESUME_DAYS"),
            "user_key_salt": env.get("BACKCOACH_USER_KEY_SALT"),
            "journal": env.get("BACKCOACH_JOURNAL"),
            "body_timeout": env.get("BACKCOACH_BODY_TIMEOUT"),
        }
        names = {f.name for f in fields(cls)} - {"extras"}
        # Environment names whose field name is not simply the name in lower case.
        aliases = {
            "ALEXA_VERIFY_SIGNATURE": "verify_signature",
            "BACKCOACH_PROGRESS_TTL": "progress_ttl",
            "BACKCOACH_RESUME_DAYS": "resume_days",
            "BACKCOACH_USER_KEY_SALT": "user_key_salt",
            "BACKCOACH_JOURNAL": "journal",
            "BACKCOACH_BODY_TIMEOUT": "body_timeout",
        }
        extras: dict[str, Any] = {}
        for key, value in (config or {}).items():
            name = aliases.get(key, key.lower())
            if name in names:
                merged[name] = value
            else:
                extras[key] = value
        defaults = cls()
        progress_ttl = int(merged["progress_ttl"] or defaults.progress_ttl)
        resume = merged["resume_days"]
        resume_days = defaults.resume_days if resume in (None, "") else int(resume)
        if resume_days < 0:
            raise ValueError(f"BACKCOACH_RESUME_DAYS must be 0 or more, not {resume_days}")
        # The store must keep a place past its last day on offer (up to resume_days + 1
        # days after the save), or an expired place would vanish unsaid.
        if progress_ttl < (resume_days + 1) * 86_400:
            raise ValueError(
                f"BACKCOACH_PROGRESS_TTL ({progress_ttl} s) must keep progress at least "
                f"{resume_days + 1} days, past the resume window (BACKCOACH_RESUME_DAYS)"
            )
        return cls(
            redis_url=merged["redis_url"] or None,
            redis_cluster=flag(merged["redis_cluster"], defaults.redis_cluster),
            alexa_skill_id=merged["alexa_skill_id"] or None,
            verify_signature=flag(merged["verify_signature"], defaults.verify_signature),
            port=int(merged["port"] or defaults.port),
            log_level=str(merged["log_level"] or defaults.log_level).upper(),
            progress_ttl=progress_ttl,
            resume_days=resume_days,
            user_key_salt=str(merged["user_key_salt"] or ""),
            journal=str(merged["journal"] or defaults.journal),
            max_body_bytes=int(merged.get("max_body_bytes") or defaults.max_body_bytes),
            body_timeout=float(merged["body_timeout"] or defaults.body_timeout),
            extras=extras,
        )
