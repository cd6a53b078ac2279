"""The demo's "Learn my writing" without the window: the sentences it asks for, the lines
kept, and where the adapted model goes.

The user writes the sentence shown (or anything, and types or corrects its text), keeps the
line, and after a few lines adapts: the recognizer thread fine-tunes a copy of the model
on them (models.adaptation.adapt_folder), the last line held out to measure the gain, and
the window switches to the copy. Each adaptation starts again from the base model with all
the lines kept so far.
"""
import os

# Short sentences that use many letters between them; those the model cannot spell are
# left out (a model trained on a smaller table).
PROMPTS = (
    'The quick brown fox jumps over the lazy dog.',
    'Pack my box with five dozen liquor jugs.',
    'Sphinx of black quartz, judge my vow.',
    'How vexingly quick daft zebras jump!',
    'We were promised twenty new books by Friday.',
    'Jackdaws love my big sphinx of quartz.',
)
MIN_LINES = 3  # two to learn from and one held out


class Lessons:
    """The lines kept for adapting: strokes with their texts, and the next prompt."""

    def __init__(self, characters, prompts=PROMPTS):
        known = set(characters)
        self.prompts = [p for p in prompts if set(p) <= known] or ['']
        self.strokes, self.texts = [], []

    def prompt(self) -> str:
        """The sentence to write next (they come round again after the last)."""
        return self.prompts[len(self.texts) % len(self.prompts)]

    def keep(self, strokes, text, characters):
        """Keep a line; a message saying why not (None when kept)."""
        text = (text or '').strip()
        if not strokes:
            return 'Write the line on the canvas first.'
        if not text:
            return 'Type what the line says in the box first.'
        unknown = sorted(set(text) - set(characters))
        if unknown:
            return f'The model cannot learn {"".join(unknown)!r}: take it out of the text.'
        self.strokes.append([list(stroke) for stroke in strokes])
        self.texts.append(text)
        return None

    def ready(self) -> bool:
        return len(self.texts) >= MIN_LINES

    def __len__(self):
        return len(self.texts)


def adapted_folder(model_dir) -> str:
    """Where the demo writes a model adapted from `model_dir`: beside it, '-adapted' added."""
    model_dir = os.path.normpath(model_dir)
    return os.path.join(os.path.dirname(model_dir), os.path.basename(model_dir) + '-adapted')
