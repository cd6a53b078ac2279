// Picks the TensorFlow.js backend, loads the deployed model and warms it up: the same steps
// in the page's Web Worker (worker.js) and, with ?worker=0, in the page itself.
//
// Backends, fastest first on a CPU (benchmarks/bench_web.js; README "Benchmarks"): wasm
// (@tensorflow/tfjs-backend-wasm, with SIMD and threads where the browser allows them;
// its .wasm files come from node_modules through serve.py), then webgl, then cpu.
import { Recognizer } from './recognizer.js';

export const BACKENDS = ['wasm', 'webgl', 'cpu'];
// Warm-up lines, in frames: a short one, and one of a ~40-character line (about 5 frames a
// character), so that the first line the user writes meets code already compiled for it.
export const WARM_UP_FRAMES = [16, 200];
const WASM_FILES = new URL('./node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url);

/** The first of `candidates` that starts; its name. */
export async function chooseBackend(tf, candidates = BACKENDS) {
  if (tf.wasm) tf.wasm.setWasmPaths(WASM_FILES.href);
  const failures = [];
  for (const name of candidates) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'webgl') tf.env().set('WEBGL_USE_SHAPES_UNIFORMS', true); // one shader, any T
        return name;
      }
      failures.push(`${name}: did not start`);
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend started (${failures.join('; ')})`);
}

/** The backend in words, for the page: "wasm (SIMD, 2 threads)". */
export async function describeBackend(tf) {
  const name = tf.getBackend();
  if (name !== 'wasm') return name;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))
    ? tf.wasm.getThreadsCount() : 1;
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads > 1 ? 's' : ''})`;
}

/** options: {folder, backend (one name, or all BACKENDS), engine, decoder (the
 * recognizer's default if none), decoderPort (Recognizer.prepare's), warmUp (frames
 * list)} -> {recognizer, backend (in words),
 * timings: {backendMs (starting the backend), loadMs (that and loading the model and the
 * decoder), warmUpMs, decoderMs (building the token passing decoder in its worker,
 * meanwhile)}}. Warming up runs the network and every decoder. */
export async function setUpRecognizer(tf, options) {
  const started = performance.now();
  const prepared = Recognizer.prepare(options.folder, options.decoderPort);
  prepared.catch(() => {}); // load() reports its failure; the backend's comes first
  await chooseBackend(tf, options.backend ? [options.backend] : BACKENDS);
  const backendStarted = performance.now();
  const recognizer = await Recognizer.load(tf, options.folder, options.engine || 'fused',
    prepared);
  if (options.decoder) recognizer.setDecoder(options.decoder);
  const loaded = performance.now();
  const width = recognizer.metadata.num_features;
  for (const frames of options.warmUp || WARM_UP_FRAMES) {
    // any values will do, as long as no frame is all zeros (that would take the layers model)
    const features = new Float32Array(frames * width).map((_, i) => ((i % 7) - 3) / 3 + 0.1);
    const probabilities = await recognizer.probabilities(features, frames);
    await Promise.all(recognizer.decoders.map((decoder) => recognizer.decode(probabilities, decoder)));
  }
  return {
    recognizer,
    backend: await describeBackend(tf),
    timings: { backendMs: backendStarted - started, loadMs: loaded - started,
      warmUpMs: performance.now() - loaded, decoderMs: recognizer.tokenPassing?.decoderMs },
  };
}
