"""A faster ``DefaultSerializer.deserialize`` for the request envelopes Alexa sends.

Why this exists: profiling the webhook showed the ASK SDK's
``DefaultSerializer().deserialize(body, RequestEnvelope)`` costing about 270-370 µs of
CPU per request, the largest single cost of a request.  Most of it is work that does not
depend on the request: every type string of every field is resolved again with
``__import__`` on every call, every class's attribute map is rebuilt (``six.iteritems``)
on every call, and the ``timestamp`` is parsed by dateutil's general-purpose parser.

:class:`EnvelopeSerializer` runs the SDK's algorithm unchanged (``deserialized_types``,
``attribute_map``, the discriminator's ``get_real_child_model``, enums, ``list[...]``,
``dict(str, ...)``, primitives, ``object``, unknown keys set as raw attributes, every
error wrapped in ``SerializationException`` at the model it happened in) with that
per-class work done once and cached: a reader per type string, the field list per class,
the class per discriminator value.  Timestamps in Alexa's format
(``2026-11-30T13:45:32Z``, ``2026-11-30T13:45:32.123Z``) are parsed by
``datetime.fromisoformat``.  Anything the fast path does not cover (a field holding the
wrong kind of JSON value, a primitive that needs converting, any other date format) is
handed to the SDK's own private step for it, so the result is the same for every input.

``serialize`` is the SDK's too, with each model class's (attribute, key) pairs worked
out once and plain values returned at once: about 9 µs for the skill's responses
instead of 31, the same JSON key for key.

The one difference: such a timestamp's ``tzinfo`` is ``datetime.UTC`` where dateutil
gives ``tzlocal()`` (if the process's local zone is named UTC) or ``tzutc()``.  The value
is the same instant with the same ``==``, ``utcoffset()``, ``tzname()`` and
``isoformat()``; only ``type(tzinfo)`` and ``repr`` differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from functools import partial
from typing import Any, NamedTuple

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.request_envelope import RequestEnvelope

Reader = Callable[[Any], Any]

# The SDK's own patterns for container type strings (``list[X]``, ``dict(str, X)``).
_LIST = re.compile(r"list\[(.*)\]")
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")
# The timestamps Alexa sends: UTC, whole seconds or a fraction of up to six digits.
_ALEXA_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z", re.ASCII
)


class _Fields(NamedTuple):
    """How a model class reads a JSON object, worked out once per class."""

    # (attribute name, JSON key, type string or None if ``deserialized_types`` lacks it),
    # in the order the SDK sets them: ``attribute_map``, then unmapped typed attributes.
    fields: tuple[tuple[str, str, str | None], ...]
    keys: frozenset[str]  # the JSON keys those fields read; any other key is kept raw


def _fields_of(cls: Any) -> _Fields:
    types = cls.deserialized_types
    attribute_map = dict(getattr(cls, "attribute_map", {}))
    attribute_map.update({name: name for name in types if name not in attribute_map})
    fields = tuple((name, key, types.get(name)) for name, key in attribute_map.items())
    return _Fields(fields, frozenset(attribute_map.values()))


def _same(payload: Any) -> Any:
    return payload


_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})  # serialized as they are


def _keys_of(cls: Any) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON key) of a model class, in ``deserialized_types`` order, as the
    SDK's ``serialize`` names them."""
    attribute_map = getattr(cls, "attribute_map", {})
    return tuple((name, attribute_map.get(name, name)) for name in cls.deserialized_types)


class EnvelopeSerializer(DefaultSerializer):
    """``DefaultSerializer`` with a cached, faster ``deserialize`` and ``serialize``.
    Also reads an already-parsed body: :meth:`deserialize_payload`."""

    # The SDK's private members this class calls (name-mangled ``__`` methods of
    # DefaultSerializer 1.19.0; ask-sdk-core is pinned exactly for them, and
    # tests/test_envelope.py compares the results with the SDK's own deserializer).
    _DefaultSerializer__load_class_from_name: Callable[[str], Any]
    _DefaultSerializer__deserialize: Callable[[Any, Any], Any]
    _DefaultSerializer__deserialize_primitive: Callable[[Any, type], Any]
    _DefaultSerializer__deserialize_datetime: Callable[[Any, type], Any]
    _DefaultSerializer__get_obj_by_discriminator: Callable[[Any, Any], Any]

    def __init__(self) -> None:
        self._readers: dict[Any, Reader] = {}  # type string (or class) -> its reader
        self._fields: dict[Any, _Fields] = {}  # discriminator's class -> its fields
        self._children: dict[str, Any] = {}  # discriminator's class name -> class
        self._keys: dict[type, tuple[tuple[str, str], ...]] = {}  # model class -> its keys

    def serialize(self, obj: Any) -> Any:
        """The SDK's ``serialize``, with each model class's keys worked out once (the
        SDK rebuilds its attribute map for every object of every response)."""
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        keys = self._keys.get(kind)
        if keys is None:
            if not isinstance(getattr(kind, "deserialized_types", None), dict) or isinstance(
                obj, dict | list | tuple | Enum | str | int | float | bytes
            ):
                return super().serialize(obj)  # primitives, containers, dates: the SDK's
            keys = self._keys[kind] = _keys_of(kind)
        serialized = {}
        for name, key in keys:
            value = getattr(obj, name)
            if value is not None:
                serialized[key] = self.serialize(value)
        return serialized

    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        """The SDK's ``deserialize``: JSON text to an instance of ``obj_type``."""
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except Exception as error:
            raise SerializationException(f"Couldn't parse response body: {payload}") from error
        return self._read(data, obj_type)

    def deserialize_payload(self, payload: Any, obj_type: Any = RequestEnvelope) -> Any:
        """Parsed JSON (what ``json.loads`` returned) to an instance of ``obj_type``."""
        return self._read(payload, obj_type)

    # -- dispatch ------------------------------------------------------------------------

    def _read(self, payload: Any, obj_type: Any) -> Any:
        if payload is None:
            return None
        reader = self._readers.get(obj_type)
        if reader is None:
            reader = self._readers[obj_type] = self._new_reader(obj_type)
        return reader(payload)

    def _new_reader(self, obj_type: Any) -> Reader:
        """The reader for a type, chosen as the SDK's ``__deserialize`` chooses."""
        if isinstance(obj_type, str):
            if obj_type.startswith("list["):
                return self._list_reader(obj_type)
            if obj_type.startswith("dict("):
                return self._dict_reader(obj_type)
            if obj_type in self.NATIVE_TYPES_MAPPING:
                obj_type = self.NATIVE_TYPES_MAPPING[obj_type]
            else:
                obj_type = self._DefaultSerializer__load_class_from_name(obj_type)
        if obj_type in self.PRIMITIVE_TYPES:
            return partial(self._read_primitive, obj_type)
        if obj_type is object:
            return _same
        if obj_type is datetime:
            return self._read_datetime
        return self._model_reader(obj_type)

    def _list_reader(self, obj_type: str) -> Reader:
        match = _LIST.match(obj_type)
        if match is None or "," in match.group(1):
            return partial(self._as_sdk, obj_type)  # never in ask_sdk_model
        return partial(self._read_list, match.group(1).strip())

    def _dict_reader(self, obj_type: str) -> Reader:
        match = _DICT.match(obj_type)
        if match is None:
            return partial(self._as_sdk, obj_type)
        return partial(self._read_dict, match.group(2))

    def _model_reader(self, cls: Any) -> Reader:
        if not isinstance(cls, type):
            return partial(self._as_sdk, cls)
        if issubclass(cls, Enum):
            return partial(self._read_enum, cls)
        if not hasattr(cls, "deserialized_types"):
            return partial(self._as_sdk, cls)  # date, and classes that are not models
        if hasattr(cls, "get_real_child_model"):
            return partial(self._read_discriminated, cls)
        return partial(self._read_model, cls, _fields_of(cls))

    def _as_sdk(self, obj_type: Any, payload: Any) -> Any:
        """The SDK's own path, for what the fast path leaves to it."""
        return self._DefaultSerializer__deserialize(payload, obj_type)

    # -- readers -------------------------------------------------------------------------

    def _read_primitive(self, kind: type, payload: Any) -> Any:
        if type(payload) is kind:  # kind(payload) would return payload itself
            return payload
        return self._DefaultSerializer__deserialize_primitive(payload, kind)

    def _read_datetime(self, payload: Any) -> Any:
        if type(payload) is str and _ALEXA_TIME.fullmatch(payload):
            try:
                return datetime.fromisoformat(payload[:-1]).replace(tzinfo=UTC)
            except ValueError:
                pass  # out of range (month 13, ...): the SDK's error
        return self._DefaultSerializer__deserialize_datetime(payload, datetime)

    def _read_list(self, item_type: str, payload: Any) -> Any:
        return [self._read(item, item_type) for item in payload]

    def _read_dict(self, value_type: str, payload: Any) -> Any:
        return {key: self._read(value, value_type) for key, value in payload.items()}

    def _read_enum(self, cls: type[Enum], payload: Any) -> Any:
        try:
            return cls(payload)
        except Exception as error:
            raise SerializationException(str(error)) from error

    def _read_model(self, cls: type, fields: _Fields, payload: Any) -> Any:
        if type(payload) is not dict:
            return self._as_sdk(cls, payload)
        try:
            return self._fill(cls(), fields, payload)
        except Exception as error:
            raise SerializationException(str(error)) from error

    def _read_discriminated(self, base: type, payload: Any) -> Any:
        """A model whose class is named by a key of the payload (``Request``: "type")."""
        if type(payload) is not dict:
            return self._as_sdk(base, payload)
        try:
            cls = self._child(base, payload)
            return self._fill(cls(), self._child_fields(cls), payload)
        except Exception as error:
            raise SerializationException(str(error)) from error

    # -- models --------------------------------------------------------------------------

    def _child(self, base: Any, payload: dict[str, Any]) -> Any:
        name = base.get_real_child_model(payload)
        cls = self._children.get(name)
        if cls is None:  # the SDK resolves it (or raises, as it does)
            cls = self._DefaultSerializer__get_obj_by_discriminator(payload, base)
            self._children[name] = cls
        return cls

    def _child_fields(self, cls: Any) -> _Fields:
        fields = self._fields.get(cls)
        if fields is None:
            fields = self._fields[cls] = _fields_of(cls)
        return fields

    def _fill(self, model: Any, fields: _Fields, payload: dict[str, Any]) -> Any:
        """Set the typed fields, then every other key as it is (the SDK's order)."""
        for name, key, obj_type in fields.fields:
            if key in payload:
                if obj_type is None:
                    raise KeyError(name)
                setattr(model, name, self._read(payload[key], obj_type))
        for key, value in payload.items():
            if key not in fields.keys:
                setattr(model, key, value)
        return model
