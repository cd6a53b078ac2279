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


def alignment(a: Sequence, b: Sequence) -> list[tuple]:
    """`a` and `b` aligned along one shortest edit script, as pairs (x, y): x == y kept,
    x != y a substitution, (x, None) x deleted, (None, y) y inserted; the pairs with x != y
    number edit_distance(a, b). What an error breakdown counts: which characters the
    recognizer confuses, drops and adds. Ties go to keeping or substituting, then deleting,
    so that "ab" -> "b" reads as 'a' dropped, not 'a' read as 'b' and 'b' dropped."""
    rows, cols = len(a) + 1, len(b) + 1
    cost = [[i + j if i == 0 or j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    pairs, i, j = [], len(a), len(b)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            pairs.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((a[i - 1], None))
            i -= 1
        else:
            pairs.append((None, b[j - 1]))
            j -= 1
    return pairs[::-1]
