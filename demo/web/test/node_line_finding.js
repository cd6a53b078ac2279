// Finds the lines of pages written by tests/test_line_finding_js.py with the page's line
// finding (demo/web/line_finding.js) and writes them, for the test to compare with
// algorithms/line_finding.py. Needs no npm package.
//
//   node demo/web/test/node_line_finding.js CASES_JSON RESULT_JSON
//
// CASES_JSON: {"pages": [{"strokes": [[[x, y, t], ...], ...], "cues": [name, ...] or null
// (the default)}, ...]}; RESULT_JSON: {"lines": [[[stroke index, ...] per line] per page],
// "seconds": [seconds finding the lines of each page]}
import { readFileSync, writeFileSync } from 'node:fs';

import { findLines } from '../line_finding.js';

const [casesPath, resultPath] = process.argv.slice(2);
if (!resultPath) throw new Error('usage: node_line_finding.js CASES_JSON RESULT_JSON');
const { pages } = JSON.parse(readFileSync(casesPath, 'utf8'));
const seconds = [];
const lines = pages.map(({ strokes, cues }) => {
  const started = process.hrtime.bigint();
  const found = cues ? findLines(strokes, cues) : findLines(strokes);
  seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  return found;
});
writeFileSync(resultPath, JSON.stringify({ lines, seconds }));
