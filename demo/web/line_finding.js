// Line finding: the strokes of a page -> its text lines, in reading order; a port of
// algorithms/line_finding.py (read its docstring for how it works and what it assumes:
// scale, turn, runs from pen order, centre lines and merging, strokes reassigned by
// geometry and flow, reading order). Plain JavaScript, no imports: the page and Node load
// the same file.
//
//   import { findLines } from './line_finding.js';
//   const lines = findLines(strokes); // [[stroke index, ...] per line], top line first
//
// Step for step as NumPy, in float64, so that a page gives the same lines and the same
// reading order as Python (tests/test_line_finding_js.py and studies/line_finding_js.py
// hold the two to it): sums are NumPy's pairwise sums, medians, searches and stable sorts
// the same, polynomial fits a least-squares solve of NumPy's scaled system by a singular
// value decomposition with NumPy's cut-off. What can still differ is the last bit of a fit
// (LAPACK's solver is not this one), of a hypot or a cosine, and the order of strokes whose
// middles are exactly equal among the first or last ENDS of a long line (NumPy's argsort
// there is not stable): a decision taken on such a knife edge could go the other way.

export const MAX_TURN = 10.0;  // degrees either way the writing direction is searched
export const TURN_STEP = 0.5;  // degrees between the angles tried
export const BODY = 0.5;       // a stroke with at least this much ink (in h) may start a run
export const DOWN = 0.6;       // a run ends at a body stroke this far (h) below it, leftwards,
export const FAR = 2.0;        // or this far below, in any direction
export const LEFT = 1.0;       // "leftwards": it starts this far (h) left of the run's end
export const UP = 0.6;         // or one lands this share of the pitch above it (a late word)
export const UP_ONE = 1.5;     // ... or this far (in h), where the pitch comes from one drop
export const RECENT = 6;       // body strokes of a run that say where its line is now
export const ENDS = 8;         // body strokes at each end that say where a piece of line is
export const MERGE = 0.45;     // runs within this share of the line pitch are one line
export const FRAGMENT = 2.0;   // a run with less ink than this (in h) is no line of its own,
export const FLAT = 0.6;       // nor one less high than this (in h)
export const STRAIGHT = 2.0;   // ... whose ink is under this many times its length
export const SHORT = 2.0;      // a run shorter than this (h) in a line's own band is of it
export const ABOVE = 0.6;      // above a centre line counts this much (dots, bars sit high)
export const STAY = 0.8;       // a stroke leaves its run's line only for one this much nearer
export const BEYOND = 0.1;     // each h beyond the ends of a line's ink counts this much more
export const FLOW = 4.0;       // body strokes this close (h) along a line hold what is between,
export const FLOW_STROKES = 3; // ... with at most this many strokes between them
export const BACK = 3.0;       // a line written into is cut where the pen went this far (h) left
export const JUMP = 1.0;       // ... and its pieces written apart, where it jumped this far right
export const HOLD = 0.1;       // a piece put back goes after the stroke whose extent, this
                               // much wider, holds its middle
export const CUES = Object.freeze(['turn', 'pen_order', 'up', 'curve', 'merge', 'reassign',
  'flow', 'reorder']);
// algorithms/line_finding.py's DEFAULT_CUES: all but the turn search, which bought nothing
// measured (runs and per-line fits absorb a page turned a few degrees) and costs the most
export const DEFAULT_CUES = Object.freeze(CUES.filter((cue) => cue !== 'turn'));

/** Lines of a page: [[stroke index, ...], ...], top to bottom, each in reading order.
 * strokes: arrays of [x, y(, t)] points, y down, in the order written; strokes with no
 * points are left out of every line, and no strokes give no lines. cues: the steps to
 * use (some of CUES). */
export function findLines(strokes, cues = DEFAULT_CUES) {
  const unknown = [...cues].filter((cue) => !CUES.includes(cue)).sort();
  if (unknown.length) {
    throw new Error(`unknown line finding cues ${unknown.join(', ')}; choose from ` +
      `${[...CUES].sort().join(', ')}`);
  }
  const kept = [];
  strokes.forEach((stroke, i) => { if (stroke.length) kept.push(i); });
  if (!kept.length) return [];
  const xy = kept.map((i) => ({
    x: Float64Array.from(strokes[i], (p) => Number(p[0])),
    y: Float64Array.from(strokes[i], (p) => Number(p[1])),
  }));
  const page = new Page(xy, new Set(cues));
  return page.lines().map((line) => line.map((i) => kept[i]));
}

/** A page's strokes with what line finding measures of them (the Python module's steps). */
class Page {
  constructor(xy, cues) {
    this.cues = cues;
    this.ink = xy.map(({ x, y }) => ink(x, y));
    const heights = xy.map(({ y }) => max(y) - min(y));
    this.h = scale(heights, this.ink, xy);
    const angle = cues.has('turn') ? turn(xy, this.h) : 0.0;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    const uv = xy.map(({ x, y }) => ({
      u: x.map((xi, i) => xi * c + y[i] * s),
      v: y.map((yi, i) => yi * c - x[i] * s),
    }));
    this.u = uv.map(({ u }) => 0.5 * (min(u) + max(u)));
    this.start = uv.map(({ u }) => u[0]);
    this.left = uv.map(({ u }) => min(u));
    this.end = uv.map(({ u }) => max(u));
    this.v = uv.map(({ u, v }) => medianV(u, v));
    this.top = uv.map(({ v }) => min(v));
    this.bottom = uv.map(({ v }) => max(v));
    this.weight = this.ink.map((i) => Math.max(i, 0.05 * this.h)); // dots count a little
    this.body = this.ink.map((i) => i >= BODY * this.h);
  }

  lines() {
    let runs;
    if (this.cues.has('pen_order')) {
      const [first, drops] = this.runs(Infinity);
      runs = first;
      if (this.cues.has('up')) { // again, now that the pitch is known
        [runs] = this.runs(this.up(runs, drops));
      }
    } else {
      runs = this.oneRunPerStroke();
    }
    let lines = this.cues.has('merge') ? this.merge(runs) : runs;
    if (this.cues.has('reassign')) {
      for (let pass = 0; pass < 2; pass++) lines = this.reassign(lines);
      if (this.cues.has('merge')) lines = this.merge(lines); // a line left with a late word
    }
    const middle = 0.5 * (min(this.u) + max(this.u));
    const levels = lines.map((line) => this.fit(line)(middle));
    const order = stableOrder(levels);
    const sorted = (line) => [...line].sort((a, b) => a - b);
    if (!this.cues.has('reorder')) return order.map((k) => sorted(lines[k]));
    return order.map((k) => this.inPlace(sorted(lines[k])));
  }

  /** Step 6: a line's strokes in page order, but pieces written into it from elsewhere in
   * the page's order put back where they lie along the line (a piece of only dots and bars
   * stroke by stroke). */
  inPlace(line) {
    if (line[line.length - 1] - line[0] === line.length - 1) return line;
    let pieces = [[line[0]]];
    for (let j = 1; j < line.length; j++) {
      const [before, stroke] = [line[j - 1], line[j]];
      if (stroke !== before + 1 || this.start[stroke] < this.end[before] - BACK * this.h) {
        pieces.push([]);
      }
      pieces[pieces.length - 1].push(stroke);
    }
    // dots and bars written apart (all of a line's i-dots, after the page) go one by one
    pieces = pieces.flatMap((piece) => (piece.some((i) => this.body[i]) ? [piece]
      : piece.map((i) => [i])));
    let longest = 0;
    pieces.forEach((piece, k) => { if (piece.length > pieces[longest].length) longest = k; });
    let out = [...pieces[longest]];
    const apart = [...pieces.slice(0, longest), ...pieces.slice(longest + 1)]
      .flatMap((piece) => this.atOnePlace(piece));
    for (const piece of apart) out = this.putBack(out, piece);
    return out;
  }

  /** `out` with `piece` (strokes written apart) put in its place along the line: after the
   * stroke placed so far whose extent, HOLD h wider each side, holds the piece's middle (the
   * nearest by centre when several do), else after the last one whose left edge is left of
   * that middle. */
  putBack(out, piece) {
    const left = (i) => this.left[i];
    const middle = 0.5 * (min(piece.map(left)) + max(piece.map((i) => this.end[i])));
    const reach = HOLD * this.h;
    let place = -1;
    let nearest = Infinity;
    out.forEach((i, k) => {
      if (left(i) - reach <= middle && middle <= this.end[i] + reach
          && Math.abs(this.u[i] - middle) < nearest) {
        place = k;
        nearest = Math.abs(this.u[i] - middle);
      }
    });
    if (place < 0) {
      for (let k = out.length - 1; k >= 0; k--) {
        if (left(out[k]) <= middle) { place = k; break; }
      }
    }
    return [...out.slice(0, place + 1), ...piece, ...out.slice(place + 1)];
  }

  /** A piece written apart from its line, cut where the pen jumped forward over JUMP h:
   * late marks of several words (a quote, a t-bar, a comma) are not one place. */
  atOnePlace(piece) {
    const parts = [[piece[0]]];
    for (let j = 1; j < piece.length; j++) {
      if (this.start[piece[j]] > this.end[piece[j - 1]] + JUMP * this.h) parts.push([]);
      parts[parts.length - 1].push(piece[j]);
    }
    return parts;
  }

  /** How far above its run a body stroke must land to leave it (cue up): UP x the pitch,
   * and at most UP_ONE h where the pitch comes from one drop only (which may be two
   * pitches: lines written first, third, second). */
  up(runs, drops) {
    const pitch = drops.length > 1 ? median(drops) : this.pitch(runs);
    return drops.length === 1 ? Math.min(UP * pitch, UP_ONE * this.h) : UP * pitch;
  }

  /** Step 3: the strokes in page order, cut where a body stroke starts a new line, or
   * lands `up` or more above the run. -> [runs, drops]: how far below its run's line each
   * new line started, back left (the pitch, from two or more). */
  runs(up) {
    const runs = [[0]];
    const drops = [];
    let recent = this.body[0] ? [0] : [];
    for (let i = 1; i < this.u.length; i++) {
      if (this.body[i] && recent.length) {
        const back = this.start[i] < max(recent.map((r) => this.end[r])) - LEFT * this.h;
        // back left: the run's line where the pen lands; else first where the pen was,
        // then to be sure the run's line where it lands
        if (back || this.leaves(this.v[i] - median(recent.map((r) => this.v[r])), back, up)) {
          const below = this.v[i] - this.level(runs[runs.length - 1], this.u[i]);
          if (this.leaves(below, back, up)) {
            if (back && below > 0) drops.push(below); // a new line: the pen dropped a pitch
            runs.push([]);
            recent = [];
          }
        }
      }
      runs[runs.length - 1].push(i);
      if (this.body[i]) recent = [...recent, i].slice(-RECENT);
    }
    return [runs, drops];
  }

  /** Whether a body stroke this far below a run's line (negative: above) leaves it. */
  leaves(below, back, up) {
    return below > FAR * this.h || (below > DOWN * this.h && back) || -below > up;
  }

  /** Where a run's line is at u: a straight fit of its body strokes' centres, or their
   * median when they span under 4 h. */
  level(run, u) {
    const bodies = run.filter((i) => this.body[i]);
    const us = bodies.map((i) => this.u[i]);
    const [low, high] = [min(us), max(us)];
    const vs = bodies.map((i) => this.v[i]);
    if (high - low < 4 * this.h || bodies.length < 3) return median(vs);
    const coef = polyfit(us.map((ui) => ui - low), vs, 1,
      bodies.map((i) => Math.sqrt(this.weight[i])));
    return polyval(coef, u - low);
  }

  /** Without pen order: each body stroke a run, the others with the body stroke whose
   * centre is nearest. */
  oneRunPerStroke() {
    const bodies = range(this.u.length).filter((i) => this.body[i]);
    if (!bodies.length) return [range(this.u.length)];
    const runs = new Map(bodies.map((b) => [b, [b]]));
    for (let i = 0; i < this.u.length; i++) {
      if (this.body[i]) continue;
      const near = bodies[argmin(bodies.map((b) => Math.hypot(this.u[b] - this.u[i],
        this.v[b] - this.v[i])))];
      runs.get(near).push(i);
    }
    return [...runs.values()];
  }

  /** Step 4: runs on one centre line become one line; the most ink goes first. */
  merge(runs) {
    const pitch = this.pitch(runs);
    const inks = runs.map((run) => -pairwiseSum(run.map((i) => this.weight[i])));
    const order = stableOrder(inks).map((k) => runs[k]);
    const lines = [];
    const fits = [];
    for (const run of order) {
      const below = fits.map((fit) => run.map((i) => this.v[i] - fit(this.u[i])));
      const distances = lines.map((line, k) => this.apart(line, run, below[k]));
      let k = null;
      if (distances.length && min(distances) < MERGE * pitch) {
        k = argmin(distances);
      } else if (distances.length && this.fragment(run)) {
        k = argmin(below.map((b) => median(b.map(cost))));
      } else if (distances.length) {
        k = this.holding(lines, run);
      }
      if (k !== null) {
        lines[k] = [...lines[k], ...run];
        fits[k] = this.fit(lines[k]);
      } else {
        lines.push([...run]);
        fits.push(this.fit(run));
      }
    }
    return lines;
  }

  /** How far a run is from a line: where they overlap along the line, the median distance
   * of the run's strokes from the line's centre line; where they do not, the step between
   * the two at the ends that face each other. */
  apart(line, run, below) {
    const lineU = line.map((i) => this.u[i]);
    const [low, high] = [min(lineU), max(lineU)];
    const runU = run.map((i) => this.u[i]);
    if (max(runU) < low || min(runU) > high) {
      const [left, right] = max(runU) < low ? [run, line] : [line, run];
      return Math.abs(this.endLevel(left, -1) - this.endLevel(right, 0));
    }
    return median(below.map(Math.abs));
  }

  /** The median centre of the ENDS body strokes at one end (0: left, -1: right) of some
   * strokes, all of them where they have no body. */
  endLevel(strokes, end) {
    const bodies = this.bodiesOf(strokes);
    const ordered = stableOrder(bodies.map((i) => this.u[i])).map((k) => bodies[k]);
    const ends = end === 0 ? ordered.slice(0, ENDS) : ordered.slice(-ENDS);
    return median(ends.map((i) => this.v[i]));
  }

  /** The line whose own ink holds a short run (opening quotes written high before their
   * word), or null. */
  holding(lines, run) {
    const left = (i) => this.left[i];
    const low = min(run.map(left));
    const high = max(run.map((i) => this.end[i]));
    if (high - low >= SHORT * this.h) return null;
    const centre = median(run.map((i) => this.v[i]));
    const bottom = max(run.map((i) => this.bottom[i]));
    for (let k = 0; k < lines.length; k++) {
      const near = lines[k].filter((i) => this.body[i] && this.end[i] > low - this.h
        && left(i) < high + this.h);
      if (near.length && min(near.map((i) => this.top[i])) < centre
          && bottom <= max(near.map((i) => this.bottom[i]))) return k;
    }
    return null;
  }

  /** Whether a run is too little to be a line: under FRAGMENT h of ink, or under FLAT h
   * high with ink under STRAIGHT times its length (a word of small letters goes up and
   * down). */
  fragment(run) {
    const ink = pairwiseSum(run.map((i) => this.ink[i]));
    const length = max(run.map((i) => this.end[i]))
      - min(run.map((i) => this.left[i]));
    return ink < FRAGMENT * this.h
      || (max(run.map((i) => this.bottom[i])) - min(run.map((i) => this.top[i])) < FLAT * this.h
        && ink < STRAIGHT * length);
  }

  /** The line pitch: median distance between the levels of runs next to each other, over
   * runs with a body; 3 h when there are not two of them. */
  pitch(runs) {
    const levels = runs.filter((run) => run.some((i) => this.body[i]))
      .map((run) => median(run.filter((i) => this.body[i]).map((i) => this.v[i])))
      .sort((a, b) => a - b);
    const gaps = levels.slice(1).map((level, k) => level - levels[k])
      .filter((gap) => gap > DOWN * this.h);
    return gaps.length ? median(gaps) : 3.0 * this.h;
  }

  /** Step 5: each stroke to the nearest centre line; empty lines go. */
  reassign(lines) {
    const strokes = this.u.length;
    const fits = lines.map((line) => this.fit(line));
    const own = new Int32Array(strokes);
    lines.forEach((line, k) => line.forEach((i) => { own[i] = k; }));
    const costs = lines.map((line, k) => {
      const beyond = this.beyond(line);
      return range(strokes).map((i) => {
        const c = cost(this.v[i] - fits[k](this.u[i])) + BEYOND * beyond[i];
        return own[i] === k ? c * STAY : c;
      });
    });
    const best = Int32Array.from(range(strokes), (i) => argmin(costs.map((c) => c[i])));
    if (this.cues.has('flow')) {
      const stay = this.inFlow(own, best);
      stay.forEach((s, i) => { if (s) best[i] = own[i]; });
    }
    return range(lines.length).map((k) => range(strokes).filter((i) => best[i] === k))
      .filter((line) => line.length);
  }

  /** How far each stroke's middle lies beyond the ends of a line's ink (of its body
   * strokes, where it has any). */
  beyond(line) {
    const lineU = this.bodiesOf(line).map((i) => this.u[i]);
    const [low, high] = [min(lineU), max(lineU)];
    return this.u.map((u) => Math.max(Math.max(low - u, u - high), 0.0));
  }

  /** Whether each stroke was written in the flow of its line: between two body strokes of
   * that line that sit well in it, near each other in pen order and along the line. */
  inFlow(own, best) {
    const strokes = own.length;
    const settled = range(strokes).filter((i) => this.body[i] && best[i] === own[i]);
    if (settled.length < 2) return new Array(strokes).fill(false);
    return range(strokes).map((i) => {
      const slot = Math.min(Math.max(searchsorted(settled, i), 1), settled.length - 1);
      const [before, after] = [settled[slot - 1], settled[slot]];
      const low = Math.min(this.start[before], this.start[after]) - this.h;
      const high = Math.max(this.end[before], this.end[after]) + this.h;
      return before < i && i < after && after - before <= FLOW_STROKES + 1
        && own[before] === own[i] && own[after] === own[i]
        && Math.abs(this.u[after] - this.u[before]) < FLOW * this.h
        && this.u[i] >= low && this.u[i] <= high;
    });
  }

  /** The body strokes of some strokes; all of them where none is a body stroke. */
  bodiesOf(strokes) {
    const bodies = strokes.filter((i) => this.body[i]);
    return bodies.length ? bodies : strokes;
  }

  /** A line's centre line v(u): robust weighted least squares on its strokes' centres;
   * quadratic when it spans over 12 h with 8 body strokes, straight over 4 h with 3, else
   * level; flat beyond the ends of its ink. Fitted to its body strokes where it has any:
   * dots and bars sit off the line, and written late they may lie where it has no ink. */
  fit(strokes) {
    const line = this.bodiesOf(strokes);
    const u = line.map((i) => this.u[i]);
    const v = line.map((i) => this.v[i]);
    const w = line.map((i) => this.weight[i]);
    const [low, high] = [min(u), max(u)];
    const span = high - low;
    const bodies = line.filter((i) => this.body[i]).length;
    const degree = span > 12 * this.h && bodies >= 8 && this.cues.has('curve') ? 2
      : span > 4 * this.h && bodies >= 3 ? 1 : 0;
    const scaleU = Math.max(span, this.h);
    const x = u.map((ui) => (ui - low) / scaleU);
    let keep = x.map(() => true);
    let coef;
    for (let pass = 0; pass < 2; pass++) { // refit without strokes far off the first fit
      const kept = range(x.length).filter((i) => keep[i]);
      coef = kept.length > degree
        ? polyfit(kept.map((i) => x[i]), kept.map((i) => v[i]), degree,
          kept.map((i) => Math.sqrt(w[i])))
        : [median(v)];
      const residual = x.map((xi, i) => Math.abs(v[i] - polyval(coef, xi)));
      const limit = Math.max(1.5 * this.h, median(residual) * 3);
      keep = residual.map((r) => r < limit);
      if (keep.filter(Boolean).length <= degree) break;
    }
    return (q) => polyval(coef, (Math.min(Math.max(q, low), high) - low) / scaleU);
  }
}

/** How far a stroke is from a centre line, from its signed distance below it: above
 * counts ABOVE times as far. */
function cost(below) {
  return below < 0 ? -ABOVE * below : below;
}

/** Pen travel of one stroke. */
function ink(x, y) {
  if (x.length < 2) return 0.0;
  return pairwiseSum(range(x.length - 1).map((i) => Math.hypot(x[i + 1] - x[i],
    y[i + 1] - y[i])));
}

/** Each point's share of its stroke's ink (half the segments either side). */
function pointWeights(x, y) {
  const w = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) w[i] = Math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) / 2;
  for (let i = x.length - 1; i >= 1; i--) {
    w[i] += Math.hypot(x[i] - x[i - 1], y[i] - y[i - 1]) / 2;
  }
  return w;
}

/** A stroke's centre across the line: the median v of its ink. */
function medianV(u, v) {
  if (u.length === 1) return v[0];
  const w = pointWeights(u, v);
  if (pairwiseSum(w) === 0) return v[0];
  const order = stableOrder(v);
  const cumulative = cumsum(order.map((i) => w[i]));
  return v[order[searchsorted(cumulative, 0.5 * cumulative[cumulative.length - 1])]];
}

/** h: the ink-weighted median height of the strokes with at least the median ink. */
function scale(heights, inks, xy) {
  const middle = median(inks);
  const big = range(inks.length).filter((i) => inks[i] >= middle);
  if (pairwiseSum(big.map((i) => inks[i])) > 0) {
    const order = stableOrder(big.map((i) => heights[i])).map((k) => big[k]);
    const cumulative = cumsum(order.map((i) => inks[i]));
    const h = heights[order[searchsorted(cumulative, 0.5 * cumulative[cumulative.length - 1])]];
    if (h > 0) return h;
  }
  const xs = xy.flatMap(({ x }) => [min(x), max(x)]);
  const ys = xy.flatMap(({ y }) => [min(y), max(y)]);
  return Math.max(max(ys) - min(ys), max(xs) - min(xs), 1e-9);
}

/** The writing direction, radians: the turn at which the ink's profile across the lines
 * is sharpest. */
function turn(xy, h) {
  const x = concatenate(xy.map((s) => s.x));
  const y = concatenate(xy.map((s) => s.y));
  const weights = concatenate(xy.map((s) => pointWeights(s.x, s.y)));
  if (pairwiseSum(weights) === 0) return 0.0;
  let [best, bestScore] = [0.0, -1.0];
  const v = new Float64Array(x.length);
  const bins = new Int32Array(x.length);
  const steps = Math.ceil((2 * MAX_TURN + TURN_STEP / 2) / TURN_STEP);
  for (let step = 0; step < steps; step++) {
    const a = (-MAX_TURN + step * TURN_STEP) * (Math.PI / 180.0);
    const [c, s] = [Math.cos(a), Math.sin(a)];
    let low = Infinity;
    for (let i = 0; i < x.length; i++) {
      v[i] = y[i] * c - x[i] * s;
      if (v[i] < low) low = v[i];
    }
    let top = 0;
    for (let i = 0; i < x.length; i++) {
      bins[i] = Math.floor((v[i] - low) / (0.5 * h));
      if (bins[i] > top) top = bins[i];
    }
    const counts = new Float64Array(top + 1);
    for (let i = 0; i < x.length; i++) counts[bins[i]] += weights[i];
    for (let b = 0; b <= top; b++) counts[b] *= counts[b];
    const score = pairwiseSum(counts);
    if (score > bestScore * (1 + 1e-9) || (Math.abs(score - bestScore) <= bestScore * 1e-9
                                           && Math.abs(a) < Math.abs(best))) {
      [best, bestScore] = [a, score];
    }
  }
  return best;
}

function concatenate(arrays) {
  const out = new Float64Array(arrays.reduce((total, a) => total + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

// -- NumPy's arithmetic ----------------------------------------------------------------

/** numpy.polyfit(x, y, degree, w=w): coefficients, highest power first. The same scaled
 * system, solved by least squares with lstsq's default cut-off. */
function polyfit(x, y, degree, w) {
  // numpy.vander's powers (x * x for the square), each row times its weight
  const power = (xi, p) => (p === 0 ? 1 : p === 1 ? xi : xi * xi);
  const columns = range(degree + 1).map((j) => x.map((xi, i) => power(xi, degree - j) * w[i]));
  const rhs = y.map((yi, i) => yi * w[i]);
  const norms = columns.map((column) => Math.sqrt(columnSum(column.map((c) => c * c))));
  const scaled = columns.map((column, j) => column.map((c) => c / norms[j]));
  const solution = leastSquares(scaled, rhs, x.length * Number.EPSILON);
  return solution.map((c, j) => c / norms[j]);
}

/** numpy.polyval by Horner's rule. */
function polyval(coef, x) {
  let y = 0;
  for (const c of coef) y = y * x + c;
  return y;
}

/** Minimum-norm least squares of columns (k arrays of n) against b: a one-sided Jacobi
 * singular value decomposition, singular values under rcond times the largest dropped. */
function leastSquares(columns, b, rcond) {
  const k = columns.length;
  const a = columns.map((column) => Float64Array.from(column));
  const vt = range(k).map((j) => Float64Array.from(range(k), (i) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const alpha = dot(a[p], a[p]);
        const beta = dot(a[q], a[q]);
        const gamma = dot(a[p], a[q]);
        if (Math.abs(gamma) <= Number.EPSILON * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (const m of [a, vt]) {
          const [mp, mq] = [m[p], m[q]];
          for (let i = 0; i < mp.length; i++) {
            const [xp, xq] = [mp[i], mq[i]];
            mp[i] = c * xp - s * xq;
            mq[i] = s * xp + c * xq;
          }
        }
      }
    }
    if (!rotated) break;
  }
  const sigma = a.map((column) => Math.sqrt(dot(column, column)));
  const cutoff = rcond * max(sigma);
  const solution = new Array(k).fill(0);
  sigma.forEach((s, j) => {
    if (!(s > cutoff)) return;
    const coefficient = dot(a[j], b) / (s * s); // (u_j . b) / s_j, u_j = a_j / s_j
    for (let i = 0; i < k; i++) solution[i] += vt[j][i] * coefficient;
  });
  return solution;
}

function dot(p, q) {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i] * q[i];
  return total;
}

/** A sum down a column, as NumPy sums along axis 0 of a 2-d array: in order. */
function columnSum(values) {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** NumPy's sum of float64s: pairwise, in blocks of 128 unrolled by 8. */
function pairwiseSum(values, from = 0, to = values.length) {
  const n = to - from;
  if (n < 8) {
    let total = 0.0;
    for (let i = from; i < to; i++) total += values[i];
    return total;
  }
  if (n <= 128) {
    const r = Array.from(values.slice(from, from + 8));
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[from + i + j];
    }
    let total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) total += values[from + i];
    return total;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, from + half) + pairwiseSum(values, from + half, to);
}

function cumsum(values) {
  let total = 0;
  return values.map((value) => { total += value; return total; });
}

/** numpy.median: the middle value, or the mean of the middle two. */
function median(values) {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** numpy.searchsorted (side left): the first index whose value is not below `value`. */
function searchsorted(sorted, value) {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Indices that sort the values, ties in their order (NumPy's stable argsort). */
function stableOrder(values) {
  return range(values.length).sort((i, j) => values[i] - values[j] || i - j);
}

/** numpy.argmin: the first smallest. */
function argmin(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  return best;
}

function min(values) {
  let low = Infinity;
  for (const value of values) if (value < low) low = value;
  return low;
}

function max(values) {
  let high = -Infinity;
  for (const value of values) if (value > high) high = value;
  return high;
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}
