// The page's WebAssembly module (wasm/, made by build_wasm.py from C++): the token passing
// decoder (token_passing.js) and the fused engine's LSTM recurrence (bilstm.js). One
// instance a thread, made on first use.
import createHwrModule from './wasm/hwr.js';

let instance = null;

/** The module; options go to Emscripten on first use (Node passes {wasmBinary}: the
 * bytes of wasm/hwr.wasm, which this Emscripten's ES module glue cannot find there). */
export function wasmModule(options = {}) {
  if (!instance) instance = createHwrModule(options);
  return instance;
}
