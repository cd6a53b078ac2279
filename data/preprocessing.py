"""Pre-processing: raw strokes to the per-frame features the network reads.

A pipeline is an ordered list of named steps with their parameters, saved as JSON with the
data set and with the model. The same steps run at compile time, in the Recognizer, and
(ported) in the web demo's JavaScript, so each one is plain arithmetic on a points array.

Points array, shape (N, 4): x, y, t, stroke_start (1.0 on the first point of each stroke).
The `offsets` step turns it into (dx, dy, dt, stroke_start); the `height` step, placed
before it, appends a fifth column that stays absolute: the point's height in the line.

Steps that are fitted (`standardize`) learn their parameters from the training split only,
by streaming: `partial_fit` on one line at a time, then `finish_fit`. They must act on each
point alone, so that compile.py can apply them to a stored feature array in chunks.
"""
import math
from dataclasses import dataclass

import numpy as np

POINT_COLUMNS = 4  # x, y, t, stroke_start: raw ink, and the features of most pipelines
MIN_STD = 1e-6  # a feature that never varies is left unscaled rather than divided by ~0
PURPOSES = ('evaluate', 'resume', 'average', 'init_from')  # of Pipeline.fits
SAME_NUMBER = 1e-5  # relative: numbers of two pipelines' parameters this close are the same


def strokes_to_points(strokes) -> np.ndarray:
    """Validated strokes (list of (n, 3) arrays) -> points array (N, 4), float64."""
    points = np.concatenate(strokes, axis=0)
    start = np.zeros((len(points), 1))
    start[np.cumsum([0] + [len(s) for s in strokes[:-1]])] = 1.0
    return np.concatenate([points, start], axis=1)


def _stroke_ids(points: np.ndarray) -> np.ndarray:
    return np.cumsum(points[:, 3]) - 1


class Step:
    name = ''
    fitted = True  # False until a fittable step has seen the training data
    added_columns = 0  # feature columns the step appends to the points array
    data_fitted = False  # its parameters are fitted to each data set's training split
    density = False  # its parameters change how many frames a line has, not what they say

    def __init__(self, **params):
        self.params = params

    def __call__(self, points: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_json(self) -> dict:
        return {'name': self.name, 'params': self.params}


def _pen_travel(points: np.ndarray) -> np.ndarray:
    """Length of the pen-down segment that ends at each point (0 where a stroke starts)."""
    travel = np.zeros(len(points))
    travel[1:] = np.hypot(np.diff(points[:, 0]), np.diff(points[:, 1]))
    travel[points[:, 3] == 1] = 0.0
    return travel


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose share of the total weight, counted from below, reaches q.

    Ties keep their order (a stable sort), and the sums run left to right, so the web
    page's port finds the same value."""
    order = np.argsort(values, kind='stable')
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


class NormalizeScale(Step):
    """Per line: origin at the left edge and vertical middle, unit = the line's height.

    Writers and tablets differ in size and resolution; dividing by the height of the ink
    makes a line from a 300 dpi tablet and one from a whiteboard look alike. Time starts
    at 0 on the first point.

    `quantile` (default 0: the full y range) measures the height as the range between the
    q and 1 - q quantiles of y, each point weighted by the pen travel that reaches it: one
    stray dot, or a line without ascenders, then no longer changes the unit by 2x. Lines
    with no pen travel (only dots) fall back to the full range.
    """
    name = 'normalize_scale'

    def __init__(self, quantile=0.0):
        if not 0.0 <= quantile < 0.5:
            raise ValueError(f'normalize_scale quantile must be in [0, 0.5), got {quantile}')
        super().__init__(**({'quantile': quantile} if quantile else {}))

    def __call__(self, points):
        x, y, t = points[:, 0], points[:, 1], points[:, 2]
        low, high = y.min(), y.max()
        quantile = self.params.get('quantile', 0.0)
        travel = _pen_travel(points) if quantile else None
        if quantile and travel.sum() > 0:
            low = weighted_quantile(y, travel, quantile)
            high = weighted_quantile(y, travel, 1.0 - quantile)
        height = high - low
        scale = height if height > 0 else max(x.max() - x.min(), 1.0)
        out = points.copy()
        out[:, 0] = (x - x.min()) / scale
        out[:, 1] = (y - (high + low) / 2) / scale
        out[:, 2] = t - t[0]
        return out


class Deslant(Step):
    """Shear the line so that its down strokes stand upright.

    Writers slant by up to 30 degrees either way; a recognizer that sees upright writing
    has one less thing to learn. The slant is the mean angle from vertical of the pen-down
    segments within `max_angle` degrees of vertical, weighted by their length (ligatures
    and horizontal strokes say nothing about slant); x becomes x - tan(slant) * y.
    """
    name = 'deslant'

    def __init__(self, max_angle=45.0):
        if not 0.0 < max_angle < 90.0:
            raise ValueError(f'deslant max_angle must be in (0, 90) degrees, got {max_angle}')
        super().__init__(max_angle=max_angle)

    def __call__(self, points):
        travel = _pen_travel(points)
        dx, dy = np.diff(points[:, 0]), np.diff(points[:, 1])
        angle = np.arctan2(np.where(dy < 0, -dx, dx), np.abs(dy))  # 0 = vertical, y down
        weight = travel[1:] * (np.abs(angle) < np.radians(self.params['max_angle']))
        if weight.sum() == 0:
            return points
        slant = float(np.sum(angle * weight) / np.sum(weight))
        out = points.copy()
        out[:, 0] = points[:, 0] - np.tan(slant) * points[:, 1]
        return out


class Resample(Step):
    """Keep about one point per `step` of pen travel, plus the two ends of every stroke.

    Digitizers sample in time, so slow pen movement piles up redundant points; sequence
    length drives training and recognition cost. A point is kept when the cumulative arc
    length of its stroke crosses into a new multiple of `step` (units of the line height
    after `normalize_scale`).

    At one point per 0.2 line heights (about a third of an x-height) a chord between two
    kept points can cut off what tells letters apart: the cusp of an "r", the tail of an
    "a". With `tolerance` > 0, between each two kept points the one farthest from their
    chord is kept too, where it lies more than tolerance x step from it: detail is kept
    where the pen turns, and straight strokes cost no more frames.
    """
    name = 'resample'
    density = True

    def __init__(self, step=0.2, tolerance=0.0):
        if not step > 0:
            raise ValueError(f'resample step must be positive, got {step}')
        if not tolerance >= 0:
            raise ValueError(f'resample tolerance must be >= 0, got {tolerance}')
        super().__init__(step=step, **({'tolerance': tolerance} if tolerance else {}))

    def __call__(self, points):
        return points[self.kept(points)]

    def kept(self, points) -> np.ndarray:
        """(N,) whether each point is kept."""
        step = self.params['step']
        stroke = _stroke_ids(points)
        seg = np.hypot(np.diff(points[:, 0]), np.diff(points[:, 1]))
        seg[np.diff(stroke) != 0] = 0.0  # pen-up jumps are not pen travel
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        bucket = np.floor(arc / step)
        keep = np.ones(len(points), dtype=bool)
        keep[1:] = bucket[1:] != bucket[:-1]
        keep |= points[:, 3] == 1  # stroke starts
        keep[:-1] |= points[1:, 3] == 1  # stroke ends
        keep[-1] = True
        if self.params.get('tolerance'):
            keep[_farthest_from_chords(points, keep, self.params['tolerance'] * step)] = True
        return keep


def _farthest_from_chords(points, keep, distance) -> np.ndarray:
    """Indices of the points that lie farthest from the chord between the kept points
    around them (one per chord, the first of equals), where farther than `distance`.
    A chord of length 0 (a closed loop) measures the distance to its end."""
    kept = np.flatnonzero(keep)
    between = np.flatnonzero(~keep)  # never past the last point, which is always kept
    if len(between) == 0:
        return between
    chord = np.searchsorted(kept, between) - 1  # the kept point before each one
    a, b, p = points[kept[chord], :2], points[kept[chord + 1], :2], points[between, :2]
    cx, cy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    length = np.hypot(cx, cy)
    cross = np.abs(cx * (p[:, 1] - a[:, 1]) - cy * (p[:, 0] - a[:, 0]))
    away = np.where(length > 0, cross / np.where(length > 0, length, 1.0),
                    np.hypot(p[:, 0] - a[:, 0], p[:, 1] - a[:, 1]))
    order = np.lexsort((-away, chord))  # by chord, the farthest first (stable on ties)
    first = order[np.concatenate([[True], chord[order][1:] != chord[order][:-1]])]
    return between[first[away[first] > distance]]


class Height(Step):
    """Append y as a fifth column that `offsets` leaves absolute: the height in the line.

    Movements alone make the network integrate dy over the whole line to tell where a
    pen is; a comma and an apostrophe, or "o" and "O", differ mainly in that. After
    `normalize_scale`, y is in line heights from the line's vertical middle, so it needs
    no standardizing.
    """
    name = 'height'
    added_columns = 1

    def __call__(self, points):
        return np.concatenate([points, points[:, 1:2]], axis=1)


class Offsets(Step):
    """Absolute positions -> movements (dx, dy, dt): invariant to where the line is."""
    name = 'offsets'

    def __call__(self, points):
        out = points.copy()
        out[1:, :3] = np.diff(points[:, :3], axis=0)
        out[0, :3] = 0.0
        return out


class Standardize(Step):
    """Zero mean, unit variance for (dx, dy, dt), fitted on the training split.

    The stroke-start flag is left as 0/1. Fitting streams sums in float64, so memory does
    not grow with the data set.
    """
    name = 'standardize'
    COLUMNS = 3
    data_fitted = True

    def __init__(self, mean=None, std=None):
        super().__init__(mean=mean, std=std)
        self.fitted = mean is not None and std is not None
        self._count, self._sum, self._sumsq = 0, np.zeros(self.COLUMNS), np.zeros(self.COLUMNS)

    def partial_fit(self, points):
        cols = points[:, :self.COLUMNS]
        self._count += len(cols)
        self._sum += cols.sum(axis=0)
        self._sumsq += (cols.astype(np.float64) ** 2).sum(axis=0)

    def finish_fit(self):
        if self._count == 0:
            raise ValueError('standardize: no training points to fit on')
        mean = self._sum / self._count
        var = np.maximum(self._sumsq / self._count - mean ** 2, 0.0)
        std = np.maximum(np.sqrt(var), MIN_STD)
        self.params = {'mean': mean.tolist(), 'std': std.tolist()}
        self.fitted = True

    def __call__(self, points):
        if not self.fitted:
            raise RuntimeError('standardize has not been fitted')
        out = points.copy()
        out[:, :self.COLUMNS] = ((points[:, :self.COLUMNS] - np.asarray(self.params['mean']))
                                 / np.asarray(self.params['std']))
        return out


STEPS = {cls.name: cls for cls in (Deslant, NormalizeScale, Resample, Height, Offsets,
                                    Standardize)}

# Named recipes for compile.py's PREPROCESSOR argument; `default` is the original's name.
PREPROCESSORS = {
    'default': [('normalize_scale', {}), ('resample', {'step': 0.2}), ('offsets', {}),
                ('standardize', {})],
    'no_resample': [('normalize_scale', {}), ('offsets', {}), ('standardize', {})],
    # the IAM-OnDB recipe's: upright writing first (see Deslant), then as `default`
    'deslanted': [('deslant', {'max_angle': 45.0}), ('normalize_scale', {}),
                  ('resample', {'step': 0.2}), ('offsets', {}), ('standardize', {})],
    # as `deslanted`, with each frame's height in the line as a fifth feature (see Height)
    'deslanted_height': [('deslant', {'max_angle': 45.0}), ('normalize_scale', {}),
                         ('resample', {'step': 0.2}), ('height', {}), ('offsets', {}),
                         ('standardize', {})],
    # as `deslanted_height`, resampling keeps the corners that chords cut off (see Resample)
    'deslanted_height_corners': [('deslant', {'max_angle': 45.0}), ('normalize_scale', {}),
                                 ('resample', {'step': 0.2, 'tolerance': 0.25}), ('height', {}),
                                 ('offsets', {}), ('standardize', {})],
    # as `deslanted_height_corners`, one point per 0.15 line heights: 19% more frames; the
    # IAM-OnDB recipe reads 8.03% validation CER with it, 8.63% at 0.2 (README, "IAM-OnDB")
    'deslanted_height_corners_dense': [('deslant', {'max_angle': 45.0}),
                                       ('normalize_scale', {}),
                                       ('resample', {'step': 0.15, 'tolerance': 0.25}),
                                       ('height', {}), ('offsets', {}), ('standardize', {})],
}


@dataclass(frozen=True)
class Fit:
    """How features made by one pipeline suit a network trained on another's (Pipeline.fits).

    ok: they suit; reason: what differs when they do not ('steps a > b vs a > c', 'the
    parameters of standardize differ'); tolerated: (step name, the model's parameters, the
    data set's) of each step whose parameters differ within what the purpose allows.
    """
    ok: bool
    reason: str = ''
    tolerated: tuple = ()


class Pipeline:
    def __init__(self, steps):
        self.steps = list(steps)

    @classmethod
    def named(cls, name: str) -> 'Pipeline':
        if name not in PREPROCESSORS:
            raise ValueError(f'unknown pre-processor {name!r}; choose from '
                             f'{", ".join(sorted(PREPROCESSORS))}')
        return cls(STEPS[step](**params) for step, params in PREPROCESSORS[name])

    @classmethod
    def from_json(cls, data: dict) -> 'Pipeline':
        steps = []
        for entry in data['steps']:
            if entry['name'] not in STEPS:
                raise ValueError(f'unknown pre-processing step {entry["name"]!r}')
            steps.append(STEPS[entry['name']](**entry.get('params', {})))
        return cls(steps)

    def to_json(self) -> dict:
        return {'steps': [step.to_json() for step in self.steps]}

    @property
    def num_features(self) -> int:
        """Columns of the features the pipeline makes: what the network's input takes."""
        return POINT_COLUMNS + sum(step.added_columns for step in self.steps)

    def describe(self) -> str:
        """'normalize_scale -> resample{'step': 0.2} -> offsets -> standardize': the steps
        with their parameters, but those fitted to a data set."""
        return ' -> '.join(step.name + (str(step.params) if step.params and not
                                        step.data_fitted else '') for step in self.steps)

    def fits(self, data: 'Pipeline', purpose: str) -> Fit:
        """Whether features made by `data` (a data set's pipeline) suit a network trained
        on features made by this one (a model's, a checkpoint's), for `purpose`:

            purpose                     steps      fitted params  density params  others
            evaluate, resume, average   the same   same numbers   same numbers    same numbers
            init_from                   the same   ignored        any             same numbers

        The same steps: the same names in the same order. Same numbers: equal parameters,
        numbers to a relative SAME_NUMBER (1e-5); what differs within that is `tolerated`.
        Fitted parameters (standardize's mean and std) are fitted to each data set; density
        parameters (resample's step and tolerance) give the same features, more or fewer of
        them. `init_from` starts a new training run from a network trained on another data
        set: its fitted parameters are that data set's and the network adapts to a shifted
        input scale quickly; another density carries over too (tolerated: train.py names
        it). Another feature set or order of steps carries over to no purpose.

        Why numbers to 1e-5, and what resume does with a data set compiled again: compiling
        the same lines on another machine fitted standardize's mean and std to within 3e-7
        of their values (on one machine compiling is deterministic). That moves a feature
        by about a millionth of its spread, which no model can notice: evaluate takes such a
        data set, and so does resume, with a note (train.py prints the tolerated steps),
        rather than send the user to --allow_dataset_change for it. A resumed run is
        then no longer bit-identical to one that was never stopped, as it would not be on
        another machine anyway, whose arithmetic differs in its last bits; it trains on the
        same lines, which the checkpoint's fingerprint still checks exactly. A difference of
        1e-3 (other lines, another compile) stops resume as any other change of the data
        does (--allow_dataset_change continues on purpose). Averaging checkpoints takes the
        same rule: runs on the same lines, compiled where they were.
        """
        if purpose not in PURPOSES:
            raise ValueError(f'unknown purpose {purpose!r}; choose from {", ".join(PURPOSES)}')
        names = [s.name for s in self.steps], [s.name for s in data.steps]
        if names[0] != names[1]:
            return Fit(False, f'steps {" > ".join(names[0])} vs {" > ".join(names[1])}')
        refused, tolerated = [], []
        for mine, theirs in zip(self.steps, data.steps):
            if (purpose == 'init_from' and mine.data_fitted) or mine.params == theirs.params:
                continue
            if (purpose == 'init_from' and mine.density) or _same_numbers(mine.params,
                                                                         theirs.params):
                tolerated.append((mine.name, mine.params, theirs.params))
            else:
                refused.append(mine.name)
        if refused:
            return Fit(False, f'the parameters of {", ".join(refused)} differ')
        return Fit(True, tolerated=tuple(tolerated))

    def fitting_split(self) -> int:
        """Index of the first step that still needs fitting (len(steps) if none).

        Compiling applies the steps before it line by line (run_line_steps), then fits and
        applies the rest pass by pass over the stored arrays (fit_stored); those must be
        point-wise.
        """
        for i, step in enumerate(self.steps):
            if not step.fitted:
                return i
        return len(self.steps)

    def run(self, points: np.ndarray, start=0, stop=None) -> np.ndarray:
        for step in self.steps[start:stop]:
            points = step(points)
        return points

    def with_points(self, strokes) -> tuple:
        """(features as `self(strokes)` gives them, (T,) for each frame the index of the
        point it came from among the strokes' points, counted across strokes in order):
        how a place in the network's output leads back to the ink (models/page_reader.py).
        Only steps with a `kept` mask (Resample) drop points; the others keep them."""
        points = strokes_to_points(strokes)
        index = np.arange(len(points))
        for step in self.steps:
            if hasattr(step, 'kept'):
                keep = step.kept(points)
                points, index = points[keep], index[keep]
            else:
                points = step(points)
        return points.astype(np.float32), index

    def run_line_steps(self, points: np.ndarray) -> np.ndarray:
        """One line's points through the steps before the first that needs fitting."""
        return self.run(points, 0, self.fitting_split())

    def fit_stored(self, training_chunks, transform):
        """Fit and apply, one at a time, the steps from fitting_split() on, to features
        already stored by run_line_steps: a step that needs fitting streams
        `training_chunks()` (the stored training features, as the steps before it left
        them) through partial_fit, then finish_fit; `transform(step)` then applies the step
        to every stored array."""
        for step in self.steps[self.fitting_split():]:
            if not step.fitted:
                for chunk in training_chunks():
                    step.partial_fit(chunk)
                step.finish_fit()
            transform(step)

    def fit(self, lines) -> 'Pipeline':
        """Fit the steps that need it on `lines` (points arrays held in memory), as
        compiling does on stored ones: for tests and stand-ins. -> self."""
        prepared = [self.run_line_steps(points) for points in lines]

        def transform(step):
            prepared[:] = [step(points) for points in prepared]
        self.fit_stored(lambda: prepared, transform)
        return self

    def __call__(self, strokes) -> np.ndarray:
        """Validated strokes -> float32 features (T, num_features)."""
        return self.run(strokes_to_points(strokes)).astype(np.float32)


def _same_numbers(a, b) -> bool:
    """Equal JSON values, numbers to a relative SAME_NUMBER."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_numbers(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_numbers(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=SAME_NUMBER, abs_tol=1e-12))
    return a == b
