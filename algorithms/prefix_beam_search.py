"""CTC prefix beam search: the K most probable labellings of a line, no dictionary.

Best path takes the most likely class per frame, which is the most likely *alignment*,
not the most likely *text*: a text's probability is the sum over all its alignments
(a, aa, a-, -a, ...). Prefix beam search (Graves 2008; Hannun et al. 2014) keeps the
`beam` best text prefixes after each frame, each with two sums: alignments ending in a
blank and alignments ending in its last character (needed because a repeated character
only counts twice when a blank separates the two).

Input layout, as for every decoder in the project: per-frame class probabilities (T, C),
class 0 the CTC blank (data.charset.BLANK), classes 1..C-1 the character table in order.
Sums are kept as natural logs, so long lines do not underflow.

    from algorithms.prefix_beam_search import prefix_beam_search
    for ids, log_p in prefix_beam_search(probabilities, beam=16, top=3): ...
"""
import numpy as np

from data.charset import BLANK

MIN_PROBABILITY = 1e-4  # classes less likely in a frame are not tried as extensions


def prefix_beam_search(probabilities, beam=16, top=1, min_probability=MIN_PROBABILITY) -> list:
    """[(class ids, log probability)] of the `top` best labellings, best first (top <= beam).

    The log probability is ln P(text | ink) summed over the alignments that the search
    kept, a lower bound of the true sum (exact when the beam never drops a prefix and
    min_probability is 0).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2:
        raise ValueError(f'expected probabilities of shape (T, C), got {probabilities.shape}')
    if not 1 <= top <= beam:
        raise ValueError(f'need 1 <= top <= beam, got top={top}, beam={beam}')
    with np.errstate(divide='ignore'):
        log_p = np.log(probabilities)
        prune = np.log(min_probability) if min_probability > 0 else -np.inf
    # prefix (tuple of class ids) -> [ln P(ending in blank), ln P(ending in its last class)]
    beams = {(): [0.0, -np.inf]}
    for frame in log_p:
        candidates = [c for c in np.flatnonzero(frame >= prune) if c != BLANK]
        grown = {}
        for prefix, (blank, last) in beams.items():
            total = np.logaddexp(blank, last)
            entry = grown.setdefault(prefix, [-np.inf, -np.inf])
            entry[0] = np.logaddexp(entry[0], total + frame[BLANK])  # a blank: same text
            if prefix:  # the last character again, merged into it
                entry[1] = np.logaddexp(entry[1], last + frame[prefix[-1]])
            for c in candidates:
                extended = grown.setdefault(prefix + (int(c),), [-np.inf, -np.inf])
                # a repeat of the last character starts a new one only after a blank
                source = blank if prefix and c == prefix[-1] else total
                extended[1] = np.logaddexp(extended[1], source + frame[c])
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam])
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))
    return [(list(prefix), float(np.logaddexp(*sums))) for prefix, sums in ranked[:top]]
