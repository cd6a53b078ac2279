// The page's recognizer in a Web Worker (a module worker), so that drawing never waits for
// the network: the page posts strokes, the worker posts back the text.
//
// Messages in: {type: 'load', options} (setup_recognizer.js options), then
// {type: 'recognize', id, strokes}, {type: 'read', id, strokes, layout, remember} (a page:
// its lines found and read, Recognizer.readPage) and {type: 'decoder', id, name}. Out: {type:
// 'ready', metadata, backend, engine, decoders, decoder, timings} or {type: 'failed',
// message}; {id, result: {text, frames, probabilities, decoder}} (for a page: {text,
// frames, decoder, lines}) or {id, error} (for a decoder change, result is its name).
import './node_modules/@tensorflow/tfjs/dist/tf.min.js'; // UMD: sets globalThis.tf
import './node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js';
import { setUpRecognizer } from './setup_recognizer.js';

let recognizer = null;

async function load(options) {
  try {
    const setUp = await setUpRecognizer(globalThis.tf, options);
    recognizer = setUp.recognizer;
    postMessage({ type: 'ready', metadata: recognizer.metadata, backend: setUp.backend,
      engine: recognizer.engine, decoders: recognizer.decoders, decoder: recognizer.decoder,
      timings: setUp.timings, tfjs: globalThis.tf.version.tfjs });
  } catch (error) {
    postMessage({ type: 'failed', message: error.message });
  }
}

async function recognize(id, strokes) {
  try {
    const result = await recognizer.recognize(strokes);
    postMessage({ id, result }, [result.probabilities.buffer]);
  } catch (error) {
    postMessage({ id, error: error.message });
  }
}

async function read(id, strokes, layout, remember) {
  try {
    postMessage({ id, result: await recognizer.readPage(strokes, layout, remember) });
  } catch (error) {
    postMessage({ id, error: error.message });
  }
}

function setDecoder(id, name) {
  try {
    recognizer.setDecoder(name);
    postMessage({ id, result: name });
  } catch (error) {
    postMessage({ id, error: error.message });
  }
}

onmessage = ({ data }) => {
  if (data.type === 'load') load(data.options);
  else if (data.type === 'recognize') recognize(data.id, data.strokes);
  else if (data.type === 'read') read(data.id, data.strokes, data.layout, data.remember);
  else if (data.type === 'decoder') setDecoder(data.id, data.name);
};
