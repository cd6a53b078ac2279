// The page: load the deployed model, let the user write, show the recognized text while
// writing (after a pause), line by line where the ink spans several lines (hovering a line
// of text highlights its ink), and let the user download the ink as InkML.
//
// URL parameters (all optional; the benchmark and the curious use them):
//   model=URL          the deployed model folder (default: model/, where serve.py puts it)
//   backend=NAME       wasm, webgl or cpu (default: the first that starts, in that order)
//   engine=NAME        fused (bilstm.js, default) or layers (tf.LayersModel.predict)
//   decoder=NAME       token_passing (the default where the model has a language model)
//                      or best_path; the page's Decoder menu switches too
//   worker=0           recognize in the page rather than in a Web Worker
//   warmup=16,200      frames of the warm-up lines (empty: none)
//   layout=NAME        auto (default: a page when the ink spans several lines), line (all
//                      the ink one line) or page; page_reader.js
// window.hwrDemo exposes the recorded strokes, the recognizer (recognize(strokes) resolves
// to {text, ...} for one line, readPage(strokes) to {text, lines, ...}, text being what the
// page shows for those strokes), the decoder in use, the lines shown (their text and
// strokes) and the strokes highlighted; <body data-state> is loading, ready or error;
// #result[data-state] is done once the text shown (a .line element per line) is that of
// the ink as it is.
import { toInkml } from './inkml.js';
import { Ink } from './ink.js';
import { WARM_UP_FRAMES } from './setup_recognizer.js';
import { WorkerRecognizer } from './worker_client.js';

const PAUSE_MS = 600; // recognize once the pen has rested this long
const DECODER_NAMES = { token_passing: 'Dictionary (token passing)', best_path: 'Best path' };
const $ = (id) => document.getElementById(id);

function setStatus(message, state) {
  $('status').textContent = message;
  if (state) document.body.dataset.state = state;
}

function options() {
  const params = new URLSearchParams(window.location.search);
  const warmUp = params.get('warmup');
  return {
    folder: new URL(params.get('model') || 'model/', window.location.href).href,
    backend: params.get('backend') || undefined,
    engine: params.get('engine') || 'fused',
    decoder: params.get('decoder') || undefined,
    worker: params.get('worker') !== '0',
    warmUp: warmUp === null ? WARM_UP_FRAMES : warmUp.split(',').filter(Boolean).map(Number),
    layout: params.get('layout') || 'auto',
  };
}

/** The recognizer in a worker, or in the page (TensorFlow.js then loads here). */
async function start(settings) {
  if (settings.worker) return WorkerRecognizer.start(settings);
  await import('./node_modules/@tensorflow/tfjs/dist/tf.min.js');
  await import('./node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js');
  const { setUpRecognizer } = await import('./setup_recognizer.js');
  const setUp = await setUpRecognizer(window.tf, settings);
  return Object.assign(setUp.recognizer, { backend: setUp.backend, timings: setUp.timings,
    tfjsVersion: window.tf.version.tfjs });
}

/** Recognizes the ink when asked and after each pause; shows only the newest ink's text,
 * a line of text per line of ink. */
class LiveText {
  constructor(ink, recognizer, layout) {
    this.ink = ink;
    this.recognizer = recognizer;
    this.layout = layout;
    this.version = 0; // bumped by every change of the ink
    this.timer = null;
    this.lines = []; // shown: [{text, strokes}]
  }

  /** The text shown, its lines joined by newlines. */
  get text() {
    return this.lines.map((line) => line.text).join('\n');
  }

  changed() {
    this.version++;
    delete $('result').dataset.state;
    clearTimeout(this.timer);
    if (this.ink.strokes.length) this.timer = setTimeout(() => this.recognize(), PAUSE_MS);
    else this.show([], 'Write something first.');
  }

  penDown() {
    clearTimeout(this.timer);
    this.version++; // a result on its way is for ink that is no longer all there is
    delete $('result').dataset.state;
  }

  async recognize() {
    clearTimeout(this.timer);
    const version = this.version;
    delete $('result').dataset.state;
    if (!this.ink.strokes.length) {
      this.show([], 'Write something first.');
      return;
    }
    const started = performance.now();
    let lines = [];
    let status;
    try {
      const page = await this.recognizer.readPage(this.ink.strokes, this.layout);
      lines = page.lines;
      const several = `${lines.length} lines (${page.remembered} read before), `;
      status = `${lines.length > 1 ? several : ''}${page.frames} frames in ` +
        `${Math.round(performance.now() - started)} ms`;
    } catch (error) {
      status = `Cannot recognize: ${error.message}`;
    }
    if (version === this.version) this.show(lines, status); // else newer ink is on its way
  }

  /** Show lines of text, each an element that highlights its strokes while hovered. */
  show(lines, status) {
    this.lines = lines;
    this.ink.highlight([]);
    $('result').replaceChildren(...lines.map(({ text, strokes }) => {
      const line = document.createElement('div');
      line.className = 'line';
      line.textContent = text;
      line.addEventListener('pointerenter', () => this.ink.highlight(strokes));
      line.addEventListener('pointerleave', () => this.ink.highlight([]));
      return line;
    }));
    $('result').dataset.state = 'done';
    setStatus(status);
  }
}

function download(ink, text) {
  const blob = new Blob([toInkml(ink.strokes, text)], { type: 'application/inkml+xml' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'ink.inkml';
  link.click();
  URL.revokeObjectURL(link.href);
}

/** The Decoder menu: the recognizer's decoders, the one in use chosen; a change re-reads
 * the ink. Hidden when there is only best path. */
function offerDecoders(recognizer, live) {
  const menu = $('decoder');
  menu.replaceChildren(...recognizer.decoders.map((name) => new Option(
    DECODER_NAMES[name], name, false, name === recognizer.decoder)));
  menu.parentElement.hidden = recognizer.decoders.length < 2;
  menu.addEventListener('change', async () => {
    if (live.ink.strokes.length) delete $('result').dataset.state; // the text will change
    await recognizer.setDecoder(menu.value);
    if (live.ink.strokes.length) live.recognize();
  });
}

async function main() {
  let live = null; // once the model is ready
  const ink = new Ink($('ink'), { penDown: () => live?.penDown(), changed: () => live?.changed() });
  $('undo').addEventListener('click', () => ink.undo());
  $('clear').addEventListener('click', () => ink.clear());
  $('download').addEventListener('click', () => download(ink,
    live && $('result').dataset.state === 'done' ? live.text : ''));
  const settings = options();
  let recognizer;
  try {
    recognizer = await start(settings);
  } catch (error) {
    setStatus(`Cannot load the model from ${settings.folder}: ${error.message}`, 'error');
    return;
  }
  live = new LiveText(ink, recognizer, settings.layout);
  window.hwrDemo = {
    recognizer,
    backend: recognizer.backend,
    engine: recognizer.engine,
    get decoder() { return recognizer.decoder; },
    timings: recognizer.timings,
    strokes: () => JSON.parse(JSON.stringify(ink.strokes)),
    lines: () => JSON.parse(JSON.stringify(live.lines)),
    highlighted: () => [...ink.highlighted].sort((a, b) => a - b),
  };
  $('recognize').addEventListener('click', () => live.recognize());
  $('recognize').disabled = false;
  offerDecoders(recognizer, live);
  const { model, characters } = recognizer.metadata;
  setStatus(`Model ${model} ready: ${characters.length} characters, TensorFlow.js ` +
    `${recognizer.tfjsVersion} on ${recognizer.backend}, ${recognizer.engine} engine` +
    `${settings.worker ? ' in a worker' : ''}, ${DECODER_NAMES[recognizer.decoder]}.`, 'ready');
}

main();
