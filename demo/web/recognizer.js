// Strokes in, text out, in JavaScript: the deployed model with its pre-processing and
// best path decoding, the counterpart of models/recognizer.py for one line at a time.
// `tf` is passed in, so that the same module runs in the page (tf.min.js, a global) and
// in Node (the @tensorflow/tfjs package) for the tests.
import { FusedBiLSTM } from './bilstm.js';
import { BLANK, bestPath, idsToText } from './decoding.js';
import { Pipeline } from './preprocessing.js';

export const METADATA_FORMAT = 1; // models/tfjs_export.py FORMAT_VERSION

export const ENGINES = ['fused', 'layers']; // bilstm.js, or tf.LayersModel.predict

export class Recognizer {
  /** model: a tf.LayersModel (1, T, F) -> (1, T, C); metadata: its metadata.json;
   * engine: 'fused' (bilstm.js, where the network allows it) or 'layers'. */
  constructor(tf, model, metadata, engine = 'fused') {
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
    this.fused = null;
    if (engine === 'fused') {
      try {
        this.fused = FusedBiLSTM.fromLayersModel(tf, model);
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

  /** Fetch model.json (and its weight shards) and metadata.json from one folder URL. */
  static async load(tf, folderUrl, engine = 'fused') {
    const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
    const response = await fetch(`${base}metadata.json`);
    if (!response.ok) throw new Error(`${base}metadata.json: HTTP ${response.status}`);
    const metadata = await response.json();
    return new Recognizer(tf, await tf.loadLayersModel(`${base}model.json`), metadata, engine);
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

  /** Strokes of (x, y, t) -> {text, frames, probabilities}. */
  async recognize(strokes) {
    const { features, frames } = this.pipeline.features(strokes);
    const probabilities = await this.probabilities(features, frames);
    const classes = this.metadata.num_classes;
    const ids = bestPath(probabilities, probabilities.length / classes, classes);
    return { text: idsToText(ids, this.metadata.characters), frames, probabilities };
  }
}
