// The token passing decoder in a Web Worker of its own, started by the page beside the
// recognizer's worker, so that building it (a few hundred milliseconds for a 100,000-word
// dictionary) runs while TensorFlow.js starts rather than after it, and decoding beside
// the next line's network.
//
// Messages in: {type: 'load', folder (the deployed folder's URL), port (a MessagePort
// for the recognizer, or none: this worker's own channel)}. Then, on that port: in
// {id, probabilities (Float32Array), frames, classes}; out first {type: 'ready',
// decoderMs} (or {type: 'none'}: the deployment has no language model; or {type:
// 'failed', message}), then {id, text} or {id, error}.
import { TokenPassingDecoder } from './token_passing.js';
import { wasmModule } from './wasm_module.js';

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function load(folder, port) {
  try {
    const base = folder.endsWith('/') ? folder : `${folder}/`;
    const metadata = await fetchOk(`${base}metadata.json`).then((response) => response.json());
    const settings = metadata.token_passing;
    if (!settings) {
      port.postMessage({ type: 'none' });
      return;
    }
    const [module, image] = await Promise.all([wasmModule(),
      fetchOk(`${base}${settings.image}`).then((response) => response.arrayBuffer())]);
    const started = performance.now();
    const decoder = TokenPassingDecoder.create(module, image, settings);
    port.onmessage = ({ data }) => decode(decoder, data, port);
    port.postMessage({ type: 'ready', decoderMs: performance.now() - started });
  } catch (error) {
    port.postMessage({ type: 'failed', message: error.message });
  }
}

function decode(decoder, { id, probabilities, frames, classes }, port) {
  try {
    port.postMessage({ id, text: decoder.decode(probabilities, frames, classes) });
  } catch (error) {
    port.postMessage({ id, error: error.message });
  }
}

onmessage = ({ data }) => {
  if (data.type === 'load') load(data.folder, data.port || globalThis);
};
