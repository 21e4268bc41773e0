"""``backcoach-dev chat`` and ``backcoach-dev simulate``: the interaction-model matcher, SSML as
text, the conversation Alexa would have, the terminal loop and the two commands."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from backcoach_dev.chat.conversation import Conversation
from backcoach_dev.chat.device import (
    ChatError,
    Device,
    InProcess,
    OverHttp,
    user_id_for,
    webhook_url,
)
from backcoach_dev.chat.loop import ChatOptions, Screen, run_chat, wrap
from backcoach_dev.chat.nlu import FALLBACK, Nlu, normalise
from backcoach_dev.chat.render import Silence, Words, pieces, play, seconds, ssml_to_text
from backcoach_dev.chat.scenario import ScenarioError, load_scenario
from backcoach_dev.chat.voice import INSTALL_HINT, Voice
from backcoach_dev.cli import main
from skill.interaction_model import LOCALES, MODEL_DIR

ROOT = Path(__file__).resolve().parents[1]
BACKCOACH_DEV = str(Path(sys.executable).with_name("backcoach-dev"))


@pytest.fixture(scope="module")
def nlu() -> Nlu:
    return Nlu.for_locale("en-US")


@pytest.fixture
def conversation(app: Flask, nlu: Nlu) -> Conversation:
    return Conversation(Device(InProcess(app.test_client())), nlu)


def heard(nlu: Nlu, text: str) -> tuple[str, dict[str, str | None]]:
    """The intent and, per filled slot, the resolved id (None for no match)."""
    understood = nlu.understand(text)
    slots = {
        s.name: (s.resolved[0][0] if s.resolved else None)
        for s in understood.slots
        if s.value is not None
    }
    return understood.intent, slots


# -- the interaction-model matcher ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("let's start", "StartRoutineIntent"),
        ("start my exercises", "StartRoutineIntent"),
        ("I'm ready", "ReadyIntent"),
        ("im ready", "ReadyIntent"),
        ("Okay, I'm in position.", "ReadyIntent"),
        ("next", "NextIntent"),
        ("done", "NextIntent"),
        ("keep going", "NextIntent"),  # the model's sample wins over the built-in phrase
        ("skip this one", "SkipIntent"),
        ("slower please", "SlowerIntent"),
        ("speed up", "FasterIntent"),
        ("ouch!", "PainIntent"),
        ("I can feel the stretch", "SorenessIntent"),
        ("what's next", "WhatsNextIntent"),
        ("how many are left", "HowManyLeftIntent"),
        ("list the exercises", "ListExercisesIntent"),
        ("how am I doing", "ProgressIntent"),
        ("delete my data", "DeleteDataIntent"),
        ("help", "AMAZON.HelpIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("I'm done for today", "AMAZON.StopIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("yes", "AMAZON.YesIntent"),
        ("go on gently", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("hang on", "AMAZON.PauseIntent"),
        ("resume", "AMAZON.ResumeIntent"),
        ("continue", "AMAZON.ResumeIntent"),
        ("Alexa, I'm ready", "ReadyIntent"),
    ],
)
def test_exact_samples_and_built_in_phrases(nlu: Nlu, text: str, intent: str) -> None:
    understood = nlu.understand(text)
    assert (understood.intent, understood.how) == (intent, "exact"), understood.describe()


def test_every_sample_of_the_model_is_understood_as_its_intent(nlu: Nlu) -> None:
    model = json.loads((MODEL_DIR / "en-US.json").read_text())["interactionModel"]
    types = {t["name"]: t["values"] for t in model["languageModel"]["types"]}
    wrong = []
    for intent in model["languageModel"]["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        last_value = {
            name: "123456" if t == "AMAZON.NUMBER" else types[t][-1]["name"]["value"]
            for name, t in slot_types.items()
        }
        for sample in intent["samples"]:
            text = re.sub(r"\{(\w+)\}", lambda m, v=last_value: v[m.group(1)], sample)
            if nlu.understand(text).intent != intent["name"]:
                wrong.append((text, intent["name"], nlu.understand(text).describe()))
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("do the bridge", "DoExerciseIntent", {"exercise": "a04-pelvic-lift"}),
        ("let's do press-ups", "DoExerciseIntent", {"exercise": "a11-press-up"}),
        ("cat cow", "DoExerciseIntent", {"exercise": "a07-cat-and-camel"}),
        ("the knee rolls", "DoExerciseIntent", {"exercise": "b01-knee-rolls"}),
        (
            "how do I do the sphinx",
            "DescribeExerciseIntent",
            {"exercise": "a10-lying-prone-in-extension"},
        ),
        ("hip extension", "DoExerciseIntent", {"exercise": "any:hip-extension"}),
        ("the one on my stomach", "ChooseExerciseIntent", {"choice": "p:stomach"}),
        ("on all fours", "ChooseExerciseIntent", {"choice": "q:a08-hip-extension"}),
        (
            "my lower back is killing me",
            "PainIntent",
            {"body_part": "lower_back", "pain": "severe"},
        ),
        ("ouch, that hurts!", "PainIntent", {"pain": "pain"}),
        ("my muscles are sore", "SorenessIntent", {"soreness": "sore"}),
        (
            "my leg is numb",
            "RedFlagIntent",
            {"body_part": "leg", "symptom": "numbness_tingling"},
        ),
        (
            "the pain is going down both my legs",
            "RedFlagIntent",
            {"body_part": "leg", "symptom": "shooting_leg_pain"},
        ),
        ("I slipped in the shower", "RedFlagIntent", {"symptom": "fall_injury"}),
        ("my back hurts", "PainIntent", {"body_part": "back"}),
        ("my hamstrings feel tight", "SorenessIntent", {"body_part": "leg"}),
        (
            "my calves feel a little tight",
            "SorenessIntent",
            {"body_part": "leg", "soreness": "tight"},
        ),
        ("I've got pins and needles", "RedFlagIntent", {"symptom": "numbness_tingling"}),
        ("I think I have sciatica", "RedFlagIntent", {"symptom": "shooting_leg_pain"}),
        # words in the slot that name nothing: sent as Alexa would, without a match
        ("do the underwater basket weaving", "DoExerciseIntent", {"exercise": None}),
        ("the stomach one", "ChooseExerciseIntent", {"choice": None}),
    ],
)
def test_slot_samples_resolve_like_alexa(
    nlu: Nlu, text: str, intent: str, slots: dict[str, str | None]
) -> None:
    assert heard(nlu, text) == (intent, slots)


def test_an_intent_request_carries_every_slot_and_its_resolution(nlu: Nlu) -> None:
    request = nlu.understand("do the bridge").to_request()
    assert request["type"] == "IntentRequest" and request["dialogState"] == "COMPLETED"
    filled = request["intent"]["slots"]["exercise"]
    assert filled["value"] == "bridge"
    (authority,) = filled["resolutions"]["resolutionsPerAuthority"]
    assert authority["status"]["code"] == "ER_SUCCESS_MATCH"
    assert authority["values"][0]["value"] == {"name": "Pelvic lift", "id": "a04-pelvic-lift"}
    unknown = nlu.understand("do the underwater basket weaving").to_request()
    (authority,) = unknown["intent"]["slots"]["exercise"]["resolutions"]["resolutionsPerAuthority"]
    assert authority["status"]["code"] == "ER_SUCCESS_NO_MATCH" and authority["values"] == []
    empty = nlu.understand("it hurts").to_request()["intent"]["slots"]["body_part"]
    assert empty == {"name": "body_part", "confirmationStatus": "NONE"}


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("I'm redy", "ReadyIntent", {}),
        ("it hurst", "PainIntent", {"pain": "pain"}),
        ("how many ar left", "HowManyLeftIntent", {}),
        ("strat my exercises", "StartRoutineIntent", {}),
        ("knee rols", "DoExerciseIntent", {"exercise": "b01-knee-rolls"}),
        ("do the brigde", "DoExerciseIntent", {"exercise": "a04-pelvic-lift"}),
        ("I wet myslef", "RedFlagIntent", {"symptom": "bladder_bowel"}),
    ],
)
def test_near_misses_match_fuzzily(
    nlu: Nlu, text: str, intent: str, slots: dict[str, str | None]
) -> None:
    assert heard(nlu, text) == (intent, slots)
    assert nlu.understand(text).how == "fuzzy"


@pytest.mark.parametrize(
    "text",
    ["order a pizza", "what time is it", "play some music", "thank you", "asdf qwerty", "", "?!"],
)
def test_nonsense_is_the_fallback(nlu: Nlu, text: str) -> None:
    understood = nlu.understand(text)
    assert understood.intent == FALLBACK and understood.slots == ()


@pytest.mark.parametrize(
    ("text", "launch", "asked"),
    [
        ("open back coach", True, ""),
        ("Alexa, open Back Coach.", True, ""),
        ("start back coach", True, ""),
        ("tell back coach I'm ready", False, "im ready"),
        ("ask back coach how do I do the bridge", False, "how do i do the bridge"),
        ("ask back coach to start my exercises", False, "start my exercises"),
    ],
)
def test_invocation_opens_the_skill_or_asks_it_one_thing(
    nlu: Nlu, text: str, launch: bool, asked: str
) -> None:
    opening = nlu.invocation(text)
    assert opening is not None and (opening.launch, opening.request) == (launch, asked)


def test_words_without_the_invocation_name_do_not_open_it(nlu: Nlu) -> None:
    assert nlu.invocation("start my exercises") is None
    assert nlu.invocation("open the window") is None


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_a_matcher(locale: str) -> None:
    assert Nlu.for_locale(locale).understand("I'm ready").intent == "ReadyIntent"


def test_normalising_text() -> None:
    assert normalise("  Okay\u2014I\u2019M   Ready!! ") == "okay im ready"
    assert normalise("Do 2 press-ups") == "do two press ups"


# -- SSML as text ---------------------------------------------------------------------


def test_breaks_are_marked_and_merged_and_counts_stay() -> None:
    ssml = (
        '<speak>Hold. one. <break time="500ms"/> two. <break time="600ms"/> three.'
        ' <break time="2s"/><break time="1500ms"/> Relax. <break time="10s"/>'
        '<break time="10s"/><break time="2s"/> Next.</speak>'
    )
    assert ssml_to_text(ssml) == "Hold. one. two. three. [pause 3.5s] Relax. [pause 22s] Next."
    assert ssml_to_text(ssml, marks=False) == "Hold. one. two. three. Relax. Next."


def test_entities_are_unescaped_and_tags_dropped() -> None:
    ssml = (
        "<speak>Knees &amp; hips &lt;slowly&gt; say &quot;it hurts&quot;. "
        '<emphasis level="strong">Gently</emphasis> <sub alias="repetitions">reps</sub>'
        ' <say-as interpret-as="cardinal">5</say-as>.<audio src="https://x/y.mp3"/></speak>'
    )
    assert (
        ssml_to_text(ssml) == 'Knees & hips <slowly> say "it hurts". Gently repetitions 5. [sound]'
    )


def test_a_slower_voice_is_marked() -> None:
    ssml = (
        '<speak><prosody rate="85%">Okay, we\'ll go gently. <break time="3s"/> Ready?'
        "</prosody></speak>"
    )
    assert ssml_to_text(ssml) == "[rate 85%] Okay, we'll go gently. [pause 3s] Ready?"
    parts = pieces(ssml)
    assert parts == [Words("Okay, we'll go gently.", 85.0), Silence(3.0), Words("Ready?", 85.0)]


def test_realtime_play_waits_as_long_as_it_is_said() -> None:
    ssml = '<speak>Hold. one. two. <break time="4s"/> And relax.</speak>'
    written: list[str] = []
    slept: list[float] = []
    play(pieces(ssml), written.append, slept.append, width=30)
    text = "".join(written)
    assert text == "Hold. one. two. [pause 4s] And\nrelax.\n"
    assert 4.0 in slept and sum(slept) == pytest.approx(seconds(pieces(ssml)))
    assert sum(slept) > 5.0


def test_wrapping_keeps_pause_marks_whole() -> None:
    text = "coach> " + " ".join(["one. [pause 8s] two."] * 6)
    lines = wrap(text, 30, " " * 7).splitlines()
    assert all(len(line) <= 30 for line in lines)
    assert all(line.count("[") == line.count("]") for line in lines)


# -- the conversation, as Alexa has it ------------------------------------------------


def test_after_a_session_ends_the_next_words_are_a_one_shot(conversation: Conversation) -> None:
    conversation.open()
    step = conversation.hear("stop")
    assert not conversation.in_session and "Goodbye" in ssml_to_text(step.speeches[0])
    step = conversation.hear("I'm ready")
    assert [e.kind for e in step.exchanges] == ["IntentRequest"]
    assert step.exchanges[0].request["intent"]["name"] == "ReadyIntent"
    assert "Exercise 1 of 5" in ssml_to_text(step.speeches[0])
    assert conversation.device.state["ph"] == "positioning"


def test_words_that_need_a_session_open_the_skill_first(conversation: Conversation) -> None:
    step = conversation.hear("yes")
    assert [e.kind for e in step.exchanges] == ["LaunchRequest", "IntentRequest"]
    assert "Welcome to Back Coach" in ssml_to_text(step.speeches[0])
    assert "Exercise 1 of 5" in ssml_to_text(step.speeches[1])


def test_nonsense_with_no_session_just_opens_the_skill(conversation: Conversation) -> None:
    step = conversation.hear("order a pizza")
    assert [e.kind for e in step.exchanges] == ["LaunchRequest"]


def test_stop_with_no_session_does_nothing(conversation: Conversation) -> None:
    step = conversation.hear("stop")
    assert step.exchanges == [] and "nothing to stop" in step.note


def test_opening_again_ends_the_open_session_first(conversation: Conversation) -> None:
    conversation.open()
    step = conversation.hear("open back coach")
    assert [e.kind for e in step.exchanges] == ["SessionEndedRequest", "LaunchRequest"]
    assert step.exchanges[0].request["reason"] == "USER_INITIATED"


def test_silence_reprompts_once_then_closes_the_session(conversation: Conversation) -> None:
    conversation.open()
    first = conversation.silence()
    assert first.exchanges == [] and "Say start" in ssml_to_text(first.spoken_again)
    assert conversation.in_session
    second = conversation.silence()
    assert [e.request.get("reason") for e in second.exchanges] == ["EXCEEDED_MAX_REPROMPTS"]
    assert not conversation.in_session


def test_the_same_name_is_the_same_user() -> None:
    assert user_id_for("ann") == user_id_for("ann") != user_id_for("bob")
    assert user_id_for("ann").startswith("amzn1.ask.account.")


def test_leaving_and_coming_back_the_next_day_resumes(conversation: Conversation) -> None:
    conversation.open()
    conversation.hear("let's start")
    conversation.next_day()
    step = conversation.hear("open back coach")
    assert "You were on knee rolls" in ssml_to_text(step.speeches[0])
    request = step.exchanges[0].request
    assert request["type"] == "LaunchRequest"


# -- the terminal loop ----------------------------------------------------------------


def scripted(lines: list[str]) -> Iterator[str]:
    yield from lines


def test_a_scripted_chat_through_the_loop(conversation: Conversation) -> None:
    typed = iter(["let's start", "ready", "ouch", "go on gently", "", "", "stop", "quit"])
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    out = io.StringIO()
    assert run_chat(conversation, read, Screen(out, ChatOptions(width=100))) == 0
    text = " ".join(out.getvalue().split())  # as one line: the answers are wrapped
    assert prompts == ["you> "] * 8
    assert "[LaunchRequest]" in text and "Welcome to Back Coach" in text
    assert "coach> Let's begin." in text and "Exercise 1 of 5: Knee rolls" in text
    assert "Rep 1 of 8, right side. Roll your knees down to one side" in text
    assert "Return to the starting point. [pause 2.7s] Rep 2 of 8, left side." in text
    assert "(reprompt) Say ready when you're in position." in text
    assert "[PainIntent]" in text and "contact your physician" in text
    assert "[rate 85%]" in text and "Gently now: 2 repetitions" in text
    assert "Exercise 2 of 5: Pelvic tilts" in text  # knee rolls were counted before the pain
    assert "(Alexa says the reprompt)" in text
    assert "[SessionEndedRequest EXCEEDED_MAX_REPROMPTS]" in text
    assert "nothing to stop" in text
    assert text.endswith("Bye.")
    assert "\x1b[" not in text  # no colour when not a terminal


def test_the_loop_ends_the_session_on_quit_and_end_of_input(conversation: Conversation) -> None:
    def read(_prompt: str) -> str:
        raise EOFError

    out = io.StringIO()
    assert run_chat(conversation, read, Screen(out, ChatOptions())) == 0
    assert "[SessionEndedRequest USER_INITIATED]" in out.getvalue()
    assert not conversation.in_session


def test_realtime_prints_word_by_word_and_sleeps(conversation: Conversation) -> None:
    slept: list[float] = []
    out = io.StringIO()
    screen = Screen(out, ChatOptions(realtime=True, show_intent=False), sleep=slept.append)
    typed = iter(["let's start", "ready", "quit"])
    run_chat(conversation, lambda _prompt: next(typed), screen)
    assert "[pause 8s]" in out.getvalue() and 8.0 in slept
    assert sum(slept) > 8 * 8  # eight knee rolls of eight seconds each, and the words


def test_ctrl_c_cuts_the_counting_short_and_the_chat_goes_on(
    conversation: Conversation,
) -> None:
    out = io.StringIO()

    cut: list[bool] = []

    def sleep(seconds: float) -> None:
        if not cut and "Rep 1 of 8, right side." in " ".join(out.getvalue().split()):
            cut.append(True)  # once, in the first rep
            raise KeyboardInterrupt

    screen = Screen(out, ChatOptions(realtime=True), sleep=sleep)
    typed = iter(["let's start", "ready", "it hurts", "quit"])
    assert run_chat(conversation, lambda _prompt: next(typed), screen) == 0
    text = out.getvalue()
    text = " ".join(text.split())
    assert "Rep 1 of 8, right side." in text and "[cut short]" in text
    assert "Rep 2 of 8" not in text and "I'm sorry it hurts" in text


def test_a_dead_webhook_is_reported_and_the_chat_goes_on(nlu: Nlu) -> None:
    conversation = Conversation(Device(OverHttp("http://127.0.0.1:9/alexa", timeout=1)), nlu)
    out = io.StringIO()
    typed = iter(["I'm ready", "quit"])
    assert run_chat(conversation, lambda _prompt: next(typed), Screen(out, ChatOptions())) == 0
    assert out.getvalue().count("could not talk to the skill") >= 2


def test_a_fake_espeak_ng_is_given_the_ssml(tmp_path: Path) -> None:
    said = tmp_path / "said"
    program = tmp_path / "espeak-ng"
    program.write_text(f'#!/bin/sh\necho "$@" > {said}.args\ncat > {said}\n')
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    voice = Voice.find("en-GB", which=lambda name: str(program) if name == "espeak-ng" else None)
    assert voice is not None
    voice.say('<speak>Hold. <break time="1s"/> one.</speak>')
    assert said.read_text() == '<speak>Hold. <break time="1s"/> one.</speak>'
    assert (tmp_path / "said.args").read_text().split() == ["-m", "-v", "en-gb", "--stdin"]


def test_no_espeak_ng_no_voice() -> None:
    assert Voice.find(which=lambda _name: None) is None
    assert "apt-get install espeak-ng" in INSTALL_HINT


# -- the commands ---------------------------------------------------------------------


def run_dev(args: list[str], stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BACKCOACH_DEV, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **env},
        check=False,
    )


def test_dev_chat_quits_cleanly(redis_url: str) -> None:
    done = run_dev(["chat", "--user", "tester"], "let's start\nquit\n", {"REDIS_URL": redis_url})
    assert done.returncode == 0, done.stderr
    assert "Welcome to Back Coach" in done.stdout
    assert "you> let's start" in done.stdout  # piped input is echoed
    assert "Exercise 1 of 5: Knee rolls" in done.stdout
    assert "[SessionEndedRequest USER_INITIATED]" in done.stdout
    assert done.stdout.rstrip().endswith("Bye.")


def test_dev_chat_remembers_the_user_between_runs(redis_url: str) -> None:
    env = {"REDIS_URL": redis_url}
    run_dev(["chat", "--user", "ann"], "let's start\nquit\n", env)
    again = run_dev(["chat", "--user", "ann"], "quit\n", env)
    assert "You were on knee rolls" in again.stdout
    other = run_dev(["chat", "--user", "bob"], "quit\n", env)
    assert "Welcome to Back Coach" in other.stdout


def test_dev_chat_speak_without_espeak_ng_says_how_to_install(redis_url: str) -> None:
    done = run_dev(["chat", "--speak"], "quit\n", {"REDIS_URL": redis_url, "PATH": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert "espeak-ng is not installed" in done.stdout
    assert "apt-get install espeak-ng" in done.stdout
    assert "Welcome to Back Coach" in done.stdout  # and it goes on, silently


def test_dev_chat_over_http(app: Flask) -> None:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = run_dev(
            ["chat", "--url", f"http://127.0.0.1:{server.server_port}"], "I'm ready\nquit\n", {}
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert f"127.0.0.1:{server.server_port}/alexa" in done.stdout
    assert "Exercise 1 of 5" in done.stdout


def test_webhook_urls() -> None:
    assert webhook_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/alexa"
    assert webhook_url("https://example.org/skill") == "https://example.org/skill"
    with pytest.raises(ChatError):
        webhook_url("127.0.0.1:8080")


PASSING = """\
title: A pain report is answered
steps:
  - say: open back coach
    expect: Welcome to Back Coach
  - say: let's start
  - say: it hurts
    intent: PainIntent
    expect: [contact your physician]
    not: [one two]
    open: true
    state: {phase: pain_check, gentle: true, exercise: knee rolls}
"""

FAILING = """\
title: Wrongly expects counting after pain
steps:
  - say: open back coach
  - say: let's start
  - say: it hurts
    expect: ["Rep 1 of 8, right side."]
    state: {phase: counting}
"""


def test_backcoach_simulate_exit_codes(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(PASSING)
    bad.write_text(FAILING)
    assert main(["simulate", str(good)]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["simulate", str(good), str(bad)]) == 1
    report = capsys.readouterr().out
    assert f"FAIL {bad}: Wrongly expects counting after pain" in report
    assert 'step 3: the person says "it hurts"' in report and "heard as: PainIntent" in report
    assert "I'm sorry it hurts" in report
    assert 'expected to hear "Rep 1 of 8, right side.": not said' in report
    assert "state phase: expected 'counting', was 'pain_check'" in report
    assert "1 of 2 scenarios passed" in report


def test_backcoach_simulate_refuses_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: x\nsteps:\n  - say: hi\n    state: {mood: calm}\n")
    assert main(["simulate", str(broken)]) == 2
    error = capsys.readouterr().err
    assert str(broken) in error and "step 1" in error and "unknown state check mood" in error


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("title: x\nsteps: []\n", "steps"),
        ("title: x\nsteps:\n  - say: hi\n    silent: true\n", "either says something"),
        ("title: x\nsteps:\n  - expect: [hello]\n", "either says something"),
        ("title: x\nsteps:\n  - say: hi\n    expect: [1, two]\n", "step 1, expect item 1"),
        ("title: x\nsteps:\n  - say: hi\n    sayy: typo\n", "sayy"),
        ("steps:\n  - say: [unclosed\n", "cannot read"),
        ("title: x\nlocale: fr-FR\nsteps:\n  - say: hi\n", "no interaction model for 'fr-FR'"),
    ],
)
def test_scenario_files_are_checked(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(body)
    with pytest.raises(ScenarioError, match=re.escape(problem)):
        load_scenario(path)


def test_yes_and_no_are_words_in_scenarios(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("title: x\nsteps:\n  - say: yes\n  - say: no\n    open: false\n")
    scenario = load_scenario(path)
    assert [s.say for s in scenario.steps] == ["yes", "no"]
    assert scenario.steps[1].open is False
