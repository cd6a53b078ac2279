"""The character table: which characters a model can write, and their class ids.

Class 0 is the CTC blank (Keras 3's `mask_index=0`); character i of the table is class
i + 1. The table is built from training transcriptions only, so that validation and test
texts measure honestly what the model cannot write.
"""
import unicodedata
from collections import Counter
from typing import Iterable

import numpy as np

BLANK = 0


def ctc_min_frames(labels) -> int:
    """Fewest frames CTC needs for `labels` (a text, or its class ids): one per label, plus
    a blank between repeats."""
    return len(labels) + sum(1 for a, b in zip(labels, labels[1:]) if a == b)


def normalize_text(text: str) -> str:
    """NFC, so that 'é' typed two ways is one character."""
    return unicodedata.normalize('NFC', text)


class CharTable:
    def __init__(self, characters):
        characters = list(characters)
        if len(set(characters)) != len(characters):
            raise ValueError(f'character table has duplicates: {characters!r}')
        if not characters:
            raise ValueError('character table is empty')
        self.characters = characters
        self._index = {c: i + 1 for i, c in enumerate(characters)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> 'CharTable':
        seen = set()
        for text in texts:
            seen.update(normalize_text(text))
        return cls(sorted(seen))

    @property
    def num_classes(self) -> int:
        """Characters plus the blank: the width of the model's softmax."""
        return len(self.characters) + 1

    def unknown(self, text: str) -> Counter:
        """Characters of `text` that the table lacks, with their counts."""
        return Counter(c for c in normalize_text(text) if c not in self._index)

    def encode(self, text: str) -> np.ndarray:
        """Class ids of `text`; characters missing from the table are left out."""
        return np.array([self._index[c] for c in normalize_text(text) if c in self._index],
                        dtype=np.int32)

    def encode_many(self, texts) -> tuple:
        """Class ids of many texts at once -> (ids of all texts concatenated, offsets (n+1,))."""
        encoded = [self.encode(text) for text in texts]
        offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded], dtype=np.int64)])
        ids = np.concatenate(encoded) if encoded else np.zeros(0, np.int32)
        return ids.astype(np.int32, copy=False), offsets

    def decode(self, ids) -> str:
        return ''.join(self.characters[i - 1] for i in ids if 0 < i <= len(self.characters))

    def to_json(self) -> dict:
        return {'characters': self.characters, 'blank': BLANK}

    @classmethod
    def from_json(cls, data: dict) -> 'CharTable':
        if data.get('blank', BLANK) != BLANK:
            raise ValueError(f'character table has blank {data["blank"]!r}, expected {BLANK}')
        characters = data['characters']
        if not isinstance(characters, list) or not all(
                isinstance(c, str) and len(c) == 1 for c in characters):
            raise ValueError('character table: "characters" must be a list of one-character '
                             'strings')
        return cls(characters)

    def __len__(self):
        return len(self.characters)

    def __eq__(self, other):
        return isinstance(other, CharTable) and self.characters == other.characters
