"""The one interface every decoder of the network's output offers, and decoders by name.

A decoder turns a line's per-frame class probabilities (T, C) (class 0 the CTC blank,
class i + 1 character i of the table, see data.charset) into text:

    decoder.decode(probabilities) -> str
    decoder.decode_batch([probabilities, ...]) -> [str, ...]
    decoder.decode_nbest(probabilities, k) -> [(str, natural-log score), ...]  # k best texts

The Recognizer holds one (models.recognizer); recognize.py, serve.py, evaluate.py and the
demos choose one by name from DECODERS:

    best_path       algorithms.best_path.BestPathDecoder: the most likely class per frame,
                    no dictionary
    token_passing   algorithms.token_passing.TokenPassingDecoder: words of an ARPA language
                    model only (C++ core)

    from algorithms.decoders import make_decoder
    decoder = make_decoder('token_passing', char_table, 'weights/iam/lm.arpa')
"""
import os
from typing import Protocol

from algorithms.best_path import BestPathDecoder

DECODERS = ('best_path', 'token_passing')


class Decoder(Protocol):
    def decode(self, probabilities) -> str:
        """The text of one line's (T, C) probabilities."""

    def decode_batch(self, matrices) -> list:
        """The texts of several lines, in order."""

    def decode_nbest(self, probabilities, k) -> list:
        """[(text, natural-log score)] of up to k distinct texts of one line, best first."""


def check_name(name):
    """ValueError unless `name` is one of DECODERS."""
    if name not in DECODERS:
        raise ValueError(f'unknown decoder {name!r}; choose from {", ".join(DECODERS)}')


def make_decoder(name, char_table, language_model=None, lm_weight=None, word_penalty=None,
                 model_dir=None) -> Decoder:
    """The decoder called `name` over `char_table` (a data.charset.CharTable); the other
    arguments are token passing's (see token_passing_decoder)."""
    check_name(name)
    if name == 'best_path':
        return BestPathDecoder(char_table)
    return token_passing_decoder(char_table, language_model, lm_weight, word_penalty,
                                 model_dir)


def token_passing_decoder(char_table, language_model, lm_weight=None, word_penalty=None,
                          model_dir=None):
    """The token passing decoder (algorithms.token_passing), or a clear ValueError; its
    settings are those given, else those stored in model_dir by tune_decoder.py."""
    try:
        from algorithms.token_passing import TokenPassingDecoder, read_settings
    except ImportError as e:
        raise ValueError(f'the token passing decoder is not available ({e}); build it with '
                         f'`python setup.py build_ext --inplace`, or use best_path') from None
    if not os.path.isfile(language_model):
        raise ValueError(f'language model not found: {language_model} (token passing needs '
                         f'an ARPA file; build_lm.py writes one)')
    settings = read_settings(model_dir) if model_dir else {}
    settings.update((k, v) for k, v in (('lm_weight', lm_weight), ('word_penalty', word_penalty))
                    if v is not None)
    return TokenPassingDecoder(char_table.characters, language_model, **settings)
