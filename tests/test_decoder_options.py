"""The decoder flags every tool that decodes shares (models.decoder_options), and the default
decoder of a model folder: token passing with its decoder.json where it has lm.arpa."""
import argparse
import os
import shutil

import pytest

from models.decoder_options import (add_decoder_arguments, check_decoder_arguments,
                                    load_recognizer)
from models.model_folder import default_decoder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, 'weights', 'synthetic')

pytestmark = pytest.mark.skipif(not os.path.isdir(MODEL), reason='weights/synthetic missing')


def parse(*argv):
    parser = argparse.ArgumentParser(prog='tool')
    parser.add_argument('--model', default=MODEL)
    add_decoder_arguments(parser)
    args = parser.parse_args(argv)
    check_decoder_arguments(parser, args)
    return args


def test_the_default_is_token_passing_where_the_folder_has_a_language_model(tmp_path):
    assert default_decoder(MODEL) == 'token_passing'
    assert default_decoder(str(tmp_path)) == 'best_path'
    assert default_decoder(str(tmp_path), language_model='some.arpa') == 'token_passing'


def test_flags_reach_the_decoder_and_the_rest_come_from_the_folder(tmp_path, capsys):
    folder = tmp_path / 'model'
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns('training'))
    (folder / 'decoder.json').write_text('{"lm_weight": 0.5, "word_penalty": -1, '
                                         '"nonword_penalty": -2, "beam": 9}')
    recognizer = load_recognizer(parse('--model', str(folder), '--lm_weight', '2',
                                       '--beam', '11'), 'tool')
    decoder = recognizer.decoder
    assert recognizer.decoder_name == 'token_passing'
    assert (decoder.lm_weight, decoder.word_penalty, decoder.nonword_penalty,
            decoder.beam) == (2.0, -1.0, -2.0, 11.0)
    assert capsys.readouterr().err == ''


def test_best_path_on_request_or_where_there_is_no_language_model(tmp_path, capsys):
    assert load_recognizer(parse('--decoder', 'best_path'), 'tool').decoder_name == 'best_path'
    assert capsys.readouterr().err == ''
    folder = tmp_path / 'no-lm'
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns('lm.arpa', 'training'))
    assert load_recognizer(parse('--model', str(folder)), 'tool').decoder_name == 'best_path'
    assert capsys.readouterr().err.splitlines() == [
        f'tool: note: {folder} has no language model (lm.arpa): decoding by best path '
        '(build_lm.py writes one)']


@pytest.mark.parametrize('argv', [('--decoder', 'best_path', '--lm', 'x.arpa'),
                                  ('--decoder', 'best_path', '--word_penalty', '1')])
def test_token_passing_flags_with_best_path_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)
    assert "token passing's" in capsys.readouterr().err
