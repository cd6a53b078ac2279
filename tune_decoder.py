"""Tune the token passing decoder for a model on validation lines, and store the settings.

    python tune_decoder.py --model weights/iam                  # writes weights/iam/decoder.json
    python tune_decoder.py --model weights/iam --lines 1000 --threads 1 --cache /tmp/iam-probs.npz
    python tune_decoder.py --model weights/iam --lm corpus.arpa # tunes for (and copies) this LM

Runs the network once over `--lines` lines of the validation split of the data set the
model was trained on (evenly spread over the split), then searches the decoder's settings
(lm_weight, word_penalty, nonword_penalty, beam) on those probabilities: a coordinate
search (one setting at a time over a small grid, twice round) for the lowest CER + WER
(for the beam, which trades speed for accuracy: the smallest value within --tolerance of
the lowest). 1,000 lines is the default: tuned on 400, the settings fitted those lines
more than the rest of the split. It prints a table of every setting tried, best
path's CER and WER on the same lines for comparison, and stores the chosen settings in
decoder.json in the model folder, where Recognizer, evaluate.py and the demos read them
(explicit --lm_weight / --word_penalty flags still win). The language model is the model
folder's lm.arpa unless --lm names another, which is then copied there, since the settings
suit the language model they were tuned with. Validation lines are never trained on, and
the test split is left alone, so that evaluate.py's test figures stay honest.
"""
import argparse
import os
import shutil
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter

from algorithms.error_rates import cer, wer
from models.model_folder import DEFAULT_MODEL, LM_FILE, read_config, trained_on
from models.validation_outputs import network_outputs

# The grid of each setting; the search starts from START and moves one setting at a time.
GRID = {
    'lm_weight': [0.3, 0.5, 0.7, 1.0],
    'word_penalty': [-1.0, 0.0, 1.0],
    'nonword_penalty': [-3.0, -2.0, -1.0],
    'beam': [10.0, 12.0, 14.0, 16.0],
}
START = {'lm_weight': 0.5, 'word_penalty': 0.0, 'nonword_penalty': -2.0, 'beam': 12.0}
# Speed settings (a wider beam is rarely less accurate, always slower): the smallest value
# whose CER + WER is within --tolerance of the best value's is kept.
FOR_SPEED = ('beam',)
ROUNDS = 2


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    p.add_argument('--dataset', help='compiled data set whose validation split to tune on; '
                   'default: the one the model was trained on')
    p.add_argument('--lm', help=f'ARPA language model; default: {LM_FILE} in the model folder. '
                   'Another is copied into the model folder with the settings')
    p.add_argument('--lines', type=int, default=1000,
                   help='validation lines to tune on, evenly spread (default: %(default)s)')
    p.add_argument('--cache', help='.npz file that keeps the network outputs of these lines, '
                   'so that a second run skips the network (rewritten when the model changes)')
    p.add_argument('--threads', type=int, default=os.cpu_count() or 1,
                   help='decoding threads (default: one per CPU, %(default)s)')
    p.add_argument('--tolerance', type=float, default=0.0025,
                   help='beam: the smallest value within this much CER + WER of the best is '
                   'kept, for speed (default: %(default)s, a quarter point)')
    p.add_argument('--output', help='where to write the settings; default: decoder.json in '
                   'the model folder')
    args = p.parse_args(argv)
    if args.lines < 1:
        p.error(f'--lines must be at least 1, got {args.lines}')
    if args.threads < 1:
        p.error(f'--threads must be at least 1, got {args.threads}')
    return args


def measure(decoder, probabilities, texts, threads):
    """(CER, WER, median ms per line on one thread's share)."""
    start = time.perf_counter()
    predictions = decoder.decode_batch(probabilities, threads=threads)
    per_line = 1000 * (time.perf_counter() - start) * threads / len(texts)
    return cer(texts, predictions), wer(texts, predictions), per_line


def coordinate_search(make_decoder, probabilities, texts, threads, tolerance=0.0):
    """Settings with the lowest CER + WER found by moving one setting at a time over GRID
    (for FOR_SPEED settings: the smallest value within `tolerance` of the lowest); prints a
    row per setting tried."""
    tried, best = {}, dict(START)

    def score(settings):
        key = tuple(settings[k] for k in GRID)
        if key not in tried:
            tried[key] = measure(make_decoder(settings), probabilities, texts, threads)
            c, w, ms = tried[key]
            print('  '.join(f'{settings[k]:>{len(k)}g}' for k in GRID) +
                  f'  {100 * c:5.2f}  {100 * w:5.2f}  {ms:6.1f}', flush=True)
        c, w, _ = tried[key]
        return c + w

    print('  '.join(GRID) + '    CER    WER  ms/line')
    for _ in range(ROUNDS):
        for name, values in GRID.items():
            scores = {v: score({**best, name: v}) for v in values}
            if name in FOR_SPEED:
                best[name] = min(v for v in values if scores[v] <= min(scores.values()) +
                                 tolerance)
            else:
                best[name] = min(values, key=lambda v: (scores[v], v != best[name]))
    return best, tried[tuple(best[k] for k in GRID)]


def main(argv=None):
    args = parse_args(argv)
    from algorithms.token_passing import SETTINGS_FILE, TokenPassingDecoder, write_settings
    from data.charset import CharTable
    from algorithms.best_path import BestPathDecoder
    try:
        config = read_config(args.model)
        dataset = args.dataset or trained_on(config)
        lm = args.lm or os.path.join(args.model, LM_FILE)
        if not os.path.isfile(lm):
            raise ValueError(f'language model not found: {lm} (build_lm.py writes one; pass '
                             f'--lm)')
        char_table = CharTable.from_json(config['char_table'])
        texts, probabilities = network_outputs(args.model, dataset, args.lines, args.cache)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f'tune_decoder.py: error: {e}')

    best_path = BestPathDecoder(char_table).decode_batch(probabilities)
    c, w = cer(texts, best_path), wer(texts, best_path)
    print(f'{len(texts)} validation lines of {dataset}; best path: CER {100 * c:.2f}%  '
          f'WER {100 * w:.2f}%')
    try:
        decoder = TokenPassingDecoder(char_table, lm)
    except ValueError as e:
        sys.exit(f'tune_decoder.py: error: {lm}: {e}')
    best, (bc, bw, bms) = coordinate_search(lambda s: decoder.with_settings(**s),
                                            probabilities, texts, args.threads,
                                            args.tolerance)
    print(f'chosen: {", ".join(f"{k} {v:g}" for k, v in best.items())}: CER {100 * bc:.2f}%  '
          f'WER {100 * bw:.2f}%  ({bms:.1f} ms/line)')

    output = args.output or os.path.join(args.model, SETTINGS_FILE)
    if args.lm and not args.output:
        target = os.path.join(args.model, LM_FILE)
        if not (os.path.exists(target) and os.path.samefile(args.lm, target)):
            shutil.copyfile(args.lm, target)
            print(f'copied {args.lm} to {target}')
    write_settings(output, best, {'dataset': dataset, 'validation_lines': len(texts),
                                  'cer': bc, 'wer': bw, 'best_path_cer': c,
                                  'best_path_wer': w})
    print(f'wrote {output}')


if __name__ == '__main__':
    main()
