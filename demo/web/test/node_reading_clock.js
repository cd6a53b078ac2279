// Puts lines of pages written by tests/test_page_reader_js.py on the page's reading clock
// (demo/web/page_reader.js onReadingClock) and writes them, for the test to compare with
// models/page_reader.py on_reading_clock. Needs no npm package.
//
//   node demo/web/test/node_reading_clock.js CASES_JSON RESULT_JSON
//
// CASES_JSON: [{"strokes": [[[x, y, t], ...], ...], "group": [stroke index, ...]}, ...];
// RESULT_JSON: [the group's strokes on the reading clock, ...]
import { readFileSync, writeFileSync } from 'node:fs';

import { onReadingClock } from '../page_reader.js';

const [casesPath, resultPath] = process.argv.slice(2);
if (!resultPath) throw new Error('usage: node_reading_clock.js CASES_JSON RESULT_JSON');
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
writeFileSync(resultPath, JSON.stringify(cases.map(({ strokes, group }) => onReadingClock(
  strokes, group))));
