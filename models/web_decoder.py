"""What the web page's token passing decoder reads: the dictionary and language model as
one binary image (lm.bin), and the decoder's settings.

    from models.web_decoder import write_image, web_settings
    counts = write_image('weights/deployed/iam/lm.bin', char_table.characters, 'weights/iam/lm.arpa')
    settings = web_settings('weights/iam')   # decoder.json's, defaults filled in

The page runs the same C++ core as Python (algorithms/cpp, compiled to WebAssembly with
wasm_bindings.cpp, which documents the layout). The image holds exactly what Python hands
that core: the word forms as algorithms.token_passing_lexicon spells them (as class ids,
so the page needs no Unicode case rules of its own), and the language model's values as
the ARPA file gives them (log10), stored as int32 at the smallest decimal scale that holds
every value exactly, so that the page's natural logs equal Python's to the bit. The forms
are what makes it large (weights/iam: 98,114 words in 292,170 forms, 3.6 MB, 1.0 MB
gzipped); servers send it gzipped.
"""
import struct
import warnings

import numpy as np

from algorithms.token_passing import SETTINGS, language_model_arrays, read_settings
from algorithms.token_passing_lexicon import (default_beam, load_language_model, spell_lexicon,
                                              table_characters)

IMAGE_FILE = 'lm.bin'
MAGIC = b'HWRLM\0\0\1'  # format 1
MAX_SCALE = 9  # values are int32 / 10^scale; wasm_bindings.cpp knows 10^0..10^9
DEFAULTS = {'lm_weight': 1.0, 'word_penalty': 0.0, 'nonword_penalty': 0.0}  # TokenPassingDecoder's


def web_settings(model_dir) -> dict:
    """The four token passing settings Python would use for the model folder: those of its
    decoder.json, else TokenPassingDecoder's defaults (beam: default_beam(lm_weight))."""
    settings = {**DEFAULTS, **read_settings(model_dir)}
    settings.setdefault('beam', default_beam(settings['lm_weight']))
    return {k: settings[k] for k in SETTINGS}


def decimal_scale(values: np.ndarray) -> int:
    """The smallest k such that every value is an int32 / 10^k exactly (as the page divides);
    ValueError if none up to MAX_SCALE is."""
    for k in range(MAX_SCALE + 1):
        scaled = np.round(values * 10.0 ** k)
        if np.all(np.abs(scaled) < 2 ** 31) and np.array_equal(scaled / 10.0 ** k, values):
            return k
    raise ValueError(f'the language model has values with more than {MAX_SCALE} decimals '
                     f'(or too large), which the page\'s image cannot hold exactly')


def write_image(path, characters, language_model) -> dict:
    """Write the image of the dictionary and language model for the character table;
    return its counts (words, forms, bigrams). ValueError if the table has more than 255
    classes (a class is one byte) or the values cannot be held exactly."""
    characters = table_characters(characters)
    if len(characters) + 1 > 255:
        raise ValueError(f'{len(characters)} characters: the page\'s dictionary image holds '
                         f'at most 254 (one byte a class)')
    lm = load_language_model(language_model)
    with warnings.catch_warnings():  # the words dropped are Python's as well: no news here
        warnings.simplefilter('ignore', UserWarning)
        words, forms, labels, lm_words = spell_lexicon(characters, lm)
    a = language_model_arrays(lm, words)
    values = np.concatenate([a['unigram'], a['backoff'], a['logprob']])
    scale = decimal_scale(values)
    ints = np.round(values * 10.0 ** scale).astype('<i4')
    sizes = [len(words) + 1, len(words) + 1, len(a['logprob'])]
    unigram, backoff, logprob = np.split(ints, np.cumsum(sizes)[:-1])
    character_bytes = b''.join(c.encode('utf-8') + b'\0' for c in characters)
    label_bytes = b''.join(bytes(form) + b'\0' for form in labels)
    forms_per_word = np.bincount([w for w in lm_words if w >= 0], minlength=len(words))
    with open(path, 'wb') as f:
        f.write(MAGIC)
        f.write(struct.pack('<6I', len(characters) + 1, len(words), len(forms),
                            len(a['logprob']), int(a['has_end']), scale))
        f.write(struct.pack('<I', len(character_bytes)) + character_bytes)
        f.write(forms_per_word.astype(np.uint8).tobytes())
        f.write(struct.pack('<I', len(label_bytes)) + label_bytes)
        for array in (unigram, backoff, a['prev'], a['next'], logprob):
            f.write(np.asarray(array, '<i4').tobytes())
    return {'words': len(words), 'forms': len(forms), 'bigrams': len(a['logprob'])}
