// The project's network (an optional subsampling Conv1D, Masking, Bidirectional LSTM
// layers, Dropout, Dense, softmax) run with a handful of TensorFlow.js kernels per line
// instead of hundreds per frame.
//
// Why: tf.LayersModel runs an LSTM step by step, about fifteen small kernels per frame
// and direction; each kernel costs tens of microseconds of dispatch on any backend, and
// far more on WebGL, so a 200-frame line took seconds. Here the work that is parallel over
// time (each layer's input projection, for both directions at once, and the output layer)
// is one matrix product per layer on the TensorFlow.js backend, and the part that is
// truly sequential (the recurrence h_t -> h_t+1) runs in the page's WebAssembly module
// (cpp/lstm_recurrence.cpp, SIMD), with no kernel dispatch at all: a line's CPU time fell
// from 120 ms with the same loops in JavaScript to 30 ms. Same weights, same equations as
// Keras (gate order i, f, c, o; tanh and sigmoid): within 1e-5 of the layers model. The
// subsampling convolution (kernel = stride, 'same' padding, no bias; models/network.py)
// reads each `stride` frames as one row: one matrix product as well.
//
// A frame equal to the Masking value (all features 0) would be skipped by Keras; the
// Recognizer gives such a line to the layers model, which does what Keras does (`masks`).

const SUPPORTED = 'Conv1D(kernel = stride, same, no bias, linear) first, Masking, ' +
  'Bidirectional(LSTM, concat, tanh/sigmoid, bias), Dropout, Dense, Activation(softmax)';

/** Why `model` cannot run here (a sentence), or null if it can. */
function unsupported(model) {
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const config = layer.getConfig();
    if (kind === 'Bidirectional') {
      const lstm = config.layer;
      if (lstm.className !== 'LSTM' || config.mergeMode !== 'concat'
        || lstm.config.activation !== 'tanh' || lstm.config.recurrentActivation !== 'sigmoid'
        || !lstm.config.useBias || lstm.config.units % 4) {
        return `layer ${layer.name} is not a standard BiLSTM with a multiple of 4 units`;
      }
    } else if (kind === 'Conv1D') {
      if (layer !== model.layers[1] || config.kernelSize[0] !== config.strides[0]
        || config.padding !== 'same' || config.useBias || config.activation !== 'linear'
        || config.dilationRate[0] !== 1) {
        return `layer ${layer.name} is not a subsampling convolution right after the input`;
      }
    } else if (kind === 'Dense') {
      if (!['linear', 'softmax'].includes(config.activation)) {
        return `layer ${layer.name} has activation ${config.activation}`;
      }
    } else if (kind === 'Activation') {
      if (config.activation !== 'softmax' || layer !== model.layers[model.layers.length - 1]) {
        return `layer ${layer.name} is not a final softmax`;
      }
    } else if (!['InputLayer', 'Masking', 'Dropout'].includes(kind)) {
      return `layer ${layer.name} is a ${kind}`;
    }
  }
  const last = model.layers[model.layers.length - 1];
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  if (dense.length !== 1 || last.getConfig().activation !== 'softmax'
    || (dense[0] !== last && dense[0].getConfig().activation !== 'linear')) {
    return 'the model does not end in one Dense layer and a softmax';
  }
  return null;
}

/** (rows, cols) row-major -> (cols, rows) row-major. */
function transpose(matrix, rows, cols) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = matrix[r * cols + c];
  }
  return out;
}

/** A copy of `values` in the module's memory; its address. */
function copyIn(module, values) {
  const at = module._malloc(values.length * 4);
  module.HEAPF32.set(values, at / 4);
  return at;
}

export class FusedBiLSTM {
  /** The network of `model` (a tf.LayersModel), or an Error saying why it cannot be;
   * module: wasm_module.js's, which runs the recurrence. */
  static fromLayersModel(tf, model, module) {
    const reason = unsupported(model);
    if (reason) throw new Error(`${reason}; this engine runs ${SUPPORTED}`);
    if (!module) throw new Error('the fused engine needs the WebAssembly module (wasm_module.js)');
    return new FusedBiLSTM(tf, model, module);
  }

  constructor(tf, model, module) {
    this.tf = tf;
    this.module = module;
    this.layers = [];
    for (const layer of model.layers) {
      const weights = layer.getWeights();
      if (layer.getClassName() === 'Bidirectional') {
        const [kf, rf, bf, kb, rb, bb] = weights;
        const units = rf.shape[0];
        this.layers.push({
          units,
          kernel: tf.concat([kf, kb], 1), // (F, 8H): both directions in one product
          bias: tf.concat([bf, bb], 0),
          // in the module's memory, one row per gate unit
          recurrent: [rf, rb].map((r) => copyIn(module, transpose(r.dataSync(), units, 4 * units))),
        });
      } else if (layer.getClassName() === 'Dense') {
        this.output = { kernel: weights[0].clone(), bias: weights[1].clone() };
      } else if (layer.getClassName() === 'Conv1D') { // kernel (stride, F, filters)
        const [stride, width, filters] = weights[0].shape;
        this.subsample = { stride, kernel: weights[0].reshape([stride * width, filters]) };
      }
    }
    this.numFeatures = model.inputs[0].shape[2];
    const masking = model.layers.find((layer) => layer.getClassName() === 'Masking');
    this.maskValue = masking ? masking.getConfig().maskValue : null;
    const widest = Math.max(...this.layers.map((layer) => layer.units));
    this.state = module._malloc(6 * widest * 4); // h, c and the gate inputs of one step
  }

  /** Whether a frame of the line is all `maskValue`, which the Masking layer would skip. */
  masks(features, frames) {
    if (this.maskValue === null) return false;
    const width = this.numFeatures;
    for (let t = 0; t < frames; t++) {
      let masked = true;
      for (let f = 0; f < width && masked; f++) masked = features[t * width + f] === this.maskValue;
      if (masked) return true;
    }
    return false;
  }

  /** Float32Array (T * F) -> Float32Array (T' * C) of class probabilities, where T' is
   * T / stride rounded up with a subsampling convolution, T without. */
  async probabilities(features, frames) {
    let input = features;
    let width = this.numFeatures;
    let steps = frames;
    if (this.subsample) { // `stride` frames a row, the last row padded with zeros
      const { stride, kernel } = this.subsample;
      steps = Math.ceil(frames / stride);
      const stacked = new Float32Array(steps * stride * width);
      stacked.set(features.subarray(0, frames * width));
      input = await this.product(stacked, steps, stride * width, kernel, null, false);
      width = kernel.shape[1];
    }
    for (const { units, kernel, bias, recurrent } of this.layers) {
      const projected = await this.product(input, steps, width, kernel, bias, false);
      input = this.recur(projected, steps, units, recurrent);
      width = 2 * units;
    }
    return this.product(input, steps, width, this.output.kernel, this.output.bias, true);
  }

  /** Both directions of one layer: (T, 8H) projections -> (T, 2H) outputs. */
  recur(projected, steps, units, recurrent) {
    const { module } = this;
    const input = copyIn(module, projected);
    const output = module._malloc(steps * 2 * units * 4);
    module._lstm_direction(input, recurrent[0], steps, units, 0, output, this.state);
    module._lstm_direction(input, recurrent[1], steps, units, 1, output, this.state);
    const out = module.HEAPF32.slice(output / 4, output / 4 + steps * 2 * units);
    module._free(input);
    module._free(output);
    return out;
  }

  /** (T, width) x kernel + bias (if any), optionally softmax, on the TensorFlow.js backend. */
  async product(values, frames, width, kernel, bias, softmax) {
    const { tf } = this;
    const result = tf.tidy(() => {
      const product = tf.matMul(tf.tensor2d(values, [frames, width]), kernel);
      const z = bias ? tf.add(product, bias) : product;
      return softmax ? tf.softmax(z) : z;
    });
    try {
      return await result.data();
    } finally {
      result.dispose();
    }
  }

  dispose() {
    for (const layer of this.layers) {
      [layer.kernel, layer.bias].forEach((t) => t.dispose());
      layer.recurrent.forEach((at) => this.module._free(at));
    }
    this.module._free(this.state);
    this.output.kernel.dispose();
    this.output.bias.dispose();
    if (this.subsample) this.subsample.kernel.dispose();
  }
}
