"""Every intent in the interaction models has a handler, and every handler's intent is in them."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from skill.handlers import handled_intents
from skill.interaction_model import LOCALES, MODEL_DIR

from .alexa import Device


def model_intents(locale: str) -> set[str]:
    model = json.loads((MODEL_DIR / f"{locale}.json").read_text())
    return {intent["name"] for intent in model["interactionModel"]["languageModel"]["intents"]}


@pytest.mark.parametrize("locale", LOCALES)
def test_model_and_handlers_agree(locale: str) -> None:
    in_model = model_intents(locale)
    handled = handled_intents()
    assert in_model - handled == set(), "intents in the model without a handler"
    assert handled - in_model == set(), "handlers for intents the model does not have"


@pytest.mark.parametrize("intent_name", sorted(model_intents("en-US")))
def test_every_intent_gets_a_spoken_answer_mid_routine(
    client: FlaskClient, intent_name: str
) -> None:
    device = Device(client)
    device.launch()
    device.say("StartRoutineIntent")
    reply = device.send(
        {
            "type": "IntentRequest",
            "dialogState": "COMPLETED",
            "intent": {"name": intent_name, "confirmationStatus": "NONE", "slots": {}},
        }
    )
    speech = reply["response"]["outputSpeech"]["ssml"]
    assert speech.startswith("<speak>") and len(speech) > 20
    assert "something went wrong" not in speech
