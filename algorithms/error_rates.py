"""Character and word error rates: edit distances summed over a corpus, divided by the
length of the references.

Corpus-level (total edits / total reference length), not an average of per-line rates, so
that a short line with one error does not weigh as much as a long one; this is how
handwriting and speech recognition results are usually reported.
"""
from typing import Sequence


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions that turn
    `a` into `b`. Works on any sequences (strings, lists of words, lists of ids)."""
    if len(a) < len(b):
        a, b = b, a  # keep the row (len(b) + 1) the shorter one
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1,              # delete x
                               current[j - 1] + 1,           # insert y
                               previous[j - 1] + (x != y)))  # substitute (or keep)
        previous = current
    return previous[-1]


def _error_rate(references: list, hypotheses: list) -> float:
    if len(references) != len(hypotheses):
        raise ValueError(f'{len(references)} references but {len(hypotheses)} hypotheses')
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError('the references are empty: an error rate needs at least one '
                         'reference character or word')
    return sum(edit_distance(r, h) for r, h in zip(references, hypotheses)) / total


def cer(references: list[str], hypotheses: list[str]) -> float:
    """Character error rate: total character edits / total reference characters.
    Can exceed 1 when hypotheses are longer than references."""
    return _error_rate(list(references), list(hypotheses))


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Word error rate: as cer, over words split on whitespace."""
    return _error_rate([r.split() for r in references], [h.split() for h in hypotheses])
