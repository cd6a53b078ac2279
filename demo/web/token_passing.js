// Token passing with a dictionary and a bigram language model: the project's C++ decoder
// (algorithms/cpp), compiled to WebAssembly (wasm_module.js), so that the page writes the
// text Python's TokenPassingDecoder writes.
//
// Input layout, as for every decoder in the project: (T, C) class probabilities, row-major,
// class 0 the CTC blank. The dictionary and language model come as deploy.py's lm.bin
// (models/web_decoder.py), the settings as metadata.json's `token_passing`. The page runs
// it in a worker of its own (TokenPassingInWorker, token_passing_worker.js).

export class TokenPassingDecoder {
  /** module: wasm_module.js's; image: the bytes of lm.bin; settings: {lm_weight,
   * word_penalty, nonword_penalty, beam}. */
  static create(module, image, settings) {
    const bytes = new Uint8Array(image);
    const at = module._malloc(bytes.length);
    module.HEAPU8.set(bytes, at);
    const handle = module._hwr_decoder_new(at, bytes.length, settings.lm_weight,
      settings.word_penalty, settings.nonword_penalty, settings.beam);
    module._free(at);
    if (!handle) throw new Error(`token passing: ${module.UTF8ToString(module._hwr_error())}`);
    return new TokenPassingDecoder(module, handle);
  }

  constructor(module, handle) {
    this.module = module;
    this.handle = handle;
  }

  /** The text of one line: Float32Array (frames * classes) of probabilities. */
  decode(probabilities, frames, classes) {
    const { module } = this;
    const at = module._malloc(probabilities.length * 4);
    module.HEAPF32.set(probabilities, at / 4);
    const text = module._hwr_decode(this.handle, at, frames, classes);
    module._free(at);
    if (!text) throw new Error(`token passing: ${module.UTF8ToString(module._hwr_error())}`);
    return module.UTF8ToString(text);
  }

  dispose() {
    this.module._hwr_decoder_delete(this.handle);
  }
}

/** The same decoder in token_passing_worker.js: decode() resolves to the text. */
export class TokenPassingInWorker {
  /** Start the worker on a deployed folder's URL; `port`: where the recognizer will talk
   * to it (a MessagePort), or none: the worker itself. Returns {worker, port}. */
  static launch(folder, port = null) {
    const worker = new Worker(new URL('./token_passing_worker.js', import.meta.url),
      { type: 'module' });
    worker.postMessage({ type: 'load', folder, port }, port ? [port] : []);
    return { worker, port: port || worker };
  }

  /** Resolves, once the worker on the other end of `port` has built its decoder, to a
   * TokenPassingInWorker, or to null when the deployment has no language model. */
  static async connect(port) {
    const ready = await new Promise((resolve, reject) => {
      port.onmessage = ({ data }) => {
        if (data.type === 'failed') reject(new Error(`token passing: ${data.message}`));
        else resolve(data);
      };
    });
    return ready.type === 'ready' ? new TokenPassingInWorker(port, ready.decoderMs) : null;
  }

  constructor(port, decoderMs) {
    this.port = port;
    this.decoderMs = decoderMs;
    this.pending = new Map();
    this.nextId = 0;
    port.onmessage = ({ data }) => {
      const { resolve, reject } = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error) reject(new Error(`token passing: ${data.error}`));
      else resolve(data.text);
    };
  }

  /** Resolves to the text of Float32Array (frames * classes) probabilities (copied). */
  decode(probabilities, frames, classes) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, probabilities, frames, classes });
    });
  }
}
