#!/usr/bin/env node
// Back Coach's driver over Amazon's APL validator (apl-suggester, run offline): the findings
// for each document the skill sends, with its datasource. tests/test_screens.py runs it.
//
//   node check.js SCREENS.json
//
// SCREENS.json is a list of {"name", "document", "datasources"}. Each document is validated
// as sent, and again with its datasource's values in place of its whole-value bindings
// (paths "filled:..."). Prints one JSON object:
// {"results": [{"name", "findings": [{"path", "level", "message"}, ...]}, ...]}; the caller
// judges (every finding counts, whatever its level: apl-suggester reports all as WARNING).
"use strict";
const fs = require("fs");
// The validator logs notes of its own with console.log: kept off the JSON on stdout.
console.log = (...args) => process.stderr.write(args.join(" ") + "\n");
const { StaticAplTemplateValidator } = require("apl-suggester");

// The document with each property that is exactly one binding to the datasource
// ("${payload.screen.count}") replaced by the datasource's value, so the validator also
// sees the values the device will: their types and allowed values, not only "${...}".
const WHOLE_BINDING = /^\$\{payload\.([A-Za-z_][\w.]*)\}$/;

function lookUp(data, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), data);
}

function inflate(node, payload) {
  if (typeof node === "string") {
    const match = node.match(WHOLE_BINDING);
    const value = match ? lookUp(payload, match[1]) : undefined;
    return value === undefined ? node : value;
  }
  if (Array.isArray(node)) return node.map((item) => inflate(item, payload));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inflate(v, payload)]));
  }
  return node;
}

async function findings(validator, screen) {
  const filled = inflate(screen.document, screen.datasources);
  const found = [
    ...(await validator.validate(screen.document)),
    ...(await validator.validateDataSources(screen.datasources)),
    ...(await validator.validate(filled)).map((f) => ({ ...f, path: "filled:" + f.path })),
  ];
  return found.map((f) => ({ path: f.path, level: f.level, message: f.errorMessage }));
}

async function main() {
  const screens = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const validator = new StaticAplTemplateValidator();
  const results = [];
  for (const screen of screens) {
    results.push({ name: screen.name, findings: await findings(validator, screen) });
  }
  process.stdout.write(JSON.stringify({ results }) + "\n");
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(2);
});
