// The writing area: records strokes from pointer events (mouse, touch, pen) and draws them.
//
// A stroke is a list of [x, y, t]: x right and y down in CSS pixels from the canvas's
// top-left corner, t in seconds (event.timeStamp), the project's raw handwriting format.
// `listeners.penDown()` is called when a stroke starts, `listeners.changed()` when the ink
// has changed (a stroke finished, undo, clear): the page recognizes after a pause.

export class Ink {
  constructor(canvas, listeners = {}) {
    this.canvas = canvas;
    this.listeners = { penDown() {}, changed() {}, ...listeners };
    this.strokes = [];
    this.highlighted = new Set(); // strokes drawn in the highlight colour
    this.pointerId = null; // the pointer that is writing now, if any
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    canvas.addEventListener('pointerup', (event) => this.up(event));
    canvas.addEventListener('pointercancel', (event) => this.up(event));
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top, event.timeStamp / 1000];
  }

  down(event) {
    // one writing pointer at a time; the primary button of a mouse (or pen contact, touch)
    if (this.pointerId !== null || !event.isPrimary || event.button !== 0) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pointerId = event.pointerId;
    this.strokes.push([this.point(event)]);
    this.highlighted.clear(); // the lines read are of other ink now
    this.draw();
    this.listeners.penDown();
  }

  move(event) {
    if (event.pointerId !== this.pointerId) return;
    // a pen samples faster than frames are drawn: the coalesced events hold every sample
    const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    const stroke = this.strokes[this.strokes.length - 1];
    (samples.length ? samples : [event]).forEach((sample) => stroke.push(this.point(sample)));
    this.draw();
  }

  up(event) {
    if (event.pointerId !== this.pointerId) return;
    this.pointerId = null;
    this.listeners.changed();
  }

  undo() {
    if (this.pointerId !== null) return;
    this.strokes.pop();
    this.highlighted.clear();
    this.draw();
    this.listeners.changed();
  }

  clear() {
    if (this.pointerId !== null) return;
    this.strokes = [];
    this.highlighted.clear();
    this.draw();
    this.listeners.changed();
  }

  /** Draw these strokes (indices) in the highlight colour, the others as usual. */
  highlight(indices = []) {
    this.highlighted = new Set(indices);
    this.draw();
  }

  /** Match the drawing buffer to the displayed size (sharp on high-density screens). */
  resize() {
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.canvas.clientWidth * ratio);
    this.canvas.height = Math.round(this.canvas.clientHeight * ratio);
    this.draw();
  }

  draw() {
    const context = this.canvas.getContext('2d');
    const ratio = this.canvas.width / (this.canvas.clientWidth || 1);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, this.canvas.clientWidth, this.canvas.clientHeight);
    context.lineWidth = 2.5;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    this.strokes.forEach((stroke, i) => {
      context.strokeStyle = this.highlighted.has(i) ? '#e65100' : '#1a237e';
      context.beginPath();
      context.moveTo(stroke[0][0], stroke[0][1]);
      // a single point (a dot) is drawn as a zero-length line: a round cap shows it
      stroke.forEach(([x, y]) => context.lineTo(x, y));
      context.stroke();
    });
  }
}
