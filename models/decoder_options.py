"""The decoder flags every tool that decodes shares, and loading a Recognizer by them.

recognize.py, evaluate.py, serve.py and the Tk demo take the same flags, added here once:

    --decoder          best_path or token_passing; default: the model folder's best
                       (token passing where it has lm.arpa: models.model_folder.default_decoder)
    --lm ARPA          the language model for token passing (default: the folder's lm.arpa)
    --lm_weight, --word_penalty, --nonword_penalty, --beam
                       token passing settings (default: the folder's decoder.json, written by
                       tune_decoder.py, else the decoder's own)

    add_decoder_arguments(parser)
    args = parser.parse_args(); check_decoder_arguments(parser, args)
    recognizer = load_recognizer(args, 'recognize.py')   # may raise ValueError

A model folder without a language model falls back to best path, and load_recognizer says
so in one line on stderr: the user asked for the best the folder has, and gets less.
"""
import sys

from algorithms.decoders import DECODERS

SETTING_HELP = {
    'lm_weight': "weight of the language model's log probabilities",
    'word_penalty': 'added to the log score once per word; negative: fewer, longer words',
    'nonword_penalty': 'added once per non-word character (space, punctuation, digit); '
                       'negative: fewer of them',
    'beam': 'tokens this far (natural log) below the best are dropped: larger is slower '
            'and may read better',
}


def add_decoder_arguments(parser):
    """--decoder, --lm and the token passing settings, on an argparse parser."""
    parser.add_argument('--decoder', choices=DECODERS,
                        help='best_path: the most likely character per frame, no dictionary; '
                        "token_passing: only words of the language model, weighted by it "
                        "(default: token passing where the model folder has lm.arpa, with "
                        'its decoder.json settings; else best path)')
    parser.add_argument('--lm', metavar='ARPA',
                        help='language model for token passing (default: lm.arpa in the '
                        'model folder)')
    for name, text in SETTING_HELP.items():
        parser.add_argument(f'--{name}', type=float,
                            help=f"token passing: {text} (default: the model folder's "
                            "decoder.json, else the decoder's own)")


def token_passing_settings(args) -> dict:
    """The token passing settings given on the command line ({} when none)."""
    return {name: getattr(args, name) for name in SETTING_HELP
            if getattr(args, name) is not None}


def check_decoder_arguments(parser, args):
    """Token passing's flags make no sense with --decoder best_path: a usage error."""
    if args.decoder == 'best_path' and (args.lm or token_passing_settings(args)):
        parser.error(f'--lm and --{", --".join(SETTING_HELP)} are token passing\'s: '
                     'leave out --decoder best_path')


def load_recognizer(args, tool, model=None, language_model=None, **options):
    """The Recognizer of args.model (or `model`) with the decoder the flags ask for;
    `language_model` stands in when --lm is not given. Says on stderr, in one line, when the
    folder's default had to fall back to best path. ValueError as Recognizer.load."""
    from models.recognizer import Recognizer  # TensorFlow: the Tk demo loads it on its thread
    model = model or args.model
    recognizer = Recognizer.load(model, args.decoder, args.lm or language_model, **options,
                                 **token_passing_settings(args))
    if args.decoder is None and recognizer.decoder_name == 'best_path':
        print(f'{tool}: note: {model} has no language model (lm.arpa): decoding by best path '
              f'(build_lm.py writes one)', file=sys.stderr)
    return recognizer
