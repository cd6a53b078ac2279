"""The compiled data set: one HDF5 file per split plus meta.json, written once, read often.

Layout of a split file (all lines concatenated, so that writing streams and reading one
line is one slice):
    features       (total_frames, F) float32   pre-processed features of every line (F: the
                                               pipeline's num_features, 4 or 5)
    frame_offsets  (n + 1,) int64              line i is features[off[i]:off[i + 1]]
    labels         (total_labels,) int32       class ids (1..N; 0 is the CTC blank)
    label_offsets  (n + 1,) int64
    texts, ids     (n,) UTF-8 strings          the true text and the source's line id
    ink            (total_points, 4) float64   validation and test splits only: the raw
    ink_offsets    (n + 1,) int64              points (x, y, t, stroke_start), for demos and
                                               for checking a recognizer end to end on raw
                                               strokes (a data set may have no test lines:
                                               IAM-OnDB's final test set is often kept apart)

SplitWriter writes a split file (data.compiling drives it); CompiledDataset and
CompiledSplit read them.
"""
import json
import os
from array import array

import h5py
import numpy as np

from data.base import SPLITS
from data.charset import CharTable
from data.preprocessing import POINT_COLUMNS, Pipeline

INK_SPLITS = ('validation', 'test')  # the splits that keep their raw ink
DATASETS_DIR = 'datasets'  # where compile.py writes data sets, one folder each
DEFAULT_DATASET = os.path.join(DATASETS_DIR, 'synthetic')  # compile.py synthetic, by its name
META_FILE = 'meta.json'
FLUSH_EVERY = 256  # lines buffered in memory between writes
CHUNK_FRAMES = 1 << 16  # rows per read/write chunk when passing over a whole split
TEXT_CHUNK = 4096  # texts per read when passing over a whole split
WRITE_CACHE_BYTES = 1 << 18  # HDF5 chunk cache per dataset while writing (default 1 MiB)

_STR = h5py.string_dtype('utf-8')


class SplitWriter:
    """Appends lines to a split file; memory stays bounded by FLUSH_EVERY lines."""

    def __init__(self, path, keep_ink=False, num_features=POINT_COLUMNS):
        # a small chunk cache: lines are appended once, never read back while writing
        self.file = h5py.File(path, 'w', rdcc_nbytes=WRITE_CACHE_BYTES)
        self.keep_ink = keep_ink
        if keep_ink:
            self.file.create_dataset('ink', (0, POINT_COLUMNS), np.float64,
                                     maxshape=(None, POINT_COLUMNS),
                                     chunks=(4096, POINT_COLUMNS))
            self.ink_lengths = array('q')
        self.file.create_dataset('features', (0, num_features), np.float32,
                                 maxshape=(None, num_features), chunks=(4096, num_features))
        self.file.create_dataset('texts', (0,), _STR, maxshape=(None,), chunks=(1024,))
        self.file.create_dataset('ids', (0,), _STR, maxshape=(None,), chunks=(1024,))
        self.lengths, self._pending = array('q'), []  # 8 bytes a line, not a Python int

    def add(self, example_id: str, features: np.ndarray, text: str, points: np.ndarray):
        """points: the raw points array (see data.preprocessing), kept if keep_ink."""
        self._pending.append((example_id, features, text, points))
        self.lengths.append(len(features))
        if self.keep_ink:
            self.ink_lengths.append(len(points))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self):
        if not self._pending:
            return
        ids, feats, texts, points = zip(*self._pending)
        _append(self.file['features'], np.concatenate(feats))
        if self.keep_ink:
            _append(self.file['ink'], np.concatenate(points))
        _append(self.file['texts'], np.array(texts, dtype=object))
        _append(self.file['ids'], np.array(ids, dtype=object))
        self._pending = []

    def __len__(self):
        return len(self.lengths)

    def finish_frames(self):
        self.flush()
        offsets = np.concatenate([[0], np.cumsum(self.lengths, dtype=np.int64)])
        self.file.create_dataset('frame_offsets', data=offsets)
        if self.keep_ink:
            self.file.create_dataset(
                'ink_offsets', data=np.concatenate([[0], np.cumsum(self.ink_lengths,
                                                                   dtype=np.int64)]))

    def transform_features(self, function):
        """Apply a point-wise function to all features, chunk by chunk."""
        features = self.file['features']
        for start in range(0, len(features), CHUNK_FRAMES):
            features[start:start + CHUNK_FRAMES] = function(features[start:start + CHUNK_FRAMES])

    def iter_feature_chunks(self):
        features = self.file['features']
        for start in range(0, len(features), CHUNK_FRAMES):
            yield features[start:start + CHUNK_FRAMES]

    def write_labels(self, char_table: CharTable):
        """Encode every text with the table, TEXT_CHUNK lines at a time."""
        labels = self.file.create_dataset('labels', (0,), np.int32, maxshape=(None,),
                                          chunks=(1 << 14,))
        offsets = [np.zeros(1, np.int64)]
        for texts in self.text_chunks():
            ids, starts = char_table.encode_many(texts)
            offsets.append(starts[1:] + len(labels))
            _append(labels, ids)
        self.file.create_dataset('label_offsets', data=np.concatenate(offsets))

    def text_chunks(self):
        """Lists of TEXT_CHUNK texts: row-by-row h5py reads are slow, a whole split grows."""
        self.flush()
        texts = self.file['texts'].asstr()
        for start in range(0, len(self), TEXT_CHUNK):
            yield list(texts[start:start + TEXT_CHUNK])

    def iter_texts(self):
        for chunk in self.text_chunks():
            yield from chunk

    def close(self):
        self.file.close()


def _append(dataset, values):
    start = dataset.shape[0]
    dataset.resize(start + len(values), axis=0)
    dataset[start:] = values


class CompiledSplit:
    """Random access to one split; lengths and texts are read once, features per line.

    The file opens lazily, so an instance can be handed to another process before use.
    """

    def __init__(self, path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f'compiled split not found: {path}')
        self.path = path
        with h5py.File(path, 'r') as f:
            self._frame_offsets = f['frame_offsets'][:]
            self._label_offsets = f['label_offsets'][:]
            self.labels_flat = f['labels'][:]
            self.texts = list(f['texts'].asstr()[:])
            self.ids = list(f['ids'].asstr()[:])
            self._ink_offsets = f['ink_offsets'][:] if 'ink_offsets' in f else None
        self._file = None

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self._frame_offsets)

    @property
    def label_lengths(self) -> np.ndarray:
        return np.diff(self._label_offsets)

    def __len__(self):
        return len(self.texts)

    @property
    def has_ink(self) -> bool:
        return self._ink_offsets is not None

    def _open(self):
        if self._file is None:
            self._file = h5py.File(self.path, 'r')
        return self._file

    def features(self, i) -> np.ndarray:
        return self._open()['features'][self._frame_offsets[i]:self._frame_offsets[i + 1]]

    def strokes(self, i) -> list:
        """The raw strokes of line i: a list of (n, 3) arrays of (x, y, t)."""
        if not self.has_ink:
            raise ValueError(f'{self.path} keeps no raw ink (only the validation and test '
                             f'splits do)')
        points = self._open()['ink'][self._ink_offsets[i]:self._ink_offsets[i + 1]]
        starts = np.flatnonzero(points[:, 3])
        return [s[:, :3] for s in np.split(points, starts[1:])]

    def labels(self, i) -> np.ndarray:
        return self.labels_flat[self._label_offsets[i]:self._label_offsets[i + 1]]

    def __getitem__(self, i):
        if not -len(self) <= i < len(self):
            raise IndexError(f'line {i} out of range for {len(self)} lines in {self.path}')
        i %= len(self)
        return self.features(i), self.labels(i), self.texts[i]

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


class CompiledDataset:
    """A compiled data set folder: its meta.json and its three splits."""

    def __init__(self, folder):
        meta_path = os.path.join(folder, META_FILE)
        if not os.path.isfile(meta_path):
            raise FileNotFoundError(
                f'no compiled data set at {folder} (missing {META_FILE}); '
                f'run compile.py first')
        self.folder = folder
        with open(meta_path, encoding='utf-8') as f:
            self.meta = json.load(f)
        self.char_table = CharTable.from_json(self.meta['char_table'])
        self.pipeline = Pipeline.from_json(self.meta['preprocessing'])

    def split(self, name: str) -> CompiledSplit:
        if name not in SPLITS:
            raise ValueError(f'unknown split {name!r}; choose from {", ".join(SPLITS)}')
        return CompiledSplit(os.path.join(self.folder, f'{name}.h5'))

    def ink_split(self) -> CompiledSplit:
        """Raw lines to replay or recognize from strokes: the test split, or the validation
        split where the test split has no lines (IAM-OnDB's final test set is often kept
        apart)."""
        test = self.split('test')
        return test if len(test) else self.split('validation')


def open_dataset(folder) -> CompiledDataset:
    return CompiledDataset(folder)
