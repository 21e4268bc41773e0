"""The privacy policy and terms of use the skill's manifest links to, served by the app.

Fetched through the Flask test client and read with the standard library's HTML
parser: each page has its title, the sections Alexa's certification and a patient
need, no script, style or resource fetched from elsewhere, and the periods of the
running skill's settings (set here to values other than the defaults).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import UndefinedError

from skill.app import create_app
from skill.pages import duration, render_pages
from skill.settings import Settings
from skill.store import MemoryStore

PRIVACY_SECTIONS = {
    "what": "What Back Coach stores",
    "how-long": "How long it is kept",
    "who": "Who can see it",
    "delete": "How to delete it",
    "not-medical": "Not a medical device",
}
TERMS_SECTIONS = {
    "not-medical": "Not a medical device, no medical advice",
    "liability": "No warranty",
}
# Elements that would run code, style the page or fetch something.
FORBIDDEN = {"script", "style", "link", "img", "iframe", "object", "embed", "form"}


class Page(HTMLParser):
    """The parts of a page the tests look at: headings (with ids), tags, links, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.lang = ""
        self.links: list[str] = []
        self.headings: dict[str, list[tuple[str, str]]] = {"h1": [], "h2": []}
        self.text: list[str] = []
        self._heading: tuple[str, str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "a":
            self.links.append(found.get("href") or "")
        if tag in self.headings:
            self._heading = (tag, found.get("id") or "")
            self.headings[tag].append((self._heading[1], ""))

    def handle_endtag(self, tag: str) -> None:
        if self._heading and tag == self._heading[0]:
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading:
            tag = self._heading[0]
            last_id, last_text = self.headings[tag][-1]
            self.headings[tag][-1] = (last_id, last_text + data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())

    def sections(self) -> dict[str, str]:
        return {heading_id: " ".join(text.split()) for heading_id, text in self.headings["h2"]}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(
        {
            "store": MemoryStore(),
            "ALEXA_VERIFY_SIGNATURE": "0",
            "BACKCOACH_PROGRESS_TTL": str(3 * 86_400),
            "BACKCOACH_RESUME_DAYS": "0",
        }
    )


def fetch(app: Flask, path: str) -> Page:
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    return Page(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("path", "title", "sections"),
    [("/privacy", "Privacy policy", PRIVACY_SECTIONS), ("/terms", "Terms of use", TERMS_SECTIONS)],
)
def test_each_page_is_plain_accessible_html_with_its_sections(
    app: Flask, path: str, title: str, sections: dict[str, str]
) -> None:
    page = fetch(app, path)
    assert page.lang == "en"
    assert [text.strip() for _id, text in page.headings["h1"]] == [title]
    assert "main" in page.tags and "title" in page.tags
    assert page.sections().items() >= sections.items()
    assert not FORBIDDEN & set(page.tags)
    assert all(not link.startswith(("http:", "https:", "//")) for link in page.links)
    assert "{{" not in page.words and "{%" not in page.words


def test_the_privacy_policy_says_the_periods_of_the_running_skill(app: Flask) -> None:
    words = fetch(app, "/privacy").words
    assert "Your place in a routine: 3 days after you last used the skill" in words
    assert "until the end of the same day" in words
    assert "Your Echo's time zone: 30 days" in words
    assert "within about 10 minutes" in words
    assert "delete my data" in words and "Disabling the skill" in words


def test_the_pages_say_back_coach_is_no_medical_device(app: Flask) -> None:
    for path in ("/privacy", "/terms"):
        assert "not a medical device" in fetch(app, path).words


def test_only_get_reaches_a_page(app: Flask) -> None:
    assert app.test_client().post("/privacy").status_code == 405


def test_durations_read_as_people_say_them() -> None:
    assert [duration(s) for s in (604_800, 86_400, 3_600, 600, 90)] == [
        "7 days",
        "1 day",
        "1 hour",
        "10 minutes",
        "90 seconds",
    ]


def test_a_page_naming_a_value_the_skill_does_not_give_stops_the_start(tmp_path: Path) -> None:
    for name in ("privacy", "terms"):
        (tmp_path / f"{name}.html").write_text("<p>kept for {{ forever }}</p>")
    with pytest.raises(UndefinedError):
        render_pages(Settings.load({}), tmp_path)
