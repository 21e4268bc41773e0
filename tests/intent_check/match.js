#!/usr/bin/env node
// Back Coach's driver over virtual-alexa's sample matcher (a strict third-party stand-in for
// Alexa's language understanding: a phrase matches only when a sample, with slot values of the
// slot's type, fits its words). tests/test_intent_check.py runs it over each locale's model.
//
//   node match.js MODEL.json PHRASES.yaml
//
// PHRASES.yaml maps an expected intent ("A|B": either) to phrases. Prints one JSON object:
// {"results": [{"phrase", "want": [...], "got": intent or null}, ...]}; the caller judges.
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");
const { InteractionModel } = require("virtual-alexa/lib/src/model/InteractionModel");
const { Utterance } = require("virtual-core");

// virtual-alexa turns each {slot} into "(.*)", so of two slots side by side the first takes
// every word and the sample never matches. Alexa handles them; so, as Alexa would match them,
// the first of two adjacent custom slots is spelled out as its type's values and synonyms.
const ADJACENT = /\{(\w+)\}\s+\{(\w+)\}/;
const CAP = 2000; // samples one sample may become

function typeStrings(languageModel) {
  const strings = {};
  for (const type of languageModel.types || []) {
    strings[type.name] = [];
    for (const value of type.values || []) {
      strings[type.name].push(value.name.value, ...(value.name.synonyms || []));
    }
  }
  return strings;
}

function spellOutAdjacentSlots(sample, slotTypes, strings) {
  const todo = [sample];
  const done = [];
  while (todo.length) {
    const text = todo.pop();
    const match = text.match(ADJACENT);
    const pick = match && [match[1], match[2]].find((name) => strings[slotTypes[name]]);
    if (!pick || done.length + todo.length > CAP) {
      done.push(text);
      continue;
    }
    for (const value of strings[slotTypes[pick]]) todo.push(text.replace(`{${pick}}`, value));
  }
  return done;
}

function expanded(model) {
  const copy = JSON.parse(JSON.stringify(model));
  const languageModel = copy.interactionModel.languageModel;
  const strings = typeStrings(languageModel);
  for (const intent of languageModel.intents || []) {
    const slotTypes = Object.fromEntries((intent.slots || []).map((s) => [s.name, s.type]));
    const samples = (intent.samples || []).flatMap((s) => spellOutAdjacentSlots(s, slotTypes, strings));
    intent.samples = [...new Set(samples)];
  }
  return copy;
}

function main(argv) {
  const [modelFile, phraseFile] = argv;
  if (!modelFile || !phraseFile) {
    process.stderr.write("usage: match.js MODEL.json PHRASES.yaml\n");
    return 2;
  }
  const model = InteractionModel.fromJSON(expanded(JSON.parse(fs.readFileSync(modelFile, "utf8"))));
  const expected = yaml.load(fs.readFileSync(phraseFile, "utf8")) || {};
  const results = [];
  for (const [want, phrases] of Object.entries(expected)) {
    for (const phrase of phrases || []) {
      const utterance = new Utterance(model, String(phrase).toLowerCase().replace(/[,.!?]/g, ""));
      results.push({ phrase, want: want.split("|"), got: utterance.matched() ? utterance.intent() : null });
    }
  }
  process.stdout.write(JSON.stringify({ results }) + "\n");
  return 0;
}

process.exitCode = main(process.argv.slice(2));
