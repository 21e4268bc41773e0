"""The speech layer: timing of counted holds, Alexa's limits, and every SSML the core can produce.

docs/ARCHITECTURE.md, 'Speech budget', lists the limits (8,000 characters, breaks of at
most 10 s, prosody rate at least 20%, at most 5 audio clips, valid XML, a whole response
under 24 KB) and 'Voice' asks that a counted hold last about as long as the hold.
'Testing' asks that every SSML the skill can produce in a routine be checked against
those limits: the second half of this file drives the coach through every exercise,
variant, pace and gentle setting and checks each turn it would send.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import pytest

from skill.coach import events as ev
from skill.coach.catalog import load_catalog
from skill.coach.pacing import FASTEST_PACE, PACES, SLOWEST_PACE, pace_name
from skill.coach.reply import Hold, PainEvent, Pause, Reply, Say
from skill.coach.routine import RoutineItem, default_routine, plan_routine
from skill.coach.script import rep_slots
from skill.coach.session import Coach
from skill.coach.state import Phase, SessionState
from skill.speech import SpeechLimitError, check_ssml, render, render_hold, speakable
from skill.speech.limits import MAX_RESPONSE_BYTES, check_response_size
from skill.speech.ssml import breaks, hold_cues
from skill.speech.timing import number_words, speech_seconds, text_seconds
from tests.coaching import COUNT_STARTS, with_pauses

RATES = sorted({p.rate_percent for p in PACES})

# Written out by hand, so the hold tests do not check number_words against itself.
ONE_TO_TEN = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _words_to_number() -> dict[str, int]:
    return {number_words(n): n for n in range(200)}


WORDS_TO_NUMBER = _words_to_number()


def in_speak(body: str, rate: int = 100) -> str:
    return f'<speak><prosody rate="{rate}%">{body}</prosody></speak>'


def break_times(ssml_fragment: str) -> list[float]:
    root = ET.fromstring(f"<speak>{ssml_fragment}</speak>")
    seconds = []
    for element in root.iter("break"):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", element.attrib["time"])
        assert match, element.attrib["time"]
        value = float(match.group(1))
        seconds.append(value / 1000 if match.group(2) == "ms" else value)
    return seconds


def spoken_text(ssml: str) -> str:
    return " ".join(" ".join(ET.fromstring(ssml).itertext()).split())


# -- number words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (1, "one"),
        (10, "ten"),
        (13, "thirteen"),
        (20, "twenty"),
        (25, "twenty five"),
        (60, "sixty"),
        (99, "ninety nine"),
        (100, "one hundred"),
        (120, "one hundred and twenty"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


# -- counted holds ---------------------------------------------------------------------


# How long a count lasts is measured with a real speech engine: tests/test_count_timing.py.


@pytest.mark.parametrize("seconds", range(1, 11))
def test_short_holds_count_every_second(seconds: int) -> None:
    cues = hold_cues(seconds)
    assert cues == [(index, ONE_TO_TEN[index]) for index in range(seconds)]


@pytest.mark.parametrize("seconds", range(2, 11))
def test_every_count_says_what_tests_look_for_to_tell_it_started(seconds: int) -> None:
    # tests/coaching.COUNT_STARTS is how the safety tests see that no count began.
    assert COUNT_STARTS in with_pauses(in_speak(render_hold(seconds)))


@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"rate{r}")
@pytest.mark.parametrize("seconds", [3, 5, 10])
def test_short_hold_says_every_count_in_order(seconds: int, rate: int) -> None:
    text = spoken_text(in_speak(render_hold(seconds), rate))
    assert text == " ".join(ONE_TO_TEN[:seconds])


@pytest.mark.parametrize("seconds", range(11, 121))
def test_long_holds_announce_the_length_then_count_down(seconds: int) -> None:
    cues = hold_cues(seconds)
    assert cues[0] == (0, f"{number_words(seconds)} seconds")
    assert cues[-3:] == [(seconds - 3, "three"), (seconds - 2, "two"), (seconds - 1, "one")]
    times = [at for at, _ in cues]
    assert times == sorted(set(times)), "cues must be in time order, one per moment"
    assert all(0 <= at < seconds for at in times)
    for at, words in cues[1:-3]:
        match = re.fullmatch(r"(.+) seconds left", words)
        assert match, words
        assert WORDS_TO_NUMBER[match.group(1)] == seconds - at, f"wrong time left at {at}s"
    # Long holds count down in steps, not every second, and never leave more than
    # 10 s unsaid (one break per gap: some engines do not add up chained breaks).
    assert len(cues) <= seconds // 5 + 5
    assert all(later - earlier <= 10 for earlier, later in pairwise(times[1:]))
    assert times[1] - times[0] <= 11
    # The first "seconds left" is not on the heels of the length.
    assert times[1] >= 3
    # No silence in a count is two breaks in a row.
    assert "/> <break" not in render_hold(seconds) and "/><break" not in render_hold(seconds)


@pytest.mark.parametrize("rate", RATES, ids=lambda r: f"rate{r}")
@pytest.mark.parametrize("seconds", [11, 30, 45, 60, 61, 90, 120])
def test_long_hold_says_its_cues_in_order(seconds: int, rate: int) -> None:
    text = spoken_text(in_speak(render_hold(seconds), rate))
    assert text == " ".join(words for _, words in hold_cues(seconds))
    assert text.startswith(f"{number_words(seconds)} seconds")
    assert text.endswith("three two one")


# -- breaks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds", [0, 0.001, 0.25, 1, 9.999, 10, 10.001, 10.5, 20, 25, 61.3, 119.999, 210]
)
def test_breaks_chain_to_the_exact_total(seconds: float) -> None:
    times = break_times(breaks(seconds))
    assert sum(times) == pytest.approx(seconds, abs=1e-9)
    assert all(0 < t <= 10 for t in times)
    assert len(times) == -(-round(seconds * 1000) // 10_000)  # ceil(seconds / 10)
    check_ssml(f"<speak>{breaks(seconds)}</speak>")


@pytest.mark.parametrize("seconds", [0, -1, -0.5])
def test_no_silence_is_no_break(seconds: float) -> None:
    assert breaks(seconds) == ""


# -- escaping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Tom & Jerry",
        "a < b > c",
        "say \"it hurts\" and 'stop'",
        "<speak>not a tag</speak>",
        "]]> & <![CDATA[",
        "bell\x07 null\x00 escape\x1b vt\x0b ff\x0c end",
        "tab\tnewline\ncarriage\r",
        "non characters \ufffe\uffff here",
        "café, naïve — “quotes” 25%",
        "&amp; already escaped",
    ],
)
def test_speakable_text_renders_as_valid_ssml(text: str) -> None:
    ssml = f"<speak>{speakable(text)}</speak>"
    root = check_ssml(ssml)
    assert root.tag == "speak"
    assert list(root) == [], "text must never become markup"
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    # XML parsers read a carriage return as a line feed.
    assert root.text == expected.replace("\r", "\n")
    if "&" in text:
        assert "&amp;" in ssml


def test_ampersand_and_brackets_are_escaped() -> None:
    assert speakable("R&D <now>") == "R&amp;D &lt;now&gt;"


@pytest.mark.parametrize("rate", [100, *RATES])
def test_render_escapes_plan_text(rate: int) -> None:
    plan = Reply(speech=(Say("Knees & hips <together> \x01"),), reprompt=(Say('Say "next" & go'),))
    plan = Reply(speech=plan.speech, reprompt=plan.reprompt, rate_percent=rate)
    speech, reprompt = render(plan)
    assert "Knees &amp; hips &lt;together&gt;" in speech
    assert "\x01" not in speech
    assert reprompt is not None
    assert "&amp;" in reprompt
    check_ssml(speech)
    check_ssml(reprompt)


# -- limits ----------------------------------------------------------------------------


AUDIO = '<audio src="https://example.com/a.mp3"/>'


@pytest.mark.parametrize(
    "ssml",
    [
        pytest.param("<speak>" + "a" * 7994 + "</speak>", id="8002-chars"),
        pytest.param("<speak>" + "a " * 5000 + "</speak>", id="10015-chars"),
        pytest.param("<speak>a & b</speak>", id="bare-ampersand"),
        pytest.param("<speak>a < b</speak>", id="bare-less-than"),
        pytest.param("<speak><break time='1s'></speak>", id="unclosed-tag"),
        pytest.param("<speak>one</speak><speak>two</speak>", id="two-roots"),
        pytest.param("", id="empty"),
        pytest.param("just text", id="no-markup"),
        pytest.param('<speak><break time="10.5s"/></speak>', id="break-10.5s"),
        pytest.param('<speak><break time="10001ms"/></speak>', id="break-10001ms"),
        pytest.param('<speak><break time="11s"/></speak>', id="break-11s"),
        pytest.param('<speak><break time="ten seconds"/></speak>', id="break-not-a-time"),
        pytest.param('<speak><prosody rate="19%">slow</prosody></speak>', id="rate-19"),
        pytest.param('<speak><prosody rate="5%">slow</prosody></speak>', id="rate-5"),
        pytest.param('<speak><prosody rate="slowly">x</prosody></speak>', id="rate-not-a-rate"),
        pytest.param("<speak>" + AUDIO * 6 + "</speak>", id="6-audio"),
        pytest.param(
            "<speak><p>" + AUDIO * 3 + "</p>" + AUDIO * 3 + "</speak>", id="6-audio-nested"
        ),
        pytest.param("<p>hello</p>", id="root-p"),
        pytest.param("<prosody rate='50%'>hello</prosody>", id="root-prosody"),
    ],
)
def test_check_ssml_refuses(ssml: str) -> None:
    with pytest.raises(SpeechLimitError):
        check_ssml(ssml)


@pytest.mark.parametrize(
    "ssml",
    [
        pytest.param("<speak>" + "a" * 7985 + "</speak>", id="8000-chars"),
        pytest.param('<speak><break time="10s"/></speak>', id="break-10s"),
        pytest.param('<speak><break time="10000ms"/></speak>', id="break-10000ms"),
        pytest.param('<speak><prosody rate="20%">slow</prosody></speak>', id="rate-20"),
        pytest.param('<speak><prosody rate="x-slow">slow</prosody></speak>', id="rate-x-slow"),
        pytest.param("<speak>" + AUDIO * 5 + "</speak>", id="5-audio"),
        pytest.param("<speak>a &amp; b &lt; c</speak>", id="escaped"),
    ],
)
def test_check_ssml_accepts_what_alexa_accepts(ssml: str) -> None:
    assert len(ssml) <= 8000
    assert check_ssml(ssml).tag == "speak"


@pytest.mark.parametrize("size", [MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES + 1, 100_000])
def test_check_response_size_refuses_24_kib_and_more(size: int) -> None:
    assert MAX_RESPONSE_BYTES == 24 * 1024
    with pytest.raises(SpeechLimitError):
        check_response_size(b"x" * size)


@pytest.mark.parametrize("size", [0, 1000, MAX_RESPONSE_BYTES - 1])
def test_check_response_size_accepts_under_24_kib(size: int) -> None:
    check_response_size(b"x" * size)


# -- speech timing ---------------------------------------------------------------------


def test_breaks_time_exactly() -> None:
    assert speech_seconds('<speak><break time="2s"/><break time="500ms"/></speak>') == 2.5


def test_breaks_are_not_scaled_by_prosody() -> None:
    ssml = '<speak><prosody rate="50%"><break time="3s"/><break time="250ms"/></prosody></speak>'
    assert speech_seconds(ssml) == pytest.approx(3.25)


TEXT = "Lie on your back, bend your knees, and breathe easily in and out."


def test_text_takes_time() -> None:
    assert speech_seconds(f"<speak>{TEXT}</speak>") == pytest.approx(text_seconds(TEXT))
    assert 2 < text_seconds(TEXT) < 8


def test_half_rate_takes_twice_as_long() -> None:
    normal = speech_seconds(f"<speak>{TEXT}</speak>")
    half = speech_seconds(f'<speak><prosody rate="50%">{TEXT}</prosody></speak>')
    assert half == pytest.approx(2 * normal)


@pytest.mark.parametrize(("outer", "inner"), [(50, 50), (80, 125), (200, 50), (110, 85)])
def test_nested_prosody_multiplies(outer: int, inner: int) -> None:
    normal = speech_seconds(f"<speak>{TEXT}</speak>")
    nested = speech_seconds(
        f'<speak><prosody rate="{outer}%"><prosody rate="{inner}%">{TEXT}</prosody>'
        "</prosody></speak>"
    )
    assert nested == pytest.approx(normal / (outer / 100 * inner / 100))


def test_text_around_elements_is_timed_at_its_own_rate() -> None:
    ssml = (
        f'<speak>{TEXT}<prosody rate="50%">{TEXT}</prosody>{TEXT}<break time="1s"/>{TEXT}</speak>'
    )
    assert speech_seconds(ssml) == pytest.approx(5 * text_seconds(TEXT) + 1)


# -- every SSML the core can produce ---------------------------------------------------

CATALOG = load_catalog()
COACH = Coach(CATALOG)
LEVELS = range(len(PACES))


def pace_id(level: int) -> str:
    return pace_name(CATALOG.words(), level).replace(" ", "-")


def exercise_variants() -> list[tuple[str, str | None]]:
    """Every exercise with each way it can be done: the base (or default variant) and
    each variant."""
    found = []
    for exercise in CATALOG.exercises.values():
        found.append((exercise.id, None))
        found.extend((exercise.id, variant.id) for variant in exercise.variants)
    return found


VARIANTS = exercise_variants()


def variant_id(value: tuple[str, str | None]) -> str:
    exercise_id, variant = value
    return f"{exercise_id}:{variant}" if variant else exercise_id


def catalog_item(exercise_id: str, variant: str | None) -> RoutineItem:
    exercise = CATALOG[exercise_id]
    return RoutineItem(
        exercise_id=exercise_id,
        variant=variant,
        hold_seconds=exercise.hold_seconds.value if exercise.hold_seconds else None,
        reps=exercise.reps.value,
        sets=exercise.sets.value,
        rest_seconds=exercise.rest_seconds.value,
    )


@dataclass(frozen=True)
class Figures:
    """The extremes a prescription allows (catalog.ProgramItem bounds)."""

    hold: int
    reps: int
    sets: int
    rest: int

    def __str__(self) -> str:
        return f"hold{self.hold}-reps{self.reps}-sets{self.sets}-rest{self.rest}"


EXTREMES = [
    Figures(hold=120, reps=30, sets=5, rest=120),
    Figures(hold=1, reps=30, sets=5, rest=0),
    Figures(hold=120, reps=1, sets=1, rest=0),
    Figures(hold=1, reps=1, sets=2, rest=120),
]
# The extremes run at the fastest and slowest pace (every pace runs with catalog figures).
EXTREME_LEVELS = (FASTEST_PACE, SLOWEST_PACE)


def extreme_item(exercise_id: str, variant: str | None, figures: Figures) -> RoutineItem:
    has_hold = CATALOG[exercise_id].hold_seconds is not None
    return RoutineItem(
        exercise_id=exercise_id,
        variant=variant,
        hold_seconds=figures.hold if has_hold else None,
        reps=figures.reps,
        sets=figures.sets,
        rest_seconds=figures.rest,
    )


def response_body(state: SessionState, speech: str, reprompt: str | None, end: bool) -> bytes:
    response: dict[str, object] = {
        "outputSpeech": {"type": "SSML", "ssml": speech},
        "shouldEndSession": end,
    }
    if reprompt is not None:
        response["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": reprompt}}
    body = {
        "version": "1.0",
        "sessionAttributes": {"state": state.to_dict()},
        "response": response,
    }
    return json.dumps(body).encode("utf-8")


def check_turn(state: SessionState, plan: Reply) -> str:
    """Render one turn and check it the way Alexa would; return the speech SSML."""
    speech, reprompt = render(plan)
    assert check_ssml(speech).tag == "speak"
    if plan.end_session:
        assert reprompt is None
    else:
        assert reprompt is not None
        assert check_ssml(reprompt).tag == "speak"
    body = response_body(state, speech, reprompt, plan.end_session)
    assert len(body) < MAX_RESPONSE_BYTES
    check_response_size(body)
    return speech


COUNTING_EVENTS = (ev.Ready, ev.Next, ev.Repeat, ev.Yes)


def is_counted(before: SessionState, event: ev.Event, after: SessionState) -> bool:
    return (
        isinstance(event, COUNTING_EVENTS)
        and before.phase in (Phase.POSITIONING, Phase.COUNTING)
        and after.phase is Phase.COUNTING
    )


def check_counted_turn(state: SessionState, plan: Reply, speech: str) -> list[Hold]:
    """A counted turn says every hold's count words, and a set split across turns is
    split after a rep: its last words before "say next" end a rep (a release, or the
    movement's time)."""
    assert state.item is not None
    item = state.item.gentle() if state.gentle else state.item
    exercise = CATALOG[item.exercise_id]
    said = [segment for segment in plan.speech if not isinstance(segment, Pause)]
    if said[-1] == Say(COACH.words.phrase("say_next_to_go_on")):
        ends_a_rep = plan.speech[-2]
        if item.hold_seconds is None:
            assert isinstance(ends_a_rep, Pause), plan.speech[-3:]
        else:
            assert ends_a_rep == Say(exercise.release_for(item.variant)), plan.speech[-3:]
    holds = [segment for segment in plan.speech if isinstance(segment, Hold)]
    if item.hold_seconds is None:
        assert holds == []
        assert any(isinstance(segment, Pause) for segment in plan.speech)
        return holds
    assert holds, "a counted turn of a held exercise has holds"
    assert {hold.seconds for hold in holds} == {item.hold_seconds}
    text = spoken_text(speech)
    position = 0
    for hold in holds:
        assert render_hold(hold.seconds) in speech
        for _, words in hold_cues(hold.seconds):
            found = re.compile(rf"(?<![a-z]){re.escape(words)}").search(text, position)
            assert found, f"hold count {words!r} missing from {text!r}"
            position = found.end()
    return holds


def step(state: SessionState, event: ev.Event) -> tuple[SessionState, Reply, str]:
    new, plan = COACH.respond(state, event)
    speech = check_turn(new, plan)
    if is_counted(state, event, new):
        check_counted_turn(new, plan, speech)
    return new, plan, speech


def run_exercise(item: RoutineItem, level: int, gentle: bool) -> Iterator[SessionState]:
    """Start, Ready, then Next until the exercise is done, checking every turn.

    Yields the states it passes through, so a caller can branch off them.
    """
    state = COACH.new_session((item,)).evolve(pace=level, gentle=gentle)
    state, _, _ = step(state, ev.Start())
    assert state.phase is Phase.POSITIONING
    yield state
    state, _, _ = step(state, ev.Ready())
    while state.phase is Phase.COUNTING:
        yield state
        state, _, _ = step(state, ev.Next())
    assert state.phase is Phase.FINISHED


def count_exercise(item: RoutineItem, level: int, gentle: bool) -> int:
    """Run an exercise straight through; return how many holds were counted in all."""
    state = COACH.new_session((item,)).evolve(pace=level, gentle=gentle)
    state, _, _ = step(state, ev.Start())
    state, plan, _ = step(state, ev.Ready())
    holds = 0
    turns = 0
    while state.phase is Phase.COUNTING:
        holds += sum(isinstance(segment, Hold) for segment in plan.speech)
        turns += 1
        state, plan, _ = step(state, ev.Next())
    assert state.phase is Phase.FINISHED
    assert plan.end_session
    assert turns >= item.sets
    return holds


def expected_holds(item: RoutineItem) -> int:
    exercise = CATALOG[item.exercise_id]
    if item.hold_seconds is None:
        return 0
    return item.sets * rep_slots(exercise, item) * max(1, len(exercise.hold_cues))


def side_events(state: SessionState) -> list[ev.Event]:
    assert state.item is not None
    item = state.item
    return [
        ev.Repeat(),
        ev.Describe(item.exercise_id, item.variant),
        ev.WhatsNext(),
        ev.HowManyLeft(),
        ev.Slower(),
        ev.Faster(),
        ev.Start(),  # not allowed now: answered, not raised
        ev.Resume(),  # not paused: answered
        ev.Yes(),
        ev.No(),
        ev.Skip(),
        ev.Previous(),
        ev.Stop(),
        ev.PainReported("my leg is numb and tingling", "red_flag"),
        ev.PainReported("something is wrong", "red_flag"),
    ]


def explore(state: SessionState) -> None:
    """Every side turn from here, and the pain, pause and soreness paths to their ends."""
    for event in side_events(state):
        step(state, event)
    if COACH.settle(state).phase is Phase.FINISHED:
        explore_the_end(state)
        # The paths below go on after this count: give the routine a next exercise.
        state = state.evolve(routine=(*state.routine, catalog_item("b01-knee-rolls", None)))

    paused, _, _ = step(state, ev.Pause())
    assert paused.phase is Phase.PAUSED
    step(paused, ev.Pause())
    step(paused, ev.HowManyLeft())
    step(paused, ev.Stop())
    resumed, _, _ = step(paused, ev.Resume())
    assert resumed.phase is Phase.POSITIONING
    step(resumed, ev.Ready())

    sore, _, _ = step(state, ev.PainReported("my back is a bit sore", "soreness"))
    step(sore, ev.Ready())

    hurt, _, _ = step(state, ev.PainReported("ouch, it hurts", "pain"))
    assert hurt.phase is Phase.PAIN_CHECK
    step(hurt, ev.Repeat())
    step(hurt, ev.No())
    step(hurt, ev.Stop())
    paused_hurt, _, _ = step(hurt, ev.Pause())
    step(paused_hurt, ev.Resume())
    gently, _, _ = step(hurt, ev.Next())
    assert gently.phase is Phase.POSITIONING
    assert gently.gentle
    counting, _, _ = step(gently, ev.Ready())
    assert counting.phase is Phase.COUNTING
    stopped, _, _ = step(counting, ev.PainReported("it hurts again", "pain"))
    assert stopped.phase is Phase.STOPPED
    for event in (ev.Start(), ev.Next(), ev.HowManyLeft(), ev.PainReported("ow", "pain")):
        step(stopped, event)


def explore_the_end(state: SessionState) -> None:
    """After the last count of a routine, pausing or pain ends it; every answer fits."""
    for event in (ev.Pause(), ev.Stop(), ev.PainReported("ouch", "pain")):
        after, plan, _ = step(state, event)
        assert after.phase is Phase.FINISHED and plan.end_session
    _, plan, _ = step(state, ev.PainReported("sore", "soreness"))
    assert plan.end_session


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("level", LEVELS, ids=pace_id)
@pytest.mark.parametrize("exercise", VARIANTS, ids=variant_id)
def test_every_turn_of_every_exercise_fits_alexa(
    exercise: tuple[str, str | None], level: int, gentle: bool
) -> None:
    item = catalog_item(*exercise)
    states = list(run_exercise(item, level, gentle))
    positioning, first_count, last_count = states[0], states[1], states[-1]
    # The side turns are taken from the first time in position and the first and last
    # counted turns, where what is said differs (action, set, "that's it done").
    explore(positioning)
    explore(first_count)
    if last_count is not first_count:
        explore(last_count)


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("level", LEVELS, ids=pace_id)
@pytest.mark.parametrize("exercise", VARIANTS, ids=variant_id)
def test_every_hold_of_every_exercise_is_counted(
    exercise: tuple[str, str | None], level: int, gentle: bool
) -> None:
    item = catalog_item(*exercise)
    counted = item.gentle() if gentle else item
    assert count_exercise(item, level, gentle) == expected_holds(counted)


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("level", EXTREME_LEVELS, ids=pace_id)
@pytest.mark.parametrize("figures", EXTREMES, ids=str)
@pytest.mark.parametrize("exercise", VARIANTS, ids=variant_id)
def test_prescription_extremes_fit_alexa(
    exercise: tuple[str, str | None], figures: Figures, level: int, gentle: bool
) -> None:
    item = extreme_item(*exercise, figures)
    counted = item.gentle() if gentle else item
    assert count_exercise(item, level, gentle) == expected_holds(counted)


@pytest.mark.parametrize("exercise", VARIANTS, ids=variant_id)
def test_describe_every_exercise_in_every_phase(exercise: tuple[str, str | None]) -> None:
    describe = ev.Describe(*exercise)
    phases = set()
    for state in stored_states():
        if state is None:
            continue
        new, _, speech = step(state, describe)
        assert new == state, "describing an exercise does not move the routine on"
        assert speakable(CATALOG[exercise[0]].start_position.split(".")[0]) in speech
        phases.add(state.phase)
    assert phases == set(Phase)


@pytest.mark.parametrize("exercise", VARIANTS, ids=variant_id)
def test_go_to_every_exercise_from_the_default_routine(exercise: tuple[str, str | None]) -> None:
    state = COACH.new_session(default_routine(CATALOG))
    state, _, _ = step(state, ev.Start())
    state, _, _ = step(state, ev.GoTo(*exercise))
    assert state.phase is Phase.POSITIONING
    assert state.item is not None
    assert state.item.exercise_id == exercise[0]
    state, _, _ = step(state, ev.Ready())
    assert state.phase is Phase.COUNTING


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("level", LEVELS, ids=pace_id)
@pytest.mark.parametrize("program", sorted(CATALOG.programs))
def test_whole_programs_fit_alexa(program: str, level: int, gentle: bool) -> None:
    routine = plan_routine(CATALOG, CATALOG.programs[program].exercises)
    state = COACH.new_session(routine).evolve(pace=level, gentle=gentle)
    state, _, _ = step(state, ev.Start())
    turns = 0
    while state.phase is not Phase.FINISHED:
        state, plan, _ = step(state, ev.Next())
        turns += 1
        assert turns < 1000
    assert plan.end_session
    assert len(state.done) == len(routine)


def stored_states() -> list[SessionState | None]:
    """What a launch may find kept from earlier today, in every phase."""
    fresh = COACH.new_session(default_routine(CATALOG))
    positioning, _, _ = step(fresh, ev.Start())
    counting, _, _ = step(positioning, ev.Ready())
    paused, _, _ = step(counting, ev.Pause())
    hurt, _, _ = step(counting, ev.PainReported("it hurts"))
    gently, _, _ = step(hurt, ev.Next())
    stopped, _, _ = step(hurt, ev.Stop())
    red_flag, _, _ = step(counting, ev.PainReported("my leg went numb", "red_flag"))
    finished = fresh
    while finished.phase is not Phase.FINISHED:
        finished, _, _ = step(finished, ev.Next())
    asked = fresh.evolve(phase=Phase.CHECK_IN)
    return [
        None,
        fresh,
        asked,
        positioning,
        counting,
        paused,
        hurt,
        gently,
        stopped,
        red_flag,
        finished,
    ]


LAST_PAINS = [
    None,
    *(
        PainEvent(
            at="2026-11-23T08:00:00Z",
            words=words,
            kind=kind,
            action=action,
            exercise_id="b01-knee-rolls",
            set_number=1,
            red_flag="numbness_tingling" if kind == "red_flag" else None,
        )
        for words, kind, action in [
            ("my back is sore", "soreness", "slowed"),
            ("it hurts", "pain", "gentle_offered"),
            ("my leg is numb", "red_flag", "urgent_stop"),
        ]
    ),
]


@pytest.mark.parametrize("returning", [False, True], ids=["new", "returning"])
@pytest.mark.parametrize(
    "last_pain", LAST_PAINS, ids=lambda p: p.kind if isinstance(p, PainEvent) else "no-pain"
)
def test_every_launch_fits_alexa(returning: bool, last_pain: PainEvent | None) -> None:
    fresh = COACH.new_session(default_routine(CATALOG))
    for stored in stored_states():
        launch = ev.Launch(fresh, returning=returning, last_pain=last_pain)
        state, plan = COACH.step(stored or fresh, launch)
        check_turn(state, plan)
        for answer in (ev.Yes(), ev.No(), ev.Start(), ev.Ready()):
            step(state, answer)
