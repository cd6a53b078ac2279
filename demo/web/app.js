// The page: load the deployed model, let the user write, show the recognized text.
//
// The model folder is `model/` beside the page (demo/web/serve.py serves it there), or
// the URL given as ?model=... . For tests and the curious, window.hwrDemo exposes the
// recorded strokes and the recognizer; <body data-state> is loading, ready or error.
import { Ink } from './ink.js';
import { Recognizer } from './recognizer.js';

const $ = (id) => document.getElementById(id);

function setStatus(message, state) {
  $('status').textContent = message;
  if (state) document.body.dataset.state = state;
}

async function recognize(ink, recognizer) {
  const result = $('result');
  const started = performance.now();
  try {
    const { text, frames } = await recognizer.recognize(ink.strokes);
    result.textContent = text;
    setStatus(`${frames} frames in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    result.textContent = '';
    setStatus(ink.strokes.length ? `Cannot recognize: ${error.message}` : 'Write something first.');
  }
  result.dataset.state = 'done';
}

async function main() {
  const ink = new Ink($('ink'));
  const forget = () => { $('result').textContent = ''; delete $('result').dataset.state; };
  $('undo').addEventListener('click', () => { ink.undo(); forget(); });
  $('clear').addEventListener('click', () => { ink.clear(); forget(); });
  if (!window.tf) {
    setStatus('TensorFlow.js is missing: run `npm ci` in demo/web, then reload.', 'error');
    return;
  }
  const folder = new URLSearchParams(window.location.search).get('model') || 'model/';
  let recognizer;
  try {
    recognizer = await Recognizer.load(window.tf, folder);
    // the first call compiles the backend's kernels (seconds on WebGL): do it before the user asks
    setStatus('Preparing the model…');
    const frames = 16;
    await recognizer.probabilities(new Float32Array(frames * recognizer.metadata.num_features),
      frames);
  } catch (error) {
    setStatus(`Cannot load the model from ${folder}: ${error.message}`, 'error');
    return;
  }
  window.hwrDemo = { recognizer, strokes: () => JSON.parse(JSON.stringify(ink.strokes)) };
  $('recognize').addEventListener('click', () => recognize(ink, recognizer));
  $('recognize').disabled = false;
  const { model, characters } = recognizer.metadata;
  setStatus(`Model ${model} ready: ${characters.length} characters, TensorFlow.js ` +
    `${window.tf.version.tfjs} on ${window.tf.getBackend()}.`, 'ready');
}

main();
