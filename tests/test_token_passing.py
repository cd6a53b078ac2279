"""Token passing: known answers on tiny matrices (words, their case forms, non-word
characters between them), an exhaustive search on small ones, the C++ decoder against the
Python reference on random cases, bad inputs at the binding, and threads."""
import itertools
import json
import math
import pickle
import re
import threading
import time
import warnings

import numpy as np
import pytest

from algorithms import _token_passing
from algorithms import token_passing_reference as reference
from algorithms.language_model import LanguageModel, build_bigram_lm, text_words, write_arpa
from algorithms.token_passing import TokenPassingDecoder
from algorithms.token_passing_lexicon import unusable_words
from data.charset import BLANK, CharTable

DECODERS = [TokenPassingDecoder, reference.TokenPassingDecoder]
CHARS = ' ,.1ACEHTabcehkorst'
C = len(CHARS) + 1  # classes
BLANK_MARK = '_'  # in frame strings below: a blank frame


def model(words, bigrams=(), unigram=-1.0):
    """A language model with equal unigrams and the given (w1, w2, log10 p) bigrams."""
    unigrams = {'<s>': -99.0, '</s>': unigram, **{w: unigram for w in words}}
    return LanguageModel(unigrams, {}, {(a, b): p for a, b, p in bigrams})


def frames(spec, chars=CHARS, peak=0.9):
    """(T, C) float32 probabilities, one frame per item of `spec`: a character, '_' for a
    blank, or a dict {character: probability} for an ambiguous frame; the probability
    left over is spread evenly over the other classes."""
    rows = []
    for item in spec:
        wanted = item if isinstance(item, dict) else {item: peak}
        row = np.full(len(chars) + 1, (1 - sum(wanted.values())) / (len(chars) + 1 - len(wanted)))
        for ch, p in wanted.items():
            row[BLANK if ch == BLANK_MARK else chars.index(ch) + 1] = p
        rows.append(row)
    return np.array(rows, np.float32)


def spell(text):
    """Frames that spell `text`: two per character, a blank between equal neighbours."""
    spec = []
    for ch in text:
        if spec and spec[-1] == ch:
            spec.append(BLANK_MARK)
        spec += [ch, ch]
    return frames(spec)


@pytest.fixture(params=DECODERS, ids=['cpp', 'reference'])
def decoder_class(request):
    return request.param


def test_spells_a_dictionary_word(decoder_class):
    decoder = decoder_class(CHARS, model(['cat', 'cab', 'at', 'act']))
    assert decoder.decode(spell('cat')) == 'cat'
    assert decoder.decode(spell('cst')) == 'cat'  # the nearest word in the dictionary


def test_equal_letters_need_a_blank(decoder_class):
    decoder = decoder_class(CHARS, model(['book', 'bok']))
    assert decoder.decode(frames('boo_ok')) == 'book'
    assert decoder.decode(frames('boook')) == 'bok'  # one run of o: a single letter


def test_words_are_separated_by_non_word_characters(decoder_class):
    decoder = decoder_class(CHARS, model(['the', 'cat']))
    assert decoder.decode(spell('the cat')) == 'the cat'
    assert decoder.decode(spell(' the  cat ')) == ' the  cat '  # spaces as written
    assert decoder.decode(spell('thecat')) in ('the cat', 'the,cat', 'the.cat', 'the1cat',
                                                'the', 'cat')  # never two words touching


def test_punctuation_and_digits_between_and_after_words(decoder_class):
    decoder = decoder_class(CHARS, model(['the', 'cat', 'a']))
    assert decoder.decode(spell('the cat.')) == 'the cat.'
    assert decoder.decode(spell('a cat, 11 the.')) == 'a cat, 11 the.'
    assert decoder.decode(spell('.1')) == '.1'  # a line without words
    assert decoder.decode(frames(',_,')) == ',,'  # equal non-word characters need a blank
    assert decoder.decode(frames(',,')) == ','


def test_capitalized_and_upper_case_forms_of_dictionary_words(decoder_class):
    decoder = decoder_class(CHARS, model(['the', 'cat', 'a']))
    assert decoder.decode(spell('The cat')) == 'The cat'
    assert decoder.decode(spell('THE cat A')) == 'THE cat A'
    assert decoder.words == ['the', 'cat', 'a']  # one language model word per form


def test_a_word_the_dictionary_lacks_next_to_one_it_has(decoder_class):
    """"the" is spelled; "cab" is not in the dictionary: the nearest word replaces it (with
    a cost per non-word character, a space does not stand in for the "b")."""
    decoder = decoder_class(CHARS, model(['the', 'cat', 'tea']), nonword_penalty=-1.0)
    assert decoder.decode(spell('the cab')) == 'the cat'


def test_table_without_non_word_characters_writes_one_word(decoder_class):
    decoder = decoder_class('aceht', model(['the', 'cat']))
    assert decoder.decode(frames('thecat', chars='aceht')) in ('the', 'cat')


def test_words_the_table_cannot_spell_are_passed_over_silently_and_named(decoder_class):
    lm = model(['cat', 'cät', 'x-ray', "'tis", 'the'])
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # build_lm.py reports them once, not each load
        decoder = decoder_class(CHARS, lm)
    assert decoder.words == ['cat', 'the']
    assert unusable_words(CHARS, lm) == ['cät', 'x-ray', "'tis"]
    assert decoder.decode(spell('the cat')) == 'the cat'


def test_language_model_picks_among_near_identical_words(decoder_class):
    lm = model(['the', 'a', 'cat', 'cot'], [('the', 'cat', -0.1), ('a', 'cot', -0.1)])
    vowel = {'a': 0.45, 'o': 0.45}
    decoder = decoder_class(CHARS, lm)
    assert decoder.decode(frames(['t', 'h', 'e', ' ', 'c', vowel, 't'])) == 'the cat'
    assert decoder.decode(frames(['a', ' ', 'c', vowel, 't'])) == 'a cot'


def test_unseen_word_pair_stays_possible(decoder_class):
    lm = model(['the', 'cat'], [('cat', 'the', -0.1)])  # no bigram "the cat"
    assert decoder_class(CHARS, lm).decode(spell('the cat')) == 'the cat'


def test_lm_weight_zero_ignores_the_language_model(decoder_class):
    lm = model(['cat', 'cot'], [('<s>', 'cot', -0.01), ('<s>', 'cat', -3.0)])
    matrix = frames(['c', {'a': 0.5, 'o': 0.4}, 't'])
    assert decoder_class(CHARS, lm).decode(matrix) == 'cot'
    assert decoder_class(CHARS, lm, lm_weight=0.0).decode(matrix) == 'cat'


def test_word_penalty_trades_more_words_for_fewer(decoder_class):
    """(A penalty this large needs a beam wider than itself: every word starts with it.)"""
    lm = model(['the', 'cat', 'thecat'])
    matrix = spell('the cat')
    assert decoder_class(CHARS, lm).decode(matrix) == 'the cat'
    assert decoder_class(CHARS, lm, word_penalty=-15.0, beam=20.0).decode(matrix) == 'thecat'


def test_nonword_penalty_trades_punctuation_for_words(decoder_class):
    lm = model(['the', 'cat'])
    matrix = frames(['t', 'h', 'e', {',': 0.3}, ' ', 'c', 'a', 't'])
    assert decoder_class(CHARS, lm).decode(matrix) == 'the, cat'
    assert decoder_class(CHARS, lm, nonword_penalty=-3.0).decode(matrix) == 'the cat'


def test_words_that_share_a_prefix(decoder_class):
    """One prefix tree: "ca" is a word and the prefix of the others, "cat" of "cats"."""
    decoder = decoder_class(CHARS, model(['ca', 'cat', 'cats', 'car', 'cart', 'cot']))
    for word in ['ca', 'cat', 'cats', 'cart', 'cot', 'Cats', 'CAT']:
        assert decoder.decode(spell(word)) == word
    assert decoder.decode(spell('cat cats, ca')) == 'cat cats, ca'


def test_one_form_of_two_words(decoder_class):
    """"CAT" is the upper-case form of "cat" and the word "CAT" itself: one node of the
    tree ends both, and the line takes the word the language model likes better there."""
    lm = model(['cat', 'CAT', 'the'], [('the', 'CAT', -0.1), ('CAT', 'the', -0.1)],
               unigram=-2.0)
    decoder = decoder_class(CHARS, lm)
    assert decoder.words == ['cat', 'CAT', 'the']
    matrix = spell('the CAT the')
    text, score = decoder.decode_with_score(matrix)
    assert text == 'the CAT the'
    # Through the word "CAT" (two listed bigrams) rather than "cat" (two back-offs):
    # the score is the same path's with the other word's terms.
    unlisted = model(['cat', 'CAT', 'the'], [], unigram=-2.0)
    _, backed_off = decoder_class(CHARS, unlisted).decode_with_score(matrix)
    assert score - backed_off == pytest.approx(decoder.lm_weight * math.log(10) * 2 * (
        -0.1 + 2.0), abs=1e-5)


def test_look_ahead_prunes_the_prefixes_of_unlikely_words(decoder_class):
    """The ink says "cots", the language model much prefers "cat". With an infinite
    beam "cots" wins; with a narrow one the prefix "co" leaves the beam at its second
    frame, because its look-ahead (only "cots" below it) is far below that of "ca" (only
    "cat"): the look-ahead prunes, not the ink, for without a language model (lm_weight
    0) the same beam keeps "co"."""
    lm = model(['cat', 'cots'], [('<s>', 'cat', -0.1), ('<s>', 'cots', -2.0)], unigram=-3.0)
    matrix = frames(['c', {'a': 0.5, 'o': 0.45}, 't', 's'])
    exact = decoder_class(CHARS, lm, beam=math.inf).decode_with_score(matrix)
    narrow = decoder_class(CHARS, lm, beam=3.0).decode_with_score(matrix)
    assert exact[0] == 'cots' and narrow[0] != 'cots' and narrow[1] < exact[1]
    assert decoder_class(CHARS, lm, beam=12.0).decode_with_score(matrix) == exact
    assert decoder_class(CHARS, lm, lm_weight=0.0, beam=3.0).decode(matrix) == 'cots'


def test_unpickled_matrix_is_accepted(decoder_class):
    """An unpickled array's dtype is equal to, not the same object as, NumPy's float32."""
    decoder = decoder_class(CHARS, model(['the', 'cat']))
    matrix = spell('the cat')
    for dtype in (np.float32, np.float64):
        copy = pickle.loads(pickle.dumps(matrix.astype(dtype)))
        assert decoder.decode_with_score(copy) == pytest.approx(
            decoder.decode_with_score(matrix))
        assert decoder.decode(copy) == 'the cat'


def test_all_blank_line_decodes_to_nothing(decoder_class):
    assert decoder_class(CHARS, model(['cat'])).decode(frames('____')) == ''


def test_empty_and_all_non_word_lines(decoder_class):
    decoder = decoder_class(CHARS, model(['cat']))
    (text, score), *others = decoder.decode_nbest(frames('_'), 3)  # one blank frame
    assert len(others) == 2 and all(t in CHARS for t, _ in others)  # unlikely characters
    assert text == '' and score == pytest.approx(math.log(0.9) + decoder.lm_weight * math.log(
        10 ** -1.0), abs=1e-6)  # the blank, then </s> after <s> (unigram -1)
    assert decoder.decode(spell('1, 1.')) == '1, 1.'
    assert decoder.decode(spell(' ')) == ' '


def test_input_forms_give_the_same_answer(decoder_class, tmp_path):
    lm = model(['the', 'cat', 'hat'], [('the', 'cat', -0.2)])
    write_arpa(lm, tmp_path / 'lm.arpa')
    matrix = spell('the cat')
    expected = decoder_class(CHARS, lm).decode_with_score(matrix)
    for characters, language_model in [(CharTable(CHARS), lm), (list(CHARS), lm),
                                       (CHARS, str(tmp_path / 'lm.arpa'))]:
        text, score = decoder_class(characters, language_model).decode_with_score(matrix)
        assert text == expected[0] and score == pytest.approx(expected[1], abs=1e-4)
    for variant, log_probs in [(matrix.astype(np.float64), False), (np.log(matrix), True),
                               (np.asfortranarray(matrix), False)]:
        text, score = decoder_class(CHARS, lm).decode_with_score(variant, log_probs=log_probs)
        assert text == expected[0] and score == pytest.approx(expected[1], abs=1e-5)


def test_default_beam_grows_with_the_lm_weight(decoder_class):
    lm = model(['cat'])
    assert decoder_class(CHARS, lm).beam == reference.default_beam(1.0) == 12.0
    assert decoder_class(CHARS, lm, lm_weight=2.0).beam == 24.0
    assert decoder_class(CHARS, lm, lm_weight=0.5).beam == 12.0
    assert decoder_class(CHARS, lm, beam=5.0).beam == 5.0


def test_zero_probabilities_count_as_the_floor(decoder_class):
    matrix = np.eye(len(CHARS) + 1, dtype=np.float32)[[CHARS.index(c) + 1 for c in 'cat']]
    text, score = decoder_class(CHARS, model(['cat', 'at'])).decode_with_score(matrix)
    assert text == 'cat' and math.isfinite(score)
    text, score = decoder_class(CHARS, model(['hat'])).decode_with_score(matrix)
    assert text == 'hat' and score < reference.LOG_FLOOR  # one frame it cannot explain


def test_log_floor_is_the_same_in_both():
    assert _token_passing.LOG_FLOOR == reference.LOG_FLOOR


# An independent check: every sequence of up to 3 chains (word forms and non-word
# characters, never two words touching), each scored by Viterbi over its own chain of
# states, must not beat what token passing finds with an unlimited beam.

def sequence_states(sequence, chains):
    """(label, predecessor states) per state of the line's chain: the start blank, then
    each chain's states; a chain's first character follows any end state of the one before."""
    states, ends = [(BLANK, [0])], [(0, False, None)]
    for w in sequence:
        chars = [label for label in chains[w].labels[::2]]
        for i, c in enumerate(chars):
            k = len(states)
            if i == 0:
                before = [s for s, ends_char, last in ends if not (ends_char and last == c)]
            else:
                before = [k - 1] + ([k - 2] if c != chars[i - 1] else [])
            states += [(c, [k] + before), (BLANK, [k + 1, k])]
        last = len(states) - 2
        ends = [(last, True, chars[-1]), (last + 1, False, None)]
    return states, [s for s, _, _ in ends]


def best_alignment(states, ends, logy):
    scores = np.full(len(states), -np.inf)
    scores[0] = logy[0][BLANK]
    if len(states) > 1:
        scores[1] = logy[0][states[1][0]]
    for row in logy[1:]:
        scores = np.array([max(scores[p] for p in before) + row[label]
                           for label, before in states])
    return max(scores[s] for s in ends)


def exhaustive_best(decoder, matrix, log_probs):
    logy = reference.log_probabilities(matrix, decoder.num_classes, log_probs).tolist()
    chains = decoder.chains
    best = -math.inf
    for length in range(4):
        for sequence in itertools.product(range(len(chains)), repeat=length):
            words = [chains[w].lm_word != reference.NON_WORD for w in sequence]
            if any(a and b for a, b in zip(words, words[1:])):
                continue  # two words need a non-word character between them
            states, ends = sequence_states(sequence, chains)
            score, history = best_alignment(states, ends, logy), decoder.boundary
            for w, is_word in zip(sequence, words):
                if is_word:
                    score += decoder.lm_weight * decoder.logprob(history, chains[w].lm_word)
                    score += decoder.word_penalty
                    history = chains[w].lm_word
                else:
                    score += decoder.nonword_penalty
            best = max(best, score + decoder.lm_weight * decoder.end_logprob(history))
    return best


def count_chains(text):
    """Chains in a decoded text whose words have no apostrophe: letter runs + the rest."""
    return len(re.findall(r'[^\W\d_]+|[\W\d_]', text))


def test_token_passing_finds_the_best_path_of_an_exhaustive_search():
    """With lm_weight 0 the search is exact. (With a language model it is not quite: a
    non-word character holds one token, so of two words before a space only the better
    goes on, whatever the next word's bigram would have said of each.)"""
    rng = np.random.default_rng(5)
    checked = 0
    while checked < 15:
        chars, lm, matrix, log_probs, options = random_case(rng, max_words=3, max_frames=7,
                                                            apostrophes=False)
        options.update(beam=math.inf, lm_weight=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # words the table cannot spell
            decoder = reference.TokenPassingDecoder(chars, lm, **options)
        text, score = decoder.decode_with_score(matrix, log_probs)
        if count_chains(text) <= 3:  # the exhaustive search stops at 3 chains
            assert score == pytest.approx(exhaustive_best(decoder, matrix, log_probs), abs=1e-9)
            checked += 1


def random_case(rng, max_words=10, max_frames=24, apostrophes=True):
    """A random table (small alphabets: many equal letters and shared prefixes; some
    upper-case letters; a few non-word characters), random dictionary (some words the
    table cannot spell) and language model (<s>, </s> sometimes missing), a random matrix
    (peaky, flat or with zeros), random options."""
    alphabet = list('abc' if rng.random() < 0.5 else 'abcdef')
    upper = [c.upper() for c in alphabet if rng.random() < 0.3]
    non_word = [c for c in " ,'1" if rng.random() < 0.5]
    chars = alphabet + upper + non_word
    rng.shuffle(chars)
    words = set()
    while len(words) < rng.integers(1, max_words + 1):
        word = ''.join(rng.choice(alphabet, rng.integers(1, 5)))
        if apostrophes and len(word) > 1 and rng.random() < 0.2:
            word = word[0] + "'" + word[1:]  # spelled only when the table has "'"
        words.add(word if rng.random() < 0.9 else word + 'z')  # z: never in the table
    specials = [w for w, p in (('<s>', 0.8), ('</s>', 0.8), ('<unk>', 0.3)) if rng.random() < p]
    unigrams = {w: -rng.uniform(0.1, 3) for w in specials + sorted(words)}
    unigrams.update({'<s>': -99.0} if '<s>' in unigrams else {})
    backoffs = {w: -rng.uniform(0, 1.5) for w in unigrams if rng.random() < 0.7}
    histories = [w for w in unigrams if w != '</s>']
    targets = [w for w in unigrams if w != '<s>']
    bigrams = {(histories[rng.integers(len(histories))], targets[rng.integers(len(targets))]):
               -rng.uniform(0.05, 2.5) for _ in range(rng.integers(0, 3 * len(words) + 1))}
    frames_, classes = int(rng.integers(1, max_frames + 1)), len(chars) + 1
    logits = rng.normal(0, 2 if rng.random() < 0.5 else 0.3, (frames_, classes))
    logits[np.arange(frames_), rng.integers(0, classes, frames_)] += rng.uniform(0, 9)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    if rng.random() < 0.2:
        probabilities[probabilities < 0.05] = 0
        probabilities /= probabilities.sum(axis=1, keepdims=True)
    log_probs = bool(rng.random() < 0.3)
    with np.errstate(divide='ignore'):
        matrix = np.log(probabilities) if log_probs else probabilities
    matrix = matrix.astype(np.float32 if rng.random() < 0.5 else np.float64)
    if not any(c.isalpha() for c in chars) or not any(
            all(c in chars for c in w) for w in words):
        chars.append('a')  # keep at least one word spellable
        words.add('a')
        unigrams['a'] = -1.0
        return random_case(rng, max_words, max_frames, apostrophes)
    options = {'lm_weight': float(rng.choice([0.0, 0.5, 1.0, 2.3])),
               'word_penalty': float(rng.choice([0.0, -1.0, 0.7])),
               'nonword_penalty': float(rng.choice([0.0, -1.5, 0.5])),
               'beam': float(rng.choice([math.inf, 3.0, 8.0, 16.0]))}
    return chars, LanguageModel(unigrams, backoffs, bigrams), matrix, log_probs, options


def assert_same(chars, lm, matrix, log_probs, options):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # words the table cannot spell
        fast_decoder = TokenPassingDecoder(chars, lm, **options)
        slow_decoder = reference.TokenPassingDecoder(chars, lm, **options)
    fast = fast_decoder.decode_with_score(matrix, log_probs)
    slow = slow_decoder.decode_with_score(matrix, log_probs)
    assert fast[0] == slow[0], (options, lm.words)
    assert fast[1] == pytest.approx(slow[1], rel=1e-9, abs=1e-6)
    fast_k, slow_k = (d.decode_nbest(matrix, 4, log_probs) for d in (fast_decoder, slow_decoder))
    assert [t for t, _ in fast_k] == [t for t, _ in slow_k]
    assert [s for _, s in fast_k] == pytest.approx([s for _, s in slow_k], rel=1e-9, abs=1e-6)
    return fast_k


class WholeWordSearch(reference._Search):
    """The search before the prefix tree: every word form a chain of its own, entered
    whole with the best of score + lm_weight * ln P(word | history) + word_penalty over
    the pool, no look-ahead; for an infinite beam only."""

    def advance_slots(self, y):
        return {}

    def grow_tree(self, t, y, stays):
        d = self.d
        for v, chain in enumerate(d.chains):
            if chain.lm_word == reference.NON_WORD:
                continue
            entries = [(p.score + d.lm_weight * d.logprob(p.history, chain.lm_word) +
                        d.word_penalty, p) for p in self.pool]
            score, source = max(entries, key=lambda e: e[0])
            self.enter(v, score, source, t, y, -math.inf)
        return {}

    def collect_pools(self, theta):
        pool, self.ends = [], []
        for w, (scores, links) in self.tokens.items():
            chain = self.d.chains[w]
            for k in (chain.last_char_state, chain.last_char_state + 1):
                if scores[k] == reference.NO_TOKEN:
                    continue
                word = chain.lm_word != reference.NON_WORD
                entry = reference._PoolEntry(
                    scores[k], chain.lm_word if word else self.history_of(links[k]), w,
                    links[k], chain.last, k == chain.last_char_state)
                (self.ends if word else pool).append(entry)
        start = [self.start_entry()] if self.start != reference.NO_TOKEN else []
        self.pool = start + pool


def test_with_an_infinite_beam_the_tree_equals_entering_whole_words():
    """The look-ahead only decides what is pruned: with beam = inf both decoders score as
    the search that enters every word form whole with its language model term."""
    rng = np.random.default_rng(7)
    for _ in range(120):
        chars, lm, matrix, log_probs, options = random_case(rng)
        options['beam'] = math.inf
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # words the table cannot spell
            fast = TokenPassingDecoder(chars, lm, **options)
            slow = reference.TokenPassingDecoder(chars, lm, **options)
        logy = reference.log_probabilities(matrix, slow.num_classes, log_probs)
        (_, whole), = WholeWordSearch(slow, logy).run(1)
        for decoder in (fast, slow):
            assert decoder.decode_with_score(matrix, log_probs)[1] == pytest.approx(
                whole, rel=1e-9, abs=1e-6)


def test_cpp_matches_the_reference_on_random_small_cases():
    rng = np.random.default_rng(1)
    for _ in range(400):
        assert_same(*random_case(rng))


def test_nbest_matches_the_reference_and_starts_with_the_best_text():
    """K best: the same texts and scores from both, the first the 1-best, scores
    non-increasing, texts distinct; on random cases with non-word characters."""
    rng = np.random.default_rng(3)
    longer = 0
    for _ in range(150):
        chars, lm, matrix, log_probs, options = random_case(rng, max_frames=30)
        k = int(rng.integers(1, 6))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # words the table cannot spell
            fast = TokenPassingDecoder(chars, lm, **options)
            slow = reference.TokenPassingDecoder(chars, lm, **options)
        found = fast.decode_nbest(matrix, k, log_probs)
        expected = slow.decode_nbest(matrix, k, log_probs)
        assert [t for t, _ in found] == [t for t, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-9,
                                                      abs=1e-6)
        assert found[0] == fast.decode_with_score(matrix, log_probs)
        assert 1 <= len(found) <= k
        assert len({t for t, _ in found}) == len(found)
        assert all(a[1] >= b[1] for a, b in zip(found, found[1:]))
        longer += len(found) > 1
    assert longer > 30  # most cases have alternatives to give


def test_nbest_gives_the_runner_up_word(decoder_class):
    lm = model(['the', 'cat', 'cot'])
    matrix = frames(['t', 'h', 'e', ' ', 'c', {'a': 0.6, 'o': 0.3}, 't'])
    found = decoder_class(CHARS, lm).decode_nbest(matrix, 3)
    assert [t for t, _ in found][:2] == ['the cat', 'the cot']
    assert found[0][1] - found[1][1] == pytest.approx(math.log(0.6 / 0.3), abs=1e-5)


def test_nbest_gives_alternatives_inside_the_line(decoder_class):
    """The runner-up of a word before a space: its path joins the winner's at the space."""
    lm = model(['the', 'cat', 'cot', 'sat'], [('cat', 'sat', -0.5), ('cot', 'sat', -0.7)])
    matrix = frames(['t', 'h', 'e', ' ', 'c', {'a': 0.6, 'o': 0.3}, 't', ' ', 's', 'a', 't'])
    decoder = decoder_class(CHARS, lm)
    found = decoder.decode_nbest(matrix, 4)
    assert [t for t, _ in found][:2] == ['the cat sat', 'the cot sat']
    lm_change = decoder.lm_weight * 0.2 * math.log(10)  # log10 P(sat | cat) - P(sat | cot)
    assert found[0][1] - found[1][1] == pytest.approx(math.log(0.6 / 0.3) + lm_change,
                                                      abs=1e-5)
    with pytest.raises(ValueError, match='nbest must be >= 1'):
        decoder_class(CHARS, lm).decode_nbest(matrix, 0)


def test_cpp_matches_the_reference_on_random_built_models():
    """Larger dictionaries from the builder, lines spelled from its corpus with punctuation
    and digits, some words Capitalized: exercises the bounds by which the C++ search skips
    entries, and its bigram paths."""
    rng = np.random.default_rng(2)
    inside = 0
    alphabet = list('abcdefghij')
    chars = ''.join(alphabet).lower() + ''.join(alphabet).upper() + ' ,.1'
    for _ in range(12):
        vocabulary = sorted({''.join(rng.choice(alphabet, rng.integers(1, 6)))
                             for _ in range(rng.integers(20, 200))})
        weights = rng.zipf(1.3, len(vocabulary)).astype(float)
        corpus = []
        for _ in range(rng.integers(50, 400)):
            words = rng.choice(vocabulary, rng.integers(1, 8), p=weights / weights.sum())
            line = [(w.capitalize() if rng.random() < 0.1 else w) +
                    rng.choice([' ', ' ', ', ', '. ', ' 1 ']) for w in words]
            corpus.append(''.join(line))
        lm = build_bigram_lm(corpus, max_words=int(rng.integers(10, 200)), tokenize=text_words)
        spec = []
        for ch in corpus[rng.integers(len(corpus))].rstrip():
            if spec and (spec[-1] == ch or rng.random() < 0.5):
                spec.append(BLANK_MARK)
            spec += [ch] * int(rng.integers(1, 3))
        logits = rng.normal(0, 1, (len(spec), len(chars) + 1))
        targets = [BLANK if ch == BLANK_MARK else chars.index(ch) + 1 for ch in spec]
        logits[np.arange(len(spec)), targets] += rng.uniform(1, 9, len(spec))
        matrix = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        options = {'lm_weight': float(rng.choice([0.5, 1.0, 2.0])),
                   'word_penalty': float(rng.choice([0.0, -2.0, 1.0])),
                   'nonword_penalty': float(rng.choice([0.0, -2.0, -0.5])),
                   'beam': float(rng.choice([6.0, 10.0, 16.0]))}
        found = assert_same(chars, lm, matrix.astype(np.float32), False, options)
        inside += any(' ' in t and t.rsplit(' ', 1)[0] != found[0][0].rsplit(' ', 1)[0]
                      for t, _ in found[1:])
    assert inside >= 3  # alternatives that differ before the last space

MATRIX_ERRORS = [
    ([[0.5, 0.5]], {}, TypeError, 'must be a NumPy array'),
    (np.full(C, 1 / C, np.float32), {}, ValueError, 'must be 2-D'),
    (np.full((3, C - 1), 1 / (C - 1), np.float32), {}, ValueError, f'has {C - 1} columns'),
    (np.zeros((0, C), np.float32), {}, ValueError, r'no frames \(T = 0\)'),
    (np.full((3, C), 1, np.int64), {}, ValueError, 'dtype must be float32 or float64'),
    (np.full((3, C), 1 / C, np.float16), {}, ValueError, 'dtype must be float32 or float64'),
    (np.where(np.eye(3, C) > 0, np.nan, 1 / 11).astype(np.float32), {}, ValueError, 'is NaN'),
    (np.full((3, C), -0.1, np.float32), {}, ValueError, 'is not a probability'),
    (np.full((3, C), 1.5, np.float32), {}, ValueError, 'is not a probability'),
    (np.full((3, C), 0.5 / C, np.float32), {}, ValueError, 'sums to 0.5'),
    (np.full((3, C), 1 / C, np.float32), {'log_probs': True}, ValueError, 'log-sum-exp'),
    (np.full((3, C), np.inf, np.float32), {'log_probs': True}, ValueError, 'log-sum-exp'),
    (np.full((3, C), -np.inf, np.float32), {'log_probs': True}, ValueError, 'log-sum-exp'),
]


@pytest.mark.parametrize('matrix, kwargs, error, message', MATRIX_ERRORS)
def test_bad_matrices_raise_a_clear_error(decoder_class, matrix, kwargs, error, message):
    decoder = decoder_class(CHARS, model(['cat']))
    with pytest.raises(error, match=message):
        decoder.decode(matrix, **kwargs)


@pytest.mark.parametrize('characters, lm, options, error, message', [
    (CHARS, model([]), {}, ValueError, 'dictionary is empty'),
    (CHARS, model(['cät', '1st']), {}, ValueError, 'no word that the character table can'),
    (CHARS, model(['cat']), {'lm_weight': -1.0}, ValueError, 'lm_weight must be'),
    (CHARS, model(['cat']), {'lm_weight': math.nan}, ValueError, 'lm_weight must be'),
    (CHARS, model(['cat']), {'word_penalty': math.inf}, ValueError, 'word_penalty must be'),
    (CHARS, model(['cat']), {'nonword_penalty': math.nan}, ValueError, 'nonword_penalty must'),
    (CHARS, model(['cat']), {'beam': 0.0}, ValueError, 'beam must be > 0'),
    ('caat', model(['cat']), {}, ValueError, 'duplicates'),
    ('', model(['cat']), {}, ValueError, 'character table is empty'),
    (['ca', 't'], model(['cat']), {}, ValueError, 'single characters'),
    (CHARS, 42, {}, TypeError, 'LanguageModel or the path'),
])
def test_bad_decoder_settings_raise_a_clear_error(decoder_class, characters, lm, options,
                                                  error, message):
    with pytest.raises(error, match=message):
        decoder_class(characters, lm, **options)


def test_decode_batch_matches_decode_and_names_a_bad_line():
    decoder = TokenPassingDecoder(CHARS, model(['the', 'cat', 'sat', 'hat']))
    matrices = [spell(text) for text in ['the cat', 'cat sat', 'the hat', 'sat']] * 3
    expected = [decoder.decode(m) for m in matrices]
    assert decoder.decode_batch(matrices, threads=3) == expected
    assert decoder.decode_batch(matrices, threads=1) == expected
    with pytest.raises(ValueError, match='line 2: matrix row 0 sums to'):
        decoder.decode_batch(matrices[:2] + [matrices[2] * 0.5], threads=2)
    with pytest.raises(ValueError, match='threads must be >= 1'):
        decoder.decode_batch(matrices, threads=0)


def test_decoding_releases_the_gil():
    """While a thread decodes a long line, this thread keeps running: the longest pause in
    its own work during the decoding is a small part of the decoding, where a decoder that
    held the GIL would stop it for all of it."""
    rng = np.random.default_rng(0)
    words = sorted({''.join(rng.choice(list('abcdefghij'), rng.integers(2, 6))) for _ in range(300)})
    decoder = TokenPassingDecoder('abcdefghij ', model(words), beam=30.0)
    logits = rng.normal(0, 0.3, (1000, 12))  # 1.5 s of decoding (5,000 frames took 7 s)
    matrix = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float32)
    window = []

    def decode():
        window.append(time.perf_counter())
        decoder.decode(matrix)
        window.append(time.perf_counter())

    worker = threading.Thread(target=decode)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    begin, end = window
    inside = [begin] + [t for t in ticks if begin < t < end] + [end]
    longest_pause = max(b - a for a, b in zip(inside, inside[1:]))
    assert longest_pause < 0.5 * (end - begin), (
        f'this thread stopped for {longest_pause:.3f} s of a {end - begin:.3f} s decoding')


def test_search_stats_count_states_and_links():
    decoder = TokenPassingDecoder(CHARS, model(['the', 'cat']))
    stats = decoder.search_stats(spell('the cat the cat'))
    # the prefix tree of the, The, THE, cat, Cat, CAT: t, th, the, T, Th, The, TH, THE, c,
    # ca, cat, C, Ca, Cat, CA, CAT, each a character and a blank; per non-word character
    # (" ,.1"), itself, a blank and an unused state
    assert stats['states'] == 2 * 16 + 4 * 3
    assert stats['word_links'] >= 7  # 4 words, 3 spaces
    assert 0 < stats['working_bytes'] < 20_000


def test_language_model_binding_checks_ids_and_dtypes():
    lm = _token_passing.LanguageModel(np.zeros(3), np.zeros(3), np.array([0], np.int32),
                                      np.array([1], np.int32), np.array([-0.5]), True)
    assert lm.logprob(0, 1) == -0.5 and lm.logprob(2, 2) == 0.0  # 2: the boundary
    for prev, next_, message in [(-1, 0, 'prev = -1 is outside 0..2'),
                                 (0, 3, 'next = 3 is outside 0..2'),
                                 (1.0, 0, 'prev must be an int word id, got float'),
                                 (0, True, 'next must be an int word id, got bool')]:
        with pytest.raises(ValueError, match=re.escape(message)):
            lm.logprob(prev, next_)
    ids, values = np.array([0], np.int32), np.array([-0.5])
    bad = [((np.zeros(3), np.zeros(3), np.array([0.7]), ids, values), 'bigram_prev must hold integer'),
           ((np.zeros(3), np.zeros(3), ids, np.array([-1]), values), r'bigram_next\[0\] = -1'),
           ((np.zeros(3), np.zeros(3), ids, np.array([5]), values), 'word id out of'),
           ((np.zeros(3, np.int64), np.zeros(3), ids, ids, values), 'unigram must hold floats'),
           ((np.zeros((3, 1)), np.zeros(3), ids, ids, values), 'unigram must be 1-D'),
           ((np.zeros(3), np.zeros(3), ids, ids, np.array(['x'])), 'bigram_logprob must hold')]
    for arguments, message in bad:
        with pytest.raises(ValueError, match=message):
            _token_passing.LanguageModel(*arguments, True)


def test_settings_travel_with_the_model_folder(tmp_path):
    from algorithms.token_passing import read_settings, write_settings
    from algorithms.decoders import token_passing_decoder
    lm = tmp_path / 'lm.arpa'
    write_arpa(model(['the', 'cat']), lm)
    assert read_settings(tmp_path) == {}
    settings = {'lm_weight': 0.5, 'word_penalty': -1.0, 'nonword_penalty': -2.0, 'beam': 9.0}
    write_settings(tmp_path / 'decoder.json', settings, {'validation_lines': 3})
    assert read_settings(tmp_path) == settings
    decoder = token_passing_decoder(CharTable(list(CHARS)), str(lm), word_penalty=0.5,
                                    model_dir=str(tmp_path))
    assert (decoder.lm_weight, decoder.word_penalty, decoder.beam) == (0.5, 0.5, 9.0)
    with pytest.raises(TypeError, match='unknown settings: word_beam'):
        decoder.with_settings(word_beam=100)
    other = decoder.with_settings(lm_weight=0.0)
    assert other.lm_weight == 0.0 and other.beam == reference.default_beam(0.0)
    assert other.decode(spell('the cat')) == decoder.decode(spell('the cat')) == 'the cat'
    # A file written before the prefix tree holds word_beam: it is skipped.
    (tmp_path / 'decoder.json').write_text(json.dumps({**settings, 'word_beam': 10000}))
    assert read_settings(tmp_path) == settings
    assert token_passing_decoder(CharTable(list(CHARS)), str(lm),
                                 model_dir=str(tmp_path)).decode(spell('the cat')) == 'the cat'
    (tmp_path / 'decoder.json').write_text('{"lm_weight": "x"}')
    with pytest.raises(ValueError, match='decoder.json: unreadable token passing settings'):
        read_settings(tmp_path)
