"""Writer adaptation on a tiny model folder: what changes in the folder (the network's
weights, and a record in recognizer.json), that the adapted folder loads and recognizes,
that folded unit scales give the network they trained, and the errors for bad lines."""
import filecmp
import json
import os
from dataclasses import replace

import numpy as np
import pytest

from data.charset import CharTable
from models.adaptation import (Adapter, AdaptationError, Recipe, adapt_folder, adapt_network,
                               encode_lines)
from models.model_folder import TRAINING_DIR, read_config
from models.recognizer import Recognizer
from test_recognizer import CHARACTERS, fitted_pipeline, make_model_folder, random_line

TEXTS = ['abc', 'cab a', 'bca', 'a b c']


@pytest.fixture(scope='module')
def lines():
    rng = np.random.default_rng(1)
    return [random_line(rng, points=30) for _ in TEXTS]


@pytest.fixture(scope='module')
def base(tmp_path_factory, lines):
    """A tiny model folder with a language model, decoder settings and training state, so
    that what must travel unchanged is there to be checked."""
    folder = tmp_path_factory.mktemp('base') / 'tiny'
    make_model_folder(folder, CharTable(CHARACTERS), fitted_pipeline(lines),
                      build_options={'num_layers': 2}, dataset='datasets/x',
                      dataset_from_model='../../datasets/x')
    (folder / 'lm.arpa').write_text('\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 abc\n\n\\end\\\n')
    (folder / 'decoder.json').write_text('{"lm_weight": 0.5}')
    (folder / TRAINING_DIR).mkdir()
    (folder / TRAINING_DIR / 'log.csv').write_text('epoch\n1\n')
    return str(folder)


def test_adapting_changes_the_weights_and_nothing_else(base, lines, tmp_path):
    output = str(tmp_path / 'me')
    steps = []
    outcome = adapt_folder(base, output, lines, TEXTS,
                           Recipe(steps=4, learning_rate=1e-2, check=False),
                           progress=lambda step, total: steps.append((step, total)))
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)] and outcome.steps == 4
    assert sorted(os.listdir(output)) == sorted(set(os.listdir(base)) - {TRAINING_DIR})
    for name in ('lm.arpa', 'decoder.json'):
        assert filecmp.cmp(os.path.join(base, name), os.path.join(output, name), shallow=False)
    before, after = read_config(base), read_config(output)
    adapted = after.pop('adapted')
    assert adapted['from'] == os.path.normpath(base)
    assert (adapted['lines'], adapted['characters']) == (4, sum(map(len, TEXTS)))
    assert adapted['recipe']['steps'] == 4 and adapted['steps'] == 4
    assert not any('strokes' in key for key in json.dumps(adapted))  # never the ink
    # the data set is the same one, seen from the new folder
    assert (os.path.normpath(os.path.join(output, after.pop('dataset_from_model')))
            == os.path.normpath(os.path.join(base, before.pop('dataset_from_model'))))
    assert after == before
    base_model, adapted_model = (Recognizer.load(f).model for f in (base, output))
    changed = [not np.array_equal(a, b) for a, b in zip(base_model.get_weights(),
                                                        adapted_model.get_weights())]
    assert all(changed)  # every weight moves with weights='all'


def test_an_adapted_folder_loads_and_recognizes(base, lines, tmp_path):
    output = tmp_path / 'me'
    adapt_folder(base, str(output), lines, TEXTS, Recipe(steps=2, guard=False))
    recognizer = Recognizer.load(str(output))
    assert isinstance(recognizer.recognize(lines[0]), str)
    with pytest.raises(AdaptationError, match='already exists'):
        adapt_folder(base, str(output), lines, TEXTS, Recipe(steps=1))
    adapt_folder(base, str(output), lines, TEXTS, Recipe(steps=1, guard=False), overwrite=True)
    assert read_config(str(output))['adapted']['steps'] == 1
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.adapting')]


def test_recognizer_adapt_learns_the_lines_and_leaves_itself_alone(base, lines):
    """The held-out line is a copy of the first: adapting (the check, on the other four)
    must lower its loss."""
    recognizer = Recognizer.load(base)
    weights = recognizer.model.get_weights()
    adapted = recognizer.adapt(lines + lines[:1], TEXTS + TEXTS[:1],
                               Recipe(steps=10, learning_rate=1e-2))
    assert all(np.array_equal(a, b) for a, b in zip(weights, recognizer.model.get_weights()))
    assert adapted.decoder is recognizer.decoder and adapted.pipeline is recognizer.pipeline
    held_out = adapted.adaptation.held_out
    assert adapted.adaptation.steps > 0 and held_out['line'] == 5
    assert held_out['loss_after'] < held_out['loss_before']
    assert not all(np.array_equal(a, b) for a, b in zip(weights, adapted.model.get_weights()))
    assert isinstance(adapted.recognize(lines[0]), str)


def test_the_check_measures_the_last_line_then_trains_on_all(base, lines):
    """By default a first run on all lines but the last measures it, then training starts
    afresh on all of them: twice the steps, all kept, progress that says which run it is
    in, and the message says what the check saw. The network kept is not the check's: it
    differs from one trained on the first lines alone."""
    recognizer = Recognizer.load(base)
    adapter = Adapter(recognizer.model, recognizer.pipeline, recognizer.char_table)
    features, labels = encode_lines(recognizer.char_table, recognizer.pipeline, lines, TEXTS)
    ticks = []
    recipe = Recipe(steps=3, learning_rate=1e-2, augment=0, dropout=False)
    outcome = adapter.run(features, labels, recipe,
                          lambda step, total: ticks.append(recipe.progress(len(lines), step,
                                                                           total)))
    n = len(lines)
    assert ticks == [f'checking on {n - 1} of {n} lines: step {k} of 3' for k in (1, 2, 3)] + [
        f'adapting on all {n} lines: step {k} of 3' for k in (1, 2, 3)]
    assert outcome.steps == 3
    assert outcome.held_out['checked'] and outcome.held_out['line'] == len(lines)
    assert "took the held-out line's CER from" in outcome.message(len(lines))
    first = adapter.run(features[:-1], labels[:-1], replace(recipe, check=False)).weights
    assert not all(np.array_equal(a, b) for a, b in zip(first, outcome.weights))


@pytest.mark.parametrize('weights', ['output', 'top', 'scales'])
def test_only_the_chosen_weights_move(base, lines, weights):
    recognizer = Recognizer.load(base)
    model, _ = adapt_network(recognizer.model, recognizer.char_table, recognizer.pipeline,
                             lines, TEXTS, Recipe(weights=weights, steps=3,
                                                  learning_rate=1e-2, guard=False))
    moved = {layer.name for layer in model.layers if not all(
        np.array_equal(a, b) for a, b in zip(layer.get_weights(),
                                             recognizer.model.get_layer(layer.name).get_weights()))}
    assert moved == {'output': {'logits'}, 'top': {'bilstm_1', 'logits'},
                     'scales': {'bilstm_1', 'logits'}}[weights]  # scales fold into readers


def test_folded_scales_give_the_network_that_trained(base, lines):
    """LHUC scales folded into the next layers' kernels: the adapted plain network's
    output equals the training graph's (scales and all)."""
    recognizer = Recognizer.load(base)
    adapter = Adapter(recognizer.model, recognizer.pipeline, recognizer.char_table, 'scales')
    features, labels = encode_lines(recognizer.char_table, recognizer.pipeline, lines, TEXTS)
    outcome = adapter.run(features, labels, Recipe(weights='scales', steps=5,
                                                   learning_rate=5e-2, guard=False))
    import keras
    from models.network import logits_model
    folded = keras.models.clone_model(recognizer.model)
    folded.set_weights(outcome.weights)
    batch = features[0][None]
    expected = adapter.graph(batch, training=False)
    assert np.allclose(logits_model(folded)(batch), expected, atol=1e-5)


def test_the_divergence_term_keeps_the_outputs_near_the_base_network(base, lines):
    """Recipe.kl: the same steps with the divergence from the base's outputs in the loss
    move the outputs on the lines less than without it (and still move them)."""
    recognizer = Recognizer.load(base)
    adapter = Adapter(recognizer.model, recognizer.pipeline, recognizer.char_table)
    features, labels = encode_lines(recognizer.char_table, recognizer.pipeline, lines, TEXTS)
    batch = features[0][None]
    from models.network import logits_model
    before = logits_model(recognizer.model)(batch).numpy()

    def moved(kl):
        weights = adapter.run(features, labels, Recipe(steps=5, learning_rate=1e-2,
                                                       guard=False, augment=0, kl=kl)).weights
        adapter.copy.set_weights(weights)
        return float(np.abs(adapter.graph(batch).numpy() - before).mean())

    free, held = moved(0.0), moved(10.0)
    assert 0 < held < 0.5 * free
    with pytest.raises(ValueError, match='kl >= 0'):
        Recipe(kl=-1)


def test_the_guard_keeps_the_base_network_when_the_held_out_line_gets_worse(base, lines):
    """The others say one 'a' each, the held-out line many characters but no 'a': a network
    taught that lines are blanks and one 'a' reads it worse, so no step is kept."""
    recognizer = Recognizer.load(base)
    texts = ['a', 'a', 'a', 'cbcbcbcbcbcb']
    adapted = recognizer.adapt(lines, texts, Recipe(steps=10, learning_rate=0.1, guard=True,
                                                    dropout=False))
    outcome = adapted.adaptation
    assert outcome.steps == 0 and outcome.held_out['line'] == 4
    assert outcome.held_out['loss_after'] == outcome.held_out['loss_before']
    assert all(np.array_equal(a, b) for a, b in zip(recognizer.model.get_weights(),
                                                    adapted.model.get_weights()))


@pytest.mark.parametrize('read_after, kept', [('a b c', 5), ('a b x', 0)])
def test_the_guard_keeps_the_base_network_when_the_held_out_line_reads_worse(base, lines,
                                                                            read_after, kept):
    """A lower held-out loss is not enough: when the held-out line's text has more errors
    at the best step than before, the base network stays. The measurements are scripted
    (the training steps are real), so that both branches are reached."""
    recognizer = Recognizer.load(base)
    adapter = Adapter(recognizer.model, recognizer.pipeline, recognizer.char_table)
    features, labels = encode_lines(recognizer.char_table, recognizer.pipeline, lines, TEXTS)
    measured = iter([(10.0, 'a b c'), (4.0, read_after), (6.0, 'a b c')])
    adapter._measure = lambda batch: next(measured)
    outcome = adapter.run(features, labels, Recipe(steps=10, augment=0, guard=True,
                                                   dropout=False))
    assert outcome.steps == kept
    assert outcome.held_out['cer_after'] == (0.0 if kept else outcome.held_out['cer_before'])
    base_kept = all(np.array_equal(a, b) for a, b in zip(adapter.base, outcome.weights))
    assert base_kept == (kept == 0)


@pytest.mark.parametrize('lines_given, texts, message', [
    ([], [], 'no lines to adapt on'),
    (None, ['abc', ' '], 'two.inkml: the line has no text'),
    (None, ['abc', 'abz'], "two.inkml: characters outside the model's table: 'z'"),
    ([[[(0, 0, 0)]], []], ['abc', 'abc'], 'one.inkml: unusable ink'),
])
def test_bad_lines_get_one_error_naming_the_line(base, lines, lines_given, texts, message):
    recognizer = Recognizer.load(base)
    given = lines[:2] if lines_given is None else lines_given
    with pytest.raises(AdaptationError, match=message):
        recognizer.adapt(given, texts, names=['one.inkml', 'two.inkml'])


def test_a_config_without_the_folder_is_refused(tmp_path, lines):
    with pytest.raises(ValueError, match='model folder not found'):
        adapt_folder(str(tmp_path / 'nothing'), str(tmp_path / 'me'), lines, TEXTS)
    assert not os.path.exists(tmp_path / 'me')
