"""Writer adaptation on held-back writers: how much a few lines help, and what makes it work.

    python studies/adaptation.py sweep --forms 30 --config weights=all,learning_rate=3e-4 \\
        --config weights=scales,learning_rate=1e-2 --checkpoints 10,20,30
    python studies/adaptation.py recipe --forms 0                 # the Recipe's defaults, all forms
    python studies/adaptation.py recipe --config refit=1 --lines 1,2,4,8   # the curve
    python studies/adaptation.py recipe --forms 0 --shard 1/2 --output a.jsonl  # two processes,
    python studies/adaptation.py recipe --forms 0 --shard 2/2 --output b.jsonl  # one core each,
    python studies/adaptation.py table a.jsonl b.jsonl                       # then one table

Writers: the forms of IAM-OnDB-t1's validation lists (testset_v, testset_t; never the
final test set) with at least MIN_LINES lines; one form is one writer. A form is adapted on
its first k lines and tested on its lines after the first TEST_FROM(k): the first 4
adapting lines keep lines 5.. for testing, as in the issue; k = 8 tests on lines 9.. of
the forms that have them. `--forms N` takes N forms spread evenly over the sorted list
(0: all). Texts are IAM-OnDB's ascii transcriptions; adapting texts lose the characters the
model's table lacks (as training does), test texts are kept whole.

sweep: for each --config (Recipe fields, without the guard or the check), adapt every form
once and measure its test lines after each of --checkpoints steps: the CER curve over steps;
with --mix, --average and --soup, also networks between the base and the adapted one, the
mean of the weights over the last steps, and the mean of the weights of several runs with
other draws (all from the same first run, so they compare form by form).
recipe: adapt with the Recipe (guard included) and report what a user would get.

table: the table of runs written by --output to one or more files, a run's forms joined
across the files (the shards of one run).

Printed per run: the CER over all test lines with token passing (the model folder's
lm.arpa and decoder.json) and best path, before and after, the relative change, and per
form the mean and median change, the share of forms made worse and the largest loss in
points. Per-form figures go to --output (JSON lines) for a second look.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from algorithms.best_path import BestPathDecoder  # noqa: E402
from algorithms.error_rates import edit_distance  # noqa: E402
from data.iam import DEFAULT_ROOT, read_ascii_lines, read_line_strokes  # noqa: E402
from models.adaptation import Adapter, Recipe  # noqa: E402
from models.recognizer import Recognizer  # noqa: E402

MIN_LINES = 8
LISTS = ('testset_v.txt', 'testset_t.txt')


def test_from(k: int) -> int:
    """Lines before this index are kept out of testing when adapting on k lines."""
    return max(4, k)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('mode', choices=('sweep', 'recipe', 'table'))
    p.add_argument('files', nargs='*', help='table: --output files to join')
    p.add_argument('--model', default='weights/iam')
    p.add_argument('--root', default=DEFAULT_ROOT, help='IAM-OnDB (default: %(default)s)')
    p.add_argument('--lists', default='../shared/data/iam-ondb/t1',
                   help='folder of the t1 form lists (default: %(default)s)')
    p.add_argument('--forms', type=int, default=30, help='forms to use, spread evenly (0: all)')
    p.add_argument('--config', action='append', default=[], metavar='FIELD=VALUE,...',
                   help='Recipe fields to change (repeat for several runs)')
    p.add_argument('--checkpoints', default='10,20,30,40',
                   help='sweep: steps after which the test lines are measured')
    p.add_argument('--mix', default='1',
                   help='sweep: shares of the change kept, weights = base + share * '
                        '(adapted - base), e.g. 0.5,1 (default: %(default)s)')
    p.add_argument('--average', default='1',
                   help='sweep: also measure the mean of the weights over the last N steps '
                        'before each checkpoint, e.g. 1,10,20 (1: the weights at the '
                        'checkpoint; default: %(default)s)')
    p.add_argument('--soup', default='1',
                   help='sweep: also measure the mean of the weights of N runs with other '
                        'draws, e.g. 1,2 (1: the first run alone; default: %(default)s)')
    p.add_argument('--lm-weights', default='',
                   help='also decode the adapted network by token passing with these LM '
                        'weights, e.g. 0.5,0.9 (the base keeps the folder\'s)')
    p.add_argument('--lines', default='4', help='adapting lines per form, e.g. 1,2,4,8')
    p.add_argument('--output', help='append per-form results here (JSON lines)')
    p.add_argument('--shard', default='1/1', metavar='K/N',
                   help='the K-th of N even shares of the forms (one process each)')
    p.add_argument('--threads', type=int, default=0,
                   help='TensorFlow threads per operation (0: its default, all cores)')
    return p.parse_args(argv)


def parse_config(text: str) -> Recipe:
    fields = {f.name: f.type for f in Recipe.__dataclass_fields__.values()}
    values = {}
    for item in filter(None, text.split(',')):
        name, _, value = item.partition('=')
        kind = fields.get(name)
        if kind is None:
            sys.exit(f'adaptation study: unknown Recipe field {name!r}; '
                     f'fields: {", ".join(fields)}')
        kind = {'str': str, 'int': int, 'float': float, 'bool': bool}.get(kind, kind)
        values[name] = bool(int(value)) if kind is bool else kind(value)
    return Recipe(**values)


def read_forms(root, lists_dir, count, shard=(1, 1)) -> list:
    """[(form id, [(strokes, text)])] of the validation forms with MIN_LINES lines or more
    (count of them spread evenly, 0: all; of those, the shard (k, n): every n-th from the k-th)."""
    root = Path(root)
    listed = [form for name in LISTS
              for form in (Path(lists_dir) / name).read_text(encoding='latin-1').split()]
    strokes = {p.stem: p for p in root.joinpath('lineStrokes').rglob('*.xml')}
    ascii_files = sorted(root.joinpath('ascii').rglob('*.txt'))
    usable = []
    for path in ascii_files:
        if any(path.stem.startswith(form) for form in listed):
            ids = [(i, t) for i, t in read_ascii_lines(path) if i in strokes]
            if len(ids) >= MIN_LINES:
                usable.append((path.stem, ids))
    if count:
        usable = [usable[int(i)] for i in np.linspace(0, len(usable) - 1, count)]
    usable = usable[shard[0] - 1::shard[1]]
    return [(form, [(read_line_strokes(strokes[i]), text) for i, text in ids])
            for form, ids in usable]


class Measure:
    """Test lines of each form, decoded with both decoders by a network whose weights change."""

    def __init__(self, model_dir, forms, lm_weights=()):
        import keras
        self.token = Recognizer.load(model_dir, decoder='token_passing')  # never changed
        self.decoders = [('token_passing', self.token.decoder),
                         ('best_path', BestPathDecoder(self.token.char_table))]
        self.decoders += [(f'token_passing lm_weight={w}',
                           Recognizer.load(model_dir, decoder='token_passing',
                                           lm_weight=w).decoder) for w in lm_weights]
        self.features = {form: [self.token.features(s, f'{form} line {i + 1}')
                                for i, (s, _) in enumerate(lines)]
                         for form, lines in forms}
        self.texts = {form: [t for _, t in lines] for form, lines in forms}
        self.base_weights = self.token.model.get_weights()
        twin = keras.models.clone_model(self.token.model)
        twin.set_weights(self.base_weights)
        self.changed = Recognizer(twin, self.token.char_table, self.token.pipeline,
                                  self.token.decoder)

    def errors(self, form, first, weights=None) -> dict:
        """{decoder: (edits, reference characters)} over the form's lines from `first` on."""
        if weights is None:
            probabilities = self.token.probabilities(self.features[form][first:])
        else:
            self.changed.model.set_weights(weights)
            probabilities = self.changed.probabilities(self.features[form][first:])
        truths = self.texts[form][first:]
        result = {}
        for name, decoder in self.decoders if weights is not None else self.decoders[:2]:
            found = decoder.decode_batch(probabilities)
            result[name] = (sum(edit_distance(t, h) for t, h in zip(truths, found)),
                            sum(len(t) for t in truths))
        return result


def adapting_data(measure, form, k):
    """(features, labels) of the form's first k lines, texts cut to the model's table."""
    table = measure.token.char_table
    lines = measure.texts[form][:k]
    texts = [''.join(c for c in t if c not in table.unknown(t)) for t in lines]
    return (measure.features[form][:k],
            [table.encode(t) for t in texts]) if all(t.strip() for t in texts) else None


def mixed(base, adapted, share) -> list:
    """Weights a share of the way from the base network's to the adapted ones."""
    return adapted if share == 1 else [b + share * (a - b) for b, a in zip(base, adapted)]


def sweep(measure, forms, recipe, checkpoints, mixes, windows, soups, k, output):
    adapter = Adapter(measure.token.model, measure.token.pipeline, measure.token.char_table,
                      recipe.weights)
    keys = [(s, m, w, n) for s in checkpoints for w in windows if w <= s for m in mixes
            for n in soups]
    rows = {key: [] for key in keys}
    for form, lines in forms:
        data = adapting_data(measure, form, k)
        if data is None or len(lines) <= test_from(k):
            continue
        base = measure.errors(form, test_from(k))
        start = time.perf_counter()
        found = [kept_weights(adapter, data, recipe, r, checkpoints, windows)
                 for r in range(max(soups))]
        for (step, share, w, n) in keys:
            weights = found[0][step, w] if n == 1 else \
                [sum(parts) / n for parts in zip(*(run[step, w] for run in found[:n]))]
            after = measure.errors(form, test_from(k), mixed(measure.base_weights, weights, share))
            rows[step, share, w, n].append({'form': form, 'base': base, 'after': after})
        print(f'  {form}: {time.perf_counter() - start:.1f} s', file=sys.stderr, flush=True)
    for (step, share, w, n), found in rows.items():
        write(output, {'mode': 'sweep', 'recipe': vars(recipe), 'lines': k, 'steps': step,
                       'mix': share, 'average': w, 'soup': n, 'forms': found})
    return [(sweep_name(describe(recipe), *key), rows[key]) for key in keys]


def kept_weights(adapter, data, recipe, run, checkpoints, windows) -> dict:
    """{(checkpoint, window): weights} of one run of the recipe without the guard or the
    check (its seed + run: other augmentation draws; dropout's differ anyway): after each
    checkpoint's steps, and the mean over the window's last steps before it."""
    kept, sums = {}, {}

    def at_step(step, total):
        summed = [(c, w) for c in checkpoints for w in windows if 1 < w <= c
                  and c - w < step <= c]
        if step not in checkpoints and not summed:
            return
        adapted = adapter.adapted_weights()
        for key in summed:
            sums[key] = [s + a for s, a in zip(sums[key], adapted)] if key in sums else adapted
        for c, w in ((c, w) for c in checkpoints for w in windows if c == step and w <= c):
            kept[c, w] = adapted if w == 1 else [v / w for v in sums[c, w]]

    adapter.run(*data, Recipe(**{**vars(recipe), 'guard': False, 'check': False,
                                 'steps': max(checkpoints), 'seed': recipe.seed + run}),
                at_step)
    return kept


def sweep_name(recipe, steps, share, window, soup=1) -> str:
    return (f'{recipe} steps={steps}' + (f' mix={share}' if share != 1 else '')
            + (f' average={window}' if window != 1 else '')
            + (f' soup={soup}' if soup != 1 else ''))


def with_recipe(measure, forms, recipe, k, output):
    adapter = Adapter(measure.token.model, measure.token.pipeline, measure.token.char_table,
                      recipe.weights)
    found = []
    for form, lines in forms:
        data = adapting_data(measure, form, k)
        if data is None or len(lines) <= test_from(k):
            continue
        base = measure.errors(form, test_from(k))
        outcome = adapter.run(*data, recipe)
        after = measure.errors(form, test_from(k), outcome.weights)
        found.append({'form': form, 'base': base, 'after': after, **outcome.summary()})
        print(f'  {form}: {outcome.summary()}', file=sys.stderr, flush=True)
    write(output, {'mode': 'recipe', 'recipe': vars(recipe), 'lines': k, 'forms': found})
    return [(f'{describe(recipe)} lines={k}', found)]


def describe(recipe) -> str:
    default = Recipe()
    changed = [f'{k}={v}' for k, v in vars(recipe).items() if getattr(default, k) != v]
    return ','.join(changed) or 'default'


def write(output, record):
    if output:
        with open(output, 'a', encoding='utf-8') as f:
            f.write(json.dumps(record) + '\n')


def summary(rows) -> dict:
    """Corpus CERs before/after for both decoders and the per-form changes (token passing)."""
    out = {'forms': len(rows)}
    for name in ('token_passing', 'best_path'):
        edits = [sum(r[key][name][0] for r in rows) for key in ('base', 'after')]
        chars = sum(r['base'][name][1] for r in rows)
        out[name] = (edits[0] / chars, edits[1] / chars)
    change = np.array([(r['after']['token_passing'][0] - r['base']['token_passing'][0])
                       / r['base']['token_passing'][1] for r in rows]) * 100  # points
    out['mean'], out['median'] = float(change.mean()), float(np.median(change))
    out['worse'], out['max_worse'] = float((change > 0).mean()), float(change.max())
    out['other'] = {name: sum(r['after'][name][0] for r in rows) / chars
                    for name in rows[0]['after'] if name not in out}
    return out


def print_table(results):
    print(f'{"run":52} {"forms":>5} {"TP base":>8} {"TP after":>8} {"rel":>6} '
          f'{"BP base":>8} {"BP after":>8} {"rel":>6} {"mean":>6} {"median":>6} '
          f'{"worse":>6} {"max+":>5}')
    for name, rows in results:
        if not rows:
            continue
        s = summary(rows)
        tp, bp = s['token_passing'], s['best_path']
        print(f'{name[:52]:52} {s["forms"]:5d} {100 * tp[0]:7.2f}% {100 * tp[1]:7.2f}% '
              f'{100 * (tp[1] / tp[0] - 1):+5.1f}% {100 * bp[0]:7.2f}% {100 * bp[1]:7.2f}% '
              f'{100 * (bp[1] / bp[0] - 1):+5.1f}% {s["mean"]:+6.2f} {s["median"]:+6.2f} '
              f'{100 * s["worse"]:5.0f}% {s["max_worse"]:5.2f}')
        for other, after in s['other'].items():
            print(f'{"  decoded by " + other:52} {"":5} {"":8} {100 * after:7.2f}% '
                  f'{100 * (after / tp[0] - 1):+5.1f}%')


def joined_runs(files) -> list:
    """[(run name, per-form rows)] of --output files, a run's shards joined."""
    runs = {}
    for path in files:
        with open(path, encoding='utf-8') as f:
            for record in map(json.loads, f):
                name = f'{describe(Recipe(**record["recipe"]))} lines={record["lines"]}'
                if record['mode'] == 'sweep':
                    name = sweep_name(name, record['steps'], record.get('mix', 1),
                                      record.get('average', 1), record.get('soup', 1))
                runs.setdefault(name, []).extend(record['forms'])
    return list(runs.items())


def main(argv=None):
    args = parse_args(argv)
    if args.mode == 'table':
        print_table(joined_runs(args.files))
        return
    if args.threads:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    start = time.perf_counter()
    forms = read_forms(args.root, args.lists, args.forms,
                       tuple(int(n) for n in args.shard.split('/')))
    measure = Measure(args.model, forms,
                      [float(w) for w in args.lm_weights.split(',') if w])
    print(f'{len(forms)} forms of {MIN_LINES}+ lines read in '
          f'{time.perf_counter() - start:.0f} s', file=sys.stderr)
    recipes = [parse_config(c) for c in args.config] or [Recipe()]
    checkpoints = sorted(int(s) for s in args.checkpoints.split(','))
    mixes = [float(m) for m in args.mix.split(',')]
    windows = sorted(int(w) for w in args.average.split(','))
    soups = sorted(int(n) for n in args.soup.split(','))
    results = []
    for k in (int(n) for n in args.lines.split(',')):
        for recipe in recipes:
            if args.mode == 'sweep':
                found = sweep(measure, forms, recipe, checkpoints, mixes, windows, soups, k,
                              args.output)
            else:
                found = with_recipe(measure, forms, recipe, k, args.output)
            results += found
            print_table(found)
    print('\nall runs (TP: token passing, BP: best path; CER over all test lines; per form: '
          'change in points with token passing)')
    print_table(results)
    print(f'{time.perf_counter() - start:.0f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
