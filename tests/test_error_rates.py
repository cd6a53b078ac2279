"""Edit distances and error rates on cases small enough to count by hand."""
import random

import pytest

from algorithms.error_rates import alignment, cer, edit_distance, wer


@pytest.mark.parametrize('a, b, expected', [
    ('', '', 0),
    ('abc', 'abc', 0),
    ('abc', '', 3),              # three deletions
    ('', 'abc', 3),              # three insertions
    ('abc', 'abd', 1),           # one substitution
    ('abc', 'xabc', 1),          # insertion at the front
    ('abc', 'ac', 1),            # deletion in the middle
    ('kitten', 'sitting', 3),    # the textbook case: 2 substitutions, 1 insertion
    ('flaw', 'lawn', 2),
    (['the', 'cat'], ['the', 'hat'], 1),  # any sequences, here words
    ([1, 2, 3], [3, 2, 1], 2),
])
def test_edit_distance(a, b, expected):
    assert edit_distance(a, b) == expected
    assert edit_distance(b, a) == expected  # symmetric


def test_cer_is_total_edits_over_total_reference_characters():
    # 1 edit over 4 characters, and 2 edits over 6: (1 + 2) / (4 + 6), not the mean of rates
    assert cer(['abcd', 'abcdef'], ['abed', 'abef']) == pytest.approx(3 / 10)


def test_cer_perfect_and_empty_hypothesis():
    assert cer(['hello world'], ['hello world']) == 0.0
    assert cer(['hello', 'ab'], ['', '']) == 1.0  # all deleted


def test_cer_can_exceed_one():
    assert cer(['a'], ['xyz']) == pytest.approx(3.0)


def test_wer_counts_words():
    refs = ['the quick brown fox', 'jumps over']
    hyps = ['the quick brown', 'jumps  over the']  # 1 deletion; 1 insertion; extra space ignored
    assert wer(refs, hyps) == pytest.approx(2 / 6)
    assert wer(['a b c'], ['a x c']) == pytest.approx(1 / 3)  # substitution
    assert wer(['one two'], ['']) == 1.0


def test_error_rates_reject_empty_references():
    with pytest.raises(ValueError, match='empty'):
        cer([], [])
    with pytest.raises(ValueError, match='empty'):
        wer(['', ' '], ['a', 'b'])


def test_error_rates_reject_mismatched_lengths():
    with pytest.raises(ValueError, match='2 references but 1 hypotheses'):
        cer(['a', 'b'], ['a'])



def edits(a, b):
    return [(x, y) for x, y in alignment(a, b) if x != y]


def test_alignment_of_hand_counted_cases():
    assert edits('kitten', 'sitting') == [('k', 's'), ('e', 'i'), (None, 'g')]
    assert alignment('ab', 'b') == [('a', None), ('b', 'b')]
    assert edits('Mr . Foot', 'Mr. foot') == [(' ', None), ('F', 'f')]
    assert alignment('', '') == []


def test_alignment_keeps_both_sequences_and_edits_as_few_as_edit_distance():
    rng = random.Random(0)
    for _ in range(300):
        a = ''.join(rng.choice('abc ') for _ in range(rng.randint(0, 9)))
        b = ''.join(rng.choice('abc ') for _ in range(rng.randint(0, 9)))
        pairs = alignment(a, b)
        assert ''.join(x for x, _ in pairs if x is not None) == a
        assert ''.join(y for _, y in pairs if y is not None) == b
        assert len(edits(a, b)) == edit_distance(a, b)
