"""studies/error_breakdown.py on hand-written evaluate.py output: every edit counted once,
by kind and by class (the classes add up to the CER), the LOB-style spaces before
punctuation taken out for the second CER, and one clear line for an unusable file."""
import csv
import json

import pytest

from studies.error_breakdown import breakdown, main, read_results

ROWS = [('Mr . Foot sat', 'Mr. foot sa'),  # ' ' dropped (LOB), 'F'->'f', 't' dropped
        ('an 3 ox', 'on 3 ox'),            # 'a'->'o'
        ('it is', 'itis.')]                # ' ' dropped, '.' added


def write_jsonl(path, rows):
    path.write_text(''.join(json.dumps({'id': str(i), 'truth': t, 'prediction': p}) + '\n'
                            for i, (t, p) in enumerate(rows)))
    return str(path)


def test_counts_each_edit_by_kind_and_class():
    b = breakdown(ROWS)
    assert b['chars'] == 13 + 7 + 5
    assert b['edits'] == {('dropped', ' ', None): 2, ('read as', 'F', 'f'): 1,
                          ('dropped', 't', None): 1, ('read as', 'a', 'o'): 1,
                          ('added', None, '.'): 1}
    assert b['classes'] == {'spaces': 2, 'capitals': 1, 'lower-case letters': 2,
                            'punctuation': 1}
    assert b['cer'] == pytest.approx(6 / 25)
    # without 'Mr .' -> 'Mr.' the truth is 24 characters, one edit fewer
    assert b['cer_untokenized'] == pytest.approx(5 / 24)


def test_reads_csv_and_jsonl_alike_and_prints_the_classes(tmp_path, capsys):
    with open(tmp_path / 'r.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['id', 'truth', 'prediction', 'char_edits'])
        writer.writerows([(i, t, p, 0) for i, (t, p) in enumerate(ROWS)])
    assert read_results(str(tmp_path / 'r.csv')) == ROWS == read_results(
        write_jsonl(tmp_path / 'r.jsonl', ROWS))
    main([str(tmp_path / 'r.jsonl')])
    out = capsys.readouterr().out
    assert '3 lines, 25 characters, 6 edits: CER 24.00% (20.83% without' in out
    assert 'lower-case letters 8.00, capitals 4.00, digits 0.00, spaces 8.00, punctuation 4.00' in out
    assert "dropped (3): ' ' dropped 2, 't' dropped 1" in out


@pytest.mark.parametrize('content, message', [
    ('', 'no lines'),
    ('{"truth": "a"}\n', "not an evaluate.py --output file .*'prediction'"),
    ('not json\n', 'not an evaluate.py --output file'),
])
def test_unusable_files_exit_with_one_line(tmp_path, content, message):
    path = tmp_path / 'bad.jsonl'
    path.write_text(content)
    with pytest.raises(SystemExit, match=message):
        read_results(str(path))
