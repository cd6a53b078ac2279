"""Best path (greedy) CTC decoding: the most likely class per frame, repeats merged, blanks
dropped.

Input layout, as for every decoder in the project: per-frame class probabilities (T, C),
class 0 the CTC blank (data.charset.BLANK), classes 1..C-1 the character table in order.
No dictionary, no language model; it is the fast baseline that token passing improves on.
Its K best texts come from a CTC prefix beam search (algorithms.prefix_beam_search).
"""
import numpy as np

from algorithms.prefix_beam_search import prefix_beam_search
from data.charset import BLANK

NBEST_BEAM = 16  # prefix beam search width for decode_nbest; at least k


def best_path_decode(probabilities: np.ndarray) -> list[int]:
    """Class ids (no blanks) of one line, from its (T, C) probabilities."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2:
        raise ValueError(f'expected probabilities of shape (T, C), got {probabilities.shape}')
    best = probabilities.argmax(axis=1)  # (T,)
    # keep a frame when it starts a run (differs from the frame before) and is not a blank
    starts = np.ones(len(best), dtype=bool)
    starts[1:] = best[1:] != best[:-1]
    return [int(c) for c in best[starts & (best != BLANK)]]


def decode_batch(probabilities: np.ndarray, lengths) -> list[list[int]]:
    """Class ids of each line of a padded batch (B, T, C); lengths (B,) says how many frames
    of each line are real, so that padding frames are never decoded."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 3:
        raise ValueError(f'expected probabilities of shape (B, T, C), got {probabilities.shape}')
    lengths = np.asarray(lengths).reshape(-1)
    if len(lengths) != len(probabilities):
        raise ValueError(f'{len(lengths)} lengths for a batch of {len(probabilities)} lines')
    return [best_path_decode(line[:int(n)]) for line, n in zip(probabilities, lengths)]


class BestPathDecoder:
    """Best path over a character table, as a decoder (see algorithms.decoders)."""

    def __init__(self, char_table):
        self.char_table = char_table

    def decode(self, probabilities) -> str:
        return self.char_table.decode(best_path_decode(probabilities))

    def decode_batch(self, matrices) -> list:
        return [self.decode(m) for m in matrices]

    def decode_nbest(self, probabilities, k) -> list:
        """[(text, ln P(text | ink))] of the k most probable texts, best first."""
        found = prefix_beam_search(probabilities, beam=max(NBEST_BEAM, k), top=k)
        return [(self.char_table.decode(ids), score) for ids, score in found]
