// The project's network (an optional subsampling Conv1D, Masking, Bidirectional LSTM
// layers, Dropout, Dense, softmax) run with a handful of TensorFlow.js kernels per line
// instead of hundreds per frame.
//
// Why: tf.LayersModel runs an LSTM step by step, about fifteen small kernels per frame
// and direction; each kernel costs tens of microseconds of dispatch on any backend, and
// far more on WebGL, so a 200-frame line took seconds. Here the work that is parallel over
// time (each layer's input projection, for both directions at once, and the output layer)
// is one matrix product per layer on the TensorFlow.js backend, and the part that is
// truly sequential (the recurrence h_t -> h_t+1) runs as plain loops over typed arrays,
// with no kernel dispatch at all. Same weights, same equations as Keras (gate order i, f,
// c, o; tanh and sigmoid), float64 sums: within 1e-5 of the layers model. The subsampling
// convolution (kernel = stride, 'same' padding, no bias; models/network.py) reads each
// `stride` frames as one row: one matrix product as well.
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

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

/** One direction of one LSTM layer over a whole line, in place in `out`.
 * projected: (T, 8H) input projections plus bias, forward gates then backward gates;
 * recurrent: (4H, H), the recurrent kernel transposed (one row per gate unit);
 * out: (T, 2H), this direction's half written at `half` (0 forward, 1 backward). */
function runDirection(projected, recurrent, frames, units, half, out) {
  const gates = 4 * units;
  const h = new Float32Array(units);
  const c = new Float64Array(units);
  const z = new Float64Array(gates);
  for (let step = 0; step < frames; step++) {
    const t = half ? frames - 1 - step : step;
    const base = t * 2 * gates + half * gates;
    for (let j = 0; j < gates; j++) { // z = x W + b (precomputed) + h U
      const row = j * units;
      let a0 = 0; let a1 = 0; let a2 = 0; let a3 = 0;
      for (let k = 0; k < units; k += 4) {
        a0 += h[k] * recurrent[row + k];
        a1 += h[k + 1] * recurrent[row + k + 1];
        a2 += h[k + 2] * recurrent[row + k + 2];
        a3 += h[k + 3] * recurrent[row + k + 3];
      }
      z[j] = projected[base + j] + ((a0 + a1) + (a2 + a3));
    }
    const at = t * 2 * units + half * units;
    for (let u = 0; u < units; u++) { // Keras gate order: input, forget, cell, output
      c[u] = sigmoid(z[units + u]) * c[u] + sigmoid(z[u]) * Math.tanh(z[2 * units + u]);
      h[u] = sigmoid(z[3 * units + u]) * Math.tanh(c[u]);
      out[at + u] = h[u];
    }
  }
}

export class FusedBiLSTM {
  /** The network of `model` (a tf.LayersModel), or an Error saying why it cannot be. */
  static fromLayersModel(tf, model) {
    const reason = unsupported(model);
    if (reason) throw new Error(`${reason}; this engine runs ${SUPPORTED}`);
    return new FusedBiLSTM(tf, model);
  }

  constructor(tf, model) {
    this.tf = tf;
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
          recurrent: [rf, rb].map((r) => transpose(r.dataSync(), units, 4 * units)),
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
      const out = new Float32Array(steps * 2 * units);
      runDirection(projected, recurrent[0], steps, units, 0, out);
      runDirection(projected, recurrent[1], steps, units, 1, out);
      input = out;
      width = 2 * units;
    }
    return this.product(input, steps, width, this.output.kernel, this.output.bias, true);
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
    for (const layer of this.layers) [layer.kernel, layer.bias].forEach((t) => t.dispose());
    this.output.kernel.dispose();
    this.output.bias.dispose();
    if (this.subsample) this.subsample.kernel.dispose();
  }
}
