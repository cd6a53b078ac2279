"""Pre-processing: raw strokes to the per-frame features the network reads.

A pipeline is an ordered list of named steps with their parameters, saved as JSON with the
data set and with the model. The same steps run at compile time, in the Recognizer, and
(ported) in the web demo's JavaScript, so each one is plain arithmetic on a points array.

Points array, shape (N, 4): x, y, t, stroke_start (1.0 on the first point of each stroke).
The `offsets` step turns it into (dx, dy, dt, stroke_start).

Steps that are fitted (`standardize`) learn their parameters from the training split only,
by streaming: `partial_fit` on one line at a time, then `finish_fit`. They must act on each
point alone, so that compile.py can apply them to a stored feature array in chunks.
"""
import numpy as np

NUM_FEATURES = 4
MIN_STD = 1e-6  # a feature that never varies is left unscaled rather than divided by ~0


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

    def __init__(self, **params):
        self.params = params

    def __call__(self, points: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_json(self) -> dict:
        return {'name': self.name, 'params': self.params}


class NormalizeScale(Step):
    """Per line: origin at the left edge and vertical middle, unit = the line's height.

    Writers and tablets differ in size and resolution; dividing by the height of the ink
    makes a line from a 300 dpi tablet and one from a whiteboard look alike. Time starts
    at 0 on the first point.
    """
    name = 'normalize_scale'

    def __call__(self, points):
        x, y, t = points[:, 0], points[:, 1], points[:, 2]
        height = y.max() - y.min()
        scale = height if height > 0 else max(x.max() - x.min(), 1.0)
        out = points.copy()
        out[:, 0] = (x - x.min()) / scale
        out[:, 1] = (y - (y.max() + y.min()) / 2) / scale
        out[:, 2] = t - t[0]
        return out


class Resample(Step):
    """Keep about one point per `step` of pen travel, plus the two ends of every stroke.

    Digitizers sample in time, so slow pen movement piles up redundant points; sequence
    length drives training and recognition cost. A point is kept when the cumulative arc
    length of its stroke crosses into a new multiple of `step` (units of the line height
    after `normalize_scale`).
    """
    name = 'resample'

    def __init__(self, step=0.2):
        if not step > 0:
            raise ValueError(f'resample step must be positive, got {step}')
        super().__init__(step=step)

    def __call__(self, points):
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
        return points[keep]


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


STEPS = {cls.name: cls for cls in (NormalizeScale, Resample, Offsets, Standardize)}

# Named recipes for compile.py's PREPROCESSOR argument; `default` is the original's name.
PREPROCESSORS = {
    'default': [('normalize_scale', {}), ('resample', {'step': 0.2}), ('offsets', {}),
                ('standardize', {})],
    'no_resample': [('normalize_scale', {}), ('offsets', {}), ('standardize', {})],
}


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

    def fitting_split(self) -> int:
        """Index of the first step that still needs fitting (len(steps) if none).

        compile.py applies the steps before it line by line, then fits and applies the
        rest pass by pass over the stored arrays; those must be point-wise.
        """
        for i, step in enumerate(self.steps):
            if not step.fitted:
                return i
        return len(self.steps)

    def run(self, points: np.ndarray, start=0, stop=None) -> np.ndarray:
        for step in self.steps[start:stop]:
            points = step(points)
        return points

    def __call__(self, strokes) -> np.ndarray:
        """Validated strokes -> float32 features (T, 4)."""
        return self.run(strokes_to_points(strokes)).astype(np.float32)
