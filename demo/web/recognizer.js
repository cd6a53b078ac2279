// Strokes in, text out, in JavaScript: the deployed model with its pre-processing and its
// decoder, the counterpart of models/recognizer.py: recognize() reads one line,
// readPage() the lines of a page (page_reader.js). Decoders:
// token passing (the C++ decoder in WebAssembly, token_passing.js) when the deployment has
// a language model (metadata.json `token_passing`, deploy.py), the default then; best path
// always.
// `tf` is passed in, so that the same module runs in the page (tf.min.js, a global) and
// in Node (the @tensorflow/tfjs package) for the tests.
import { FusedBiLSTM } from './bilstm.js';
import { BLANK, bestPath, idsToText } from './decoding.js';
import { Pipeline } from './preprocessing.js';
import { LineMemory, readPage } from './page_reader.js';
import { TokenPassingInWorker } from './token_passing.js';
import { wasmModule } from './wasm_module.js';

export const METADATA_FORMAT = 1; // models/tfjs_export.py FORMAT_VERSION

export const ENGINES = ['fused', 'layers']; // bilstm.js, or tf.LayersModel.predict
export const DECODERS = ['token_passing', 'best_path']; // algorithms/decoders.py's names

export class Recognizer {
  /** model: a tf.LayersModel (1, T, F) -> (1, T, C); metadata: its metadata.json;
   * engine: 'fused' (bilstm.js, where the network allows it) or 'layers'; module:
   * wasm_module.js's (the fused engine needs it); tokenPassing: a token passing decoder
   * for the deployment's language model (token_passing.js: in a worker, or not), or null. */
  constructor(tf, model, metadata, { engine = 'fused', module = null, tokenPassing = null } = {}) {
    if (metadata.format !== METADATA_FORMAT) {
      throw new Error(`metadata format ${metadata.format}; this page reads ${METADATA_FORMAT}`);
    }
    if (metadata.blank !== BLANK) {
      throw new Error(`metadata has blank ${metadata.blank}; this page expects ${BLANK}`);
    }
    this.tf = tf;
    this.model = model;
    this.metadata = metadata;
    this.pipeline = Pipeline.fromJson(metadata.preprocessing);
    this.tokenPassing = tokenPassing;
    this.decoder = tokenPassing ? 'token_passing' : 'best_path';
    this.memory = new LineMemory(); // lines read before, for readPage
    this.fused = null;
    if (engine === 'fused') {
      try {
        this.fused = FusedBiLSTM.fromLayersModel(tf, model, module);
      } catch (error) {
        this.fallbackReason = error.message; // the layers model still recognizes
      }
    } else if (engine !== 'layers') {
      throw new Error(`unknown engine ${engine}; known: ${ENGINES.join(', ')}`);
    }
  }

  /** Which engine recognizes: 'fused' or 'layers'. */
  get engine() {
    return this.fused ? 'fused' : 'layers';
  }

  /** The decoders this recognizer offers, its default first. */
  get decoders() {
    return this.tokenPassing ? DECODERS : ['best_path'];
  }

  /** Decode with `name` from now on (one of this.decoders). */
  setDecoder(name) {
    if (!this.decoders.includes(name)) {
      throw new Error(`decoder ${name} is not available; this deployment offers ` +
        `${this.decoders.join(', ')}`);
    }
    this.decoder = name;
  }

  /** What recognizing needs besides TensorFlow.js, from a deployed folder's URL:
   * {metadata, module (wasm_module.js's), tokenPassing (a TokenPassingInWorker if the
   * deployment has a language model, else null)}. decoderPort: a MessagePort to a
   * token_passing_worker.js the page started on the folder (none: start one here). */
  static async prepare(folderUrl, decoderPort = null) {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const port = decoderPort || TokenPassingInWorker.launch(base).port;
    const [metadata, module, tokenPassing] = await Promise.all([
      fetchOk(`${base}metadata.json`).then((r) => r.json()), wasmModule(),
      TokenPassingInWorker.connect(port)]);
    return { metadata, module, tokenPassing };
  }

  /** Fetch model.json (and its weight shards) and what prepare() fetches (or takes its
   * promise, `prepared`) from one folder URL. */
  static async load(tf, folderUrl, engine = 'fused', prepared = Recognizer.prepare(folderUrl)) {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const [model, { metadata, module, tokenPassing }] = await Promise.all([
      tf.loadLayersModel(`${base}model.json`), prepared]);
    return new Recognizer(tf, model, metadata, { engine, module, tokenPassing });
  }

  /** Float32Array (T * F) of features -> Float32Array (T' * C) of class probabilities
   * (T' = T, or T / stride rounded up for a network that subsamples; models/network.py).
   * Asynchronous, so that the page stays responsive while a GPU backend computes. */
  async probabilities(features, frames) {
    if (this.fused && !this.fused.masks(features, frames)) {
      return this.fused.probabilities(features, frames);
    }
    const input = this.tf.tensor3d(features, [1, frames, this.metadata.num_features]);
    const output = this.model.predict(input);
    try {
      return await output.data();
    } finally {
      input.dispose();
      output.dispose();
    }
  }

  /** Strokes of (x, y, t) -> {text, frames, probabilities, decoder}. */
  async recognize(strokes) {
    const { features, frames } = this.pipeline.features(strokes);
    const { decoder } = this; // the one in use when the call came
    const probabilities = await this.probabilities(features, frames);
    return { text: await this.decode(probabilities, decoder), frames, probabilities, decoder };
  }

  /** Strokes of (x, y, t) -> the text of their lines (page_reader.js readPage: {text,
   * frames, decoder, lines: [{text, strokes, frames}], remembered}), lines read before
   * taken from memory unless `remember` is false (to time reading); layout: auto, line or
   * page. */
  readPage(strokes, layout = 'auto', remember = true) {
    return readPage(this, strokes, layout, remember ? this.memory : null);
  }

  /** Resolves to the text of Float32Array (T' * C) probabilities, by `decoder` (one of
   * this.decoders). */
  async decode(probabilities, decoder = this.decoder) {
    const classes = this.metadata.num_classes;
    const steps = probabilities.length / classes;
    if (decoder === 'token_passing') {
      return this.tokenPassing.decode(probabilities, steps, classes);
    }
    return idsToText(bestPath(probabilities, steps, classes), this.metadata.characters);
  }
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}
