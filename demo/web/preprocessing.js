// Pre-processing: raw strokes to the features the network reads, a port of
// data/preprocessing.py. The steps and their fitted parameters come from the deployed
// model's metadata.json, so the page can never drift from what the model was trained on.
//
// Arithmetic is float64 (JavaScript numbers), step by step in the same order as NumPy,
// so the features equal Python's to rounding; tests/test_deploy.py holds the two to 1e-5.
// (Math.hypot and np.hypot may differ in the last bit, so a point lying exactly on a
// resampling boundary could in principle be kept by one and not the other.)
// Points are rows [x, y, t, strokeStart]; x right, y down, t in seconds. The `height`
// step appends a fifth column (y, kept absolute) that the later steps carry along.

export const MIN_POINTS = 2; // data/base.py: a line needs at least one pen movement

/** Strokes (arrays of [x, y, t]) -> points [x, y, t, strokeStart], after validation. */
export function strokesToPoints(strokes) {
  const points = [];
  strokes.forEach((stroke, s) => {
    if (stroke.length === 0) throw new Error(`stroke ${s} is empty`);
    stroke.forEach((point, i) => {
      if (point.length !== 3 || !point.every(Number.isFinite)) {
        throw new Error(`stroke ${s}, point ${i} is not a finite (x, y, t)`);
      }
      points.push([point[0], point[1], point[2], i === 0 ? 1 : 0]);
    });
  });
  if (points.length < MIN_POINTS) {
    throw new Error(`too few points: ${points.length}; at least ${MIN_POINTS} needed`);
  }
  return points;
}

/** [min, max] of column c; a loop, since Math.min(...values) overflows on long lines. */
function extent(points, c) {
  return points.reduce(([lo, hi], p) => [Math.min(lo, p[c]), Math.max(hi, p[c])],
    [Infinity, -Infinity]);
}

/** Length of the pen-down segment that ends at each point (0 where a stroke starts). */
function penTravel(points) {
  return points.map((p, i) => (i === 0 || p[3] === 1 ? 0.0
    : Math.hypot(p[0] - points[i - 1][0], p[1] - points[i - 1][1])));
}

/** The smallest value whose share of the total weight, counted from below, reaches q
 * (as data/preprocessing.py's weighted_quantile: stable sort, sums left to right). */
export function weightedQuantile(values, weights, q) {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const cumulative = [];
  order.reduce((sum, i) => { cumulative.push(sum + weights[i]); return sum + weights[i]; }, 0.0);
  const target = q * cumulative[cumulative.length - 1];
  let k = 0;
  while (cumulative[k] < target) k += 1; // np.searchsorted, side 'left'
  return values[order[k]];
}

/** Per line: origin at the left edge and vertical middle, unit = the line's height (the
 * range between the weighted `quantile` and 1 - `quantile` of y when quantile > 0). */
function normalizeScale(points, { quantile = 0.0 } = {}) {
  const [xMin, xMax] = extent(points, 0);
  let [low, high] = extent(points, 1);
  const travel = quantile ? penTravel(points) : null;
  if (quantile && travel.reduce((a, b) => a + b, 0.0) > 0) {
    const ys = points.map((p) => p[1]);
    low = weightedQuantile(ys, travel, quantile);
    high = weightedQuantile(ys, travel, 1.0 - quantile);
  }
  const height = high - low;
  const scale = height > 0 ? height : Math.max(xMax - xMin, 1.0);
  const t0 = points[0][2];
  return points.map(([x, y, t, ...rest]) =>
    [(x - xMin) / scale, (y - (high + low) / 2) / scale, t - t0, ...rest]);
}

/** Shear the line so that its down strokes stand upright: x -= tan(slant) * y, the slant
 * being the length-weighted mean angle of the pen-down segments near vertical. */
function deslant(points, { max_angle: maxAngle }) {
  const travel = penTravel(points);
  const limit = (maxAngle * Math.PI) / 180;
  let weighted = 0.0;
  let total = 0.0;
  for (let i = 1; i < points.length; i++) {
    const dx = points[i][0] - points[i - 1][0];
    const dy = points[i][1] - points[i - 1][1];
    const angle = Math.atan2(dy < 0 ? -dx : dx, Math.abs(dy));
    const weight = Math.abs(angle) < limit ? travel[i] : 0.0;
    weighted += angle * weight;
    total += weight;
  }
  if (total === 0) return points;
  const shear = Math.tan(weighted / total);
  return points.map(([x, y, ...rest]) => [x - shear * y, y, ...rest]);
}

/** Keep about one point per `step` of pen travel, plus both ends of every stroke; with
 * `tolerance` > 0, also the point farthest from the chord between each two kept points,
 * where it lies more than tolerance * step from it. */
function resample(points, { step, tolerance = 0.0 }) {
  if (!(step > 0)) throw new Error(`resample step must be positive, got ${step}`);
  if (!(tolerance >= 0)) throw new Error(`resample tolerance must be >= 0, got ${tolerance}`);
  const n = points.length;
  const arc = [0.0];
  for (let i = 1; i < n; i++) {
    // a pen-up jump (the next point starts a stroke) is not pen travel
    const segment = points[i][3] === 1 ? 0.0
      : Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    arc.push(arc[i - 1] + segment);
  }
  const keep = points.map((p, i) => i === 0 || i === n - 1
    || p[3] === 1 || points[i + 1][3] === 1
    || Math.floor(arc[i] / step) !== Math.floor(arc[i - 1] / step));
  if (tolerance) {
    farthestFromChords(points, keep, tolerance * step).forEach((i) => { keep[i] = true; });
  }
  return points.filter((_, i) => keep[i]);
}

/** Between each two kept points, the one farthest from their chord (the first of equals),
 * where farther than `distance`; a chord of length 0 measures the distance to its end. */
function farthestFromChords(points, keep, distance) {
  const chosen = [];
  let a = 0;
  for (let b = 1; b < points.length; b++) {
    if (!keep[b]) continue;
    const [ax, ay] = points[a];
    const cx = points[b][0] - ax;
    const cy = points[b][1] - ay;
    const length = Math.hypot(cx, cy);
    let best = -1;
    let bestAway = -Infinity;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i];
      const away = length > 0 ? Math.abs(cx * (py - ay) - cy * (px - ax)) / length
        : Math.hypot(px - ax, py - ay);
      if (away > bestAway) { best = i; bestAway = away; }
    }
    if (best >= 0 && bestAway > distance) chosen.push(best);
    a = b;
  }
  return chosen;
}

/** Each point's height in the line (y after normalize_scale) as a fifth column. */
function height(points) {
  return points.map((p) => [...p, p[1]]);
}

/** Absolute positions -> movements (dx, dy, dt); the first point has none. */
function offsets(points) {
  return points.map((p, i) => (i === 0 ? [0.0, 0.0, 0.0, ...p.slice(3)]
    : [p[0] - points[i - 1][0], p[1] - points[i - 1][1], p[2] - points[i - 1][2],
      ...p.slice(3)]));
}

/** Zero mean, unit variance for (dx, dy, dt) with the parameters fitted in Python. */
function standardize(points, { mean, std }) {
  if (!mean || !std) throw new Error('standardize has not been fitted');
  return points.map((p) => [(p[0] - mean[0]) / std[0], (p[1] - mean[1]) / std[1],
    (p[2] - mean[2]) / std[2], ...p.slice(3)]);
}

export const STEPS = {
  deslant, normalize_scale: normalizeScale, resample, height, offsets, standardize,
};

/** The steps of a metadata.json `preprocessing` entry, checked by name up front. */
export class Pipeline {
  constructor(steps) {
    steps.forEach(({ name }) => {
      if (!(name in STEPS)) throw new Error(`unknown pre-processing step '${name}'`);
    });
    this.steps = steps.map(({ name, params }) => ({ name, params: params || {} }));
  }

  static fromJson(data) {
    return new Pipeline(data.steps);
  }

  /** Points -> points, float64, every step applied in order. */
  run(points) {
    return this.steps.reduce((current, { name, params }) => STEPS[name](current, params),
      points);
  }

  /** Strokes -> {features: Float32Array (T * F, row-major), frames: T}: the model input. */
  features(strokes) {
    const rows = this.run(strokesToPoints(strokes));
    return { features: Float32Array.from(rows.flat()), frames: rows.length };
  }
}
