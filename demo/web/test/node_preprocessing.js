// Runs the page's pre-processing (demo/web/preprocessing.js) on cases written by
// tests/test_preprocessing_js.py and writes the features, which the Python test compares
// with data/preprocessing.py. Needs no npm package: the steps are plain JavaScript.
//
//   node demo/web/test/node_preprocessing.js CASES_JSON RESULT_JSON
//
// CASES_JSON: {"pipeline": {"steps": [...]}, "lines": [strokes of [x, y, t], ...]}
// RESULT_JSON: {"lines": [points rows after every step, ...]}
import { readFileSync, writeFileSync } from 'node:fs';

import { Pipeline, strokesToPoints } from '../preprocessing.js';

const [casesPath, resultPath] = process.argv.slice(2);
if (!resultPath) throw new Error('usage: node_preprocessing.js CASES_JSON RESULT_JSON');
const { pipeline, lines } = JSON.parse(readFileSync(casesPath, 'utf8'));
const steps = Pipeline.fromJson(pipeline);
writeFileSync(resultPath, JSON.stringify({
  lines: lines.map((strokes) => steps.run(strokesToPoints(strokes))),
}));
