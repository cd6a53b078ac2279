"""studies/zero_shot_iam.py's per-letter error count, on hand-written truths and outputs."""
from studies.zero_shot_iam import letter_errors, wrong_characters


def test_replaced_and_dropped_characters_are_wrong_matched_ones_are_not():
    assert wrong_characters('the cat', 'tho ct') == [False, False, True, False, False, True,
                                                     False]
    assert wrong_characters('ab', 'xaby') == [False, False]     # insertions wrong nothing
    assert wrong_characters('abc', '') == [True, True, True]
    assert wrong_characters('', 'x') == []


def test_letters_and_capitals_are_counted_over_lines():
    errors = letter_errors(['The tat', 'Ada'], ['Tho lat', 'ada'], 'taA-Z')
    assert errors == {'t': (0.5, 2), 'a': (0.0, 2), 'A-Z': (0.5, 2)}
