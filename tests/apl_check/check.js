#!/usr/bin/env node
// Back Coach's driver over Amazon's APL validator (apl-suggester, run offline): the findings
// for each document the skill sends, with its datasource. tests/test_screens.py runs it.
//
//   node check.js SCREENS.json
//
// SCREENS.json is a list of {"name", "document", "datasources"}. Prints one JSON object:
// {"results": [{"name", "findings": [{"path", "level", "message"}, ...]}, ...]}; the caller
// judges (every finding counts, whatever its level: apl-suggester reports all as WARNING).
"use strict";
const fs = require("fs");
// The validator logs notes of its own with console.log: kept off the JSON on stdout.
console.log = (...args) => process.stderr.write(args.join(" ") + "\n");
const { StaticAplTemplateValidator } = require("apl-suggester");

async function findings(validator, screen) {
  const found = [
    ...(await validator.validate(screen.document)),
    ...(await validator.validateDataSources(screen.datasources)),
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
