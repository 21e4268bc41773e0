"""How a set is coached (issue 15): time to settle before a count, the rep's number
apart from the count, one tip or caution at a time from the exercise's own handout,
its breathing, the steps of a movement, honest words for handout A's blanks, and a
set split across turns only where Alexa's 8,000 characters force it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.coach import events as ev
from skill.coach import script
from skill.coach.catalog import Exercise, ProgramItem, load_catalog
from skill.coach.pacing import NORMAL_PACE, PACES
from skill.coach.reply import Hold, Pause, Reply, Say, Segment
from skill.coach.routine import RoutineItem, default_routine, plan_routine
from skill.coach.session import Coach
from skill.coach.state import Phase, SessionState
from skill.speech import render
from skill.speech.limits import MAX_SPEECH_CHARS
from skill.speech.ssml import breaks, render_segments, speakable

CATALOG = load_catalog()
COACH = Coach(CATALOG)
WORDS = CATALOG.words()
HANDOUTS = Path(__file__).resolve().parents[1] / "content" / "handouts"
LEVELS = range(len(PACES))
AND_HOLD = "And hold."  # written out: the test does not read the phrase it checks


def variants() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for exercise in CATALOG.exercises.values():
        found.append((exercise.id, None))
        found.extend((exercise.id, v.id) for v in exercise.variants)
    return found


def variant_id(value: tuple[str, str | None]) -> str:
    return f"{value[0]}:{value[1]}" if value[1] else value[0]


def catalog_item(exercise_id: str, variant: str | None = None) -> RoutineItem:
    return plan_routine(CATALOG, [ProgramItem(id=exercise_id, variant=variant)])[0]


def run_through(
    routine: tuple[RoutineItem, ...], level: int = 1, gentle: bool = False
) -> list[tuple[SessionState, Reply]]:
    """Start, then "ready" or "next" until the routine is finished: every turn."""
    state = COACH.new_session(routine).evolve(pace=level, gentle=gentle)
    turns: list[tuple[SessionState, Reply]] = []
    state, plan = COACH.step(state, ev.Start())
    turns.append((state, plan))
    while state.phase is not Phase.FINISHED:
        event = ev.Ready() if state.phase is Phase.POSITIONING else ev.Next()
        state, plan = COACH.step(state, event)
        turns.append((state, plan))
        assert len(turns) < 500
    return turns


def first_count(item: RoutineItem, level: int = 1) -> Reply:
    state = COACH.new_session((item,)).evolve(pace=level)
    state, _ = COACH.step(state, ev.Start())
    state, plan = COACH.step(state, ev.Ready())
    assert state.phase is Phase.COUNTING
    return plan


def said(plan: Reply) -> list[str]:
    return [s.text for s in plan.speech if isinstance(s, Say)]


# -- time to settle ---------------------------------------------------------------------


def settle_before_first_count(exercise: Exercise, speech: tuple[Segment, ...]) -> float:
    """The silence between the last instruction and the first count: for a hold, the
    pauses just before its "And hold." (and breath cue); for a movement, the pauses
    after the action and before the first rep's own words."""
    if exercise.hold_seconds is not None:
        first = next(i for i, s in enumerate(speech) if isinstance(s, Hold))
        i = first - 1
        while isinstance(speech[i], Say) and speech[i] in (
            Say(AND_HOLD),
            Say(exercise.breath or ""),
        ):
            i -= 1
        silence = 0.0
        while isinstance(speech[i], Pause):
            silence += speech[i].seconds  # type: ignore[union-attr]
            i -= 1
        return silence
    start = 1  # after the action
    while not isinstance(speech[start], Pause):
        start += 1
    silence = 0.0
    while isinstance(speech[start], Pause):
        silence += speech[start].seconds  # type: ignore[union-attr]
        start += 1
    return silence


@pytest.mark.parametrize("level", LEVELS, ids=lambda n: f"pace{n}")
@pytest.mark.parametrize("exercise", variants(), ids=variant_id)
def test_every_exercise_settles_three_seconds_before_its_first_count(
    exercise: tuple[str, str | None], level: int
) -> None:
    item = catalog_item(*exercise)
    plan = first_count(item, level)
    assert plan.speech[0] == Say(CATALOG[exercise[0]].action_for(exercise[1]))
    assert settle_before_first_count(CATALOG[exercise[0]], plan.speech) >= 3.0


@pytest.mark.parametrize("level", LEVELS, ids=lambda n: f"pace{n}")
def test_the_first_rep_gets_more_time_than_the_next(level: int) -> None:
    plan = first_count(catalog_item("b03-back-extensions"), level)
    speech = plan.speech
    holds = [i for i, s in enumerate(speech) if isinstance(s, Hold)]
    settles = [speech[i - 3] for i in holds]  # pause, "And hold.", breath, the hold
    assert all(isinstance(s, Pause) for s in settles)
    seconds = [s.seconds for s in settles if isinstance(s, Pause)]
    assert seconds[0] > seconds[1] > 0
    assert len(set(seconds[1:])) == 1


def test_a_new_side_gets_more_time_than_the_next_rep() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="a01-knee-to-chest", reps=3)])[0]
    speech = first_count(item).speech
    switch = speech.index(Say("Now switch to your left leg."))
    pauses_after = [s.seconds for s in speech[switch:] if isinstance(s, Pause)]
    next_rep = speech.index(Say("Rep 2 of 3."))
    pause_next = next(s for s in speech[next_rep:] if isinstance(s, Pause))
    assert pauses_after[0] > pause_next.seconds


def intro_settle(plan: Reply) -> float:
    """The pause just before "Say ready when you're in position."."""
    ready = plan.speech.index(Say("Say ready when you're in position."))
    before = plan.speech[ready - 1]
    assert isinstance(before, Pause), plan.speech[ready - 2 : ready]
    return before.seconds


@pytest.mark.parametrize("level", LEVELS, ids=lambda n: f"pace{n}")
def test_the_prompt_waits_longer_after_a_change_of_position(level: int) -> None:
    turns = run_through(default_routine(CATALOG), level)
    intros = [(s, p) for s, p in turns if s.phase is Phase.POSITIONING]
    changed = [p for _, p in intros if "Time to change position" in p.text]
    stayed = [p for _, p in intros[1:] if "Time to change position" not in p.text]
    assert changed and stayed
    assert min(intro_settle(p) for p in changed) > max(intro_settle(p) for p in stayed)
    assert min(intro_settle(p) for p in stayed) >= 2.0
    # Getting down on the floor for the first exercise is a change of position too.
    assert intro_settle(intros[0][1]) == max(intro_settle(p) for p in changed)


def test_a_slower_pace_settles_longer() -> None:
    item = catalog_item("b05-deep-abdominal-strengthening")
    slow, brisk = first_count(item, 4).speech, first_count(item, 0).speech
    exercise = CATALOG[item.exercise_id]
    assert settle_before_first_count(exercise, slow) > settle_before_first_count(exercise, brisk)


# -- the rep's number, the sides and the steps -------------------------------------------


def test_rep_numbers_are_apart_from_the_count() -> None:
    texts = said(first_count(catalog_item("b03-back-extensions")))
    numbers = [t for t in texts if t.startswith("Rep ")]
    assert numbers == [f"Rep {n} of 10." for n in range(1, 11)]
    text = " ".join(texts)
    assert not re.search(r"(?<!of )\b\d+\. (And )?[Hh]old\b", text)  # no bare "7. Hold."


def test_a_set_of_one_has_no_rep_number() -> None:
    texts = said(first_count(catalog_item("a10-lying-prone-in-extension")))
    assert not any(t.startswith("Rep ") for t in texts)


def test_switching_sides_names_each_side_once() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="a14-hip-extension", reps=3)])[0]
    text = first_count(item).text
    assert text.count("right leg") == 1 and text.count("left leg") == 1
    assert text.index("Start with your right leg.") < text.index("Now switch to your left leg.")
    assert text.count("Rep 1 of 3.") == 2


def test_alternating_sides_name_the_side_every_rep() -> None:
    texts = said(first_count(catalog_item("a08-hip-extension")))
    numbers = [t for t in texts if t.startswith("Rep ")]
    assert numbers == [
        "Rep 1 of 6, right leg.",
        "Rep 2 of 6, left leg.",
        "Rep 3 of 6, right leg.",
        "Rep 4 of 6, left leg.",
        "Rep 5 of 6, right leg.",
        "Rep 6 of 6, left leg.",
    ]


@pytest.mark.parametrize(
    "exercise_id",
    sorted(e.id for e in CATALOG.exercises.values() if e.phases),
)
def test_every_step_of_a_movement_is_cued_in_every_rep_with_time_after_it(
    exercise_id: str,
) -> None:
    exercise = CATALOG[exercise_id]
    item = catalog_item(exercise_id)
    speech = first_count(item).speech
    for phase in exercise.phases:
        places = [i for i, s in enumerate(speech) if s == Say(phase)]
        assert len(places) == item.reps
        assert all(isinstance(speech[i + 1], Pause) for i in places)
    first = [speech.index(Say(phase)) for phase in exercise.phases]
    assert first == sorted(first)


def test_cat_and_camel_cues_the_sag_and_the_round() -> None:
    text = first_count(catalog_item("a07-cat-and-camel")).text
    assert text.count("Let your trunk sag") == 5
    assert text.count("Round your back up at the waist") == 5


# -- tips, cautions and breathing -------------------------------------------------------


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("exercise", variants(), ids=variant_id)
def test_every_tip_and_caution_is_said_during_the_routine(
    exercise: tuple[str, str | None], gentle: bool
) -> None:
    found = CATALOG[exercise[0]]
    turns = run_through((catalog_item(*exercise),), gentle=gentle)
    counted = " ".join(p.text for s, p in turns if s.phase is not Phase.POSITIONING)
    for point in [*found.tips, *found.cautions]:
        assert point in counted, f"{found.id}: {point!r} never said while counting"


@pytest.mark.parametrize(
    "exercise_id", sorted(e.id for e in CATALOG.exercises.values() if e.tips or e.cautions)
)
def test_one_point_before_the_first_rep_and_the_others_later(exercise_id: str) -> None:
    exercise = CATALOG[exercise_id]
    texts = said(first_count(catalog_item(exercise_id)))
    points = [*exercise.tips, *exercise.cautions]
    first_rep = next(
        (i for i, t in enumerate(texts) if t.startswith(("Rep ", "Start with"))), len(texts)
    )
    before = [t for t in texts[1:first_rep] if t in points]
    assert len(before) <= 1
    later = [t for t in texts[first_rep:] if t in points]
    for text in later:
        index = texts.index(text, first_rep)
        assert texts[index + 1].startswith(("Rep ", "Now switch")), texts[index : index + 2]


def test_the_most_important_point_comes_first() -> None:
    # Bottom to heels: the caution about sitting on the heels before the mirror tip.
    texts = said(first_count(catalog_item("b02-bottom-to-heels-stretch")))
    heels = texts.index("Always avoid sitting on your heels if you are suffering with back pain.")
    assert heels < texts.index("Rep 1 of 10.")
    # Deep abdominal strengthening: the handout's 25% before the first rep (tips_first).
    texts = said(first_count(catalog_item("b05-deep-abdominal-strengthening")))
    strength = next(i for i, t in enumerate(texts) if "25% of your strength" in t)
    assert strength < texts.index("Rep 1 of 5.")


@pytest.mark.parametrize(
    ("exercise_id", "breath"),
    [
        ("a02-pelvic-tilt", "Do not hold your breath."),
        ("a04-pelvic-lift", "Do not hold your breath."),
        ("a05-lower-abdominal-exercises", "Do not hold your breath."),
        ("b03-back-extensions", "Take a deep breath and hold it."),
        ("b05-deep-abdominal-strengthening", "Hold your breath."),
    ],
)
def test_each_hold_gets_its_own_handouts_breath_cue(exercise_id: str, breath: str) -> None:
    speech = first_count(catalog_item(exercise_id)).speech
    holds = [i for i, s in enumerate(speech) if isinstance(s, Hold)]
    assert holds
    for i in holds:
        assert speech[i - 2 : i] == (Say(AND_HOLD), Say(breath))


def sections(handout: str) -> dict[int, str]:
    """Each exercise's part of a handout, by its number there."""
    if handout == "A":
        text = (HANDOUTS / "a-low-back-pain-home-exercises.txt").read_text(encoding="utf-8")
        parts = re.split(r"Exercise (\d+):", text)
        return {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}
    text = (HANDOUTS / "b-lower-back-pain-exercises.txt").read_text(encoding="utf-8")
    body = text[text.index("Perform these exercise") :]
    titles = ["Knee rolls", "Bottom to heels stretch", "Back extensions", "Pelvic tilts"]
    titles.append("Deep abdominal strengthening")
    starts = []
    at = 0
    for title in titles:
        at = body.index(f"\n{title}\n", at)
        starts.append(at)
        at += 1
    starts.append(len(body))
    return {n + 1: body[starts[n] : starts[n + 1]] for n in range(len(titles))}


# Words too common to tell one exercise from another.
COMMON = {"your", "with", "that", "this", "then", "from", "into", "keep", "make", "sure", "will"}


def stems(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9%]+", text.lower())
    return [w[:5] for w in words if (len(w) >= 4 or w.isdigit()) and w not in COMMON]


def from_the_handout(text: str, section: str) -> bool:
    """Most of a sentence's words (by their first five letters) are in the section: the
    handout's words, with its garbles fixed (content/README.md, 'Wording changes')."""
    words = stems(text)
    have = set(stems(section))
    return sum(word in have for word in words) >= 0.6 * len(words)


@pytest.mark.parametrize("exercise_id", sorted(CATALOG.exercises))
def test_tips_cautions_breath_and_steps_come_from_the_exercises_own_handout(
    exercise_id: str,
) -> None:
    exercise = CATALOG[exercise_id]
    section = sections(exercise.source.handout)[exercise.source.number]
    for text in [*exercise.tips, *exercise.cautions, *exercise.phases]:
        assert from_the_handout(text, section), f"{exercise_id}: {text!r}"
    if exercise.breath:
        assert from_the_handout(exercise.breath, section), exercise.breath


def test_the_handout_check_refuses_another_exercises_words() -> None:
    b = sections("B")
    assert not from_the_handout("Use a mirror to make sure your position is correct.", b[3])
    assert not from_the_handout("Keep your thighs and your opposite arm relaxed.", b[5])
    a = sections("A")
    assert not from_the_handout("Keep your hips touching the ground.", a[2])
    assert sorted(a) == list(range(1, 23)) and sorted(b) == [1, 2, 3, 4, 5]


# -- handout A's blanks -----------------------------------------------------------------

DEFAULT_HOLD = "Your handout leaves the hold time to your physician"
DEFAULT_REPS = "Your handout leaves the number of repetitions to your physician"
DEFAULT_BOTH = "Your handout leaves the hold time and the repetitions to your physician"


def intro_text(item: RoutineItem) -> str:
    _, plan = COACH.step(COACH.new_session((item,)), ev.Start())
    return plan.text


def test_a_blank_hold_and_reps_are_said_to_be_ours() -> None:
    text = intro_text(catalog_item("a11-press-up"))
    assert f"{DEFAULT_BOTH}, so I'll count 5 seconds, 5 times." in text


def test_a_blank_the_plan_fills_is_not_mentioned() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="a11-press-up", hold_seconds=8)])[0]
    text = intro_text(item)
    assert DEFAULT_HOLD not in text and DEFAULT_BOTH not in text
    assert f"{DEFAULT_REPS}, so we'll do 5." in text
    item = plan_routine(CATALOG, [ProgramItem(id="a11-press-up", hold_seconds=5, reps=5)])[0]
    assert "Your handout leaves" not in intro_text(item)


def test_a_hold_the_handout_gives_is_not_a_blank() -> None:
    text = intro_text(catalog_item("a02-pelvic-tilt"))  # A2 gives 5 s, not the reps
    assert DEFAULT_HOLD not in text and DEFAULT_BOTH not in text
    assert DEFAULT_REPS in text


@pytest.mark.parametrize("exercise_id", [e for e in CATALOG.exercises if e.startswith("b")])
def test_handout_b_figures_are_never_called_blanks(exercise_id: str) -> None:
    turns = run_through((catalog_item(exercise_id),))
    assert all("Your handout leaves" not in p.text for _, p in turns)


def test_the_blank_is_said_once_per_exercise() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="a12-back-extension", sets=3)])[0]
    turns = run_through((item,))
    assert sum(p.text.count("Your handout leaves") for _, p in turns) == 1


def test_a_stored_routine_keeps_what_the_plan_gave() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="a11-press-up", hold_seconds=8)])[0]
    assert item.hold_given and not item.reps_given
    again = RoutineItem.from_list(item.to_list())
    assert again == item
    state = COACH.new_session((item,))
    assert SessionState.from_dict(state.to_dict()).routine == (item,)


# -- splitting a set --------------------------------------------------------------------


@pytest.mark.parametrize("seconds", range(1, 121))
def test_the_hold_bound_is_above_every_rendered_hold(seconds: int) -> None:
    # What a hold adds to a turn: its count, and (at a pace's rate) the <prosody> it
    # closes and opens again, since a count is said at the normal rate.
    bound = script.segment_chars(Hold(seconds))
    for rate in sorted({100, *(p.rate_percent for p in PACES)}):
        around = (Say("Hold."), Say("Relax."))
        with_hold = render_segments((around[0], Hold(seconds), around[1]), rate)
        assert len(with_hold) - len(render_segments(around, rate)) <= bound


@pytest.mark.parametrize("seconds", [0.5, 1.0, 2.7, 9.99, 10.0, 10.01, 27.5, 210.0])
def test_the_pause_bound_is_above_every_rendered_pause(seconds: float) -> None:
    assert len(breaks(seconds)) + 1 <= script.segment_chars(Pause(seconds))


@pytest.mark.parametrize("text", ["Hold.", "a & b < c > d", "Don't tense up."])
def test_the_text_bound_is_above_the_escaped_text(text: str) -> None:
    assert len(speakable(text)) + 1 <= script.segment_chars(Say(text))


@pytest.mark.parametrize("gentle", [False, True], ids=["full", "gentle"])
@pytest.mark.parametrize("level", LEVELS, ids=lambda n: f"pace{n}")
@pytest.mark.parametrize("program", sorted(CATALOG.programs))
def test_every_set_of_the_handout_programs_is_counted_in_one_turn(
    program: str, level: int, gentle: bool
) -> None:
    routine = plan_routine(CATALOG, CATALOG.programs[program].exercises)
    turns = run_through(routine, level, gentle)
    assert all("Say next to keep going" not in p.text for _, p in turns)
    counted = [p for s, p in turns if s.phase is Phase.COUNTING]
    assert len(counted) == sum(item.sets for item in routine)


def test_back_extensions_are_counted_in_one_turn() -> None:
    plan = first_count(catalog_item("b03-back-extensions"), level=len(PACES) - 1)
    assert "Rep 10 of 10." in plan.text
    assert "That's back extensions done" in plan.text
    assert len(render(plan)[0]) <= MAX_SPEECH_CHARS


@pytest.mark.parametrize("level", [0, len(PACES) - 1], ids=["brisk", "very-slow"])
@pytest.mark.parametrize("exercise_id", ["a19-upper-back-stretch", "b03-back-extensions"])
def test_a_set_too_long_for_one_turn_is_split_between_reps_when_nearly_full(
    exercise_id: str, level: int
) -> None:
    item = plan_routine(
        CATALOG, [ProgramItem(id=exercise_id, hold_seconds=120, reps=30, rest_seconds=120)]
    )[0]
    turns = run_through((item,), level)
    counted = [p for s, p in turns if s.phase is Phase.COUNTING]
    assert len(counted) > 1
    reps_said = 0
    for plan in counted:
        ssml = render(plan)[0]
        assert len(ssml) <= MAX_SPEECH_CHARS
        reps_said += sum(t.startswith("Rep ") for t in said(plan))
        if "Say next to keep going" in plan.text:
            # Split after a rep's release, and only once the turn is well filled.
            assert said(plan)[-2] == CATALOG[exercise_id].release_for(None)
            assert len(ssml) > MAX_SPEECH_CHARS / 2
    assert reps_said == 30


def test_a_split_turn_goes_on_with_the_next_rep() -> None:
    item = plan_routine(CATALOG, [ProgramItem(id="b03-back-extensions", hold_seconds=120)])[0]
    item = RoutineItem(item.exercise_id, None, 120, 30, 1, 15, hold_given=True, reps_given=True)
    state = COACH.new_session((item,))
    state, _ = COACH.step(state, ev.Start())
    state, first = COACH.step(state, ev.Ready())
    last = [t for t in said(first) if t.startswith("Rep ")][-1]
    number = int(last.split()[1])
    state, second = COACH.step(state, ev.Next())
    texts = said(second)
    assert texts[0] == "Let's keep going."
    assert next(t for t in texts if t.startswith("Rep ")) == f"Rep {number + 1} of 30."
    assert state.pace == NORMAL_PACE


def test_with_one_rep_the_later_tips_come_at_the_next_set_or_all_before_it() -> None:
    hips, neck = (
        "Keep your hips touching the ground.",
        "Keep your neck straight and avoid bending backward.",
    )
    two_sets = plan_routine(CATALOG, [ProgramItem(id="b03-back-extensions", reps=1, sets=2)])
    counted = [p for s, p in run_through(two_sets) if s.phase is Phase.COUNTING]
    assert hips in said(counted[0]) and neck not in said(counted[0])
    assert neck in said(counted[1]) and hips not in said(counted[1])
    one_set = plan_routine(CATALOG, [ProgramItem(id="b03-back-extensions", reps=1)])
    texts = said(first_count(one_set[0]))
    assert texts.index(hips) < texts.index(neck) < texts.index(AND_HOLD)


def test_a_turns_counting_is_planned_once_and_each_caller_gets_its_own_list() -> None:
    """count_reps is planned once per distinct turn (the same for everyone doing that
    exercise at that pace and step); a caller appending to its list (the session adds
    the end of the set) changes nothing for the next caller."""
    catalog = load_catalog()
    exercise = catalog["a04-pelvic-lift"]
    item = default_routine(catalog)[0]
    item = RoutineItem(exercise.id, None, item.hold_seconds, 3, 2, item.rest_seconds)
    pace = PACES[NORMAL_PACE]
    args = {"set_index": 0, "start": 0, "with_action": True}
    first, end = script.count_reps(exercise, item, pace, **args)
    hits = script._count_reps.cache_info().hits
    first.append(Say("appended by the caller"))
    again, again_end = script.count_reps(exercise, item, pace, **args)
    assert script._count_reps.cache_info().hits == hits + 1
    assert (again_end, again[-1]) == (end, first[-2]) and len(again) == len(first) - 1
    slower, _ = script.count_reps(exercise, item, PACES[NORMAL_PACE + 2], **args)
    assert slower != again  # the pace is part of the key: longer pauses
    other = catalog["a07-cat-and-camel"]
    assert script.count_reps(other, item, pace, **args)[0] != again


def test_the_same_segments_render_once_to_the_same_ssml() -> None:
    segments = (Say("Lift your hips."), Pause(1.5), Hold(5), Say("And down."))
    hits = render_segments.cache_info().hits
    first = render_segments(segments, 92)
    assert render_segments(segments, 92) == first
    assert render_segments.cache_info().hits == hits + 1
    assert render_segments(segments, 100) != first  # the rate is part of the key
