"""The ASK SDK persistence adapter over a Store (PyPI has none for Redis).

Persistent attributes, as the handlers see them:

- read: ``{"state": ..., "last_pain": ..., "last_session": ..., "recent": ...,
  "link": ..., "time_zone": ...}`` from one load;
- written: ``"state"`` (the whole progress, as a dict or as the compact JSON text the
  webhook made of it, or None to clear it), plus the optional ``"append_pain"`` and
  ``"append_history"`` lists of new records to append and the optional
  ``"set_time_zone"`` (a ``TimeZoneUpdate``: a newly looked-up time zone), all in the
  one round trip of the save; and how to save: ``"save_options"`` (the
  keyword arguments of ``Store.save``: version, session start, date, force, lock,
  final, amend).  The save's ``SaveResult`` is put back as ``"saved"`` (the ASK SDK's
  save returns nothing); a deletion uses the request's timestamp as its time.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from .base import Store, TimeZoneUpdate

# Written once: dropped after a save, so a second save in the same request skips them.
ONCE_KEYS = ("append_pain", "append_history", "set_time_zone", "save_options")


class StorePersistenceAdapter(AbstractPersistenceAdapter):
    def __init__(self, store: Store) -> None:
        self.store = store

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        record = self.store.load(_user_id(request_envelope))
        return {
            "state": record.state,
            "last_pain": record.last_pain,
            "last_session": record.last_session,
            "recent": list(record.recent),
            "link": record.link,
            "time_zone": record.time_zone,
            "version": record.version,
            "pain_days": record.pain_days,
        }

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        time_zone = attributes.get("set_time_zone")
        options = attributes.get("save_options") or {}
        attributes["saved"] = self.store.save(
            _user_id(request_envelope),
            attributes.get("state"),
            attributes.get("append_pain") or (),
            attributes.get("append_history") or (),
            time_zone if isinstance(time_zone, TimeZoneUpdate) else None,
            **options,
        )
        # Written now, so a second save in the same request cannot log them twice.
        for key in ONCE_KEYS:
            attributes.pop(key, None)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        request = request_envelope.request
        stamp = request.timestamp if request is not None else None
        at = stamp.astimezone(UTC).isoformat(timespec="seconds") if stamp else None
        self.store.delete_user(_user_id(request_envelope), at)


def _user_id(request_envelope: RequestEnvelope) -> str:
    context = request_envelope.context
    system = context.system if context is not None else None
    user = system.user if system is not None else None
    user_id = user.user_id if user is not None else None
    if not user_id:
        raise PersistenceException("the request carries no user id to store attributes under")
    return str(user_id)
