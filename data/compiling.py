"""Source -> compiled data set folder (compile.py's process; the format is
data.dataset_format), streaming, so memory does not grow with its size.

Pass 1 reads the source once: each example is validated, given a split, run through the
line-wise pre-processing steps and appended to its split's file. The character table
and the fitted steps come from the training split only; pass 2 fits those steps over the
stored training features and applies them to every split in chunks, then encodes labels.
Everything is written to `.<name>.partial` and renamed into place at the end, so an
interrupted compile never leaves a folder that looks complete.
"""
import json
import os
import shutil
import warnings
from collections import Counter

import numpy as np
from tqdm import tqdm

from data.base import SPLITS, BadExample, validate_handwriting, validate_text
from data.charset import CharTable, ctc_min_frames, normalize_text
from data.dataset_format import INK_SPLITS, META_FILE, SplitWriter
from data.preprocessing import strokes_to_points

MAX_LISTED = 20  # bad example ids kept for the report


class CompileError(RuntimeError):
    pass


def choose_split(rng, fractions) -> str:
    validation, test = fractions
    r = rng.random()
    return 'validation' if r < validation else 'test' if r < validation + test else 'train'


def compile_dataset(source, pipeline, folder, *, seed=0, fractions=(0.1, 0.1), strict=False,
                    overwrite=False, source_name='', progress=True):
    """Write the data set to `folder`; return its meta (also written as meta.json)."""
    if os.path.exists(folder) and not overwrite:
        raise CompileError(f'{folder} exists; pass --overwrite to replace it')
    parent, name = os.path.split(os.path.abspath(folder))
    partial = os.path.join(parent, f'.{name}.partial')
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    writers = {s: SplitWriter(os.path.join(partial, f'{s}.h5'), keep_ink=s in INK_SPLITS,
                              num_features=pipeline.num_features)
               for s in SPLITS}
    try:
        bad, short = _write_lines(source, pipeline, writers, seed, fractions, strict, progress)
        if len(writers['train']) == 0:
            raise CompileError('no usable training lines; nothing to train on')
        char_table, unknown = _finish(pipeline, writers)
    finally:
        for w in writers.values():
            w.close()
    meta = {
        'source': {'name': source_name, 'class': type(source).__name__,
                   'options': source.options(), 'report': source.report()},
        'seed': seed, 'fractions': {'validation': fractions[0], 'test': fractions[1]},
        'counts': {s: len(w) for s, w in writers.items()},
        'frames': {s: int(sum(w.lengths)) for s, w in writers.items()},
        'skipped': {'count': bad['count'], 'reasons': dict(bad['reasons']),
                    'first_ids': bad['ids']},
        'too_short_for_ctc': short,
        'unknown_characters': unknown,
        'char_table': char_table.to_json(),
        'preprocessing': pipeline.to_json(),
    }
    with open(os.path.join(partial, META_FILE), 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.rename(partial, folder)
    return meta


def _write_lines(source, pipeline, writers, seed, fractions, strict, progress):
    rng = np.random.default_rng(seed)
    bad = {'count': 0, 'reasons': Counter(), 'ids': []}
    short = 0
    total = _length_or_none(source)
    for example in tqdm(source.get_examples(), total=total, unit='line', desc='compile',
                        disable=not progress, mininterval=0.5):
        split = example.split or choose_split(rng, fractions)
        try:
            points, features, text = _prepare(example, pipeline)
        except BadExample as e:
            if strict:
                raise
            bad['count'] += 1
            bad['reasons'][e.reason] += 1
            if len(bad['ids']) < MAX_LISTED:
                bad['ids'].append(example.id)
            continue
        if split not in writers:
            raise CompileError(f'example {example.id}: unknown split {split!r}')
        writers[split].add(example.id, features, text, points)
        short += len(features) < ctc_min_frames(text)
    if short:
        warnings.warn(f'{short} lines have fewer frames than CTC needs for their text; '
                      f'they are kept, and train.py leaves them out', stacklevel=2)
    if bad['count']:
        warnings.warn(f'skipped {bad["count"]} bad examples '
                      f'({", ".join(f"{n} x {r}" for r, n in bad["reasons"].most_common())}); '
                      f'first ids: {", ".join(bad["ids"])}', stacklevel=2)
    return bad, short


def _prepare(example, pipeline):
    strokes = validate_handwriting(example.strokes, example.id)
    text = normalize_text(validate_text(example.text, example.id))
    points = strokes_to_points(strokes)
    features = pipeline.run_line_steps(points).astype(np.float32)
    if not np.isfinite(features).all():
        raise BadExample(example.id, 'pre-processing gave non-finite features')
    return points, features, text


def _finish(pipeline, writers):
    """Fit the remaining steps on train, apply them everywhere, encode labels."""
    for w in writers.values():
        w.finish_frames()

    def transform_all(step):
        for w in writers.values():
            w.transform_features(lambda chunk: step(chunk).astype(np.float32))
    pipeline.fit_stored(writers['train'].iter_feature_chunks, transform_all)
    char_table = CharTable.from_texts(writers['train'].iter_texts())
    unknown = {}
    for split, w in writers.items():
        counts = Counter()
        for text in w.iter_texts():
            counts.update(char_table.unknown(text))
        if counts:
            unknown[split] = dict(counts.most_common())
            warnings.warn(f'{split}: {sum(counts.values())} characters not in the training '
                          f'character table: {"".join(counts)!r}', stacklevel=2)
        w.write_labels(char_table)
    return char_table, unknown


def _length_or_none(source):
    try:
        return len(source)
    except (TypeError, NotImplementedError):
        return None
