"""Words linked to ink: the CTC alignment, frames back to points and strokes, and pages read
by a (tiny, untrained) Recognizer; the synthetic pages' truth."""
import numpy as np
import pytest

from algorithms.ctc_alignment import align, frame_words
from data.charset import CharTable
from data.synthetic_pages import PageStyle, synthetic_page
from models.page_reader import link_words, on_reading_clock, read_page
from models.recognizer import Recognizer
from test_recognizer import fitted_pipeline, make_model_folder, random_line

TABLE = CharTable('ab .')  # classes: 0 blank, 1 a, 2 b, 3 space, 4 .


def spiky(classes, num_classes=5):
    """(T, C) probabilities that read `classes`, one frame each, 0.96 sure."""
    p = np.full((len(classes), num_classes), 0.01)
    p[np.arange(len(classes)), classes] = 0.96
    return p


def test_align_reads_each_label_where_it_is_most_likely():
    p = spiky([0, 1, 1, 0, 3, 0, 2, 0])
    assert align(p, [1, 3, 2]).tolist() == [-1, 0, 0, -1, 1, -1, 2, -1]
    assert frame_words(align(p, [1, 3, 2]), 'a b').tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


def test_align_spells_a_text_the_frames_do_not_favour():
    p = spiky([0, 1, 0, 2, 0])  # best path reads "ab"; force "aa": a repeat needs a blank
    path = align(p, [1, 1]).tolist()
    assert path[1] == 0 and path.count(1) >= 1 and -1 in path[2:path.index(1)]


def test_align_a_line_of_more_than_63_characters():
    # 2 * 80 + 1 CTC states: a back pointer held as int8 once wrapped past 127 and
    # crashed linking every long line to its ink
    labels = [1, 2, 3] * 26 + [1, 4]
    path = align(spiky([c for label in labels for c in (label, 0)]), labels)
    assert path.tolist() == [p for k in range(len(labels)) for p in (k, -1)]


def test_align_errors_and_empty_text():
    with pytest.raises(ValueError, match='too few'):
        align(spiky([1, 1]), [1, 1, 1])
    assert align(spiky([0, 0]), []).tolist() == [-1, -1]
    assert frame_words(np.array([-1, -1]), ' ').tolist() == [-1, -1]


def test_frame_words_gives_pen_lifts_to_the_next_word():
    text = 'ab ba.'
    path = np.array([-1, 0, -1, 1, -1, -1, 2, -1, 3, 4, 5, -1])
    assert frame_words(path, text).tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_with_points_leads_each_frame_back_to_its_point():
    rng = np.random.default_rng(0)
    strokes = [np.asarray(s, dtype=np.float64) for s in random_line(rng, 4, 30)]
    pipeline = fitted_pipeline([random_line(rng) for _ in range(3)])
    features, points = pipeline.with_points(strokes)
    np.testing.assert_array_equal(features, pipeline(strokes))
    assert len(points) == len(features) and np.all(np.diff(points) > 0)
    assert set(np.cumsum([0] + [len(s) for s in strokes[:-1]])) <= set(points.tolist())


def test_a_line_is_read_on_a_clock_that_runs_forward_in_its_reading_order():
    strokes = [np.array([[0.0, 0, t], [1, 0, t + 0.5]]) for t in (0.0, 1.0, 1.7, 60.0)]
    # stroke 3 (a dot written a minute later) read between 1 and 2
    clocked = on_reading_clock(strokes, [0, 1, 3, 2])
    starts = [s[0, 2] for s in clocked]
    assert starts == [0.0, 1.0, 2.0, 3.0]  # pauses 0.5, then the usual 0.5 (the median)
    assert all(s[-1, 2] - s[0, 2] == 0.5 for s in clocked)  # durations kept
    assert all(np.array_equal(a[:, :2], strokes[i][:, :2])
               for a, i in zip(clocked, [0, 1, 3, 2]))
    in_order = on_reading_clock(strokes, [0, 1, 2])
    assert all(np.array_equal(a, b) for a, b in zip(in_order, strokes))


def test_a_stroke_read_out_of_order_gets_the_pause_of_moves_like_its_own():
    # four words of two letter strokes (pauses 0.1 in a word, 0.8 between words), then,
    # written a minute later, a dot over word 1 and a fifth word
    strokes, t = [], 0.0
    for k, x0 in enumerate([0, 12, 32, 44, 64, 76, 96, 108]):
        t += 0 if k == 0 else 0.1 if k % 2 else 0.8
        strokes.append(np.column_stack([x0 + np.linspace(0, 10, 6), np.zeros(6),
                                        t + np.linspace(0, 0.5, 6)]))
        t += 0.5
    strokes.append(np.array([[40.0, -8.0, 60.0], [40.5, -8.0, 60.05]]))
    for x0, t0 in ((128, 61.0), (140, 61.6)):
        strokes.append(np.column_stack([x0 + np.linspace(0, 10, 6), np.zeros(6),
                                        t0 + np.linspace(0, 0.5, 6)]))
    order = [0, 1, 2, 8, 3, 4, 5, 6, 7, 9, 10]
    clocked = dict(zip(order, on_reading_clock(strokes, order)))
    pause = {i: clocked[i][0, 2] - clocked[j][-1, 2] for j, i in zip(order[:-1], order[1:])}
    assert pause[9] == pytest.approx(0.8)   # a word read after a word: a word space
    assert pause[8] == pytest.approx(0.1)   # the dot: as the moves within a word
    assert pause[10] == pytest.approx(0.1)  # written right after the one before: its own


def test_link_words_by_the_frames_that_read_them_and_late_dots_by_place():
    # four strokes, five points each (no resampling: frames = points): "ab" on strokes
    # 0-1, "ba" on stroke 2, and a dot over stroke 1 written last, read as nothing
    strokes = [np.column_stack([x0 + np.arange(5.0), np.zeros(5), t0 + 0.01 * np.arange(5)])
               for x0, t0 in ((0, 0), (6, 1), (20, 2))]
    strokes.append(np.array([[8.0, -5.0, 3.0]] * 5))
    frames = [0, 1, 0, 0, 0,  0, 2, 0, 0, 3,  0, 2, 0, 1, 0,  0, 0, 0, 0, 0]
    line = link_words(strokes, [0, 1, 2, 3], 'ab ba', spiky(frames), np.arange(20), 1, TABLE)
    assert [(w.text, w.strokes) for w in line.words] == [('ab', [0, 1, 3]), ('ba', [2])]
    assert line.words[1].box == [20.0, 0.0, 24.0, 0.0]
    assert line.box == [0.0, -5.0, 24.0, 0.0] and line.strokes == [0, 1, 2, 3]


@pytest.fixture(scope='module')
def recognizer(tmp_path_factory):
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp('model') / 'tiny'
    make_model_folder(folder, TABLE, fitted_pipeline([random_line(rng) for _ in range(5)]))
    return Recognizer.load(str(folder))


def page_of(rows=3):
    """Rows of three random-walk strokes, 100 apart, written top to bottom."""
    rng = np.random.default_rng(1)
    page = []
    for row in range(rows):
        for s in random_line(rng, 3, 20):
            page.append([(x, y + 100 * row, t + 10 * row) for x, y, t in s])
    return page


def test_read_page_finds_the_lines_and_accounts_for_every_stroke(recognizer):
    page = page_of(3)
    read = recognizer.read_page(page)
    assert [line.strokes for line in read.lines] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert read.text == '\n'.join(line.text for line in read.lines)
    for line in read.lines:
        in_words = sorted(s for w in line.words for s in w.strokes)
        assert in_words == line.strokes or not line.text.split()
        assert [w.text for w in line.words] == line.text.split()
    assert set(read.to_json()) == {'text', 'lines'}
    assert set(read.to_json()['lines'][0]) == {'text', 'strokes', 'box', 'words'}


def test_layout_line_reads_all_strokes_as_one_line(recognizer):
    page = page_of(2)
    read = recognizer.read_page(page, layout='line')
    assert len(read.lines) == 1 and read.lines[0].strokes == list(range(6))
    assert read.text == recognizer.recognize(page)
    assert read_page(recognizer, page[:3], layout='page').text == recognizer.recognize(page[:3])


def test_read_page_errors(recognizer):
    with pytest.raises(ValueError, match='unknown layout'):
        recognizer.read_page(page_of(1), layout='columns')
    with pytest.raises(ValueError, match='empty handwriting'):
        recognizer.read_page([])
    with pytest.raises(ValueError, match='not a list of strokes'):
        recognizer.read_page(7)


def test_a_single_stroke_is_a_page_of_one_line(recognizer):
    read = recognizer.read_page([[(0, 0, 0.0), (5, 1, 0.01), (9, 0, 0.02)]])
    assert len(read.lines) == 1 and read.lines[0].strokes == [0]


def test_synthetic_pages_know_each_line_and_word():
    style = PageStyle(lines=4, pitch=3.0, spacing=0.1, tilt=0.1, bend=0.05, turn=2.0,
                      late=1.0, corrections=1)
    page = synthetic_page(3, style=style)
    again = synthetic_page(3, style=style)
    assert all(np.array_equal(a, b) for a, b in zip(page.strokes, again.strokes))
    assert sorted(s for line in page.lines for s in line) == list(range(len(page.strokes)))
    starts = [s[0, 2] for s in page.strokes]
    assert starts == sorted(starts)
    for line, words, text in zip(page.lines, page.words, page.texts):
        assert len(words) == len(text.split(' '))
        assert sorted(s for w in words for s in w) == line
