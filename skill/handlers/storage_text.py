"""The few sentences the storage rules make the coach say, from ``content/storage.yaml``.

They are words a person hears, so they live with the rest of the content (a
clinician or editor can change them without touching code); loaded once, checked for
every key, with a plain fallback so a missing file cannot stop the skill.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields

import yaml

from ..coach.catalog import CONTENT_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageText:
    moved_on: str = "You've moved on since, on another device."
    kept_there: str = "I've kept your place from there. Goodbye!"


def load(path: str | None = None) -> StorageText:
    """The sentences of ``content/storage.yaml`` (the defaults for any missing)."""
    file = CONTENT_DIR / "storage.yaml" if path is None else path
    try:
        with open(file, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as error:
        log.warning("content/storage.yaml unreadable (%s); using the built-in sentences", error)
        return StorageText()
    names = {f.name for f in fields(StorageText)}
    text = {k: v.strip() for k, v in data.items() if k in names and isinstance(v, str) and v}
    return StorageText(**text)


TEXT = load()
