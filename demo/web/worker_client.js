// The page's side of worker.js: the same recognize(strokes) and readPage(strokes) as
// Recognizer, answered by the worker. Each request gets its own promise.
import { TokenPassingInWorker } from './token_passing.js';

export class WorkerRecognizer {
  /** Start worker.js and load the model there, and token_passing_worker.js beside it
   * (which builds the decoder meanwhile and answers worker.js on a channel of their own);
   * resolves once both are ready and warmed up. */
  static async start(options) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const channel = new MessageChannel();
    TokenPassingInWorker.launch(options.folder, channel.port2);
    const ready = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === 'ready') resolve(data);
        else reject(new Error(data.message));
      };
      worker.onerror = (event) => reject(new Error(`the worker failed: ${event.message}`));
      worker.postMessage({ type: 'load', options: { ...options, decoderPort: channel.port1 } },
        [channel.port1]);
    });
    return new WorkerRecognizer(worker, ready);
  }

  constructor(worker, ready) {
    this.worker = worker;
    this.metadata = ready.metadata;
    this.engine = ready.engine;
    this.decoders = ready.decoders;
    this.decoder = ready.decoder;
    this.backend = ready.backend;
    this.timings = ready.timings;
    this.tfjsVersion = ready.tfjs;
    this.pending = new Map();
    this.nextId = 0;
    worker.onmessage = ({ data }) => {
      const { resolve, reject } = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error) reject(new Error(data.error));
      else resolve(data.result);
    };
  }

  /** Strokes of (x, y, t) -> {text, frames, probabilities, decoder}, computed in the
   * worker. */
  recognize(strokes) {
    return this.request({ type: 'recognize', strokes });
  }

  /** Strokes of (x, y, t) -> the text of their lines (Recognizer.readPage), read in the
   * worker. */
  readPage(strokes, layout = 'auto', remember = true) {
    return this.request({ type: 'read', strokes, layout, remember });
  }

  /** Decode with `name` (one of this.decoders) from the next recognize() on. */
  async setDecoder(name) {
    this.decoder = await this.request({ type: 'decoder', name });
  }

  request(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}
