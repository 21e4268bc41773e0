"""The ASK SDK persistence adapter over a Store (PyPI has none for Redis).

Persistent attributes, as the handlers see them:

- read: ``{"state": ..., "last_pain": ..., "last_session": ...}`` from one load;
- written: ``"state"`` (the whole progress, or None to clear it), plus the optional
  ``"append_pain"`` and ``"append_history"`` lists of new records to append.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from .base import Store

APPEND_KEYS = ("append_pain", "append_history")


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
        }

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        self.store.save(
            _user_id(request_envelope),
            attributes.get("state"),
            attributes.get("append_pain") or (),
            attributes.get("append_history") or (),
        )
        # Appended now, so a second save in the same request cannot log them twice.
        for key in APPEND_KEYS:
            attributes.pop(key, None)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        self.store.delete_user(_user_id(request_envelope))


def _user_id(request_envelope: RequestEnvelope) -> str:
    context = request_envelope.context
    system = context.system if context is not None else None
    user = system.user if system is not None else None
    user_id = user.user_id if user is not None else None
    if not user_id:
        raise PersistenceException("the request carries no user id to store attributes under")
    return str(user_id)
