"""One contract, two stores: the same cases on the embedded store and on a RedisStore
over the session's real redis-server (the ``any_store`` fixture in conftest.py).

``make run`` and ``make chat`` without ``REDIS_URL`` run on the embedded store, so it
must keep every promise the webhook relies on: exactly-once events, compare-and-set
progress, the red-flag lock, today's pain count, deletion and its marker, the time
zone, and plans (a code links without Redis too). What only Redis has (key names,
expiry in Redis, round trips, outages, cluster) stays in ``test_store.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from skill.store import MemoryStore, RecordTooLargeError, Store, TimeZoneUpdate, UserRecord
from skill.store.codec import MAX_RECORD_BYTES

USER = "amzn1.ask.account.CONTRACT"
OTHER = "amzn1.ask.account.SOMEONEELSE"
STATE = {"ph": "ready", "i": 0}
PRESCRIPTION = {
    "patient": "J. Smith",
    "exercises": [{"id": "b03-back-extensions", "hold_seconds": 3, "reps": 2}],
}


def pain(n: int = 1, kind: str = "pain") -> dict[str, Any]:
    return {
        "at": f"2026-11-02T10:0{n}:00+00:00",
        "kind": kind,
        "words": "it hurts",
        "id": f"r{n}:0",
    }


def record(n: int = 1) -> dict[str, Any]:
    return {"at": "2026-11-02T10:20:00+00:00", "outcome": "finished", "id": f"h{n}:0"}


# --- progress, events, history -----------------------------------------------------------


def test_save_then_load_gives_back_the_state_and_the_newest_records(any_store: Store) -> None:
    any_store.save(USER, STATE, [pain(1), pain(2)], [record()])
    loaded = any_store.load(USER)
    assert loaded == UserRecord(state=STATE, last_pain=pain(2), last_session=record())
    assert loaded.recent == (record(),)
    assert any_store.pain_log(USER) == [pain(1), pain(2)]
    assert any_store.history(USER) == [record()]
    assert any_store.load(OTHER) == UserRecord(None, None, None)


def test_later_saves_replace_the_progress_and_append_to_the_lists(any_store: Store) -> None:
    any_store.save(USER, STATE, [pain(1)], [record(1)])
    moved_on = {**STATE, "i": 1}
    any_store.save(USER, moved_on, [pain(2)])
    any_store.save(USER, moved_on, history=[record(2)])
    any_store.save(USER, None)  # no progress: deleted, the lists stay
    loaded = any_store.load(USER)
    assert loaded.state is None and loaded.last_pain == pain(2)
    assert any_store.history(USER) == [record(1), record(2)]


def test_an_event_is_stored_once_by_its_id(any_store: Store) -> None:
    first = any_store.save(USER, STATE, [pain(1)], [record(1)], today="2026-11-02")
    again = any_store.save(USER, STATE, [pain(1), pain(2)], [record(1)], today="2026-11-02")
    assert first.new_pains == (True,) and again.new_pains == (False, True)
    assert any_store.pain_log(USER) == [pain(1), pain(2)]
    assert any_store.history(USER) == [record(1)]
    assert again.pains_today == 2
    assert any_store.load(USER).pain_days == {"2026-11-02": 2}


# What the webhook hands over: the text it made for the session attributes.
SAID = {**STATE, "q": ["did_you_mean", ["b01"], 0, 'caf\u00e9 "t":"x"'], "t": "T1"}


def compact(state: dict[str, Any]) -> str:
    return json.dumps(state, separators=(",", ":"))


def test_the_progress_as_text_or_as_a_dict_is_the_same_progress(any_store: Store) -> None:
    as_text = any_store.save(USER, compact(SAID), version=0)
    as_dict = any_store.save(OTHER, SAID, version=0)

    assert (as_text.status, as_dict.status) == ("saved", "saved")
    assert any_store.load(USER).state == SAID == any_store.load(OTHER).state


def test_the_same_progress_as_text_after_a_dict_is_not_a_new_version(any_store: Store) -> None:
    """The fingerprint (what the progress says, not when) is the same for both forms:
    a second device's launch is not news whichever form either save had."""
    first = any_store.save(USER, SAID, version=0)
    again = any_store.save(USER, compact({**SAID, "t": "T2"}), version=0)
    moved = any_store.save(USER, compact({**SAID, "i": 1}), version=0)
    last = any_store.save(USER, {**SAID, "i": 1, "t": "T3"}, version=moved.version)

    assert (again.status, again.version) == ("saved", first.version)
    assert (moved.status, moved.current) == ("conflict", {**SAID, "t": "T2"})
    assert last.status == "saved" and last.version > first.version
    assert any_store.load(USER).state == {**SAID, "i": 1, "t": "T3"}


def test_soreness_is_logged_but_is_not_counted_as_pain_today(any_store: Store) -> None:
    saved = any_store.save(USER, STATE, [pain(1, "soreness")], today="2026-11-02")
    assert saved.pains_today == 0 and len(any_store.pain_log(USER)) == 1


def test_an_oversized_record_is_refused_and_nothing_is_written(any_store: Store) -> None:
    huge = {**pain(1), "words": "ow " * MAX_RECORD_BYTES}
    with pytest.raises(RecordTooLargeError):
        any_store.save(USER, STATE, [huge])
    assert any_store.load(USER) == UserRecord(None, None, None)


def test_versions_compare_and_set_and_a_red_flag_stop_locks_its_day(any_store: Store) -> None:
    """The same saves, in order, as two devices and a safety stop make them."""
    at, day = "2026-11-02T10:02:00+00:00", "2026-11-02"
    seen: list[tuple[str, int, int, dict[str, Any] | None]] = []
    versions: list[int] = []
    for n, (options, pains) in enumerate(
        [
            ({"version": 0, "started": "2026-11-02T09:00:00+00:00"}, [pain(1)]),
            ({"version": 1}, [pain(1), pain(2, "soreness")]),  # a retry, and something new
            ({"version": 0}, []),  # a stale device
            ({"version": 0, "force": True, "lock": True}, []),  # a stale red-flag stop wins
            ({"version": 3}, []),  # and is locked
            ({"version": 3, "force": True}, []),  # the same progress again: no new version
        ]
    ):
        state = {"ph": "ready", "i": [0, 1, 2, 3, 4, 3][n], "t": f"2026-11-02T10:0{n}:00+00:00"}
        if options.get("version"):
            options["version"] = versions[options["version"] - 1]  # the n-th write's
        result = any_store.save(USER, state, pains, (), None, at=at, today=day, **options)
        if result.status == "saved" and result.version not in versions:
            versions.append(result.version)
        seen.append((result.status, len(versions), result.pains_today, result.current))
    assert versions == sorted(versions)  # versions only grow
    assert seen == [
        ("saved", 1, 1, None),
        ("saved", 2, 1, None),
        ("conflict", 2, 1, {"ph": "ready", "i": 1, "t": "2026-11-02T10:01:00+00:00"}),
        ("saved", 3, 1, None),
        ("conflict", 3, 1, {"ph": "ready", "i": 3, "t": "2026-11-02T10:03:00+00:00"}),
        ("saved", 3, 1, None),  # the same progress as stored
    ]


# --- deletion ------------------------------------------------------------------------------


def test_delete_forgets_the_person_only_and_blocks_older_sessions(any_store: Store) -> None:
    for user in (USER, OTHER):
        any_store.save(user, STATE, [pain(1)], [record()], TimeZoneUpdate("Asia/Tokyo"))
    any_store.delete_user(USER, "2026-11-02T11:00:00+00:00")
    assert any_store.load(USER) == UserRecord(None, None, None)
    assert any_store.load(USER).time_zone is None
    assert any_store.pain_log(USER) == [] and any_store.history(USER) == []
    assert any_store.load(OTHER).state == STATE
    stale = any_store.save(USER, STATE, [pain(1)], started="2026-11-02T09:00:00+00:00")
    fresh = any_store.save(USER, STATE, [pain(1)], started="2026-11-02T11:30:00+00:00")
    assert (stale.status, fresh.status) == ("deleted", "saved")
    assert any_store.pain_log(USER) == [pain(1)]  # once: the stale save wrote nothing


def test_a_time_zone_is_kept_until_replaced_and_unknown_is_empty(any_store: Store) -> None:
    assert any_store.load(USER).time_zone is None
    any_store.save(USER, STATE, time_zone=TimeZoneUpdate("Asia/Tokyo"))
    any_store.save(USER, STATE)  # a save without one keeps it
    assert any_store.load(USER).time_zone == "Asia/Tokyo"
    any_store.save(USER, STATE, time_zone=TimeZoneUpdate("", ttl=86_400))
    assert any_store.load(USER).time_zone == ""


def test_both_stores_answer_health_checks(any_store: Store) -> None:
    assert any_store.ping() and any_store.readiness() is None
    assert isinstance(any_store, Store)


# --- plans, codes and links ----------------------------------------------------------------


def test_a_code_links_a_person_to_the_plan_and_the_next_load_has_it(any_store: Store) -> None:
    plans = any_store.plan_store()
    plan_id, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    assert len(code) == 6 and code.isdigit()
    assert plans.plan_for_code(code) == plans.plan(plan_id)
    assert plans.plan(plan_id) == {"id": plan_id, "created_at": "2026-11-23T09:00:00+00:00",
                                   "links_allowed": 1, **PRESCRIPTION}  # fmt: skip
    assert [c for c, _ in plans.codes(plan_id)] == [code]
    assert 6 * 86_400 < plans.codes(plan_id)[0][1] <= plans.code_ttl

    linked = plans.link(USER, code, "2026-11-23T10:00:00+00:00")

    assert linked.status == "linked" and linked.plan == plans.plan(plan_id)
    assert any_store.load(USER).link == {
        "plan": plan_id,
        "at": "2026-11-23T10:00:00+00:00",
        "exercises": PRESCRIPTION["exercises"],
    }
    assert len(plans.linked_users(plan_id)) == 1 and any_store.load(OTHER).link is None
    assert [plan["id"] for plan in plans.plans()] == [plan_id]


def test_relinking_moves_the_person_and_deleting_takes_them_off(any_store: Store) -> None:
    plans = any_store.plan_store()
    first, first_code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    second, second_code = plans.create(PRESCRIPTION, "2026-11-24T09:00:00+00:00")
    plans.link(USER, first_code, "2026-11-23T10:00:00+00:00")
    plans.link(USER, second_code, "2026-11-24T10:00:00+00:00")
    assert plans.linked_users(first) == [] and len(plans.linked_users(second)) == 1
    assert [plan["id"] for plan in plans.plans()] == [first, second]
    any_store.save(USER, STATE, [pain(1)], [record()])
    (hashed,) = plans.linked_users(second)
    records = plans.user_records(hashed)
    assert (records.history, records.pains, records.time_zone) == ([record()], [pain(1)], None)
    assert records.linked_at == "2026-11-24T10:00:00+00:00"

    any_store.delete_user(USER)

    assert plans.linked_users(second) == [] and any_store.load(USER).link is None


def test_wrong_codes_count_as_tries_and_a_sixth_is_refused(any_store: Store) -> None:
    plans = any_store.plan_store()
    _plan_id, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    wrong = "000000" if code != "000000" else "111111"
    assert plans.plan_for_code(wrong) is None
    results = [plans.link(USER, wrong, "2026-11-23T10:00:00+00:00").status for _ in range(5)]
    assert results == ["unknown"] * 5
    assert plans.link(USER, code, "2026-11-23T10:00:00+00:00").status == "limited"
    assert any_store.load(USER).link is None
    assert plans.link(OTHER, code, "2026-11-23T10:00:00+00:00").status == "linked"  # per person


AT = "2026-11-23T10:00:00+00:00"


def test_a_code_links_one_person_unless_the_plan_allows_more(any_store: Store) -> None:
    # Issue 16: a code linked any number of accounts for seven days.
    plans = any_store.plan_store()
    _single, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    assert plans.link(USER, code, AT).status == "linked"
    assert plans.link(USER, code, AT).status == "linked"  # again, the same person: no use spent
    assert plans.link(OTHER, code, AT).status == "unknown"  # used up, said like a wrong code
    assert any_store.load(OTHER).link is None
    family, shared = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00", links=2)
    third = "amzn1.ask.account.THIRD"
    statuses = [plans.link(who, shared, AT).status for who in (OTHER, third, "amzn1.x.FOURTH")]
    assert statuses == ["linked", "linked", "unknown"]
    assert len(plans.linked_users(family)) == 2


def test_a_success_gives_no_tries_back(any_store: Store) -> None:
    # Issue 16: a success deleted the tries counter, so one valid code let an account
    # check 80 wrong codes in 100 tries.
    plans = any_store.plan_store()
    codes = [plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00", links=9)[1] for _ in range(3)]
    wrong = next(c for c in ("000000", "111111", "222222") if c not in codes)
    statuses = [plans.link(USER, code, AT).status for code in codes]  # 3 tries, all good
    statuses += [plans.link(USER, wrong, AT).status for _ in range(3)]
    assert statuses == ["linked"] * 3 + ["unknown", "unknown", "limited"]


def test_wrong_codes_across_all_accounts_pause_linking_for_the_hour(any_store: Store) -> None:
    plans = any_store.plan_store()
    plans.failed_checks = 3  # type: ignore[attr-defined]
    _plan_id, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    wrong = "000000" if code != "000000" else "111111"
    guessers = [f"amzn1.ask.account.GUESSER{n}" for n in range(3)]
    assert [plans.link(who, wrong, AT).status for who in guessers] == ["unknown"] * 3
    assert plans.link(USER, code, AT).status == "limited"  # every account, the right code too
    next_hour = "2026-11-23T11:00:00+00:00"
    assert plans.link(OTHER, code, next_hour).status == "linked"


def test_a_revoked_code_links_no_one_and_an_unlinked_device_leaves_the_plan(
    any_store: Store,
) -> None:
    plans = any_store.plan_store()
    plan_id, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00", links=5)
    assert plans.link(USER, code, AT).status == "linked"
    assert plans.revoke(code) and not plans.revoke(code)
    assert plans.link(OTHER, code, AT).status == "unknown"
    assert plans.plan_for_code(code) is None and plans.plan(plan_id) is not None
    (hashed,) = plans.linked_users(plan_id)
    assert plans.unlink(plan_id, hashed) and not plans.unlink(plan_id, hashed)
    assert plans.linked_users(plan_id) == [] and any_store.load(USER).link is None


def test_the_embedded_codes_expire_on_its_clock() -> None:
    now = [1000.0]
    store = MemoryStore(clock=lambda: now[0])
    plans = store.plan_store()
    plan_id, code = plans.create(PRESCRIPTION, "2026-11-23T09:00:00+00:00")
    now[0] += plans.code_ttl
    assert plans.plan_for_code(code) is None and plans.codes(plan_id) == []
    assert plans.link(USER, code, "2026-11-30T10:00:00+00:00").status == "unknown"
    assert plans.plan(plan_id) is not None  # the plan itself stays
