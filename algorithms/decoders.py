"""The one interface every decoder of the network's output offers, and decoders by name.

A decoder turns a line's per-frame class probabilities (T, C) (class 0 the CTC blank,
class i + 1 character i of the table, see data.charset) into text:

    decoder.decode(probabilities) -> str
    decoder.decode_batch([probabilities, ...]) -> [str, ...]
    decoder.decode_nbest(probabilities, k) -> [(str, natural-log score), ...]  # k best texts

The Recognizer holds one (models.recognizer: token passing where the model folder has a
language model, else best path); recognize.py, serve.py, evaluate.py and the demos choose
one by name from DECODERS with the flags of models.decoder_options:

    best_path       algorithms.best_path.BestPathDecoder: the most likely class per frame,
                    no dictionary
    token_passing   algorithms.token_passing.TokenPassingDecoder: words of an ARPA language
                    model only (C++ core)

    from algorithms.decoders import make_decoder
    decoder = make_decoder('token_passing', char_table, 'weights/iam/lm.arpa', lm_weight=0.7)
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


def make_decoder(name, char_table, language_model=None, model_dir=None, **settings) -> Decoder:
    """The decoder called `name` over `char_table` (a data.charset.CharTable); the other
    arguments are token passing's (see token_passing_decoder)."""
    check_name(name)
    if name == 'best_path':
        if any(v is not None for v in settings.values()):
            raise ValueError(f'token passing settings given for best path: {settings}')
        return BestPathDecoder(char_table)
    return token_passing_decoder(char_table, language_model, model_dir, **settings)


def token_passing_decoder(char_table, language_model, model_dir=None, **settings):
    """The token passing decoder (algorithms.token_passing), or a clear ValueError. Its
    settings (lm_weight, word_penalty, nonword_penalty, beam) are those given (None: not
    given), else those stored in model_dir's decoder.json by tune_decoder.py, else the
    decoder's defaults."""
    try:
        from algorithms.token_passing import SETTINGS, TokenPassingDecoder, read_settings
    except ImportError as e:
        raise ValueError(f'the token passing decoder is not available ({e}); build it with '
                         f'`python setup.py build_ext --inplace`, or use best_path') from None
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f'unknown token passing settings: {", ".join(sorted(unknown))}; '
                         f'they are {", ".join(SETTINGS)}')
    if not os.path.isfile(language_model):
        raise ValueError(f'language model not found: {language_model} (token passing needs '
                         f'an ARPA file; build_lm.py writes one)')
    chosen = read_settings(model_dir) if model_dir else {}
    chosen.update((k, v) for k, v in settings.items() if v is not None)
    return TokenPassingDecoder(char_table.characters, language_model, **chosen)
