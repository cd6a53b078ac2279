// The ink written on the page as W3C InkML, for "Download ink": the layout data/inkml.py
// reads (recognize.py prints its text back), kept plain so that other tools read it too.
//
//   <ink xmlns="http://www.w3.org/2003/InkML">
//     <traceFormat> X, Y, T (seconds) </traceFormat>
//     <annotation type="recognized">the page's text</annotation>
//     <trace>x y t, x y t, ...</trace>          one per stroke
//   </ink>
//
// The text is annotated as "recognized", not "truth": it may be wrong, and a data set
// reader that trains on true transcriptions must not take it for one.

export const INKML_NAMESPACE = 'http://www.w3.org/2003/InkML';
export const TEXT_ANNOTATION = 'recognized';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeXml(text) {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/** A number as the shortest text that reads back to the same double. */
function numberText(value) {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to InkML`);
  return String(value);
}

/** Strokes of [x, y, t] (t in seconds) and an optional text -> an InkML document. */
export function toInkml(strokes, text = null) {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ink xmlns="${INKML_NAMESPACE}">`,
    '  <traceFormat>',
    '    <channel name="X" type="decimal"/>',
    '    <channel name="Y" type="decimal"/>',
    '    <channel name="T" type="decimal" units="s"/>',
    '  </traceFormat>',
  ];
  if (text) out.push(`  <annotation type="${TEXT_ANNOTATION}">${escapeXml(text)}</annotation>`);
  for (const stroke of strokes) {
    const points = stroke.map((point) => point.slice(0, 3).map(numberText).join(' '));
    out.push(`  <trace>${points.join(', ')}</trace>`);
  }
  out.push('</ink>');
  return `${out.join('\n')}\n`;
}
