"""tune_decoder.py's coordinate search: the best value of each accuracy setting, and for
the beam the smallest within the tolerance (measured CER + WER stubbed by a known table)."""
import tune_decoder

BEAM_COST = {10.0: 0.004, 12.0: 0.002, 14.0: 0.0005, 16.0: 0.0}  # CER + WER above the best


def stub_error(settings):
    """CER of a pretend decoder: lowest at lm_weight 0.7, word_penalty 0, nonword -1."""
    return (abs(settings['lm_weight'] - 0.7) + abs(settings['word_penalty']) +
            abs(settings['nonword_penalty'] + 1.0) + BEAM_COST[settings['beam']])


def test_coordinate_search_keeps_the_smallest_beam_within_the_tolerance(monkeypatch, capsys):
    def measure(decoder, probabilities, texts, threads):  # decoder: its settings
        return stub_error(decoder), 0.0, 1.0

    monkeypatch.setattr(tune_decoder, 'measure', measure)
    best, (c, w, _) = tune_decoder.coordinate_search(dict, [], [], 1, tolerance=0.0025)
    assert best == {'lm_weight': 0.7, 'word_penalty': 0.0, 'nonword_penalty': -1.0, 'beam': 12.0}
    assert c + w == BEAM_COST[12.0]
    assert sorted(tune_decoder.GRID['beam']) == [10.0, 12.0, 14.0, 16.0]
    assert 'word_beam' not in capsys.readouterr().out.splitlines()[0]
    best, _ = tune_decoder.coordinate_search(dict, [], [], 1, tolerance=0.0)
    assert best['beam'] == 16.0


def test_defaults_tune_on_1000_lines_with_a_quarter_point_tolerance():
    args = tune_decoder.parse_args(['--model', 'weights/iam'])
    assert (args.lines, args.tolerance) == (1000, 0.0025)
