"""The coach's phrases in content/speech: every key the code uses exists, with exactly
the placeholders the code fills, and nothing patient-facing is left unchecked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from skill.coach.catalog import ContentError, load_catalog
from skill.coach.words import (
    PACKAGE_DIR,
    Use,
    WordsError,
    check,
    load_words,
    one_or_many,
    placeholders,
    uses,
)

CONTENT = PACKAGE_DIR.parent / "content"


def test_every_phrase_the_code_uses_is_in_the_content_for_every_locale() -> None:
    words = load_words(CONTENT, ("en-US", "en-GB", "en-CA", "en-AU", "en-IN"))
    used = uses()
    assert len(used) >= 5
    for locale_words in words.values():
        for use in used:
            filled = locale_words.phrase(use.key, **dict.fromkeys(use.names, "X"))
            assert filled and "{" not in filled


def test_a_phrase_the_code_uses_but_the_file_lacks_is_an_error_at_load() -> None:
    used = (Use("hello", frozenset(), "skill/x.py", 3),)
    with pytest.raises(WordsError, match=r"skill/x.py:3: no phrase 'hello'"):
        check({}, used, "speech/en.yaml")


def test_a_placeholder_the_code_does_not_fill_is_an_error_at_load() -> None:
    used = (Use("hold", frozenset({"seconds"}), "skill/x.py", 7),)
    with pytest.raises(WordsError, match=r"'hold' has \{secs\}.*fills \{seconds\}"):
        check({"hold": "Hold for {secs} seconds."}, used, "speech/en.yaml")


def test_a_phrase_no_code_uses_is_an_error_so_reviewers_read_only_live_words() -> None:
    with pytest.raises(WordsError, match="'stale' is not used"):
        check({"stale": "Old words."}, (), "speech/en.yaml")


def test_a_locale_may_only_override_phrases_the_base_has(tmp_path: Path) -> None:
    (tmp_path / "speech").mkdir()
    base = (CONTENT / "speech" / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "speech" / "en.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "speech" / "en-GB.yaml").write_text("colour: Grey.\n", encoding="utf-8")
    with pytest.raises(WordsError, match=r"en-GB\.yaml: no such phrase: colour"):
        load_words(tmp_path, ("en-GB",))


def test_a_missing_phrase_stops_the_catalog_loading(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(CONTENT, tmp_path / "content")
    speech = tmp_path / "content" / "speech" / "en.yaml"
    text = speech.read_text(encoding="utf-8")
    speech.write_text(text.replace("okay: Okay.", ""), encoding="utf-8")
    with pytest.raises(ContentError, match="no phrase 'okay'"):
        load_catalog(tmp_path / "content")


def test_placeholders_are_the_format_fields() -> None:
    assert placeholders("I don't know a {spoken}. Did you mean {name}?") == {"spoken", "name"}
    assert placeholders("No fields.") == frozenset()


def test_a_count_phrase_says_one_or_many_and_must_have_both_halves() -> None:
    assert one_or_many("1 set | 1 sets", 1) == "1 set"
    assert one_or_many("3 set | 3 sets", 3) == "3 sets"
    assert one_or_many("0 set | 0 sets", 0) == "0 sets"
    with pytest.raises(WordsError, match=r"not a 'one \| many' phrase"):
        one_or_many("3 sets", 3)


def test_backcoach_words_lists_every_phrase_with_where_it_is_used() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "skill.cli", "words", "--locale", "en-GB"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for use in uses():
        assert f"{use.key}: " in shown and f"{use.file}:{use.line}" in shown
    assert "call nine nine nine" in shown  # the safety text, in the locale's words


def test_a_phrase_written_twice_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    (tmp_path / "speech").mkdir()
    (tmp_path / "speech" / "en.yaml").write_text("okay: Okay.\nokay: Fine.\n", encoding="utf-8")
    with pytest.raises(WordsError, match="'okay' is written twice"):
        load_words(tmp_path)


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
def test_the_blanks_sentence_names_whom_the_locales_safety_text_names(locale: str) -> None:
    # Issue 15: the blanks sentence said "your physician" where the safety advice says
    # "your GP" (UK, Australia) or "your doctor" (India).
    catalog = load_catalog()
    who = catalog.safety.for_locale(locale).physician
    words = catalog.words(locale)
    for key in ("default_hold", "default_reps", "default_hold_and_reps"):
        filled = words.phrase(key, seconds="5 seconds", reps=5)
        assert f"to your {who}," in " ".join(filled.split()), (locale, key, filled)
