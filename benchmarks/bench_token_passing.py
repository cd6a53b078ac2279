"""Benchmark of the token passing decoder: time per line, memory, speed-up over the Python
reference, and (with --model) accuracy on real lines next to best path and a peer decoder.

    python benchmarks/bench_token_passing.py                  # the issue's sizes, synthetic
    python benchmarks/bench_token_passing.py --lines 20 --words 4000
    python benchmarks/bench_token_passing.py --model weights/iam --real_lines 500 \
        --cache /tmp/iam-probs.npz                            # real lines, three decoders

Synthetic input (seeded; needs no trained model and no download):
- a table of 80 characters (letters, digits, space, punctuation), so C = 81;
- a dictionary of the --words most frequent English words that are words to the decoder
  (wordfreq's large list: letters, apostrophes inside);
- a bigram model built with algorithms.language_model from random sentences (words drawn
  by their English frequency, every word at least once) until it holds --bigrams bigrams;
- lines of --frames frames spelling such sentences like a network would (a comma or full
  stop after some words, the first word Capitalized): each character 1-3 frames, blanks
  between, the intended class with a logit --peak above N(0, 1) noise, and one frame in
  ten ambiguous (a boost of 1-4 only).
Times are also given as CPU time of the decoding thread, which a busy machine disturbs
less than wall time. The Python reference is slow: it decodes --reference_lines lines with
a smaller dictionary (--reference_words), against the C++ decoder on the same lines.

Real lines (--model): the network's outputs for --real_lines validation lines (as
tune_decoder.py picks and caches them), decoded by best path, by token passing with the
model folder's language model and tuned settings (decoder.json), and, when installed, by
flashlight-text's LexiconDecoder with KenLM on the same ARPA file and the same word forms
(`pip install flashlight-text`; an optional peer, not a dependency of the project). The
peer writes dictionary words separated by spaces only: no punctuation or digits.
"""
import argparse
import math
import os
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
from algorithms.language_model import WORD_PATTERN, build_bigram_lm  # noqa: E402
from algorithms.token_passing import TokenPassingDecoder  # noqa: E402
from algorithms.token_passing_lexicon import word_forms  # noqa: E402

CHARACTERS = string.ascii_letters + string.digits + " .,;:!?'\"-()&/#*+%"  # 80


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--words', type=int, default=100000,
                   help='dictionary size (default 100000)')
    p.add_argument('--bigrams', type=int, default=50000,
                   help='bigrams in the language model, at least (default 50000; every '
                   'word is in one)')
    p.add_argument('--frames', type=int, default=300, help='T per line (default 300)')
    p.add_argument('--lines', type=int, default=50, help='lines timed (default 50)')
    p.add_argument('--peak', type=float, default=8.0,
                   help='logit of the intended class above the noise (default 8)')
    p.add_argument('--lm_weight', type=float, default=1.0, help='decoder lm_weight (default 1)')
    p.add_argument('--beam', type=float, help="decoder beam (default: the decoder's own)")
    p.add_argument('--reference_words', type=int, default=300,
                   help='the smaller dictionary for the Python reference (default 300)')
    p.add_argument('--reference_lines', type=int, default=1,
                   help='lines the reference decodes (default 1)')
    p.add_argument('--threads', type=int, default=2, help='threads for decode_batch (default 2)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--model', help='also measure on real validation lines of this model folder')
    p.add_argument('--real_lines', type=int, default=400,
                   help='validation lines for --model (default 400)')
    p.add_argument('--cache', help='--model: .npz cache of the network outputs (as '
                   'tune_decoder.py --cache)')
    p.add_argument('--peer_beam', type=int, default=50, help='peer beam size (default 50)')
    p.add_argument('--peer_lm_weight', type=float, nargs='+', default=[0.5, 1.0, 2.0],
                   help='peer lm_weight values; the best on the lines is reported')
    p.add_argument('--peer_word_score', type=float, nargs='+', default=[-1.0, 0.0, 1.0],
                   help='peer word_score values; the best on the lines is reported')
    return p.parse_args()


def english_words(count):
    """The `count` most frequent English words that the table spells, and their weights."""
    allowed = set(CHARACTERS)
    words = [w for w in wordfreq.top_n_list('en', 2 * count, wordlist='large')
             if WORD_PATTERN.fullmatch(w) and set(w) <= allowed][:count]
    if len(words) < count:
        raise SystemExit(f'wordfreq has only {len(words)} words the table spells')
    weights = np.array([wordfreq.word_frequency(w, 'en', wordlist='large') for w in words])
    return words, weights / weights.sum()


def random_corpus(words, weights, num_bigrams, rng):
    """Sentences of 3-12 random words, until they hold `num_bigrams` distinct pairs
    (<s> and </s> included, as the builder counts them) and every word. The first
    sentences go through the whole word list once, so that every word is in the model
    (100,000 words make about 113,000 pairs that way)."""
    unused = list(rng.permutation(words))
    sentences, pairs = [], set()
    while unused or len(pairs) < num_bigrams:
        size = rng.integers(3, 13)
        if unused:
            sentence, unused = unused[:size], unused[size:]
        else:
            sentence = list(rng.choice(words, size=size, p=weights))
        tokens = ['<s>'] + sentence + ['</s>']
        pairs.update(zip(tokens, tokens[1:]))
        sentences.append(' '.join(sentence))
    return sentences


def line_matrix(text, frames, peak, rng):
    """(frames, C) float32 probabilities that spell `text` (cut to fit) like a network."""
    classes = []
    for ch in text:
        if classes and (classes[-1] == CHARACTERS.index(ch) + 1 or rng.random() < 0.5):
            classes += [0] * int(rng.integers(1, 3))  # a blank, required between equals
        classes += [CHARACTERS.index(ch) + 1] * int(rng.integers(1, 4))
    classes = (classes + [0] * frames)[:frames]
    logits = rng.normal(0.0, 1.0, (frames, len(CHARACTERS) + 1))
    boost = np.where(rng.random(frames) < 0.1, rng.uniform(1, 4, frames), peak)
    logits[np.arange(frames), classes] += boost
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (probabilities / probabilities.sum(axis=1, keepdims=True)).astype(np.float32)


def make_lines(words, weights, count, args, rng):
    """(texts, matrices): sentences long enough to fill --frames frames (the part that
    fits is the truth)."""
    texts, matrices = [], []
    for _ in range(count):
        text = ''
        while len(text) * 3 < args.frames:  # ~3 frames per character
            word = str(rng.choice(words, p=weights))
            text += (word.capitalize() if not text else word) + rng.choice(
                [' '] * 8 + [', ', '. '])
        texts.append(text.strip())
        matrices.append(line_matrix(texts[-1], args.frames, args.peak, rng))
    return texts, matrices


def timed(function, *arguments):
    """(result, wall seconds, CPU seconds of this thread)."""
    start, cpu = time.perf_counter(), time.thread_time()
    result = function(*arguments)
    return result, time.perf_counter() - start, time.thread_time() - cpu


def summary(seconds):
    ms = sorted(1000 * s for s in seconds)
    return f'median {statistics.median(ms):.2f} ms (p90 {ms[int(0.9 * (len(ms) - 1))]:.2f})'


def best_path_text(matrix):
    return ''.join(CHARACTERS[c - 1] for c in best_path_decode(matrix))


def main():
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    words, weights = english_words(args.words)
    corpus = random_corpus(words, weights, args.bigrams, rng)
    lm, build_s, _ = timed(build_bigram_lm, corpus, args.words)
    decoder = TokenPassingDecoder(CHARACTERS, lm, lm_weight=args.lm_weight, beam=args.beam,
                                  nonword_penalty=-2.0)
    texts, matrices = make_lines(words, weights, args.lines, args, rng)
    print(f'input: T = {args.frames} frames, C = {len(CHARACTERS) + 1} classes '
          f'({len(CHARACTERS)} characters + blank), {len(decoder.words):,} words, '
          f'{len(lm.bigrams):,} bigrams (model built in {build_s:.1f} s from '
          f'{len(corpus):,} sentences); lm_weight {decoder.lm_weight}, beam {decoder.beam}')

    runs = [timed(decoder.decode, m) for m in matrices]
    _, batch_s, _ = timed(decoder.decode_batch, matrices, False, args.threads)
    print(f'C++, one thread, {len(runs)} lines: wall {summary([r[1] for r in runs])}; CPU time '
          f'{summary([r[2] for r in runs])} per line (load average {os.getloadavg()[0]:.1f} '
          f'on {os.cpu_count()} CPUs)')
    print(f'C++, decode_batch on {args.threads} threads: {1000 * batch_s / len(matrices):.2f} '
          f'ms per line (wall)')
    decoded, best = [r[0] for r in runs], [best_path_text(m) for m in matrices]
    print(f'on these lines: best path CER {100 * cer(texts, best):.1f}% WER '
          f'{100 * wer(texts, best):.1f}%; token passing CER {100 * cer(texts, decoded):.1f}% '
          f'WER {100 * wer(texts, decoded):.1f}%')

    report_memory(decoder, matrices, args.frames)

    small, small_weights = words[:args.reference_words], weights[:args.reference_words]
    kept = set(small)
    small_lm = build_bigram_lm((' '.join(w for w in s.split() if w in kept) for s in corpus),
                               args.reference_words)
    _, small_matrices = make_lines(small, small_weights / small_weights.sum(),
                                   args.reference_lines, args, rng)
    compare_with_reference(args, small_lm, small_matrices)
    if args.model:
        real_lines(args)


def report_memory(decoder, matrices, frames):
    stats = [decoder.search_stats(m) for m in matrices]
    states = stats[0]['states']
    print(f'memory per search: at most {max(s["working_bytes"] for s in stats) / 1e6:.2f} MB '
          f'(median {statistics.median(s["working_bytes"] for s in stats) / 1e6:.2f} MB): '
          f'the tree slots and non-word chains active in the beam (of {states:,} states in '
          f'all), the pools, at most {max(s["word_links"] for s in stats):,} word links (24 '
          f'bytes each). A back-pointer per state and frame would take '
          f'{4 * states * frames / 1e6:,.0f} MB')


def compare_with_reference(args, lm, matrices):
    """The C++ decoder and the Python reference on the same lines: same answers, and
    how much faster (CPU time)."""
    options = {'lm_weight': args.lm_weight, 'beam': args.beam, 'nonword_penalty': -2.0}
    fast = TokenPassingDecoder(CHARACTERS, lm, **options)
    slow = token_passing_reference.TokenPassingDecoder(CHARACTERS, lm, **options)
    slow_s, fast_s = [], []
    for matrix in matrices:
        (slow_text, slow_score), _, slow_cpu = timed(slow.decode_with_score, matrix)
        (fast_text, fast_score), _, fast_cpu = timed(fast.decode_with_score, matrix)
        if slow_text != fast_text or not math.isclose(slow_score, fast_score, abs_tol=1e-6):
            print(f'warning: the decoders disagree: {fast_text!r} {fast_score} vs '
                  f'{slow_text!r} {slow_score}')
        slow_s.append(slow_cpu)
        fast_s.append(fast_cpu)
    slow_ms, fast_ms = 1000 * statistics.median(slow_s), 1000 * statistics.median(fast_s)
    print(f'reference (Python) vs C++, {len(slow.words):,} words, {len(lm.bigrams):,} '
          f'bigrams, {len(matrices)} line(s) of T = {args.frames}: CPU time {slow_ms:,.0f} ms vs '
          f'{fast_ms:.2f} ms per line, {slow_ms / fast_ms:,.0f}x faster')


def real_lines(args):
    """Best path, token passing (the model folder's settings) and the peer, if installed,
    on the same real lines: CER, WER and median ms per line (one thread, CPU time)."""
    import json
    import warnings

    from algorithms.token_passing import read_settings
    from data.charset import CharTable
    from models.model_folder import LM_FILE, read_config, trained_on
    from models.validation_outputs import network_outputs

    config = read_config(args.model)
    texts, probabilities = network_outputs(args.model, trained_on(config), args.real_lines,
                                           args.cache)
    table = CharTable.from_json(config['char_table'])
    lm_path = os.path.join(args.model, LM_FILE)
    settings = read_settings(args.model)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # words the table cannot spell: counted elsewhere
        decoder = TokenPassingDecoder(table, lm_path, **settings)
    rows = [('best path', lambda m: table.decode(best_path_decode(m))),
            (f'token passing {json.dumps(settings)}', decoder.decode)]
    peer = flashlight_peer(args, table, decoder, lm_path, texts, probabilities)
    if peer:
        rows.append(peer)
    print(f'\n{len(texts)} validation lines, {args.model} ({len(decoder.words):,} words):')
    print('| decoder, same matrices | CER | WER | median ms/line |\n|---|---|---|---|')
    for name, decode in rows:
        runs = [timed(decode, m) for m in probabilities]
        predictions = [r[0] for r in runs]
        print(f'| {name} | {100 * cer(texts, predictions):.1f}% | '
              f'{100 * wer(texts, predictions):.1f}% | '
              f'{1000 * statistics.median(r[2] for r in runs):.2f} |')
    report_memory(decoder, probabilities, max(len(m) for m in probabilities))


def flashlight_peer(args, table, decoder, lm_path, texts, probabilities):
    """(name, decode) of flashlight-text's LexiconDecoder with KenLM on the same ARPA file
    and the same word forms, its lm_weight and word_score chosen on these lines from
    --peer_lm_weight x --peer_word_score; None when flashlight-text is not installed."""
    try:
        from flashlight.lib.text.decoder import (CriterionType, KenLM, LexiconDecoder,
                                                 LexiconDecoderOptions, SmearingMode, Trie)
        from flashlight.lib.text.dictionary import Dictionary
    except ImportError:
        print('peer: flashlight-text is not installed (pip install flashlight-text)')
        return None
    characters = table.characters
    blank, space = 0, characters.index(' ') + 1
    words = Dictionary()
    for w in decoder.words + ['<unk>']:
        words.add_entry(w)
    lm = KenLM(lm_path, words)
    trie = Trie(len(characters) + 1, space)
    start = lm.start(False)
    for i, word in enumerate(decoder.words):
        _, score = lm.score(start, i)
        for form in word_forms(word):
            if all(c in characters for c in form):
                trie.insert([characters.index(c) + 1 for c in form], i, score)
    trie.smear(SmearingMode.MAX)

    def make(lm_weight, word_score):
        options = LexiconDecoderOptions(
            beam_size=args.peer_beam, beam_size_token=len(characters) + 1, beam_threshold=25.0,
            lm_weight=lm_weight, word_score=word_score, unk_score=-math.inf, sil_score=0.0,
            log_add=False, criterion_type=CriterionType.CTC)
        peer = LexiconDecoder(options, trie, lm, space, blank, len(decoder.words), [], False)

        def decode(matrix):
            emissions = np.ascontiguousarray(np.log(np.maximum(matrix, 1e-30)), np.float32)
            tokens = peer.decode(emissions.ctypes.data, *emissions.shape)[0].tokens
            classes = [c for i, c in enumerate(tokens)
                       if c != blank and (i == 0 or c != tokens[i - 1])]
            return ' '.join(table.decode(classes).split())
        return decode

    best = None
    for lm_weight in args.peer_lm_weight:
        for word_score in args.peer_word_score:
            decode = make(lm_weight, word_score)
            predictions = [decode(m) for m in probabilities]
            score = cer(texts, predictions) + wer(texts, predictions)
            if best is None or score < best[0]:
                best = score, lm_weight, word_score, decode
    _, lm_weight, word_score, decode = best
    return (f'flashlight-text LexiconDecoder + KenLM, beam {args.peer_beam}, lm_weight '
            f'{lm_weight:g}, word_score {word_score:g}', decode)


if __name__ == '__main__':
    main()
