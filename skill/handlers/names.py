"""Finding the exercise a person named: entity resolution first, then the spoken words.

Alexa resolves the EXERCISE slot against the catalog's names and synonyms.  Where
it could not, the spoken value is matched exactly (normalised) and then fuzzily.
A name that fits several exercises is ambiguous and the skill asks back; if only
one of them is in the person's routine, that one is meant.
"""

from __future__ import annotations

from dataclasses import dataclass

from ask_sdk_model import Slot
from ask_sdk_model.slu.entityresolution import StatusCode
from rapidfuzz import fuzz, process

from ..coach.catalog import Catalog, normalise_name

AMBIGUOUS_PREFIX = "any:"
FUZZY_CUTOFF = 80.0
FUZZY_TIE = 3.0


# A name nothing matched, this close to a name as it stands (plain edit distance,
# not WRatio's best part, which finds "stretch" in every stretch), is offered as
# "did you mean", never started.
SUGGEST_CUTOFF = 70.0


@dataclass(frozen=True)
class Found:
    """The exercise ids the name could mean: one is a match, several ambiguous, none
    unknown.  ``certain`` when Alexa resolved the name or it is a catalog name as it
    stands; a fuzzy match is only a guess, to be asked back."""

    ids: tuple[str, ...]
    spoken: str
    certain: bool = True


class ExerciseNames:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._names = catalog.all_names()
        self._choices = list(self._names)

    def resolve(self, slot: Slot | None, routine_ids: tuple[str, ...] = ()) -> Found:
        spoken = (slot.value or "").strip() if slot is not None else ""
        resolved = self._from_resolution(slot)
        if resolved:
            return Found(self._narrow(resolved, routine_ids), spoken)
        exact = self._exact(spoken)
        if exact:
            return Found(self._narrow(exact, routine_ids), spoken)
        return Found(self._narrow(self._fuzzy(spoken), routine_ids), spoken, certain=False)

    def closest(self, spoken: str) -> str | None:
        """The exercise whose name is nearest a name nothing matched, if any is near."""
        query = _query(spoken)
        if not query:
            return None
        match = process.extractOne(
            query, self._choices, scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF
        )
        return self._names[match[0]][0] if match else None

    def _from_resolution(self, slot: Slot | None) -> tuple[str, ...]:
        resolutions = slot.resolutions if slot is not None else None
        ids: list[str] = []
        for authority in (resolutions.resolutions_per_authority or []) if resolutions else []:
            if authority.status is None or authority.status.code != StatusCode.ER_SUCCESS_MATCH:
                continue
            for wrapper in authority.values or []:
                value = wrapper.value
                if value is None or value.id is None:
                    continue
                if value.id.startswith(AMBIGUOUS_PREFIX):
                    ids.extend(e.id for e in self.catalog.find(value.name or ""))
                elif value.id in self.catalog:
                    ids.append(value.id)
        return tuple(dict.fromkeys(ids))

    def _exact(self, spoken: str) -> tuple[str, ...]:
        found = self.catalog.find(spoken) if spoken else ()
        return tuple(e.id for e in found)

    def _fuzzy(self, spoken: str) -> tuple[str, ...]:
        query = _query(spoken)
        if not query:
            return ()
        matches = process.extract(
            query, self._choices, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF, limit=5
        )
        if not matches:
            return ()
        best = matches[0][1]
        ids: list[str] = []
        for name, score, _ in matches:
            if best - score <= FUZZY_TIE:
                ids.extend(self._names[name])
        return tuple(dict.fromkeys(ids))

    @staticmethod
    def _narrow(ids: tuple[str, ...], routine_ids: tuple[str, ...]) -> tuple[str, ...]:
        if len(ids) > 1:
            in_routine = tuple(i for i in ids if i in routine_ids)
            if len(in_routine) == 1:
                return in_routine
        return ids

    def choose(self, choice_id: str | None, spoken: str, candidates: tuple[str, ...]) -> str | None:
        """Which candidate the answer to "X or Y?" picked, if any."""
        exercises = [self.catalog[c] for c in candidates if c in self.catalog]
        if choice_id:
            kind, _, value = choice_id.partition(":")
            if kind == "q" and value in candidates:
                return value
            if kind == "p":
                picked = [e.id for e in exercises if e.position == value]
                return picked[0] if len(picked) == 1 else None
            if kind == "n" and value.isdigit() and 1 <= int(value) <= len(exercises):
                return exercises[int(value) - 1].id
        if not spoken:
            return None
        options = {normalise_name(e.qualifier or e.full_name): e.id for e in exercises}
        options.update({normalise_name(e.full_name): e.id for e in exercises})
        match = process.extractOne(
            normalise_name(spoken), list(options), scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF
        )
        return options[match[0]] if match else None


def _query(spoken: str) -> str:
    query = normalise_name(spoken)
    for article in ("the ", "a ", "some ", "my "):
        query = query.removeprefix(article)
    return query
