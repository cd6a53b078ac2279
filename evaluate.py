"""Character and word error rates of a trained model on a split of a compiled data set.

    python evaluate.py                      # weights/iam on its data set's test split
    python evaluate.py --model weights/iam --split validation
    python evaluate.py --model weights/iam --decoder token_passing --lm datasets/iam/lm.arpa
    python evaluate.py --limit 200 --output results.csv   # per-line rows (.jsonl: JSON lines)

Prints CER and WER (edit distances summed over the split, divided by the number of reference
characters or words), the number of lines, the recognition time per line, and a few lines
as truth -> prediction. Reads the split's stored features, which were pre-processed when the
data set was compiled, so the model must have been trained with the same pre-processing.
"""
import argparse
import csv
import json
import os
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter

from algorithms.decoders import DECODERS
from algorithms.error_rates import cer, edit_distance, wer
from data.base import SPLITS
from data.dataset_format import DEFAULT_DATASET, open_dataset
from data.preprocessing import Pipeline
from models.model_folder import DEFAULT_MODEL, LM_FILE, read_config, trained_on
from models.recognizer import Recognizer

OUTPUT_FORMATS = ('.csv', '.jsonl')
EXAMPLES = 5  # lines printed as truth -> prediction


class EvaluationError(ValueError):
    """An expected user error: printed as one line, exit status 1."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    p.add_argument('--dataset', help='compiled data set folder; default: the one the model '
                   f'was trained on (recorded in its recognizer.json), else {DEFAULT_DATASET}')
    p.add_argument('--split', default='test', choices=SPLITS,
                   help='which split to evaluate (default: %(default)s)')
    p.add_argument('--decoder', default='best_path', choices=DECODERS,
                   help='best_path: most likely character per frame, no dictionary; '
                   'token_passing: only words of the language model, weighted by it '
                   '(default: %(default)s)')
    p.add_argument('--lm', help='ARPA language model for token passing; default: lm.arpa '
                   'in the model folder, else lm.arpa in the data set folder (build_lm.py)')
    p.add_argument('--lm_weight', type=float,
                   help="token passing: weight of the language model's log probabilities "
                   "(default: the decoder's own)")
    p.add_argument('--word_penalty', type=float,
                   help="token passing: added to the log score once per word; negative "
                   "favours fewer, longer words (default: the decoder's own)")
    p.add_argument('--output', help='write one row per line (id, truth, prediction, edits) '
                   'to this file; the format follows the extension: .csv or .jsonl')
    p.add_argument('--limit', type=int, help='evaluate only the first N lines of the split')
    p.add_argument('--batch_size', type=int, default=32,
                   help='lines per network call, grouped by length; 1 measures the latency '
                   'of one line at a time, as Recognizer.recognize() runs (default: %(default)s)')
    args = p.parse_args(argv)
    if args.output and os.path.splitext(args.output)[1].lower() not in OUTPUT_FORMATS:
        p.error(f'--output must end in {" or ".join(OUTPUT_FORMATS)}, got {args.output}')
    if args.limit is not None and args.limit < 1:
        p.error(f'--limit must be at least 1, got {args.limit}')
    if args.batch_size < 1:
        p.error(f'--batch_size must be at least 1, got {args.batch_size}')
    if args.decoder == 'best_path' and (args.lm or args.lm_weight is not None
                                        or args.word_penalty is not None):
        p.error('--lm, --lm_weight and --word_penalty need --decoder token_passing')
    return args


def open_split(args, config):
    """The data set split to evaluate, after checking that it suits the model."""
    folder = args.dataset or trained_on(config, args.model)
    try:
        dataset = open_dataset(folder)
        split = dataset.split(args.split)
    except (FileNotFoundError, OSError) as e:  # OSError: an unreadable HDF5 file
        raise EvaluationError(e) from None
    check_pipeline(Pipeline.from_json(config['preprocessing']), dataset.pipeline, args.model,
                   folder)
    if dataset.char_table.to_json() != config['char_table']:
        print(f'note: {args.model} and {folder} have different character tables; '
              f'predictions are compared with the true texts as written')
    if len(split) == 0:
        raise EvaluationError(f'the {args.split} split of {folder} has no lines')
    return folder, split


def lm_path(args, dataset):
    """--lm, else lm.arpa in the model folder, else the one build_lm.py wrote for the data set."""
    if args.lm or args.decoder != 'token_passing':
        return args.lm
    in_model = os.path.join(args.model, LM_FILE)
    return in_model if os.path.isfile(in_model) else os.path.join(dataset, LM_FILE)


def check_pipeline(model_pipeline, data_pipeline, model, dataset):
    """The stored features are only valid input for a model trained on the same steps
    (Pipeline.fits: a data set compiled again elsewhere is the same)."""
    fit = model_pipeline.fits(data_pipeline, 'evaluate')
    if not fit.ok:
        raise EvaluationError(f'{model} was trained on other pre-processing than {dataset} '
                              f'({fit.reason}); evaluate it on the data set it was trained on')


def recognize_split(recognizer, split, limit, batch_size):
    """-> (predictions, seconds in the network, seconds decoding) for the first lines."""
    count = min(limit or len(split), len(split))
    features = [split.features(i) for i in range(count)]
    split.close()
    recognizer.probabilities(features[:1])  # warm-up: the first call traces the network
    start = time.perf_counter()
    probabilities = recognizer.probabilities(features, batch_size)
    network = time.perf_counter() - start
    start = time.perf_counter()
    predictions = recognizer.decoder.decode_batch(probabilities)
    return predictions, network, time.perf_counter() - start


def line_results(ids, truths, predictions):
    for line_id, truth, prediction in zip(ids, truths, predictions):
        yield {'id': line_id, 'truth': truth, 'prediction': prediction,
               'char_edits': edit_distance(truth, prediction), 'chars': len(truth),
               'word_edits': edit_distance(truth.split(), prediction.split()),
               'words': len(truth.split())}


def write_results(path, rows):
    with open(path, 'w', encoding='utf-8', newline='') as f:
        if path.lower().endswith('.csv'):
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        else:
            f.writelines(json.dumps(row, ensure_ascii=False) + '\n' for row in rows)


def report(model, dataset, args, truths, predictions, network, decoding):
    n = len(truths)
    print(f'{model} on {dataset} ({args.split}, {args.decoder})')
    print(f'CER {100 * cer(truths, predictions):.2f}%   WER {100 * wer(truths, predictions):.2f}%'
          f'   lines {n}')
    print(f'time per line {1000 * (network + decoding) / n:.1f} ms (network '
          f'{1000 * network / n:.1f} ms in batches of {args.batch_size}, decoder '
          f'{1000 * decoding / n:.1f} ms)')
    for truth, prediction in list(zip(truths, predictions))[:EXAMPLES]:
        print(f'  {truth!r} -> {prediction!r}')


def main(argv=None):
    args = parse_args(argv)
    try:  # every expected user error is a ValueError (ModelFolderError, EvaluationError, ...)
        config = read_config(args.model)
        dataset, split = open_split(args, config)
        recognizer = Recognizer.load(args.model, args.decoder, lm_path(args, dataset),
                                     args.lm_weight, args.word_penalty)
    except ValueError as e:
        sys.exit(f'evaluate.py: error: {e}')
    predictions, network, decoding = recognize_split(recognizer, split, args.limit,
                                                     args.batch_size)
    truths = split.texts[:len(predictions)]
    report(args.model, dataset, args, truths, predictions, network, decoding)
    if args.output:
        write_results(args.output, list(line_results(split.ids, truths, predictions)))
        print(f'wrote {len(predictions)} lines to {args.output}')


if __name__ == '__main__':
    main()
