// Pages of ink in, lines of text out: the page's counterpart of models/page_reader.py's
// lines (not yet its words linked to ink). The strokes are found into lines
// (line_finding.js, the port of algorithms/line_finding.py), each put on a clock that runs
// forward in its reading order (onReadingClock), and recognized one after another (the
// page's network reads one line at a time; starting them all at once, so that one is
// decoded while the next one runs, measured no faster: bench_web.py --pages).
// Ink that line finding reads as one line is recognized whole, as it always was. The page
// is read again after each pause, so lines read before (the same ink, the same decoder)
// are taken from a LineMemory: writing the fifth line recognizes that line only.
import { findLines } from './line_finding.js';

// auto: a page when the ink spans several lines (recognize.py's default); line: all the
// ink one line; page: its lines found (the same as auto: one line of ink gives one line)
export const LAYOUTS = ['auto', 'line', 'page'];

/** [[stroke index, ...] per line] of strokes, top line first, each in reading order. */
export function groupLines(strokes, layout = 'auto') {
  if (!LAYOUTS.includes(layout)) {
    throw new Error(`unknown layout ${layout}; choose from ${LAYOUTS.join(', ')}`);
  }
  if (layout === 'line') return [strokes.map((_, i) => i)];
  return findLines(strokes);
}

// moves like a stroke's own whose pauses give it one on the reading clock
export const NEAREST = 5;

/** A line's strokes in its reading order, on a clock that runs forward in that order
 * (models/page_reader.py on_reading_clock: a stroke read out of the order written, an
 * i-dot put back in its place, would come with a pause of minutes or a step back in time
 * that no training line has). Each stroke written right after the one read before it keeps
 * its pause; any other starts after the one before with the median pause of the NEAREST
 * moves between strokes written one after the other in this line whose pen travel is
 * nearest its own (a word space gets a word's pause); strokes keep their own durations. */
export function onReadingClock(strokes, group) {
  const moves = [];
  const pauses = [];
  for (let k = 1; k < group.length; k++) {
    if (group[k] === group[k - 1] + 1) {
      const [from, to] = [last(strokes[group[k - 1]]), strokes[group[k]][0]];
      moves.push([to[0] - from[0], to[1] - from[1]]);
      pauses.push(to[2] - from[2]);
    }
  }
  const out = [];
  group.forEach((i, k) => {
    const stroke = strokes[i];
    if (k === 0) {
      out.push(stroke);
      return;
    }
    let pause = 0.0;
    if (group[k - 1] === i - 1) {
      pause = stroke[0][2] - end(strokes[i - 1]);
    } else if (pauses.length) {
      const from = last(out[k - 1]);
      const [x, y] = [stroke[0][0] - from[0], stroke[0][1] - from[1]];
      const far = moves.map(([mx, my]) => (mx - x) * (mx - x) + (my - y) * (my - y));
      const nearest = far.map((_, j) => j).sort((a, b) => far[a] - far[b] || a - b);
      pause = median(nearest.slice(0, NEAREST).map((j) => pauses[j]));
    }
    const start = end(out[k - 1]) + pause;
    const t0 = stroke[0][2];
    out.push(stroke.map(([px, py, t]) => [px, py, t - t0 + start]));
  });
  return out;
}

/** A stroke's last point. */
function last(stroke) {
  return stroke[stroke.length - 1];
}

/** When a stroke ends: its last point's time. */
function end(stroke) {
  return last(stroke)[2];
}

/** numpy.median. */
function median(values) {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** The texts of the last `size` lines read, by decoder and ink, the least recently used
 * forgotten first. */
export class LineMemory {
  constructor(size = 32) {
    this.size = size;
    this.lines = new Map(); // key -> {text, frames, decoder}, least recently used first
  }

  static key(decoder, strokes) {
    return `${decoder} ${JSON.stringify(strokes)}`;
  }

  get(key) {
    const line = this.lines.get(key);
    if (line) { // now the most recently used
      this.lines.delete(key);
      this.lines.set(key, line);
    }
    return line;
  }

  set(key, line) {
    this.lines.set(key, line);
    if (this.lines.size > this.size) this.lines.delete(this.lines.keys().next().value);
  }
}

/** Strokes of (x, y, t) -> {text (the lines' texts joined by newlines), frames, decoder,
 * lines: [{text, strokes (indices into `strokes`), frames}], remembered (how many lines
 * came from `memory`, a LineMemory, or none)}, by a recognizer.js Recognizer. */
export async function readPage(recognizer, strokes, layout = 'auto', memory = null) {
  const groups = groupLines(strokes, layout);
  const lines = groups.length > 1 ? groups : [strokes.map((_, i) => i)];
  const read = [];
  let remembered = 0;
  for (const group of lines) {
    const ink = lines.length > 1 ? onReadingClock(strokes, group) : strokes;
    const key = memory && LineMemory.key(recognizer.decoder, ink);
    let line = memory && memory.get(key);
    if (line) {
      remembered++;
    } else {
      const { text, frames, decoder } = await recognizer.recognize(ink);
      line = { text, frames, decoder };
      if (memory) memory.set(key, line);
    }
    read.push(line);
  }
  return {
    text: read.map((line) => line.text).join('\n'),
    frames: read.reduce((total, line) => total + line.frames, 0),
    decoder: read[0].decoder,
    lines: read.map((line, k) => ({ text: line.text, strokes: lines[k], frames: line.frames })),
    remembered,
  };
}
