"""The demo's "Learn my writing" logic without the window: prompts the model can spell,
lines kept only with their text, and where the adapted folder goes."""
import os

from demo.learning import MIN_LINES, PROMPTS, Lessons, adapted_folder

STROKES = [[(0.0, 0.0, 0.0), (5.0, 1.0, 0.1)]]


def test_prompts_are_those_the_model_can_spell_and_come_round_again():
    lessons = Lessons(set(''.join(PROMPTS)) - {'z'})
    assert lessons.prompts and all('z' not in p for p in lessons.prompts)
    first = lessons.prompt()
    for _ in lessons.prompts:
        assert lessons.keep(STROKES, lessons.prompt(), set(''.join(PROMPTS))) is None
    assert lessons.prompt() == first and len(lessons) == len(lessons.prompts)


def test_a_line_is_kept_only_with_ink_and_text_the_model_knows():
    lessons = Lessons('abc ')
    assert lessons.prompts == ['']  # none of the prompts: the user types their own text
    assert 'Write the line' in lessons.keep([], 'abc', 'abc ')
    assert 'Type what the line says' in lessons.keep(STROKES, '  ', 'abc ')
    assert "cannot learn 'xz'" in lessons.keep(STROKES, 'zax', 'abc ')
    for n in range(MIN_LINES):
        assert not lessons.ready()
        assert lessons.keep(STROKES, ' ab c ', 'abc ') is None
    assert lessons.ready() and lessons.texts == ['ab c'] * MIN_LINES


def test_the_adapted_folder_sits_beside_the_model():
    assert adapted_folder('weights/iam/') == os.path.join('weights', 'iam-adapted')
