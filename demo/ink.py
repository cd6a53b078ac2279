"""The demo's logic without the window: recording pen strokes, and replaying an example.

Kept apart from the Tk code so that it can be tested without a display, and so that the
window code is only wiring. Strokes are what the Recognizer takes: a list of strokes, each a
list of (x, y, t) with x to the right, y down (canvas pixels) and t in seconds.
"""
import json

DOT_PIXELS = 3.0      # ink no larger than this (canvas pixels) is a dot, not writing
MAX_REPLAY_PAUSE = 1.0  # seconds: longer pen-up pauses of an example are cut when replayed


class Ink:
    """The strokes written so far, in the order written.

    Times come from the window system's event clock (milliseconds) and are kept in seconds
    from the first point written, so that numbers stay small and a stroke undone does not
    move the others in time.
    """

    def __init__(self):
        self.strokes = []
        self._origin_ms = None

    def pen_down(self, x, y, time_ms):
        if self._origin_ms is None:
            self._origin_ms = time_ms
        self.strokes.append([(float(x), float(y), (time_ms - self._origin_ms) / 1000.0)])

    def pen_move(self, x, y, time_ms) -> bool:
        """Add a point to the current stroke; False (nothing added) if the pen has not
        moved, since repeated points carry no ink."""
        last = self.strokes[-1][-1]
        if (float(x), float(y)) == last[:2]:
            return False
        self.strokes[-1].append((float(x), float(y), (time_ms - self._origin_ms) / 1000.0))
        return True

    def add_point(self, x, y, t, starts_stroke):
        """A point with its own time in seconds (a replayed example keeps its clock)."""
        if starts_stroke:
            self.strokes.append([])
        self.strokes[-1].append((float(x), float(y), float(t)))

    def undo(self) -> bool:
        """Remove the last stroke; False if there was none."""
        if not self.strokes:
            return False
        self.strokes.pop()
        if not self.strokes:
            self._origin_ms = None
        return True

    def clear(self):
        self.strokes = []
        self._origin_ms = None

    def __len__(self):
        return len(self.strokes)

    def copy(self) -> list:
        """The strokes as they are now, safe to hand to another thread."""
        return [list(stroke) for stroke in self.strokes]


def problem(strokes):
    """Why these strokes cannot be recognized, as a message for the user; None if they can.

    A click without a drag leaves a dot: the Recognizer would reject a single point, and a
    few points within a pixel or two carry no shape, so both get the same message.
    """
    if not strokes:
        return 'Nothing to recognize: write on the canvas first.'
    xs = [p[0] for stroke in strokes for p in stroke]
    ys = [p[1] for stroke in strokes for p in stroke]
    if max(max(xs) - min(xs), max(ys) - min(ys)) <= DOT_PIXELS:
        return 'A single dot cannot be recognized: write a word.'
    return None


def fit_to_box(strokes, width, height, margin):
    """Scale and move strokes (any units, y down) to fill a width x height box, keeping
    their aspect ratio and leaving `margin` on every side; times are unchanged."""
    points = [p for stroke in strokes for p in stroke]
    left, top = min(p[0] for p in points), min(p[1] for p in points)
    ink_w = max(p[0] for p in points) - left
    ink_h = max(p[1] for p in points) - top
    scale = min((width - 2 * margin) / max(ink_w, 1e-9),
                (height - 2 * margin) / max(ink_h, 1e-9))
    x0 = (width - scale * ink_w) / 2 - scale * left
    y0 = (height - scale * ink_h) / 2 - scale * top
    return [[(x0 + scale * x, y0 + scale * y, t) for x, y, t in stroke] for stroke in strokes]


def replay_schedule(strokes, max_pause=MAX_REPLAY_PAUSE):
    """When to draw each point of a recorded example: a list of
    (seconds after the replay starts, x, y, t, starts_stroke).

    The pen moves at its recorded speed; only pauses longer than `max_pause` between
    points are shortened (a writer who stopped to think would stall the demo). The points
    keep their recorded t, so the recognizer sees the example's own timing.
    """
    schedule, clock, previous = [], 0.0, None
    for stroke in strokes:
        for i, (x, y, t) in enumerate(stroke):
            if previous is not None:
                clock += min(max(t - previous, 0.0), max_pause)
            previous = t
            schedule.append((clock, x, y, t, i == 0))
    return schedule


class Report:
    """Events as JSON lines, for scripts and tests that drive the window (--report).

    Each line is flushed at once, so that a reader polling the file sees it immediately.
    """

    def __init__(self, path):
        self.file = open(path, 'a', encoding='utf-8') if path else None

    def write(self, event, **fields):
        if self.file:
            self.file.write(json.dumps({'event': event, **fields}, ensure_ascii=False) + '\n')
            self.file.flush()
