"""Benchmark of the token passing decoder: time per line, speed-up over the Python
reference, memory. Needs no trained model and no download.

    python benchmarks/bench_token_passing.py                      # the issue's sizes
    python benchmarks/bench_token_passing.py --lines 20 --reference_words 200

Input (synthetic, seeded):
- a table of 80 characters (letters, digits, space, punctuation), so C = 81;
- a dictionary of the most frequent English words that the table spells (wordfreq);
- a bigram model built with algorithms.language_model from random sentences (words drawn
  by their English frequency) until it holds --bigrams bigrams;
- lines of --frames frames spelling such sentences like a trained network would: each
  character 1-3 frames, blanks and spaces between, the intended class with a logit
  --peak above N(0, 1) noise, and one frame in ten ambiguous (a boost of 1-4 only).
The reference is pure Python and slow, so it is timed on a smaller dictionary
(--reference_words), against the C++ decoder on the same input.
"""
import argparse
import math
import statistics
import string
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

import wordfreq  # noqa: E402

from algorithms import token_passing_reference  # noqa: E402
from algorithms.best_path import best_path_decode  # noqa: E402
from algorithms.error_rates import cer, wer  # noqa: E402
from algorithms.language_model import build_bigram_lm  # noqa: E402
from algorithms.token_passing import TokenPassingDecoder  # noqa: E402

CHARACTERS = string.ascii_letters + string.digits + " .,;:!?'\"-()&/#*+%"  # 80


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--words', type=int, default=4000, help='dictionary size (default 4000)')
    p.add_argument('--bigrams', type=int, default=50000,
                   help='bigrams in the language model (default 50000)')
    p.add_argument('--frames', type=int, default=300, help='T per line (default 300)')
    p.add_argument('--lines', type=int, default=50, help='lines timed (default 50)')
    p.add_argument('--peak', type=float, default=8.0,
                   help='logit of the intended class above the noise (default 8)')
    p.add_argument('--beam', type=float, default=token_passing_reference.DEFAULT_BEAM,
                   help='decoder beam (default %(default)s)')
    p.add_argument('--reference_words', type=int, default=300,
                   help='dictionary size for timing the Python reference (default 300)')
    p.add_argument('--reference_lines', type=int, default=3,
                   help='lines the reference decodes (default 3)')
    p.add_argument('--threads', type=int, default=2, help='threads for decode_batch (default 2)')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def english_words(count):
    """The `count` most frequent English words that the table spells, and their weights."""
    allowed = set(CHARACTERS) - {' '}
    words = [w for w in wordfreq.top_n_list('en', 4 * count) if set(w) <= allowed][:count]
    if len(words) < count:
        raise SystemExit(f'wordfreq has only {len(words)} words the table spells')
    weights = np.array([wordfreq.word_frequency(w, 'en') for w in words])
    return words, weights / weights.sum()


def random_corpus(words, weights, num_bigrams, rng):
    """Sentences of 3-12 random words, until they hold `num_bigrams` distinct pairs
    (<s> and </s> included), as the builder will count them."""
    sentences, pairs = [], set()
    while len(pairs) < num_bigrams:
        sentence = list(rng.choice(words, size=rng.integers(3, 13), p=weights))
        tokens = ['<s>'] + sentence + ['</s>']
        pairs.update(zip(tokens, tokens[1:]))
        sentences.append(' '.join(sentence))
    return sentences


def line_matrix(text, frames, peak, rng):
    """(frames, C) float32 probabilities that spell `text` (cut to fit) like a network."""
    classes = []
    for i, ch in enumerate(text):
        if classes and (classes[-1] == CHARACTERS.index(ch) + 1 or rng.random() < 0.5):
            classes += [0] * int(rng.integers(1, 3))  # a blank, required between equals
        classes += [CHARACTERS.index(ch) + 1] * int(rng.integers(1, 4))
    classes = (classes + [0] * frames)[:frames]
    logits = rng.normal(0.0, 1.0, (frames, len(CHARACTERS) + 1))
    boost = np.where(rng.random(frames) < 0.1, rng.uniform(1, 4, frames), peak)
    logits[np.arange(frames), classes] += boost
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (probabilities / probabilities.sum(axis=1, keepdims=True)).astype(np.float32)


def test_lines(words, weights, args, rng):
    """(texts, matrices): sentences long enough to fill --frames frames."""
    texts, matrices = [], []
    for _ in range(args.lines):
        sentence = []
        while len(' '.join(sentence)) * 3 < args.frames:  # ~3 frames per character
            sentence.append(str(rng.choice(words, p=weights)))
        matrix = line_matrix(' '.join(sentence), args.frames, args.peak, rng)
        texts.append(' '.join(sentence))
        matrices.append(matrix)
    return texts, matrices


def timed(function, *arguments):
    start = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - start


def best_path_text(matrix):
    return ''.join(CHARACTERS[c - 1] for c in best_path_decode(matrix))


def main():
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    words, weights = english_words(args.words)
    corpus = random_corpus(words, weights, args.bigrams, rng)
    lm, build_s = timed(build_bigram_lm, corpus, args.words)
    decoder = TokenPassingDecoder(CHARACTERS, lm, beam=args.beam)
    texts, matrices = test_lines(words, weights, args, rng)
    print(f'input: T = {args.frames} frames, C = {len(CHARACTERS) + 1} classes '
          f'({len(CHARACTERS)} characters + blank), {len(decoder.words):,} words, '
          f'{len(lm.bigrams):,} bigrams (model built in {build_s:.1f} s from '
          f'{len(corpus):,} sentences), beam {args.beam}')

    seconds = [timed(decoder.decode, m)[1] for m in matrices]
    decoded = [decoder.decode(m) for m in matrices]
    _, batch_s = timed(decoder.decode_batch, matrices, False, args.threads)
    ms = sorted(1000 * s for s in seconds)
    print(f'C++, one thread, {len(ms)} lines: median {statistics.median(ms):.2f} ms per line '
          f'(p90 {ms[int(0.9 * (len(ms) - 1))]:.2f}, max {ms[-1]:.2f})')
    print(f'C++, decode_batch on {args.threads} threads: {1000 * batch_s / len(matrices):.2f} '
          f'ms per line')
    best = [best_path_text(m) for m in matrices]
    print(f'on these lines: best path CER {100 * cer(texts, best):.1f}% WER '
          f'{100 * wer(texts, best):.1f}%; token passing CER {100 * cer(texts, decoded):.1f}% '
          f'WER {100 * wer(texts, decoded):.1f}%')

    stats = [decoder.search_stats(m) for m in matrices]
    states, links = stats[0]['states'], max(s['word_links'] for s in stats)
    scratch = len(decoder.words) * (8 + 4 + 4 + 4 + 1)  # per-word arrays of one search
    print(f'memory per search: {states:,} states x 12 bytes = {12 * states / 1e6:.2f} MB and '
          f'{scratch / 1e6:.2f} MB per-word scratch (fixed by the dictionary), plus at most '
          f'{links:,} word links x 12 bytes = {12 * links / 1e3:.1f} kB (grows with T x beam); '
          f'a full T x states back-pointer table would take '
          f'{4 * states * args.frames / 1e6:.0f} MB')

    compare_with_reference(args, words, weights, corpus, rng)


def compare_with_reference(args, words, weights, corpus, rng):
    """Both decoders on one smaller dictionary and the same lines."""
    small = words[:args.reference_words]
    kept = set(small)
    lm = build_bigram_lm((' '.join(w for w in s.split() if w in kept) for s in corpus),
                         args.reference_words)
    fast = TokenPassingDecoder(CHARACTERS, lm, beam=args.beam)
    slow = token_passing_reference.TokenPassingDecoder(CHARACTERS, lm, beam=args.beam)
    small_weights = weights[:args.reference_words] / weights[:args.reference_words].sum()
    sub_args = argparse.Namespace(**{**vars(args), 'lines': args.reference_lines})
    _, matrices = test_lines(small, small_weights, sub_args, rng)
    slow_s, fast_s = [], []
    for matrix in matrices:
        (slow_text, slow_score), s = timed(slow.decode_with_score, matrix)
        (fast_text, fast_score), f = timed(fast.decode_with_score, matrix)
        if slow_text != fast_text or not math.isclose(slow_score, fast_score, abs_tol=1e-6):
            print(f'warning: the decoders disagree: {fast_text!r} {fast_score} vs '
                  f'{slow_text!r} {slow_score}')
        slow_s.append(s)
        fast_s.append(min(f, timed(fast.decode, matrix)[1]))
    slow_ms, fast_ms = 1000 * statistics.median(slow_s), 1000 * statistics.median(fast_s)
    print(f'reference (Python) vs C++ on {len(slow.words):,} words, '
          f'{len(lm.bigrams):,} bigrams, {len(matrices)} lines of T = {args.frames}: median '
          f'{slow_ms:.0f} ms vs {fast_ms:.2f} ms per line: {slow_ms / fast_ms:,.0f}x faster')


if __name__ == '__main__':
    main()
