// Runs the deployed model and the JavaScript pre-processing and decoding in Node, on cases
// written by tests/test_deploy.py, and writes what JavaScript computed; the Python test
// compares it with Keras and with data/preprocessing.py.
//
//   node demo/web/test/node_model.js DEPLOYED_DIR CASES_JSON RESULT_JSON
//
// CASES_JSON: {"lines": [{"strokes": [[[x, y, t], ...], ...], "features": [[4 numbers], ...],
//   "probabilities": [[C numbers], ...]}]}
//   `features` and `probabilities` are Python's, so that the model is compared with Keras
//   on the same input, and the token passing decoder with Python's on the same matrix.
// RESULT_JSON: {"backend", "engine": the Recognizer's (fused, see bilstm.js), "lines":
//   [{"features": JS features (float64 rows), "probabilities": (T, C) rows on Python's
//   features, "layers_probabilities": the same from the tf.LayersModel engine, "text": JS
//   best path text from the strokes, "text_from_python_features": best path over
//   "probabilities"; with a language model deployed also "token_passing_text": token
//   passing from the strokes, "token_passing_of_python_probabilities"}],
//   "truncated_image_error": what the decoder says of half of lm.bin (with one)}
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { bestPath, idsToText } from '../decoding.js';
import { strokesToPoints } from '../preprocessing.js';
import { Recognizer } from '../recognizer.js';
import { TokenPassingDecoder } from '../token_passing.js';
import { wasmModule } from '../wasm_module.js';

/** A tf.io handler reading model.json and its weight shards from a folder on disk
 * (@tensorflow/tfjs alone has no file:// loader; tfjs-node would be a native build). */
function folderHandler(folder) {
  return {
    async load() {
      const modelJson = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      const specs = [];
      const buffers = [];
      for (const group of modelJson.weightsManifest) {
        specs.push(...group.weights);
        group.paths.forEach((path) => buffers.push(readFileSync(join(folder, path))));
      }
      const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
      return { modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData };
    },
  };
}

function rows(flat, width) {
  const out = [];
  for (let i = 0; i < flat.length; i += width) out.push(Array.from(flat.slice(i, i + width)));
  return out;
}

async function main([folder, casesPath, resultPath]) {
  if (!resultPath) throw new Error('usage: node_model.js DEPLOYED_DIR CASES_JSON RESULT_JSON');
  await tf.setBackend('cpu');
  const metadata = JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8'));
  const model = await tf.loadLayersModel(folderHandler(folder));
  const module = await wasmModule({
    wasmBinary: readFileSync(new URL('../wasm/hwr.wasm', import.meta.url)) });
  const recognizer = new Recognizer(tf, model, metadata, { module });
  const layers = new Recognizer(tf, model, metadata, { engine: 'layers' });
  const settings = metadata.token_passing;
  const image = settings && readFileSync(join(folder, settings.image));
  const tokenPassing = settings && TokenPassingDecoder.create(module, image, settings);
  const withDictionary = new Recognizer(tf, model, metadata, { module, tokenPassing });
  const { lines } = JSON.parse(readFileSync(casesPath, 'utf8'));
  const classes = metadata.num_classes;
  const results = [];
  for (const { strokes, features, probabilities: python } of lines) {
    const input = Float32Array.from(features.flat());
    const probabilities = await recognizer.probabilities(input, features.length);
    const ids = bestPath(probabilities, probabilities.length / classes, classes);
    results.push({
      features: recognizer.pipeline.run(strokesToPoints(strokes)),
      probabilities: rows(probabilities, classes),
      layers_probabilities: rows(await layers.probabilities(input, features.length), classes),
      text: (await recognizer.recognize(strokes)).text,
      text_from_python_features: idsToText(ids, metadata.characters),
    });
    if (tokenPassing) {
      Object.assign(results[results.length - 1], {
        token_passing_text: (await withDictionary.recognize(strokes)).text,
        token_passing_of_python_probabilities: tokenPassing.decode(
          Float32Array.from(python.flat()), python.length, classes),
      });
    }
  }
  let truncatedImageError = null;
  if (image) {
    try {
      TokenPassingDecoder.create(module, image.subarray(0, image.length >> 1), settings);
    } catch (error) {
      truncatedImageError = error.message;
    }
  }
  writeFileSync(resultPath, JSON.stringify({ backend: tf.getBackend(),
    engine: recognizer.engine, decoder: withDictionary.decoder, lines: results,
    truncated_image_error: truncatedImageError }));
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`node_model.js: ${error.stack || error}`);
  process.exit(1);
});
