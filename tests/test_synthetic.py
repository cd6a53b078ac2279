"""SyntheticSource: seeded lines of real words, valid handwriting with a real clock."""
import json

import numpy as np
import pytest
import wordfreq

from data.base import validate_handwriting
from data.synthetic import SAMPLE_RATE, SyntheticSource, load_face, word_template


def same_line(a, b):
    (strokes_a, text_a), (strokes_b, text_b) = a, b
    return (text_a == text_b and len(strokes_a) == len(strokes_b)
            and all(np.array_equal(s, t) for s, t in zip(strokes_a, strokes_b)))


@pytest.fixture(scope='module')
def source():
    return SyntheticSource(60, seed=1)


@pytest.fixture(scope='module')
def lines(source):
    return list(source.get_sequences())


def test_same_seed_gives_the_same_lines(lines):
    again = list(SyntheticSource(60, seed=1).get_sequences())
    assert all(same_line(a, b) for a, b in zip(lines, again))


def test_another_seed_gives_other_lines(lines):
    other = list(SyntheticSource(60, seed=2).get_sequences())
    assert sum(same_line(a, b) for a, b in zip(lines, other)) == 0
    assert [text for _, text in lines] != [text for _, text in other]


def test_line_does_not_depend_on_num_examples(lines):
    short = list(SyntheticSource(5, seed=1).get_sequences())
    assert all(same_line(a, b) for a, b in zip(short, lines))


def test_len_and_ids(source):
    examples = list(source.get_examples())
    assert len(source) == len(examples) == 60
    assert [e.id for e in examples[:2]] == ['syn-000000', 'syn-000001']
    assert all(e.split is None for e in examples)


def test_every_line_is_valid_handwriting(source):
    for example in source.get_examples():
        arrays = validate_handwriting(example.strokes, example.id)
        assert all(a.shape[1] == 3 for a in arrays)


def test_clock_runs_forward_at_the_sample_rate_and_lifts_between_strokes(lines):
    for strokes, _ in lines:
        t = np.concatenate([s[:, 2] for s in strokes])
        assert t[0] == 0 and np.all(np.diff(t) > 0)
        for s in strokes:
            assert np.allclose(np.diff(s[:, 2]), 1 / SAMPLE_RATE)
        pen_up = [b[0, 2] - a[-1, 2] for a, b in zip(strokes, strokes[1:])]
        assert all(gap > 1 / SAMPLE_RATE for gap in pen_up)


def test_size_and_density_are_like_real_handwriting(lines):
    points = sum(len(s) for strokes, _ in lines for s in strokes)
    characters = sum(len(text) for _, text in lines)
    assert 10 < points / characters < 25  # IAM-OnDB: about 17 per character
    for strokes, _ in lines:
        xy = np.concatenate(strokes)[:, :2]
        assert 20 < np.ptp(xy[:, 1]) < 250  # pixel-like: ascender to descender
        assert np.ptp(xy[:, 0]) > np.ptp(xy[:, 1]) / 3


def test_text_is_words_of_the_list_written_with_face_characters(source, lines):
    covered = set.intersection(*(set(load_face(f).glyphs) for f in source.faces))
    assert set(source.characters) <= covered | {' '}
    for _, text in lines:
        assert set(text) <= set(source.characters)
        words = text.split(' ')
        assert 1 <= len(words) <= 4
        assert all(w in source.words and w.replace("'", '').isalpha() for w in words)


def test_vocabulary_is_the_most_frequent_writable_words():
    words = SyntheticSource(1, vocabulary_size=50).words
    assert len(words) == 50 and words[:3] == ('the', 'to', 'and')
    assert set(words) <= set(wordfreq.top_n_list('en', 100))


def test_word_count_and_language_options():
    source = SyntheticSource(30, language='de', min_words=2, max_words=3, faces=['scripts'])
    for _, text in source.get_sequences():
        assert 2 <= len(text.split(' ')) <= 3
        assert text.isascii()
    assert 'und' in source.words


def test_options_round_trip_through_json():
    source = SyntheticSource(8, seed=4, faces=['cursive', 'futural'], max_words=2,
                             vocabulary_size=300)
    options = json.loads(json.dumps(source.options()))
    assert options == {'seed': 4, 'language': 'en', 'faces': ['cursive', 'futural'],
                       'min_words': 1, 'max_words': 2, 'vocabulary_size': 300}
    rebuilt = SyntheticSource(8, **options)
    assert all(same_line(a, b) for a, b in zip(source.get_sequences(),
                                               rebuilt.get_sequences()))


def test_cursive_joins_letters_and_dots_the_i_after_the_word():
    cursive = word_template('cursive', 'minimum')
    print_ = word_template('futural', 'minimum')
    assert cursive.stroke.max() + 1 == 3  # one joined stroke, then two i-dots
    assert set(cursive.char[cursive.stroke == 0]) == set(range(7))
    dots = [cursive.points[cursive.stroke == k] for k in (1, 2)]
    assert all(np.ptp(d, axis=0).max() < 3 for d in dots)
    assert print_.stroke.max() + 1 > 7  # print lifts the pen between letters


@pytest.mark.parametrize('options, message', [
    ({'faces': ['scriptc']}, 'scriptc'),
    ({'faces': 'cursive'}, 'faces'),
    ({'language': 'xx'}, 'xx'),
    ({'language': 'ru'}, 'ASCII'),
    ({'min_words': 3, 'max_words': 2}, 'max_words'),
    ({'vocabulary_size': 0}, 'vocabulary_size'),
    ({'seed': -1}, 'seed'),
])
def test_bad_options_say_what_is_wrong(options, message):
    with pytest.raises(ValueError, match=message):
        SyntheticSource(10, **options)


def test_num_examples_is_required():
    with pytest.raises(ValueError, match='num_examples'):
        SyntheticSource(None)
