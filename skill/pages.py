"""The privacy policy and terms of use the webhook serves at ``/privacy`` and ``/terms``.

Their words are Jinja templates in ``content/pages/`` (for a clinician's and a lawyer's
review); this module fills in the periods the running skill actually keeps things for,
from its settings and the store's constants, and renders both once at start-up (a
missing value stops the start, rather than a page that says nothing).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .coach.catalog import CONTENT_DIR
from .settings import Settings
from .store.aof import REWRITE_EVERY
from .store.base import PAIN_DAYS_KEPT, TIME_ZONE_TTL

PAGES = {"privacy": "Privacy policy", "terms": "Terms of use"}
DAY = 86_400


def duration(seconds: int) -> str:
    """``604800`` -> ``"7 days"``, ``3600`` -> ``"1 hour"``, ``600`` -> ``"10 minutes"``."""
    for unit, size in (("day", DAY), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def facts(settings: Settings) -> dict[str, str | int]:
    return {
        "progress_kept": duration(settings.progress_ttl),
        "resume_days": settings.resume_days,
        "time_zone_kept": duration(TIME_ZONE_TTL),
        "pain_days_kept": str(PAIN_DAYS_KEPT),
        "rewrite_every": duration(REWRITE_EVERY),
    }


def render_pages(settings: Settings, pages_dir: Path | None = None) -> dict[str, str]:
    """Every page's HTML, by its path (``privacy``, ``terms``)."""
    environment = Environment(
        loader=FileSystemLoader(pages_dir or CONTENT_DIR / "pages"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    values = facts(settings)
    return {
        name: environment.get_template(f"{name}.html").render(title=title, **values)
        for name, title in PAGES.items()
    }
