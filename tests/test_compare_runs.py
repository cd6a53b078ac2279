"""studies/compare_runs.py on hand-written training logs: the table puts each run's CER
under its epoch, names the best, and shifts the picture by each run's head start."""
import os

import pytest

from studies.compare_runs import main, read_runs, table

HEADER = 'epoch,loss,val_loss,val_cer,val_wer,learning_rate,seconds\n'


def _run(tmp_path, name, cers):
    folder = tmp_path / name
    (folder / 'training').mkdir(parents=True)
    rows = ''.join(f'{e},1,1,{cer},0.5,0.003,10\n' for e, cer in enumerate(cers, 1))
    (folder / 'training' / 'log.csv').write_text(HEADER + rows)
    return str(folder)


def test_table_aligns_epochs_and_names_the_best(tmp_path):
    scratch = _run(tmp_path, 'scratch', [0.9, 0.4, 0.3])
    init = _run(tmp_path, 'init', [0.2, 0.25])
    lines = table(read_runs([scratch, init]), [0, 31]).splitlines()
    assert lines[0] == '| run | head start | 1 | 2 | 3 | best |'
    assert lines[2] == '| scratch | 0 | 90.0% | 40.0% | 30.0% | 30.0% (3) |'
    assert lines[3] == '| init | 31 | 20.0% | 25.0% |  | 20.0% (1) |'


def test_draws_the_picture_and_refuses_mismatched_head_starts(tmp_path, capsys):
    scratch = _run(tmp_path, 'scratch', [0.9, 0.4])
    output = str(tmp_path / 'curves.png')
    main([scratch, '--head_start', '3', '--output', output])
    assert os.path.getsize(output) > 1000
    assert '| scratch | 3 | 90.0% | 40.0% | 40.0% (2) |' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([scratch, '--head_start', '1', '2'])
    assert 'one value per run' in capsys.readouterr().err


def test_a_folder_without_a_log_is_one_line(tmp_path):
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / 'missing')])
    assert str(stop.value).startswith('compare_runs: error: no training log at')
