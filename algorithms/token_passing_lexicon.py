"""What the two token passing decoders build their search from, so that both build the
same: the character table, the dictionary spelled with it (its chains), the default beam,
and the rule that input matrices are NumPy arrays.

The C++ decoder (algorithms.token_passing) hands the chains to its core; the pure-Python
reference (algorithms.token_passing_reference, the tests' oracle) searches them itself. Its
docstring describes the model: which words, forms and non-word characters a line may hold.
"""
import warnings
from os import PathLike

import numpy as np

from algorithms.language_model import WORD_PATTERN, LanguageModel, read_arpa

NON_WORD = -1  # the word id of a non-word character's chain
BEAM_PER_LM_WEIGHT = 12.0  # see default_beam


def default_beam(lm_weight: float) -> float:
    """The beam when none is given: 12 x max(1, lm_weight), in natural-log units.

    A token inside a word counts lm_weight x the language model look-ahead of its prefix
    (the best the words below it could get), so the scores the beam compares carry
    language model terms of the size lm_weight * ln P: the beam has to grow with the
    weight. On the synthetic benchmark (benchmarks/bench_token_passing.py, lm_weight 1)
    accuracy stopped improving at a beam of 12 (CER 6.6, 6.0, 5.9% at 10, 12, 14), while
    time per line grew 2.8-fold from 12 to 14. On real lines tune_decoder.py chooses.
    """
    return BEAM_PER_LM_WEIGHT * max(1.0, lm_weight)


def load_language_model(language_model) -> LanguageModel:
    """A LanguageModel as given, or read from an ARPA file path."""
    if isinstance(language_model, LanguageModel):
        return language_model
    if isinstance(language_model, (str, PathLike)):
        return read_arpa(language_model)
    raise TypeError(f'language_model must be a LanguageModel or the path of an ARPA file, '
                    f'got {type(language_model).__name__}')


def table_characters(characters) -> list:
    """The character table as a list: from a data.charset.CharTable, a str, or a list of
    one-character strings."""
    characters = list(getattr(characters, 'characters', characters))
    for c in characters:
        if not (isinstance(c, str) and len(c) == 1):
            raise ValueError(f'the character table must hold single characters, got {c!r}')
    if len(set(characters)) != len(characters):
        raise ValueError(f'the character table has duplicates: {characters!r}')
    if not characters:
        raise ValueError('the character table is empty')
    return characters


def is_word_letter(character: str) -> bool:
    """Letters begin and end dictionary words; every other table character (the
    apostrophe included) may be written between words."""
    return character.isalpha()


def word_forms(word: str) -> list:
    """The forms a dictionary word may be written in: as it is, Capitalized, UPPER."""
    forms = [word, word[:1].upper() + word[1:], word.upper()]
    return [f for i, f in enumerate(forms) if f not in forms[:i]]


def spell_lexicon(characters, lm: LanguageModel):
    """The chains the search may write, from the language model's words and the table.

    Returns (words, forms, labels, lm_words): the dictionary words kept, then per chain
    its text, classes and word id (an index into words; -1 for a non-word character).
    Word forms come first, in word order; the non-word characters follow, in table order.
    Words that are not runs of word characters, or that the table cannot spell in any
    form, are dropped with one warning that counts them (a model from an outside corpus
    may hold many); ValueError when none is left."""
    classes = {c: i + 1 for i, c in enumerate(characters)}
    table, class_of = set(classes), classes.__getitem__  # set and map: Recognizer.load's
    words, forms, labels, lm_words, dropped = [], [], [], [], []  # loop, 292,170 forms
    for word in lm.words:
        spelled = WORD_PATTERN.fullmatch(word) and [f for f in word_forms(word)
                                                    if table.issuperset(f)]
        if not spelled:
            dropped.append(word)
            continue
        for form in spelled:
            forms.append(form)
            labels.append(list(map(class_of, form)))
            lm_words.append(len(words))
        words.append(word)
    if not words:
        raise ValueError('the dictionary is empty: the language model has no word that the '
                         'character table can spell')
    if dropped:
        warnings.warn(f'token passing: dropped {len(dropped):,} of {len(lm.words):,} language '
                      f'model words that are not runs of letters (and apostrophes) or that '
                      f'the character table cannot spell, e.g. {dropped[0]!r}')
    for c in characters:
        if not is_word_letter(c):
            forms.append(c)
            labels.append([classes[c]])
            lm_words.append(NON_WORD)
    return words, forms, labels, lm_words


def require_array(matrix):
    if not isinstance(matrix, np.ndarray):
        raise TypeError(f'matrix must be a NumPy array, got {type(matrix).__name__}')
