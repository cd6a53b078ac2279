"""Line finding: the strokes of a page -> its text lines, in reading order. Pure NumPy.

    from algorithms.line_finding import find_lines
    lines = find_lines(strokes)   # [[stroke index, ...] per line], top line first

How it works: pen order proposes, geometry disposes.
1. Scale. h is the height of the writing: the ink-weighted median height of the strokes
   that carry most ink (dots, bars and commas say nothing of it). Every threshold below is
   in h, so tablet pixels, whiteboard units and screen points are all the same to it.
2. Turn (cue `turn`, off by default: it bought nothing measured, runs and per-line fits
   already absorb a page turned a few degrees). The page may be turned a few degrees, or
   the writer's lines run uphill: the writing direction is the angle within +-MAX_TURN
   degrees at which the ink's projection across the lines is sharpest (the sum of squared
   shares of bins h / 2 high). From then on, u runs along the lines and v down across
   them (without the cue, u is x and v is y).
3. Runs from pen order (cue `pen_order`). People write a page line after line, so the
   strokes in the order given are cut into runs where a body stroke (one with ink of at
   least BODY h) leaves the run: it lands below the run's line (a straight fit of the
   run's body strokes, taken where the pen lands) by more than DOWN h after the pen went
   back left, or by more than FAR h whatever the direction, or (cue `up`) above it by more
   than UP x the line pitch (a word added to a line above, written later; the pitch comes
   from a first pass without this rule: the median drop below the run's line where the
   pen went back left to start a new one, with two or more of them; with one, at most
   UP_ONE h, since that one drop may span two lines: a page written first line, third,
   second). Dots, bars and punctuation never start a run.
4. Lines from runs (cue `merge`). Each run gets a centre line: a robust weighted
   least-squares fit of its body strokes' centres (the ink-weighted median v of each)
   against u (dots and bars sit off the line, and written late they may lie where it has
   no ink), a quadratic for a long run (cue `curve`: baselines curve), a straight line for a
   shorter one, level for a word or two. The line pitch p is the median distance between
   neighbouring runs. Runs are taken from the most ink down; one within MERGE p of a line
   taken before joins it: where they overlap along the line, by the median distance of
   its strokes from the line's centre line; where they do not, by the step between the
   ENDS body strokes that face each other (a line that slants goes on from where it was).
   A run too little to be a line (under FRAGMENT h of ink, or under FLAT h high with ink
   under STRAIGHT times its length: a bar, late commas; a one-word line of small letters
   is as flat, but its ink goes up and down) joins the nearest line whatever the
   distance, and a short run (under SHORT h long) that sits within the band of a line's
   own ink joins that line (opening quotes written high before their word).
5. Strokes to lines by geometry (cue `reassign`). Each stroke goes to the line whose
   centre line passes nearest its centre (above a line counts ABOVE times as far as
   below: i-dots and t-bars sit high; each h beyond the ends of a line's ink counts BEYOND
   h more), and keeps its own line unless another is nearer by the factor STAY. A stroke
   written in its line's flow (cue `flow`: between two body strokes that sit well in that
   line, at most FLOW_STROKES strokes apart in pen order and FLOW h apart along it) stays,
   wherever its ink dips: a "g" tail written apart, a "zz" that reaches into the next line.
   Centre lines are refitted and the step runs twice, then step 4 once more (a run that
   held a late word and late dots leaves a line that continues another). This is what
   puts late i-dots, t-bars and corrections where they were written, and keeps a
   descender that touches the next line's ascenders in its own line (a stroke is placed
   by its median, not by its extent).
6. Reading order (cue `reorder`): lines top to bottom by their centre line at the
   middle of the page; within a line, strokes keep the page's order (the order they were
   written in, which is what the recognizer was trained on), except in a line that other
   lines' strokes were written into the middle of (a dot added after the page, a word
   corrected after the next line was written): its pieces written at one go are put back
   where they lie along the line (dots and bars written at one go one by one, each in its
   place; a piece cut again where the pen jumped forward over JUMP h: the late quote,
   t-bar and comma of three words are three places), so that the recognizer reads them
   in their place rather than at the end (models/page_reader.py also gives them a clock
   that runs forward in that order).

Assumes: horizontal lines written left to right (Latin, Greek, Cyrillic scripts...), top
to bottom, roughly parallel (a page turned by a few degrees is fine, lines that
fan out by more than a pitch across the page are not); strokes in the order written for
step 3 (in any other order each body stroke starts its own run and step 4 alone groups
them: geometry still finds lines that do not touch). A single column of text: two columns
side by side read as one.

The `cues` argument switches steps on and off, one at a time, for the study
(studies/pages.py).
"""
import numpy as np

MAX_TURN = 10.0    # degrees either way the writing direction is searched
TURN_STEP = 0.5    # degrees between the angles tried
BODY = 0.5         # a stroke with at least this much ink (in h) may start a run
DOWN = 0.6         # a run ends when a body stroke lands this far (in h) below it, leftwards,
FAR = 2.0          # or this far below, in any direction
LEFT = 1.0         # "leftwards": it starts at least this far (in h) left of the run's end
UP = 0.6           # or when one lands this share of the pitch above it: a late word above
UP_ONE = 1.5       # ... or this far (in h), where the pitch comes from one drop only
RECENT = 6         # body strokes of a run that say where its line is now
ENDS = 8           # body strokes at each end that say where a piece of a line is there
MERGE = 0.45       # runs within this share of the line pitch are one line
FRAGMENT = 2.0     # a run with less ink than this (in h) is no line of its own,
FLAT = 0.6         # nor one less high than this (in h)
STRAIGHT = 2.0     # ... whose ink is under this many times its length (a word of small
                   # letters, as flat, goes up and down)
SHORT = 2.0        # a run shorter than this (in h) inside a line's own band is of that line
ABOVE = 0.6        # distance above a centre line counts this much (dots and bars sit high)
STAY = 0.8         # a stroke moves from its run's line only to one nearer by this factor
BEYOND = 0.1       # each h a stroke lies beyond the ends of a line counts this much more
FLOW = 4.0         # body strokes this close (in h) along a line hold what is written between,
FLOW_STROKES = 3   # ... with at most this many strokes between them
BACK = 3.0         # a line written into is cut where the pen went back left this far (h)
JUMP = 1.0         # ... and its pieces written apart, where the pen jumped forward this far
HOLD = 0.1         # a piece put back goes after the stroke whose extent, this much (h) wider,
                   # holds its middle
CUES = frozenset({'turn', 'pen_order', 'up', 'curve', 'merge', 'reassign', 'flow',
                  'reorder'})
# the turn search bought nothing measured (docs/pages.md) and is the dearest step: runs
# and per-line fits already absorb a page turned by a few degrees
DEFAULT_CUES = CUES - {'turn'}


def find_lines(strokes, cues=DEFAULT_CUES) -> list:
    """Lines of a page: [[stroke index, ...], ...], top to bottom, each in reading order
    (page order, but for strokes written apart from the line: see step 6).

    strokes: a list of (n, 3) or (n, 2) arrays or lists of (x, y[, t]) points, y down, in
    the order written. No strokes give no lines; strokes with no points are left out of
    every line. cues: the steps to use (a subset of CUES; DEFAULT_CUES, all but `turn`,
    by default)."""
    unknown = set(cues) - CUES
    if unknown:
        raise ValueError(f'unknown line finding cues {sorted(unknown)}; choose from '
                         f'{sorted(CUES)}')
    kept = [i for i, s in enumerate(strokes) if len(s)]
    if not kept:
        return []
    xy = [np.asarray(strokes[i], dtype=np.float64)[:, :2] for i in kept]
    page = _Page(xy, cues)
    return [[kept[i] for i in line] for line in page.lines()]


class _Page:
    """A page's strokes with what line finding measures of them (see the module's steps)."""

    def __init__(self, xy, cues):
        self.cues = cues
        self.ink = np.array([_ink(s) for s in xy])                       # (S,) pen travel
        heights = np.array([np.ptp(s[:, 1]) for s in xy])
        self.h = _scale(heights, self.ink, xy)
        angle = _turn(xy, self.h) if 'turn' in cues else 0.0
        c, s = np.cos(angle), np.sin(angle)
        uv = [np.column_stack([p[:, 0] * c + p[:, 1] * s, p[:, 1] * c - p[:, 0] * s])
              for p in xy]
        self.u = np.array([0.5 * (p[:, 0].min() + p[:, 0].max()) for p in uv])    # (S,)
        self.start = np.array([p[0, 0] for p in uv])
        self.left = np.array([p[:, 0].min() for p in uv])
        self.end = np.array([p[:, 0].max() for p in uv])
        self.v = np.array([_median_v(p) for p in uv])                     # (S,) centres
        self.top = np.array([p[:, 1].min() for p in uv])
        self.bottom = np.array([p[:, 1].max() for p in uv])
        self.weight = np.maximum(self.ink, 0.05 * self.h)                 # dots count a little
        self.body = self.ink >= BODY * self.h

    def lines(self) -> list:
        if 'pen_order' in self.cues:
            runs, drops = self._runs(np.inf)
            if 'up' in self.cues:  # again, now that the pitch is known
                runs, _ = self._runs(self._up(runs, drops))
        else:
            runs = self._one_run_per_stroke()
        lines = self._merge(runs) if 'merge' in self.cues else runs
        if 'reassign' in self.cues:
            for _ in range(2):
                lines = self._reassign(lines)
            if 'merge' in self.cues:  # a line left with what a mixed run held (a late word)
                lines = self._merge(lines)
        middle = 0.5 * (self.u.min() + self.u.max())
        order = sorted(range(len(lines)), key=lambda k: self._fit(lines[k])(middle))
        if 'reorder' not in self.cues:
            return [sorted(lines[k]) for k in order]
        return [self._in_place(sorted(lines[k])) for k in order]

    def _in_place(self, line) -> list:
        """Step 6: a line's strokes in page order; but where other lines' strokes were
        written between its own, the line is cut into pieces written at one go (runs of
        strokes next to each other in page order, cut again where the pen went back left
        by over BACK h; a piece of only dots and bars is cut into its strokes: a writer
        who dots the i's after the page dots them all at one go), and the pieces other than
        the longest, cut again where the pen jumped forward (`_at_one_place`), are put back
        where they lie along the line, one by one (`_put_back`)."""
        if line[-1] - line[0] == len(line) - 1:
            return line
        pieces = [[line[0]]]
        for before, stroke in zip(line[:-1], line[1:]):
            if stroke != before + 1 or self.start[stroke] < self.end[before] - BACK * self.h:
                pieces.append([])
            pieces[-1].append(stroke)
        # dots and bars written apart (all of a line's i-dots, after the page) go one by one
        pieces = [part for piece in pieces for part in
                  (([s] for s in piece) if not self.body[piece].any() else [piece])]
        longest = max(range(len(pieces)), key=lambda k: len(pieces[k]))
        out = list(pieces[longest])
        for piece in [part for piece in pieces[:longest] + pieces[longest + 1:]
                      for part in self._at_one_place(piece)]:
            out = self._put_back(out, piece)
        return out

    def _put_back(self, out, piece) -> list:
        """`out` with `piece` (strokes written apart) put in its place along the line: after
        the stroke placed so far whose extent, HOLD h wider each side, holds the piece's
        middle (the one whose centre is nearest, when several do: an i-dot after its i, a
        t-bar after its t, not before the stem it overhangs or after the next letter); where
        none holds it (a comma after its word, an opening quote), after the last one whose
        left edge is left of that middle."""
        middle = 0.5 * (self.left[piece].min() + self.end[piece].max())
        placed = np.asarray(out)
        holding = np.flatnonzero((self.left[placed] - HOLD * self.h <= middle)
                                 & (middle <= self.end[placed] + HOLD * self.h))
        if len(holding):
            place = int(holding[np.argmin(np.abs(self.u[placed[holding]] - middle))])
        else:
            place = next((k for k in range(len(out) - 1, -1, -1)
                          if self.left[out[k]] <= middle), -1)
        return out[:place + 1] + list(piece) + out[place + 1:]

    def _at_one_place(self, piece) -> list:
        """A piece written apart from its line, cut where the pen jumped forward over JUMP
        h: late marks of several words (a quote, a t-bar, a comma) are not one place."""
        parts = [[piece[0]]]
        for before, stroke in zip(piece[:-1], piece[1:]):
            if self.start[stroke] > self.end[before] + JUMP * self.h:
                parts.append([])
            parts[-1].append(stroke)
        return parts

    def _runs(self, up) -> tuple:
        """Step 3: the strokes in page order, cut where a body stroke starts a new line,
        or lands `up` or more above the run. -> (runs, drops): how far below its run's
        line each new line started, back left (the pitch, from two or more: runs that
        mixed lines, a late word with the line it was written after, mislead `_pitch`)."""
        runs, recent, drops = [[0]], [0] if self.body[0] else [], []
        for i in range(1, len(self.u)):
            if self.body[i] and recent:
                back = self.start[i] < self.end[recent].max() - LEFT * self.h
                # back left: the run's line where the pen lands; else first where the pen
                # was, then to be sure the run's line where it lands
                if back or self._leaves(self.v[i] - np.median(self.v[recent]), back, up):
                    below = self.v[i] - self._level(runs[-1], self.u[i])
                    if self._leaves(below, back, up):
                        if back and below > 0:  # a new line: the pen dropped a pitch
                            drops.append(below)
                        runs.append([])
                        recent = []
            runs[-1].append(i)
            if self.body[i]:
                recent = (recent + [i])[-RECENT:]
        return runs, drops

    def _up(self, runs, drops) -> float:
        """How far above its run a body stroke must land to leave it (cue `up`): UP x the
        pitch, and at most UP_ONE h where the pitch comes from one drop only. That drop
        may be two pitches: three lines written first, third, second leave the first run
        and a run that holds the third line and then the second, and the second, one pitch
        above the third, would stay with it."""
        pitch = np.median(drops) if len(drops) > 1 else self._pitch(runs)
        return min(UP * pitch, UP_ONE * self.h) if len(drops) == 1 else UP * pitch

    def _leaves(self, below, back, up) -> bool:
        """Whether a body stroke this far below a run's line (negative: above) leaves it."""
        return below > FAR * self.h or (below > DOWN * self.h and back) or -below > up

    def _level(self, run, u) -> float:
        """Where a run's line is at u: a straight fit of its body strokes' centres, or
        their median when they span under 4 h."""
        run = np.asarray(run)
        run = run[self.body[run]]
        low, high = self.u[run].min(), self.u[run].max()
        if high - low < 4 * self.h or len(run) < 3:
            return float(np.median(self.v[run]))
        coef = np.polyfit(self.u[run] - low, self.v[run], 1, w=np.sqrt(self.weight[run]))
        return float(np.polyval(coef, u - low))

    def _one_run_per_stroke(self) -> list:
        """Without pen order: each body stroke a run, the others with the body stroke
        whose centre is nearest (so that no run is only dots)."""
        bodies = np.flatnonzero(self.body)
        if not len(bodies):
            return [list(range(len(self.u)))]
        runs = {int(b): [int(b)] for b in bodies}
        for i in np.flatnonzero(~self.body):
            near = bodies[np.argmin(np.hypot(self.u[bodies] - self.u[i],
                                             self.v[bodies] - self.v[i]))]
            runs[int(near)].append(int(i))
        return list(runs.values())

    def _merge(self, runs) -> list:
        """Step 4: runs on one centre line become one line; the most ink goes first."""
        pitch = self._pitch(runs)
        order = sorted(runs, key=lambda r: -self.weight[r].sum())
        lines, fits = [], []
        for run in order:
            r = np.asarray(run)
            below = [self.v[r] - fit(self.u[r]) for fit in fits]
            own = self._fit(run)
            distances = [self._apart(line, fit, r, own, b) for line, fit, b in
                         zip(lines, fits, below)]
            if distances and min(distances) < MERGE * pitch:
                k = int(np.argmin(distances))
            elif distances and self._fragment(r):
                k = int(np.argmin([np.median(_cost(b)) for b in below]))
            else:
                k = self._holding(lines, r) if distances else None
            if k is not None:
                lines[k] = lines[k] + run
                fits[k] = self._fit(lines[k])
            else:
                lines.append(list(run))
                fits.append(own)
        return lines

    def _apart(self, line, fit, run, own, below) -> float:
        """How far a run is from a line: where they overlap along the line, the median
        distance of the run's strokes from the line's centre line; where they do not,
        the step between the two centre lines at the ends that face each other (a line
        that slants or curves goes on from where it was)."""
        line = np.asarray(line)
        low, high = self.u[line].min(), self.u[line].max()
        u = self.u[run]
        if u.max() < low or u.min() > high:
            left, right = (run, line) if u.max() < low else (line, run)
            return float(abs(self._end_level(left, -1) - self._end_level(right, 0)))
        return float(np.median(np.abs(below)))

    def _end_level(self, strokes, end) -> float:
        """The median centre of the ENDS body strokes at one end (0: left, -1: right)
        of some strokes, all of them where they have no body."""
        strokes = np.asarray(strokes)
        bodies = strokes[self.body[strokes]] if self.body[strokes].any() else strokes
        ordered = bodies[np.argsort(self.u[bodies])]
        return float(np.median(self.v[ordered[:ENDS] if end == 0 else ordered[-ENDS:]]))

    def _holding(self, lines, run):
        """The line whose own ink holds a short run, or None: the run is under SHORT h long
        and sits, centre and bottom, within the band its line's body strokes span where the
        two overlap (ascender tops to descender ends). So opening quotes and apostrophes,
        written high before their word and with too much ink to be a fragment, stay with
        the word they sit on; a line above, even of one short word, has its centre above
        that band."""
        low, high = self.left[run].min(), self.end[run].max()
        if high - low >= SHORT * self.h:
            return None
        centre, bottom = np.median(self.v[run]), self.bottom[run].max()
        for k, line in enumerate(lines):
            line = np.asarray(line)
            near = line[self.body[line] & (self.end[line] > low - self.h)
                        & (self.left[line] < high + self.h)]
            if len(near) and self.top[near].min() < centre and bottom <= self.bottom[near].max():
                return k
        return None

    def _fragment(self, run) -> bool:
        """Whether a run is too little to be a line: under FRAGMENT h of ink, or under
        FLAT h high with ink under STRAIGHT times its length (a bar, a dash, a line of
        commas written late; a word of small letters is as flat, but its ink goes up and
        down)."""
        ink = self.ink[run].sum()
        length = self.end[run].max() - self.left[run].min()
        return ink < FRAGMENT * self.h or (
            self.bottom[run].max() - self.top[run].min() < FLAT * self.h
            and ink < STRAIGHT * length)

    def _pitch(self, runs) -> float:
        """The line pitch: median distance between the levels of runs next to each other
        (in v), counting only runs with a body; 3 h when there are not two of them."""
        levels = np.sort([np.median(self.v[r][self.body[r]]) for r in runs
                          if self.body[r].any()])
        gaps = np.diff(levels)
        gaps = gaps[gaps > DOWN * self.h]
        return float(np.median(gaps)) if len(gaps) else 3.0 * self.h

    def _reassign(self, lines) -> list:
        """Step 5: each stroke to the nearest centre line; empty lines go."""
        fits = [self._fit(line) for line in lines]
        own = np.empty(len(self.u), int)
        for k, line in enumerate(lines):
            own[line] = k
        cost = np.stack([_cost(self.v - fit(self.u)) for fit in fits])     # (L, S)
        cost += BEYOND * np.stack([self._beyond(line) for line in lines])
        cost[own, np.arange(len(own))] *= STAY
        best = np.argmin(cost, axis=0)
        if 'flow' in self.cues:
            stay = self._in_flow(own, best)
            best[stay] = own[stay]
        return [list(np.flatnonzero(best == k)) for k in range(len(lines))
                if (best == k).any()]

    def _beyond(self, line) -> np.ndarray:
        """(S,) how far each stroke's middle lies beyond the ends of a line's ink (of its
        body strokes, where it has any)."""
        line = np.asarray(line)
        u = self.u[line[self.body[line]]] if self.body[line].any() else self.u[line]
        return np.maximum(np.maximum(u.min() - self.u, self.u - u.max()), 0.0)

    def _in_flow(self, own, best) -> np.ndarray:
        """(S,) whether each stroke was written in the flow of its line: between two body
        strokes of that line that sit well in it (the nearest such before and after it
        in pen order, at most FLOW_STROKES strokes between them), which are within FLOW h
        of each other along the line, and within their span. A "g" with a tail written
        apart, or a "zz" that dips into the next line, stays where it was written; a late
        dot or correction jumped there from elsewhere."""
        settled = np.flatnonzero(self.body & (best == own))
        if len(settled) < 2:
            return np.zeros(len(own), bool)
        slot = np.clip(np.searchsorted(settled, np.arange(len(own))), 1, len(settled) - 1)
        before, after = settled[slot - 1], settled[slot]
        low = np.minimum(self.start[before], self.start[after]) - self.h
        high = np.maximum(self.end[before], self.end[after]) + self.h
        return ((before < np.arange(len(own))) & (np.arange(len(own)) < after)
                & (after - before <= FLOW_STROKES + 1)
                & (own[before] == own) & (own[after] == own)
                & (np.abs(self.u[after] - self.u[before]) < FLOW * self.h)
                & (self.u >= low) & (self.u <= high))

    def _fit(self, line):
        """A line's centre line v(u): robust weighted least squares on its body strokes'
        centres (all its strokes' where it has no body stroke); quadratic when it spans over
        12 h with 8 body strokes, straight over 4 h with 3, else level; flat beyond the ends
        of that ink."""
        line = np.asarray(line)
        if self.body[line].any():  # dots and bars sit off the line; written late, they
            line = line[self.body[line]]   # may lie where the line has no ink at all
        u, v, w = self.u[line], self.v[line], self.weight[line]
        span = u.max() - u.min()
        bodies = int(self.body[line].sum())
        degree = 2 if span > 12 * self.h and bodies >= 8 and 'curve' in self.cues else \
            1 if span > 4 * self.h and bodies >= 3 else 0
        scale = max(span, self.h)
        x = (u - u.min()) / scale
        keep = np.ones(len(u), bool)
        for _ in range(2):  # refit without strokes far off the first fit (late ones)
            coef = np.polyfit(x[keep], v[keep], degree, w=np.sqrt(w[keep])) \
                if keep.sum() > degree else np.array([np.median(v)])
            residual = np.abs(v - np.polyval(coef, x))
            keep = residual < max(1.5 * self.h, np.median(residual) * 3)
            if keep.sum() <= degree:
                break
        low, high = u.min(), u.max()
        return lambda q: np.polyval(coef, (np.clip(q, low, high) - low) / scale)


def _cost(below):
    """How far strokes are from a centre line, from their signed distance below it:
    above counts ABOVE times as far (i-dots and t-bars sit high)."""
    return np.where(below < 0, -ABOVE * below, below)


def _ink(points) -> float:
    """Pen travel of one stroke."""
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0


def _median_v(points) -> float:
    """A stroke's centre across the line: the median v of its ink (each point weighted by
    the pen travel around it), so that a descender or a loop does not drag it."""
    if len(points) == 1:
        return float(points[0, 1])
    seg = np.hypot(*np.diff(points, axis=0).T)
    w = np.zeros(len(points))
    w[:-1] += seg / 2
    w[1:] += seg / 2
    if w.sum() == 0:
        return float(points[0, 1])
    order = np.argsort(points[:, 1], kind='stable')
    cumulative = np.cumsum(w[order])
    return float(points[order[np.searchsorted(cumulative, 0.5 * cumulative[-1])], 1])


def _scale(heights, ink, xy) -> float:
    """h: the ink-weighted median height of the strokes with at least the median ink."""
    big = ink >= np.median(ink)
    if ink[big].sum() > 0:
        order = np.argsort(heights[big])
        cumulative = np.cumsum(ink[big][order])
        h = heights[big][order][np.searchsorted(cumulative, 0.5 * cumulative[-1])]
        if h > 0:
            return float(h)
    every = np.concatenate(xy)
    return float(max(np.ptp(every[:, 1]), np.ptp(every[:, 0]), 1e-9))


def _turn(xy, h) -> float:
    """The writing direction, radians: the turn at which the ink's profile across the
    lines is sharpest (see the module's step 2)."""
    points = np.concatenate(xy)
    weights = np.concatenate([_point_weights(s) for s in xy])
    if weights.sum() == 0:
        return 0.0
    best, best_score = 0.0, -1.0
    for degrees in np.arange(-MAX_TURN, MAX_TURN + TURN_STEP / 2, TURN_STEP):
        a = np.radians(degrees)
        v = points[:, 1] * np.cos(a) - points[:, 0] * np.sin(a)
        bins = np.floor((v - v.min()) / (0.5 * h)).astype(int)
        score = float(np.sum(np.bincount(bins, weights) ** 2))
        if score > best_score * (1 + 1e-9) or (abs(score - best_score) <= best_score * 1e-9
                                              and abs(a) < abs(best)):
            best, best_score = a, score
    return best


def _point_weights(points) -> np.ndarray:
    """Each point's share of its stroke's ink (half the segments either side)."""
    w = np.zeros(len(points))
    if len(points) > 1:
        seg = np.hypot(*np.diff(points, axis=0).T)
        w[:-1] += seg / 2
        w[1:] += seg / 2
    return w
