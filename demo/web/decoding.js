// Best path (greedy) CTC decoding, a port of algorithms/best_path.py.
//
// Input layout, as for every decoder in the project: per-frame class probabilities
// (T, C), here a row-major typed array, class 0 the CTC blank, classes 1..C-1 the
// character table in order (metadata.json `characters`, `blank`).

export const BLANK = 0; // data/charset.py BLANK; the page refuses metadata that differs

/** Class ids (no blanks) of one line: the most likely class per frame, repeats merged,
 * blanks dropped. Ties go to the lower class, as NumPy's argmax does. */
export function bestPath(probabilities, frames, numClasses) {
  if (probabilities.length !== frames * numClasses) {
    throw new Error(`expected ${frames} x ${numClasses} probabilities, got ${probabilities.length}`);
  }
  const ids = [];
  let previous = -1;
  for (let t = 0; t < frames; t++) {
    const row = t * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) {
      if (probabilities[row + c] > probabilities[row + best]) best = c;
    }
    if (best !== previous && best !== BLANK) ids.push(best);
    previous = best;
  }
  return ids;
}

/** Class ids -> text: class i is characters[i - 1] (class 0 being the blank). */
export function idsToText(ids, characters) {
  return ids.map((i) => characters[i - 1]).join('');
}
