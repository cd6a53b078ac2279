"""Token passing in pure Python: the reference that the C++ decoder is held to.

Same algorithm, same names and the same arithmetic as `algorithms/cpp/` (Search.cpp), but
written for reading, not speed: every token is computed, then pruned, where the C++
search skips by bounds those that cannot stay. It is far too slow for real dictionaries; the tests
compare it with the C++ decoder on many small random cases (same text, same score).

The model (see algorithms/cpp/Lexicon.hpp for the state chains):
- input: (T, C) probabilities, or natural-log probabilities with log_probs=True; class
  0 is the CTC blank (data.charset.BLANK), class i + 1 is character i of the table;
  log 0 counts as LOG_FLOOR, so that an underflowed probability does not rule a word out;
- a line is words and non-word characters. Word characters are letters and the
  apostrophe; the dictionary is the language model's words (ARPA unigrams without <s>,
  </s>, <unk>) that are runs of word characters beginning and ending with a letter
  (algorithms.language_model.WORD_PATTERN) and that the table can spell; each may be
  written as it is, Capitalized or in UPPER case (one language model word);
- every character of the table that is not a letter (space, punctuation, digits, and
  the apostrophe outside words) is a non-word character, written freely between words;
  two words are always separated by at least one;
- a chain is a word form (c1, blank, c2, blank, ..., cn, blank) or a non-word character
  (c, blank); a blank is required between equal characters ("," then ",");
- a word v after the last word u (or at the start of the line, u = <s>) adds
  word_penalty when it is entered and lm_weight * ln P(v | u) when it ends; a non-word
  character adds nonword_penalty and keeps u; the line's end adds
  lm_weight * ln P(</s> | u);
- the word forms are searched as one prefix tree (_Tree; algorithms/cpp/PrefixTree.hpp),
  a token per node and history (the last word before it), since the word's language
  model term depends on the history;
- tokens more than `beam` (natural-log units) below the frame's best are dropped; a
  token inside a word counts lm_weight x the look-ahead of its prefix: the larger of the
  best listed bigram of its history and backoff + the best unigram, among the words
  below the node (algorithms/cpp/LookAhead.hpp). With 100,000 words this prunes the
  prefixes of unlikely words early; with beam = inf the search equals entering every
  word form whole with its language model term.
The answer is the best path's chains, concatenated; its score is the sum of the
log-probabilities of its frames plus the weighted language model terms and penalties. A
line of blanks decodes to '' (so does one where no chain end stays inside the beam).
"""
import math
from dataclasses import dataclass

import numpy as np

from algorithms.language_model import LN10, SENTENCE_END, SENTENCE_START
from algorithms.token_passing_lexicon import (NON_WORD, default_beam, load_language_model,
                                              require_array, spell_lexicon, table_characters)
from data.charset import BLANK

LOG_FLOOR = -200.0  # must equal the C++ bindings' kLogFloor (tests check)
ROW_TOLERANCE = 1e-3  # how far a row may be from a distribution (sum 1, or log-sum-exp 0)
NO_TOKEN = -math.inf
RUNNERS = 2  # chain ends kept per frame per alternative asked (C++: kRunnersPerAlternative)


def check_matrix(matrix, num_classes: int):
    """Shape and dtype: the rules of the C++ bindings, with the same messages."""
    require_array(matrix)
    if matrix.ndim != 2:
        raise ValueError(f'matrix must be 2-D (T, C), got {matrix.ndim} dimensions')
    if matrix.shape[1] != num_classes:
        raise ValueError(f'matrix has {matrix.shape[1]} columns; the decoder expects '
                         f'C = {num_classes} (blank + one per character)')
    if matrix.shape[0] == 0:
        raise ValueError('matrix has no frames (T = 0)')
    if matrix.dtype not in (np.float32, np.float64):
        raise ValueError(f'matrix dtype must be float32 or float64, got {matrix.dtype}')


def log_probabilities(matrix, num_classes: int, log_probs: bool) -> np.ndarray:
    """(T, C) float64 natural-log probabilities, floored at LOG_FLOOR, after checking that
    every row is a distribution."""
    check_matrix(matrix, num_classes)
    values = matrix.astype(np.float64)
    nan = np.argwhere(np.isnan(values))
    if len(nan):
        raise ValueError(f'matrix[{nan[0][0]}, {nan[0][1]}] is NaN')
    if log_probs:
        peak = values.max(axis=1)
        with np.errstate(invalid='ignore', divide='ignore', over='ignore'):
            spread = np.log(np.exp(values - peak[:, None]).sum(axis=1))
        total = np.where(np.isfinite(peak), peak + spread, peak)  # (T,) log-sum-exp
        bad = np.flatnonzero(~(np.abs(total) <= ROW_TOLERANCE))
        if len(bad):
            raise ValueError(f'matrix row {bad[0]} has log-sum-exp {total[bad[0]]:g}; rows must '
                             f'be log-probabilities of a distribution (log-sum-exp 0; pass '
                             f'log_probs=False for probabilities)')
        return np.maximum(values, LOG_FLOOR)
    outside = np.argwhere(~((values >= 0) & (values <= 1)))
    if len(outside):
        t, c = outside[0]
        raise ValueError(f'matrix[{t}, {c}] = {values[t, c]:g} is not a probability (pass '
                         f'log_probs=True for log-probabilities)')
    total = values.sum(axis=1)
    bad = np.flatnonzero(~(np.abs(total - 1) <= ROW_TOLERANCE))
    if len(bad):
        raise ValueError(f'matrix row {bad[0]} sums to {total[bad[0]]:g}; rows must be '
                         f'probability distributions (sum 1)')
    with np.errstate(divide='ignore'):
        return np.maximum(np.log(values), LOG_FLOOR)


def check_options(lm_weight, word_penalty, nonword_penalty, beam):
    """The rules the C++ decoder enforces too."""
    if not (math.isfinite(lm_weight) and lm_weight >= 0):
        raise ValueError(f'lm_weight must be finite and >= 0, got {lm_weight}')
    if not math.isfinite(word_penalty):
        raise ValueError(f'word_penalty must be finite, got {word_penalty}')
    if not math.isfinite(nonword_penalty):
        raise ValueError(f'nonword_penalty must be finite, got {nonword_penalty}')
    if not beam > 0:
        raise ValueError(f'beam must be > 0 (inf: no pruning), got {beam}')


class TokenPassingDecoder:
    """characters: the character table (a CharTable, a str or a list; class i + 1 is
    character i); language_model: a LanguageModel or an ARPA path; lm_weight,
    word_penalty, nonword_penalty: see the module doc; beam: None for
    default_beam(lm_weight)."""

    def __init__(self, characters, language_model, lm_weight=1.0, word_penalty=0.0,
                 nonword_penalty=0.0, beam=None):
        beam = default_beam(lm_weight) if beam is None else beam
        check_options(lm_weight, word_penalty, nonword_penalty, beam)
        self.lm = load_language_model(language_model)
        self.characters = table_characters(characters)
        self.num_classes = len(self.characters) + 1
        self.words, forms, labels, lm_words = spell_lexicon(self.characters, self.lm)
        self.lm_weight, self.word_penalty, self.beam = lm_weight, word_penalty, beam
        self.nonword_penalty = nonword_penalty
        self.chains = [_Chain(*chain) for chain in zip(forms, labels, lm_words)]
        self.tree = _Tree(self.chains)
        self._look_ahead = {}

    def decode(self, matrix, log_probs=False) -> str:
        return self.decode_with_score(matrix, log_probs)[0]

    def decode_with_score(self, matrix, log_probs=False):
        """(text, score) of the best path through the (T, C) matrix."""
        return self.decode_nbest(matrix, 1, log_probs)[0]

    def decode_nbest(self, matrix, k, log_probs=False) -> list:
        """[(text, score)] of up to k distinct texts, best first: the paths alive at the
        last frame that end a chain, by final score (ties: in pool order)."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f'k must be an int, got {type(k).__name__}')
        if k < 1:
            raise ValueError(f'nbest must be >= 1, got {k}')
        return _Search(self, log_probabilities(matrix, self.num_classes, log_probs)).run(k)

    def history(self, word_id):
        return SENTENCE_START if word_id == self.boundary else self.words[word_id]

    @property
    def boundary(self):
        """The word id of <s> as a history (as in the C++ core: W)."""
        return len(self.words)

    def logprob(self, history, word_id) -> float:
        return self.lm.logprob(self.history(history), self.words[word_id])

    def end_logprob(self, history) -> float:
        if SENTENCE_END not in self.lm.unigrams:
            return 0.0
        return self.lm.logprob(self.history(history), SENTENCE_END)

    def look_ahead(self, history, node) -> float:
        """An upper bound of ln P(w | history) over the words w below the tree node: the
        larger of the best listed bigram and backoff + the best unigram."""
        if (history, node) not in self._look_ahead:
            name = self.history(history)
            words = {self.words[self.chains[v].lm_word] for v in self.tree.below[node]}
            unigram = max(self.lm.unigram_ln(w) for w in words)
            listed = [self.lm.bigrams[name, w] * LN10 for w in words
                      if (name, w) in self.lm.bigrams]
            self._look_ahead[history, node] = max([self.lm.backoff_ln(name) + unigram] + listed)
        return self._look_ahead[history, node]


class _Chain:
    """One chain's states: the class each emits, and whether it may skip the state before."""

    def __init__(self, text, chars, lm_word):
        self.text, self.lm_word = text, lm_word
        self.labels, self.can_skip = [], []
        for i, c in enumerate(chars):
            self.labels += [c, BLANK]
            self.can_skip += [i > 0 and c != chars[i - 1], False]
        self.first, self.last = chars[0], chars[-1]
        self.last_char_state = 2 * len(chars) - 2


class _Tree:
    """The word forms as a prefix tree: node 0 is the root (the empty prefix); every other
    node is a prefix, with the label of its last character, its children, the word forms
    (chain indices) that end at it, and those below it (itself included)."""

    def __init__(self, chains):
        self.label, self.children, self.ends, self.below = [BLANK], [[]], [[]], [[]]
        nodes = {(): 0}
        for v, chain in enumerate(chains):
            if chain.lm_word == NON_WORD:
                continue
            node, chars = 0, tuple(chain.labels[::2])
            self.below[0].append(v)
            for i in range(len(chars)):
                if chars[:i + 1] not in nodes:
                    nodes[chars[:i + 1]] = len(self.label)
                    self.children[node].append(len(self.label))
                    for values, value in ((self.label, chars[i]), (self.children, []),
                                          (self.ends, []), (self.below, [])):
                        values.append(value)
                node = nodes[chars[:i + 1]]
                self.below[node].append(v)
            self.ends[node].append(v)


@dataclass
class _PoolEntry:
    score: float
    history: int  # the last word written, or the boundary id: none
    chain: int  # the ended chain, -1 for the start token
    link: int
    last_label: int
    ends_char: bool
    record: object = None  # its word-link record, made when first needed

    def order(self):
        """Pool order, which breaks ties: by history, chain, last character before blank."""
        return self.history, self.chain, not self.ends_char


class _Search:
    def __init__(self, decoder: TokenPassingDecoder, logy: np.ndarray):
        self.d, self.logy = decoder, logy
        self.tokens = {}  # non-word chain -> [scores, links], one per state, while active
        self.slots = {}  # (history, tree node) -> [[score, link] of its character, of its blank]
        self.start = self.silence = 0.0
        self.pool = [self.start_entry()]  # may enter words: start token, non-word ends
        self.ends = []  # word ends: may enter non-word characters only
        self.word_links = []  # (chain, previous record, frame, history, score)
        self.runners = []  # with nbest > 1, per frame: [(record, last label, ends_char)]

    def start_entry(self):
        return _PoolEntry(self.start, self.d.boundary, -1, -1, -1, False, -1)

    def run(self, nbest):
        for t, row in enumerate(self.logy):
            y = row.tolist()
            best = self.advance_chains(y)
            stays = self.advance_slots(y)
            best = max([best] + [self.key(k, s) for k, states in stays.items() for s in states])
            self.silence += y[BLANK]
            if self.start != NO_TOKEN:
                self.start += y[BLANK]
                best = max(best, self.start)
            best = max(best, self.enter_non_words(t, y, best - self.d.beam))
            self.slots = self.grow_tree(t, y, stays)
            best = max([best] + [self.key(k, s) for k, states in self.slots.items()
                                 for s in states])
            self.prune(best - self.d.beam)
            self.collect_pools(best - self.d.beam)
            if nbest > 1:
                self.keep_runners(t, nbest)
        return self.finish(nbest)

    def key(self, slot, state):
        """How a tree token is ranked: its score plus lm_weight x its look-ahead."""
        return state[0] + self.d.lm_weight * self.d.look_ahead(*slot)

    def advance_chains(self, y):
        best = NO_TOKEN
        for w in sorted(self.tokens):
            chain, (scores, links) = self.d.chains[w], self.tokens[w]
            for k in range(len(scores) - 1, -1, -1):  # descending: k-1, k-2 still old
                score, link = scores[k], links[k]
                if k >= 1 and scores[k - 1] > score:
                    score, link = scores[k - 1], links[k - 1]
                if chain.can_skip[k] and scores[k - 2] > score:
                    score, link = scores[k - 2], links[k - 2]
                scores[k], links[k] = score + y[chain.labels[k]], link
                best = max(best, scores[k])
        return best

    def advance_slots(self, y):
        """Each slot's tokens stay: its character repeats, its blank takes the better of
        the two (the blank on a tie)."""
        stays = {}
        for (history, node), (char, blank) in self.slots.items():
            before = blank if blank[0] >= char[0] else char
            stays[history, node] = [[char[0] + y[self.d.tree.label[node]], char[1]],
                                    [before[0] + y[BLANK], before[1]]]
        return stays

    def grow_tree(self, t, y, stays):
        """The next frame's slots: the stays, with tokens offered to the character states
        of their children (from the parent's blank, or its character when the labels
        differ) and of the tree's first level (from the best pool token per history, plus
        word_penalty); a state keeps its own token on a tie."""
        tree, offers = self.d.tree, []
        for (history, node), (char, blank) in self.slots.items():
            for child in tree.children[node]:
                skip = tree.label[child] != tree.label[node] and char[0] > blank[0]
                source = char if skip else blank
                if source[0] != NO_TOKEN:
                    offers.append(((history, child), source[0] + y[tree.label[child]],
                                   source[1]))
        sources = {}  # history -> the first best pool token
        for p in self.pool:
            if p.history not in sources or p.score > sources[p.history].score:
                sources[p.history] = p
        for history, p in sources.items():
            for child in tree.children[0]:
                offers.append(((history, child),
                               p.score + self.d.word_penalty + y[tree.label[child]],
                               self.record_for(p, t)))
        slots = stays
        for slot, score, link in offers:
            states = slots.setdefault(slot, [[NO_TOKEN, -1], [NO_TOKEN, -1]])
            if score > states[0][0]:
                states[0] = [score, link]
        return slots

    def enter_non_words(self, t, y, theta):
        best = NO_TOKEN
        for v, chain in enumerate(self.d.chains):
            if chain.lm_word != NON_WORD:
                continue
            source = None  # the first best token that may precede it
            for p in self.pool + self.ends:
                if not (p.ends_char and p.last_label == chain.first) and (
                        source is None or p.score > source.score):
                    source = p
            if source is not None:
                score = source.score + self.d.nonword_penalty
                best = max(best, self.enter(v, score, source, t, y, theta))
        return best

    def enter(self, v, score, source, t, y, theta):
        """Offers chain v a token; returns the candidate's score."""
        chain = self.d.chains[v]
        candidate = score + y[chain.first]
        if v not in self.tokens:
            if candidate < theta:
                return candidate
            self.tokens[v] = [[NO_TOKEN] * len(chain.labels), [-1] * len(chain.labels)]
        scores, links = self.tokens[v]
        if candidate > scores[0]:
            scores[0], links[0] = candidate, self.record_for(source, t)
        return candidate

    def record_for(self, p, t):
        if p.record is None:
            p.record = len(self.word_links)
            self.word_links.append((p.chain, p.link, t - 1, p.history, p.score))
        return p.record

    def history_of(self, link):
        return self.d.boundary if link < 0 else self.word_links[link][3]

    def prune(self, theta):
        if self.start < theta:
            self.start = NO_TOKEN
        for w in list(self.tokens):
            scores = self.tokens[w][0]
            scores[:] = [NO_TOKEN if s < theta else s for s in scores]
            if all(s == NO_TOKEN for s in scores):
                del self.tokens[w]
        for slot in list(self.slots):
            for state in self.slots[slot]:
                if self.key(slot, state) < theta:
                    state[0] = NO_TOKEN
            if all(state[0] == NO_TOKEN for state in self.slots[slot]):
                del self.slots[slot]

    def collect_pools(self, theta):
        pool = []
        for w in self.tokens:
            chain, (scores, links) = self.d.chains[w], self.tokens[w]
            last = chain.last_char_state
            for k in (last, last + 1):
                if scores[k] != NO_TOKEN:
                    pool.append(_PoolEntry(scores[k], self.history_of(links[k]), w, links[k],
                                           chain.last, k == last))
        start = [self.start_entry()] if self.start != NO_TOKEN else []
        self.pool = start + sorted(pool, key=_PoolEntry.order)
        self.ends = sorted(self.word_ends(theta).values(), key=_PoolEntry.order)

    def word_ends(self, theta):
        """(chain, ends_char) -> the word end of each form that ended in a slot, with its
        language model term, if it reaches theta: the best, ties to the lowest history."""
        ends, before = {}, {}
        for (history, node), states in self.slots.items():
            for v in self.d.tree.ends[node]:
                chain = self.d.chains[v]
                term = self.d.lm_weight * self.d.logprob(history, chain.lm_word)
                for (score, link), ends_char in zip(states, (True, False)):
                    end = _PoolEntry(score + term, chain.lm_word, v, link, chain.last, ends_char)
                    if score == NO_TOKEN or end.score < theta:
                        continue
                    other = ends.get((v, ends_char))
                    if other is None or (end.score, -history) > (other.score, -before[v, ends_char]):
                        ends[v, ends_char], before[v, ends_char] = end, history
        return ends

    def finish(self, nbest):
        """The K best: tokens alive at the end, and the winner's path with the prefix
        before one of its non-word characters traded for a runner (see keep_runners);
        paths scoring above the winner are left out, so that the first is the 1-best."""
        finals = [(p.score + self.d.lm_weight * self.d.end_logprob(p.history), p)
                  for p in self.pool + self.ends]
        finals.sort(key=lambda f: -f[0])  # stable: pool order among equal scores
        if not finals:  # every hypothesis that ends a chain fell out of the beam
            return [('', self.silence + self.d.lm_weight * self.d.end_logprob(self.d.boundary))]
        found = [(score, self.text_of(p)) for score, p in finals]
        if nbest > 1:
            total = finals[0][0]
            found += [f for f in self.deviations(finals[0][1], total) if f[0] <= total]
            found.sort(key=lambda f: -f[0])
        texts = {}
        for score, text in found:
            texts.setdefault(text, score)
            if len(texts) == nbest:
                break
        return list(texts.items())

    def keep_runners(self, t, nbest):
        """The frame's 2 x nbest best chain ends (not the start token), with records: a
        non-word character entered on the next frame might have followed any of them."""
        best = sorted(self.pool + self.ends, key=lambda p: -p.score)[:RUNNERS * nbest]
        self.runners.append([(self.record_for(p, t + 1), p.last_label, p.ends_char)
                             for p in best if p.chain >= 0])

    def deviations(self, winner, total):
        """[(score, text)] of the winner's path with the tokens before one of its non-word
        characters replaced by another of that frame's runners."""
        path = []  # (chain, the record before it), from the last
        if winner.chain >= 0:
            path.append((winner.chain, winner.link))
            link = winner.link
            while link >= 0:
                path.append((self.word_links[link][0], self.word_links[link][1]))
                link = self.word_links[link][1]
        d, found, suffix, next_word = self.d, [], '', None  # None: </s>

        def following(history):
            if next_word is None:
                return d.end_logprob(history)
            return d.logprob(history, next_word)

        for chain, before in path:
            suffix = d.chains[chain].text + suffix
            if d.chains[chain].lm_word != NON_WORD:
                next_word = d.chains[chain].lm_word
                continue
            if before < 0:
                continue  # entered from the start token
            source = self.word_links[before]
            for record, last_label, ends_char in self.runners[source[2]]:
                if record == before or (ends_char and last_label == d.chains[chain].first):
                    continue
                other = self.word_links[record]
                score = total - source[4] + other[4] + d.lm_weight * (
                    following(other[3]) - following(source[3]))
                text, link = suffix, record
                while link >= 0:
                    text = d.chains[self.word_links[link][0]].text + text
                    link = self.word_links[link][1]
                found.append((score, text))
        return found

    def text_of(self, p):
        chains, link = [], p.link
        if p.chain >= 0:
            chains.append(p.chain)
            while link >= 0:
                chains.append(self.word_links[link][0])
                link = self.word_links[link][1]
        return ''.join(self.d.chains[c].text for c in reversed(chains))
