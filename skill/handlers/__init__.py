"""The Alexa side: ASK SDK handlers that translate requests to coach events and back."""

from __future__ import annotations

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from ..coach.catalog import Catalog
from ..coach.session import Coach
from ..store import Store
from ..store.adapter import StorePersistenceAdapter
from ..store.base import DEFAULT_RESUME_DAYS
from ..timezone import TimeZones, fetch_time_zone
from .intents import HANDLERS, ErrorHandler, handled_intents
from .names import ExerciseNames
from .system import SYSTEM_HANDLERS, OtherRequestHandler
from .turn import Services

__all__ = ["Services", "build_skill", "handled_intents"]


def build_skill(
    catalog: Catalog,
    store: Store,
    time_zones: TimeZones | None = None,
    resume_days: int = DEFAULT_RESUME_DAYS,
) -> CustomSkill:
    """The skill; ``time_zones`` asks devices their time zone (the Alexa Settings API
    over urllib unless given); ``resume_days``: how long a saved place is offered."""
    services = Services(
        coach=Coach(catalog),
        store=store,
        names=ExerciseNames(catalog),
        plans=store.plan_store(),  # every store keeps plans: codes link without Redis too
        time_zones=time_zones or TimeZones(fetch_time_zone),
        resume_days=resume_days,
    )
    builder = CustomSkillBuilder(persistence_adapter=StorePersistenceAdapter(store))
    for system in SYSTEM_HANDLERS:
        builder.add_request_handler(system(services))
    for handler in HANDLERS:
        builder.add_request_handler(handler(services))
    builder.add_request_handler(OtherRequestHandler(services))  # last: anything else
    builder.add_exception_handler(ErrorHandler(catalog.words()))
    return builder.create()
