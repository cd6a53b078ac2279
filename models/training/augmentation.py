"""Training-time distortion of the ink, so that 5,000 lines look like many more writers.

Each training line gets its own random affine map of the pen movements (scale, aspect,
shear, rotation) and of time (pen speed). The compiled features are standardized offsets
(dx, dy, dt, stroke start): an affine map of the ink is a linear map of its offsets, so the
distortion is applied to the offsets after undoing the standardization, and standardized
again. No re-reading of raw ink is needed, and the features stay in the data set's units.
A fifth column, the absolute height of the `height` step, moves with the same map (x is
recovered as the running sum of dx) and is centred again on the line's vertical middle.

A second, optional distortion (`warp`) lets the map drift along the line: size, width,
slant and baseline angle each follow a smooth random curve through control points
WARP_PERIOD frames apart (a few characters), as one person's writing drifts within a line.
A global map alone makes every line a uniform copy of a training line; the drift makes its
words differ from one another.

The random numbers come from a generator seeded by (seed, epoch), drawn batch by batch in
the epoch's order, so a resumed run distorts exactly as an uninterrupted one would.
"""
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the random distortions; each is drawn uniformly per line."""
    scale: float = 0.15       # size factor in [1 - scale, 1 + scale]
    aspect: float = 0.15      # width factor on top of that, in [1 - aspect, 1 + aspect]
    shear: float = 0.3        # x += shear * y, shear in [-shear, shear] (about 17 degrees)
    rotation: float = 3.0     # degrees, in [-rotation, rotation]
    speed: float = 0.2        # time factor in [1 - speed, 1 + speed]
    warp: float = 0.0         # the drift's ranges are WARP_RANGES times this

    def scaled(self, factor: float) -> 'Augmentation':
        """Every range times `factor` (train.py's --augment): 0 is none, 1 the recipe's."""
        return Augmentation(**{k: v * factor for k, v in asdict(self).items()})

    def matrices(self, rng: np.random.Generator, count: int) -> tuple:
        """-> ((count, 2, 2) maps of (dx, dy), (count,) time factors)."""
        u = lambda r: rng.uniform(-r, r, count)  # noqa: E731
        scale, aspect, shear, angle, speed = (1 + u(self.scale), 1 + u(self.aspect),
                                              u(self.shear), np.radians(u(self.rotation)),
                                              1 + u(self.speed))
        return _maps(scale, aspect, shear, angle), speed

    def drift(self, rng: np.random.Generator, frames: int) -> np.ndarray:
        """-> (frames, 2, 2): a map of (dx, dy) per frame, each range times `warp`, varying
        linearly between control points WARP_PERIOD frames apart."""
        knots = frames // WARP_PERIOD + 2
        values = rng.uniform(-1.0, 1.0, (knots, 4)) * (np.asarray(WARP_RANGES) * self.warp)
        position = np.arange(frames) / WARP_PERIOD
        scale, width, shear, degrees = (np.interp(position, np.arange(knots), values[:, k])
                                        for k in range(4))
        return _maps(1 + scale, 1 + width, shear, np.radians(degrees))


def _maps(scale, aspect, shear, angle) -> np.ndarray:
    """(n, 2, 2) maps of (dx, dy): scale and widen, shear (x += shear * y), then rotate."""
    cos, sin = np.cos(angle), np.sin(angle)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shape = np.zeros((len(scale), 2, 2))
    shape[:, 0, 0] = scale * aspect
    shape[:, 0, 1] = shear * scale
    shape[:, 1, 1] = scale
    return rotate @ shape


WARP_PERIOD = 30  # frames between the drift's control points: about 6 characters of IAM-OnDB
WARP_RANGES = (0.1, 0.1, 0.15, 2.0)  # size, width, shear, rotation in degrees at warp 1
NO_AUGMENTATION = Augmentation(0.0, 0.0, 0.0, 0.0, 0.0)


class Distorter:
    """Applies an Augmentation to standardized feature arrays (T, 4) or (T, 5)."""

    def __init__(self, augmentation: Augmentation, mean, std):
        self.augmentation = augmentation
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)

    @classmethod
    def for_pipeline(cls, augmentation, pipeline):
        """From a data set's pipeline, whose last step must be the fitted `standardize`."""
        last = pipeline.steps[-1] if pipeline.steps else None
        if last is None or last.name != 'standardize' or not last.fitted:
            raise ValueError('augmentation needs a pre-processing that ends with a fitted '
                             '`standardize` step (all the named pre-processors do)')
        return cls(augmentation, last.params['mean'], last.params['std'])

    def __call__(self, features: list, rng: np.random.Generator) -> list:
        maps, speeds = self.augmentation.matrices(rng, len(features))
        out = []
        for f, m, speed in zip(features, maps, speeds):
            raw = f[:, :3] * self.std + self.mean
            moved = np.empty_like(f)
            moved[:, :2] = raw[:, :2] @ m.T
            if self.augmentation.warp:
                moved[:, :2] = np.einsum('tij,tj->ti', self.augmentation.drift(rng, len(f)),
                                         moved[:, :2])
            moved[:, 2] = raw[:, 2] * speed
            if f.shape[1] > 4:  # y, up to a constant that the centring below takes out
                height = (np.cumsum(moved[:, 1]) if self.augmentation.warp
                          else m[1, 0] * np.cumsum(raw[:, 0]) + m[1, 1] * f[:, 4])
                moved[:, 4] = height - (height.max() + height.min()) / 2
            moved[:, :3] = (moved[:, :3] - self.mean) / self.std
            moved[:, 3] = f[:, 3]
            out.append(moved.astype(np.float32))
        return out
